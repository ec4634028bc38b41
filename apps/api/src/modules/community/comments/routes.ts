import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
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
  comment,
  commentIdParams,
  commentListQuery,
  commentStatusBody,
  commentStatusResult,
  createCommentBody,
  postCommentsParams,
} from './schemas.ts';
import type { CommentsService } from './service.ts';

const say = localizedMessages({
  deleted: {
    ko: '댓글이 삭제되었습니다.',
    en: 'The comment has been deleted.',
    ja: 'コメントを削除しました。',
  },
});

export interface CommentRoutesDeps {
  comments: CommentsService;
  audit: RunAudited;
  /** route config of the per-member write limit (`memberWriteRateLimit`) */
  writeLimit: object;
}

/** Threaded comments on posts (API §15 COMM-07..10) and their moderation. */
export function commentRoutes({ comments, audit, writeLimit }: CommentRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['community'];

    routes.get(
      '/posts/:id/comments',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary:
            "A published post's comments in thread order (each thread after the one before, its replies in the order written); deleted comments with replies stay as tombstones without content or author",
          params: postCommentsParams,
          querystring: commentListQuery,
          response: { 200: pagedEnvelope(comment), ...errorResponses(400, 404) },
        },
      },
      async (request, reply) => {
        const { query } = request;
        const { pageJson, totalCount } = await comments.list(request.params.id, query, authorNames(request));
        return sendJson(reply, pagedJson(pageJson, { page: query.page, limit: query.limit, totalCount }));
      },
    );

    routes.post(
      '/posts/:id/comments',
      {
        config: { access: 'user', rateLimit: writeLimit },
        schema: {
          tags,
          summary:
            'Comment on a published post, or reply to one of its comments (parentId); content is HTML sanitised on write. Limited per member (429)',
          params: postCommentsParams,
          body: createCommentBody,
          response: { 201: envelope(comment), ...errorResponses(400, 401, 404, 429) },
        },
      },
      async (request, reply) => {
        const created = await comments.create(
          member(request).id,
          request.params.id,
          request.body,
          authorNames(request),
        );
        return reply.code(201).send(ok(created));
      },
    );

    routes.delete(
      '/comments/:id',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            "Delete my comment, or any as an ADMIN (audited): with replies it stays as a tombstone, without it is removed; COMMENT_NOT_FOUND for anyone else's",
          params: commentIdParams,
          response: { 200: messageBody, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const deleter = member(request);
        const { id } = request.params;
        await auditedWhenAdmin(
          audit,
          deleter,
          { action: 'comment.delete', target: String(id), requestId: request.id },
          () => comments.remove(deleter, id),
          (removed) => removed,
        );
        return ok({ message: say(request, 'deleted') });
      },
    );

    routes.patch(
      '/admin/comments/:id/status',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary:
            'Moderate a comment: HIDDEN (content and author withheld), VISIBLE (unhide) or DELETED (as an author delete); audited',
          params: commentIdParams,
          body: commentStatusBody,
          response: { 200: envelope(commentStatusResult), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const { id } = request.params;
        const { status } = request.body;
        const changed = await audit(
          {
            actorId: member(request).id,
            action: 'comment.status',
            target: String(id),
            requestId: request.id,
            request: { status },
          },
          () => comments.setStatus(id, status),
          (result) => ({ previousStatus: result.previousStatus, outcome: result.outcome }),
        );
        return ok({ id: changed.id, status: changed.status });
      },
    );
  };
}
