// Ops dashboard (contract §2.B.7) and the ops runbook §6 rollback signals: every part read at once,
// a part that cannot be read leaves the answer 200 and degraded; alerts from the OPS_ALERT_*
// thresholds; rollback signals from the request metrics (a search-like test route answering 500s),
// the failed job counts and integrity checks in PostgreSQL. OpenSearch is reached through a TCP
// proxy the test stops and starts.
import { createTestContext, startTcpProxy, type TcpProxy, type TestContext, waitFor } from '@pbshop/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import type { ApiDeps } from '../src/deps.ts';
import { createCategory, uniqueName } from './helpers/catalog.ts';
import { clearFailed, failedJob } from './helpers/queues.ts';
import { buildTestApp, createMember, type Member } from './helpers/users.ts';

interface Summary {
  checkedAt: string;
  overallStatus: 'up' | 'degraded' | 'down';
  health: { status: string; checks: Record<string, { status: string }> } | null;
  searchSync: { pending: number; processing: number; completed: number; failed: number } | null;
  crawler: { totalRuns: number; failedRuns: number } | null;
  queue: { total: number; items: { queueName: string; counts: { failed: number } }[] } | null;
  errors: Record<string, string>;
  alerts: { key: string; severity: 'warning' | 'critical'; message: string }[];
  alertCount: number;
  rollbackSignals: { key: string; firing: boolean; evidence: string }[];
}

interface Instance {
  app: App;
  deps: ApiDeps;
  admin: Member;
}

const SUMMARY = '/api/v1/admin/ops-dashboard/summary';

let ctx: TestContext;
let proxy: TcpProxy;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  ctx = await createTestContext();
  const target = new URL(ctx.env.OPENSEARCH_URL as string);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  closers.push(() => proxy.close());
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await ctx?.cleanup();
});

/** An app reaching OpenSearch through the proxy, with a search-like test route that answers 500 or 200. */
async function instance(env: Record<string, string> = {}): Promise<Instance> {
  const { app, deps, close } = await buildTestApp(ctx, {
    OPENSEARCH_URL: proxy.url,
    LOG_LEVEL: 'fatal',
    HEALTH_CACHE_MS: '0',
    HEALTH_PROBE_TIMEOUT_MS: '1000',
    OBS_FLUSH_INTERVAL_MS: '200',
    OPS_DASHBOARD_CACHE_MS: '0',
    OPS_ROLLBACK_ERROR_RATE_THRESHOLD: '0.5',
    OPS_ROLLBACK_MIN_REQUESTS: '4',
    OPS_ROLLBACK_FAILED_JOBS_LOOKBACK_MS: '500',
    ...env,
  });
  closers.push(close);
  const open = { config: { access: 'public' as const } };
  app.get('/api/v1/search/test-outcome', open, async (request, reply) => {
    if ((request.query as { fail?: string }).fail === '1') {
      return reply.code(500).send({ success: false, message: 'test failure' });
    }
    return { success: true, data: { ok: true } };
  });
  await app.ready();
  const admin = await createMember(deps, app, { role: 'ADMIN' });
  return { app, deps, admin };
}

async function summary(api: Instance): Promise<Summary> {
  const response = await api.app.inject({ method: 'GET', url: SUMMARY, headers: api.admin.authHeader });
  expect(response.statusCode, response.body).toBe(200);
  const body = response.json().data as Summary;
  expect(body.alertCount).toBe(body.alerts.length);
  return body;
}

const signal = (body: Summary, key: string) => body.rollbackSignals.find((entry) => entry.key === key);
const alertKeys = (body: Summary) => body.alerts.map((alert) => alert.key);

describe('GET /admin/ops-dashboard/summary', () => {
  let api: Instance;
  beforeAll(async () => {
    api = await instance({
      REDIS_KEY_PREFIX: `${ctx.redisPrefix}:all-up`,
      // every part must be read here: on a loaded machine (the whole suite beside ./scripts/dev.sh)
      // a part can take more than the default second; the outage tests keep their own short bounds
      HEALTH_PROBE_TIMEOUT_MS: '5000',
      OPS_DASHBOARD_PART_TIMEOUT_MS: '5000',
    });
  });

  it('is for admins only', async () => {
    expect((await api.app.inject({ method: 'GET', url: SUMMARY })).statusCode).toBe(401);
    const user = await createMember(api.deps, api.app);
    expect((await api.app.inject({ method: 'GET', url: SUMMARY, headers: user.authHeader })).statusCode).toBe(
      403,
    );
  });

  it('with everything up: overallStatus up, every part read, no alert, no rollback signal firing', async () => {
    const body = await summary(api);
    expect(body.overallStatus, JSON.stringify(body.errors)).toBe('up');
    expect(body.errors).toEqual({});
    expect(body.alerts).toEqual([]);
    expect(body.health?.status).toBe('up');
    expect(body.searchSync).toMatchObject({ failed: 0 });
    expect(body.crawler).toMatchObject({ totalRuns: expect.any(Number), failedRuns: 0 });
    expect(body.queue?.total).toBe(5);
    expect(body.rollbackSignals.map((entry) => entry.key)).toEqual([
      'payment_order_failures',
      'search_error_rate',
      'price_comparison_error_rate',
      'failed_jobs_rising',
      'integrity_lowest_price',
      'integrity_outbox_stuck',
      'integrity_negative_stock',
    ]);
    for (const entry of body.rollbackSignals) expect(entry.firing, entry.evidence).toBe(false);
    expect(signal(body, 'payment_order_failures')?.evidence).toMatch(
      /failures per minute over the last 10 min/,
    );
  });

  it('with OpenSearch stopped: still 200, health degraded with a critical alert; back up, the alert clears', async () => {
    await proxy.stop();
    try {
      const body = await summary(api);
      expect(body.health?.status).toBe('degraded');
      expect(body.health?.checks.opensearch?.status).toBe('down');
      expect(body.alerts).toContainEqual(
        expect.objectContaining({
          key: 'health',
          severity: 'critical',
          message: expect.stringMatching(/opensearch/),
        }),
      );
      // an unhealthy health part is read, not failed: the contract keeps overallStatus for unread parts
      expect(body.overallStatus).toBe('up');
    } finally {
      await proxy.start();
    }
    await waitFor('the health alert to clear', async () => !alertKeys(await summary(api)).includes('health'));
  });

  it('a 500-heavy search route fires the error-rate rollback signal; successes dominating clear it', async () => {
    for (let i = 0; i < 6; i++) {
      const response = await api.app.inject({ method: 'GET', url: '/api/v1/search/test-outcome?fail=1' });
      expect(response.statusCode).toBe(500);
    }
    const firing = await summary(api);
    expect(signal(firing, 'search_error_rate')).toMatchObject({ firing: true });
    expect(signal(firing, 'search_error_rate')?.evidence).toMatch(/6 of 6 requests answered 5xx/);
    expect(signal(firing, 'price_comparison_error_rate')?.firing).toBe(false);
    expect(firing.alerts).toContainEqual(
      expect.objectContaining({ key: 'rollback:search_error_rate', severity: 'critical' }),
    );

    for (let i = 0; i < 10; i++) {
      expect((await api.app.inject({ method: 'GET', url: '/api/v1/search/test-outcome' })).statusCode).toBe(
        200,
      );
    }
    const cleared = await summary(api);
    expect(signal(cleared, 'search_error_rate')).toMatchObject({ firing: false });
    expect(signal(cleared, 'search_error_rate')?.evidence).toMatch(/6 of 16 requests/);
    expect(alertKeys(cleared)).not.toContain('rollback:search_error_rate');
  });

  it('a product whose lowest_price disagrees with its offers fires the integrity signal', async () => {
    const category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('정합성') });
    const created = await api.app.inject({
      method: 'POST',
      url: '/api/v1/products',
      headers: api.admin.authHeader,
      payload: { categoryId: category.id, name: uniqueName('정합성 상품') },
    });
    expect(created.statusCode, created.body).toBe(201);
    const productId = created.json().data.id as number;

    await api.deps.database.db.execute(sql`update products set lowest_price = 12345 where id = ${productId}`);
    const broken = await summary(api);
    expect(signal(broken, 'integrity_lowest_price')).toMatchObject({ firing: true });
    expect(signal(broken, 'integrity_lowest_price')?.evidence).toContain(
      `product ${productId}: lowest_price 12345`,
    );
    expect(alertKeys(broken)).toContain('rollback:integrity_lowest_price');

    await api.deps.database.db.execute(sql`update products set lowest_price = null where id = ${productId}`);
    expect(signal(await summary(api), 'integrity_lowest_price')?.firing).toBe(false);
  });

  it('negative stock: fires when the CHECK that forbids it is not in force, clears once it is again', async () => {
    const db = api.deps.database.db;
    expect(signal(await summary(api), 'integrity_negative_stock')?.evidence).toMatch(/validated CHECK/);
    await db.execute(sql`alter table offers drop constraint offers_stock_check`);
    await db.execute(sql`alter table offers add constraint offers_stock_check check (stock >= 0) not valid`);
    try {
      const broken = await summary(api);
      expect(signal(broken, 'integrity_negative_stock')).toMatchObject({ firing: true });
      expect(signal(broken, 'integrity_negative_stock')?.evidence).toContain('offers_stock_check');
    } finally {
      await db.execute(sql`alter table offers validate constraint offers_stock_check`);
    }
    expect(signal(await summary(api), 'integrity_negative_stock')?.firing).toBe(false);
  });

  it('outbox rows stuck PENDING past the bound fire the integrity signal', async () => {
    const stuck = await instance({
      REDIS_KEY_PREFIX: `${ctx.redisPrefix}:all-up`,
      OPS_ROLLBACK_OUTBOX_STUCK_MS: '100',
    });
    await api.deps.database.db.execute(
      sql`update search_outbox set available_at = now() - interval '1 minute' where status = 'PENDING'`,
    );
    const body = await summary(stuck);
    expect(signal(body, 'integrity_outbox_stuck')).toMatchObject({ firing: true });
    expect(signal(body, 'integrity_outbox_stuck')?.evidence).toMatch(/outbox rows PENDING/);
    // the default bound (10 minutes) does not call those rows stuck
    expect(signal(await summary(api), 'integrity_outbox_stuck')?.firing).toBe(false);
  });
});

describe('queue alerts and the failed-jobs rollback signal', () => {
  it('a failed job raises the queue alert at threshold 1, and rising failures fire the signal', async () => {
    const api = await instance({ REDIS_KEY_PREFIX: `${ctx.redisPrefix}:queues` });
    const before = await summary(api);
    expect(alertKeys(before)).not.toContain('queue');
    // the count to compare with must be older than the lookback (500 ms here)
    await new Promise((resolve) => setTimeout(resolve, 700));

    await failedJob(api.deps, 'activity-log');
    const body = await summary(api);
    expect(body.alerts).toContainEqual({
      key: 'queue',
      severity: 'warning',
      message: expect.stringMatching(/queue activity-log has 1 failed jobs \(threshold 1\)/),
    });
    expect(signal(body, 'failed_jobs_rising')).toMatchObject({ firing: true });
    expect(signal(body, 'failed_jobs_rising')?.evidence).toMatch(/rose from 0 to 1/);
    expect(alertKeys(body)).toContain('rollback:failed_jobs_rising');

    // threshold 0 disables the queue alert
    const disabled = await instance({
      REDIS_KEY_PREFIX: `${ctx.redisPrefix}:queues`,
      OPS_ALERT_QUEUE_FAILED_THRESHOLD: '0',
    });
    expect(alertKeys(await summary(disabled))).not.toContain('queue');

    // once the failed jobs are gone (retried or removed), nothing is rising any more
    await clearFailed(api.deps);
    await waitFor('the failed-jobs signal to clear', async () => {
      const now = await summary(api);
      return signal(now, 'failed_jobs_rising')?.firing === false && !alertKeys(now).includes('queue');
    });
  });

  it('a part that cannot be read leaves the answer 200 and degraded, its cause in errors', async () => {
    const api = await instance({ REDIS_KEY_PREFIX: `${ctx.redisPrefix}:degraded` });
    // the crawler part's table is out of reach (this file's own database): a real PostgreSQL error
    await api.deps.database.db.execute(sql`alter table crawler_runs rename to crawler_runs_away`);
    try {
      const body = await summary(api);
      expect(body.overallStatus).toBe('degraded');
      expect(body.crawler).toBeNull();
      expect(body.errors.crawler).toMatch(/crawler_runs/);
      // the other parts are read as ever (health's own status depends on this machine's load:
      // an FFmpeg or OpenSearch probe past its 1.5 s under a busy full run makes it degraded)
      expect(body.health?.checks.database?.status).toBe('up');
      expect(body.errors).not.toHaveProperty('health');
      expect(body.queue?.total).toBe(5);
      expect(body.alerts).toContainEqual(
        expect.objectContaining({
          key: 'partial_failure',
          severity: 'critical',
          message: expect.stringMatching(/crawler/),
        }),
      );
    } finally {
      await api.deps.database.db.execute(sql`alter table crawler_runs_away rename to crawler_runs`);
    }
    expect((await summary(api)).overallStatus).toBe('up');
  });
});
