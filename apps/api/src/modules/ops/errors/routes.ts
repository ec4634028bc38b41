import { type ErrorCode, errorCatalog, isErrorCode, languageFrom, messageOf } from '@pbshop/errors';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope, errorBody } from '../../../http/envelope.ts';
import { sendError } from '../../../plugins/errors.ts';

const catalogItem = z.object({
  key: z.string(),
  code: z.string().describe('equals key'),
  status: z.number().int(),
  message: z.string(),
});

/** The error catalog, in the caller's language (runbook §1: `GET /errors/codes`). */
export const errorRoutes: FastifyPluginAsync = async (app) => {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const item = (key: ErrorCode, header: string | undefined) => ({
    key,
    code: key,
    status: errorCatalog[key].status,
    message: messageOf(key, languageFrom(header)),
  });
  routes.get(
    '/errors/codes',
    {
      config: { access: 'public' },
      schema: {
        tags: ['errors'],
        summary: 'Every error code with its HTTP status and message',
        response: { 200: envelope(z.object({ total: z.number().int(), items: z.array(catalogItem) })) },
      },
    },
    async (request) => {
      const items = (Object.keys(errorCatalog) as ErrorCode[])
        .sort()
        .map((key) => item(key, request.headers['accept-language']));
      return { success: true as const, data: { total: items.length, items } };
    },
  );
  routes.get(
    '/errors/codes/:key',
    {
      config: { access: 'public' },
      schema: {
        tags: ['errors'],
        summary: 'One error code',
        params: z.object({ key: z.string().max(64) }),
        response: { 200: envelope(catalogItem), 404: errorBody },
      },
    },
    async (request, reply) => {
      const { key } = request.params;
      if (!isErrorCode(key)) return sendError(request, reply, 'NOT_FOUND', { key });
      return { success: true as const, data: item(key, request.headers['accept-language']) };
    },
  );
};
