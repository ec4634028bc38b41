import { createLogger } from '@pbshop/config';
import { createTestContext, type TestContext } from '@pbshop/testing';
import { DelayedError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bullPrefix,
  createRedis,
  defaultJobOptions,
  JobPayloadError,
  JobProducers,
  listWorkerBeats,
  QueueUnavailableError,
  QueueWorker,
  queueNames,
  startHeartbeat,
} from '../src/index.ts';

let ctx: TestContext;
let producerRedis: Redis;
let workerRedis: Redis;
let producers: JobProducers;
const logger = createLogger({ LOG_LEVEL: 'silent' }, 'queues-test');

beforeAll(async () => {
  ctx = await createTestContext();
  producerRedis = createRedis(ctx.env.REDIS_URL!, 'producer');
  workerRedis = createRedis(ctx.env.REDIS_URL!, 'worker');
  producers = new JobProducers(producerRedis, bullPrefix(ctx.redisPrefix));
});

afterAll(async () => {
  await producers.close();
  producerRedis.disconnect();
  workerRedis.disconnect();
  await ctx.cleanup();
});

function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = async () => {
      const value = await check();
      if (value !== undefined) return resolve(value);
      if (Date.now() > deadline) return reject(new Error('condition not met in time'));
      setTimeout(tick, 50);
    };
    void tick();
  });
}

describe('queue definitions', () => {
  it('names the five queues of the runbook, each with bounded attempts and kept failures', () => {
    expect(queueNames).toEqual([
      'activity-log',
      'video-transcode',
      'crawler-collect',
      'search-index-sync',
      'push-delivery',
    ]);
    for (const name of queueNames) {
      const options = defaultJobOptions[name];
      expect(options.attempts).toBeGreaterThan(1);
      expect(options.backoff).toMatchObject({ type: 'exponential' });
      expect(options.removeOnComplete).toBeTruthy();
      expect(options.removeOnFail).not.toBe(true);
    }
  });
});

describe('producers', () => {
  it('refuse a payload that fails its schema before it reaches Redis', async () => {
    const attempt = producers.enqueue('crawler-collect', { requestId: 'r1', url: 'file:///etc/passwd' });
    await expect(attempt).rejects.toBeInstanceOf(JobPayloadError);
    await expect(attempt).rejects.toThrow(/url/);
    expect(await producers.queues['crawler-collect'].count()).toBe(0);
  });

  it('refuse a transcode source outside the storage folder', async () => {
    await expect(
      producers.enqueue('video-transcode', {
        requestId: 'r1',
        shortformId: 1,
        sourceKey: '../../etc/passwd',
      }),
    ).rejects.toThrow(/sourceKey/);
  });

  it('carry the request id and apply the queue defaults', async () => {
    const job = await producers.enqueue('activity-log', {
      requestId: 'req-42',
      type: 'product.view',
      occurredAt: new Date().toISOString(),
    });
    expect(job.data).toMatchObject({ requestId: 'req-42', data: {} });
    expect(job.opts.attempts).toBe(defaultJobOptions['activity-log'].attempts);
    await job.remove();
  });

  it('fail fast while Redis is down instead of hanging the request', async () => {
    const dead = createRedis('redis://127.0.0.1:1', 'producer');
    const offline = new JobProducers(dead, bullPrefix(ctx.redisPrefix));
    const started = Date.now();
    await expect(
      offline.enqueue('activity-log', { requestId: 'r', type: 't', occurredAt: new Date().toISOString() }),
    ).rejects.toBeInstanceOf(QueueUnavailableError);
    expect(Date.now() - started).toBeLessThan(1000);
    dead.disconnect();
  });
});

describe('QueueWorker', () => {
  it('passes the validated payload and fails a bad payload once, without retries', async () => {
    const seen: string[] = [];
    const worker = new QueueWorker(
      {
        queue: 'search-index-sync',
        concurrency: 1,
        async process(payload) {
          seen.push(payload.requestId);
          return 'ok';
        },
      },
      { connection: workerRedis, prefix: bullPrefix(ctx.redisPrefix), logger },
    );
    const queue = producers.queues['search-index-sync'];
    const good = await producers.enqueue('search-index-sync', { requestId: 'good', reason: 'bootstrap' });
    // bypasses the producer's validation, as a job written by an older release would
    const bad = await queue.add('search-index-sync', { requestId: 'bad', reason: 'nonsense' });
    await waitFor(async () => ((await good.isCompleted()) ? true : undefined));
    const failed = await waitFor(async () =>
      (await bad.isFailed()) ? await queue.getJob(bad.id!) : undefined,
    );
    expect(seen).toEqual(['good']);
    expect(failed?.failedReason).toMatch(/invalid search-index-sync payload: reason/);
    expect(failed?.attemptsMade).toBe(1);
    await worker.close(1000);
  });

  it('on close lets a quick job finish', async () => {
    let finished = false;
    const worker = new QueueWorker(
      {
        queue: 'crawler-collect',
        concurrency: 1,
        async process() {
          await new Promise((resolve) => setTimeout(resolve, 300));
          finished = true;
        },
      },
      { connection: workerRedis, prefix: bullPrefix(ctx.redisPrefix), logger },
    );
    const job = await producers.enqueue('crawler-collect', {
      requestId: 'quick',
      url: 'http://127.0.0.1:1/',
    });
    await waitFor(async () => ((await job.isActive()) ? true : undefined));
    await worker.close(5000);
    expect(finished).toBe(true);
    expect(await job.isCompleted()).toBe(true);
  });

  it('on close releases a job that overruns the grace period, without spending an attempt', async () => {
    const processing = (signal: AbortSignal) =>
      new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
      );
    const first = new QueueWorker(
      { queue: 'video-transcode', concurrency: 1, process: (_payload, { signal }) => processing(signal) },
      { connection: workerRedis, prefix: bullPrefix(ctx.redisPrefix), logger },
    );
    const job = await producers.enqueue('video-transcode', {
      requestId: 'slow',
      shortformId: 1,
      sourceKey: 'a.mp4',
    });
    await waitFor(async () => ((await job.isActive()) ? true : undefined));
    const started = Date.now();
    await first.close(500);
    expect(Date.now() - started).toBeLessThan(3000);

    const queue = producers.queues['video-transcode'];
    const released = (await queue.getJob(job.id!)) as Job;
    expect(['waiting', 'delayed', 'wait']).toContain(await released.getState());
    expect(released.attemptsMade).toBe(0);

    const second = new QueueWorker(
      { queue: 'video-transcode', concurrency: 1, process: async (payload) => `done ${payload.shortformId}` },
      { connection: workerRedis, prefix: bullPrefix(ctx.redisPrefix), logger },
    );
    await waitFor(async () => (await queue.getJob(job.id!))?.returnvalue ?? undefined);
    expect((await queue.getJob(job.id!))?.returnvalue).toBe('done 1');
    await second.close(1000);
    expect(new DelayedError()).toBeInstanceOf(Error);
  });
});

describe('heartbeats', () => {
  it('list live workers and expire with their process', async () => {
    const beat = startHeartbeat(producerRedis, ctx.redisPrefix, {
      service: 'worker-x',
      queues: ['crawler-collect'],
      intervalMs: 100,
    });
    const beats = await waitFor(async () => {
      const found = await listWorkerBeats(producerRedis, ctx.redisPrefix);
      return found.length > 0 ? found : undefined;
    });
    expect(beats[0]).toMatchObject({ service: 'worker-x', queues: ['crawler-collect'] });
    await beat.stop();
    expect(await listWorkerBeats(producerRedis, ctx.redisPrefix)).toEqual([]);

    // a process that dies without stopping: its key expires after three intervals
    const orphan = startHeartbeat(producerRedis, ctx.redisPrefix, {
      service: 'worker-y',
      queues: [],
      intervalMs: 100,
    });
    await waitFor(async () =>
      (await listWorkerBeats(producerRedis, ctx.redisPrefix)).length ? true : undefined,
    );
    // simulate the death: stop beating without deleting the key
    await orphan
      .stop()
      .then(() =>
        producerRedis.set(
          `${ctx.redisPrefix}:heartbeat:worker-y:ghost`,
          JSON.stringify({ service: 'worker-y' }),
          'PX',
          300,
        ),
      );
    await waitFor(
      async () => ((await listWorkerBeats(producerRedis, ctx.redisPrefix)).length === 0 ? true : undefined),
      3000,
    );
  });
});
