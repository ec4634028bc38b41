import { copyFile, mkdtemp, open, readdir, readFile, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@pbshop/config';
import { createDatabase, type DatabaseHandle, shortforms } from '@pbshop/db';
import { localStorage, type Storage } from '@pbshop/storage';
import { createTestContext, type TestContext } from '@pbshop/testing';
import { UnrecoverableError } from 'bullmq';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shortformRows } from '../src/processor/shortform-row.ts';
import {
  renditionPrefix,
  type TranscodeDeps,
  type TranscodeEnv,
  type TranscodeJob,
  transcodeShortform,
} from '../src/processor.ts';
import {
  filesUnder,
  makeClip,
  pidsMentioning,
  probe,
  seedShortform,
  shortformRow,
  waitFor,
} from './helpers.ts';

let ctx: TestContext;
let database: DatabaseHandle;
let storage: Storage;
let env: TranscodeEnv;
let scratch: string | undefined;
const logger = createLogger({ LOG_LEVEL: 'silent' }, 'worker-transcode-test');

const running = () => new AbortController().signal;

/** The BullMQ job of one attempt, recording the progress it is given. */
function attempt(attemptsMade = 0, attempts = 3): TranscodeJob & { progress: number[] } {
  const progress: number[] = [];
  return {
    id: `shortform-test-${attemptsMade}`,
    attemptsMade,
    opts: { attempts },
    progress,
    async updateProgress(value: number) {
      progress.push(value);
    },
  };
}

function deps(overrides: Partial<TranscodeEnv> = {}): TranscodeDeps {
  return { env: { ...env, ...overrides }, storage, rows: shortformRows(database.db) };
}

/** The temporary folders transcodes work in (this file's own TMPDIR): none may outlive one. */
async function workFolders(): Promise<string[]> {
  return readdir(scratch!);
}

beforeAll(async () => {
  ctx = await createTestContext();
  // os.tmpdir() follows TMPDIR: this file's transcodes work in a folder of its own
  scratch = await mkdtemp(join(tmpdir(), 'pbshop-transcode-scratch-'));
  process.env.TMPDIR = scratch;
  database = createDatabase(ctx.env.DATABASE_URL!, { max: 4 });
  storage = localStorage({
    root: ctx.storageDir,
    presign: { url: 'http://127.0.0.1/presigned', secret: 's' },
  });
  env = {
    FFMPEG_BIN: ctx.env.FFMPEG_BIN!,
    FFMPEG_PRESET: 'veryfast',
    FFMPEG_CRF: 23,
    TRANSCODE_TIMEOUT_MS: 120_000,
  };
  await Promise.all([
    makeClip(join(ctx.storageDir, 'uploads/vertical-10s.mp4'), 10),
    makeClip(join(ctx.storageDir, 'uploads/long.mp4'), 20, '720x1280'),
    makeClip(join(ctx.storageDir, 'uploads/three-four.mp4'), 2, '480x640'),
  ]);
});

afterAll(async () => {
  if (!ctx) return;
  // a safety net for a failed abort assertion: no ffmpeg of this file may outlive it
  for (const pid of await pidsMentioning(ctx.storageDir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  await database?.close();
  await ctx.cleanup();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('transcodeShortform', () => {
  it('a 10 s vertical clip: PROCESSING with rising progress, then an H.264/AAC 720x1280 MP4 with fast start, HLS and a poster', async () => {
    const id = await seedShortform(database.db, {
      sourceKey: 'uploads/vertical-10s.mp4',
      durationMs: 10_000,
    });
    const job = attempt();
    const seen: { status: string; progress: number }[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const row = await shortformRow(database.db, id);
        seen.push({ status: row.transcodeStatus, progress: row.transcodeProgress });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const result = await transcodeShortform(
      deps(),
      { shortformId: id, sourceKey: 'uploads/vertical-10s.mp4' },
      job,
      running(),
      logger,
    );
    watching = false;
    await watcher;

    const prefix = renditionPrefix(id);
    expect(result).toEqual({
      shortformId: id,
      outcome: 'completed',
      renditionKey: `${prefix}video.mp4`,
      hlsKey: `${prefix}hls/index.m3u8`,
      posterKey: `${prefix}poster.jpg`,
    });

    // the row went through PROCESSING with progress rising, and ended COMPLETED at 100
    const processing = seen
      .filter((sample) => sample.status === 'PROCESSING')
      .map((sample) => sample.progress);
    expect(processing.length).toBeGreaterThan(0);
    expect(processing).toEqual([...processing].sort((a, b) => a - b));
    expect(new Set(processing).size).toBeGreaterThan(1);
    // the job's progress: rising in steps of at least 5 (or a second apart), ending at 100
    expect(job.progress.at(-1)).toBe(100);
    expect(job.progress).toEqual([...job.progress].sort((a, b) => a - b));
    expect(job.progress.length).toBeGreaterThan(3);
    const row = await shortformRow(database.db, id);
    expect(row).toMatchObject({
      transcodeStatus: 'COMPLETED',
      transcodeProgress: 100,
      transcodeError: null,
      transcodeJobId: job.id,
      renditionKey: result.outcome === 'completed' ? result.renditionKey : '',
    });
    expect(row.transcodedAt).toBeInstanceOf(Date);

    const folder = join(ctx.storageDir, prefix);
    const files = await filesUnder(folder);
    expect(files).toEqual([
      'hls/index.m3u8',
      'hls/segment-000.ts',
      'hls/segment-001.ts',
      'hls/segment-002.ts',
      'poster.jpg',
      'video.mp4',
    ]);

    const mp4 = join(folder, 'video.mp4');
    const { streams, format } = await probe(mp4);
    expect(streams.find((s) => s.codec_type === 'video')).toMatchObject({
      codec_name: 'h264',
      width: 720,
      height: 1280,
      pix_fmt: 'yuv420p',
    });
    expect(streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });
    expect(Number(format.duration)).toBeGreaterThan(9.5);
    expect(Number(format.duration)).toBeLessThan(10.5);
    // +faststart: the moov atom precedes the media data, so playback starts before the download ends
    const file = await open(mp4);
    const head = Buffer.alloc(64 * 1024);
    await file.read(head, 0, head.length, 0);
    await file.close();
    const moov = head.indexOf('moov');
    const mdat = head.indexOf('mdat');
    expect(moov).toBeGreaterThan(0);
    expect(mdat === -1 || moov < mdat).toBe(true);

    // HLS VOD: 4 s segments (the last shorter), an end marker; each segment is MPEG-TS with both streams
    const playlist = await readFile(join(folder, 'hls/index.m3u8'), 'utf8');
    expect(playlist).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    expect(playlist).toContain('#EXT-X-ENDLIST');
    expect(playlist).toContain('#EXT-X-TARGETDURATION:4');
    const durations = [...playlist.matchAll(/#EXTINF:([\d.]+),/g)].map((match) => Number(match[1]));
    expect(durations).toEqual([4, 4, 2]);
    const segment = await probe(join(folder, 'hls/segment-000.ts'));
    expect(segment.format.format_name).toBe('mpegts');
    expect(segment.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);

    const poster = await probe(join(folder, 'poster.jpg'));
    expect(poster.streams[0]).toMatchObject({
      codec_type: 'video',
      codec_name: 'mjpeg',
      width: 720,
      height: 1280,
    });

    expect(await workFolders()).toEqual([]);
  });

  it('keeps the aspect ratio: a 3:4 clip is scaled to 720 wide and padded to 720x1280', async () => {
    const id = await seedShortform(database.db, {
      sourceKey: 'uploads/three-four.mp4',
      durationMs: 2000,
      width: 480,
      height: 640,
    });
    await transcodeShortform(
      deps(),
      { shortformId: id, sourceKey: 'uploads/three-four.mp4' },
      attempt(),
      running(),
      logger,
    );
    const video = join(ctx.storageDir, renditionPrefix(id), 'video.mp4');
    // the picture is 720x960 in the middle: the top rows are the black padding
    const { streams } = await probe(video);
    expect(streams.find((s) => s.codec_type === 'video')).toMatchObject({ width: 720, height: 1280 });
    const { execFileSync } = await import('node:child_process');
    const topBand = execFileSync(env.FFMPEG_BIN, [
      '-v',
      'error',
      '-i',
      video,
      '-frames:v',
      '1',
      '-vf',
      'crop=720:100:0:0',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'gray',
      '-',
    ]);
    const middleBand = execFileSync(env.FFMPEG_BIN, [
      '-v',
      'error',
      '-i',
      video,
      '-frames:v',
      '1',
      '-vf',
      'crop=720:100:0:590',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'gray',
      '-',
    ]);
    const mean = (bytes: Buffer) => bytes.reduce((sum, byte) => sum + byte, 0) / bytes.length;
    expect(mean(topBand)).toBeLessThan(20);
    expect(mean(middleBand)).toBeGreaterThan(40);
  });

  it('is idempotent: a retried job after success does nothing and leaves the outputs as they are', async () => {
    const id = await seedShortform(database.db, {
      sourceKey: 'uploads/three-four.mp4',
      durationMs: 2000,
      width: 480,
      height: 640,
    });
    const payload = { shortformId: id, sourceKey: 'uploads/three-four.mp4' };
    await transcodeShortform(deps(), payload, attempt(), running(), logger);
    const folder = join(ctx.storageDir, renditionPrefix(id));
    const before = await Promise.all((await filesUnder(folder)).map((name) => stat(join(folder, name))));
    const rowBefore = await shortformRow(database.db, id);

    const again = attempt(1);
    // FFMPEG_BIN missing: had it run FFmpeg at all, this would fail
    const second = await transcodeShortform(
      deps({ FFMPEG_BIN: '/nonexistent/ffmpeg' }),
      payload,
      again,
      running(),
      logger,
    );
    expect(second).toEqual({ shortformId: id, outcome: 'already-completed' });
    expect(again.progress).toEqual([]);
    const after = await Promise.all((await filesUnder(folder)).map((name) => stat(join(folder, name))));
    expect(after.map((s) => [s.ino, s.mtimeMs])).toEqual(before.map((s) => [s.ino, s.mtimeMs]));
    expect(await shortformRow(database.db, id)).toEqual(rowBefore);
  });

  it('a missing FFMPEG_BIN fails at once (UnrecoverableError) with a clear reason; the row is FAILED', async () => {
    const id = await seedShortform(database.db, { sourceKey: 'uploads/three-four.mp4', durationMs: 2000 });
    const outcome = transcodeShortform(
      deps({ FFMPEG_BIN: '/nonexistent/bin/ffmpeg' }),
      { shortformId: id, sourceKey: 'uploads/three-four.mp4' },
      attempt(0),
      running(),
      logger,
    );
    await expect(outcome).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(outcome).rejects.toThrow('FFMPEG_BIN not found: /nonexistent/bin/ffmpeg (ENOENT)');
    expect(await shortformRow(database.db, id)).toMatchObject({
      transcodeStatus: 'FAILED',
      transcodeProgress: 0,
      transcodeError: 'FFMPEG_BIN not found: /nonexistent/bin/ffmpeg (ENOENT)',
      renditionKey: null,
    });
    expect(await filesUnder(join(ctx.storageDir, renditionPrefix(id)))).toEqual([]);
    expect(await workFolders()).toEqual([]);
  });

  it('a source FFmpeg cannot decode fails with its last error lines; a missing source fails too; neither is retried', async () => {
    await copyFile(
      join(ctx.storageDir, 'uploads/vertical-10s.mp4'),
      join(ctx.storageDir, 'uploads/truncated.mp4'),
    );
    // the moov atom is at the end of an ultrafast encode: cut it off
    const size = (await stat(join(ctx.storageDir, 'uploads/truncated.mp4'))).size;
    await truncate(join(ctx.storageDir, 'uploads/truncated.mp4'), Math.floor(size / 2));
    const broken = await seedShortform(database.db, {
      sourceKey: 'uploads/truncated.mp4',
      durationMs: 10_000,
    });
    const refused = transcodeShortform(
      deps(),
      { shortformId: broken, sourceKey: 'uploads/truncated.mp4' },
      attempt(0),
      running(),
      logger,
    );
    await expect(refused).rejects.toBeInstanceOf(UnrecoverableError);
    const row = await shortformRow(database.db, broken);
    expect(row.transcodeStatus).toBe('FAILED');
    expect(row.transcodeError).toMatch(/^FFmpeg exited with code \d+: .*moov atom not found/s);

    const missing = await seedShortform(database.db, { sourceKey: 'uploads/gone.mp4', durationMs: 1000 });
    const gone = transcodeShortform(
      deps(),
      { shortformId: missing, sourceKey: 'uploads/gone.mp4' },
      attempt(0),
      running(),
      logger,
    );
    await expect(gone).rejects.toBeInstanceOf(UnrecoverableError);
    expect((await shortformRow(database.db, missing)).transcodeError).toBe(
      'source uploads/gone.mp4 is not in the storage',
    );
  });

  it('a timeout kills FFmpeg and is retried: PENDING with the reason while attempts remain, FAILED on the last', async () => {
    const id = await seedShortform(database.db, {
      sourceKey: 'uploads/long.mp4',
      durationMs: 20_000,
      width: 720,
      height: 1280,
    });
    const slow = deps({ FFMPEG_PRESET: 'veryslow', TRANSCODE_TIMEOUT_MS: 1500 });
    const payload = { shortformId: id, sourceKey: 'uploads/long.mp4' };

    const first = transcodeShortform(slow, payload, attempt(0, 2), running(), logger);
    await expect(first).rejects.not.toBeInstanceOf(UnrecoverableError);
    await expect(first).rejects.toThrow('transcode timed out after 1500 ms (TRANSCODE_TIMEOUT_MS)');
    expect(await shortformRow(database.db, id)).toMatchObject({
      transcodeStatus: 'PENDING',
      transcodeProgress: 0,
      transcodeError:
        'attempt 1 of 2 failed (retrying): transcode timed out after 1500 ms (TRANSCODE_TIMEOUT_MS)',
    });
    expect(await pidsMentioning(join(ctx.storageDir, 'uploads/long.mp4'))).toEqual([]);

    await expect(transcodeShortform(slow, payload, attempt(1, 2), running(), logger)).rejects.toThrow(
      /timed out/,
    );
    expect(await shortformRow(database.db, id)).toMatchObject({
      transcodeStatus: 'FAILED',
      transcodeError: 'transcode timed out after 1500 ms (TRANSCODE_TIMEOUT_MS)',
    });
    expect(await workFolders()).toEqual([]);
    expect(await filesUnder(join(ctx.storageDir, renditionPrefix(id)))).toEqual([]);
  });

  it('shutdown mid-encode kills FFmpeg, leaves nothing behind and returns the row to PENDING', async () => {
    const id = await seedShortform(database.db, {
      sourceKey: 'uploads/long.mp4',
      durationMs: 20_000,
      width: 720,
      height: 1280,
    });
    const shutdown = new AbortController();
    const job = attempt(0);
    const outcome = transcodeShortform(
      deps({ FFMPEG_PRESET: 'veryslow' }),
      { shortformId: id, sourceKey: 'uploads/long.mp4' },
      job,
      shutdown.signal,
      logger,
    ).then(
      () => 'resolved' as const,
      (error: unknown) => error,
    );
    await waitFor(
      'the row to be PROCESSING',
      async () => (await shortformRow(database.db, id)).transcodeStatus === 'PROCESSING',
    );
    await waitFor(
      'ffmpeg running',
      async () => (await pidsMentioning(join(ctx.storageDir, 'uploads/long.mp4'))).length > 0,
    );

    shutdown.abort(new Error('shutting down'));
    const error = await outcome;
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(UnrecoverableError);
    expect(await pidsMentioning(join(ctx.storageDir, 'uploads/long.mp4'))).toEqual([]);
    expect(await shortformRow(database.db, id)).toMatchObject({
      transcodeStatus: 'PENDING',
      transcodeProgress: 0,
      transcodeError: null,
    });
    expect(await workFolders()).toEqual([]);
    expect(await filesUnder(join(ctx.storageDir, renditionPrefix(id)))).toEqual([]);
  });

  it('a shortform deleted while transcoding stops FFmpeg at its next progress report; the job ends quietly', async () => {
    const id = await seedShortform(database.db, {
      sourceKey: 'uploads/long.mp4',
      durationMs: 20_000,
      width: 720,
      height: 1280,
    });
    const outcome = transcodeShortform(
      deps({ FFMPEG_PRESET: 'veryslow' }),
      { shortformId: id, sourceKey: 'uploads/long.mp4' },
      attempt(0),
      running(),
      logger,
    );
    await waitFor(
      'ffmpeg running',
      async () => (await pidsMentioning(join(ctx.storageDir, 'uploads/long.mp4'))).length > 0,
    );
    await database.db.update(shortforms).set({ deletedAt: sql`now()` }).where(eq(shortforms.id, id));

    expect(await outcome).toEqual({ shortformId: id, outcome: 'deleted' });
    expect(await pidsMentioning(join(ctx.storageDir, 'uploads/long.mp4'))).toEqual([]);
    expect(await workFolders()).toEqual([]);
    expect(await filesUnder(join(ctx.storageDir, renditionPrefix(id)))).toEqual([]);
    // and a job for a shortform deleted before it ran does nothing
    expect(
      await transcodeShortform(
        deps(),
        { shortformId: id, sourceKey: 'uploads/long.mp4' },
        attempt(1),
        running(),
        logger,
      ),
    ).toEqual({ shortformId: id, outcome: 'deleted' });
  });
});
