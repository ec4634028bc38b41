import type { Logger } from '@pbshop/config';
import { type Database, mediaFiles } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { type SignedGrant, type Storage, withLocalFile } from '@pbshop/storage';
import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Principal } from '../../../http/principal.ts';
import {
  assertAllowed,
  detectType,
  knownExtensions,
  type MediaKind,
  maxBytesOf,
  mediaKinds,
  newStorageKey,
  type ReceivedFile,
  SNIFF_BYTES,
  type UploadIntake,
  type UploadPolicy,
} from '../../../http/uploads.ts';
import type { MediaProber, ProbeResult } from './probe.ts';
import type { MediaAsset, MediaOwnerType } from './schemas.ts';

export type MediaRow = typeof mediaFiles.$inferSelect;

/** Where `POST /media/upload` and pre-signed uploads store files. */
export const MEDIA_KEY_FOLDER = 'media';

export interface MediaFilesDeps {
  db: Database;
  storage: Storage;
  uploads: Pick<UploadIntake, 'discard' | 'quota'>;
  policy(): Promise<UploadPolicy>;
  prober: MediaProber;
  /** PUBLIC_BASE_URL: file URLs are absolute */
  publicBaseUrl: string;
  presignExpiresSeconds: number;
  /** an issued pre-signed upload not completed within this is swept */
  pendingTtlMinutes: number;
  logger: Logger;
}

/** The refusal of a file that probing could not read, by kind. */
function unreadable(kind: MediaKind): AppError {
  if (kind === 'VIDEO') return new AppError('INVALID_VIDEO');
  if (kind === 'IMAGE') return new AppError('INVALID_IMAGE');
  return new AppError('MEDIA_TYPE_NOT_ALLOWED', {
    details: { reason: 'the file cannot be read as its type' },
  });
}

const resolutionOf = (row: Pick<MediaRow, 'width' | 'height'>) =>
  row.width && row.height ? `${row.width}x${row.height}` : null;

const secondsOf = (durationMs: number | null) => (durationMs === null ? null : durationMs / 1000);

/**
 * Uploaded files (API §36, RES-01..04): rows of `media_files` over objects in the storage.
 * Multipart uploads arrive through the upload intake; large files through a pre-signed PUT and a
 * completion step that checks what arrived. Reads (stream, metadata) see READY rows only.
 */
export function mediaFilesService(deps: MediaFilesDeps) {
  const { db, storage, prober, logger } = deps;
  const base = deps.publicBaseUrl.replace(/\/+$/, '');
  const streamUrl = (id: number) => `${base}/api/v1/media/stream/${id}`;

  const toAsset = (row: MediaRow): MediaAsset => ({
    id: row.id,
    ownerType: (row.ownerType as MediaOwnerType | null) ?? null,
    ownerId: row.ownerId,
    fileKey: row.storageKey,
    fileUrl: streamUrl(row.id),
    type: row.kind,
    mime: row.mime,
    extension: row.extension,
    size: row.size,
    duration: secondsOf(row.durationMs),
    resolution: resolutionOf(row),
    originalName: row.originalName,
    createdAt: row.createdAt.toISOString(),
  });

  const probe = (kind: MediaKind, key: string): Promise<ProbeResult | undefined> =>
    withLocalFile(storage, key, (path) => prober.probe(kind, path));

  /** Deletes an object whose row is gone or never came; a failure is logged (the sweep of a prefix is the backstop). */
  const removeObject = (key: string) =>
    storage.delete(key).catch((error: unknown) => {
      logger.warn({ err: error, key }, 'media object not deleted');
    });

  return {
    toAsset,
    streamUrl,

    /**
     * Probes the files the intake stored and records them, all or none: a file probing cannot
     * read refuses the request, and every file of it is deleted.
     */
    async record(
      files: readonly ReceivedFile[],
      uploaderId: number,
      owner: { type: MediaOwnerType; id: number },
    ): Promise<MediaAsset[]> {
      try {
        const probed: ProbeResult[] = [];
        for (const file of files) {
          const result = await probe(file.kind, file.storageKey);
          if (!result) throw unreadable(file.kind);
          probed.push(result);
        }
        const rows = await db
          .insert(mediaFiles)
          .values(
            files.map((file, index) => ({
              uploaderId,
              ownerType: owner.type,
              ownerId: owner.id,
              kind: file.kind,
              status: 'READY' as const,
              mime: file.mime,
              extension: file.extension,
              originalName: file.originalName.toWellFormed().replaceAll('\u0000', ''),
              size: file.size,
              storageKey: file.storageKey,
              width: probed[index]!.width,
              height: probed[index]!.height,
              durationMs: probed[index]!.durationMs,
              metadata: probed[index]!.details,
            })),
          )
          .returning();
        return rows.map(toAsset);
      } catch (error) {
        await deps.uploads.discard(files);
        throw error;
      }
    },

    /**
     * Issues a pre-signed upload (large files): the declared name's extension must be allowed
     * and the declared size within its kind's limit and the day's quota. The row waits as
     * PENDING_UPLOAD until `complete` checks the bytes, or the sweep removes it.
     */
    async presign(body: { fileName: string; fileType: string; fileSize: number }, uploaderId: number) {
      const policy = await deps.policy();
      const extension = /\.([A-Za-z0-9]{1,10})$/.exec(body.fileName)?.[1]?.toLowerCase() ?? '';
      const kind = knownExtensions[extension];
      if (!kind || !policy.extensions.includes(extension)) {
        throw new AppError('MEDIA_TYPE_NOT_ALLOWED', {
          details: { extension: extension || null, allowedExtensions: policy.extensions },
        });
      }
      const limit = maxBytesOf(policy, kind);
      if (body.fileSize > limit) {
        throw new AppError('FILE_TOO_LARGE', {
          details: { kind, maxBytes: limit, maxMb: limit / 1024 / 1024 },
        });
      }
      const bytesLeft = await deps.uploads.quota.takeFile(uploaderId);
      if (body.fileSize > bytesLeft) throw deps.uploads.quota.exceeded({ bytesLeftToday: bytesLeft });
      // `jpeg` names the format file-type calls `jpg`: the key takes the canonical one
      const storageKey = newStorageKey(MEDIA_KEY_FOLDER, extension === 'jpeg' ? 'jpg' : extension);
      const upload = await storage.presignedPut(storageKey, {
        contentType: body.fileType,
        size: body.fileSize,
        expiresIn: deps.presignExpiresSeconds,
      });
      const [row] = await db
        .insert(mediaFiles)
        .values({
          uploaderId,
          kind,
          status: 'PENDING_UPLOAD',
          mime: body.fileType,
          extension,
          originalName: body.fileName.toWellFormed().replaceAll('\u0000', ''),
          size: body.fileSize,
          storageKey,
        })
        .returning({ id: mediaFiles.id });
      return {
        id: row!.id,
        uploadUrl: upload.url,
        fileKey: storageKey,
        method: upload.method,
        headers: upload.headers,
        expiresInSec: deps.presignExpiresSeconds,
        expiresAt: upload.expiresAt.toISOString(),
      };
    },

    /**
     * Checks what a pre-signed upload delivered: the declared size exactly, the type by magic
     * number within the whitelist, the kind's size limit, a probe that reads it. Anything else:
     * the object and the row are deleted and the refusal answered. A completed upload answers
     * again as it is (a retried call).
     */
    async complete(fileKey: string, uploaderId: number): Promise<MediaAsset> {
      const [row] = await db
        .select()
        .from(mediaFiles)
        .where(
          and(
            eq(mediaFiles.storageKey, fileKey),
            eq(mediaFiles.uploaderId, uploaderId),
            isNull(mediaFiles.deletedAt),
          ),
        );
      if (!row) throw new AppError('MEDIA_NOT_FOUND');
      if (row.status === 'READY') return toAsset(row);
      const stored = await storage.stat(fileKey);
      if (!stored) {
        throw new AppError('VALIDATION_ERROR', {
          details: [{ field: 'fileKey', message: 'nothing has been uploaded to this key yet' }],
        });
      }
      const refuse = async (error: AppError): Promise<never> => {
        await db
          .delete(mediaFiles)
          .where(and(eq(mediaFiles.id, row.id), eq(mediaFiles.status, 'PENDING_UPLOAD')));
        await removeObject(fileKey);
        throw error;
      };
      const policy = await deps.policy();
      const head = await headOf(fileKey, stored.size);
      let detected: ReturnType<typeof assertAllowed>;
      try {
        detected = assertAllowed(await detectType(head), policy, mediaKinds);
      } catch (error) {
        return refuse(error as AppError);
      }
      const limit = maxBytesOf(policy, detected.kind);
      if (stored.size > limit) {
        return refuse(
          new AppError('FILE_TOO_LARGE', {
            details: { kind: detected.kind, maxBytes: limit, maxMb: limit / 1024 / 1024 },
          }),
        );
      }
      if (stored.size !== row.size) {
        return refuse(
          new AppError('VALIDATION_ERROR', {
            details: [{ field: 'fileSize', message: `declared ${row.size} bytes, received ${stored.size}` }],
          }),
        );
      }
      const probed = await probe(detected.kind, fileKey);
      if (!probed) return refuse(unreadable(detected.kind));
      const [ready] = await db
        .update(mediaFiles)
        .set({
          status: 'READY',
          kind: detected.kind,
          mime: detected.mime,
          extension: detected.extension,
          size: stored.size,
          width: probed.width,
          height: probed.height,
          durationMs: probed.durationMs,
          metadata: probed.details,
          updatedAt: sql`now()`,
        })
        .where(and(eq(mediaFiles.id, row.id), eq(mediaFiles.status, 'PENDING_UPLOAD')))
        .returning();
      if (!ready) {
        // a concurrent completion won, or the sweep took it
        const [now] = await db.select().from(mediaFiles).where(eq(mediaFiles.id, row.id));
        if (now?.status === 'READY') return toAsset(now);
        throw new AppError('MEDIA_NOT_FOUND');
      }
      await deps.uploads.quota.addBytes(uploaderId, stored.size);
      return toAsset(ready);
    },

    /** The pending row a local pre-signed PUT may write (its grant names the key). */
    async pendingUpload(grant: SignedGrant): Promise<MediaRow | undefined> {
      const [row] = await db
        .select()
        .from(mediaFiles)
        .where(and(eq(mediaFiles.storageKey, grant.key), eq(mediaFiles.status, 'PENDING_UPLOAD')));
      return row;
    },

    /** A READY file, or undefined. */
    async find(id: number): Promise<MediaRow | undefined> {
      const [row] = await db
        .select()
        .from(mediaFiles)
        .where(and(eq(mediaFiles.id, id), eq(mediaFiles.status, 'READY'), isNull(mediaFiles.deletedAt)));
      return row;
    },

    /** Deletes a file (its uploader or an admin): the row, then the object. */
    async remove(id: number, principal: Principal): Promise<void> {
      const [row] = await db
        .delete(mediaFiles)
        .where(
          and(
            eq(mediaFiles.id, id),
            principal.role === 'ADMIN' ? undefined : eq(mediaFiles.uploaderId, principal.id),
          ),
        )
        .returning({ storageKey: mediaFiles.storageKey });
      if (!row) throw new AppError('MEDIA_NOT_FOUND');
      await storage.delete(row.storageKey);
    },

    /** Pre-signed uploads never completed within the bound: rows and whatever arrived deleted. */
    async sweepPending(now = new Date()): Promise<{ removed: number }> {
      const cutoff = new Date(now.getTime() - deps.pendingTtlMinutes * 60_000);
      const rows = await db
        .delete(mediaFiles)
        .where(and(eq(mediaFiles.status, 'PENDING_UPLOAD'), lt(mediaFiles.createdAt, cutoff)))
        .returning({ storageKey: mediaFiles.storageKey });
      await Promise.all(rows.map((row) => removeObject(row.storageKey)));
      return { removed: rows.length };
    },
  };

  /** The first bytes of an object (its magic number). */
  async function headOf(key: string, size: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await storage.get(key, { start: 0, end: Math.min(SNIFF_BYTES, size) - 1 })) {
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }
}

export type MediaFilesService = ReturnType<typeof mediaFilesService>;
