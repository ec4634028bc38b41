import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { bullPrefix, createRedis, JobProducers, listWorkerBeats } from '@pbshop/queues';
import { createTestContext, type TestContext } from '@pbshop/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeClip, outputClosed, pidsMentioning, probe, processTracker, waitFor } from './helpers.ts';

let ctx: TestContext;
let redis: ReturnType<typeof createRedis>;
let producers: JobProducers;
const workers = processTracker();

beforeAll(async () => {
  ctx = await createTestContext();
  redis = createRedis(ctx.env.REDIS_URL!, 'worker');
  producers = new JobProducers(redis, bullPrefix(ctx.redisPrefix));
  // 20 s of 720p: ultrafast makes it in about a second; veryslow needs far longer than the grace period
  await makeClip(join(ctx.storageDir, 'uploads/long.mp4'), 20);
});

afterEach(() => workers.stopAll());

afterAll(async () => {
  await workers.stopAll();
  await producers?.close();
  await redis?.quit();
  if (!ctx) return;
  for (const pid of await pidsMentioning(ctx.storageDir)) {
    // it may have exited since it was listed
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  await ctx.cleanup();
});

async function transcodeBeats() {
  return (await listWorkerBeats(redis, ctx.redisPrefix)).filter(
    (beat) => beat.service === 'worker-transcode',
  );
}

describe('worker-transcode process lifecycle', () => {
  it('idle: SIGTERM exits 0 promptly and removes its heartbeat', async () => {
    const worker = workers.spawn({ ...ctx.env, LOG_LEVEL: 'info' });
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

  it('in flight: SIGTERM releases the running job back to the queue; a restarted worker completes it', async () => {
    const queue = producers.queues['video-transcode'];
    const slow = workers.spawn({ ...ctx.env, LOG_LEVEL: 'info', FFMPEG_PRESET: 'veryslow' });
    await slow.waitForLog((line) => line.msg === 'ready');

    const job = await producers.enqueue('video-transcode', {
      requestId: 'test-inflight',
      videoId: 'long-1',
      sourcePath: 'uploads/long.mp4',
    });
    const jobId = job.id!;
    await waitFor('the job to be active', async () => (await queue.getJobState(jobId)) === 'active');
    // ffmpeg has started encoding into the job's temporary folder
    const videos = join(ctx.storageDir, 'videos');
    await waitFor('ffmpeg writing the rendition', async () =>
      (await readdir(videos).catch(() => [])).some((name) => name.startsWith('long-1.tmp-')),
    );

    const stopped = await slow.stop('SIGTERM');
    await outputClosed(slow);
    expect({ code: stopped.code, signal: stopped.signal }).toEqual({ code: 0, signal: null });
    expect(stopped.ms).toBeLessThan(10_000);
    // it waited out the grace period before releasing, and said so
    expect(stopped.ms).toBeGreaterThan(2500);
    expect(slow.logs.some((line) => line.msg === 'grace period over; releasing in-flight jobs')).toBe(true);
    expect(slow.logs.some((line) => line.msg === 'job released back to its queue by shutdown')).toBe(true);
    expect(slow.logs.some((line) => line.msg === 'job failed')).toBe(false);

    // released, not failed, and the attempt was not spent
    expect(['wait', 'delayed', 'prioritized']).toContain(await queue.getJobState(jobId));
    const released = await queue.getJob(jobId);
    expect(released?.attemptsMade).toBe(0);
    expect(released?.failedReason ?? null).toBeNull();
    expect(await queue.getFailedCount()).toBe(0);
    // ffmpeg did not outlive the worker, and no half-written output is left
    expect(await pidsMentioning(join(videos, 'long-1'))).toEqual([]);
    expect(await readdir(videos).catch(() => [])).toEqual([]);
    expect(await transcodeBeats()).toEqual([]);

    // a new worker (fast preset this time) picks the job up and finishes it
    const fast = workers.spawn({
      ...ctx.env,
      LOG_LEVEL: 'info',
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
      40_000,
      200,
    );
    expect(done.attemptsMade).toBe(1);
    expect(done.returnvalue).toEqual({
      videoId: 'long-1',
      directory: join('videos', 'long-1'),
      rendition: '720p.mp4',
      poster: 'poster.jpg',
    });
    const rendition = join(ctx.storageDir, 'videos', 'long-1', '720p.mp4');
    expect((await stat(rendition)).size).toBeGreaterThan(0);
    const { streams, format } = await probe(rendition);
    expect(streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', height: 720 });
    expect(streams.some((s) => s.codec_type === 'audio')).toBe(true);
    expect(Number(format.duration)).toBeGreaterThan(19);
    expect(await readdir(videos)).toEqual(['long-1']);

    const { code } = await fast.stop('SIGTERM');
    expect(code).toBe(0);
  });
});
