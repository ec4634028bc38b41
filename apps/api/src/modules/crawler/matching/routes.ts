import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok, page, pagedEnvelope } from '../../../http/envelope.ts';
import { member } from '../../../http/principal.ts';
import {
  approveMappingBody,
  autoMatchResponse,
  mappingIdParams,
  mappingListQuery,
  mappingResponse,
  mappingStatsResponse,
  rejectMappingBody,
} from './schemas.ts';
import type { MatchingService } from './service.ts';

export interface MatchingRoutesDeps {
  matching: MatchingService;
}

/** The product matching queue (API §38, MATCH-01/02): crawled items no product could be tied to. */
export function matchingRoutes({ matching }: MatchingRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const admin = { access: 'admin' as const };
    const tags = ['matching'];
    const errors = errorResponses(400, 401, 403, 404, 409);

    routes.get(
      '/matching/pending',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Collected items waiting for a product, surest suggestion first (MATCH-01)',
          querystring: mappingListQuery,
          response: { 200: pagedEnvelope(mappingResponse), ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => {
        const { rows, totalCount } = await matching.pending(request.query);
        return page(rows, { page: request.query.page, limit: request.query.limit, totalCount });
      },
    );

    routes.patch(
      '/matching/:id/approve',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Tie the item to a product: its page is matched from now on and its price written',
          params: mappingIdParams,
          body: approveMappingBody,
          response: { 200: envelope(mappingResponse), ...errors },
        },
      },
      async (request) =>
        ok(await matching.approve(request.params.id, request.body.productId, member(request).id)),
    );

    routes.patch(
      '/matching/:id/reject',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Reject the item: it is not a catalog product',
          params: mappingIdParams,
          body: rejectMappingBody,
          response: { 200: envelope(mappingResponse), ...errors },
        },
      },
      async (request) =>
        ok(await matching.reject(request.params.id, request.body.reason, member(request).id)),
    );

    routes.post(
      '/matching/auto-match',
      {
        config: admin,
        schema: {
          tags,
          summary:
            'Approve near-certain name matches; suggest a product with its confidence for the rest (MATCH-02)',
          response: { 200: envelope(autoMatchResponse), ...errorResponses(401, 403) },
        },
      },
      async () => ok(await matching.autoMatch()),
    );

    routes.get(
      '/matching/stats',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Items by review status',
          response: { 200: envelope(mappingStatsResponse), ...errorResponses(401, 403) },
        },
      },
      async () => ok(await matching.stats()),
    );
  };
}
