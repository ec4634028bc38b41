import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok, page, pagedEnvelope } from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import {
  activityPageQuery,
  activitySummary,
  deletedAll,
  deletedOne,
  productIdParams,
  recentProduct,
  searchBody,
  searchEntry,
  searchIdParams,
  trackedSearch,
  trackedView,
} from './schemas.ts';
import type { ActivityService } from './service.ts';

const say = localizedMessages({
  viewsCleared: {
    ko: '최근 본 상품 기록이 삭제되었습니다.',
    en: 'Your recently viewed products have been cleared.',
    ja: '最近見た商品の履歴を削除しました。',
  },
  viewRemoved: {
    ko: '최근 본 상품에서 삭제되었습니다.',
    en: 'The product has been removed from your recently viewed products.',
    ja: '最近見た商品から削除しました。',
  },
  searchesCleared: {
    ko: '검색 기록이 삭제되었습니다.',
    en: 'Your search history has been cleared.',
    ja: '検索履歴を削除しました。',
  },
  searchRemoved: {
    ko: '검색 기록이 삭제되었습니다.',
    en: 'The search has been removed from your history.',
    ja: '検索履歴から削除しました。',
  },
});

const errors = errorResponses(400, 401, 403);
const errorsWith404 = errorResponses(400, 401, 403, 404);

/**
 * The caller's activity (API §19, ACT-01..05) at the contract's paths (`/activity/views`,
 * `/activity/searches`) and the storefront's (`/activities/…`): the same service behind both.
 */
export function activityRoutes({ activity }: { activity: ActivityService }): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const user = { access: 'user' as const };
    const tags = ['activity'];

    routes.get(
      '/activities',
      {
        config: user,
        schema: {
          tags,
          summary: 'My ten latest viewed products and searches, and my order count',
          response: { 200: envelope(activitySummary), ...errors },
        },
      },
      async (request) => ok(await activity.summary(member(request).id)),
    );

    for (const url of ['/activity/views', '/activities/recent-products']) {
      routes.get(
        url,
        {
          config: user,
          schema: {
            tags,
            summary: 'My recently viewed products, newest first (the latest 50 are kept; ACT-01)',
            querystring: activityPageQuery,
            response: { 200: pagedEnvelope(recentProduct), ...errors },
          },
        },
        async (request) => {
          const { page: pageNumber, limit } = request.query;
          const { items, totalCount } = await activity.recentProducts(member(request).id, pageNumber, limit);
          return page(items, { page: pageNumber, limit, totalCount });
        },
      );

      routes.delete(
        url,
        {
          config: user,
          schema: {
            tags,
            summary: 'Clear my recently viewed products (ACT-02)',
            response: { 200: envelope(deletedAll), ...errors },
          },
        },
        async (request) => {
          const affected = await activity.clearViews(member(request).id);
          return ok({ deleted: true, affected, message: say(request, 'viewsCleared') });
        },
      );

      routes.delete(
        `${url}/:productId`,
        {
          config: user,
          schema: {
            tags,
            summary: 'Remove one product from my recently viewed products',
            params: productIdParams,
            response: { 200: envelope(deletedOne), ...errorsWith404 },
          },
        },
        async (request) => {
          const { productId } = request.params;
          await activity.removeView(member(request).id, productId);
          return ok({ deleted: true, id: productId, message: say(request, 'viewRemoved') });
        },
      );
    }

    routes.post(
      '/activities/recent-products/:productId',
      {
        config: user,
        schema: {
          tags,
          summary: 'Record that I viewed a product (queued; GET /products/:id records it for members too)',
          params: productIdParams,
          response: { 200: envelope(trackedView), ...errorsWith404 },
        },
      },
      async (request) =>
        ok(await activity.trackView(member(request).id, request.params.productId, request.id)),
    );

    for (const url of ['/activity/searches', '/activities/searches']) {
      routes.get(
        url,
        {
          config: user,
          schema: {
            tags,
            summary: 'My search history, newest first (the latest 50 keywords are kept; ACT-03)',
            querystring: activityPageQuery,
            response: { 200: pagedEnvelope(searchEntry), ...errors },
          },
        },
        async (request) => {
          const { page: pageNumber, limit } = request.query;
          const { items, totalCount } = await activity.searches(member(request).id, pageNumber, limit);
          return page(items, { page: pageNumber, limit, totalCount });
        },
      );

      routes.delete(
        url,
        {
          config: user,
          schema: {
            tags,
            summary: 'Clear my search history (ACT-04)',
            response: { 200: envelope(deletedAll), ...errors },
          },
        },
        async (request) => {
          const affected = await activity.clearSearches(member(request).id);
          return ok({ deleted: true, affected, message: say(request, 'searchesCleared') });
        },
      );

      routes.delete(
        `${url}/:id`,
        {
          config: user,
          schema: {
            tags,
            summary: 'Remove one entry of my search history (ACT-05)',
            params: searchIdParams,
            response: { 200: envelope(deletedOne), ...errorsWith404 },
          },
        },
        async (request) => {
          const { id } = request.params;
          await activity.removeSearch(member(request).id, id);
          return ok({ deleted: true, id, message: say(request, 'searchRemoved') });
        },
      );
    }

    routes.post(
      '/activities/searches',
      {
        config: user,
        schema: {
          tags,
          summary: 'Add a keyword to my search history (queued, as a search is)',
          body: searchBody,
          response: { 200: envelope(trackedSearch), ...errors },
        },
      },
      async (request) => ok(await activity.trackSearch(member(request).id, request.body.keyword, request.id)),
    );
  };
}
