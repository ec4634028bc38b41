import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CatalogCache } from '../../../catalog-cache/cache.ts';
import {
  envelope,
  errorResponses,
  messageBody,
  ok,
  sendJson,
  serializeWith,
} from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import type { AdminAuditService } from '../../ops/audit/service.ts';
import {
  createSlotBody,
  limitQuery,
  productIdParams,
  recommendationResult,
  recommendationSlot,
  recommendedProduct,
  repurchaseReminder,
  slotIdParams,
} from './schemas.ts';
import type { RecommendationsService } from './service.ts';

/**
 * Cached public picks are keyed by this step of the clock too, so a slot whose window opens or
 * closes between two admin writes shows or goes within this long (every slot write invalidates at once).
 */
export const SLOT_WINDOW_STEP_MS = 30_000;

const say = localizedMessages({
  removed: {
    ko: '추천 상품이 삭제되었습니다.',
    en: 'The recommendation has been removed.',
    ja: 'おすすめ商品を削除しました。',
  },
});

export interface RecommendationRoutesDeps {
  recommendations: RecommendationsService;
  /** the catalog's read cache: picks name products, so every product write refreshes them too */
  cache: Pick<CatalogCache, 'list' | 'afterWrite' | 'invalidateList'>;
  audit: AdminAuditService['run'];
}

const readErrors = errorResponses(400);
const memberErrors = errorResponses(400, 401, 403);
const adminErrors = errorResponses(400, 401, 403, 404);

/**
 * Recommendations (API §22, REC-01..06) at the contract's paths and the storefront's
 * (`/recommendations/trending`, `/recommendations/personal`, answered as `{ source, items }`).
 */
export function recommendationRoutes({
  recommendations,
  cache,
  audit,
}: RecommendationRoutesDeps): FastifyPluginAsync {
  const listBody = serializeWith(envelope(z.array(recommendedProduct)));
  const resultBody = serializeWith(envelope(recommendationResult));
  const windowStep = () => Math.floor(Date.now() / SLOT_WINDOW_STEP_MS);
  const writing = <T>(work: () => Promise<T>) => cache.afterWrite(work, () => cache.invalidateList());
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['recommendations'];
    const admin = { access: 'admin' as const };

    routes.get(
      '/recommendations/today',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: "Today's picks: the admin's live slots by position, then the daily ranking's top (REC-01)",
          querystring: limitQuery,
          response: { 200: envelope(z.array(recommendedProduct)), ...readErrors },
        },
      },
      async (request, reply) => {
        const { limit } = request.query;
        const body = await cache.list(
          { area: 'recommendations:today', limit, step: windowStep() },
          async () => ok(await recommendations.today(limit)),
          listBody,
        );
        return sendJson(reply, body);
      },
    );

    routes.get(
      '/recommendations/trending',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: "Trending products: the daily ranking's top, then the most popular (storefront)",
          querystring: limitQuery,
          response: { 200: envelope(recommendationResult), ...readErrors },
        },
      },
      async (request, reply) => {
        const { limit } = request.query;
        const body = await cache.list(
          { area: 'recommendations:trending', limit },
          async () => ok({ source: 'ranking', items: await recommendations.trending(limit) }),
          resultBody,
        );
        return sendJson(reply, body);
      },
    );

    routes.get(
      '/recommendations/personalized',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            'For me: co-viewed with my views, then popular in the categories I touched; never what I bought (REC-02..03)',
          querystring: limitQuery,
          response: { 200: envelope(z.array(recommendedProduct)), ...memberErrors },
        },
      },
      async (request) => {
        const { items } = await recommendations.personalized(member(request).id, request.query.limit);
        return ok(items);
      },
    );

    routes.get(
      '/recommendations/personal',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'For me, with the method that answered in `source` (personalized or popular; storefront)',
          querystring: limitQuery,
          response: { 200: envelope(recommendationResult), ...memberErrors },
        },
      },
      async (request) => ok(await recommendations.personalized(member(request).id, request.query.limit)),
    );

    routes.get(
      '/recommendations/repurchase',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            'Products I bought whose typical repurchase interval has passed, most overdue first (REC-06)',
          querystring: limitQuery,
          response: { 200: envelope(z.array(repurchaseReminder)), ...memberErrors },
        },
      },
      async (request) => ok(await recommendations.repurchase(member(request).id, request.query.limit)),
    );

    routes.get(
      '/products/:id/related',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary:
            "Related products: viewed by the members who viewed it, then its category's popular ones (REC-04)",
          params: productIdParams,
          querystring: limitQuery,
          response: { 200: envelope(z.array(recommendedProduct)), ...errorResponses(400, 404) },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const { limit } = request.query;
        const body = await cache.list(
          { area: 'recommendations:related', id, limit },
          async () => ok(await recommendations.related(id, limit)),
          listBody,
        );
        return sendJson(reply, body);
      },
    );

    routes.get(
      '/admin/recommendations',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Every recommendation slot, by placement and position (admin)',
          response: { 200: envelope(z.array(recommendationSlot)), ...adminErrors },
        },
      },
      async () => ok(await recommendations.slots()),
    );

    routes.post(
      '/admin/recommendations',
      {
        config: admin,
        schema: {
          tags,
          summary:
            'Put a product in a placement (TODAY by default) with a position and an optional window (REC-05)',
          body: createSlotBody,
          response: { 201: envelope(recommendationSlot), ...adminErrors },
        },
      },
      async (request, reply) => {
        const { id: actorId } = member(request);
        const slot = await audit(
          {
            actorId,
            action: 'recommendation.set',
            target: String(request.body.productId),
            requestId: request.id,
            request: { ...request.body },
          },
          () => writing(() => recommendations.setSlot(request.body, actorId)),
          (result) => ({ id: result.id }),
        );
        return reply.code(201).send(ok(slot));
      },
    );

    routes.delete(
      '/admin/recommendations/:id',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Remove a recommendation slot',
          params: slotIdParams,
          response: { 200: messageBody, ...adminErrors },
        },
      },
      async (request) => {
        const { id } = request.params;
        await audit(
          {
            actorId: member(request).id,
            action: 'recommendation.delete',
            target: String(id),
            requestId: request.id,
          },
          () => writing(() => recommendations.removeSlot(id)),
        );
        return ok({ message: say(request, 'removed') });
      },
    );
  };
}
