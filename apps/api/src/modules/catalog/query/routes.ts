import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope, errorBody, errorResponses, ok, pageMeta } from '../../../http/envelope.ts';
import { member } from '../../../http/principal.ts';
import type { AuditedAction, RunAudited } from '../../ops/audit/service.ts';
import {
  paginationMeta,
  productQueryListQuery,
  productQueryParams,
  productQueryViewItem,
  rebuildResult,
} from './schemas.ts';
import type { ProductQueryService } from './service.ts';

export interface QueryRoutesDeps {
  productQuery: ProductQueryService;
  /** the admin audit trail: sync and rebuild are recorded with their outcome */
  audit: RunAudited;
}

const listResponse = z.object({
  success: z.literal(true),
  data: z.object({
    items: z.array(productQueryViewItem),
    meta: paginationMeta.extend({
      totalItemsCapped: z
        .boolean()
        .describe('true when counting stopped at 1,000: there are more matches than totalItems'),
    }),
  }),
  meta: pageMeta,
});

const tags = ['query'];

/**
 * The product read model (CQRS query side, contract NFR 4.9): public reads of
 * `product_query_view`, which worker-search keeps in step with the catalog through the search
 * outbox, and the admin's sync of one product and rebuild of the whole view (both audited).
 */
export function queryRoutes({ productQuery, audit }: QueryRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const admin = { access: 'admin' as const };
    const action = (request: FastifyRequest, name: string, target: string): AuditedAction => ({
      actorId: member(request).id,
      action: name,
      target,
      requestId: request.id,
    });

    routes.get(
      '/query/products',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary:
            'Products from the read model, a page in `data.items` with `data.meta` (HIDDEN ones left out; ' +
            '`categoryId` includes its descendants; `keyword` matches part of the name). It follows catalog ' +
            'changes within the search outbox lag',
          querystring: productQueryListQuery,
          response: { 200: listResponse, ...errorResponses(400) },
        },
      },
      async (request) => {
        const { items, meta, totalItemsCapped } = await productQuery.list(request.query);
        return {
          success: true as const,
          data: { items, meta: { ...meta, totalItemsCapped } },
          meta: {
            page: meta.currentPage,
            limit: meta.itemsPerPage,
            totalCount: meta.totalItems,
            totalPages: meta.totalPages,
            totalCountCapped: totalItemsCapped,
          },
        };
      },
    );

    routes.get(
      '/query/products/:productId',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: "One product's read model row (projected now when the worker has not reached it yet)",
          params: productQueryParams,
          response: { 200: envelope(productQueryViewItem), ...errorResponses(400, 404) },
        },
      },
      async (request) => ok(await productQuery.detail(request.params.productId)),
    );

    routes.post(
      '/admin/query/products/:productId/sync',
      {
        config: admin,
        schema: {
          tags,
          summary:
            "Project one product's read model row from the catalog now and answer it (a deleted product's row is removed: 404)",
          params: productQueryParams,
          response: { 200: envelope(productQueryViewItem), ...errorResponses(400, 401, 403), 404: errorBody },
        },
      },
      async (request) => {
        const { productId } = request.params;
        const item = await audit(action(request, 'query.product.sync', `product/${productId}`), () =>
          productQuery.sync(productId),
        );
        return ok(item);
      },
    );

    routes.post(
      '/admin/query/products/rebuild',
      {
        config: admin,
        schema: {
          tags,
          summary:
            'Re-project every product into the read model (1,000 per statement, in id order) and remove the rows of deleted ones; safe while writes go on',
          response: { 200: envelope(rebuildResult), ...errorResponses(401, 403) },
        },
      },
      async (request) => {
        const result = await audit(
          action(request, 'query.products.rebuild', '*'),
          () => productQuery.rebuild(request.log),
          (outcome) => ({ ...outcome }),
        );
        return ok(result);
      },
    );
  };
}
