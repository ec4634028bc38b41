import { offers } from '@pbshop/db';
import { AppError, type Language, languageFrom } from '@pbshop/errors';
import { eq } from 'drizzle-orm';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiDeps } from '../../deps.ts';
import { envelope, errorBody, messageBody, ok } from '../../http/envelope.ts';
import {
  createOfferBody,
  offerIdParams,
  priceComparison,
  priceEntry,
  priceHistoryQuery,
  priceHistoryResponse,
  productIdParams,
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

/** Per-seller prices and the price history (PRICE-01/02, SELL-04/05). */
export function priceRoutes(deps: ApiDeps): FastifyPluginAsync {
  const prices = pricesService(deps.database.db, deps.sellers);
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
      async (request) =>
        ok(await cache.comparison(request.params.id, () => prices.comparison(request.params.id))),
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
