import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

type JsonObject = { properties?: Record<string, unknown>; required?: string[] };

/**
 * The 2xx envelopes as clients receive them: `requestId` and `timestamp` are stamped on every
 * success body after serialization (`stampSuccessBody`), so the routes' schemas do not carry them.
 */
function withSuccessStamp<T extends { schema: unknown }>(transformed: T): T {
  const response = (transformed.schema as { response?: Record<string, JsonObject> }).response;
  for (const [status, body] of Object.entries(response ?? {})) {
    if (!status.startsWith('2') || !body.properties?.success) continue;
    body.properties = {
      success: body.properties.success,
      requestId: { type: 'string', description: 'the x-request-id of the request' },
      timestamp: { type: 'string', description: 'when the answer was sent (ISO 8601)' },
      ...body.properties,
    };
    body.required = [...new Set([...(body.required ?? []), 'requestId', 'timestamp'])];
  }
  return transformed;
}

/** OpenAPI 3 generated from the routes' zod schemas, with Swagger UI at /docs. */
export const docs = fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'PBShop API',
          version: '1.0.0',
          description:
            'Price-comparison shop backend. Success: `{ success: true, requestId, timestamp, data, meta? }`; failure: `{ success: false, error: { code, message, details? }, errorCode, message, statusCode, requestId, timestamp, path }`.',
        },
        servers: [{ url: '/' }],
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      },
      // schemas registered by id (recursive ones like the category tree) become components
      transformObject: jsonSchemaTransformObject,
      transform: (input) => {
        const transformed = withSuccessStamp(jsonSchemaTransform(input));
        const access = input.route.config?.access;
        if (access && access !== 'public') {
          transformed.schema = {
            ...transformed.schema,
            security: [{ bearer: [] }],
          } as typeof transformed.schema;
        }
        return transformed;
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'docs' },
);
