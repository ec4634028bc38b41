import { bullPrefix, createRedis, JobProducers, listWorkerBeats } from '@pbshop/queues';
import { createTestContext, freePort, type TestContext } from '@pbshop/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { processTracker, waitFor } from './helpers.ts';

let ctx: TestContext;
let redis: ReturnType<typeof createRedis>;
let producers: JobProducers;
const workers = processTracker();

beforeAll(async () => {
  ctx = await createTestContext();
  redis = createRedis(ctx.env.REDIS_URL!, 'worker');
  producers = new JobProducers(redis, bullPrefix(ctx.redisPrefix));
});

afterAll(async () => {
  await workers.stopAll();
  await producers?.close();
  await redis?.quit();
  await ctx?.cleanup();
});

it('with OpenSearch unreachable the worker still starts, and its bootstrap job is retried', async () => {
  // nothing listens there: every OpenSearch call is refused
  const closed = `http://127.0.0.1:${await freePort()}`;
  const worker = workers.spawn({ ...ctx.env, OPENSEARCH_URL: closed, LOG_LEVEL: 'info' });
  await worker.waitForLog((line) => line.msg === 'ready');
  const beats = await waitFor('a heartbeat', async () => {
    const found = await listWorkerBeats(redis, ctx.redisPrefix);
    return found.length > 0 && found;
  });
  expect(beats).toMatchObject([{ service: 'worker-search', queues: ['search-index-sync'] }]);

  const queue = producers.queues['search-index-sync'];
  // the first attempt failed and a second one ran: retried with backoff, not given up
  const job = await waitFor(
    'the bootstrap job to be retried',
    async () => {
      const found = (await queue.getJobs(['wait', 'delayed', 'active', 'failed', 'completed'])).find(
        (candidate) => candidate.data.reason === 'bootstrap',
      );
      return found && found.attemptsMade >= 2 && found;
    },
    20_000,
    200,
  );
  expect(job.data).toMatchObject({
    reason: 'bootstrap',
    requestId: `worker-search-start-${worker.child.pid}`,
  });
  expect(job.failedReason).toMatch(/ECONNREFUSED|connect|Connection/i);
  expect(['wait', 'delayed', 'active']).toContain(await job.getState());
  expect(job.opts.attempts).toBeGreaterThan(job.attemptsMade);
  // the failure is in Redis a moment before the worker's log line reaches us
  await waitFor(
    'a "job failed" log line per failed attempt',
    () => worker.logs.filter((line) => line.msg === 'job failed').length >= 2,
  );

  // the process is alive, healthy and beating
  expect(worker.child.exitCode).toBeNull();
  expect((await listWorkerBeats(redis, ctx.redisPrefix)).map((beat) => beat.service)).toEqual([
    'worker-search',
  ]);
  expect(worker.logs.some((line) => (line.level ?? 0) >= 60)).toBe(false);

  const { code, signal, ms } = await worker.stop('SIGTERM');
  expect({ code, signal }).toEqual({ code: 0, signal: null });
  expect(ms).toBeLessThan(10_000);
  expect(await listWorkerBeats(redis, ctx.redisPrefix)).toEqual([]);
  // the unfinished bootstrap stays queued for the next start
  expect(['wait', 'delayed']).toContain(await queue.getJobState(job.id!));
});
