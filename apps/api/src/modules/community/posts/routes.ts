import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { CatalogCache } from '../../../catalog-cache/cache.ts';
import {
  envelope,
  errorResponses,
  messageBody,
  ok,
  pagedEnvelope,
  pagedJson,
  sendJson,
} from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import { auditedWhenAdmin, type RunAudited } from '../../ops/audit/service.ts';
import { authorNames } from '../author.ts';
import {
  boardPostsParams,
  createPostBody,
  likeResult,
  postDetail,
  postIdParams,
  postListQuery,
  postStatusBody,
  postStatusResult,
  postSummary,
  updatePostBody,
} from './schemas.ts';
import type { PostsService } from './service.ts';

const say = localizedMessages({
  deleted: { ko: '게시글이 삭제되었습니다.', en: 'The post has been deleted.', ja: '投稿を削除しました。' },
});

export interface PostRoutesDeps {
  posts: PostsService;
  /** searched lists are answered from it (`boardSearch`) */
  searches: Pick<CatalogCache, 'boardSearch'>;
  audit: RunAudited;
  /** route config of the per-member write limit (`memberWriteRateLimit`) */
  writeLimit: object;
}

/** Board posts (API §15 COMM-02..06) and their moderation. */
export function postRoutes({ posts, searches, audit, writeLimit }: PostRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['community'];

    routes.get(
      '/boards/:boardId/posts',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary:
            "A board's published posts: search in title and content (substring, any language, through trigram indexes), sorted newest (default), popular/likes, views or most_commented; the count stops past 1,000 (meta.totalCountCapped); a searched list comes from a cache whose counters (and the orders by them) may lag by up to 10 s, while posts written, edited, hidden or deleted show at once",
          params: boardPostsParams,
          querystring: postListQuery,
          response: { 200: pagedEnvelope(postSummary), ...errorResponses(400, 404) },
        },
      },
      async (request, reply) => {
        const { query } = request;
        const { boardId } = request.params;
        const names = authorNames(request);
        const body = async () => {
          const { pageJson, totalCount, totalCountCapped } = await posts.list(boardId, query, names);
          return pagedJson(pageJson, { page: query.page, limit: query.limit, totalCount, totalCountCapped });
        };
        // a search is planned and counted per call (see the service): repeated ones come from the cache
        return sendJson(
          reply,
          query.search
            ? await searches.boardSearch(boardId, { query, names }, body, (json) => json)
            : await body(),
        );
      },
    );

    routes.get(
      '/posts/:id',
      {
        config: { access: 'optional' },
        schema: {
          tags,
          summary:
            'A post with its attached images (each variant URL); a hidden post only to its author and admins. Counts a view (written in batches)',
          params: postIdParams,
          response: { 200: envelope(postDetail), ...errorResponses(400, 404) },
        },
      },
      async (request) => ok(await posts.detail(request.params.id, request.principal, authorNames(request))),
    );

    routes.post(
      '/boards/:boardId/posts',
      {
        config: { access: 'user', rateLimit: writeLimit },
        schema: {
          tags,
          summary:
            'Write a post: content is HTML sanitised on write; imageIds are images I uploaded (POST /images/upload), others 400 ATTACHMENT_NOT_ALLOWED. Limited per member (429)',
          params: boardPostsParams,
          body: createPostBody,
          response: { 201: envelope(postDetail), ...errorResponses(400, 401, 404, 429) },
        },
      },
      async (request, reply) => {
        const created = await posts.create(
          member(request).id,
          request.params.boardId,
          request.body,
          authorNames(request),
        );
        return reply.code(201).send(ok(created));
      },
    );

    routes.patch(
      '/posts/:id',
      {
        config: { access: 'user', rateLimit: writeLimit },
        schema: {
          tags,
          summary: "Edit my post (title, content, attachments); POST_NOT_FOUND for anyone else's",
          params: postIdParams,
          body: updatePostBody,
          response: { 200: envelope(postDetail), ...errorResponses(400, 401, 404, 429) },
        },
      },
      async (request) =>
        ok(await posts.update(member(request).id, request.params.id, request.body, authorNames(request))),
    );

    routes.delete(
      '/posts/:id',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: "Delete my post, or any as an ADMIN (audited); POST_NOT_FOUND for anyone else's",
          params: postIdParams,
          response: { 200: messageBody, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const deleter = member(request);
        const { id } = request.params;
        await auditedWhenAdmin(
          audit,
          deleter,
          { action: 'post.delete', target: String(id), requestId: request.id },
          () => posts.remove(deleter, id),
          (removed) => removed,
        );
        return ok({ message: say(request, 'deleted') });
      },
    );

    routes.post(
      '/posts/:id/like',
      {
        config: { access: 'user', rateLimit: writeLimit },
        schema: {
          tags,
          summary: 'Like a published post, or take my like back: the new state and the exact count',
          params: postIdParams,
          response: { 200: envelope(likeResult), ...errorResponses(400, 401, 404, 429) },
        },
      },
      async (request) => ok(await posts.toggleLike(member(request).id, request.params.id)),
    );

    routes.patch(
      '/admin/posts/:id/status',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary:
            'Moderate a post: HIDDEN (only its author and admins see it), PUBLISHED (unhide) or DELETED (final); audited',
          params: postIdParams,
          body: postStatusBody,
          response: {
            200: envelope(postStatusResult),
            ...errorResponses(400, 401, 403, 404),
          },
        },
      },
      async (request) => {
        const { id } = request.params;
        const { status } = request.body;
        const changed = await audit(
          {
            actorId: member(request).id,
            action: 'post.status',
            target: String(id),
            requestId: request.id,
            request: { status },
          },
          () => posts.setStatus(id, status),
          (result) => ({ previousStatus: result.previousStatus, status: result.status }),
        );
        return ok({ id: changed.id, status: changed.status });
      },
    );
  };
}
