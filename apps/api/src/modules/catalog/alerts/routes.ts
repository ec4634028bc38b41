import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  envelope,
  errorBody,
  errorResponses,
  messageBody,
  ok,
  page,
  pagedEnvelope,
} from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import { alertIdParams, alertListQuery, createAlertBody, priceAlert } from './schemas.ts';
import type { AlertsService } from './service.ts';

const say = localizedMessages({
  deleted: {
    ko: '가격 알림이 삭제되었습니다.',
    en: 'The price alert has been deleted.',
    ja: '価格アラートを削除しました。',
  },
});

const errors = errorResponses(400, 401, 403);

/** Lowest-price alerts of the caller (PRICE-05, ANLY-03); firing happens in the prices module. */
export function alertRoutes({ alerts }: { alerts: AlertsService }): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();

    routes.get(
      '/price-alerts',
      {
        config: { access: 'user' },
        schema: {
          tags: ['prices'],
          summary: 'My lowest-price alerts, newest first',
          querystring: alertListQuery,
          response: { 200: pagedEnvelope(priceAlert), ...errors },
        },
      },
      async (request) => {
        const { page: pageNumber, limit } = request.query;
        const { items, totalCount } = await alerts.list(member(request).id, pageNumber, limit);
        return page(items, { page: pageNumber, limit, totalCount });
      },
    );

    routes.post(
      '/price-alerts',
      {
        config: { access: 'user' },
        schema: {
          tags: ['prices'],
          summary:
            'Create a lowest-price alert: TARGET_PRICE (targetPrice), DROP_FROM_LAST_WEEK (dropPercent) ' +
            'or ALL_TIME_LOW (below every lowest price recorded before). ' +
            'It fires once, on the first offer change that makes it true (not at creation).',
          body: createAlertBody,
          response: { 201: envelope(priceAlert), ...errors, 404: errorBody, 409: errorBody },
        },
      },
      async (request, reply) => {
        const alert = await alerts.create(member(request).id, request.body);
        return reply.code(201).send(ok(alert));
      },
    );

    routes.delete(
      '/price-alerts/:id',
      {
        config: { access: 'user' },
        schema: {
          tags: ['prices'],
          summary: 'Delete one of my price alerts',
          params: alertIdParams,
          response: { 200: messageBody, ...errors, 404: errorBody },
        },
      },
      async (request) => {
        await alerts.remove(member(request).id, request.params.id);
        return ok({ message: say(request, 'deleted') });
      },
    );
  };
}
