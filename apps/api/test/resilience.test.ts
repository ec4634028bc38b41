// Circuit breakers over HTTP (API §47, ops contract §2.B.5, runbook §4.4): the breakers of every
// process, read from what each publishes to Redis; a reset from the API that closes the breaker in
// the process holding it; the auto-tuned policies. worker-search runs as its own process and reaches
// OpenSearch through a proxy the test stops, so its `search` breaker really opens.
import { createLogger } from '@pbshop/config';
import { createRedis } from '@pbshop/queues';
import { breakerKeys, policySettings, ResilienceRegistry } from '@pbshop/resilience';
import { waitFor } from '@pbshop/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CategoryData, createCategory, uniqueName } from './helpers/catalog.ts';
import { expectError } from './helpers/http.ts';
import { setupSearchSyncTest, waitForDocument } from './helpers/search-sync.ts';
import type { Member } from './helpers/users.ts';

/** the open time the test gives the `search` policy: far longer than anything the test waits for */
const LONG_OPEN_MS = 90_000;

const api = setupSearchSyncTest({
  proxy: 'worker',
  // auto-tuning on, but it never moves a policy here: the test sets the open time itself
  workerEnv: { RESILIENCE_AUTO_TUNE_MIN_SAMPLES: '1000000' },
});

let category: CategoryData;
let user: Member;
const connections: Redis[] = [];
const registries: ResilienceRegistry[] = [];

/** A registry in this test process: a "process" holding breakers, as the workers do. */
function localRegistry(
  service: string,
  options: Partial<ConstructorParameters<typeof ResilienceRegistry>[0]> = {},
) {
  const redis = createRedis(api.ctx.env.REDIS_URL!, 'worker');
  connections.push(redis);
  const registry = new ResilienceRegistry({
    service,
    logger: createLogger({ LOG_LEVEL: 'silent' }, 'resilience-test'),
    redis,
    keyPrefix: api.ctx.redisPrefix,
    overrides: { crawler: { retries: 0, timeoutMs: 500 } },
    ...options,
  });
  registries.push(registry);
  return registry;
}

beforeAll(async () => {
  category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('모니터') });
  user = await api.member();
});

afterAll(async () => {
  await Promise.all(registries.map((registry) => registry.close()));
  for (const connection of connections) connection.disconnect();
});

type Holder = {
  service: string;
  pid: number;
  status: string;
  failureCount: number;
  nextAttemptAt: string | null;
  resetGeneration: number;
  options: { openTimeoutMs: number };
};
type Breaker = { name: string; status: string; holders: Holder[]; [field: string]: unknown };

async function breakers(): Promise<Breaker[]> {
  const { status, body } = await api.call('GET', '/api/v1/resilience/circuit-breakers', {
    headers: api.admin.authHeader,
  });
  expect(status).toBe(200);
  return body.data.items;
}

const workerHolder = (breaker: Breaker | undefined) =>
  breaker?.holders.find(
    (holder) => holder.service === 'worker-search' && holder.pid === api.worker.child.pid,
  );

const failing = async (): Promise<never> => {
  throw new Error('seller down');
};

describe("worker-search's search breaker, from the API", () => {
  it('opens in the worker and is listed OPEN with the worker as its holder; a reset from the API closes it there, and its next call goes through', async () => {
    // the worker made its `search` breaker at bootstrap and publishes it
    await waitFor('the worker to publish its search breaker', async () =>
      workerHolder((await breakers()).find((breaker) => breaker.name === 'search')),
    );
    // a long open time (as auto-tuning may set one), so a call before the reset is the reset's doing
    const redis = createRedis(api.ctx.env.REDIS_URL!, 'worker');
    connections.push(redis);
    await redis.hset(breakerKeys(api.ctx.redisPrefix).policy('search'), 'openTimeoutMs', LONG_OPEN_MS);
    await waitFor('the worker to read the policy back', async () => {
      const holder = workerHolder((await breakers()).find((breaker) => breaker.name === 'search'));
      return holder?.options.openTimeoutMs === LONG_OPEN_MS;
    });

    await api.proxy.stop();
    await api.write('POST', '/api/v1/products', { categoryId: category.id, name: uniqueName('정전 모니터') });
    const open = await waitFor(
      'the worker to list its search breaker OPEN',
      async () => {
        const search = (await breakers()).find((breaker) => breaker.name === 'search');
        return workerHolder(search)?.status === 'OPEN' && search;
      },
      30_000,
      200,
    );
    expect(open).toMatchObject({
      name: 'search',
      status: 'OPEN',
      lastFailureReason: expect.any(String),
      options: { failureThreshold: policySettings.search.breakAfterFailures, openTimeoutMs: LONG_OPEN_MS },
    });
    const opened = workerHolder(open)!;
    expect(opened).toMatchObject({
      service: 'worker-search',
      pid: api.worker.child.pid,
      failureCount: policySettings.search.breakAfterFailures,
      nextAttemptAt: expect.any(String),
    });
    const one = await api.call('GET', '/api/v1/resilience/circuit-breakers/search', {
      headers: api.admin.authHeader,
    });
    expect(one.status).toBe(200);
    expect(workerHolder(one.body.data)?.status).toBe('OPEN');

    await api.proxy.start();
    const reset = await api.call('POST', '/api/v1/resilience/circuit-breakers/search/reset', {
      headers: { ...api.admin.authHeader, 'content-type': 'application/json' },
    });
    expect(reset.status).toBe(200);
    expect(reset.body.data).toMatchObject({
      message: expect.stringContaining('reset'),
      name: 'search',
      unconfirmed: [],
      breaker: { name: 'search', status: 'CLOSED', failureCount: 0, nextAttemptAt: null },
    });
    expect(workerHolder(reset.body.data.breaker)).toMatchObject({
      status: 'CLOSED',
      failureCount: 0,
      resetGeneration: 1,
    });
    await api.worker.waitForLog((line) => line.msg === 'circuit breaker reset' && line.breaker === 'search');

    // the worker calls OpenSearch again at once: a new product is indexed long before the breaker
    // would have let a trial call through
    const product = await api.write<{ id: number }>('POST', '/api/v1/products', {
      categoryId: category.id,
      name: uniqueName('복구 모니터'),
    });
    await waitForDocument(
      api.ctx,
      product.id,
      (document) => document !== null,
      'the product after the reset',
      30_000,
    );
    expect(Date.now()).toBeLessThan(Date.parse(opened.nextAttemptAt!));
    const after = await breakers();
    expect(workerHolder(after.find((breaker) => breaker.name === 'search'))?.status).toBe('CLOSED');
  });
});

describe('breakers by name', () => {
  it('finds a name with `:` as the storefront sends it (unencoded) and encoded, and resets the holding process', async () => {
    const crawler = localRegistry('crawler-in-test');
    const name = 'crawler:127.0.0.1:4567';
    for (let call = 0; call < policySettings.crawler.breakAfterFailures; call += 1) {
      await crawler.execute(name, failing).catch(() => {});
    }
    expect(crawler.isOpenError(await crawler.execute(name, async () => 'x').catch((error) => error))).toBe(
      true,
    );
    await crawler.sync();

    for (const path of [name, encodeURIComponent(name)]) {
      const { status, body } = await api.call('GET', `/api/v1/resilience/circuit-breakers/${path}`, {
        headers: api.admin.authHeader,
      });
      expect(status, path).toBe(200);
      expect(body.data).toMatchObject({
        name,
        status: 'OPEN',
        failureCount: policySettings.crawler.breakAfterFailures,
        successCount: 0,
        lastFailureReason: 'seller down',
        nextAttemptAt: expect.any(String),
        options: {
          failureThreshold: policySettings.crawler.breakAfterFailures,
          openTimeoutMs: policySettings.crawler.halfOpenAfterMs,
          halfOpenSuccessThreshold: 1,
        },
        holders: [{ service: 'crawler-in-test', pid: process.pid, status: 'OPEN' }],
      });
    }

    const reset = await api.call('POST', `/api/v1/resilience/circuit-breakers/${name}/reset`, {
      headers: api.admin.authHeader,
    });
    expect(reset.status).toBe(200);
    expect(reset.body.data).toMatchObject({
      name,
      unconfirmed: [],
      breaker: {
        status: 'CLOSED',
        failureCount: 0,
        holders: [{ service: 'crawler-in-test', status: 'CLOSED' }],
      },
    });
    // the holding process's own breaker is closed: its next call goes through
    await expect(crawler.execute(name, async () => 'back')).resolves.toBe('back');
  });

  it('answers 404 CIRCUIT_BREAKER_NOT_FOUND for a name no live process holds, to a read and to a reset', async () => {
    for (const name of ['crawler:nowhere.example', 'payment', 'nonsense', '%E2%9C%93']) {
      const one = await api.call('GET', `/api/v1/resilience/circuit-breakers/${name}`, {
        headers: api.admin.authHeader,
      });
      expectError(one, 404, 'CIRCUIT_BREAKER_NOT_FOUND');
      const reset = await api.call('POST', `/api/v1/resilience/circuit-breakers/${name}/reset`, {
        headers: api.admin.authHeader,
      });
      expectError(reset, 404, 'CIRCUIT_BREAKER_NOT_FOUND');
    }
  });

  it('a process that leaves takes its breakers with it', async () => {
    const leaving = localRegistry('leaving');
    await leaving.execute('social:leaving', async () => 'ok');
    await leaving.sync();
    expect((await breakers()).some((breaker) => breaker.name === 'social:leaving')).toBe(true);
    await leaving.close();
    expect((await breakers()).some((breaker) => breaker.name === 'social:leaving')).toBe(false);
  });
});

describe('policies', () => {
  it("lists each policy's options and statistics, auto-tuned within bounds", async () => {
    const tuned = localRegistry('tuned', {
      autoTune: { enabled: true, minSamples: 20, cooldownMs: 0 },
      syncIntervalMs: 3_600_000,
    });
    const name = 'crawler:flaky.example';
    await tuned.execute(name, async () => 'ok');
    await tuned.sync();
    for (let round = 0; round < 6; round += 1) {
      for (let call = 0; call < 10; call += 1) {
        await tuned.execute(name, failing).catch(() => {});
        await tuned.execute(name, async () => 'ok');
      }
      await tuned.sync();
    }

    const { status, body } = await api.call('GET', '/api/v1/resilience/circuit-breakers/policies', {
      headers: api.admin.authHeader,
    });
    expect(status).toBe(200);
    const items = body.data.items as {
      name: string;
      options: { failureThreshold: number; openTimeoutMs: number; halfOpenSuccessThreshold: number };
      stats: { success: number; failure: number; lastTunedAt: number };
    }[];
    for (const item of items) {
      expect(Object.keys(item).sort()).toEqual(['name', 'options', 'stats']);
      expect(item.options).toEqual({
        failureThreshold: expect.any(Number),
        openTimeoutMs: expect.any(Number),
        halfOpenSuccessThreshold: expect.any(Number),
      });
      expect(item.stats).toEqual({
        success: expect.any(Number),
        failure: expect.any(Number),
        lastTunedAt: expect.any(Number),
      });
    }
    expect(items.map((item) => item.name)).toContain('search');
    // half the calls failed: the threshold went down to its floor, the open time up to its ceiling
    const flaky = items.find((item) => item.name === name)!;
    expect(flaky.options).toEqual({
      failureThreshold: 2,
      openTimeoutMs: 120_000,
      halfOpenSuccessThreshold: 1,
    });
    expect(flaky.stats).toMatchObject({ success: 61, failure: 60 });
    expect(flaky.stats.lastTunedAt).toBeGreaterThan(Date.now() - 60_000);
    // and the breaker this process holds runs with them
    expect(tuned.snapshots().find((snapshot) => snapshot.name === name)?.options.failureThreshold).toBe(2);
  });
});

describe('the admin audit log', () => {
  it('records every reset: who, which breaker, the request, and how it ended', async () => {
    const crawler = localRegistry('audited');
    const name = 'crawler:audited.example';
    await crawler.execute(name, failing).catch(() => {});
    await crawler.sync();
    const reset = await api.call('POST', `/api/v1/resilience/circuit-breakers/${name}/reset`, {
      headers: { ...api.admin.authHeader, 'x-request-id': 'reset-audited' },
    });
    expect(reset.status).toBe(200);
    const refused = await api.call('POST', '/api/v1/resilience/circuit-breakers/crawler:gone.example/reset', {
      headers: { ...api.admin.authHeader, 'x-request-id': 'reset-unknown' },
    });
    expectError(refused, 404, 'CIRCUIT_BREAKER_NOT_FOUND');

    const { status, body } = await api.call(
      'GET',
      '/api/v1/admin/audit-log?action=circuit-breaker.reset&limit=100',
      {
        headers: api.admin.authHeader,
      },
    );
    expect(status).toBe(200);
    const entries = body.data as { requestId: string }[];
    expect(entries.find((entry) => entry.requestId === 'reset-audited')).toMatchObject({
      actorId: api.admin.user.id,
      action: 'circuit-breaker.reset',
      target: name,
      result: 'SUCCEEDED',
      errorCode: null,
      details: { outcome: { status: 'CLOSED', unconfirmed: [] } },
    });
    expect(entries.find((entry) => entry.requestId === 'reset-unknown')).toMatchObject({
      actorId: api.admin.user.id,
      target: 'crawler:gone.example',
      result: 'FAILED',
      errorCode: 'CIRCUIT_BREAKER_NOT_FOUND',
    });
  });
});

describe('access', () => {
  it('is ADMIN only', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/resilience/circuit-breakers'],
      ['GET', '/api/v1/resilience/circuit-breakers/policies'],
      ['GET', '/api/v1/resilience/circuit-breakers/search'],
      ['POST', '/api/v1/resilience/circuit-breakers/search/reset'],
    ] as const) {
      expectError(await api.call(method, url), 401, 'UNAUTHORIZED');
      expectError(await api.call(method, url, { headers: user.authHeader }), 403, 'FORBIDDEN');
    }
  });
});
