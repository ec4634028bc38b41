import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope, errorResponses, ok, page, pagedEnvelope, pageQuery } from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import type { RunAudited } from '../../ops/audit/service.ts';
import {
  anomalyQuery,
  anomalyResult,
  effectivePriceItem,
  fraudAlertIdParams,
  fraudAlertListQuery,
  fraudAlertResponse,
  fraudProductParams,
  reviewResponse,
  scanResult,
} from './schemas.ts';
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
  /** the admin audit trail: a scan is recorded with the alerts it opened */
  audit: RunAudited;
}

/**
 * Fraud detection (API §39, FRAUD-01..02): the alerts (crawler holds and scan alerts) with their
 * review, the effective prices of a product's offers, their anomalies and the admin's scan.
 */
export function fraudAlertRoutes({ fraudAlerts, audit }: FraudAlertRoutesDeps): FastifyPluginAsync {
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
          summary: 'Approve an alert: a held price is written as the seller’s offer; a scanned offer stays',
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
          summary:
            'Reject an alert: a held price is discarded; a scanned offer still at that price is withdrawn',
          params: fraudAlertIdParams,
          response: { 200: envelope(reviewResponse), ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        await fraudAlerts.reject(request.params.alertId, member(request).id);
        return ok({ success: true, message: say(request, 'rejected') });
      },
    );
    routes.get(
      '/fraud/products/:productId/effective-prices',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: 'Every offer of the product with its price plus the shipping that applies (FRAUD-02)',
          params: fraudProductParams,
          response: { 200: envelope(z.array(effectivePriceItem)), ...errorResponses(400, 404) },
        },
      },
      async (request) => ok(await fraudAlerts.effectivePrices(request.params.productId)),
    );

    routes.get(
      '/fraud/products/:productId/anomalies',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: 'In-stock offers whose effective price is outside the bounds around the median (FRAUD-01)',
          params: fraudProductParams,
          querystring: anomalyQuery,
          response: { 200: envelope(anomalyResult), ...errorResponses(400, 404) },
        },
      },
      async (request) => ok(await fraudAlerts.anomalies(request.params.productId, request.query)),
    );

    routes.post(
      '/fraud/admin/products/:productId/scan',
      {
        config: admin,
        schema: {
          tags,
          summary:
            'The anomalies, each opened as a PENDING alert unless its offer has one (parameters in the query)',
          params: fraudProductParams,
          querystring: anomalyQuery,
          response: { 200: envelope(scanResult), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const { productId } = request.params;
        const result = await audit(
          {
            actorId: member(request).id,
            action: 'fraud.product.scan',
            target: `product/${productId}`,
            requestId: request.id,
            request: { ...request.query },
          },
          () => fraudAlerts.scan(productId, request.query),
          (scan) => ({ anomalyCount: scan.anomalyCount, newAlertCount: scan.newAlertCount }),
        );
        return ok(result);
      },
    );

    routes.get(
      '/fraud/admin/products/:productId/flags',
      {
        config: admin,
        schema: {
          tags,
          summary: 'The alerts of one product, every status, newest first',
          params: fraudProductParams,
          querystring: pageQuery,
          response: { 200: pagedEnvelope(fraudAlertResponse), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const { rows, totalCount } = await fraudAlerts.flags(request.params.productId, request.query);
        return page(rows, { page: request.query.page, limit: request.query.limit, totalCount });
      },
    );
  };
}
