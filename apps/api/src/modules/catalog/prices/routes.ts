import { offers } from '@pbshop/db';
import { AppError, type Language, languageFrom } from '@pbshop/errors';
import { eq } from 'drizzle-orm';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiDeps } from '../../../deps.ts';
import { envelope, errorBody, messageBody, ok, sendJson, serializeWith } from '../../../http/envelope.ts';
import {
  createOfferBody,
  offerIdParams,
  type PriceComparison,
  priceComparison,
  priceEntry,
  priceHistoryQuery,
  priceHistoryResponse,
  productIdParams,
  type RealPrice,
  realPriceQuery,
  realPriceResponse,
  updateOfferBody,
} from './schemas.ts';
import { pricesService } from './service.ts';

const messages = {
  deleted: {
    ko: '가격 정보가 삭제되었습니다.',
    en: 'The price entry has been deleted.',
    ja: '価格情報を削除しました。',
  },
} satisfies Record<string, Record<Language, string>>;

function me(request: FastifyRequest) {
  if (!request.principal) throw new AppError('UNAUTHORIZED');
  return request.principal;
}

const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody };

/** The offer of `sellerId`, or the cheapest delivered one in stock; 404 OFFER_NOT_FOUND when none. */
function realPriceOf(productId: string, comparison: PriceComparison, sellerId?: string): RealPrice {
  const entry = sellerId
    ? comparison.entries.find((item) => item.seller.id === sellerId)
    : comparison.entries.find((item) => item.stockState !== 'OUT_OF_STOCK');
  if (!entry) throw new AppError('OFFER_NOT_FOUND');
  return {
    productId,
    sellerId: entry.seller.id,
    offerId: entry.id,
    productPrice: entry.price,
    shippingFee: entry.realPrice - entry.price,
    totalPrice: entry.realPrice,
    shippingType: entry.shippingRule,
    freeShippingThreshold: entry.freeShippingThreshold,
    stockState: entry.stockState,
  };
}

/** Per-seller prices and the price history (PRICE-01/02, SELL-04/05). */
export function priceRoutes(deps: ApiDeps): FastifyPluginAsync {
  const prices = pricesService(deps.database.db, deps.sellers, deps.searchSync, deps.catalogReads.db);
  const { cache } = deps;
  /** an offer's product never changes, so it can be read before the write to know what to invalidate */
  const offerProductId = async (offerId: string) => {
    const [row] = await deps.database.db
      .select({ productId: offers.productId })
      .from(offers)
      .where(eq(offers.id, offerId));
    return row?.productId;
  };
  /** an offer write changes the product's prices (detail, comparison) and the list order/filters */
  const writing = async <T>(productId: string | undefined, work: () => Promise<T>) =>
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
          await cache.comparison(id, async () => ok(await prices.comparison(id)), comparisonBody),
        );
      },
    );

    routes.post(
      '/products/:id/prices',
      {
        config: { access: 'seller' },
        schema: {
          tags: ['prices'],
          summary: "Register a seller's price (SELL-04); a SELLER only for their own shop",
          params: productIdParams,
          body: createOfferBody,
          response: { 201: envelope(priceEntry), ...errors, 409: errorBody },
        },
      },
      async (request, reply) => {
        const entry = await writing(request.params.id, () =>
          prices.create(request.params.id, request.body, me(request)),
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
          summary: "Update a seller's price (SELL-05); a SELLER only their own shop's",
          params: offerIdParams,
          body: updateOfferBody,
          response: { 200: envelope(priceEntry), ...errors },
        },
      },
      async (request) =>
        ok(
          await writing(await offerProductId(request.params.id), () =>
            prices.update(request.params.id, request.body, me(request)),
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
        return ok({ message: messages.deleted[languageFrom(request.headers['accept-language'])] });
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
        const { id } = request.params;
        // read through the cached comparison: the same entries, never older than the last write
        const body = await cache.comparison(id, async () => ok(await prices.comparison(id)), comparisonBody);
        const comparison = (JSON.parse(body.toString()) as { data: PriceComparison }).data;
        return ok(realPriceOf(id, comparison, request.query.sellerId));
      },
    );

    routes.get(
      '/products/:id/price-history',
      {
        config: { access: 'public' },
        schema: {
          tags: ['prices'],
          summary: 'Lowest-price trend in Asia/Seoul daily/weekly/monthly buckets (PRICE-02)',
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
