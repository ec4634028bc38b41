import { AppError } from '@pbshop/errors';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorBody, errorResponses, ok } from '../../../http/envelope.ts';
import {
  fullReindexResult,
  indexStatus,
  outboxSummary,
  productIdParams,
  productReindexResult,
  requeueQuery,
  requeueResult,
} from './schemas.ts';
import type { SearchAdminService } from './service.ts';

const errors = errorResponses(400, 401, 403);

/**
 * The search index and its sync for operators (API §25, ops §2.B.3; runbook §4.2, §5.1): status,
 * outbox summary, requeue of failed rows, single-product and full reindex. Admins only.
 */
export function searchAdminRoutes({
  searchAdmin: service,
}: {
  searchAdmin: SearchAdminService;
}): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const admin = { access: 'admin' as const };

    routes.get(
      '/search/admin/index/status',
      {
        config: admin,
        schema: {
          tags: ['search-admin'],
          summary:
            'Search index status: alias, index, document and product counts, mapping, outbox lag, latest reindex (answers while OpenSearch is down)',
          response: { 200: envelope(indexStatus), ...errors },
        },
      },
      async () => ok(await service.status()),
    );

    routes.get(
      '/search/admin/index/outbox/summary',
      {
        config: admin,
        schema: {
          tags: ['search-admin'],
          summary: 'Index-sync outbox rows by status, the oldest pending age and the last sync',
          response: { 200: envelope(outboxSummary), ...errors },
        },
      },
      async () => ok(await service.outboxSummary()),
    );

    routes.post(
      '/search/admin/index/outbox/requeue-failed',
      {
        config: admin,
        schema: {
          tags: ['search-admin'],
          summary:
            'FAILED outbox rows (most recently failed first, `limit` 1..1000, default 100) back to PENDING',
          querystring: requeueQuery,
          response: { 200: envelope(requeueResult), ...errors },
        },
      },
      async (request) => ok({ requeuedCount: await service.requeueFailed(request.query.limit, request.id) }),
    );

    routes.post(
      '/search/admin/index/products/:id/reindex',
      {
        config: admin,
        schema: {
          tags: ['search-admin'],
          summary: 'Reindex one product: its current state is written to the index (or it leaves it)',
          params: productIdParams,
          response: { 202: envelope(productReindexResult), ...errors, 404: errorBody },
        },
      },
      async (request, reply) => {
        await service.reindexProduct(request.params.id, request.id);
        return reply.code(202).send(ok({ message: 'product reindex queued', productId: request.params.id }));
      },
    );

    routes.post(
      '/search/admin/index/reindex',
      {
        config: admin,
        schema: {
          tags: ['search-admin'],
          summary:
            'Full reindex, asynchronous: a new versioned index is built and the read alias swapped when done; 409 while one is queued or running',
          response: { 202: envelope(fullReindexResult), ...errors, 409: errorBody, 503: errorBody },
        },
      },
      async (request, reply) => {
        if (!request.principal) throw new AppError('UNAUTHORIZED');
        const { runId, jobId } = await service.fullReindex(request.principal.id, request.id);
        return reply
          .code(202)
          .send(ok({ message: 'full reindex queued', queued: true as const, jobId, runId }));
      },
    );
  };
}
