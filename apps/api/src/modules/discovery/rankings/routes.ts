import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CatalogCache } from '../../../catalog-cache/cache.ts';
import { envelope, errorResponses, ok, sendJson, serializeWith } from '../../../http/envelope.ts';
import { member } from '../../../http/principal.ts';
import type { AdminAuditService } from '../../ops/audit/service.ts';
import {
  keywordRankingQuery,
  popularProductsQuery,
  priceDrop,
  priceDropQuery,
  rankedKeyword,
  rankedProduct,
  recalculateResult,
} from './schemas.ts';
import type { RankingsService } from './service.ts';

export interface RankingRoutesDeps {
  rankings: RankingsService;
  /** the catalog's read cache: rankings name products, so every product write refreshes them too */
  cache: Pick<CatalogCache, 'list' | 'afterWrite' | 'invalidateList'>;
  audit: AdminAuditService['run'];
}

const readErrors = errorResponses(400, 404);
const adminErrors = errorResponses(400, 401, 403);

/**
 * Rankings (API §21, RANK-01..07): stored popular products and keywords, cached like the
 * catalog's lists and invalidated by each recalculation; price drops computed on read, cached.
 */
export function rankingRoutes({ rankings, cache, audit }: RankingRoutesDeps): FastifyPluginAsync {
  const productsBody = serializeWith(envelope(z.array(rankedProduct)));
  const keywordsBody = serializeWith(envelope(z.array(rankedKeyword)));
  const dropsBody = serializeWith(envelope(z.array(priceDrop)));
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['rankings'];

    routes.get(
      '/rankings/products/popular',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary:
            'Popular products of a period, in the whole catalogue or a category with its subtree, with the rank change since the previous computation (RANK-01..02)',
          querystring: popularProductsQuery,
          response: { 200: envelope(z.array(rankedProduct)), ...readErrors },
        },
      },
      async (request, reply) => {
        const { query } = request;
        const body = await cache.list(
          { area: 'rankings:products', ...query },
          async () => ok(await rankings.popularProducts(query)),
          productsBody,
        );
        return sendJson(reply, body);
      },
    );

    for (const url of ['/rankings/keywords/popular', '/rankings/searches']) {
      routes.get(
        url,
        {
          config: { access: 'public' },
          schema: {
            tags,
            summary: 'Popular search keywords of a period with their rank change (RANK-04)',
            querystring: keywordRankingQuery,
            response: { 200: envelope(z.array(rankedKeyword)), ...readErrors },
          },
        },
        async (request, reply) => {
          const { query } = request;
          const body = await cache.list(
            { area: 'rankings:keywords', ...query },
            async () => ok(await rankings.popularKeywords(query)),
            keywordsBody,
          );
          return sendJson(reply, body);
        },
      );
    }

    routes.get(
      '/rankings/price-drops',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary:
            'The biggest price drops of a period: current lowest price against the lowest price when the period began (RANK-03)',
          querystring: priceDropQuery,
          response: { 200: envelope(z.array(priceDrop)), ...readErrors },
        },
      },
      async (request, reply) => {
        const { query } = request;
        const body = await cache.list(
          { area: 'rankings:price-drops', ...query },
          async () => ok(await rankings.priceDrops(query)),
          dropsBody,
        );
        return sendJson(reply, body);
      },
    );

    routes.post(
      '/rankings/admin/recalculate',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: 'Recompute every period’s product and keyword rankings now (admin, audited)',
          response: { 200: envelope(recalculateResult), ...adminErrors },
        },
      },
      async (request) => {
        const result = await audit(
          {
            actorId: member(request).id,
            action: 'rankings.recalculate',
            target: 'rankings',
            requestId: request.id,
          },
          () =>
            cache.afterWrite(
              () => rankings.recalculate(),
              () => cache.invalidateList(),
            ),
          (outcome) => ({ ...outcome }),
        );
        return ok({ updatedCount: result.updatedCount });
      },
    );
  };
}
