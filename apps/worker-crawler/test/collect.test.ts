import type { IncomingHttpHeaders } from 'node:http';
import { createLogger } from '@pbshop/config';
import { bullPrefix, createRedis, JobProducers } from '@pbshop/queues';
import { ResilienceRegistry } from '@pbshop/resilience';
import {
  createTestContext,
  type FixtureServer,
  type RunningProcess,
  startFixtureServer,
  type TestContext,
} from '@pbshop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawlerUserAgent } from '../src/processor.ts';
import { processTracker, productPage, waitFor } from './helpers.ts';

let ctx: TestContext;
let redis: ReturnType<typeof createRedis>;
let producers: JobProducers;
let seller: FixtureServer;
let broken: FixtureServer;
let worker: RunningProcess;
const workers = processTracker();
const sellerRequests: { url: string; headers: IncomingHttpHeaders }[] = [];
let brokenHits = 0;

beforeAll(async () => {
  ctx = await createTestContext();
  redis = createRedis(ctx.env.REDIS_URL!, 'worker');
  producers = new JobProducers(redis, bullPrefix(ctx.redisPrefix));
  seller = await startFixtureServer((request, response) => {
    sellerRequests.push({ url: request.url ?? '', headers: request.headers });
    if (request.url === '/products/42') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(productPage);
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('no such product');
    }
  });
  broken = await startFixtureServer((_request, response) => {
    brokenHits += 1;
    response.writeHead(500, { 'content-type': 'text/plain' });
    response.end('internal error');
  });
  worker = workers.spawn({ ...ctx.env, LOG_LEVEL: 'info' });
  await worker.waitForLog((line) => line.msg === 'ready');
});

afterAll(async () => {
  await workers.stopAll();
  await producers?.close();
  await redis?.quit();
  await Promise.all([seller?.close(), broken?.close()]);
  await ctx?.cleanup();
});

async function settled(jobId: string, timeoutMs = 20_000) {
  const queue = producers.queues['crawler-collect'];
  return waitFor(
    `job ${jobId} to complete or fail`,
    async () => {
      const state = await queue.getJobState(jobId);
      return (state === 'completed' || state === 'failed') && { state, job: (await queue.getJob(jobId))! };
    },
    timeoutMs,
  );
}

describe('worker-crawler collecting seller pages', () => {
  it('fetches a product page and returns its status, size and content type', async () => {
    const job = await producers.enqueue('crawler-collect', {
      requestId: 'test-collect-1',
      url: `${seller.url}/products/42`,
      sellerId: 1,
    });
    const { state, job: done } = await settled(job.id!);
    expect(state).toBe('completed');
    expect(done.attemptsMade).toBe(1);
    expect(done.returnvalue).toMatchObject({
      url: `${seller.url}/products/42`,
      status: 200,
      contentType: 'text/html; charset=utf-8',
      bytes: Buffer.byteLength(productPage),
    });
    expect(done.returnvalue.ms).toBeTypeOf('number');
    // the body is not kept in Redis
    expect(done.returnvalue).not.toHaveProperty('body');

    const request = sellerRequests.find((r) => r.url === '/products/42');
    expect(request?.headers['user-agent']).toBe(crawlerUserAgent);
    expect(worker.child.exitCode).toBeNull();
  });

  it('a 404 is an answer, not a failure: the job completes with the status', async () => {
    const job = await producers.enqueue('crawler-collect', {
      requestId: 'test-collect-404',
      url: `${seller.url}/products/gone`,
    });
    const { state, job: done } = await settled(job.id!);
    expect(state).toBe('completed');
    expect(done.returnvalue).toMatchObject({ status: 404, contentType: 'text/plain' });
  });

  it('a site answering 500 fails the job after its attempts and opens its published crawler breaker', async () => {
    const host = new URL(broken.url).host;
    // 3 attempts of (1 call + 1 policy retry): the 5th consecutive failure opens the breaker
    const job = await producers.enqueue(
      'crawler-collect',
      { requestId: 'test-collect-500', url: `${broken.url}/products/1` },
      { attempts: 3, backoff: { type: 'fixed', delay: 100 } },
    );
    const { state, job: failed } = await settled(job.id!);
    expect(state).toBe('failed');
    expect(failed.attemptsMade).toBe(3);
    // the last attempt met the open breaker instead of calling the site again
    expect(failed.failedReason).toMatch(/circuit breaker is open/i);
    expect(brokenHits).toBe(5);
    // the failed state is in Redis a moment before the worker's log line reaches us
    await waitFor(
      'a "job failed" log line per attempt',
      () => worker.logs.filter((line) => line.msg === 'job failed' && line.jobId === job.id).length === 3,
      5000,
    );

    const reader = new ResilienceRegistry({
      service: 'test-reader',
      logger: createLogger({ LOG_LEVEL: 'silent' }, 'test'),
      redis,
      keyPrefix: ctx.redisPrefix,
    });
    const snapshots = await reader.publishedSnapshots();
    const breaker = snapshots.find((s) => s.name === `crawler:${host}`);
    expect(breaker).toMatchObject({
      name: `crawler:${host}`,
      state: 'open',
      service: 'worker-crawler',
      lastFailure: `${host} answered 500`,
    });
    expect(breaker?.instance).toMatch(new RegExp(`:${worker.child.pid}$`));
    // the healthy seller's breaker is separate and still closed
    expect(snapshots.find((s) => s.name === `crawler:${new URL(seller.url).host}`)?.state).toBe('closed');
  });
});
