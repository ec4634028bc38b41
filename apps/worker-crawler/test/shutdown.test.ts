import { bullPrefix, createRedis, JobProducers, listWorkerBeats } from '@pbshop/queues';
import { createTestContext, type FixtureServer, startFixtureServer, type TestContext } from '@pbshop/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { outputClosed, processTracker, productPage, waitFor } from './helpers.ts';

let ctx: TestContext;
let redis: ReturnType<typeof createRedis>;
let producers: JobProducers;
let seller: FixtureServer;
const workers = processTracker();

// the seller's mood: 'slow' holds every answer for a minute (or until the client goes away)
let mode: 'slow' | 'fast' = 'slow';
let requests = 0;
let abandoned = 0;

beforeAll(async () => {
  ctx = await createTestContext();
  redis = createRedis(ctx.env.REDIS_URL!, 'worker');
  producers = new JobProducers(redis, bullPrefix(ctx.redisPrefix));
  seller = await startFixtureServer((_request, response) => {
    requests += 1;
    const answer = () => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(productPage);
    };
    if (mode === 'fast') return answer();
    const timer = setTimeout(answer, 60_000);
    response.on('close', () => {
      clearTimeout(timer);
      if (!response.writableFinished) abandoned += 1;
    });
  });
});

afterEach(() => workers.stopAll());

afterAll(async () => {
  await workers.stopAll();
  await producers?.close();
  await redis?.quit();
  await seller?.close();
  await ctx?.cleanup();
});

describe('worker-crawler shutdown', () => {
  it('idle: SIGTERM exits 0 promptly and removes its heartbeat', async () => {
    const worker = workers.spawn({ ...ctx.env, LOG_LEVEL: 'info' });
    await worker.waitForLog((line) => line.msg === 'ready');
    await waitFor('a heartbeat', async () =>
      (await listWorkerBeats(redis, ctx.redisPrefix)).some((beat) => beat.service === 'worker-crawler'),
    );
    const { code, signal, ms } = await worker.stop('SIGTERM');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(ms).toBeLessThan(10_000);
    expect(await listWorkerBeats(redis, ctx.redisPrefix)).toEqual([]);
  });

  it('a fetch from a slow site is released by SIGTERM and completed by the next worker', async () => {
    const queue = producers.queues['crawler-collect'];
    // the fetch timeout is longer than the test, so only the shutdown can end the wait
    const env = { ...ctx.env, LOG_LEVEL: 'info', CRAWLER_FETCH_TIMEOUT_MS: '60000' };
    const first = workers.spawn(env);
    await first.waitForLog((line) => line.msg === 'ready');

    const job = await producers.enqueue('crawler-collect', {
      requestId: 'test-slow-seller',
      url: `${seller.url}/products/7`,
    });
    const jobId = job.id!;
    await waitFor('the seller to be asked', () => requests >= 1);
    expect(await queue.getJobState(jobId)).toBe('active');

    const stopped = await first.stop('SIGTERM');
    await outputClosed(first);
    expect({ code: stopped.code, signal: stopped.signal }).toEqual({ code: 0, signal: null });
    expect(stopped.ms).toBeLessThan(10_000);
    expect(first.logs.some((line) => line.msg === 'job released back to its queue by shutdown')).toBe(true);
    expect(first.logs.some((line) => line.msg === 'job failed')).toBe(false);
    // the worker hung up on the seller rather than leaving the request open
    await waitFor('the seller to see the request abandoned', () => abandoned >= 1, 5000);

    expect(['wait', 'delayed', 'prioritized']).toContain(await queue.getJobState(jobId));
    const released = await queue.getJob(jobId);
    expect(released?.attemptsMade).toBe(0);
    expect(released?.failedReason ?? null).toBeNull();
    expect(await queue.getFailedCount()).toBe(0);

    mode = 'fast';
    const second = workers.spawn(env);
    const done = await waitFor('the released job to complete', async () => {
      const state = await queue.getJobState(jobId);
      if (state === 'failed') throw new Error(`job failed: ${(await queue.getJob(jobId))?.failedReason}`);
      return state === 'completed' && (await queue.getJob(jobId));
    });
    expect(done.attemptsMade).toBe(1);
    expect(done.returnvalue).toMatchObject({
      url: `${seller.url}/products/7`,
      status: 200,
      bytes: Buffer.byteLength(productPage),
    });
    const { code } = await second.stop('SIGTERM');
    expect(code).toBe(0);
  });
});
