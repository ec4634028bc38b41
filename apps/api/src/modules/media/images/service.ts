import type { Readable } from 'node:stream';
import type { Logger } from '@pbshop/config';
import { type Database, images, imageVariants } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import type { Storage } from '@pbshop/storage';
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';

import type { UploadIntake } from '../../../http/uploads.ts';
import { type ImageVariantType, imageVariantTypes, processImage, stripImageMetadata } from './process.ts';

/** Where the intake streams an upload before it is decoded; always deleted once processed or refused. */
export const IMAGE_INCOMING_FOLDER = 'images/incoming';

/**
 * An `images/incoming/` object older than this is what a process killed mid-upload left: an
 * upload's bytes must arrive within the API's 30 s request timeout, and its decoding (at most 50
 * megapixels) takes seconds, so no upload in flight owns a file this old.
 */
export const INCOMING_STALE_AFTER_MS = 60 * 60_000;

/** Deletes the `images/incoming/` objects older than INCOMING_STALE_AFTER_MS; answers their keys. */
export async function sweepStaleIncoming(storage: Storage, now = new Date()): Promise<{ removed: string[] }> {
  const cutoff = now.getTime() - INCOMING_STALE_AFTER_MS;
  const removed: string[] = [];
  for await (const object of storage.list(`${IMAGE_INCOMING_FOLDER}/`)) {
    if (object.modifiedAt.getTime() >= cutoff) continue;
    await storage.delete(object.key);
    removed.push(object.key);
  }
  return { removed };
}

/** The stored file names under `images/<id>/`: the original and one WebP per variant. */
export const variantFileName: Readonly<Record<ImageVariantType, string>> = {
  THUMBNAIL: 'thumbnail.webp',
  MEDIUM: 'medium.webp',
  LARGE: 'large.webp',
};

/** A file name the image file route serves (anything else is 404 without a storage lookup). */
export const imageFileName = /^(original\.(jpg|png|webp|gif)|thumbnail\.webp|medium\.webp|large\.webp)$/;

export const imageFolder = (imageId: number) => `images/${imageId}/`;

export interface ImageVariantItem {
  id: number;
  type: ImageVariantType;
  url: string;
  width: number;
  height: number;
  format: string;
  size: number;
  createdAt: string;
}

export interface ImageUploadResult {
  id: number;
  category: string;
  originalUrl: string;
  width: number;
  height: number;
  placeholder: string | null;
  variants: ImageVariantItem[];
  processingStatus: 'PENDING' | 'PROCESSING' | 'COMPLETED' | 'FAILED';
}

export interface ImagesServiceDeps {
  db: Database;
  storage: Storage;
  uploads: UploadIntake;
  publicBaseUrl: string;
  logger: Logger;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Images (API §31, IMG-01..05, legacy §24): an upload is streamed by the intake (magic number,
 * admin whitelist and size limit, quotas), decoded and processed synchronously, and stored under
 * `images/<id>/` (original without metadata, three WebP variants); the answer is COMPLETED. Owns
 * `images` and `image_variants`.
 */
export function imagesService({ db, storage, uploads, publicBaseUrl, logger }: ImagesServiceDeps) {
  const filesBase = `${publicBaseUrl.replace(/\/+$/, '')}/api/v1/images`;
  const fileUrl = (key: string) => `${filesBase}/${key.slice('images/'.length).replace('/', '/files/')}`;

  /**
   * Processes an image already in storage (the intake's key) and stores its files under
   * `images/<id>/` with its rows, in one transaction: a failure leaves no row and no file.
   */
  async function store(
    incomingKey: string,
    uploaderId: number,
    category: string,
  ): Promise<ImageUploadResult> {
    const processed = await processImage(await readAll(await storage.get(incomingKey)));
    let folder: string | undefined;
    try {
      return await db.transaction(async (tx) => {
        const { original } = processed;
        const [inserted] = await tx
          .insert(images)
          .values({
            uploaderId,
            category,
            // the key needs the id: set below, in the same transaction
            originalKey: incomingKey,
            mime: original.mime,
            width: original.width,
            height: original.height,
            size: original.bytes.length,
            placeholder: processed.placeholder,
            processingStatus: 'COMPLETED',
          })
          .returning({ id: images.id });
        if (!inserted) throw new Error('image insert returned no row');
        const id = inserted.id;
        folder = imageFolder(id);
        const originalKey = `${folder}original.${original.extension}`;
        await storage.put(originalKey, original.bytes, { contentType: original.mime });
        await tx.update(images).set({ originalKey }).where(eq(images.id, id));
        const variantRows = [];
        for (const type of imageVariantTypes) {
          const variant = processed.variants[type];
          const storageKey = `${folder}${variantFileName[type]}`;
          await storage.put(storageKey, variant.bytes, { contentType: 'image/webp' });
          variantRows.push({
            imageId: id,
            type,
            storageKey,
            width: variant.width,
            height: variant.height,
            format: 'webp',
            size: variant.bytes.length,
          });
        }
        const variants = await tx
          .insert(imageVariants)
          .values(variantRows)
          .returning()
          .then((rows) => rows.map(toVariant));
        return {
          id,
          category,
          originalUrl: fileUrl(originalKey),
          width: original.width,
          height: original.height,
          placeholder: processed.placeholder,
          variants,
          processingStatus: 'COMPLETED' as const,
        };
      });
    } catch (error) {
      if (folder) {
        await storage.deletePrefix(folder).catch((cleanup: unknown) => {
          logger.error({ err: cleanup, folder }, 'image files of a failed upload not deleted');
        });
      }
      throw error;
    }
  }

  function toVariant(row: typeof imageVariants.$inferSelect): ImageVariantItem {
    return {
      id: row.id,
      type: row.type,
      url: fileUrl(row.storageKey),
      width: row.width,
      height: row.height,
      format: row.format,
      size: row.size,
      createdAt: row.createdAt.toISOString(),
    };
  }

  const service = {
    /**
     * Receives one multipart image (`file`) and processes it (see `store`). `category` is read
     * from the body's `category` field by `categoryOf` (which throws on a bad one), or fixed by
     * the route. Answers the image and the body's other text fields. The intake's upload is
     * deleted whatever happens.
     */
    async upload(
      request: FastifyRequest,
      uploaderId: number,
      categoryOf: (fields: Record<string, string>) => string,
    ): Promise<{ image: ImageUploadResult; fields: Record<string, string> }> {
      const { files, fields } = await uploads.receive(request, uploaderId, {
        fileFields: ['file'],
        kinds: ['IMAGE'],
        maxFiles: 1,
        keyFolder: IMAGE_INCOMING_FOLDER,
      });
      try {
        const category = categoryOf(fields);
        const [file] = files;
        if (!file) throw new Error('the intake answered no file');
        return { image: await store(file.storageKey, uploaderId, category), fields };
      } finally {
        await uploads.discard(files);
      }
    },

    /**
     * `upload` for a caller that keeps one URL (the legacy upload, product images): the image
     * stored under `category`, and the URL of its LARGE variant (1200 px, or the image's own size
     * when smaller). `checkFields` may refuse the body's text fields (before any decoding).
     */
    async uploadForUrl(
      request: FastifyRequest,
      uploaderId: number,
      category: string,
      checkFields: (fields: Record<string, string>) => void = () => {},
    ): Promise<{ imageId: number; url: string; fields: Record<string, string> }> {
      const { image, fields } = await service.upload(request, uploaderId, (body) => {
        checkFields(body);
        return category;
      });
      const large = image.variants.find((variant) => variant.type === 'LARGE');
      return { imageId: image.id, url: large?.url ?? image.originalUrl, fields };
    },

    /**
     * An image the upload intake stored as a file (a support ticket's attachment), rewritten in
     * place without its metadata (EXIF, GPS, XMP), orientation applied, after the Image API's
     * checks (pixel bombs 413, undecodable 400, a format it does not take 415). Answers the new size.
     */
    async stripStoredImage(storageKey: string): Promise<{ size: number }> {
      const stripped = await stripImageMetadata(await readAll(await storage.get(storageKey)));
      await storage.put(storageKey, stripped.bytes, { contentType: stripped.mime });
      return { size: stripped.bytes.length };
    },

    /** The variants of a live image, smallest first (404 IMAGE_NOT_FOUND). */
    async variants(imageId: number): Promise<ImageVariantItem[]> {
      const rows = await db
        .select({ variant: imageVariants })
        .from(images)
        .leftJoin(imageVariants, eq(imageVariants.imageId, images.id))
        .where(eq(images.id, imageId))
        .orderBy(asc(imageVariants.width), asc(imageVariants.id));
      if (rows.length === 0) throw new AppError('IMAGE_NOT_FOUND');
      return rows.flatMap(({ variant }) => (variant ? [toVariant(variant)] : []));
    },

    /**
     * Which of `imageIds` are live, processed images that `uploaderId` uploaded (what another
     * module may attach on that member's behalf).
     */
    async uploadedBy(uploaderId: number, imageIds: readonly number[]): Promise<number[]> {
      if (imageIds.length === 0) return [];
      const rows = await db
        .select({ id: images.id })
        .from(images)
        .where(
          and(
            inArray(images.id, [...imageIds]),
            eq(images.uploaderId, uploaderId),
            eq(images.processingStatus, 'COMPLETED'),
            isNull(images.deletedAt),
          ),
        );
      return rows.map((row) => row.id);
    },

    /** The variants of each of `imageIds` that is live, smallest first (an unknown id is left out). */
    async variantsOf(imageIds: readonly number[]): Promise<Map<number, ImageVariantItem[]>> {
      const found = new Map<number, ImageVariantItem[]>();
      if (imageIds.length === 0) return found;
      const rows = await db
        .select({ variant: imageVariants })
        .from(imageVariants)
        .innerJoin(images, eq(images.id, imageVariants.imageId))
        .where(and(inArray(imageVariants.imageId, [...imageIds]), isNull(images.deletedAt)))
        .orderBy(asc(imageVariants.width), asc(imageVariants.id));
      for (const { variant } of rows) {
        const list = found.get(variant.imageId) ?? [];
        list.push(toVariant(variant));
        found.set(variant.imageId, list);
      }
      return found;
    },

    /**
     * Deletes an image: its rows (variants cascade) and every stored file, in one transaction (a
     * storage failure keeps the row, so the delete can be repeated).
     */
    async remove(imageId: number): Promise<{ deletedFiles: number }> {
      return db.transaction(async (tx) => {
        const [row] = await tx.delete(images).where(eq(images.id, imageId)).returning({ id: images.id });
        if (!row) throw new AppError('IMAGE_NOT_FOUND');
        return { deletedFiles: await storage.deletePrefix(imageFolder(imageId)) };
      });
    },

    /** The public URL of a stored image file key (`images/<id>/<name>`). */
    fileUrl,

    /** What crashed uploads left under `images/incoming/` (see `sweepStaleIncoming`). */
    sweepStaleIncoming: (now?: Date) => sweepStaleIncoming(storage, now),
  };
  return service;
}

export type ImagesService = ReturnType<typeof imagesService>;
