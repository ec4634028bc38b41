import { isDatabaseUnreachable, isSocketFailure } from '@pbshop/db';
import { AppError, type ErrorCode, errorCatalog, isErrorCode, languageFrom, messageOf } from '@pbshop/errors';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/** Sends the failure envelope with the catalog message in the client's language. */
export function sendError(request: FastifyRequest, reply: FastifyReply, code: ErrorCode, details?: unknown) {
  const message = messageOf(code, languageFrom(request.headers['accept-language']));
  const statusCode = errorCatalog[code].status;
  // the flat fields repeat the nested ones: the storefront shows the top-level `message`
  return reply.code(statusCode).send({
    success: false,
    error: { code, message, ...(details === undefined ? {} : { details }) },
    errorCode: code,
    message,
    statusCode,
    requestId: request.id,
    timestamp: new Date().toISOString(),
    // the path without its query, which may carry codes or tokens (OAuth callbacks)
    path: request.url.split('?', 1)[0]!.slice(0, 200),
  });
}

// Fastify's own errors for bodies it cannot take, mapped to our codes
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'MEDIA_TYPE_NOT_ALLOWED',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_ERROR',
  FST_ERR_VALIDATION: 'VALIDATION_ERROR',
  FST_ERR_NOT_FOUND: 'NOT_FOUND',
  FST_REQ_FILE_TOO_LARGE: 'FILE_TOO_LARGE',
  FST_FILES_LIMIT: 'VALIDATION_ERROR',
  FST_PARTS_LIMIT: 'VALIDATION_ERROR',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'MEDIA_TYPE_NOT_ALLOWED',
};

function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 415) return 'MEDIA_TYPE_NOT_ALLOWED';
  if (status === 429) return 'TOO_MANY_REQUESTS';
  return 'VALIDATION_ERROR';
}

/** seconds a client is told to wait before retrying while a dependency is unreachable */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * Whether an error means a dependency could not be reached, rather than a fault of ours:
 * 'database' when it was PostgreSQL (see `isDatabaseUnreachable`), 'unknown' for a socket that
 * found no server behind another call.
 */
export function unreachableDependency(error: unknown): 'database' | 'unknown' | undefined {
  if (isDatabaseUnreachable(error)) return 'database';
  return isSocketFailure(error) ? 'unknown' : undefined;
}

/**
 * One error handler: catalog errors as they are, validation failures with the offending fields,
 * Fastify's body errors mapped to codes, an unreachable dependency a 503 SERVICE_UNAVAILABLE with
 * Retry-After, and anything else a 500 INTERNAL_ERROR with no
 * internals in the body, logged with its stack and the request id.
 */
export const errorHandling = fp(async (app: FastifyInstance) => {
  app.setNotFoundHandler({ preHandler: app.rateLimit ? app.rateLimit() : undefined }, (request, reply) =>
    sendError(request, reply, 'NOT_FOUND', { method: request.method, url: request.url.slice(0, 200) }),
  );
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      reply.headers(error.headers);
      return sendError(request, reply, error.code, error.details);
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const fields = error.validation.map((issue) => ({
        field: [error.validationContext, issue.instancePath.replace(/^\//, '').replaceAll('/', '.')]
          .filter(Boolean)
          .join('.'),
        message: issue.message,
      }));
      return sendError(request, reply, 'VALIDATION_ERROR', fields);
    }
    const status = error.statusCode ?? 500;
    if (status < 500) {
      const mapped =
        (error.code && fastifyCodes[error.code]) ||
        (isErrorCode(error.code ?? '') ? (error.code as ErrorCode) : undefined);
      const code = mapped ?? (error instanceof SyntaxError ? 'MALFORMED_JSON' : codeForStatus(status));
      request.log.info({ err: error, code }, 'request refused');
      return sendError(request, reply, code);
    }
    const dependency = unreachableDependency(error);
    if (dependency) {
      // an outage, not a bug: the client may retry, and the health check names what is down
      request.log.warn({ err: error, dependency }, 'a dependency is unreachable');
      reply.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS));
      return sendError(
        request,
        reply,
        'SERVICE_UNAVAILABLE',
        dependency === 'database' ? { dependency } : undefined,
      );
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendError(request, reply, 'INTERNAL_ERROR');
  });
});
