import type { Readable } from 'node:stream';

/** What a stored object is: its size in bytes, a strong validator (ETag) and its last change. */
export interface StoredObject {
  size: number;
  /** quoted, as sent in an ETag header */
  etag: string;
  modifiedAt: Date;
}

/** An inclusive byte range, as in `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface PresignedUpload {
  /** where the client sends the bytes */
  url: string;
  method: 'PUT';
  /** headers the client must send with the bytes (they are part of the signature) */
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface PresignedUploadOptions {
  contentType: string;
  /** the exact byte count the client declared */
  size: number;
  /** seconds */
  expiresIn: number;
}

/**
 * Where PBShop keeps files (uploads, image variants, renditions): the local STORAGE_DIR or an
 * S3-compatible bucket, behind one interface. Keys are relative, slash-separated paths (see
 * `assertStorageKey`); every method refuses any other key.
 */
export interface Storage {
  readonly driver: 'local' | 's3';
  /**
   * Stores `body` under `key`, atomically: a reader sees the old object or the whole new one,
   * never part of it. A stream that fails (a client gone mid-upload, a size limit) leaves nothing.
   */
  put(key: string, body: Readable | Uint8Array, options: { contentType: string }): Promise<{ size: number }>;
  /** The object's bytes (a range of them when given); throws `StorageObjectMissing` when there is none. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  stat(key: string): Promise<StoredObject | undefined>;
  /** Deletes the object; a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes every object under a folder (`prefix` ends with `/`); answers how many went. */
  deletePrefix(prefix: string): Promise<number>;
  /** Every object under a folder (`prefix` ends with `/`), with its last change, in no set order. */
  list(prefix: string): AsyncIterable<{ key: string; modifiedAt: Date }>;
  /** A URL the client PUTs exactly `size` bytes of `contentType` to, until it expires. */
  presignedPut(key: string, options: PresignedUploadOptions): Promise<PresignedUpload>;
  /** A URL that serves the object (Range included) to anyone holding it, until it expires. */
  presignedGet(key: string, options?: { expiresIn?: number }): Promise<string>;
  /** The object's file on this machine (local storage only: ffprobe and FFmpeg read files). */
  localPath?(key: string): string;
  /** Throws when the storage cannot be written (health). */
  check(): Promise<void>;
  close(): Promise<void>;
}

/** `get` of a key that holds no object. */
export class StorageObjectMissing extends Error {
  readonly key: string;
  constructor(key: string, options?: { cause?: unknown }) {
    super(`no stored object at ${key}`, options);
    this.name = 'StorageObjectMissing';
    this.key = key;
  }
}

const segment = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
export const STORAGE_KEY_MAX_LENGTH = 512;

/**
 * A key is a relative path of segments of letters, digits, `.`, `_` and `-`, none starting with a
 * dot: no `..`, no absolute path, no hidden names (the local adapter keeps its temporary files
 * under `.tmp/`), no backslashes or empty segments.
 */
export function isStorageKey(key: string): boolean {
  if (key.length === 0 || key.length > STORAGE_KEY_MAX_LENGTH) return false;
  return key.split('/').every((part) => segment.test(part));
}

export function assertStorageKey(key: string): void {
  if (!isStorageKey(key)) throw new Error(`invalid storage key: ${JSON.stringify(key.slice(0, 100))}`);
}

/** A folder prefix: a valid key followed by `/`. */
export function assertStoragePrefix(prefix: string): void {
  if (!prefix.endsWith('/') || !isStorageKey(prefix.slice(0, -1))) {
    throw new Error(`invalid storage prefix: ${JSON.stringify(prefix.slice(0, 100))}`);
  }
}
