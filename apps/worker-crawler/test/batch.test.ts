// A run recorded in batches (RECORD_BATCH pages at a time while the next pages are fetched), run in
// this process against a fixture shop, real PostgreSQL and Redis: a run of several batches counts
// every page once; a product met twice is written in page order; a page whose product is gone
// fails alone (DATABASE) while the rest of its batch is written, also when it fails the batch's
// statements; pages without a product are
// matched or kept unmatched; anomalous prices of a batch are held and the rest written; with
// politeness off a run's requests cost no Redis round trip each, with an interval they take turns.
import { standaloneCrawlerOffers } from '@pbshop/api/crawler-offers';
import { createLogger, parseEnv } from '@pbshop/config';
import { crawlRuns, hostPoliteness, RECORD_BATCH, robotsRules } from '@pbshop/crawler';
import {
  crawlerProductLinks,
  crawlerRuns,
  crawlerUnmatchedItems,
  createDatabase,
  type DatabaseHandle,
  fraudAlerts,
  offers,
  priceHistory,
  products,
} from '@pbshop/db';
import { bullPrefix, createRedis, noSearchSync } from '@pbshop/queues';
import { ResilienceRegistry } from '@pbshop/resilience';
import { createTestContext, type TestContext } from '@pbshop/testing';
import { type Job, Queue } from 'bullmq';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addSeller,
  createJob,
  product,
  runRow,
  type Shop,
  seedCatalogue,
  startShop,
} from './fixture-shops.ts';

let ctx: TestContext;
let database: DatabaseHandle;
let redis: ReturnType<typeof createRedis>;
let queue: Queue;
let resilience: ResilienceRegistry;
let catalog: ReturnType<typeof standaloneCrawlerOffers>;
const shops: Shop[] = [];
const db = () => database.db;
const logger = createLogger({ LOG_LEVEL: 'silent' }, 'crawler-batch-test');

beforeAll(async () => {
  ctx = await createTestContext();
  const env = parseEnv({ ...process.env, ...ctx.env });
  database = createDatabase(env.DATABASE_URL, { max: 6 });
  redis = createRedis(env.REDIS_URL, 'worker');
  queue = new Queue('crawler-collect', { connection: redis, prefix: bullPrefix(env.REDIS_KEY_PREFIX) });
  resilience = new ResilienceRegistry({ service: 'crawler-batch-test', logger });
  catalog = standaloneCrawlerOffers({
    db: database.db,
    searchSync: noSearchSync,
    redis,
    keyPrefix: env.REDIS_KEY_PREFIX,
    logger,
  });
});

afterAll(async () => {
  await catalog?.close();
  await resilience?.close();
  await queue?.close();
  await Promise.all(shops.map((shop) => shop.server.close()));
  redis?.disconnect();
  await database?.close();
  await ctx?.cleanup();
});

/** Counts the Redis calls made through it (a real client, observed). */
function countingRedis() {
  const calls = new Map<string, number>();
  const counted = new Proxy(redis, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        calls.set(property, (calls.get(property) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { client: counted, calls };
}

function runner(options: {
  minIntervalMs?: number;
  pageConcurrency?: number;
  politenessRedis?: typeof redis;
}) {
  return crawlRuns({
    db: db(),
    logger,
    resilience,
    queue,
    politeness: hostPoliteness(options.politenessRedis ?? redis, ctx.redisPrefix, {
      minIntervalMs: options.minIntervalMs ?? 0,
      concurrency: options.pageConcurrency ?? 8,
    }),
    robots: robotsRules(redis, ctx.redisPrefix, 60_000, 5000),
    fetch: { timeoutMs: 5000, retries: 0, maxBytes: 1024 * 1024 },
    autoDisableAfter: 0,
    pageConcurrency: options.pageConcurrency ?? 8,
    catalog,
    anomaly: { lowerRatio: 0.5, upperRatio: 1.8 },
  });
}

async function run(
  crawl: ReturnType<typeof runner>,
  job: { id: number; sellerId: number },
  detectAnomaly = false,
) {
  const [created] = await db()
    .insert(crawlerRuns)
    .values({ jobId: job.id, sellerId: job.sellerId, triggerType: 'MANUAL', detectAnomaly })
    .returning();
  await crawl.process(
    { runId: created!.id },
    { id: `batch-test-${created!.id}`, attemptsMade: 0, opts: { attempts: 1 } } as Job,
    new AbortController().signal,
  );
  return runRow(db(), created!.id);
}

async function shop(catalogue: Map<string, ReturnType<typeof product>>) {
  const started = await startShop({ catalogue });
  shops.push(started);
  return started;
}

describe('a run recorded in batches', () => {
  it('several batches: every page counted once, a product met twice written in page order, a gone product fails alone, untied pages matched or kept', async () => {
    const count = 2 * RECORD_BATCH + 100;
    const { sellerId, productIds } = await seedCatalogue(db(), count + 2);
    const catalogue = new Map(
      productIds.map((_id, index) => [`/p/${index}`, product(`BATCH-${index}`, 10_000 + index)]),
    );
    // a product whose page appears twice (two URLs, two prices); a gone product; two pages without
    // a product: one carries a GTIN another seller's link knows (of a product not among the
    // targets), one nothing known
    const twice = productIds[count] as number;
    const byGtin = productIds[count + 1] as number;
    catalogue.set('/twice/a', product('TWICE', 50_000));
    catalogue.set('/twice/b', product('TWICE', 49_000));
    catalogue.set('/known-gtin', product('GTIN-PAGE', 20_000, { gtin: '8800000000017' }));
    catalogue.set('/unknown', product('UNKNOWN', 30_000));
    const site = await shop(catalogue);
    const other = await addSeller(db());
    await db().insert(crawlerProductLinks).values({
      sellerId: other,
      productId: byGtin,
      gtin: '8800000000017',
      url: 'https://other.example.com/p',
    });
    const gone = productIds[1] as number;
    await db().update(products).set({ deletedAt: new Date() }).where(eq(products.id, gone));
    const targets = [
      ...productIds.slice(0, count).map((productId, index) => ({ url: `${site.url}/p/${index}`, productId })),
      { url: `${site.url}/twice/a`, productId: twice },
      { url: `${site.url}/twice/b`, productId: twice },
      { url: `${site.url}/known-gtin` },
      { url: `${site.url}/unknown` },
    ];
    const job = await createJob(db(), { sellerId, targets });
    const ended = await run(runner({}), job);

    expect(ended).toMatchObject({
      status: 'PARTIAL',
      itemsProcessed: count + 4,
      // every target product but the gone one, the product met twice, and the one matched by GTIN
      itemsCreated: count - 1 + 1 + 1,
      itemsUpdated: 1,
      itemsUnchanged: 0,
      itemsUnmatched: 1,
      itemsFailed: 1,
      errorClass: 'DATABASE',
    });
    expect(ended.itemErrors).toEqual([
      {
        url: `${site.url}/p/1`,
        errorClass: 'DATABASE',
        message: `offer of product ${gone} not recorded: Product not found.`,
      },
    ]);
    const written = await db()
      .select({ productId: offers.productId, price: offers.price })
      .from(offers)
      .where(and(eq(offers.sellerId, sellerId), inArray(offers.productId, productIds)));
    expect(written).toHaveLength(count - 1 + 1 + 1);
    expect(written.find((row) => row.productId === twice)?.price).toBe(49_000);
    const twiceHistory = await db()
      .select({ price: priceHistory.price })
      .from(priceHistory)
      .where(eq(priceHistory.productId, twice))
      .orderBy(asc(priceHistory.id));
    expect(twiceHistory.map((row) => row.price)).toEqual([50_000, 49_000]);
    expect(written.find((row) => row.productId === productIds[0])?.price).toBe(10_000);
    expect(written.find((row) => row.productId === byGtin)?.price).toBe(20_000);
    const [kept] = await db()
      .select()
      .from(crawlerUnmatchedItems)
      .where(eq(crawlerUnmatchedItems.sellerId, sellerId));
    expect(kept).toMatchObject({ url: `${site.url}/unknown`, sellerProductCode: 'UNKNOWN', price: 30_000 });
    // each product page's link is stored once, with its code
    const links = await db()
      .select()
      .from(crawlerProductLinks)
      .where(eq(crawlerProductLinks.sellerId, sellerId));
    expect(links).toHaveLength(count + 1);
    expect(links.find((link) => link.productId === twice)).toMatchObject({
      url: `${site.url}/twice/b`,
      sellerProductCode: 'TWICE',
    });

    // the same pages again: unchanged, nothing written
    const historyBefore = await db().select({ id: priceHistory.id }).from(priceHistory);
    const again = await run(runner({}), job);
    expect(again).toMatchObject({
      itemsCreated: 0,
      // the product met twice: its first page differs from what its second left
      itemsUpdated: 2,
      itemsUnchanged: count - 1 + 1,
      itemsFailed: 1,
    });
    const historyAfter = await db().select({ id: priceHistory.id }).from(priceHistory);
    expect(historyAfter.length - historyBefore.length).toBe(2);
  });

  it('a page that fails its whole batch statement is found by halving the batch: it fails alone', async () => {
    const { sellerId, productIds } = await seedCatalogue(db(), 4);
    const site = await shop(
      new Map(productIds.map((_id, index) => [`/p/${index}`, product(`HALF-${index}`, 5000 + index)])),
    );
    // a product id no bigint holds (the admin API would refuse it; written behind its back)
    const impossible = 2 ** 63;
    const targets = productIds.map((productId, index) => ({ url: `${site.url}/p/${index}`, productId }));
    targets.splice(2, 0, { url: `${site.url}/p/0`, productId: impossible });
    const job = await createJob(db(), { sellerId, targets });
    const ended = await run(runner({}), job);
    expect(ended).toMatchObject({
      status: 'PARTIAL',
      itemsCreated: 4,
      itemsFailed: 1,
      errorClass: 'DATABASE',
    });
    expect(ended.itemErrors).toEqual([
      {
        url: `${site.url}/p/0`,
        errorClass: 'DATABASE',
        message: expect.stringMatching(/^offer of product 9223372036854776000 not recorded: .*out of range/),
      },
    ]);
  });

  it('holds the anomalous prices of a batch as fraud alerts and writes the others', async () => {
    const { sellerId, productIds } = await seedCatalogue(db(), 6);
    const others = [await addSeller(db()), await addSeller(db())];
    for (const productId of productIds) {
      await db()
        .insert(offers)
        .values(
          others.map((other, index) => ({
            productId,
            sellerId: other,
            price: 100_000 + index * 10_000,
            stock: 100,
            url: `https://other${index}.example.com/${productId}`,
          })),
        );
    }
    // median 105,000: bounds 52,500..189,000
    const prices = [100_000, 10_000, 104_000, 400_000, 52_500, 189_001];
    const site = await shop(
      new Map(prices.map((price, index) => [`/p/${index}`, product(`ANOM-${index}`, price)])),
    );
    const job = await createJob(db(), {
      sellerId,
      targets: productIds.map((productId, index) => ({ url: `${site.url}/p/${index}`, productId })),
    });
    const ended = await run(runner({}), job, true);
    expect(ended).toMatchObject({ status: 'SUCCESS', itemsCreated: 3, anomalyCount: 3 });
    const held = await db()
      .select()
      .from(fraudAlerts)
      .where(eq(fraudAlerts.sellerId, sellerId))
      .orderBy(asc(fraudAlerts.productId));
    expect(held.map((alert) => [alert.productId, alert.rawPrice, alert.severity])).toEqual([
      [productIds[1], 10_000, 'HIGH'],
      [productIds[3], 400_000, 'HIGH'],
      [productIds[5], 189_001, 'LOW'],
    ]);
    expect(held[0]).toMatchObject({
      status: 'PENDING',
      baselineAverage: 105_000,
      lowerBound: 52_500,
      upperBound: 189_000,
      runId: ended.id,
      offerId: null,
    });
    const mine = await db()
      .select({ productId: offers.productId, price: offers.price })
      .from(offers)
      .where(eq(offers.sellerId, sellerId))
      .orderBy(asc(offers.productId));
    expect(mine).toEqual([
      { productId: productIds[0], price: 100_000 },
      { productId: productIds[2], price: 104_000 },
      { productId: productIds[4], price: 52_500 },
    ]);
  });
});

describe('politeness in a run', () => {
  it('off (no interval): a fetch loop keeps its place on the host, so a request costs no Redis round trip', async () => {
    const { sellerId, productIds } = await seedCatalogue(db(), 40);
    const site = await shop(
      new Map(productIds.map((_id, index) => [`/p/${index}`, product(`POLITE-${index}`, 1000 + index)])),
    );
    const job = await createJob(db(), {
      sellerId,
      targets: productIds.map((productId, index) => ({ url: `${site.url}/p/${index}`, productId })),
    });
    const { client, calls } = countingRedis();
    const ended = await run(runner({ pageConcurrency: 4, politenessRedis: client }), job);
    expect(ended).toMatchObject({ status: 'SUCCESS', itemsCreated: 40 });
    // a place per fetch loop (taken once, given back once), not two calls per page (the script is
    // sent by its SHA, and once by its text where Redis did not know it yet)
    const scripts = (calls.get('evalsha') ?? 0) + (calls.get('eval') ?? 0);
    expect(scripts).toBeGreaterThanOrEqual(1);
    expect(scripts).toBeLessThanOrEqual(8);
    expect(calls.get('zrem') ?? 0).toBeLessThanOrEqual(4);
    const host = new URL(site.url).host;
    expect(await redis.zcard(`${ctx.redisPrefix}:crawler:host:${host}:places`)).toBe(0);
  });

  it('with an interval, every request takes its place and its slot in turn', async () => {
    const { sellerId, productIds } = await seedCatalogue(db(), 4);
    const site = await shop(
      new Map(productIds.map((_id, index) => [`/p/${index}`, product(`TURN-${index}`, 1000 + index)])),
    );
    const job = await createJob(db(), {
      sellerId,
      targets: productIds.map((productId, index) => ({ url: `${site.url}/p/${index}`, productId })),
    });
    const { client, calls } = countingRedis();
    const started = Date.now();
    const ended = await run(runner({ pageConcurrency: 2, minIntervalMs: 200, politenessRedis: client }), job);
    expect(ended).toMatchObject({ status: 'SUCCESS', itemsCreated: 4 });
    // 4 requests at least 200 ms apart
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    // per request: a place and a slot (scripts), and the place given back
    expect((calls.get('evalsha') ?? 0) + (calls.get('eval') ?? 0)).toBeGreaterThanOrEqual(8);
    expect(calls.get('zrem') ?? 0).toBeGreaterThanOrEqual(4);
  });
});
