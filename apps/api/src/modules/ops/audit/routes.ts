import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorResponses, page, pagedEnvelope } from '../../../http/envelope.ts';
import { auditEntry, auditLogQuery } from './schemas.ts';
import type { AdminAuditService } from './service.ts';

/** The admin audit trail, newest first (ADMIN only): who retried, deleted, paused what, and how it ended. */
export function auditLogRoutes({
  auditLog,
}: {
  auditLog: Pick<AdminAuditService, 'list'>;
}): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    routes.get(
      '/admin/audit-log',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['ops'],
          summary:
            'Admin actions, newest first (`page`, `limit` 1..100), optionally of one `action`, `actorId` or `result`',
          querystring: auditLogQuery,
          response: { 200: pagedEnvelope(auditEntry), ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => {
        const { items, totalCount } = await auditLog.list(request.query);
        return page(items, { page: request.query.page, limit: request.query.limit, totalCount });
      },
    );
  };
}
