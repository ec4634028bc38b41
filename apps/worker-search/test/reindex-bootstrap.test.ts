import { categories, createDatabase, type DatabaseHandle, products, searchReindexRuns } from '@pbshop/db';
import {
  createSearchClient,
  detectKoreanAnalyzer,
  PRODUCT_MAPPING_VERSION,
  productAlias,
  productIndexBody,
} from '@pbshop/search';
import { createTestContext, type TestContext } from '@pbshop/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { opensearch, processTracker, waitFor } from './helpers.ts';

let ctx: TestContext;
let database: DatabaseHandle;
let alias: string;
const workers = processTracker();

beforeAll(async () => {
  ctx = await createTestContext();
  alias = productAlias(ctx.indexPrefix);
  database = createDatabase(ctx.env.DATABASE_URL!, { max: 2 });
  const [{ id: categoryId }] = (await database.db
    .insert(categories)
    .values({ name: '이어폰', path: '' })
    .returning({ id: categories.id })) as [{ id: number }];
  await database.db
    .update(categories)
    .set({ path: String(categoryId) })
    .where(eq(categories.id, categoryId));
  await database.db
    .insert(products)
    .values(Array.from({ length: 30 }, (_, index) => ({ categoryId, name: `무선 이어폰 ${index}` })));
  // the index an older release built: same name and alias, mapping version 1
  const client = createSearchClient(ctx.env.OPENSEARCH_URL!);
  const body = productIndexBody(await detectKoreanAnalyzer(client));
  body.mappings._meta = { ...body.mappings._meta, mappingVersion: 1 as never };
  await client.indices.create({ index: `${alias}-v1`, body: { ...body, aliases: { [alias]: {} } } as never });
  await client.close();
});

afterAll(async () => {
  await workers.stopAll();
  await database?.close();
  await ctx?.cleanup();
});

it('an outdated mapping version starts a full reindex at bootstrap, once', async () => {
  const worker = workers.spawn({ ...ctx.env, LOG_LEVEL: 'info', SEARCH_REINDEX_BATCH_SIZE: '10' });
  const started = await worker.waitForLog((line) => line.msg === 'full reindex started automatically');
  expect(started.reason).toMatch(`mapping version 1, the code ${PRODUCT_MAPPING_VERSION}`);

  const run = await waitFor('the automatic run to complete', async () => {
    const [row] = await database.db.select().from(searchReindexRuns);
    if (row?.status === 'FAILED') throw new Error(`reindex failed: ${row.error}`);
    return row?.status === 'COMPLETED' && row;
  });
  expect(run).toMatchObject({
    id: started.runId,
    requestedBy: null,
    targetIndex: `${alias}-v2`,
    previousIndex: `${alias}-v1`,
    totalProducts: 30,
    indexedProducts: 30,
  });
  const mapping = await opensearch<Record<string, { mappings: { _meta: Record<string, unknown> } }>>(
    ctx.env.OPENSEARCH_URL!,
    `/${alias}/_mapping`,
  );
  expect(Object.keys(mapping.body)).toEqual([`${alias}-v2`]);
  expect(mapping.body[`${alias}-v2`]!.mappings._meta).toMatchObject({
    mappingVersion: PRODUCT_MAPPING_VERSION,
  });
  await opensearch(ctx.env.OPENSEARCH_URL!, `/${alias}/_refresh`, { method: 'POST' });
  const count = await opensearch<{ count: number }>(ctx.env.OPENSEARCH_URL!, `/${alias}/_count`);
  expect(count.body.count).toBe(30);
  // progress was logged page by page (10 products a page)
  expect(
    worker.logs.filter((line) => line.msg === 'full reindex: progress').map((line) => line.indexedProducts),
  ).toEqual([10, 20, 30]);
  await worker.stop('SIGTERM');

  const again = workers.spawn({ ...ctx.env, LOG_LEVEL: 'info' });
  const current = await again.waitForLog((line) => line.msg === 'products index mapping is current');
  expect(current.mappingVersion).toBe(PRODUCT_MAPPING_VERSION);
  expect(again.logs.some((line) => line.msg === 'full reindex started automatically')).toBe(false);
  expect(await database.db.select().from(searchReindexRuns)).toHaveLength(1);
});
