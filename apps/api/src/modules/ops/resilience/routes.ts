import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorBody, errorResponses, ok } from '../../../http/envelope.ts';
import { member } from '../../../http/principal.ts';
import { breakerList, breakerParams, circuitBreaker, policyList, resetResult } from './schemas.ts';
import type { AuditRun, ResilienceAdminService } from './service.ts';

export interface ResilienceRoutesDeps {
  resilienceAdmin: ResilienceAdminService;
  /** the admin audit trail: every reset is recorded with who asked and how it ended */
  audit: AuditRun;
}

const errors = errorResponses(400, 401, 403, 503);

/**
 * The circuit breakers of every process for operators (API §47, ops contract §2.B.5, runbook §4.4),
 * ADMIN only: the list, the auto-tuned policies, one breaker, and a reset that reaches every process
 * holding it. Names contain `:` (`crawler:shop.example`); the storefront sends them unencoded.
 */
export function resilienceRoutes({ resilienceAdmin, audit }: ResilienceRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const admin = { access: 'admin' as const };
    const tags = ['resilience'];

    routes.get(
      '/resilience/circuit-breakers',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Every circuit breaker some live process holds, by name, with its holders',
          response: { 200: envelope(breakerList), ...errors },
        },
      },
      async () => ok({ items: await resilienceAdmin.list() }),
    );

    routes.get(
      '/resilience/circuit-breakers/policies',
      {
        config: admin,
        schema: {
          tags,
          summary: "Each breaker policy's options and the recent call counts auto-tuning moves them by",
          response: { 200: envelope(policyList), ...errors },
        },
      },
      async () => ok({ items: await resilienceAdmin.policies() }),
    );

    routes.get(
      '/resilience/circuit-breakers/:name',
      {
        config: admin,
        schema: {
          tags,
          summary: 'One circuit breaker across the processes holding it; 404 when none holds it',
          params: breakerParams,
          response: { 200: envelope(circuitBreaker), ...errors, 404: errorBody },
        },
      },
      async (request) => ok(await resilienceAdmin.get(request.params.name)),
    );

    routes.post(
      '/resilience/circuit-breakers/:name/reset',
      {
        config: admin,
        schema: {
          tags,
          summary:
            'Closes the breaker in every process holding it and answers it once they confirmed (up to 3 s); 404 when none holds it',
          params: breakerParams,
          response: { 200: envelope(resetResult), ...errors, 404: errorBody },
        },
      },
      async (request) => {
        const { name } = request.params;
        const result = await audit(
          {
            actorId: member(request).id,
            action: 'circuit-breaker.reset',
            target: name,
            requestId: request.id,
          },
          () => resilienceAdmin.reset(name),
          (reset) => ({ status: reset.breaker.status, unconfirmed: reset.unconfirmed }),
        );
        return ok(result);
      },
    );
  };
}
