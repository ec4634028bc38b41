import Fastify, { LogController } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiDeps } from './deps.ts';
import { healthRoutes } from './modules/health/routes.ts';
import { errorHandling } from './plugins/errors.ts';
import { requestContext, requestIdFrom } from './plugins/request-context.ts';

/** The whole HTTP API as one Fastify instance; main.ts listens on it, tests `inject` into it. */
export async function buildApp(deps: ApiDeps) {
  const app = Fastify({
    loggerInstance: deps.logger,
    genReqId: (request) => requestIdFrom(request.headers['x-request-id']),
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    bodyLimit: 1024 * 1024,
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(requestContext);
  await app.register(errorHandling);

  // load balancers probe /health at the root; clients use the versioned base
  await app.register(healthRoutes(deps));
  await app.register(healthRoutes(deps), { prefix: '/api/v1' });
  return app;
}
