// Full reindex (POST /search/admin/index/reindex, SRCH-06): worker-search (its own process) builds
// `<alias>-v2` while writes continue through the API and searches keep answering from v1; the new
// index ends up with every change, the alias is swapped in one step and v1 is deleted.
import { products, searchOutbox } from '@pbshop/db';
import { PRODUCT_MAPPING_VERSION, productAlias } from '@pbshop/search';
import { opensearch, waitFor } from '@pbshop/testing';
import { and, isNull, ne, sql } from 'drizzle-orm';
import { beforeAll, expect, it } from 'vitest';
import { type CategoryData, createCategory, createSeller, uniqueName } from './helpers/catalog.ts';
import { expectError } from './helpers/http.ts';
import { indexedIds, setupSearchSyncTest, waitForDocument } from './helpers/search-sync.ts';

const SEEDED = 600;

let category: CategoryData;
let alias: string;

// the worker reaches OpenSearch through a slightly slow proxy, so the copy takes a few seconds
const api = setupSearchSyncTest({ proxy: 'worker', workerEnv: { SEARCH_REINDEX_BATCH_SIZE: '50' } });
const { call, write } = api;

beforeAll(async () => {
  alias = productAlias(api.ctx.indexPrefix);
  category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('카메라') });
});

async function indexNames(): Promise<string[]> {
  const { body } = await opensearch<{ index: string }[]>(
    api.ctx.env.OPENSEARCH_URL!,
    `/_cat/indices/${api.ctx.indexPrefix}-*?format=json`,
  );
  return body.map((row) => row.index).sort();
}

it('rebuilds into v2 while writes continue and searches answer; every change is in v2, v1 is gone', async () => {
  // a bulk import that bypassed the outbox: the live index misses these products
  await api.deps.database.db.execute(sql`
    insert into products (category_id, name, brand)
    select ${category.id}::bigint, '미러리스 ' || n, 'Brand ' || (n % 7) from generate_series(1, ${SEEDED}) n`);
  const synced = await write<{ id: number }>('POST', '/api/v1/products', {
    categoryId: category.id,
    name: '캐논 R6',
  });
  await waitForDocument(api.ctx, synced.id, (doc) => doc !== null, 'the synced product');
  // the document count is of refreshed documents (a second at most)
  await opensearch(api.ctx.env.OPENSEARCH_URL!, `/${alias}/_refresh`, { method: 'POST' });
  const before = await call('GET', '/api/v1/search/admin/index/status', { headers: api.admin.authHeader });
  expect(before.body.data).toMatchObject({
    index: `${alias}-v1`,
    exists: true,
    documentCount: 1,
    productCount: SEEDED + 1,
    missingDocuments: SEEDED,
    mappingVersion: PRODUCT_MAPPING_VERSION,
    latestMappingVersion: PRODUCT_MAPPING_VERSION,
    reindex: null,
  });
  const seller = await createSeller(api.app, api.admin.authHeader);

  api.proxy.setDelay(40);
  const queued = await call('POST', '/api/v1/search/admin/index/reindex', { headers: api.admin.authHeader });
  expect(queued.status).toBe(202);
  expect(queued.body.data).toEqual({
    message: 'full reindex queued',
    queued: true,
    jobId: expect.any(String),
    runId: expect.any(Number),
  });
  // one at a time
  const again = await call('POST', '/api/v1/search/admin/index/reindex', { headers: api.admin.authHeader });
  expectError(again, 409, 'CONFLICT');
  expect(again.body.error.details).toMatchObject({ runId: queued.body.data.runId });

  // writes and searches go on until the run ends
  let running = true;
  const searchStatuses: number[] = [];
  const searching = (async () => {
    while (running) {
      const { status, body } = await opensearch<{ hits: { total: { value: number } } }>(
        api.ctx.env.OPENSEARCH_URL!,
        `/${alias}/_search`,
        { method: 'POST', body: { query: { match_all: {} }, size: 1 } },
      );
      searchStatuses.push(status === 200 && body.hits.total.value > 0 ? 200 : status);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  const seeded = await api.deps.database.db
    .select({ id: products.id })
    .from(products)
    .where(sql`${products.name} like '미러리스 %'`)
    .orderBy(products.id);
  // the products each successful write changed, and the writes by kind: each must succeed
  const changed: number[] = [];
  const succeeded = { delete: 0, create: 0, price: 0, rename: 0 };
  const failedWrites: string[] = [];
  /** successful writes answered while the status still showed the run building v2 */
  let writesWhileRunning = 0;
  const writing = (async () => {
    for (let step = 0; running && step < 40; step++) {
      const target = seeded[(step * 37) % seeded.length]!.id;
      const kind = (['delete', 'create', 'price', 'rename'] as const)[step % 4]!;
      try {
        if (kind === 'delete') {
          await write('DELETE', `/api/v1/products/${target}`);
          changed.push(target);
        } else if (kind === 'create') {
          const created = await write<{ id: number }>('POST', '/api/v1/products', {
            categoryId: category.id,
            name: `새 카메라 ${step}`,
          });
          changed.push(created.id);
        } else if (kind === 'price') {
          await write('POST', `/api/v1/products/${target}/prices`, {
            sellerId: seller.id,
            price: 1_000_000 + step,
            url: `https://shop.example.com/c/${step}`,
          });
          changed.push(target);
        } else {
          const { version } = await write<{ version: number }>('GET', `/api/v1/products/${target}`);
          await write('PATCH', `/api/v1/products/${target}`, { name: `개명 ${step}`, version });
          changed.push(target);
        }
        succeeded[kind]++;
        const { body } = await call('GET', '/api/v1/search/admin/index/status', {
          headers: api.admin.authHeader,
        });
        if (body.data.reindex?.status === 'RUNNING') writesWhileRunning++;
      } catch (error) {
        failedWrites.push(`${kind} ${target}: ${(error as Error).message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  })();

  const progress: number[] = [];
  const finished = await waitFor(
    'the full reindex to complete',
    async () => {
      const { body } = await call('GET', '/api/v1/search/admin/index/status', {
        headers: api.admin.authHeader,
      });
      const run = body.data.reindex;
      if (run.status === 'RUNNING') progress.push(run.indexedProducts);
      if (run.status === 'FAILED') throw new Error(`reindex failed: ${run.error}`);
      return run.status === 'COMPLETED' && body.data;
    },
    60_000,
    100,
  );
  running = false;
  await Promise.all([searching, writing]);
  api.proxy.setDelay(0);

  // writes went through, of every kind, while the run was building v2
  expect(failedWrites).toEqual([]);
  expect(writesWhileRunning).toBeGreaterThan(5);
  expect(Object.entries(succeeded).filter(([, count]) => count === 0)).toEqual([]);
  // searches answered throughout, from v1 and then from v2
  expect(searchStatuses.length).toBeGreaterThan(5);
  expect(searchStatuses.filter((status) => status !== 200)).toEqual([]);
  expect(finished.reindex).toMatchObject({
    id: queued.body.data.runId,
    targetIndex: `${alias}-v2`,
    previousIndex: `${alias}-v1`,
    progressPercent: 100,
    error: null,
    requestedBy: api.admin.user.id,
  });
  expect(finished.reindex.indexedProducts).toBeGreaterThanOrEqual(SEEDED - 20);
  // progress was written page by page
  expect(new Set(progress).size).toBeGreaterThan(1);

  // v1 deleted, the alias on v2 alone
  expect(await indexNames()).toEqual([`${alias}-v2`]);
  const aliases = await opensearch<Record<string, unknown>>(api.ctx.env.OPENSEARCH_URL!, `/_alias/${alias}`);
  expect(Object.keys(aliases.body)).toEqual([`${alias}-v2`]);

  // every change is in v2: once the outbox is drained, the index is exactly PostgreSQL
  await waitFor('the outbox to settle', async () => {
    const [row] = await api.deps.database.db.execute<{ open: number }>(
      sql`select count(*)::int as open from ${searchOutbox} where status <> 'COMPLETED'`,
    );
    return row?.open === 0;
  });
  const live = await api.deps.database.db
    .select({ id: products.id, name: products.name, lowestPrice: products.lowestPrice })
    .from(products)
    .where(and(isNull(products.deletedAt), ne(products.status, 'HIDDEN')));
  expect(await indexedIds(api.ctx)).toEqual(live.map((row) => row.id).sort((a, b) => a - b));
  const byId = new Map(live.map((row) => [row.id, row]));
  const docs = await opensearch<{
    docs: { _id: string; found: boolean; _source?: Record<string, unknown> }[];
  }>(api.ctx.env.OPENSEARCH_URL!, `/${alias}/_mget`, {
    method: 'POST',
    body: { ids: [...new Set(changed)] },
  });
  for (const doc of docs.body.docs) {
    const row = byId.get(Number(doc._id));
    if (!row) expect(doc.found).toBe(false);
    else expect(doc._source).toMatchObject({ name: row.name, lowestPrice: row.lowestPrice });
  }
  await opensearch(api.ctx.env.OPENSEARCH_URL!, `/${alias}/_refresh`, { method: 'POST' });
  const after = await call('GET', '/api/v1/search/admin/index/status', { headers: api.admin.authHeader });
  expect(after.body.data).toMatchObject({
    index: `${alias}-v2`,
    exists: true,
    missingDocuments: 0,
    mappingVersion: PRODUCT_MAPPING_VERSION,
    error: null,
  });
  expect(after.body.data.documentCount).toBe(after.body.data.productCount);
  expect(api.worker.logs.some((line) => line.msg === 'full reindex: read alias swapped')).toBe(true);

  // the building alias stays on the live index (a late delete through it must find an index),
  // so no stray index of its name can appear
  const building = await opensearch<Record<string, unknown>>(
    api.ctx.env.OPENSEARCH_URL!,
    `/_alias/${alias}-reindex`,
  );
  expect(Object.keys(building.body)).toEqual([`${alias}-v2`]);
  // a stray index of that name (what a vanished alias used to cause) does not block the next run
  await opensearch(api.ctx.env.OPENSEARCH_URL!, `/${alias}-v2/_alias/${alias}-reindex`, { method: 'DELETE' });
  await opensearch(api.ctx.env.OPENSEARCH_URL!, `/${alias}-reindex`, { method: 'PUT', body: {} });

  // a second run is accepted now, and builds v3
  const next = await call('POST', '/api/v1/search/admin/index/reindex', { headers: api.admin.authHeader });
  expect(next.status).toBe(202);
  await waitFor('the second run', async () => {
    const { body } = await call('GET', '/api/v1/search/admin/index/status', {
      headers: api.admin.authHeader,
    });
    return body.data.reindex.status === 'COMPLETED' && body.data.index === `${alias}-v3`;
  });
  expect(await indexNames()).toEqual([`${alias}-v3`]);
});
