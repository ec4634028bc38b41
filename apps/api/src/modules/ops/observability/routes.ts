import { AppError } from '@pbshop/errors';
import { bearerMatches } from '@pbshop/metrics';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope, errorResponses, ok } from '../../../http/envelope.ts';
import { dashboard, metricsQuery, metricsSummary, tracesQuery, tracesResult } from './schemas.ts';
import type { ObservabilityService } from './service.ts';

const errors = errorResponses(400, 401, 403);

/**
 * Request metrics of the last 15 minutes (all replicas), this process's recent traces and the
 * observability dashboard (API §51, contract §2.B.8). Admins only.
 */
export function observabilityRoutes({
  observability: service,
}: {
  observability: ObservabilityService;
}): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const admin = { access: 'admin' as const };

    routes.get(
      '/admin/observability/metrics',
      {
        config: admin,
        schema: {
          tags: ['observability'],
          summary:
            'Requests of the last 15 minutes across every API replica (failures included): count, error rate, latency percentiles, status classes, per route',
          querystring: metricsQuery,
          response: { 200: envelope(metricsSummary), ...errors },
        },
      },
      async (request) => ok(await service.metrics(request.query.route)),
    );

    routes.get(
      '/admin/observability/traces',
      {
        config: admin,
        schema: {
          tags: ['observability'],
          summary:
            "The answering API process's most recent requests, newest first (errors included; `limit` 1..200, default 50; `pathContains` case-insensitive)",
          querystring: tracesQuery,
          response: { 200: envelope(tracesResult), ...errors },
        },
      },
      async (request) => ok(service.traces(request.query.limit, request.query.pathContains)),
    );

    routes.get(
      '/admin/observability/dashboard',
      {
        config: admin,
        schema: {
          tags: ['observability'],
          summary:
            'Process, request metrics, queues, breakers, search sync, crawler and ops summary in one answer; a part that fails is null with its reason in errors',
          response: { 200: envelope(dashboard), ...errors },
        },
      },
      async () => ok(await service.dashboard()),
    );
  };
}

/**
 * `GET /metrics` at the root: this process's Prometheus exposition, for scrapers sending
 * `Authorization: Bearer <METRICS_TOKEN>`. Without a token configured the API does not serve it
 * (404): the API port is public.
 */
export function prometheusRoutes({
  observability: service,
  token,
}: {
  observability: Pick<ObservabilityService, 'prometheusText' | 'prometheusContentType'>;
  token: string | undefined;
}): FastifyPluginAsync {
  return async (app) => {
    app.withTypeProvider<ZodTypeProvider>().get(
      '/metrics',
      {
        // the bearer token is METRICS_TOKEN, not a member's: checked here
        config: { access: 'public' },
        schema: {
          tags: ['observability'],
          summary:
            'Prometheus metrics of this API process (text format 0.0.4); needs Authorization: Bearer <METRICS_TOKEN>, 404 when none is configured',
          response: {
            200: z.string().describe('Prometheus text exposition format'),
            ...errorResponses(401, 404),
          },
        },
      },
      async (request, reply) => {
        if (!token) throw new AppError('NOT_FOUND');
        if (!bearerMatches(request.headers.authorization, token)) throw new AppError('UNAUTHORIZED');
        return reply
          .type(service.prometheusContentType)
          .header('cache-control', 'no-store')
          .send(await service.prometheusText());
      },
    );
  };
}
