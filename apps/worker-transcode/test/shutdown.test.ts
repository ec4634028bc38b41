import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, type DatabaseHandle } from '@pbshop/db';
import { bullPrefix, createRedis, JobProducers, listWorkerBeats } from '@pbshop/queues';
import { createTestContext, type TestContext } from '@pbshop/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { renditionPrefix } from '../src/processor.ts';
import {
  filesUnder,
  makeClip,
  outputClosed,
  pidsMentioning,
  probe,
  processTracker,
  seedShortform,
  shortformRow,
  waitFor,
} from './helpers.ts';

let ctx: TestContext;
let redis: ReturnType<typeof createRedis>;
let producers: JobProducers;
let database: DatabaseHandle;
/** the workers' temporary folder (TMPDIR): transcodes work in it and must leave it empty */
let scratch: string;
let workerEnv: Record<string, string>;
const workers = processTracker();

beforeAll(async () => {
  ctx = await createTestContext();
  redis = createRedis(ctx.env.REDIS_URL!, 'worker');
  producers = new JobProducers(redis, bullPrefix(ctx.redisPrefix));
  database = createDatabase(ctx.env.DATABASE_URL!, { max: 2 });
  scratch = await mkdtemp(join(tmpdir(), 'pbshop-transcode-scratch-'));
  workerEnv = { ...ctx.env, TMPDIR: scratch, LOG_LEVEL: 'info' };
  // 20 s of 720x1280: ultrafast makes it in a few seconds; veryslow needs far longer than the grace period
  await Promise.all([
    makeClip(join(ctx.storageDir, 'uploads/long.mp4'), 20, '720x1280'),
    makeClip(join(ctx.storageDir, 'uploads/short.mp4'), 2),
  ]);
});

afterEach(() => workers.stopAll());

afterAll(async () => {
  await workers.stopAll();
  await producers?.close();
  await redis?.quit();
  await database?.close();
  if (!ctx) return;
  for (const pid of await pidsMentioning(ctx.storageDir)) {
    // it may have exited since it was listed
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  await ctx.cleanup();
  await rm(scratch, { recursive: true, force: true });
});

async function transcodeBeats() {
  return (await listWorkerBeats(redis, ctx.redisPrefix)).filter(
    (beat) => beat.service === 'worker-transcode',
  );
}

describe('worker-transcode process lifecycle', () => {
  it('idle: SIGTERM exits 0 promptly and removes its heartbeat', async () => {
    const worker = workers.spawn({ ...workerEnv });
    await worker.waitForLog((line) => line.msg === 'ready');
    const [beat] = await waitFor('a heartbeat', async () => {
      const beats = await transcodeBeats();
      return beats.length > 0 && beats;
    });
    expect(beat).toMatchObject({ service: 'worker-transcode', queues: ['video-transcode'] });
    expect(beat!.instance).toMatch(new RegExp(`:${worker.child.pid}$`));

    const { code, signal, ms } = await worker.stop('SIGTERM');
    await outputClosed(worker);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(ms).toBeLessThan(10_000);
    // deleted on the way out, not left to expire (its TTL is 1.5 s)
    expect(await transcodeBeats()).toEqual([]);
    expect(worker.logs.some((line) => line.msg === 'shutdown complete')).toBe(true);
  });

  it('in flight: SIGTERM kills FFmpeg, releases the job and returns the shortform to PENDING; a restarted worker completes it', async () => {
    const queue = producers.queues['video-transcode'];
    const source = 'uploads/long.mp4';
    const id = await seedShortform(database.db, {
      sourceKey: source,
      durationMs: 20_000,
      width: 720,
      height: 1280,
    });
    const slow = workers.spawn({ ...workerEnv, FFMPEG_PRESET: 'veryslow' });
    await slow.waitForLog((line) => line.msg === 'ready');

    const job = await producers.enqueue(
      'video-transcode',
      { requestId: 'test-inflight', shortformId: id, sourceKey: source },
      { jobId: `shortform-${id}` },
    );
    const jobId = job.id!;
    await waitFor('the job to be active', async () => (await queue.getJobState(jobId)) === 'active');
    await waitFor(
      'ffmpeg encoding the source',
      async () => (await pidsMentioning(join(ctx.storageDir, source))).length > 0,
    );
    expect((await shortformRow(database.db, id)).transcodeStatus).toBe('PROCESSING');

    const stopped = await slow.stop('SIGTERM');
    await outputClosed(slow);
    expect({ code: stopped.code, signal: stopped.signal }).toEqual({ code: 0, signal: null });
    expect(stopped.ms).toBeLessThan(10_000);
    // it waited out the grace period before releasing, and said so
    expect(slow.logs.some((line) => line.msg === 'grace period over; releasing in-flight jobs')).toBe(true);
    expect(slow.logs.some((line) => line.msg === 'job released back to its queue by shutdown')).toBe(true);
    expect(slow.logs.some((line) => line.msg === 'job failed')).toBe(false);

    // no ffmpeg outlived the worker (the process table), nothing half-written is left
    expect(await pidsMentioning(join(ctx.storageDir, source))).toEqual([]);
    expect(await readdir(scratch)).toEqual([]);
    expect(await filesUnder(join(ctx.storageDir, renditionPrefix(id)))).toEqual([]);
    // released, not failed, and the attempt was not spent; the shortform waits again
    expect(['wait', 'delayed', 'prioritized']).toContain(await queue.getJobState(jobId));
    const released = await queue.getJob(jobId);
    expect(released?.attemptsMade).toBe(0);
    expect(released?.failedReason ?? null).toBeNull();
    expect(await queue.getFailedCount()).toBe(0);
    expect(await shortformRow(database.db, id)).toMatchObject({
      transcodeStatus: 'PENDING',
      transcodeProgress: 0,
      transcodeError: null,
    });
    expect(await transcodeBeats()).toEqual([]);

    // a new worker (fast preset this time) picks the job up and finishes it
    const fast = workers.spawn({
      ...workerEnv,
      FFMPEG_PRESET: 'ultrafast',
      SHUTDOWN_GRACE_MS: '20000',
    });
    const done = await waitFor(
      'the released job to complete',
      async () => {
        const state = await queue.getJobState(jobId);
        if (state === 'failed') throw new Error(`job failed: ${(await queue.getJob(jobId))?.failedReason}`);
        return state === 'completed' && (await queue.getJob(jobId));
      },
      60_000,
      200,
    );
    expect(done.attemptsMade).toBe(1);
    const prefix = renditionPrefix(id);
    expect(done.returnvalue).toEqual({
      shortformId: id,
      outcome: 'completed',
      renditionKey: `${prefix}video.mp4`,
      hlsKey: `${prefix}hls/index.m3u8`,
      posterKey: `${prefix}poster.jpg`,
    });
    expect(done.progress).toBe(100);
    expect(await shortformRow(database.db, id)).toMatchObject({
      transcodeStatus: 'COMPLETED',
      transcodeProgress: 100,
      transcodeJobId: jobId,
    });
    const { streams, format } = await probe(join(ctx.storageDir, prefix, 'video.mp4'));
    expect(streams.find((s) => s.codec_type === 'video')).toMatchObject({
      codec_name: 'h264',
      width: 720,
      height: 1280,
    });
    expect(streams.some((s) => s.codec_type === 'audio')).toBe(true);
    expect(Number(format.duration)).toBeGreaterThan(19);

    const { code } = await fast.stop('SIGTERM');
    expect(code).toBe(0);
  });

  it('a missing FFMPEG_BIN fails the job at once (no retries) with a clear reason, and the shortform is FAILED', async () => {
    const queue = producers.queues['video-transcode'];
    const source = 'uploads/short.mp4';
    const id = await seedShortform(database.db, { sourceKey: source, durationMs: 2000 });
    const worker = workers.spawn({ ...workerEnv, FFMPEG_BIN: '/nonexistent/bin/ffmpeg' });
    await worker.waitForLog((line) => line.msg === 'ready');
    const job = await producers.enqueue(
      'video-transcode',
      { requestId: 'test-missing-ffmpeg', shortformId: id, sourceKey: source },
      { jobId: `shortform-${id}` },
    );
    await waitFor('the job to fail', async () => (await queue.getJobState(job.id!)) === 'failed');
    const failed = await queue.getJob(job.id!);
    expect(failed?.failedReason).toBe('FFMPEG_BIN not found: /nonexistent/bin/ffmpeg (ENOENT)');
    // UnrecoverableError: the first attempt was the last, though the queue allows 3
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.opts.attempts).toBe(3);
    expect(await shortformRow(database.db, id)).toMatchObject({
      transcodeStatus: 'FAILED',
      transcodeError: 'FFMPEG_BIN not found: /nonexistent/bin/ffmpeg (ENOENT)',
    });
  });
});
