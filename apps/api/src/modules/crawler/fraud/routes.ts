import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok, page, pagedEnvelope } from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import { fraudAlertIdParams, fraudAlertListQuery, fraudAlertResponse, reviewResponse } from './schemas.ts';
import type { FraudAlertsService } from './service.ts';

const say = localizedMessages({
  approved: {
    ko: '가격이 승인되어 반영되었습니다.',
    en: 'The price is approved and applied.',
    ja: '価格を承認し、反映しました。',
  },
  rejected: {
    ko: '가격이 거부되어 폐기되었습니다.',
    en: 'The price is rejected and discarded.',
    ja: '価格を却下し、破棄しました。',
  },
});

export interface FraudAlertRoutesDeps {
  fraudAlerts: FraudAlertsService;
}

/** Held anomalous crawled prices (API §39, FRAUD-01): the list, approve (apply) and reject (discard). */
export function fraudAlertRoutes({ fraudAlerts }: FraudAlertRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const admin = { access: 'admin' as const };
    const tags = ['fraud'];

    routes.get(
      '/fraud/alerts',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Anomalous prices held by the crawler, newest first (FRAUD-01)',
          querystring: fraudAlertListQuery,
          response: { 200: pagedEnvelope(fraudAlertResponse), ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => {
        const { rows, totalCount } = await fraudAlerts.list(request.query);
        return page(rows, { page: request.query.page, limit: request.query.limit, totalCount });
      },
    );

    routes.patch(
      '/fraud/alerts/:alertId/approve',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Approve a held price: it is written as the seller’s offer',
          params: fraudAlertIdParams,
          response: { 200: envelope(reviewResponse), ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        await fraudAlerts.approve(request.params.alertId, member(request).id);
        return ok({ success: true, message: say(request, 'approved') });
      },
    );

    routes.patch(
      '/fraud/alerts/:alertId/reject',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Reject a held price: it is discarded',
          params: fraudAlertIdParams,
          response: { 200: envelope(reviewResponse), ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        await fraudAlerts.reject(request.params.alertId, member(request).id);
        return ok({ success: true, message: say(request, 'rejected') });
      },
    );
  };
}
