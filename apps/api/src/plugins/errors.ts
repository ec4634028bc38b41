import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/** The failure envelope; the error catalog of the platform issue replaces these inline codes. */
export function failure(code: string, message: string, requestId: string, details?: unknown) {
  return {
    success: false as const,
    error: { code, message, ...(details === undefined ? {} : { details }) },
    requestId,
  };
}

export const errorHandling = fp(async (app: FastifyInstance) => {
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(failure('NOT_FOUND', `no route ${request.method} ${request.url}`, request.id));
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      return reply
        .code(400)
        .send(failure('VALIDATION_ERROR', 'request validation failed', request.id, error.validation));
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      return reply.code(status).send(failure(error.code ?? `HTTP_${status}`, error.message, request.id));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send(failure('INTERNAL_ERROR', 'internal server error', request.id));
  });
});
