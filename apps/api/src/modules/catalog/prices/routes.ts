import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { CatalogCache } from '../../../catalog-cache/cache.ts';
import {
  envelope,
  errorBody,
  errorResponses,
  messageBody,
  ok,
  sendJson,
  serializeWith,
} from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import {
  createOfferBody,
  offerIdParams,
  priceComparison,
  priceEntry,
  priceHistoryQuery,
  priceHistoryResponse,
  productIdParams,
  realPriceQuery,
  realPriceResponse,
  updateOfferBody,
} from './schemas.ts';
import type { PricesService } from './service.ts';

const say = localizedMessages({
  deleted: {
    ko: '가격 정보가 삭제되었습니다.',
    en: 'The price entry has been deleted.',
    ja: '価格情報を削除しました。',
  },
});

const errors = errorResponses(400, 401, 403, 404);

/** Per-seller prices and the price history (PRICE-01/02, SELL-04/05). */
export interface PriceRoutesDeps {
  prices: PricesService;
  cache: CatalogCache;
  /** the next start or end of a deal of the product: a cached comparison never outlives it */
  dealBoundary?(productId: number): Promise<string>;
}

export function priceRoutes({ prices, cache, dealBoundary }: PriceRoutesDeps): FastifyPluginAsync {
  // an offer's product never changes, so it can be read before the write to know what to invalidate
  const offerProductId = (offerId: number) => prices.productIdOfOffer(offerId);
  /** an offer write changes the product's prices (detail, comparison) and the list order/filters */
  const writing = async <T>(productId: number | undefined, work: () => Promise<T>) =>
    productId === undefined ? work() : cache.afterWrite(work, () => cache.invalidateProduct(productId));
  const comparisonBody = serializeWith(envelope(priceComparison));
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();

    routes.get(
      '/products/:id/prices',
      {
        config: { access: 'public' },
        schema: {
          tags: ['prices'],
          summary: 'Per-seller price comparison, cheapest delivered price first (PRICE-01)',
          params: productIdParams,
          response: { 200: envelope(priceComparison), ...errors },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        return sendJson(
          reply,
          await cache.comparison(
            id,
            async () => ok(await prices.comparison(id)),
            comparisonBody,
            await dealBoundary?.(id),
          ),
        );
      },
    );

    routes.post(
      '/products/:id/prices',
      {
        config: { access: 'seller' },
        schema: {
          tags: ['prices'],
          summary:
            "Register a seller's price (SELL-04); a SELLER only for their own shop. `productUrl` is taken for `url`; `shippingInfo` is not stored",
          params: productIdParams,
          body: createOfferBody,
          response: { 201: envelope(priceEntry), ...errors, 409: errorBody },
        },
      },
      async (request, reply) => {
        const entry = await writing(request.params.id, () =>
          prices.create(request.params.id, request.body, member(request)),
        );
        return reply.code(201).send(ok(entry));
      },
    );

    routes.patch(
      '/prices/:id',
      {
        config: { access: 'seller' },
        schema: {
          tags: ['prices'],
          summary:
            "Update a seller's price (SELL-05); a SELLER only their own shop's. A shippingCost above 0 without shippingRule makes a FREE offer PAID",
          params: offerIdParams,
          body: updateOfferBody,
          response: { 200: envelope(priceEntry), ...errors },
        },
      },
      async (request) =>
        ok(
          await writing(await offerProductId(request.params.id), () =>
            prices.update(request.params.id, request.body, member(request)),
          ),
        ),
    );

    routes.delete(
      '/prices/:id',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['prices'],
          summary: 'Delete a price entry',
          params: offerIdParams,
          response: { 200: messageBody, ...errors },
        },
      },
      async (request) => {
        await writing(await offerProductId(request.params.id), () => prices.remove(request.params.id));
        return ok({ message: say(request, 'deleted') });
      },
    );

    routes.get(
      '/products/:id/real-price',
      {
        config: { access: 'public' },
        schema: {
          tags: ['prices'],
          summary:
            "A shop's delivered price: price, shipping fee, total (FRAUD-02); default the cheapest in stock",
          params: productIdParams,
          querystring: realPriceQuery,
          response: { 200: envelope(realPriceResponse), ...errors },
        },
      },
      async (request) => {
        return ok(await prices.realPrice(request.params.id, request.query.sellerId));
      },
    );

    routes.get(
      '/products/:id/price-history',
      {
        config: { access: 'public' },
        schema: {
          tags: ['prices'],
          summary:
            "Lowest-price trend in Asia/Seoul daily/weekly/monthly buckets (PRICE-02), from the product's first recorded price on",
          params: productIdParams,
          querystring: priceHistoryQuery,
          response: { 200: envelope(priceHistoryResponse), ...errors },
        },
      },
      async (request) =>
        ok(await prices.history(request.params.id, request.query.period, request.query.type)),
    );
  };
}
