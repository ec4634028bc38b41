// Crawler admin (API §26, contract §2.B.4): jobs CRUD with their BullMQ job schedulers (cron in
// Asia/Seoul, created, changed and removed with the job), manual runs and triggers recorded as
// QUEUED runs with their queue job, the run list and detail with filters, and the monitoring
// summary; against real PostgreSQL and Redis (no worker here: worker-crawler's tests run them).
import { crawlerRuns } from '@pbshop/db';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { createSeller } from './helpers/catalog.ts';
import { expectError, missingId } from './helpers/http.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, user: { role: 'USER' } } });
const { call } = api;
const queue = () => api.deps.producers.queues['crawler-collect'];

async function createJob(body: Record<string, unknown>) {
  const result = await call('POST', '/api/v1/crawler/admin/jobs', { headers: api.admin.authHeader, body });
  expect(result.status, JSON.stringify(result.body)).toBe(201);
  return result.body.data;
}

describe('crawler jobs (CRAW-01)', () => {
  it('creates a job with the storefront body, answers CrawlerJobItem and starts its schedule', async () => {
    const shop = await createSeller(api.app, api.admin.authHeader);
    const job = await createJob({
      sellerId: shop.id,
      name: '  매일 가격 수집 ',
      cronExpression: '0 */2 * * *',
      collectPrice: true,
      collectSpec: false,
      detectAnomaly: true,
      isActive: true,
    });
    expect(job).toMatchObject({
      id: expect.any(Number),
      sellerId: shop.id,
      name: '매일 가격 수집',
      cronExpression: '0 */2 * * *',
      schedule: '0 */2 * * *',
      timeZone: 'Asia/Seoul',
      collectPrice: true,
      collectSpec: false,
      detectAnomaly: true,
      isActive: true,
      status: 'IDLE',
      lastTriggeredAt: null,
      lastRunAt: null,
      consecutiveFailures: 0,
      disabledReason: null,
    });
    expect(job.nextRunAt).toEqual(expect.any(String));
    const scheduler = await queue().getJobScheduler(`crawler-job-${job.id}`);
    expect(scheduler).toMatchObject({ pattern: '0 */2 * * *', tz: 'Asia/Seoul' });
    // the next firing is on an even hour in Seoul
    const next = new Date(job.nextRunAt);
    expect((next.getUTCHours() + 9) % 2).toBe(0);
    expect(next.getUTCMinutes()).toBe(0);
  });

  it('takes the contract spec body (schedule, targetUrl) and the job’s pages and selectors', async () => {
    const shop = await createSeller(api.app, api.admin.authHeader);
    const job = await createJob({
      name: 'spec form',
      sellerId: shop.id,
      targetUrl: 'https://shop.example.com/p/1',
      categoryId: 1,
      schedule: '0 */6 * * *',
      parserType: 'COUPANG',
      config: { maxPages: 10, timeout: 30000 },
      listingUrls: ['https://shop.example.com/list'],
      selectors: { price: '.price', title: 'h1' },
    });
    expect(job).toMatchObject({
      cronExpression: '0 */6 * * *',
      targets: [{ url: 'https://shop.example.com/p/1' }],
      listingUrls: ['https://shop.example.com/list'],
      selectors: { price: '.price', title: 'h1' },
    });
  });

  it('changes the schedule with the job, removes it when the job is turned off or deleted', async () => {
    const shop = await createSeller(api.app, api.admin.authHeader);
    const job = await createJob({ sellerId: shop.id, name: 'moving', cronExpression: '0 3 * * *' });
    const changed = await call('PATCH', `/api/v1/crawler/admin/jobs/${job.id}`, {
      headers: api.admin.authHeader,
      body: { cronExpression: '30 4 * * 1', name: 'moved' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.data).toMatchObject({ name: 'moved', cronExpression: '30 4 * * 1' });
    expect(await queue().getJobScheduler(`crawler-job-${job.id}`)).toMatchObject({ pattern: '30 4 * * 1' });

    const off = await call('PATCH', `/api/v1/crawler/admin/jobs/${job.id}`, {
      headers: api.admin.authHeader,
      body: { isActive: false },
    });
    expect(off.body.data).toMatchObject({ isActive: false, status: 'DISABLED', nextRunAt: null });
    expect(await queue().getJobScheduler(`crawler-job-${job.id}`)).toBeUndefined();

    await call('PATCH', `/api/v1/crawler/admin/jobs/${job.id}`, {
      headers: api.admin.authHeader,
      body: { isActive: true },
    });
    expect(await queue().getJobScheduler(`crawler-job-${job.id}`)).toMatchObject({ pattern: '30 4 * * 1' });

    const cleared = await call('PATCH', `/api/v1/crawler/admin/jobs/${job.id}`, {
      headers: api.admin.authHeader,
      body: { cronExpression: null },
    });
    expect(cleared.body.data.cronExpression).toBeNull();
    expect(await queue().getJobScheduler(`crawler-job-${job.id}`)).toBeUndefined();

    const removed = await call('DELETE', `/api/v1/crawler/admin/jobs/${job.id}`, {
      headers: api.admin.authHeader,
    });
    expect(removed.status).toBe(200);
    expect(removed.body.data).toEqual({ success: true, message: expect.any(String) });
    expectError(
      await call('GET', `/api/v1/crawler/admin/jobs/${job.id}`, { headers: api.admin.authHeader }),
      404,
      'CRAWLER_JOB_NOT_FOUND',
    );
    expectError(
      await call('DELETE', `/api/v1/crawler/admin/jobs/${job.id}`, { headers: api.admin.authHeader }),
      404,
      'CRAWLER_JOB_NOT_FOUND',
    );
  });

  it('refuses a bad cron expression, an unknown seller and conflicting schedule names; leaves no job', async () => {
    const shop = await createSeller(api.app, api.admin.authHeader);
    for (const cronExpression of ['every day', '61 * * * *', '* * *', '0 0 31 2 * * *']) {
      const result = await call('POST', '/api/v1/crawler/admin/jobs', {
        headers: api.admin.authHeader,
        body: { sellerId: shop.id, name: 'bad cron', cronExpression },
      });
      expectError(result, 400, 'VALIDATION_ERROR');
    }
    expectError(
      await call('POST', '/api/v1/crawler/admin/jobs', {
        headers: api.admin.authHeader,
        body: { sellerId: missingId, name: 'nobody' },
      }),
      404,
      'SELLER_NOT_FOUND',
    );
    expectError(
      await call('POST', '/api/v1/crawler/admin/jobs', {
        headers: api.admin.authHeader,
        body: { sellerId: shop.id, name: 'two', cronExpression: '0 * * * *', schedule: '5 * * * *' },
      }),
      400,
      'VALIDATION_ERROR',
    );
    const list = await call('GET', `/api/v1/crawler/admin/jobs?sellerId=${shop.id}`, {
      headers: api.admin.authHeader,
    });
    expect(list.body.data.items).toEqual([]);
  });

  it('lists jobs as { items, meta } by seller and isActive', async () => {
    const shop = await createSeller(api.app, api.admin.authHeader);
    const on = await createJob({ sellerId: shop.id, name: 'on' });
    const off = await createJob({ sellerId: shop.id, name: 'off', isActive: false });
    const all = await call('GET', `/api/v1/crawler/admin/jobs?sellerId=${shop.id}&page=1&limit=1`, {
      headers: api.admin.authHeader,
    });
    expect(all.status).toBe(200);
    expect(all.body.data.meta).toEqual({
      totalItems: 2,
      itemCount: 1,
      itemsPerPage: 1,
      totalPages: 2,
      currentPage: 1,
    });
    expect(all.body.data.items.map((job: { id: number }) => job.id)).toEqual([off.id]);
    const active = await call('GET', `/api/v1/crawler/admin/jobs?sellerId=${shop.id}&isActive=true`, {
      headers: api.admin.authHeader,
    });
    expect(active.body.data.items.map((job: { id: number }) => job.id)).toEqual([on.id]);
  });

  it('is for administrators only', async () => {
    expectError(await call('GET', '/api/v1/crawler/admin/jobs'), 401, 'UNAUTHORIZED');
    expectError(
      await call('GET', '/api/v1/crawler/admin/jobs', { headers: api.user.authHeader }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await call('POST', '/api/v1/crawler/admin/triggers', {
        headers: api.user.authHeader,
        body: { sellerId: 1 },
      }),
      403,
      'FORBIDDEN',
    );
  });
});

describe('manual runs and triggers (CRAW-06), runs, monitoring (CRAW-04)', () => {
  it('runs a job now: a QUEUED MANUAL run with its queue job, listed and shown', async () => {
    const shop = await createSeller(api.app, api.admin.authHeader);
    const job = await createJob({
      sellerId: shop.id,
      name: 'now',
      targetUrl: 'https://shop.example.com/p/9',
    });
    const started = await call('POST', `/api/v1/crawler/admin/jobs/${job.id}/run`, {
      headers: api.admin.authHeader,
    });
    expect(started.status).toBe(202);
    expect(started.body.data).toMatchObject({
      id: expect.any(Number),
      runId: started.body.data.id,
      message: expect.any(String),
      jobId: job.id,
      sellerId: shop.id,
      productId: null,
      triggerType: 'MANUAL',
      status: 'QUEUED',
      startedAt: null,
      endedAt: null,
      durationMs: null,
      itemsProcessed: 0,
      collectedPriceCount: 0,
      collectedSpecCount: 0,
      anomalyCount: 0,
      errorMessage: null,
    });
    const queued = await queue().getJob(`crawler-run-${started.body.data.id}`);
    expect(queued?.data).toMatchObject({ runId: started.body.data.id, requestId: expect.any(String) });

    const detail = await call('GET', `/api/v1/crawler/admin/runs/${started.body.data.id}`, {
      headers: api.admin.authHeader,
    });
    expect(detail.body.data).toMatchObject({ id: started.body.data.id, status: 'QUEUED', itemErrors: [] });
    const shown = await call('GET', `/api/v1/crawler/admin/jobs/${job.id}`, {
      headers: api.admin.authHeader,
    });
    expect(shown.body.data).toMatchObject({ status: 'RUNNING', lastTriggeredAt: expect.any(String) });
  });

  it('triggers a seller (optionally one product); 404 for an unknown seller or job', async () => {
    const shop = await createSeller(api.app, api.admin.authHeader);
    const run = await call('POST', '/api/v1/crawler/admin/triggers', {
      headers: api.admin.authHeader,
      body: { sellerId: shop.id, productId: 12, collectSpec: false },
    });
    expect(run.status).toBe(202);
    expect(run.body.data).toMatchObject({
      sellerId: shop.id,
      productId: 12,
      jobId: null,
      triggerType: 'MANUAL',
      status: 'QUEUED',
      collectSpec: false,
    });
    expectError(
      await call('POST', '/api/v1/crawler/admin/triggers', {
        headers: api.admin.authHeader,
        body: { sellerId: missingId },
      }),
      404,
      'SELLER_NOT_FOUND',
    );
    expectError(
      await call('POST', `/api/v1/crawler/admin/jobs/${missingId}/run`, { headers: api.admin.authHeader }),
      404,
      'CRAWLER_JOB_NOT_FOUND',
    );
    expectError(
      await call('GET', `/api/v1/crawler/admin/runs/${missingId}`, { headers: api.admin.authHeader }),
      404,
      'CRAWLER_RUN_NOT_FOUND',
    );
  });

  it('lists runs newest first by status, job, seller and error class; monitoring counts them', async () => {
    const shop = await createSeller(api.app, api.admin.authHeader);
    const job = await createJob({ sellerId: shop.id, name: 'history' });
    const db = api.deps.database.db;
    const at = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    const [ok, failed] = await db
      .insert(crawlerRuns)
      .values([
        {
          jobId: job.id,
          sellerId: shop.id,
          triggerType: 'SCHEDULED',
          status: 'SUCCESS',
          startedAt: at(30),
          endedAt: at(29),
          durationMs: 60_000,
          itemsProcessed: 120,
          itemsUpdated: 20,
          itemsUnchanged: 100,
        },
        {
          jobId: job.id,
          sellerId: shop.id,
          triggerType: 'SCHEDULED',
          status: 'FAILED',
          startedAt: at(10),
          endedAt: at(9),
          durationMs: 1000,
          itemsProcessed: 2,
          itemsFailed: 2,
          errorClass: 'HTTP_5XX',
          errorMessage: '2 of 2 pages failed',
          itemErrors: [
            { url: 'https://a.example.com/1', errorClass: 'HTTP_5XX', message: 'answered 500' },
            { url: 'https://a.example.com/2', errorClass: 'TIMEOUT', message: 'no answer in time' },
          ],
        },
      ])
      .returning();
    const byJob = await call('GET', `/api/v1/crawler/admin/runs?jobId=${job.id}`, {
      headers: api.admin.authHeader,
    });
    expect(byJob.body.data.items.map((run: { id: number }) => run.id)).toEqual([failed!.id, ok!.id]);
    expect(byJob.body.data.items[1]).toMatchObject({
      duration: 60_000,
      durationMs: 60_000,
      finishedAt: expect.any(String),
      collectedPriceCount: 120,
    });
    const onlyFailed = await call(
      'GET',
      `/api/v1/crawler/admin/runs?status=FAILED&page=1&limit=20&sellerId=${shop.id}`,
      {
        headers: api.admin.authHeader,
      },
    );
    expect(onlyFailed.body.data.items).toEqual([
      expect.objectContaining({
        id: failed!.id,
        errorClass: 'HTTP_5XX',
        errorMessage: '2 of 2 pages failed',
      }),
    ]);
    const byClass = await call('GET', `/api/v1/crawler/admin/runs?errorClass=HTTP_5XX&jobId=${job.id}`, {
      headers: api.admin.authHeader,
    });
    expect(byClass.body.data.meta.totalItems).toBe(1);
    expectError(
      await call('GET', '/api/v1/crawler/admin/runs?status=STUCK', { headers: api.admin.authHeader }),
      400,
      'VALIDATION_ERROR',
    );

    const monitoring = await call('GET', '/api/v1/crawler/admin/monitoring', {
      headers: api.admin.authHeader,
    });
    expect(monitoring.status).toBe(200);
    const summary = monitoring.body.data;
    expect(summary).toMatchObject({
      totalRuns: expect.any(Number),
      queuedRuns: expect.any(Number),
      processingRuns: expect.any(Number),
      successRuns: expect.any(Number),
      failedRuns: expect.any(Number),
      successRate: expect.any(Number),
      latestRunAt: expect.any(String),
      latestSuccessAt: expect.any(String),
    });
    expect(summary.last24h.failuresByErrorClass.HTTP_5XX).toBeGreaterThanOrEqual(1);
    expect(summary.last24h.failuresByErrorClass.TIMEOUT).toBeGreaterThanOrEqual(1);
    expect(summary.last24h.itemsPerSecond).toBeGreaterThan(0);
    expect(summary.jobs.find((entry: { jobId: number }) => entry.jobId === job.id)).toMatchObject({
      latestRunStatus: 'FAILED',
      latestSuccessAt: expect.any(String),
      consecutiveFailures: 0,
    });
    const [stored] = await db.select().from(crawlerRuns).where(eq(crawlerRuns.id, failed!.id));
    expect(stored?.itemErrors).toHaveLength(2);
  });
});
