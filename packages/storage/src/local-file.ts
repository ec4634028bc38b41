import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Storage } from './storage.ts';

/**
 * Runs `work` with a file path holding the object's bytes (ffprobe and FFmpeg read files): the
 * object's own file in local storage, else a temporary download that is removed afterwards.
 */
export async function withLocalFile<T>(
  storage: Storage,
  key: string,
  work: (path: string) => Promise<T>,
): Promise<T> {
  if (storage.localPath) return work(storage.localPath(key));
  const folder = await mkdtemp(join(tmpdir(), 'pbshop-storage-'));
  try {
    const path = join(folder, basename(key));
    await pipeline(await storage.get(key), createWriteStream(path));
    return await work(path);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
