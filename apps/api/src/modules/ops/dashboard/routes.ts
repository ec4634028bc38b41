import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok } from '../../../http/envelope.ts';
import { opsDashboardSummary } from './schemas.ts';
import type { OpsDashboardService } from './service.ts';

const errors = errorResponses(401, 403);

/** The ops dashboard (API §50, contract §2.B.7) with the runbook §6 rollback signals. Admins only. */
export function opsDashboardRoutes({
  opsDashboard,
}: {
  opsDashboard: OpsDashboardService;
}): FastifyPluginAsync {
  return async (app) => {
    app.withTypeProvider<ZodTypeProvider>().get(
      '/admin/ops-dashboard/summary',
      {
        config: { access: 'admin' as const },
        schema: {
          tags: ['ops'],
          summary:
            'Health, search outbox, crawler and queues in one answer, alerts from OPS_ALERT_* thresholds and the runbook §6 rollback signals; a part that cannot be read is null with its cause in errors (200, degraded)',
          response: { 200: envelope(opsDashboardSummary), ...errors },
        },
      },
      async () => ok(await opsDashboard.summary()),
    );
  };
}
