import { Readable } from 'node:stream';
import { AppError } from '@pbshop/errors';
import { type Storage, verifyGrant } from '@pbshop/storage';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope, errorResponses, ok } from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import { acceptMultipartUploads, mediaKinds, type UploadIntake } from '../../../http/uploads.ts';
import { sendStoredFile } from './delivery.ts';
import {
  completeBody,
  deletedBody,
  mediaAsset,
  mediaIdParams,
  mediaMetadata,
  presignBody,
  presignedUpload,
  streamInfo,
  uploadFields,
} from './schemas.ts';
import { MEDIA_KEY_FOLDER, type MediaFilesService } from './service.ts';

const say = localizedMessages({
  deleted: { ko: '파일이 삭제되었습니다.', en: 'The file has been deleted.', ja: 'ファイルを削除しました。' },
});

export interface MediaRoutesDeps {
  mediaFiles: MediaFilesService;
  uploads: UploadIntake;
  storage: Storage;
  /** files in one POST /media/upload */
  maxFiles: number;
  /** the API's per-client limit: streams get ten times it (a player asks for many ranges) */
  rateLimitPerMinute: number;
}

const bytesResponse = (description: string) => ({
  description,
  content: { 'application/octet-stream': { schema: z.string().describe('binary') } },
});

/**
 * `GET /media/stream/:id` answers JSON (the file's stream info) to a JSON client — the
 * storefront reads it through its JSON `request()`, which sends `Content-Type: application/json`
 * on every call — and the bytes to everything else (players send Range or no type at all).
 */
function wantsStreamInfo(request: FastifyRequest): boolean {
  if (request.headers.range) return false;
  const accept = request.headers.accept ?? '';
  const contentType = request.headers['content-type'] ?? '';
  return accept.includes('application/json') || contentType.startsWith('application/json');
}

/** Uploaded files (API §36, RES-01..04): upload, pre-signed upload and its completion, stream, metadata, delete. */
export function mediaRoutes({
  mediaFiles,
  uploads,
  storage,
  maxFiles,
  rateLimitPerMinute,
}: MediaRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    await acceptMultipartUploads(app, { maxFiles });
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['media'];
    const streamLimit = { max: rateLimitPerMinute * 10, timeWindow: 60_000 };

    routes.post(
      '/media/upload',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: `Upload files (image, video, audio, document): multipart files[] (up to ${maxFiles}), ownerType, ownerId; typed by magic number, within the admin settings' extensions and size limits`,
          consumes: ['multipart/form-data'],
          response: {
            201: envelope(z.array(mediaAsset)),
            ...errorResponses(400, 401, 403, 413, 415, 429),
          },
        },
      },
      async (request, reply) => {
        const uploader = member(request).id;
        const { files, fields } = await uploads.receive(request, uploader, {
          fileFields: ['files', 'files[]', 'file'],
          kinds: mediaKinds,
          maxFiles,
          keyFolder: MEDIA_KEY_FOLDER,
        });
        const owner = uploadFields.safeParse(fields);
        if (!owner.success) {
          await uploads.discard(files);
          throw new AppError('VALIDATION_ERROR', {
            details: owner.error.issues.map((issue) => ({
              field: issue.path.join('.'),
              message: issue.message,
            })),
          });
        }
        const assets = await mediaFiles.record(files, uploader, {
          type: owner.data.ownerType,
          id: owner.data.ownerId,
        });
        return reply.code(201).send(ok(assets));
      },
    );

    routes.post(
      '/media/presigned-url',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            'A pre-signed upload URL for a large file: PUT the bytes there with the headers given, then POST /media/presigned-url/complete',
          body: presignBody,
          response: { 201: envelope(presignedUpload), ...errorResponses(400, 401, 403, 413, 415, 429) },
        },
      },
      async (request, reply) =>
        reply.code(201).send(ok(await mediaFiles.presign(request.body, member(request).id))),
    );

    routes.post(
      '/media/presigned-url/complete',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            'Check what a pre-signed upload delivered (declared size, magic number, extension, size limit, probe): READY, or refused with the object deleted',
          body: completeBody,
          response: { 200: envelope(mediaAsset), ...errorResponses(400, 401, 403, 404, 413, 415) },
        },
      },
      async (request) => ok(await mediaFiles.complete(request.body.fileKey, member(request).id)),
    );

    routes.get(
      '/media/stream/:id',
      {
        config: { access: 'public', rateLimit: streamLimit },
        schema: {
          tags,
          summary:
            'Stream a file: Range (206, one range), If-Range, ETag; 416 for an unsatisfiable range. A JSON request (Accept or Content-Type application/json, no Range) gets its stream info instead',
          params: mediaIdParams,
          response: {
            200: envelope(streamInfo),
            206: bytesResponse('the asked bytes'),
            ...errorResponses(400, 404, 416),
          },
        },
      },
      async (request, reply) => {
        const row = await mediaFiles.find(request.params.id);
        if (!row) throw new AppError('MEDIA_NOT_FOUND');
        if (wantsStreamInfo(request)) {
          const asset = mediaFiles.toAsset(row);
          return ok({
            id: asset.id,
            fileUrl: asset.fileUrl,
            mime: asset.mime,
            size: asset.size,
            duration: asset.duration,
            resolution: asset.resolution,
          });
        }
        return sendStoredFile(request, reply, storage, {
          key: row.storageKey,
          mime: row.mime,
          size: row.size,
        });
      },
    );

    routes.get(
      '/media/:id/metadata',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: 'What probing found at upload: type, size, duration, resolution, codecs',
          params: mediaIdParams,
          response: { 200: envelope(mediaMetadata), ...errorResponses(400, 404) },
        },
      },
      async (request) => {
        const row = await mediaFiles.find(request.params.id);
        if (!row) throw new AppError('MEDIA_NOT_FOUND');
        const asset = mediaFiles.toAsset(row);
        return ok({
          id: row.id,
          mime: row.mime,
          size: row.size,
          duration: asset.duration,
          resolution: asset.resolution,
          width: row.width,
          height: row.height,
          type: row.kind,
          ownerType: row.ownerType,
          ownerId: row.ownerId,
          uploadedAt: row.createdAt.toISOString(),
          details: row.metadata,
        });
      },
    );

    routes.delete(
      '/media/:id',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Delete a file (its uploader, or an admin): the row and the stored object',
          params: mediaIdParams,
          response: { 200: envelope(deletedBody), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        await mediaFiles.remove(request.params.id, member(request));
        return ok({ success: true as const, message: say(request, 'deleted') });
      },
    );
  };
}

/** Content types of stored objects served by a local pre-signed GET, by extension. */
const contentTypes: Record<string, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  bmp: 'image/bmp',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  avi: 'video/vnd.avi',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  wav: 'audio/wav',
  ogg: 'audio/ogg',
  flac: 'audio/flac',
  pdf: 'application/pdf',
  m3u8: 'application/vnd.apple.mpegurl',
  ts: 'video/mp2t',
  m4s: 'video/iso.segment',
};

export interface PresignedObjectRoutesDeps {
  mediaFiles: MediaFilesService;
  storage: Storage;
  /** the secret local pre-signed URLs are signed with */
  urlSecret: string;
}

/**
 * The local storage driver's pre-signed URLs (S3's are served by S3): `PUT` takes exactly the
 * granted bytes of the granted type into a pending upload's key, `GET` serves an object with
 * Range. Public: the HMAC-signed token is the permission. Its own plugin, because the PUT takes
 * a raw body of any content type.
 */
export function presignedObjectRoutes({
  mediaFiles,
  storage,
  urlSecret,
}: PresignedObjectRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    // any body type reaches the handler unread; it streams request.raw itself
    app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['media'];
    const query = z.object({ token: z.string().min(1).max(4096) });

    const grantOf = (token: string, method: 'PUT' | 'GET') => {
      const grant = verifyGrant(urlSecret, token);
      if (!grant || grant.method !== method)
        throw new AppError('FORBIDDEN', { details: { reason: 'invalid or expired URL' } });
      return grant;
    };

    routes.put(
      '/media/presigned-object',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: 'A local pre-signed upload: the exact granted size, with the granted Content-Type',
          querystring: query,
          response: {
            200: envelope(z.object({ fileKey: z.string(), size: z.number().int() })),
            ...errorResponses(400, 403, 404, 413),
          },
        },
      },
      async (request) => {
        const grant = grantOf(request.query.token, 'PUT');
        if (request.headers['content-type'] !== grant.contentType) {
          throw new AppError('FORBIDDEN', {
            details: { reason: `Content-Type must be ${grant.contentType}` },
          });
        }
        const expected = grant.size ?? 0;
        const declared = request.headers['content-length'];
        if (declared !== undefined && Number(declared) !== expected) {
          throw new AppError('VALIDATION_ERROR', {
            details: [{ field: 'content-length', message: `exactly ${expected} bytes` }],
          });
        }
        if (!(await mediaFiles.pendingUpload(grant))) throw new AppError('MEDIA_NOT_FOUND');
        let received = 0;
        async function* body() {
          for await (const chunk of request.raw) {
            received += (chunk as Buffer).length;
            if (received > expected)
              throw new AppError('FILE_TOO_LARGE', { details: { maxBytes: expected } });
            yield chunk as Buffer;
          }
        }
        await storage.put(grant.key, Readable.from(body(), { objectMode: false }), {
          contentType: grant.contentType ?? 'application/octet-stream',
        });
        if (received !== expected) {
          await storage.delete(grant.key);
          throw new AppError('VALIDATION_ERROR', {
            details: [{ field: 'body', message: `received ${received} of ${expected} bytes` }],
          });
        }
        return ok({ fileKey: grant.key, size: received });
      },
    );

    routes.get(
      '/media/presigned-object',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: 'A local pre-signed download (Range, If-Range, ETag as /media/stream/:id)',
          querystring: query,
          response: {
            200: bytesResponse('the whole object'),
            206: bytesResponse('the asked bytes'),
            ...errorResponses(400, 403, 404, 416),
          },
        },
      },
      async (request, reply) => {
        const grant = grantOf(request.query.token, 'GET');
        const extension = /\.([a-z0-9]+)$/.exec(grant.key)?.[1] ?? '';
        return sendStoredFile(request, reply, storage, {
          key: grant.key,
          mime: contentTypes[extension] ?? 'application/octet-stream',
        });
      },
    );
  };
}
