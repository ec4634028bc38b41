import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

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
            'Price-comparison shop backend. Success: `{ success, data, meta? }`; failure: `{ success: false, error: { code, message, details? }, requestId }`.',
        },
        servers: [{ url: '/' }],
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      },
      // schemas registered by id (recursive ones like the category tree) become components
      transformObject: jsonSchemaTransformObject,
      transform: (input) => {
        const transformed = jsonSchemaTransform(input);
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
