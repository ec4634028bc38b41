// Observability (contract §2.B.8): request metrics over the last 15 minutes, summed across API
// replicas in Redis (failures included), the recent-trace ring buffer, the dashboard, and the
// Prometheus exposition at GET /metrics, read back with a parser of the text format. Test routes
// (a thrown error, a slow answer) are added to each app before it starts.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createTestContext,
  parseExposition,
  samplesOf,
  startPrivateRedis,
  type TestContext,
  waitFor,
} from '@pbshop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import type { ApiDeps } from '../src/deps.ts';
import { buildTestApp, createMember, type Member } from './helpers/users.ts';

interface Instance {
  app: App;
  deps: ApiDeps;
  admin: Member;
}

interface RouteFigures {
  method: string;
  route: string;
  totalRequests: number;
  errorRequests: number;
  errorRate: number;
  avgLatencyMs: number;
  p50LatencyMs: number;
  p95LatencyMs: number;
  p99LatencyMs: number;
  maxLatencyMs: number;
  statusBuckets: { s2xx: number; s3xx: number; s4xx: number; s5xx: number };
}

type Summary = Omit<RouteFigures, 'method' | 'route'> & {
  scope: string;
  error: string | null;
  replica: string;
  windowMinutes: number;
  routes: RouteFigures[];
};

const METRICS_TOKEN = 'test-metrics-token-0123456789';
const SLOW_MS = 200;

let ctx: TestContext;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await ctx?.cleanup();
});

/** An app on the file's context (shared Redis prefix unless told), with the test routes. */
async function instance(env: Record<string, string> = {}): Promise<Instance> {
  const { app, deps, close } = await buildTestApp(ctx, {
    OBS_FLUSH_INTERVAL_MS: '200',
    LOG_LEVEL: 'fatal',
    ...env,
  });
  closers.push(close);
  const open = { config: { access: 'public' as const } };
  app.get('/test/ok', open, async () => ({ success: true, data: { ok: true } }));
  app.get('/test/boom', open, async () => {
    throw new Error('boom: an unexpected failure');
  });
  app.get('/test/slow', open, async () => {
    await sleep(SLOW_MS);
    return { success: true, data: { slow: true } };
  });
  await app.ready();
  const admin = await createMember(deps, app, { role: 'ADMIN' });
  return { app, deps, admin };
}

async function get(target: Instance, url: string, headers: Record<string, string> = {}) {
  return target.app.inject({ method: 'GET', url, headers });
}

async function metrics(target: Instance, route?: string): Promise<Summary> {
  const query = route ? `?route=${encodeURIComponent(route)}` : '';
  const response = await get(target, `/api/v1/admin/observability/metrics${query}`, target.admin.authHeader);
  expect(response.statusCode).toBe(200);
  return response.json().data;
}

const routeOf = (summary: Summary, method: string, route: string) =>
  summary.routes.find((entry) => entry.method === method && entry.route === route);

describe('request metrics over the last 15 minutes', () => {
  let api: Instance;
  beforeAll(async () => {
    api = await instance({ REDIS_KEY_PREFIX: `${ctx.redisPrefix}:single` });
  });

  it('count successes, 4xx (on a route and on unknown paths) and thrown errors, per route', async () => {
    for (let i = 0; i < 6; i++) expect((await get(api, '/test/ok')).statusCode).toBe(200);
    for (let i = 0; i < 3; i++) expect((await get(api, '/test/boom')).statusCode).toBe(500);
    for (let i = 0; i < 2; i++) expect((await get(api, '/api/v1/products/999999999')).statusCode).toBe(404);
    expect((await get(api, '/api/v1/no-such-thing')).statusCode).toBe(404);
    expect((await get(api, '/another/unknown/path?x=1')).statusCode).toBe(404);
    // refused by the access guard before any handler
    expect((await get(api, '/api/v1/admin/observability/traces')).statusCode).toBe(401);

    const summary = await metrics(api);
    expect(summary).toMatchObject({ scope: 'cluster', error: null, windowMinutes: 15 });
    expect(routeOf(summary, 'GET', '/test/ok')).toMatchObject({
      totalRequests: 6,
      errorRequests: 0,
      errorRate: 0,
      statusBuckets: { s2xx: 6, s3xx: 0, s4xx: 0, s5xx: 0 },
    });
    expect(routeOf(summary, 'GET', '/test/boom')).toMatchObject({
      totalRequests: 3,
      errorRequests: 3,
      errorRate: 1,
      statusBuckets: { s2xx: 0, s3xx: 0, s4xx: 0, s5xx: 3 },
    });
    expect(routeOf(summary, 'GET', '/api/v1/products/:id')).toMatchObject({
      totalRequests: 2,
      errorRequests: 2,
      statusBuckets: { s4xx: 2 },
    });
    // unknown paths share one bucket, whatever the path
    expect(routeOf(summary, '*', '(unmatched)')).toMatchObject({ totalRequests: 2, errorRequests: 2 });
    expect(routeOf(summary, 'GET', '/api/v1/admin/observability/traces')).toMatchObject({
      totalRequests: 1,
      statusBuckets: { s4xx: 1 },
    });

    // the totals are the routes' sums; the rate has 4 decimals
    const sum = (pick: (route: RouteFigures) => number) =>
      summary.routes.reduce((total, route) => total + pick(route), 0);
    expect(summary.totalRequests).toBe(sum((route) => route.totalRequests));
    expect(summary.errorRequests).toBe(sum((route) => route.errorRequests));
    expect(summary.errorRate).toBe(
      Math.round((summary.errorRequests / summary.totalRequests) * 10_000) / 10_000,
    );
    expect(summary.statusBuckets.s5xx).toBe(3);
    expect(summary.statusBuckets.s4xx).toBe(sum((route) => route.statusBuckets.s4xx));
  });

  it('read latency figures per route: slow answers, ordered percentiles, capped at the largest', async () => {
    await Promise.all(Array.from({ length: 5 }, () => get(api, '/test/slow')));
    const summary = await metrics(api);
    const slow = routeOf(summary, 'GET', '/test/slow')!;
    expect(slow.totalRequests).toBe(5);
    expect(slow.p50LatencyMs).toBeGreaterThanOrEqual(SLOW_MS);
    expect(slow.avgLatencyMs).toBeGreaterThanOrEqual(SLOW_MS);
    expect(slow.p99LatencyMs).toBeLessThanOrEqual(slow.maxLatencyMs);
    const fast = routeOf(summary, 'GET', '/test/ok')!;
    expect(fast.p50LatencyMs).toBeLessThanOrEqual(fast.p95LatencyMs);
    expect(fast.p95LatencyMs).toBeLessThanOrEqual(fast.p99LatencyMs);
    expect(fast.p99LatencyMs).toBeLessThanOrEqual(fast.maxLatencyMs);
    expect(fast.avgLatencyMs).toBeGreaterThan(0);
  });

  it('filter by route template (?route=): the totals are that route’s', async () => {
    const filtered = await metrics(api, '/test/boom');
    expect(filtered.routes.map((entry) => entry.route)).toEqual(['/test/boom']);
    expect(filtered).toMatchObject({ totalRequests: 3, errorRequests: 3, errorRate: 1 });
  });
});

describe('percentiles across routes', () => {
  it('p95 falls on a fast answer and p99 on a slow one among 95 fast and 5 slow', async () => {
    const api = await instance({ REDIS_KEY_PREFIX: `${ctx.redisPrefix}:percentiles` });
    await Promise.all(Array.from({ length: 5 }, () => get(api, '/test/slow')));
    for (let i = 0; i < 95; i++) await get(api, '/test/ok');
    const summary = await metrics(api);
    // the admin's metrics call itself is not counted yet (it is counted once answered)
    const relevant = summary.routes.filter((route) => route.route.startsWith('/test/'));
    expect(relevant.reduce((total, route) => total + route.totalRequests, 0)).toBe(100);
    expect(summary.totalRequests).toBe(100);
    expect(summary.p95LatencyMs).toBeLessThan(SLOW_MS);
    expect(summary.p99LatencyMs).toBeGreaterThanOrEqual(SLOW_MS);
    expect(summary.maxLatencyMs).toBeGreaterThanOrEqual(summary.p99LatencyMs);
    expect(summary.p50LatencyMs).toBeLessThanOrEqual(summary.p95LatencyMs);
  });
});

describe('across API replicas', () => {
  it('two instances sharing one Redis: the totals add up, whichever answers', async () => {
    const shared = { REDIS_KEY_PREFIX: `${ctx.redisPrefix}:replicas` };
    const [first, second] = await Promise.all([instance(shared), instance(shared)]);
    for (let i = 0; i < 3; i++) await get(first, '/test/ok');
    for (let i = 0; i < 4; i++) await get(second, '/test/ok');
    await get(first, '/test/boom');
    await get(second, '/test/boom');
    // the second's counts reach Redis with its next flush (every 200 ms here)
    const summary = await waitFor('both replicas counted', async () => {
      const read = await metrics(first, '/test/ok');
      return read.totalRequests === 7 && read;
    });
    expect(summary.scope).toBe('cluster');
    const fromSecond = await metrics(second);
    expect(routeOf(fromSecond, 'GET', '/test/ok')?.totalRequests).toBe(7);
    expect(routeOf(fromSecond, 'GET', '/test/boom')).toMatchObject({ totalRequests: 2, errorRequests: 2 });
  });

  it("answers this replica's counts, saying so, while Redis is down", async () => {
    const redis = await startPrivateRedis();
    try {
      const api = await instance({ REDIS_URL: redis.url });
      await waitFor('redis ready', () => api.deps.redis.status === 'ready');
      for (let i = 0; i < 2; i++) await get(api, '/test/ok');
      await get(api, '/test/boom');
      await redis.stop();
      const summary = await metrics(api);
      expect(summary.scope).toBe('replica');
      expect(summary.error).toMatch(/Redis unavailable/);
      expect(routeOf(summary, 'GET', '/test/ok')?.totalRequests).toBe(2);
      expect(routeOf(summary, 'GET', '/test/boom')?.errorRequests).toBe(1);
    } finally {
      await redis.stop().catch(() => {});
    }
  });
});

describe('recent traces', () => {
  let api: Instance;
  beforeAll(async () => {
    // below the floor: clamped to 100
    api = await instance({ REDIS_KEY_PREFIX: `${ctx.redisPrefix}:traces`, OBS_TRACE_BUFFER_LIMIT: '20' });
  });

  const traces = async (query = '') => {
    const response = await get(api, `/api/v1/admin/observability/traces${query}`, api.admin.authHeader);
    expect(response.statusCode).toBe(200);
    return response.json().data;
  };

  it('newest first, errors included, with the request id, the member and no query string', async () => {
    await get(api, '/test/ok?token=secret', { 'x-request-id': 'trace-ok-1' });
    await get(api, '/test/boom', { 'x-request-id': 'trace-boom-1' });
    await get(api, '/api/v1/users/me', { ...api.admin.authHeader, 'x-request-id': 'trace-me-1' });
    const { items, replica, bufferLimit } = await traces('?limit=3');
    expect(bufferLimit).toBe(100);
    expect(replica).toMatch(/:\d+$/);
    expect(items.map((item: { requestId: string }) => item.requestId)).toEqual([
      'trace-me-1',
      'trace-boom-1',
      'trace-ok-1',
    ]);
    expect(items[0]).toMatchObject({
      method: 'GET',
      path: '/api/v1/users/me',
      route: '/api/v1/users/me',
      statusCode: 200,
      userId: api.admin.user.id,
    });
    expect(items[1]).toMatchObject({
      path: '/test/boom',
      statusCode: 500,
      userId: null,
      route: '/test/boom',
    });
    expect(items[2]).toMatchObject({ path: '/test/ok', statusCode: 200 });
    expect(typeof items[2].ip).toBe('string');
    expect(items[2].durationMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(items[0].timestamp)).toBeGreaterThanOrEqual(Date.parse(items[2].timestamp));
  });

  it('filter by a case-insensitive path substring', async () => {
    await get(api, '/test/SLOW');
    await get(api, '/test/slow');
    const { items } = await traces('?pathContains=SlOw&limit=200');
    expect(items.length).toBe(2);
    expect(items.map((item: { path: string }) => item.path)).toEqual(['/test/slow', '/test/SLOW']);
  });

  it('keep at most the buffer limit, default 50 answered, limit 1..200', async () => {
    for (let i = 0; i < 130; i++) await get(api, `/test/ok?n=${i}`, { 'x-request-id': `bound-${i}` });
    const all = await traces('?limit=200');
    expect(all.items.length).toBe(100);
    expect(all.buffered).toBe(100);
    expect(all.items[0].requestId).toBe('bound-129');
    expect((await traces()).items.length).toBe(50);
    for (const bad of ['?limit=0', '?limit=201', '?limit=abc']) {
      const response = await get(api, `/api/v1/admin/observability/traces${bad}`, api.admin.authHeader);
      expect(response.statusCode, bad).toBe(400);
    }
  });
});

describe('dashboard', () => {
  it('combines process, metrics, queues, breakers, search sync, crawler and the ops summary', async () => {
    const api = await instance({ REDIS_KEY_PREFIX: `${ctx.redisPrefix}:dashboard` });
    await get(api, '/test/ok');
    const response = await get(api, '/api/v1/admin/observability/dashboard', api.admin.authHeader);
    expect(response.statusCode).toBe(200);
    const data = response.json().data;
    expect(data.process.uptimeSec).toBeGreaterThanOrEqual(0);
    expect(data.process.memory.heapUsed).toBeGreaterThan(0);
    expect(data.metrics).toMatchObject({ scope: 'cluster' });
    expect(data.metrics.totalRequests).toBeGreaterThanOrEqual(1);
    expect(data.queue.items.map((item: { queueName: string }) => item.queueName).sort()).toEqual([
      'activity-log',
      'crawler-collect',
      'push-delivery',
      'search-index-sync',
      'video-transcode',
    ]);
    expect(data.queue.items[0].counts).toEqual({
      waiting: expect.any(Number),
      active: expect.any(Number),
      delayed: expect.any(Number),
      completed: expect.any(Number),
      failed: expect.any(Number),
    });
    // every process's published breakers (none has opened one here: the worker test drives a breaker)
    expect(Array.isArray(data.resilience.circuits)).toBe(true);
    expect(data.resilience.adaptivePolicies.length).toBeGreaterThan(0);
    expect(data.searchSync).toEqual({
      pending: expect.any(Number),
      processing: expect.any(Number),
      completed: expect.any(Number),
      failed: expect.any(Number),
    });
    // the crawler admin area's run counts and the ops dashboard summary (its own test covers it)
    expect(data.crawler).toMatchObject({ totalRuns: expect.any(Number), failedRuns: expect.any(Number) });
    expect(data.opsSummary).toMatchObject({
      overallStatus: expect.any(String),
      alerts: expect.any(Array),
      rollbackSignals: expect.any(Array),
    });
    expect(data.errors).toEqual({});
  });

  it('is for admins only, like the other two', async () => {
    const api = await instance();
    const user = await createMember(api.deps, api.app);
    for (const path of ['metrics', 'traces', 'dashboard']) {
      const url = `/api/v1/admin/observability/${path}`;
      expect((await get(api, url)).statusCode, url).toBe(401);
      expect((await get(api, url, user.authHeader)).statusCode, url).toBe(403);
    }
  });
});

describe('GET /metrics (Prometheus)', () => {
  it('is not served without METRICS_TOKEN', async () => {
    const api = await instance();
    const response = await get(api, '/metrics');
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('NOT_FOUND');
  });

  it('needs the bearer token, and carries request durations, breaker states and process metrics in the text format', async () => {
    const api = await instance({ METRICS_TOKEN, REDIS_KEY_PREFIX: `${ctx.redisPrefix}:prometheus` });
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong-token-wrong-token' },
      { authorization: METRICS_TOKEN },
    ];
    for (const headers of attempts) {
      const refused = await get(api, '/metrics', headers);
      expect(refused.statusCode).toBe(401);
      expect(refused.json().error.code).toBe('UNAUTHORIZED');
    }
    await get(api, '/test/ok');
    await get(api, '/test/boom');
    await get(api, '/api/v1/products/999999999');
    await get(api, '/nowhere');
    const response = await get(api, '/metrics', { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parseExposition(response.body);

    const count = (labels: Record<string, string>) =>
      samplesOf(families, 'http_request_duration_seconds_count', labels)[0]?.value;
    expect(families.get('http_request_duration_seconds')?.type).toBe('histogram');
    expect(count({ method: 'GET', route: '/test/ok', status_code: '200', service: 'api' })).toBe(1);
    expect(count({ route: '/test/boom', status_code: '500' })).toBe(1);
    expect(count({ route: '/api/v1/products/:id', status_code: '404' })).toBe(1);
    expect(count({ route: '(unmatched)', status_code: '404' })).toBe(1);
    expect(count({ route: '/metrics', status_code: '401' })).toBe(3);

    // the API's breakers (none used here; worker-crawler's test drives one through its states)
    expect(families.get('pbshop_circuit_breaker_state')?.type).toBe('gauge');
    expect(samplesOf(families, 'pbshop_metrics_source_up', { source: 'breakers' })[0]?.value).toBe(1);
    expect(families.has('process_cpu_user_seconds_total')).toBe(true);
    expect(families.has('nodejs_eventloop_lag_seconds')).toBe(true);
  });
});
