// Spec collection end to end: a real worker-crawler process collects fixture shops' spec lists
// (JSON-LD additionalProperty, microdata properties, a spec table found by the job's selectors),
// maps their names to the category's definitions, writes the values through the spec module's
// write and refreshes search through the outbox; the real API answers them on
// GET /products/:id/specs. Unmatched names are noted on the run, hostile values are cleaned and
// bounded, a job that does not collect specs writes none, and an unchanged page is re-read with
// If-None-Match (304) without losing its specs.
import {
  createDatabase,
  type DatabaseHandle,
  productSpecValues,
  searchOutbox,
  specDefinitions,
} from '@pbshop/db';
import { bullPrefix, createRedis, JobProducers } from '@pbshop/queues';
import { createTestContext, type RunningProcess, type TestContext, trackProcesses } from '@pbshop/testing';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulatorSelectors } from '../src/simulator/pages.ts';
import {
  createJob,
  finished,
  product,
  runJob,
  type Shop,
  seedCatalogue,
  startShop,
} from './fixture-shops.ts';
import { processTracker } from './helpers.ts';

let ctx: TestContext;
let database: DatabaseHandle;
let redis: ReturnType<typeof createRedis>;
let producers: JobProducers;
let apiBase: string;
const workers = processTracker();
const apis = trackProcesses(new URL('../../api/src/main.ts', import.meta.url).pathname);
const shops: Shop[] = [];
const db = () => database.db;

beforeAll(async () => {
  ctx = await createTestContext();
  database = createDatabase(ctx.env.DATABASE_URL!, { max: 4 });
  redis = createRedis(ctx.env.REDIS_URL!, 'worker');
  producers = new JobProducers(redis, bullPrefix(ctx.redisPrefix));
  const worker: RunningProcess = workers.spawn({
    ...ctx.env,
    LOG_LEVEL: 'info',
    CRAWLER_FETCH_TIMEOUT_MS: '5000',
    CRAWLER_HOST_MIN_INTERVAL_MS: '0',
  });
  const api = apis.spawn({ ...ctx.env, LOG_LEVEL: 'info' });
  await worker.waitForLog((line) => line.msg === 'ready', 60_000);
  const listening = await api.waitForLog(
    (line) => typeof line.msg === 'string' && line.msg.startsWith('Server listening at'),
    60_000,
  );
  apiBase = String(listening.msg).replace('Server listening at ', '');
}, 90_000);

afterAll(async () => {
  await workers.stopAll();
  await apis.stopAll();
  await producers?.close();
  await redis?.quit();
  await database?.close();
  await Promise.all(shops.map((shop) => shop.server.close()));
  await ctx?.cleanup();
});

/** The category's definitions the pages' names map to (by name, or by key). */
async function defineSpecs(categoryId: number) {
  const rows = await db()
    .insert(specDefinitions)
    .values([
      { categoryId, key: 'screen_size', name: '화면 크기', type: 'NUMBER', unit: '인치' },
      { categoryId, key: 'ram', name: '메모리', type: 'NUMBER', unit: 'GB' },
      { categoryId, key: 'panel', name: '패널', type: 'TEXT' },
      { categoryId, key: 'os', name: '운영체제', type: 'SELECT', options: ['Windows 11', 'macOS'] },
    ])
    .returning();
  return new Map(rows.map((row) => [row.key, row.id]));
}

const specsOf = async (productId: number) => {
  const response = await fetch(`${apiBase}/api/v1/products/${productId}/specs`);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { data: { key: string; value: string }[] };
  return Object.fromEntries(body.data.map((spec) => [spec.key, spec.value]));
};

const storedValues = async (productId: number) =>
  db().select().from(productSpecValues).where(eq(productSpecValues.productId, productId));

const upserts = async (productId: number) =>
  (
    await db()
      .select({ n: sql<number>`count(*)::int` })
      .from(searchOutbox)
      .where(and(eq(searchOutbox.aggregateId, productId), eq(searchOutbox.eventType, 'PRODUCT_UPSERT')))
  )[0]!.n;

describe('collecting specs', () => {
  it('reads JSON-LD, microdata and spec-table pages, writes matched values, notes unmatched names, refreshes search, and keeps them on a 304', async () => {
    const { categoryId, sellerId, productIds } = await seedCatalogue(db(), 3);
    const [a, b, c] = productIds as [number, number, number];
    await defineSpecs(categoryId);
    const specs = (size: string) => [
      { name: '화면 크기', value: size },
      // matched by key, spelled differently
      { name: 'RAM', value: '16 GB' },
      { name: '운영체제', value: 'Windows 11' },
      { name: '색상', value: '블랙' },
    ];
    // what each shop was asked with: conditional or not
    const conditional: string[] = [];
    const observe = (request: { headers: Record<string, unknown> }) => {
      if (request.headers['if-none-match']) conditional.push(String(request.headers['if-none-match']));
      return false;
    };
    const [s1, s2, s3] = await Promise.all(
      (['json-ld', 'microdata', 'selectors'] as const).map(async (style, at) => {
        const started = await startShop({
          style,
          catalogue: new Map([[`/p/${at}`, product(`S-${at}`, 100_000 + at, { specs: specs(`15.${at}`) })]]),
          behave: observe,
        });
        shops.push(started);
        return started;
      }),
    );
    const job = await createJob(db(), {
      sellerId,
      targets: [
        { url: `${s1!.url}/p/0`, productId: a },
        { url: `${s2!.url}/p/1`, productId: b },
        { url: `${s3!.url}/p/2`, productId: c },
      ],
      selectors: simulatorSelectors,
    });

    const run = await finished(db(), await runJob(db(), producers, job));
    expect(run).toMatchObject({ status: 'SUCCESS', itemsFailed: 0, itemsCreated: 3 });
    const refreshed = new Map<number, number>();
    for (const [productId, size] of [
      [a, '15'],
      [b, '15.1'],
      [c, '15.2'],
    ] as const) {
      expect(await specsOf(productId)).toEqual({
        screen_size: `${size} 인치`,
        ram: '16 GB',
        os: 'Windows 11',
      });
      refreshed.set(productId, await upserts(productId));
      expect(refreshed.get(productId)).toBeGreaterThan(0);
    }
    // the unmatched name of every page is noted on the run, not counted as a failure
    expect(run.itemErrors).toHaveLength(3);
    for (const note of run.itemErrors) {
      expect(note).toMatchObject({ kind: 'SPEC', errorClass: 'PARSE' });
      expect(note.message).toContain('no definition named "색상"');
    }

    // again: every page answers 304 to its ETag; its stored specs are unchanged, nothing rewritten
    const again = await finished(db(), await runJob(db(), producers, job));
    expect(again).toMatchObject({ status: 'SUCCESS', itemsUnchanged: 3, itemsFailed: 0 });
    expect(conditional).toHaveLength(3);
    for (const productId of [a, b, c]) expect(await upserts(productId)).toBe(refreshed.get(productId));
    expect(again.itemErrors.map((note) => note.kind)).toEqual(['SPEC', 'SPEC', 'SPEC']);
    expect(await specsOf(a)).toMatchObject({ screen_size: '15 인치' });
  });

  it('cleans and bounds hostile values, refuses what the definition refuses, and leaves unnamed specs alone', async () => {
    const { categoryId, sellerId, productIds } = await seedCatalogue(db(), 1);
    const [p] = productIds as [number];
    const ids = await defineSpecs(categoryId);
    // a value an admin set that the page does not name stays
    await db()
      .insert(productSpecValues)
      .values({ productId: p, specDefinitionId: ids.get('screen_size')!, numberValue: 14 });
    const hostile = [
      { name: '패널', value: `<script>alert(1)</script><b>IPS</b> ${'가'.repeat(100_000)}` },
      { name: '<img src=x onerror=alert(1)>메모리', value: '32GB' },
      { name: '운영체제', value: 'TempleOS' },
      // more than a page's bound of specs (100), each value far over a value's bound (500)
      ...Array.from({ length: 150 }, (_, at) => ({ name: `extra ${at}`, value: 'x'.repeat(2000) })),
    ];
    const shop = await startShop({
      style: 'json-ld',
      catalogue: new Map([['/p/h', product('H-1', 50_000, { specs: hostile })]]),
    });
    shops.push(shop);
    const job = await createJob(db(), { sellerId, targets: [{ url: `${shop.url}/p/h`, productId: p }] });
    const run = await finished(db(), await runJob(db(), producers, job));
    expect(run).toMatchObject({ status: 'SUCCESS', itemsFailed: 0 });

    const stored = await storedValues(p);
    const panel = stored.find((row) => row.specDefinitionId === ids.get('panel'));
    expect(panel?.textValue).toMatch(/^alert\(1\) IPS 가+$/);
    expect(panel!.textValue!.length).toBeLessThanOrEqual(500);
    expect(await specsOf(p)).toMatchObject({ screen_size: '14 인치', ram: '32 GB' });
    expect(stored.some((row) => row.specDefinitionId === ids.get('os'))).toBe(false);
    const [note] = run.itemErrors;
    expect(note?.kind).toBe('SPEC');
    expect(note?.message).toContain('"운영체제" refused (os: one of: Windows 11, macOS)');
    expect(note!.message.length).toBeLessThanOrEqual(500);
  });

  it('a job that does not collect specs writes none', async () => {
    const { categoryId, sellerId, productIds } = await seedCatalogue(db(), 1);
    const [p] = productIds as [number];
    await defineSpecs(categoryId);
    const shop = await startShop({
      style: 'json-ld',
      catalogue: new Map([['/p/n', product('N-1', 70_000, { specs: [{ name: '메모리', value: '8GB' }] })]]),
    });
    shops.push(shop);
    const job = await createJob(db(), { sellerId, targets: [{ url: `${shop.url}/p/n`, productId: p }] });
    const run = await finished(db(), await runJob(db(), producers, job, { collectSpec: false }));
    expect(run).toMatchObject({ status: 'SUCCESS', itemsCreated: 1, collectSpec: false, itemErrors: [] });
    expect(await storedValues(p)).toEqual([]);
    expect(await specsOf(p)).toEqual({});
  });
});
