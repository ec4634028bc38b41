import { AppError, type Language, languageFrom } from '@pbshop/errors';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiDeps } from '../../../deps.ts';
import { envelope, errorBody, messageBody, ok, page, pagedEnvelope } from '../../../http/envelope.ts';
import { pricesService } from '../prices/service.ts';
import {
  createSellerBody,
  type SellerResponse,
  sellerIdParams,
  sellerListQuery,
  sellerResponse,
  updateSellerBody,
} from './schemas.ts';
import type { SellerRow } from './service.ts';

const messages = {
  deleted: {
    ko: '판매처가 삭제되었습니다.',
    en: 'The seller has been deleted.',
    ja: '販売店を削除しました。',
  },
} satisfies Record<string, Record<Language, string>>;

function say(request: FastifyRequest, key: keyof typeof messages) {
  return messages[key][languageFrom(request.headers['accept-language'])];
}

const toSeller = (row: SellerRow): SellerResponse => ({
  id: row.id,
  name: row.name,
  url: row.url,
  logoUrl: row.logoUrl,
  description: row.description,
  trustScore: row.trustScore,
  createdAt: row.createdAt.toISOString(),
});

const adminErrors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody };

/** Shops (SELL-01..03) and the link to the SELLER member who manages one (SELL-05). */
export function sellerRoutes(deps: ApiDeps): FastifyPluginAsync {
  const { sellers, users } = deps;
  const prices = pricesService(deps.database.db, sellers, deps.searchSync);

  /** The owner must be an existing member with role SELLER; a 400 with details otherwise. */
  const checkOwner = async (ownerUserId: string | null | undefined) => {
    if (!ownerUserId) return;
    const owner = await users.findById(ownerUserId);
    if (owner?.role !== 'SELLER') {
      throw new AppError('VALIDATION_ERROR', {
        details: [
          {
            field: 'body.ownerUserId',
            message: owner ? 'the member does not have the SELLER role' : 'no such member',
          },
        ],
      });
    }
  };

  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();

    routes.get(
      '/sellers',
      {
        config: { access: 'public' },
        schema: {
          tags: ['sellers'],
          summary: 'Shops by name; search in the name (SELL-01)',
          querystring: sellerListQuery,
          response: { 200: pagedEnvelope(sellerResponse), 400: errorBody },
        },
      },
      async (request) => {
        const { rows, totalCount } = await sellers.list(request.query);
        return page(rows.map(toSeller), { page: request.query.page, limit: request.query.limit, totalCount });
      },
    );

    routes.get(
      '/sellers/:id',
      {
        config: { access: 'public' },
        schema: {
          tags: ['sellers'],
          summary: 'One shop (SELL-02)',
          params: sellerIdParams,
          response: { 200: envelope(sellerResponse), 400: errorBody, 404: errorBody },
        },
      },
      async (request) => {
        const row = await sellers.findById(request.params.id);
        if (!row) throw new AppError('SELLER_NOT_FOUND');
        return ok(toSeller(row));
      },
    );

    routes.post(
      '/sellers',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['sellers'],
          summary: 'Register a shop, optionally managed by a SELLER member (SELL-03, SELL-05)',
          body: createSellerBody,
          response: { 201: envelope(sellerResponse), ...adminErrors, 409: errorBody },
        },
      },
      async (request, reply) => {
        await checkOwner(request.body.ownerUserId);
        const row = await sellers.create(request.body);
        reply.code(201);
        return ok(toSeller(row));
      },
    );

    routes.patch(
      '/sellers/:id',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['sellers'],
          summary: 'Update a shop; ownerUserId null unlinks its manager (SELL-03, SELL-05)',
          params: sellerIdParams,
          body: updateSellerBody,
          response: { 200: envelope(sellerResponse), ...adminErrors, 409: errorBody },
        },
      },
      async (request) => {
        const { id } = request.params;
        if (!(await sellers.findById(id))) throw new AppError('SELLER_NOT_FOUND');
        await checkOwner(request.body.ownerUserId);
        // detail and comparison show the shop's name, logo and trust score
        const row = await deps.cache.afterWrite(
          () => sellers.update(id, request.body),
          () => deps.cache.invalidateSellers(),
        );
        if (!row) throw new AppError('SELLER_NOT_FOUND');
        return ok(toSeller(row));
      },
    );

    routes.delete(
      '/sellers/:id',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['sellers'],
          summary: 'Delete a shop (soft delete; its name and manager are free again) (SELL-03)',
          params: sellerIdParams,
          response: { 200: messageBody, ...adminErrors },
        },
      },
      async (request) => {
        if (!(await sellers.softDelete(request.params.id))) throw new AppError('SELLER_NOT_FOUND');
        // the shop's offers leave the products' lowest/highest/average prices at once
        await deps.cache.afterWrite(
          () => prices.withdrawSeller(request.params.id),
          () => deps.cache.invalidateSellers(),
        );
        return ok({ message: say(request, 'deleted') });
      },
    );
  };
}
