import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * JSON bodies as Fastify parses them (prototype poisoning refused), except that an empty body is
 * no body: the storefront sends `Content-Type: application/json` on every call, bodiless POSTs
 * and DELETEs included. A route that needs a body then answers 400 VALIDATION_ERROR.
 */
export const jsonBody = fp(
  async (app: FastifyInstance) => {
    const parse = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (body === '') return done(null, undefined);
      return parse(request, body as string, done);
    });
  },
  { name: 'json-body' },
);
