// SRCH index sync through an OpenSearch outage (runbook §4.2, §5.1): worker-search (its own
// process) and the API reach OpenSearch through a TCP proxy the test stops and starts. Changes made
// while it is down back off, end FAILED with their error, the status endpoint still answers; once it
// is back, requeue-failed brings every change in: nothing lost, nothing duplicated.
import { products, searchOutbox } from '@pbshop/db';
import { productAlias } from '@pbshop/search';
import { waitFor } from '@pbshop/testing';
import { and, eq, isNull, ne } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { type CategoryData, createCategory, createSeller, uniqueName } from './helpers/catalog.ts';
import { indexedDocument, indexedIds, setupSearchSyncTest, waitForDocument } from './helpers/search-sync.ts';

let category: CategoryData;

const api = setupSearchSyncTest({ proxy: 'worker and api', workerEnv: { SEARCH_OUTBOX_MAX_ATTEMPTS: '2' } });
const { call, write } = api;

beforeAll(async () => {
  category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('모니터') });
});
const createProduct = (name: string) =>
  write<{ id: number; version: number }>('POST', '/api/v1/products', { categoryId: category.id, name });

async function summary() {
  const { body } = await call('GET', '/api/v1/search/admin/index/outbox/summary', {
    headers: api.admin.authHeader,
  });
  return body.data as { pending: number; processing: number; completed: number; failed: number };
}

it('changes made while OpenSearch is down end FAILED, and after requeue-failed all land exactly once', async () => {
  const before = await Promise.all([1, 2, 3, 4].map((n) => createProduct(`모니터 ${n}`)));
  for (const product of before) {
    await waitForDocument(api.ctx, product.id, (doc) => doc !== null, 'the products made before the outage');
  }
  const seller = await createSeller(api.app, api.admin.authHeader);

  await api.proxy.stop();
  const [first, second, third, fourth] = before as [
    (typeof before)[0],
    (typeof before)[0],
    (typeof before)[0],
    (typeof before)[0],
  ];
  const during = await Promise.all([5, 6, 7].map((n) => createProduct(`모니터 ${n}`)));
  await write('PATCH', `/api/v1/products/${first.id}`, { name: '모니터 1 (개정)', version: first.version });
  await write('PATCH', `/api/v1/products/${second.id}`, { name: '모니터 2 (개정)', version: second.version });
  await write('DELETE', `/api/v1/products/${third.id}`);
  await write('POST', `/api/v1/products/${fourth.id}/prices`, {
    sellerId: seller.id,
    price: 399_000,
    url: 'https://shop.example.com/m4',
  });
  const outageRows = 3 + 2 + 1 + 1;

  // each row backs off, then FAILS on its last attempt with the error it met
  const settled = await waitFor(
    'the outage rows to end FAILED',
    async () => {
      const current = await summary();
      return current.failed === outageRows && current.pending === 0 && current.processing === 0 && current;
    },
    45_000,
    200,
  );
  expect(settled.completed).toBe(4);
  const failedRows = await api.deps.database.db
    .select()
    .from(searchOutbox)
    .where(eq(searchOutbox.status, 'FAILED'));
  expect(failedRows).toHaveLength(outageRows);
  for (const row of failedRows) {
    expect(row.attemptCount).toBe(2);
    expect(row.lastError).toMatch(/ECONNREFUSED|ECONNRESET|hang up|circuit|connect/i);
    expect(row.lastError!.length).toBeLessThanOrEqual(500);
  }
  // nothing reached the index meanwhile
  expect((await indexedDocument(api.ctx, first.id))?._source.name).toBe('모니터 1');
  expect(await indexedDocument(api.ctx, during[0]!.id)).toBeNull();

  // the status endpoint answers without OpenSearch, and says why
  const down = await call('GET', '/api/v1/search/admin/index/status', { headers: api.admin.authHeader });
  expect(down.status).toBe(200);
  expect(down.body.data).toMatchObject({
    exists: false,
    index: null,
    documentCount: null,
    missingDocuments: null,
    productCount: 6,
    error: expect.stringMatching(/OpenSearch unavailable/),
  });

  await api.proxy.start();
  const requeued = await call('POST', '/api/v1/search/admin/index/outbox/requeue-failed', {
    headers: api.admin.authHeader,
  });
  expect(requeued).toMatchObject({ status: 200, body: { data: { requeuedCount: outageRows } } });

  // the worker's breaker may still be open for a few seconds: it waits for it instead of failing
  await waitFor(
    'every row to be synced',
    async () => {
      const current = await summary();
      return current.completed === 4 + outageRows && current.failed === 0 && current.pending === 0;
    },
    30_000,
    200,
  );

  // every change landed; the index holds exactly the live products, each once, as PostgreSQL has them
  const live = await api.deps.database.db
    .select({ id: products.id, name: products.name, lowestPrice: products.lowestPrice })
    .from(products)
    .where(and(isNull(products.deletedAt), ne(products.status, 'HIDDEN')));
  expect(await indexedIds(api.ctx)).toEqual(live.map((row) => row.id).sort((a, b) => a - b));
  for (const row of live) {
    const document = await indexedDocument(api.ctx, row.id);
    expect(document?._source).toMatchObject({ name: row.name, lowestPrice: row.lowestPrice });
  }
  expect((await indexedDocument(api.ctx, fourth.id))?._source.lowestPrice).toBe(399_000);
  expect(await indexedDocument(api.ctx, third.id)).toBeNull();

  const up = await waitFor('the status to see the index again', async () => {
    const { body } = await call('GET', '/api/v1/search/admin/index/status', {
      headers: api.admin.authHeader,
    });
    return body.data.exists === true && body.data;
  });
  expect(up).toMatchObject({ documentCount: 6, productCount: 6, missingDocuments: 0, error: null });
  expect(api.worker.logs.some((line) => line.msg === 'outbox drain stopped: the batch failed')).toBe(true);
});

it('a slow OpenSearch: searches past their time limit are given up and answered from PostgreSQL, and the API lives on', async () => {
  const product = await createProduct(uniqueName('느린모니터'));
  await waitForDocument(api.ctx, product.id, (doc) => doc !== null, 'the product to be indexed');
  // searchable now, not at the next refresh (the document read above is real-time, search is not)
  await api.deps.search.indices.refresh({ index: productAlias(api.ctx.indexPrefix) });
  api.proxy.setDelay(1500);
  try {
    // autocomplete gives up after 800 ms: the abort reaches the OpenSearch request under way
    const { status, body } = await call(
      'GET',
      `/api/v1/search/autocomplete?q=${encodeURIComponent('느린모')}`,
    );
    expect(status).toBe(200);
    expect(body.meta.degraded).toBe(true);
    expect(body.data.products.map((hit: { id: number }) => hit.id)).toContain(product.id);
  } finally {
    api.proxy.setDelay(0);
  }
  // an aborted request rejects nothing unhandled (the test run would report it) and the next
  // autocomplete is answered by OpenSearch again
  const again = await waitFor('autocomplete from OpenSearch again', async () => {
    const { body } = await call('GET', `/api/v1/search/autocomplete?q=${encodeURIComponent('느린모니')}`);
    return body.meta.degraded === false && body;
  });
  expect(again.data.products.map((hit: { id: number }) => hit.id)).toContain(product.id);
});
