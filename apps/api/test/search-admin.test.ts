// Search admin API (API §25, ops §2.B.3; runbook §4.2, §5.1): index status, outbox summary,
// requeue-failed, single-product and full reindex. Admins only; inputs checked; counts right; each
// action leaves its outbox rows / run and wakes worker-search through the queue. No worker runs here.
import { searchOutbox, searchReindexRuns } from '@pbshop/db';
import { PRODUCT_MAPPING_VERSION, productAlias } from '@pbshop/search';
import { eq, sql } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { createCategory, uniqueName } from './helpers/catalog.ts';
import { expectError, type Method, missingId } from './helpers/http.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, user: { role: 'USER' } } });
const { call } = api;
let productId: number;

beforeAll(async () => {
  const category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('스피커') });
  const created = await call('POST', '/api/v1/products', {
    headers: api.admin.authHeader,
    body: { categoryId: category.id, name: '블루투스 스피커' },
  });
  productId = created.body.data.id;
});

beforeEach(async () => {
  await api.deps.database.db.delete(searchOutbox);
  await api.deps.producers.queues['search-index-sync'].obliterate({ force: true });
});

const base = '/api/v1/search/admin/index';
const routes: [Method, string][] = [
  ['GET', `${base}/status`],
  ['GET', `${base}/outbox/summary`],
  ['POST', `${base}/outbox/requeue-failed`],
  ['POST', `${base}/products/${missingId}/reindex`],
  ['POST', `${base}/reindex`],
];

async function queuedJobs() {
  const jobs = await api.deps.producers.queues['search-index-sync'].getJobs([
    'wait',
    'delayed',
    'prioritized',
  ]);
  return jobs.map((job) => ({ id: job.id, data: job.data, attempts: job.opts.attempts }));
}

async function outboxRows(status: 'PENDING' | 'PROCESSING' | 'COMPLETED' | 'FAILED', count: number) {
  await api.deps.database.db.insert(searchOutbox).values(
    Array.from({ length: count }, () => ({
      eventType: 'PRODUCT_UPSERT' as const,
      aggregateId: productId,
      status,
      attemptCount: status === 'FAILED' ? 8 : 0,
      lastError: status === 'FAILED' ? 'connect ECONNREFUSED' : null,
      processedAt: status === 'COMPLETED' ? new Date() : null,
    })),
  );
}

describe('access', () => {
  it.each(routes)('%s %s: anonymous 401, USER 403', async (method, url) => {
    expectError(await call(method, url), 401, 'UNAUTHORIZED');
    expectError(await call(method, url, { headers: api.user.authHeader }), 403, 'FORBIDDEN');
  });

  it('every route declares admin access', () => {
    const declared = api.app.routeAccess.filter((route) => route.url.startsWith(base));
    expect(declared).toHaveLength(5);
    expect(declared.every((route) => route.access === 'admin')).toBe(true);
  });
});

describe('GET /search/admin/index/status', () => {
  it('answers before the index exists (no worker has run), naming the alias and the counts', async () => {
    await outboxRows('PENDING', 2);
    await api.deps.database.db.update(searchOutbox).set({ createdAt: sql`now() - interval '30 seconds'` });
    const { status, body } = await call('GET', `${base}/status`, { headers: api.admin.authHeader });
    expect(status).toBe(200);
    expect(body.data).toEqual({
      alias: productAlias(api.ctx.indexPrefix),
      index: null,
      exists: false,
      documentCount: 0,
      productCount: 1,
      missingDocuments: 1,
      analyzer: null,
      mappingVersion: null,
      latestMappingVersion: PRODUCT_MAPPING_VERSION,
      lastSyncAt: null,
      outboxLag: { pending: 2, oldestPendingAgeSeconds: expect.any(Number) },
      reindex: null,
      error: expect.stringMatching(/does not exist/),
    });
    expect(body.data.outboxLag.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(29);
  });
});

describe('GET /search/admin/index/outbox/summary', () => {
  it('counts rows by status', async () => {
    await outboxRows('PENDING', 3);
    await outboxRows('PROCESSING', 1);
    await outboxRows('COMPLETED', 4);
    await outboxRows('FAILED', 2);
    const { status, body } = await call('GET', `${base}/outbox/summary`, { headers: api.admin.authHeader });
    expect(status).toBe(200);
    expect(body.data).toEqual({
      pending: 3,
      processing: 1,
      completed: 4,
      failed: 2,
      oldestPendingAgeSeconds: expect.any(Number),
      lastProcessedAt: expect.any(String),
    });
  });

  it('an empty outbox: zeros and nulls', async () => {
    const { body } = await call('GET', `${base}/outbox/summary`, { headers: api.admin.authHeader });
    expect(body.data).toEqual({
      pending: 0,
      processing: 0,
      completed: 0,
      failed: 0,
      oldestPendingAgeSeconds: null,
      lastProcessedAt: null,
    });
  });
});

describe('POST /search/admin/index/outbox/requeue-failed', () => {
  it.each(['0', '1001', 'abc', '1.5'])('limit=%s is 400 VALIDATION_ERROR', async (limit) => {
    const result = await call('POST', `${base}/outbox/requeue-failed?limit=${limit}`, {
      headers: api.admin.authHeader,
    });
    expectError(result, 400, 'VALIDATION_ERROR');
    expect(result.body.error.details).toEqual([expect.objectContaining({ field: 'querystring.limit' })]);
  });

  it('requeues up to `limit` FAILED rows (default 100) with attempts reset, and wakes the worker', async () => {
    await outboxRows('FAILED', 5);
    await outboxRows('COMPLETED', 1);
    const first = await call('POST', `${base}/outbox/requeue-failed?limit=2`, {
      headers: api.admin.authHeader,
    });
    expect(first).toMatchObject({ status: 200, body: { success: true, data: { requeuedCount: 2 } } });
    const rest = await call('POST', `${base}/outbox/requeue-failed`, { headers: api.admin.authHeader });
    expect(rest.body.data).toEqual({ requeuedCount: 3 });
    const none = await call('POST', `${base}/outbox/requeue-failed`, { headers: api.admin.authHeader });
    expect(none.body.data).toEqual({ requeuedCount: 0 });

    const rows = await api.deps.database.db.select().from(searchOutbox);
    expect(rows.filter((row) => row.status === 'PENDING').map((row) => row.attemptCount)).toEqual([
      0, 0, 0, 0, 0,
    ]);
    expect(rows.filter((row) => row.status === 'COMPLETED')).toHaveLength(1);
    // one wake-up job (a burst of wake-ups is one job until the worker takes it)
    expect(await queuedJobs()).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ reason: 'requeue' }) }),
    ]);
  });
});

describe('POST /search/admin/index/products/:id/reindex', () => {
  it('a malformed id is 400, an unknown one 404 PRODUCT_NOT_FOUND (nothing recorded)', async () => {
    expectError(
      await call('POST', `${base}/products/not-an-id/reindex`, { headers: api.admin.authHeader }),
      400,
      'VALIDATION_ERROR',
    );
    expectError(
      await call('POST', `${base}/products/${missingId}/reindex`, { headers: api.admin.authHeader }),
      404,
      'PRODUCT_NOT_FOUND',
    );
    expect(await api.deps.database.db.select().from(searchOutbox)).toEqual([]);
  });

  it('202: an outbox row for the product, and a wake-up job naming it', async () => {
    const result = await call('POST', `${base}/products/${productId}/reindex`, {
      headers: { ...api.admin.authHeader, 'x-request-id': 'reindex-one-product' },
    });
    expect(result).toMatchObject({
      status: 202,
      body: { success: true, data: { message: 'product reindex queued', productId } },
    });
    const rows = await api.deps.database.db.select().from(searchOutbox);
    expect(rows).toEqual([
      expect.objectContaining({
        eventType: 'PRODUCT_UPSERT',
        aggregateId: productId,
        status: 'PENDING',
        payload: { reason: 'admin-reindex' },
      }),
    ]);
    expect(await queuedJobs()).toEqual([
      expect.objectContaining({
        data: { requestId: 'reindex-one-product', reason: 'product-reindex', productId },
      }),
    ]);
  });
});

describe('POST /search/admin/index/reindex', () => {
  it('202 with the job and run ids; a second request while it is queued is 409 CONFLICT', async () => {
    const first = await call('POST', `${base}/reindex`, {
      headers: { ...api.admin.authHeader, 'x-request-id': 'full-reindex-1' },
    });
    expect(first.status).toBe(202);
    const { runId, jobId } = first.body.data;
    expect(first.body.data).toEqual({ message: 'full reindex queued', queued: true, jobId, runId });
    const [run] = await api.deps.database.db
      .select()
      .from(searchReindexRuns)
      .where(eq(searchReindexRuns.id, runId));
    expect(run).toMatchObject({ status: 'QUEUED', requestedBy: api.admin.user.id, targetIndex: null });
    expect(await queuedJobs()).toEqual([
      { id: jobId, data: { requestId: 'full-reindex-1', reason: 'full-reindex', runId }, attempts: 1 },
    ]);

    const second = await call('POST', `${base}/reindex`, { headers: api.admin.authHeader });
    expectError(second, 409, 'CONFLICT');
    expect(second.body.error.details).toMatchObject({ runId, status: 'QUEUED' });
    expect(second.body.requestId).toEqual(expect.any(String));

    const { body } = await call('GET', `${base}/status`, { headers: api.admin.authHeader });
    expect(body.data.reindex).toMatchObject({
      id: runId,
      status: 'QUEUED',
      indexedProducts: 0,
      totalProducts: null,
      progressPercent: 0,
    });

    // once the run ended, a new one is accepted
    await api.deps.database.db
      .update(searchReindexRuns)
      .set({ status: 'FAILED' })
      .where(eq(searchReindexRuns.id, runId));
    const third = await call('POST', `${base}/reindex`, { headers: api.admin.authHeader });
    expect(third.status).toBe(202);
    expect(third.body.data.runId).not.toBe(runId);
  });

  it('two requests at the same moment start one run', async () => {
    await api.deps.database.db.update(searchReindexRuns).set({ status: 'COMPLETED' });
    const results = await Promise.all(
      Array.from({ length: 4 }, () => call('POST', `${base}/reindex`, { headers: api.admin.authHeader })),
    );
    expect(results.map((result) => result.status).sort()).toEqual([202, 409, 409, 409]);
    const active = await api.deps.database.db
      .select()
      .from(searchReindexRuns)
      .where(eq(searchReindexRuns.status, 'QUEUED'));
    expect(active).toHaveLength(1);
  });
});
