import { randomBytes } from 'node:crypto';
import { type Readable, Transform } from 'node:stream';
import multipart from '@fastify/multipart';
import { AppError } from '@pbshop/errors';
import type { Storage } from '@pbshop/storage';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fileTypeFromBuffer } from 'file-type';
import type { Redis } from 'ioredis';

/**
 * The upload intake every upload route uses (media, images, short-forms): a multipart body is
 * streamed, file by file, into storage, never held whole in memory. Each file's type is decided
 * by its magic number (file-type), never by its name or declared type; the admin settings'
 * whitelist and per-kind size limits apply while it streams; per-member quotas are counted in
 * Redis. A refused or failed upload (type, size, quota, a client gone mid-body) leaves no stored
 * object: the storage writes atomically and the intake deletes the request's earlier files.
 */

export const mediaKinds = ['IMAGE', 'VIDEO', 'AUDIO', 'DOCUMENT'] as const;
export type MediaKind = (typeof mediaKinds)[number];

/**
 * Every extension the whitelist may hold, with its kind: the formats file-type recognises by
 * magic number. `jpeg` names the same format as `jpg` (file-type answers `jpg`).
 */
export const knownExtensions: Readonly<Record<string, MediaKind>> = {
  jpg: 'IMAGE',
  jpeg: 'IMAGE',
  png: 'IMAGE',
  webp: 'IMAGE',
  gif: 'IMAGE',
  avif: 'IMAGE',
  bmp: 'IMAGE',
  mp4: 'VIDEO',
  mov: 'VIDEO',
  webm: 'VIDEO',
  mkv: 'VIDEO',
  avi: 'VIDEO',
  mp3: 'AUDIO',
  m4a: 'AUDIO',
  wav: 'AUDIO',
  ogg: 'AUDIO',
  flac: 'AUDIO',
  pdf: 'DOCUMENT',
};

/** Other names an admin may list for a format file-type detects. */
const extensionAliases: Readonly<Record<string, readonly string[]>> = { jpg: ['jpeg'] };

/** What the admin settings allow (ADMN-10..12): extensions, and the size limits per kind in MB. */
export interface UploadPolicy {
  extensions: readonly string[];
  limitsMb: { image: number; video: number; audio: number };
}

/** The byte limit of a kind; a document (PDF) is held to the image limit, the contract naming none for it. */
export function maxBytesOf(policy: UploadPolicy, kind: MediaKind): number {
  const mb =
    kind === 'VIDEO'
      ? policy.limitsMb.video
      : kind === 'AUDIO'
        ? policy.limitsMb.audio
        : policy.limitsMb.image;
  return mb * 1024 * 1024;
}

export interface DetectedType {
  kind: MediaKind;
  mime: string;
  /** as file-type names it (`jpg`, `mp4`, `m4a`…) */
  extension: string;
}

/** How many leading bytes the type is decided from (file-type reads at most this many for the formats above). */
export const SNIFF_BYTES = 4100;

/** The type of a file by its first bytes, or undefined when it is none of the known formats. */
export async function detectType(head: Uint8Array): Promise<DetectedType | undefined> {
  const found = await fileTypeFromBuffer(head);
  if (!found) return undefined;
  const kind = knownExtensions[found.ext];
  return kind ? { kind, mime: found.mime, extension: found.ext } : undefined;
}

/**
 * Refuses (415 MEDIA_TYPE_NOT_ALLOWED) a file whose detected type is unknown, not of an accepted
 * kind, or whose extension the whitelist does not hold.
 */
export function assertAllowed(
  detected: DetectedType | undefined,
  policy: UploadPolicy,
  kinds: readonly MediaKind[],
): DetectedType {
  const allowed = (extension: string) =>
    [extension, ...(extensionAliases[extension] ?? [])].some((name) => policy.extensions.includes(name));
  if (!detected || !kinds.includes(detected.kind) || !allowed(detected.extension)) {
    throw new AppError('MEDIA_TYPE_NOT_ALLOWED', {
      details: {
        detected: detected ? { mime: detected.mime, extension: detected.extension } : null,
        allowedExtensions: policy.extensions.filter((name) =>
          kinds.includes(knownExtensions[name] as MediaKind),
        ),
      },
    });
  }
  return detected;
}

export interface ReceivedFile {
  /** the multipart field it came in */
  field: string;
  storageKey: string;
  kind: MediaKind;
  mime: string;
  extension: string;
  size: number;
  /** the client's file name (for display only) */
  originalName: string;
}

export interface ReceivedUpload {
  files: ReceivedFile[];
  /** the body's text fields (the last value of a repeated name) */
  fields: Record<string, string>;
}

export interface ReceiveOptions {
  /** the multipart field names that carry files (`files`, `files[]`, `file`…) */
  fileFields: readonly string[];
  /** the kinds this route takes (a file of another: 415) */
  kinds: readonly MediaKind[];
  /** files in one body at most (more: 400) */
  maxFiles: number;
  /** the folder of the stored keys: `<keyFolder>/<yyyy>/<mm>/<random>.<ext>` */
  keyFolder: string;
  /** at least one file (default true) */
  requireFile?: boolean;
}

export interface UploadQuota {
  filesPerHour: number;
  bytesPerDay: number;
}

export interface UploadIntakeDeps {
  storage: Storage;
  redis: Redis;
  keyPrefix: string;
  /** the admin settings' current policy (cached there) */
  policy(): Promise<UploadPolicy>;
  quota: UploadQuota;
}

/** The hard ceiling busboy enforces whatever the settings say (the settings allow at most 1024 MB). */
const BUSBOY_FILE_CEILING = 1024 * 1024 * 1024 + 1;

/**
 * Registers the multipart parser on an upload route plugin (an encapsulated context): files are
 * streamed, text fields bounded. The intake itself enforces the per-kind sizes.
 */
export async function acceptMultipartUploads(app: FastifyInstance, { maxFiles }: { maxFiles: number }) {
  await app.register(multipart, {
    limits: {
      files: maxFiles,
      fileSize: BUSBOY_FILE_CEILING,
      fields: 20,
      fieldSize: 4096,
      parts: maxFiles + 20,
    },
    throwFileSizeLimit: true,
  });
}

/** A stored key's random name part. */
export function newStorageKey(folder: string, extension: string, now = new Date()): string {
  const month = String(now.getUTCMonth() + 1).padStart(2, '0');
  return `${folder}/${now.getUTCFullYear()}/${month}/${randomBytes(16).toString('hex')}.${extension}`;
}

/** Per-member upload counters in Redis: files per clock hour, bytes per day (UTC). */
export function uploadQuotaCounter(redis: Redis, keyPrefix: string, quota: UploadQuota) {
  const filesKey = (userId: number, now: Date) =>
    `${keyPrefix}:upload-quota:files:${userId}:${Math.floor(now.getTime() / 3_600_000)}`;
  const bytesKey = (userId: number, now: Date) =>
    `${keyPrefix}:upload-quota:bytes:${userId}:${now.toISOString().slice(0, 10)}`;
  const exceeded = (details: Record<string, number>) =>
    new AppError('UPLOAD_QUOTA_EXCEEDED', { details, headers: { 'retry-after': '3600' } });

  return {
    /** Counts one more file this hour (refused files count: it is a rate limit) and answers the bytes left today. */
    async takeFile(userId: number, now = new Date()): Promise<number> {
      const files = filesKey(userId, now);
      const answers = await redis.multi().incr(files).expire(files, 3600).get(bytesKey(userId, now)).exec();
      const count = Number(answers?.[0]?.[1] ?? 0);
      const usedBytes = Number(answers?.[2]?.[1] ?? 0);
      if (count > quota.filesPerHour) throw exceeded({ filesPerHour: quota.filesPerHour });
      const left = quota.bytesPerDay - usedBytes;
      if (left <= 0) throw exceeded({ bytesPerDay: quota.bytesPerDay });
      return left;
    },
    async addBytes(userId: number, bytes: number, now = new Date()): Promise<void> {
      const key = bytesKey(userId, now);
      await redis
        .multi()
        .incrby(key, bytes)
        .expire(key, 2 * 86_400)
        .exec();
    },
    exceeded,
  };
}

export type UploadQuotaCounter = ReturnType<typeof uploadQuotaCounter>;

/**
 * The first `bytes` bytes of a stream (fewer if it ends first), read without putting it into
 * flowing mode; the caller unshifts them back.
 */
async function readHead(stream: Readable, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < bytes) {
    const chunk = stream.read() as Buffer | null;
    if (chunk !== null) {
      chunks.push(chunk);
      total += chunk.length;
      continue;
    }
    if (stream.readableEnded || stream.destroyed) break;
    await new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        stream.off('readable', settle).off('end', settle).off('close', settle).off('error', settle);
        if (error) reject(error);
        else resolve();
      };
      stream.once('readable', settle).once('end', settle).once('close', settle).once('error', settle);
    });
  }
  return Buffer.concat(chunks);
}

/** An error of the multipart body itself (not ours) as a 4xx. */
function bodyFailure(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const code = (error as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return new AppError('FILE_TOO_LARGE', { cause: error });
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE') {
    return new AppError('MEDIA_TYPE_NOT_ALLOWED', {
      details: { reason: 'the body must be multipart/form-data' },
      cause: error,
    });
  }
  const reason =
    code === 'FST_FILES_LIMIT'
      ? 'too many files'
      : code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT'
        ? 'too many fields'
        : 'malformed or incomplete multipart/form-data body';
  return new AppError('VALIDATION_ERROR', { details: [{ field: 'body', message: reason }], cause: error });
}

export function uploadIntake({ storage, redis, keyPrefix, policy, quota }: UploadIntakeDeps) {
  const counter = uploadQuotaCounter(redis, keyPrefix, quota);

  /** Deletes stored files (a later step refused the upload); failures are left to the caller's log. */
  async function discard(files: readonly Pick<ReceivedFile, 'storageKey'>[]): Promise<void> {
    await Promise.allSettled(files.map((file) => storage.delete(file.storageKey)));
  }

  /**
   * One file part into storage: its first bytes decide its type, then the rest streams through a
   * counter (the kind's size limit, the day's quota) into an atomic `put`.
   */
  async function storeFile(
    field: string,
    originalName: string,
    source: Readable,
    currentPolicy: UploadPolicy,
    bytesLeftToday: number,
    options: ReceiveOptions,
  ): Promise<ReceivedFile> {
    const head = await readHead(source, SNIFF_BYTES);
    let detected: DetectedType;
    try {
      detected = assertAllowed(await detectType(head), currentPolicy, options.kinds);
    } catch (error) {
      // the rest of this part is not wanted; the request ends with the error
      source.resume();
      throw error;
    }
    const limit = maxBytesOf(currentPolicy, detected.kind);
    let size = 0;
    const gate = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > limit) {
          callback(
            new AppError('FILE_TOO_LARGE', {
              details: { kind: detected.kind, maxBytes: limit, maxMb: limit / 1024 / 1024 },
            }),
          );
          return;
        }
        if (size > bytesLeftToday) {
          callback(counter.exceeded({ bytesPerDay: quota.bytesPerDay }));
          return;
        }
        callback(null, chunk);
      },
    });
    // the gate may refuse the file (size, quota) before storage.put has attached its own
    // listeners (it awaits a temporary path first): put still fails with the error, which it reads
    // from the destroyed stream, but an 'error' event with no listener would crash the process
    gate.on('error', () => {});
    // pipe() forwards no error: a body cut short must fail the write
    const forward = (error: Error) => gate.destroy(error);
    source.once('error', forward);
    if (source.readableEnded) {
      // the whole file was in its head
      gate.end(head);
    } else {
      // the sniffed bytes go back in front: the file streams on whole, with no extra copy
      if (head.length > 0) source.unshift(head);
      source.pipe(gate);
    }
    const storageKey = newStorageKey(options.keyFolder, detected.extension);
    try {
      await storage.put(storageKey, gate, { contentType: detected.mime });
    } catch (error) {
      // refused mid-stream: the rest of the part drains unread
      source.unpipe(gate);
      source.resume();
      throw error;
    } finally {
      source.off('error', forward);
    }
    if (size === 0) {
      await storage.delete(storageKey);
      throw new AppError('VALIDATION_ERROR', { details: [{ field, message: 'the file is empty' }] });
    }
    return {
      field,
      storageKey,
      kind: detected.kind,
      mime: detected.mime,
      extension: detected.extension,
      size,
      originalName: originalName.slice(0, 255),
    };
  }

  return {
    /**
     * Reads a multipart body: its text fields, and its files streamed into storage. Answers
     * what was stored; throws (413 FILE_TOO_LARGE, 415 MEDIA_TYPE_NOT_ALLOWED, 429
     * UPLOAD_QUOTA_EXCEEDED, 415 for a body that is not multipart, 400 for a malformed one, too
     * many or no files) with every file of the request already deleted. The route must have
     * `acceptMultipartUploads` registered, and calls `discard(files)` should a later step
     * (probing, the database) refuse them.
     */
    async receive(request: FastifyRequest, userId: number, options: ReceiveOptions): Promise<ReceivedUpload> {
      const currentPolicy = await policy();
      const files: ReceivedFile[] = [];
      const fields: Record<string, string> = {};
      try {
        for await (const part of request.parts()) {
          if (part.type === 'field') {
            fields[part.fieldname] = typeof part.value === 'string' ? part.value : String(part.value);
            continue;
          }
          if (!options.fileFields.includes(part.fieldname)) {
            part.file.resume();
            throw new AppError('VALIDATION_ERROR', {
              details: [{ field: part.fieldname, message: `files go in ${options.fileFields.join(' or ')}` }],
            });
          }
          if (files.length >= options.maxFiles) {
            part.file.resume();
            throw new AppError('VALIDATION_ERROR', {
              details: [{ field: part.fieldname, message: `at most ${options.maxFiles} file(s)` }],
            });
          }
          const bytesLeftToday = await counter.takeFile(userId).catch((error: unknown) => {
            part.file.resume();
            throw error;
          });
          const file = await storeFile(
            part.fieldname,
            part.filename,
            part.file,
            currentPolicy,
            bytesLeftToday,
            options,
          );
          files.push(file);
          await counter.addBytes(userId, file.size);
        }
      } catch (error) {
        await discard(files);
        throw bodyFailure(error);
      }
      if (files.length === 0 && options.requireFile !== false) {
        throw new AppError('VALIDATION_ERROR', {
          details: [{ field: options.fileFields[0] ?? 'files', message: 'at least one file is required' }],
        });
      }
      return { files, fields };
    },

    discard,
    quota: counter,
  };
}

export type UploadIntake = ReturnType<typeof uploadIntake>;
