import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { CatalogCache } from '../../../catalog-cache/cache.ts';
import {
  envelope,
  errorResponses,
  messageBody,
  ok,
  page,
  pagedEnvelope,
  sendJson,
  serializeWith,
} from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import type { AdminAuditService } from '../../ops/audit/service.ts';
import { createDealBody, dealIdParams, dealListQuery, dealResponse, updateDealBody } from './schemas.ts';
import type { DealsService } from './service.ts';
import type { DealWindows } from './windows.ts';

const say = localizedMessages({
  deleted: { ko: '특가가 삭제되었습니다.', en: 'The deal has been deleted.', ja: 'セールを削除しました。' },
});

export interface DealRoutesDeps {
  deals: DealsService;
  windows: DealWindows;
  /** the catalog's read cache mechanism, an instance of its own for the deal lists */
  cache: Pick<CatalogCache, 'list' | 'afterWrite' | 'invalidateList'>;
  /** after a committed deal write: the comparisons of its products (deal price) */
  invalidateProducts(productIds: readonly number[]): Promise<void>;
  audit: AdminAuditService['run'];
}

const readErrors = errorResponses(400);
const adminErrors = errorResponses(400, 401, 403, 404);

/**
 * Deals (API §23, DEAL-01..05) at the contract's paths (`/deals`, `/deals/:id`) and the
 * storefront's (`/deals/admin…`). The public list is the catalog cache's, keyed by the next window
 * boundary as well (see `dealWindows`); every admin write is audited and invalidates it.
 */
export function dealRoutes({
  deals,
  windows,
  cache,
  invalidateProducts,
  audit,
}: DealRoutesDeps): FastifyPluginAsync {
  const listBody = serializeWith(pagedEnvelope(dealResponse));

  async function written<T extends { productIds: number[] }>(work: () => Promise<T>): Promise<T> {
    let productIds: number[] = [];
    const result = await cache.afterWrite(
      async () => {
        const done = await work();
        productIds = done.productIds;
        return done;
      },
      async () => {
        await Promise.all([cache.invalidateList(), invalidateProducts(productIds), windows.reload()]);
      },
    );
    return result;
  }

  const audited = <T>(request: FastifyRequest, action: string, target: string, work: () => Promise<T>) =>
    audit({ actorId: member(request).id, action, target, requestId: request.id }, work);

  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const admin = { access: 'admin' as const };
    const tags = ['deals'];

    routes.get(
      '/deals',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: 'Active deals inside their window, ending soonest first; `?type` filters (DEAL-01)',
          querystring: dealListQuery,
          response: { 200: pagedEnvelope(dealResponse), ...readErrors },
        },
      },
      async (request, reply) => {
        const { activeOnly: _, ...query } = request.query;
        const body = await cache.list(
          { area: 'deals', boundary: await windows.nextBoundary(), ...query },
          async () => {
            const { items, totalCount } = await deals.listActive(request.query);
            return page(items, { page: query.page, limit: query.limit, totalCount });
          },
          listBody,
        );
        return sendJson(reply, body);
      },
    );

    routes.get(
      '/deals/admin',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Every deal, inactive and past ones too, newest first (admin)',
          querystring: dealListQuery,
          response: { 200: pagedEnvelope(dealResponse), ...adminErrors },
        },
      },
      async (request) => {
        const { items, totalCount } = await deals.listAll(request.query);
        return page(items, { page: request.query.page, limit: request.query.limit, totalCount });
      },
    );

    routes.get(
      '/deals/:id',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: 'A running deal with its products, deal prices and stock (DEAL-02)',
          params: dealIdParams,
          response: { 200: envelope(dealResponse), ...errorResponses(400, 404) },
        },
      },
      async (request) => ok(await deals.detail(request.params.id, false)),
    );

    for (const url of ['/deals', '/deals/admin']) {
      routes.post(
        url,
        {
          config: admin,
          schema: {
            tags,
            summary:
              'Create a deal: window, rate, banner and products with deal price and stock; a product without a deal price gets its lowest price less the rate (DEAL-03)',
            body: createDealBody,
            response: { 201: envelope(dealResponse), ...adminErrors },
          },
        },
        async (request, reply) => {
          const { deal } = await written(() =>
            audited(request, 'deal.create', 'deal', () => deals.create(request.body)),
          );
          return reply.code(201).send(ok(deal));
        },
      );
    }

    for (const url of ['/deals/:id', '/deals/admin/:id']) {
      routes.patch(
        url,
        {
          config: admin,
          schema: {
            tags,
            summary: 'Change a deal; `products` (or `productId`) replaces its products (DEAL-04)',
            params: dealIdParams,
            body: updateDealBody,
            response: { 200: envelope(dealResponse), ...adminErrors },
          },
        },
        async (request) => {
          const { deal } = await written(() =>
            audited(request, 'deal.update', `deal/${request.params.id}`, () =>
              deals.update(request.params.id, request.body),
            ),
          );
          return ok(deal);
        },
      );

      routes.delete(
        url,
        {
          config: admin,
          schema: {
            tags,
            summary: 'Delete a deal (DEAL-05)',
            params: dealIdParams,
            response: { 200: messageBody, ...adminErrors },
          },
        },
        async (request) => {
          await written(() =>
            audited(request, 'deal.delete', `deal/${request.params.id}`, () =>
              deals.remove(request.params.id),
            ),
          );
          return ok({ message: say(request, 'deleted') });
        },
      );
    }
  };
}
