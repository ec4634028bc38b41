import { AppError } from '@pbshop/errors';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { CatalogCache } from '../../../catalog-cache/cache.ts';
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
import {
  createSellerBody,
  type SellerResponse,
  sellerIdParams,
  sellerListQuery,
  sellerResponse,
  updateSellerBody,
} from './schemas.ts';
import type { SellerRow, SellersService } from './service.ts';

const say = localizedMessages({
  deleted: {
    ko: '판매처가 삭제되었습니다.',
    en: 'The seller has been deleted.',
    ja: '販売店を削除しました。',
  },
});

const toSeller = (row: SellerRow): SellerResponse => ({
  id: row.id,
  name: row.name,
  url: row.url,
  logoUrl: row.logoUrl,
  description: row.description,
  trustScore: row.trustScore,
  createdAt: row.createdAt.toISOString(),
});

const adminErrors = errorResponses(400, 401, 403, 404);

/** Shops (SELL-01..03) and the link to the SELLER member who manages one (SELL-05). */
export interface SellerRoutesDeps {
  sellers: SellersService;
  /** a shop's manager must be a SELLER member */
  findMember(id: number): Promise<{ role: string } | undefined>;
  /** takes a deleted shop's offers out of its products' prices (the prices module) */
  withdrawSeller(sellerId: number): Promise<unknown>;
  cache: Pick<CatalogCache, 'afterWrite' | 'invalidateSellers'>;
}

export function sellerRoutes({
  sellers,
  findMember,
  withdrawSeller,
  cache,
}: SellerRoutesDeps): FastifyPluginAsync {
  /** The owner must be an existing member with role SELLER; a 400 with details otherwise. */
  const checkOwner = async (ownerUserId: number | null | undefined) => {
    if (!ownerUserId) return;
    const owner = await findMember(ownerUserId);
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
        const row = await cache.afterWrite(
          () => sellers.update(id, request.body),
          () => cache.invalidateSellers(),
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
        await cache.afterWrite(
          () => withdrawSeller(request.params.id),
          () => cache.invalidateSellers(),
        );
        return ok({ message: say(request, 'deleted') });
      },
    );
  };
}
