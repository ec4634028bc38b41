import type { Storage } from '@pbshop/storage';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope, errorBody, errorResponses, ok, page, pagedEnvelope } from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import { acceptMultipartUploads, type UploadIntake } from '../../../http/uploads.ts';
import { sendStoredFile } from '../files/delivery.ts';
import {
  commentItem,
  createCommentBody,
  deletedBody,
  feedEnvelope,
  feedQuery,
  hlsFileParams,
  likeToggle,
  listQuery,
  rankedShortform,
  rankingQuery,
  retryBody,
  shortformIdParams,
  shortformItem,
  transcodeStatusBody,
  userIdParams,
} from './schemas.ts';
import type { ShortformsService } from './service.ts';

const say = localizedMessages({
  deleted: {
    ko: '숏폼이 삭제되었습니다.',
    en: 'The short-form video has been deleted.',
    ja: 'ショート動画を削除しました。',
  },
  retried: {
    ko: '변환을 다시 시작합니다.',
    en: 'The transcode has been queued again.',
    ja: '変換を再度キューに入れました。',
  },
});

export interface ShortformRoutesDeps {
  shortforms: ShortformsService;
  uploads: UploadIntake;
  storage: Storage;
  /** the API's per-client limit: streams get ten times it (a player asks for many ranges and segments) */
  rateLimitPerMinute: number;
}

const bytesResponse = (description: string) => ({
  description,
  content: { 'application/octet-stream': { schema: z.string().describe('binary') } },
});

/** Where an upload's source video is stored until its shortform is deleted. */
export const SHORTFORM_SOURCE_FOLDER = 'shortforms/source';

/**
 * Short-form videos (API §35, SHRT-01..05): upload, feed, detail, likes, comments, ranking,
 * transcode status and retry, delete, a member's list; and the streams of each one's video,
 * poster and HLS rendition. `/shortforms/ranking/list` and `/shortforms/user/:userId` are static
 * segments, so the router prefers them to `/shortforms/:id/...`.
 */
export function shortformRoutes({
  shortforms,
  uploads,
  storage,
  rateLimitPerMinute,
}: ShortformRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    await acceptMultipartUploads(app, { maxFiles: 1 });
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['shortforms'];
    const streamLimit = { max: rateLimitPerMinute * 10, timeWindow: 60_000 };

    routes.post(
      '/shortforms',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            'Upload a short-form (multipart: video, title 1..100, productIds as a JSON array string, durationSec): ' +
            'a vertical video of at most 60 s (ffprobe decides); answers PENDING and queues its transcode',
          consumes: ['multipart/form-data'],
          response: {
            201: envelope(shortformItem),
            ...errorResponses(400, 401, 403, 404, 413, 415, 429, 503),
          },
        },
      },
      async (request, reply) => {
        const uploader = member(request).id;
        const upload = await uploads.receive(request, uploader, {
          fileFields: ['video'],
          kinds: ['VIDEO'],
          maxFiles: 1,
          keyFolder: SHORTFORM_SOURCE_FOLDER,
        });
        return reply.code(201).send(ok(await shortforms.create(uploader, request.id, upload)));
      },
    );

    routes.get(
      '/shortforms',
      {
        config: { access: 'optional' },
        schema: {
          tags,
          summary:
            'The feed: published (transcoded) short-forms, newest first; page&limit, or cursor&limit with meta.nextCursor',
          querystring: feedQuery,
          response: { 200: feedEnvelope, ...errorResponses(400) },
        },
      },
      async (request) => {
        const { items, meta } = await shortforms.feed(request.query, request.principal?.id);
        return { success: true as const, data: items, meta };
      },
    );

    routes.get(
      '/shortforms/ranking/list',
      {
        config: { access: 'optional' },
        schema: {
          tags,
          summary: `Popular short-forms of the day, week or month (Seoul days): score = views + 5 × likes in the period`,
          querystring: rankingQuery,
          response: { 200: envelope(z.array(rankedShortform)), ...errorResponses(400) },
        },
      },
      async (request) =>
        ok(await shortforms.ranking(request.query.period, request.query.limit, request.principal?.id)),
    );

    routes.get(
      '/shortforms/user/:userId',
      {
        config: { access: 'optional' },
        schema: {
          tags,
          summary: "A member's short-forms, newest first (published ones; the member sees all of theirs)",
          params: userIdParams,
          querystring: listQuery,
          response: { 200: pagedEnvelope(shortformItem), ...errorResponses(400) },
        },
      },
      async (request) => {
        const { page: pageNumber, limit } = request.query;
        const { items, totalCount } = await shortforms.byUser(
          request.params.userId,
          pageNumber,
          limit,
          request.principal?.id,
        );
        return page(items, { page: pageNumber, limit, totalCount });
      },
    );

    routes.get(
      '/shortforms/:id',
      {
        config: { access: 'optional' },
        schema: {
          tags,
          summary: 'One short-form (any transcode status); each read counts a view',
          params: shortformIdParams,
          response: { 200: envelope(shortformItem), ...errorResponses(400, 404) },
        },
      },
      async (request) => ok(await shortforms.detail(request.params.id, request.principal?.id)),
    );

    routes.post(
      '/shortforms/:id/like',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Like or unlike (a toggle); answers the new state and count',
          params: shortformIdParams,
          response: { 200: likeToggle, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => ok(await shortforms.toggleLike(request.params.id, member(request).id)),
    );

    routes.post(
      '/shortforms/:id/comments',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Comment on a short-form',
          params: shortformIdParams,
          body: createCommentBody,
          response: { 201: envelope(commentItem), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(ok(await shortforms.addComment(request.params.id, member(request).id, request.body.content))),
    );

    routes.get(
      '/shortforms/:id/comments',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: "A short-form's comments, newest first",
          params: shortformIdParams,
          querystring: listQuery,
          response: { 200: pagedEnvelope(commentItem), ...errorResponses(400, 404) },
        },
      },
      async (request) => {
        const { page: pageNumber, limit } = request.query;
        const { items, totalCount } = await shortforms.comments(request.params.id, pageNumber, limit);
        return page(items, { page: pageNumber, limit, totalCount });
      },
    );

    routes.get(
      '/shortforms/:id/transcode-status',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary:
            'Transcode status: PENDING → PROCESSING (progress %) → COMPLETED (rendition URLs) or FAILED (the reason)',
          params: shortformIdParams,
          response: { 200: transcodeStatusBody, ...errorResponses(400, 404) },
        },
      },
      async (request) => ok(await shortforms.transcodeStatus(request.params.id)),
    );

    routes.post(
      '/shortforms/:id/transcode/retry',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: "Retry a FAILED transcode (the owner's; any other status: 400 INVALID_STATUS_TRANSITION)",
          params: shortformIdParams,
          response: { 200: retryBody, ...errorResponses(400, 401, 403, 404, 409, 503) },
        },
      },
      async (request) => {
        await shortforms.retryTranscode(request.params.id, member(request).id, request.id);
        return ok({ success: true as const, message: say(request, 'retried'), queued: true as const });
      },
    );

    routes.delete(
      '/shortforms/:id',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            'Delete a short-form (its owner, or an admin): the uploaded file and its renditions go too',
          params: shortformIdParams,
          response: { 200: deletedBody, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        await shortforms.remove(request.params.id, member(request));
        return ok({ success: true as const, message: say(request, 'deleted') });
      },
    );

    const streamResponses = {
      200: bytesResponse('the whole file'),
      206: bytesResponse('the asked bytes'),
      ...errorResponses(400, 404),
      416: errorBody,
    };

    routes.get(
      '/shortforms/:id/video',
      {
        config: { access: 'public', rateLimit: streamLimit },
        schema: {
          tags,
          summary:
            'The video: its MP4 rendition once COMPLETED, the uploaded file before (Range, If-Range, ETag)',
          params: shortformIdParams,
          response: streamResponses,
        },
      },
      async (request, reply) => {
        const target = await shortforms.streamTarget(request.params.id, 'video');
        return sendStoredFile(request, reply, storage, target);
      },
    );

    routes.get(
      '/shortforms/:id/poster',
      {
        config: { access: 'public', rateLimit: streamLimit },
        schema: {
          tags,
          summary: 'The poster frame (JPEG), once COMPLETED',
          params: shortformIdParams,
          response: streamResponses,
        },
      },
      async (request, reply) => {
        const target = await shortforms.streamTarget(request.params.id, 'poster');
        return sendStoredFile(request, reply, storage, target);
      },
    );

    routes.get(
      '/shortforms/:id/hls/:file',
      {
        config: { access: 'public', rateLimit: streamLimit },
        schema: {
          tags,
          summary:
            'The HLS rendition: index.m3u8 (application/vnd.apple.mpegurl) and its 4 s MPEG-TS segments',
          params: hlsFileParams,
          response: streamResponses,
        },
      },
      async (request, reply) => {
        const target = await shortforms.streamTarget(request.params.id, `hls/${request.params.file}`);
        return sendStoredFile(request, reply, storage, target);
      },
    );
  };
}
