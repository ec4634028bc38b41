import { createRedis, listWorkerBeats } from '@pbshop/queues';
import { createTestContext, type TestContext } from '@pbshop/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { outputClosed, processTracker, waitFor } from './helpers.ts';

let ctx: TestContext;
let redis: ReturnType<typeof createRedis>;
const workers = processTracker();

beforeAll(async () => {
  ctx = await createTestContext();
  redis = createRedis(ctx.env.REDIS_URL!, 'worker');
});

afterAll(async () => {
  await workers.stopAll();
  await redis?.quit();
  await ctx?.cleanup();
});

it('idle: SIGTERM exits 0 promptly and removes its heartbeat', async () => {
  const worker = workers.spawn({ ...ctx.env, LOG_LEVEL: 'info' });
  await worker.waitForLog((line) => line.msg === 'ready');
  // idle once its start-up bootstrap job is done
  await worker.waitForLog(
    (line) => line.msg === 'created the products index' || line.msg === 'products index present',
  );
  await waitFor('a heartbeat', async () =>
    (await listWorkerBeats(redis, ctx.redisPrefix)).some((beat) => beat.service === 'worker-search'),
  );

  const { code, signal, ms } = await worker.stop('SIGTERM');
  await outputClosed(worker);
  expect({ code, signal }).toEqual({ code: 0, signal: null });
  expect(ms).toBeLessThan(10_000);
  expect(await listWorkerBeats(redis, ctx.redisPrefix)).toEqual([]);
  expect(worker.logs.some((line) => line.msg === 'shutdown complete')).toBe(true);
});
