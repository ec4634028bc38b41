// A worker SIGKILLed with a bulk request in flight (OpenSearch slowed by a TCP proxy) leaves its
// batch PROCESSING under a lease; once the lease expires another worker takes the batch over and
// finishes it. Replicas draining side by side never process a row twice (FOR UPDATE SKIP LOCKED).

import { randomUUID } from 'node:crypto';
import { categories, createDatabase, type DatabaseHandle, products, searchOutbox } from '@pbshop/db';
import { bullPrefix, createRedis, JobProducers } from '@pbshop/queues';
import { productAlias, recordSearchChange } from '@pbshop/search';
import {
  createTestContext,
  serviceUrls,
  startTcpProxy,
  type TcpProxy,
  type TestContext,
} from '@pbshop/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { opensearch, processTracker, waitFor } from './helpers.ts';

let ctx: TestContext;
let proxy: TcpProxy;
let database: DatabaseHandle;
let redis: ReturnType<typeof createRedis>;
let producers: JobProducers;
let categoryId: number;
const workers = processTracker();

beforeAll(async () => {
  ctx = await createTestContext();
  const target = new URL(serviceUrls.opensearch);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  database = createDatabase(ctx.env.DATABASE_URL!, { max: 2 });
  redis = createRedis(ctx.env.REDIS_URL!, 'worker');
  producers = new JobProducers(redis, bullPrefix(ctx.redisPrefix));
  [{ id: categoryId }] = (await database.db
    .insert(categories)
    .values({ name: '태블릿', path: '' })
    .returning({ id: categories.id })) as [{ id: number }];
  await database.db
    .update(categories)
    .set({ path: String(categoryId) })
    .where(eq(categories.id, categoryId));
});

afterAll(async () => {
  await workers.stopAll();
  await producers?.close();
  await redis?.quit();
  await database?.close();
  await proxy?.close();
  await ctx?.cleanup();
});

const env = () => ({
  ...ctx.env,
  LOG_LEVEL: 'info',
  OPENSEARCH_URL: proxy.url,
  SEARCH_OUTBOX_LEASE_MS: '2000',
  SEARCH_OUTBOX_SWEEP_MS: '500',
  SEARCH_OUTBOX_BATCH_SIZE: '50',
});

/** Products and their outbox rows, committed together as a writer would; then a wake-up job. */
async function writeProducts(count: number): Promise<number[]> {
  const ids = await database.db.transaction(async (tx) => {
    const rows = await tx
      .insert(products)
      .values(Array.from({ length: count }, (_, index) => ({ categoryId, name: `갤럭시탭 ${index}` })))
      .returning({ id: products.id });
    const written = rows.map((row) => row.id);
    await recordSearchChange(tx, { eventType: 'PRODUCT_UPSERT', productIds: written });
    return written;
  });
  await producers.enqueue('search-index-sync', { requestId: `test-${randomUUID()}`, reason: 'outbox-write' });
  return ids;
}

async function indexedCount(): Promise<number> {
  const alias = productAlias(ctx.indexPrefix);
  await opensearch(ctx.env.OPENSEARCH_URL!, `/${alias}/_refresh`, { method: 'POST' });
  const { body } = await opensearch<{ count: number }>(ctx.env.OPENSEARCH_URL!, `/${alias}/_count`);
  return body.count;
}

it('a batch whose worker was SIGKILLed mid-bulk is finished by another worker after the lease', async () => {
  const first = workers.spawn(env());
  await first.waitForLog((line) => line.msg === 'created the products index');

  // OpenSearch answers, but only after 10 s: the bulk is in flight when the worker dies
  proxy.setDelay(10_000);
  const ids = await writeProducts(20);
  const claimed = await waitFor('the batch to be claimed', async () => {
    const rows = await database.db.select().from(searchOutbox);
    return rows.length === 20 && rows.every((row) => row.status === 'PROCESSING') && rows;
  });
  expect(new Set(claimed.map((row) => row.claimedBy)).size).toBe(1);
  await waitFor('the bulk request on its way', () => proxy.openConnections() > 0);
  const killed = await first.stop('SIGKILL');
  expect(killed.signal).toBe('SIGKILL');
  proxy.setDelay(0);

  // still claimed by the dead worker until the lease runs out
  const orphaned = await database.db.select().from(searchOutbox);
  expect(orphaned.every((row) => row.status === 'PROCESSING' && row.claimedUntil !== null)).toBe(true);
  expect(await indexedCount()).toBe(0);

  // the takeover waits out the dead worker's 2 s lease; the new worker's own claims hold for the
  // default 60 s, so a batch it finishes slowly on a loaded machine is not taken over once more
  const second = workers.spawn({ ...env(), SEARCH_OUTBOX_LEASE_MS: '60000' });
  await second.waitForLog((line) => line.msg === 'ready');
  const finished = await waitFor(
    'the orphaned batch to be finished',
    async () => {
      const rows = await database.db.select().from(searchOutbox);
      return rows.every((row) => row.status === 'COMPLETED') && rows;
    },
    20_000,
    100,
  );
  // taken over after the lease: a second attempt, by the new worker
  // (its sweep and wake-up jobs run side by side, so the rows may come in more than one batch)
  expect(finished.every((row) => row.attemptCount === 2)).toBe(true);
  for (const row of finished) {
    expect(row.claimedBy).not.toBe(claimed[0]!.claimedBy);
    expect(row.claimedBy).toContain(`:${second.child.pid}:`);
  }
  expect(await indexedCount()).toBe(ids.length);
});

it('two replicas drain side by side without processing any row twice', async () => {
  // a batch slowed past a 2 s lease by a loaded machine would rightly be taken over
  // (at-least-once), so these replicas hold the default lease
  await workers.stopAll();
  const replicas = [0, 1].map(() => workers.spawn({ ...env(), SEARCH_OUTBOX_LEASE_MS: '60000' }));
  await Promise.all(replicas.map((replica) => replica.waitForLog((line) => line.msg === 'ready')));
  await database.db.delete(searchOutbox);
  const before = await indexedCount();
  const batches = await Promise.all([writeProducts(150), writeProducts(150), writeProducts(100)]);
  const rows = await waitFor(
    'every row to be synced',
    async () => {
      const all = await database.db.select().from(searchOutbox);
      return all.length === 400 && all.every((row) => row.status === 'COMPLETED') && all;
    },
    30_000,
    100,
  );
  expect(rows.every((row) => row.attemptCount === 1)).toBe(true);
  expect(await indexedCount()).toBe(before + batches.flat().length);
});
