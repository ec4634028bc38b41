import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok } from '../../../http/envelope.ts';
import {
  analyticsParams,
  lowestEver,
  predictionParams,
  pricePrediction,
  priceTrendQuery,
  unitPrice,
} from './schemas.ts';
import type { AnalyticsService } from './service.ts';

const errors = errorResponses(400, 404);

/** Price prediction (PRED-01..04) and price analytics (ANLY-01/02); all public. */
export function analyticsRoutes({ analytics }: { analytics: AnalyticsService }): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();

    routes.get(
      '/predictions/products/:productId/price-trend',
      {
        config: { access: 'public' },
        schema: {
          tags: ['analytics'],
          summary:
            'Price-trend prediction from the daily lowest-price history (PRED-01..04); the storefront sends horizonDays (= days) and lookbackDays (the fit window)',
          params: predictionParams,
          querystring: priceTrendQuery,
          response: { 200: envelope(pricePrediction), ...errors },
        },
      },
      async (request) =>
        ok(
          await analytics.priceTrend(
            request.params.productId,
            request.query.days,
            request.query.lookbackDays,
          ),
        ),
    );

    routes.get(
      '/analytics/products/:id/lowest-ever',
      {
        config: { access: 'public' },
        schema: {
          tags: ['analytics'],
          summary: 'Whether the current price is the all-time lowest (ANLY-01)',
          params: analyticsParams,
          response: { 200: envelope(lowestEver), ...errors },
        },
      },
      async (request) => ok(await analytics.lowestEver(request.params.id)),
    );

    routes.get(
      '/analytics/products/:id/unit-price',
      {
        config: { access: 'public' },
        schema: {
          tags: ['analytics'],
          summary: 'Price per unit of volume/quantity, e.g. per 100 g or per 10 sheets (ANLY-02)',
          params: analyticsParams,
          response: { 200: envelope(unitPrice), ...errors },
        },
      },
      async (request) => ok(await analytics.unitPrice(request.params.id)),
    );
  };
}
