import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok, page, pagedEnvelope, pageQuery } from '../../../http/envelope.ts';
import {
  buildParams,
  buyBackEstimate,
  categoryParams,
  productParams,
  usedCategoryPrice,
  usedProductPrice,
} from './schemas.ts';
import type { UsedMarketService } from './service.ts';

/** Used market (API §41, USED-01..03). */
export function usedMarketRoutes({ usedMarket }: { usedMarket: UsedMarketService }): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['used-market'];

    routes.get(
      '/used-market/products/:productId/price',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary:
            'A product used price over the last 180 days: average, range, trend and monthly buckets (USED-01)',
          params: productParams,
          response: { 200: envelope(usedProductPrice), ...errorResponses(400, 404) },
        },
      },
      async (request) => ok(await usedMarket.productPrice(request.params.productId)),
    );

    routes.get(
      '/used-market/categories/:categoryId/prices',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary:
            'Used prices of a category (and its subcategories), the most listed products first (USED-02)',
          params: categoryParams,
          querystring: pageQuery,
          response: { 200: pagedEnvelope(usedCategoryPrice), ...errorResponses(400, 404) },
        },
      },
      async (request) => {
        const { items, totalCount } = await usedMarket.categoryPrices(
          request.params.categoryId,
          request.query,
        );
        return page(items, { ...request.query, totalCount });
      },
    );

    routes.post(
      '/used-market/pc-builds/:buildId/estimate',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'A buy-back estimate of a PC build from its parts used prices and age (USED-03)',
          params: buildParams,
          response: { 200: envelope(buyBackEstimate), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => ok(await usedMarket.buyBackEstimate(request.params.buildId)),
    );
  };
}
