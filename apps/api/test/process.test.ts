import { setTimeout as sleep } from 'node:timers/promises';
import { activityLogs, createDatabase, type DatabaseHandle } from '@pbshop/db';
import { bullPrefix, createRedis, JobProducers } from '@pbshop/queues';
import {
  createTestContext,
  type FixtureServer,
  type PrivateRedis,
  pollUntil,
  type RunningProcess,
  spawnProcess,
  startFixtureServer,
  startPrivateRedis,
  type TestContext,
  waitFor,
} from '@pbshop/testing';
import { eq } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

interface HealthBody {
  data: { checks: Record<string, { status: string }>; workers: { unconsumedQueues: string[] } };
}

const entry = new URL('../src/main.ts', import.meta.url).pathname;
let ctx: TestContext;
let redis: Redis;
let producers: JobProducers;
let database: DatabaseHandle;
let seller: FixtureServer;
let sellerDelayMs = 0;
/** the paths the seller fixture has been asked for */
const sellerRequests: string[] = [];
const running: RunningProcess[] = [];

function startApi(overrides: Record<string, string> = {}): RunningProcess {
  const api = spawnProcess(entry, { ...ctx.env, LOG_LEVEL: 'info', ...overrides });
  running.push(api);
  return api;
}

async function listening(api: RunningProcess): Promise<string> {
  const line = await api.waitForLog(
    (log) => typeof log.msg === 'string' && log.msg.startsWith('Server listening at'),
  );
  return String(line.msg).replace('Server listening at ', '');
}

beforeAll(async () => {
  ctx = await createTestContext();
  redis = createRedis(ctx.env.REDIS_URL!, 'worker');
  producers = new JobProducers(redis, bullPrefix(ctx.redisPrefix));
  database = createDatabase(ctx.env.DATABASE_URL!);
  seller = await startFixtureServer(async (request, response) => {
    sellerRequests.push(request.url ?? '');
    await sleep(sellerDelayMs);
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<html><body><span class="price">1,299,000원</span></body></html>');
  });
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((api) => api.stop('SIGKILL')));
});

afterAll(async () => {
  await producers.close();
  redis.disconnect();
  await database.close();
  await seller.close();
  await ctx.cleanup();
});

describe('api process', () => {
  it('refuses to start with a bad variable, naming it', async () => {
    const api = startApi({ PORT: 'eighty' });
    const { code } = await api.exited;
    expect(code).toBe(1);
    expect(api.stderr.join('')).toMatch(/api: invalid environment: PORT: .*"eighty"/);
  });

  it('exits 0 within 10 s of SIGTERM when idle', async () => {
    const api = startApi();
    await listening(api);
    const { code, ms } = await api.stop('SIGTERM');
    expect(
      code,
      JSON.stringify(api.logs.filter((line) => Number(line.level) >= 40)) + api.stderr.join(''),
    ).toBe(0);
    expect(ms).toBeLessThan(10_000);
  });

  it('consumes activity-log jobs into activity_logs, once per job', async () => {
    const api = startApi();
    await listening(api);
    const job = await producers.enqueue('activity-log', {
      requestId: 'req-activity-1',
      type: 'product.view',
      occurredAt: new Date().toISOString(),
      data: { productId: 'p-1' },
    });
    const rows = await pollUntil(
      () =>
        database.db
          .select()
          .from(activityLogs)
          .where(eq(activityLogs.jobId, String(job.id))),
      (found) => found.length > 0,
    );
    expect(rows).toEqual([
      expect.objectContaining({
        type: 'product.view',
        requestId: 'req-activity-1',
        payload: { productId: 'p-1' },
      }),
    ]);
    expect((await api.stop('SIGTERM')).code).toBe(0);
  });

  it('starts while Redis is down, reports it, and recovers by itself', async () => {
    const privateRedis: PrivateRedis = await startPrivateRedis();
    await privateRedis.stop();
    try {
      const api = startApi({ REDIS_URL: privateRedis.url });
      const base = await listening(api);
      const down = await fetch(`${base}/health`);
      expect(down.status).toBe(503);
      expect(((await down.json()) as HealthBody).data.checks.redis?.status).toBe('down');

      await privateRedis.start();
      const up = await pollUntil(
        () => fetch(`${base}/health`),
        (response) => response.status === 200,
      );
      expect(up.status).toBe(200);
      const body = (await up.json()) as HealthBody;
      expect(body.data.checks.redis?.status).toBe('up');
      const { code, ms } = await api.stop('SIGTERM');
      expect(code).toBe(0);
      expect(ms).toBeLessThan(10_000);
    } finally {
      await privateRedis.stop();
    }
  });

  it('with WORKERS=inline runs every processor; SIGTERM mid-job exits 0 and the job is not lost', async () => {
    sellerDelayMs = 30_000;
    const api = startApi({ WORKERS: 'inline', SHUTDOWN_GRACE_MS: '2000' });
    const base = await listening(api);
    const health = await pollUntil(
      async () => (await (await fetch(`${base}/health`)).json()) as HealthBody,
      (body) => body.data.workers.unconsumedQueues.length === 0,
    );
    expect(health.data.workers.unconsumedQueues).toEqual([]);

    const job = await producers.enqueue('crawler-collect', {
      requestId: 'req-inline-1',
      url: `${seller.url}/p/1`,
    });
    // mid-job: BullMQ holds the job as active and the processor's fetch has reached the seller
    await waitFor('the job to be active', async () => (await job.isActive()) || undefined);
    await waitFor('the processor to be fetching the page', () => sellerRequests.includes('/p/1'));
    expect(await job.isActive()).toBe(true);
    const { code, ms } = await api.stop('SIGTERM');
    expect(code, JSON.stringify(api.logs.slice(-5))).toBe(0);
    expect(ms).toBeLessThan(10_000);

    const released = await producers.queues['crawler-collect'].getJob(job.id!);
    expect(['waiting', 'wait', 'delayed']).toContain(await released!.getState());
    expect(released!.attemptsMade).toBe(0);

    sellerDelayMs = 0;
    const again = startApi({ WORKERS: 'inline' });
    await listening(again);
    const done = await pollUntil(
      async () => producers.queues['crawler-collect'].getJob(job.id!),
      (found) => found?.finishedOn !== undefined,
    );
    expect(done?.returnvalue).toMatchObject({ status: 200, bytes: expect.any(Number) });
    expect((await again.stop('SIGTERM')).code).toBe(0);
  });
});
