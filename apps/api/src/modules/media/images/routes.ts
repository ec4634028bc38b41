import { AppError } from '@pbshop/errors';
import type { Storage } from '@pbshop/storage';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope, errorResponses, ok } from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import { acceptMultipartUploads } from '../../../http/uploads.ts';
import {
  imageDeleted,
  imageFileParams,
  imageIdParams,
  imageUploadFields,
  imageUploadResult,
  imageVariantItem,
  legacyUploadResult,
} from './schemas.ts';
import { type ImagesService, imageFileName, imageFolder } from './service.ts';

const say = localizedMessages({
  deleted: {
    ko: '이미지와 모든 크기 변환본이 삭제되었습니다.',
    en: 'The image and all its variants have been deleted.',
    ja: '画像とすべてのサイズを削除しました。',
  },
});

/** Records the admin action, runs `work`, records how it ended (the audit trail's `run`). */
export type ImageAuditRun = <T>(
  action: { actorId: number; action: string; target: string; requestId: string },
  work: () => Promise<T>,
  summarize?: (result: T) => Record<string, unknown>,
) => Promise<T>;

export interface ImageRoutesDeps {
  images: ImagesService;
  storage: Storage;
  audit: ImageAuditRun;
}

/**
 * A stored file's name never changes its bytes (a new upload is a new id), so browsers and CDNs
 * keep it for a year without asking again.
 */
export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

const contentTypeOf = (name: string) =>
  name.endsWith('.webp')
    ? 'image/webp'
    : name.endsWith('.png')
      ? 'image/png'
      : name.endsWith('.gif')
        ? 'image/gif'
        : 'image/jpeg';

/** Streams a stored image file with its validators and immutable caching; 304 when If-None-Match names its tag. */
async function sendImageFile(
  request: FastifyRequest,
  reply: FastifyReply,
  storage: Storage,
  key: string,
): Promise<FastifyReply> {
  const object = await storage.stat(key);
  if (!object) throw new AppError('IMAGE_NOT_FOUND');
  reply
    .header('cache-control', IMMUTABLE_CACHE_CONTROL)
    .header('etag', object.etag)
    .header('last-modified', object.modifiedAt.toUTCString())
    // helmet's same-origin default would stop the storefront (another origin) showing it
    .header('cross-origin-resource-policy', 'cross-origin');
  const asked = request.headers['if-none-match'];
  if (typeof asked === 'string' && asked.split(',').some((tag) => tag.trim() === object.etag)) {
    return reply.code(304).send();
  }
  return reply
    .type(contentTypeOf(key))
    .header('content-length', object.size)
    .send(await storage.get(key));
}

/** The variants, the admin delete and the files of images, and both upload routes (API §31, §24). */
export function imageRoutes({ images, storage, audit }: ImageRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    await acceptMultipartUploads(app, { maxFiles: 1 });
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['images'];

    routes.post(
      '/images/upload',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            'Upload an image (IMG-01..05): multipart `file` (jpg/png/webp/gif by magic number, within the admin image size limit) and `category` (product|community|support|seller); answers the 200/600/1200 px WebP variants, processed before the answer (COMPLETED)',
          consumes: ['multipart/form-data'],
          response: { 201: envelope(imageUploadResult), ...errorResponses(400, 401, 403, 413, 415, 429) },
        },
      },
      async (request, reply) => {
        const { image } = await images.upload(request, member(request).id, (fields) => {
          const parsed = imageUploadFields.safeParse(fields);
          if (!parsed.success) {
            throw new AppError('VALIDATION_ERROR', {
              details: parsed.error.issues.map((issue) => ({
                field: issue.path.join('.'),
                message: issue.message,
              })),
            });
          }
          return parsed.data.category;
        });
        return reply.code(201).send(ok(image));
      },
    );

    routes.post(
      '/upload/image',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            'Legacy single image upload (API §24): multipart `file`, processed as POST /images/upload does; answers the LARGE variant URL',
          consumes: ['multipart/form-data'],
          response: { 201: envelope(legacyUploadResult), ...errorResponses(400, 401, 403, 413, 415, 429) },
        },
      },
      async (request, reply) => {
        const { url } = await images.uploadForUrl(request, member(request).id, 'legacy');
        return reply.code(201).send(ok({ url }));
      },
    );

    routes.get(
      '/images/:id/variants',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: "An image's WebP variants (THUMBNAIL 200, MEDIUM 600, LARGE 1200 px longest side)",
          params: imageIdParams,
          response: { 200: envelope(z.array(imageVariantItem)), ...errorResponses(400, 404) },
        },
      },
      async (request) => ok(await images.variants(request.params.id)),
    );

    routes.delete(
      '/images/:id',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: 'Delete an image: its original, its variants and its rows (audited)',
          params: imageIdParams,
          response: { 200: envelope(imageDeleted), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const { id } = request.params;
        await audit(
          {
            actorId: member(request).id,
            action: 'images.delete',
            target: `image:${id}`,
            requestId: request.id,
          },
          () => images.remove(id),
          (result) => result,
        );
        return ok({ success: true, message: say(request, 'deleted') });
      },
    );

    routes.get(
      '/images/:id/files/:name',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary:
            "An image's stored file (the URLs the upload answers), streamed from storage with immutable year-long caching",
          params: imageFileParams,
          response: {
            200: {
              description: 'the image bytes',
              content: { 'image/*': { schema: z.string().describe('binary') } },
            },
            ...errorResponses(400, 404),
          },
        },
      },
      async (request, reply) => {
        const { id, name } = request.params;
        if (!imageFileName.test(name)) throw new AppError('IMAGE_NOT_FOUND');
        return sendImageFile(request, reply, storage, `${imageFolder(id)}${name}`);
      },
    );
  };
}
