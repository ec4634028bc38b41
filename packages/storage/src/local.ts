import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { signGrant } from './signed-url.ts';
import {
  assertStorageKey,
  assertStoragePrefix,
  type ByteRange,
  type Storage,
  StorageObjectMissing,
  type StoredObject,
} from './storage.ts';

export interface LocalStorageOptions {
  /** the folder every key lives under (STORAGE_DIR) */
  root: string;
  /**
   * Pre-signed URLs point at the API route that serves them (`<url>?token=…`); `secret` signs
   * them (HMAC-SHA256).
   */
  presign: { url: string; secret: string };
}

/** Temporary files live beside the objects (same file system: `rename` is atomic) under a name no key can take. */
const TEMPORARY_FOLDER = '.tmp';

/**
 * Files under `root`: `<root>/<key>`. Writes go to `<root>/.tmp/<random>` and are renamed into
 * place, so a reader never sees half a file and a failed write leaves nothing.
 */
export function localStorage({ root: rootOption, presign }: LocalStorageOptions): Storage {
  const root = resolve(rootOption);
  const temporaryFolder = join(root, TEMPORARY_FOLDER);

  const pathOf = (key: string): string => {
    assertStorageKey(key);
    const path = resolve(root, key);
    // belt and braces: the key rules already keep every path inside the root
    if (!path.startsWith(root + sep)) throw new Error(`storage key outside the root: ${key}`);
    return path;
  };

  const etagOf = (size: number, modifiedAt: Date) =>
    `"${size.toString(16)}-${Math.floor(modifiedAt.getTime()).toString(16)}"`;

  const temporaryPath = async () => {
    await mkdir(temporaryFolder, { recursive: true });
    return join(temporaryFolder, randomBytes(12).toString('hex'));
  };

  return {
    driver: 'local',

    async put(key, body, _options) {
      const path = pathOf(key);
      const temporary = await temporaryPath();
      let size = 0;
      try {
        if (body instanceof Uint8Array) {
          await writeFile(temporary, body, { flag: 'wx' });
          size = body.byteLength;
        } else {
          // a large buffer: chunks queued while the disk is busy go out in one writev
          const file = createWriteStream(temporary, { flags: 'wx', highWaterMark: 1024 * 1024 });
          await pipeline(body, file);
          size = file.bytesWritten;
        }
        await mkdir(dirname(path), { recursive: true });
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
      return { size };
    },

    async get(key, range?: ByteRange) {
      const path = pathOf(key);
      // opened first: a missing file is a StorageObjectMissing now, not a stream error later
      const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'EISDIR')
          throw new StorageObjectMissing(key, { cause: error });
        throw error;
      });
      const info = await handle.stat();
      if (!info.isFile()) {
        await handle.close();
        throw new StorageObjectMissing(key);
      }
      return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
    },

    async stat(key): Promise<StoredObject | undefined> {
      const info = await stat(pathOf(key)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
        throw error;
      });
      if (!info?.isFile()) return undefined;
      return { size: info.size, etag: etagOf(info.size, info.mtime), modifiedAt: info.mtime };
    },

    async delete(key) {
      await unlink(pathOf(key)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT' && error.code !== 'ENOTDIR') throw error;
      });
    },

    async deletePrefix(prefix) {
      assertStoragePrefix(prefix);
      const folder = pathOf(prefix.slice(0, -1));
      const files = await readdir(folder, { recursive: true, withFileTypes: true }).catch(
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
          throw error;
        },
      );
      await rm(folder, { recursive: true, force: true });
      return files.filter((entry) => entry.isFile()).length;
    },

    async *list(prefix) {
      assertStoragePrefix(prefix);
      const folder = pathOf(prefix.slice(0, -1));
      const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
          throw error;
        },
      );
      for (const entry of entries) {
        if (!entry.isFile()) continue;
        const path = join(entry.parentPath, entry.name);
        // a file deleted since the listing is no longer there to report
        const info = await stat(path).catch(() => undefined);
        if (info) yield { key: relative(root, path).split(sep).join('/'), modifiedAt: info.mtime };
      }
    },

    async presignedPut(key, { contentType, size, expiresIn }) {
      assertStorageKey(key);
      const expiresAt = new Date(Date.now() + expiresIn * 1000);
      const token = signGrant(presign.secret, { method: 'PUT', key, contentType, size, expiresAt });
      return {
        url: `${presign.url}?token=${token}`,
        method: 'PUT',
        headers: { 'content-type': contentType },
        expiresAt,
      };
    },

    async presignedGet(key, { expiresIn = 900 } = {}) {
      assertStorageKey(key);
      const expiresAt = new Date(Date.now() + expiresIn * 1000);
      return `${presign.url}?token=${signGrant(presign.secret, { method: 'GET', key, expiresAt })}`;
    },

    localPath: pathOf,

    async check() {
      const probe = await temporaryPath();
      await writeFile(probe, 'ok');
      await rm(probe, { force: true });
    },

    async close() {},
  };
}
