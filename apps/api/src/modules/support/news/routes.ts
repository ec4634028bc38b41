import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok, page, pagedEnvelope } from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import type { AdminAuditService } from '../../ops/audit/service.ts';
import {
  createNewsBody,
  createNewsCategoryBody,
  newsCategoryResponse,
  newsDetail,
  newsIdParams,
  newsItem,
  newsListQuery,
  removedBody,
  updateNewsBody,
} from './schemas.ts';
import type { NewsService } from './service.ts';

const say = localizedMessages({
  newsDeleted: {
    ko: '뉴스가 삭제되었습니다.',
    en: 'The news article has been deleted.',
    ja: 'ニュースを削除しました。',
  },
  categoryDeleted: {
    ko: '뉴스 카테고리가 삭제되었습니다.',
    en: 'The news category has been deleted.',
    ja: 'ニュースカテゴリを削除しました。',
  },
});

export interface NewsRoutesDeps {
  news: NewsService;
  audit: AdminAuditService['run'];
}

const adminErrors = errorResponses(400, 401, 403, 404);

/** News (API §37, NEWS-01..05): tabs, the list and detail for everyone, admin writes audited. */
export function newsRoutes({ news, audit }: NewsRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const admin = { access: 'admin' as const };
    const tags = ['news'];

    routes.get(
      '/news',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: 'News, newest first; `category` (a tab slug or id) picks one tab (NEWS-02)',
          querystring: newsListQuery,
          response: { 200: pagedEnvelope(newsItem), ...errorResponses(400) },
        },
      },
      async (request) => {
        const { query } = request;
        const { items, totalCount } = await news.list(query);
        return page(items, { page: query.page, limit: query.limit, totalCount });
      },
    );

    routes.get(
      '/news/categories',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: 'The news tabs by sort order (NEWS-01)',
          response: { 200: envelope(newsCategoryResponse.array()) },
        },
      },
      async () => ok(await news.categories()),
    );

    routes.get(
      '/news/:id',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary:
            'An article with its tab and related products (name, thumbnail, lowest price); counts a view (NEWS-03)',
          params: newsIdParams,
          response: { 200: envelope(newsDetail), ...errorResponses(400, 404) },
        },
      },
      async (request) => ok(await news.read(request.params.id)),
    );

    routes.post(
      '/news',
      {
        config: admin,
        schema: {
          tags,
          summary:
            'Create an article; content is sanitised markup, every related product must exist (404 PRODUCT_NOT_FOUND) (NEWS-04)',
          body: createNewsBody,
          response: { 201: envelope(newsDetail), ...adminErrors },
        },
      },
      async (request, reply) => {
        const actorId = member(request).id;
        const created = await audit(
          {
            actorId,
            action: 'news.create',
            target: 'news',
            requestId: request.id,
            request: { title: request.body.title, productIds: request.body.productIds },
          },
          () => news.create(request.body, actorId),
          (article) => ({ id: article.id }),
        );
        return reply.code(201).send(ok(created));
      },
    );

    routes.patch(
      '/news/:id',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Change an article; productIds, when sent, replaces its related products (NEWS-04)',
          params: newsIdParams,
          body: updateNewsBody,
          response: { 200: envelope(newsDetail), ...adminErrors },
        },
      },
      async (request) => {
        const { id } = request.params;
        return ok(
          await audit(
            {
              actorId: member(request).id,
              action: 'news.update',
              target: `news/${id}`,
              requestId: request.id,
              request: { fields: Object.keys(request.body), productIds: request.body.productIds },
            },
            () => news.update(id, request.body),
          ),
        );
      },
    );

    routes.delete(
      '/news/:id',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Delete an article (NEWS-05)',
          params: newsIdParams,
          response: { 200: removedBody, ...adminErrors },
        },
      },
      async (request) => {
        const { id } = request.params;
        await audit(
          { actorId: member(request).id, action: 'news.delete', target: `news/${id}`, requestId: request.id },
          () => news.remove(id),
        );
        return ok({ success: true, message: say(request, 'newsDeleted') });
      },
    );

    routes.post(
      '/news/categories',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Add a news tab; its slug is unique (409 DUPLICATE_SLUG) (NEWS-01)',
          body: createNewsCategoryBody,
          response: { 201: envelope(newsCategoryResponse), ...adminErrors, ...errorResponses(409) },
        },
      },
      async (request, reply) => {
        const created = await audit(
          {
            actorId: member(request).id,
            action: 'news.category.create',
            target: 'news-category',
            requestId: request.id,
            request: request.body,
          },
          () => news.createCategory(request.body),
          (category) => ({ id: category.id }),
        );
        return reply.code(201).send(ok(created));
      },
    );

    routes.delete(
      '/news/categories/:id',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Delete a news tab; its articles stay, without a tab (NEWS-01)',
          params: newsIdParams,
          response: { 200: removedBody, ...adminErrors },
        },
      },
      async (request) => {
        const { id } = request.params;
        await audit(
          {
            actorId: member(request).id,
            action: 'news.category.delete',
            target: `news-category/${id}`,
            requestId: request.id,
          },
          () => news.removeCategory(id),
        );
        return ok({ success: true, message: say(request, 'categoryDeleted') });
      },
    );
  };
}
