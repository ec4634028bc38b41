// The media sweep job (jobs/media-sweep.ts) over a real local storage folder: image uploads a
// crash left under images/incoming/ go once older than the safe age, fresh ones (an upload in
// flight) and everything outside the folder stay, and the log names what went.
import { mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@pbshop/config';
import { localStorage, type Storage } from '@pbshop/storage';
import { pollUntil } from '@pbshop/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMediaSweep } from '../src/jobs/media-sweep.ts';
import { INCOMING_STALE_AFTER_MS, sweepStaleIncoming } from '../src/modules/media/images/service.ts';

let root: string;
let storage: Storage;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'pbshop-media-sweep-'));
  storage = localStorage({ root, presign: { url: 'http://localhost/presigned', secret: 'test' } });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Stores a file and sets its last change `ageMs` ago. */
async function storedAged(key: string, ageMs: number): Promise<void> {
  await storage.put(key, Buffer.from(key), { contentType: 'image/png' });
  const then = new Date(Date.now() - ageMs);
  await utimes(join(root, key), then, then);
}

const exists = (key: string) =>
  stat(join(root, key)).then(
    () => true,
    () => false,
  );

describe('media sweep: images/incoming', () => {
  it('deletes the stale incoming upload, keeps the fresh one and everything outside the folder, and logs the key', async () => {
    const stale = 'images/incoming/2026/12/stale.png';
    const fresh = 'images/incoming/2026/12/fresh.png';
    const processed = 'images/7/original.png';
    await storedAged(stale, INCOMING_STALE_AFTER_MS + 60_000);
    await storedAged(fresh, 5_000);
    await storedAged(processed, 10 * INCOMING_STALE_AFTER_MS);

    // what the sweep logs, kept: pino's (fields, message) calls
    const lines: { msg: string; removed?: unknown }[] = [];
    const record = (fields: object, msg: string) => {
      lines.push({ ...fields, msg });
    };
    const logger = { info: record, warn: record, error: record } as unknown as Pick<
      Logger,
      'info' | 'warn' | 'error'
    >;
    const sweep = startMediaSweep(
      {
        sweepPendingUploads: async () => ({ removed: 0 }),
        sweepStaleIncomingImages: () => sweepStaleIncoming(storage),
        logger,
      },
      20,
    );
    try {
      await pollUntil(
        () => exists(stale),
        (present) => !present,
      );
      const logged = await pollUntil(
        async () => lines.find((line) => line.msg === 'media sweep: stale images/incoming uploads deleted'),
        (line) => line !== undefined,
      );
      expect(logged?.removed).toEqual([stale]);
    } finally {
      await sweep.stop();
    }
    expect(await exists(fresh)).toBe(true);
    expect(await exists(processed)).toBe(true);
    // later sweeps found nothing more to delete, so logged nothing more
    expect(
      lines.filter((line) => line.msg === 'media sweep: stale images/incoming uploads deleted'),
    ).toHaveLength(1);
  });

  it('counts age from the given time: the fresh upload goes once it is past the safe age too', async () => {
    await storedAged('images/incoming/2026/12/a.png', 1_000);
    expect((await sweepStaleIncoming(storage)).removed).toEqual([]);
    const later = new Date(Date.now() + INCOMING_STALE_AFTER_MS + 1_000);
    expect((await sweepStaleIncoming(storage, later)).removed).toEqual(['images/incoming/2026/12/a.png']);
    expect(await exists('images/incoming/2026/12/a.png')).toBe(false);
    // an empty or missing folder is nothing to do
    expect((await sweepStaleIncoming(storage, later)).removed).toEqual([]);
  });
});
