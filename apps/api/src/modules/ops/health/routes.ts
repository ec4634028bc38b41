import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { healthResponse, liveResponse } from './schemas.ts';
import type { HealthService } from './service.ts';

export function healthRoutes({ health }: { health: HealthService }): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    routes.get(
      '/health',
      {
        // probes must never be rate limited
        config: { access: 'public', rateLimit: false },
        schema: {
          tags: ['health'],
          summary: 'Each dependency with status and latency, and the live workers',
          response: { 200: healthResponse, 503: healthResponse },
        },
      },
      async (request, reply) => {
        const report = await health.report();
        if (report.status === 'down') {
          const down = Object.entries(report.checks)
            .filter(([, check]) => check.status === 'down')
            .map(([name]) => name);
          return reply.code(503).send({
            success: false,
            data: report,
            error: { code: 'SERVICE_UNAVAILABLE', message: `down: ${down.join(', ')}` },
            requestId: request.id,
          });
        }
        return { success: true, data: report };
      },
    );
    routes.get(
      '/health/live',
      {
        // probes must never be rate limited
        config: { access: 'public', rateLimit: false },
        schema: {
          tags: ['health'],
          summary: 'Liveness: the process answers',
          response: { 200: liveResponse },
        },
      },
      async () => ({ status: 'up' as const }),
    );
  };
}
