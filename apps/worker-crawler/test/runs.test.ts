// Crawler runs end to end: a real worker-crawler process against a fixture internet (shops on
// ephemeral ports in the JSON-LD, microdata and selector styles, and slow, broken, rate-limiting,
// robots-closed and garbage ones), real PostgreSQL and Redis. Offers reach the catalogue through
// the prices module's write path (offer, lowest price, history, search outbox); every failure
// lands in its error class; scheduled runs fire; a failing job is turned off.
import {
  crawlerUnmatchedItems,
  createDatabase,
  type DatabaseHandle,
  fraudAlerts,
  offers,
  priceHistory,
  products,
  searchOutbox,
} from '@pbshop/db';
import { bullPrefix, createRedis, JobProducers } from '@pbshop/queues';
import { createTestContext, type RunningProcess, type TestContext, waitFor } from '@pbshop/testing';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawlerUserAgent } from '../src/processor.ts';
import { listingPage, simulatorSelectors } from '../src/simulator/pages.ts';
import {
  addSeller,
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
let worker: RunningProcess;
const workers = processTracker();
const shops: Shop[] = [];
const db = () => database.db;

const shop = async (options: Parameters<typeof startShop>[0]) => {
  const started = await startShop(options);
  shops.push(started);
  return started;
};

beforeAll(async () => {
  ctx = await createTestContext();
  database = createDatabase(ctx.env.DATABASE_URL!, { max: 4 });
  redis = createRedis(ctx.env.REDIS_URL!, 'worker');
  producers = new JobProducers(redis, bullPrefix(ctx.redisPrefix));
  worker = workers.spawn({
    ...ctx.env,
    LOG_LEVEL: 'info',
    // 2 s: long enough for a busy machine's robots.txt answers, short for the slow shop
    CRAWLER_FETCH_TIMEOUT_MS: '2000',
    CRAWLER_FETCH_RETRIES: '2',
    CRAWLER_HOST_MIN_INTERVAL_MS: '0',
    CRAWLER_AUTO_DISABLE_AFTER: '2',
    CRAWLER_HOST_CONCURRENCY: '1',
  });
  await worker.waitForLog((line) => line.msg === 'ready');
});

afterAll(async () => {
  await workers.stopAll();
  await producers?.close();
  await redis?.quit();
  await database?.close();
  await Promise.all(shops.map((s) => s.server.close()));
  await ctx?.cleanup();
});

async function offerOf(productId: number, sellerId: number) {
  const [row] = await db()
    .select()
    .from(offers)
    .where(and(eq(offers.productId, productId), eq(offers.sellerId, sellerId)));
  return row;
}

const historyCount = async (productId: number) =>
  (
    await db()
      .select({ n: sql<number>`count(*)::int` })
      .from(priceHistory)
      .where(eq(priceHistory.productId, productId))
  )[0]!.n;
const outboxCount = async (productId: number) =>
  (
    await db()
      .select({ n: sql<number>`count(*)::int` })
      .from(searchOutbox)
      .where(and(eq(searchOutbox.aggregateId, productId), eq(searchOutbox.eventType, 'PRICE_CHANGED')))
  )[0]!.n;

describe('collecting offers into the catalogue', () => {
  it('reads JSON-LD, microdata and selector pages, writes offers once, counts unchanged, follows a price change', async () => {
    const { sellerId, productIds } = await seedCatalogue(db(), 3);
    const [a, b, c] = productIds as [number, number, number];
    const jsonLd = new Map([['/p/a', product('A-1', 1_299_000, { gtin: '8801234567890' })]]);
    const microdata = new Map([['/p/b', product('B-1', 459_000, { shippingFee: 3000 })]]);
    const plain = new Map([['/p/c', product('C-1', 89_900, { inStock: false })]]);
    const [s1, s2, s3] = await Promise.all([
      shop({ style: 'json-ld', catalogue: jsonLd }),
      shop({ style: 'microdata', catalogue: microdata }),
      shop({ style: 'selectors', catalogue: plain }),
    ]);
    const job = await createJob(db(), {
      sellerId,
      targets: [
        { url: `${s1!.url}/p/a`, productId: a },
        { url: `${s2!.url}/p/b`, productId: b },
        { url: `${s3!.url}/p/c`, productId: c },
      ],
      selectors: simulatorSelectors,
    });

    const first = await finished(db(), await runJob(db(), producers, job));
    expect(first).toMatchObject({
      status: 'SUCCESS',
      triggerType: 'MANUAL',
      itemsProcessed: 3,
      itemsCreated: 3,
      itemsUpdated: 0,
      itemsUnchanged: 0,
      itemsFailed: 0,
      errorClass: null,
      attempts: 1,
    });
    expect(first.durationMs).toBeGreaterThanOrEqual(0);
    expect(first.startedAt).not.toBeNull();
    expect(await offerOf(a, sellerId)).toMatchObject({
      price: 1_299_000,
      shippingRule: 'FREE',
      stockState: 'IN_STOCK',
    });
    expect(await offerOf(b, sellerId)).toMatchObject({
      price: 459_000,
      shippingRule: 'PAID',
      shippingCost: 3000,
    });
    expect(await offerOf(c, sellerId)).toMatchObject({ price: 89_900, stockState: 'OUT_OF_STOCK' });
    const [productA] = await db().select().from(products).where(eq(products.id, a));
    expect(productA?.lowestPrice).toBe(1_299_000);
    expect(s1!.agents).toEqual(new Set([crawlerUserAgent]));
    expect(s1!.hits.get('/robots.txt')).toBe(1);

    // the same prices again: counted, not written
    const history = await historyCount(a);
    const outbox = await outboxCount(a);
    const second = await finished(db(), await runJob(db(), producers, job));
    expect(second).toMatchObject({ status: 'SUCCESS', itemsUnchanged: 3, itemsCreated: 0, itemsUpdated: 0 });
    expect(await historyCount(a)).toBe(history);
    expect(await outboxCount(a)).toBe(outbox);

    // the shop lowers a price: the offer, the lowest price, the history and the search outbox follow
    jsonLd.set('/p/a', product('A-1', 1_199_000, { gtin: '8801234567890' }));
    const third = await finished(db(), await runJob(db(), producers, job));
    expect(third).toMatchObject({ status: 'SUCCESS', itemsUpdated: 1, itemsUnchanged: 2 });
    expect(await offerOf(a, sellerId)).toMatchObject({ price: 1_199_000 });
    const [changed] = await db().select().from(products).where(eq(products.id, a));
    expect(changed?.lowestPrice).toBe(1_199_000);
    expect(await historyCount(a)).toBe(history + 1);
    expect(await outboxCount(a)).toBe(outbox + 1);

    // another shop's page without a product id is matched by the GTIN the first page carried;
    // one with nothing known is recorded unmatched, not guessed
    const other = await addSeller(db());
    const s4 = await shop({
      style: 'json-ld',
      catalogue: new Map([
        ['/x', product('X-9', 1_150_000, { gtin: '8801234567890' })],
        ['/y', product('Y-9', 10_000)],
      ]),
    });
    const otherJob = await createJob(db(), {
      sellerId: other,
      listingUrls: [],
      targets: [{ url: `${s4.url}/x` }, { url: `${s4.url}/y` }],
    });
    const matched = await finished(db(), await runJob(db(), producers, otherJob));
    expect(matched).toMatchObject({ status: 'SUCCESS', itemsCreated: 1, itemsUnmatched: 1 });
    expect(await offerOf(a, other)).toMatchObject({ price: 1_150_000 });
    const [lowest] = await db().select().from(products).where(eq(products.id, a));
    expect(lowest?.lowestPrice).toBe(1_150_000);
  });
});

describe('listing pages', () => {
  it("follows a listing page's product links; pages known by code are written, the rest kept unmatched", async () => {
    const { sellerId, productIds } = await seedCatalogue(db(), 1);
    const catalogue = new Map([
      ['/p/known', product('L-KNOWN', 31_000)],
      ['/p/new', product('L-NEW', 32_000)],
    ]);
    const site = await shop({
      catalogue,
      behave: (request, response) => {
        if (request.url !== '/list') return false;
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end(listingPage(['/p/known', '/p/new']));
        return true;
      },
    });
    // a first job ties /p/known to the product, storing its code
    const tie = await createJob(db(), {
      sellerId,
      targets: [{ url: `${site.url}/p/known`, productId: productIds[0] }],
    });
    await finished(db(), await runJob(db(), producers, tie));
    const job = await createJob(db(), { sellerId, listingUrls: [`${site.url}/list`] });
    const run = await finished(db(), await runJob(db(), producers, job));
    expect(run).toMatchObject({ status: 'SUCCESS', itemsProcessed: 2, itemsUnchanged: 1, itemsUnmatched: 1 });
    const [kept] = await db()
      .select()
      .from(crawlerUnmatchedItems)
      .where(eq(crawlerUnmatchedItems.sellerId, sellerId));
    expect(kept).toMatchObject({
      url: `${site.url}/p/new`,
      sellerProductCode: 'L-NEW',
      price: 32_000,
      status: 'PENDING',
    });
  });
});

describe('anomaly hold (CRAW-05, FRAUD-01)', () => {
  it('holds a price 90% below the others as a fraud alert: no offer, no lowest price change', async () => {
    const { sellerId, productIds } = await seedCatalogue(db(), 1);
    const productId = productIds[0]!;
    const others = await Promise.all([addSeller(db()), addSeller(db()), addSeller(db())]);
    await db()
      .insert(offers)
      .values(
        others.map((other, index) => ({
          productId,
          sellerId: other,
          price: 1_000_000 + index * 10_000,
          url: `https://other${index}.example.com/p`,
        })),
      );
    await db().update(products).set({ lowestPrice: 1_000_000 }).where(eq(products.id, productId));
    const cheap = await shop({ catalogue: new Map([['/p', product('CHEAP-1', 100_000)]]) });
    const job = await createJob(db(), { sellerId, targets: [{ url: `${cheap.url}/p`, productId }] });
    const run = await finished(db(), await runJob(db(), producers, job));
    expect(run).toMatchObject({ status: 'SUCCESS', anomalyCount: 1, itemsCreated: 0, itemsUpdated: 0 });
    expect(await offerOf(productId, sellerId)).toBeUndefined();
    const [unchanged] = await db().select().from(products).where(eq(products.id, productId));
    expect(unchanged?.lowestPrice).toBe(1_000_000);
    const [alert] = await db().select().from(fraudAlerts).where(eq(fraudAlerts.productId, productId));
    expect(alert).toMatchObject({
      sellerId,
      status: 'PENDING',
      rawPrice: 100_000,
      baselineAverage: 1_010_000,
      lowerBound: 505_000,
      upperBound: 1_818_000,
      severity: 'HIGH',
      runId: run.id,
    });
    // a normal price of the same seller is written as usual
    const fair = await shop({ catalogue: new Map([['/p', product('FAIR-1', 990_000)]]) });
    const fairJob = await createJob(db(), { sellerId, targets: [{ url: `${fair.url}/p`, productId }] });
    const written = await finished(db(), await runJob(db(), producers, fairJob));
    expect(written).toMatchObject({ status: 'SUCCESS', anomalyCount: 0, itemsCreated: 1 });
    const [lower] = await db().select().from(products).where(eq(products.id, productId));
    expect(lower?.lowestPrice).toBe(990_000);
  });
});

describe('failures, each in its class', () => {
  it('tells network, timeout, HTTP, robots and parse failures apart, per page and per run', async () => {
    const { sellerId } = await seedCatalogue(db(), 0);
    const slow = await shop({
      behave: (_request, response) => {
        const timer = setTimeout(() => response.end('late'), 10_000);
        response.on('close', () => clearTimeout(timer));
        return true;
      },
    });
    const broken = await shop({
      behave: (_request, response) => {
        response.writeHead(500);
        response.end('internal error');
        return true;
      },
    });
    const closedRobots = await shop({
      robots: { status: 200, body: 'User-agent: PBShopBot\nDisallow: /\n\nUser-agent: *\nAllow: /\n' },
      catalogue: new Map([['/p', product('R', 1000)]]),
    });
    const garbage = await shop({
      behave: (_request, response) => {
        response.writeHead(200, { 'content-type': 'text/html' });
        response.end('<html><body><div>쇼핑 <<<< ### 가격 문의</div><script>{"broken": </script>');
        return true;
      },
    });
    const missing = await shop({ catalogue: new Map() });
    // a port nobody listens on
    const gone = await shop({});
    const goneUrl = gone.url;
    await gone.server.close();

    const cases: [string, string][] = [
      [`${slow.url}/p`, 'TIMEOUT'],
      [`${broken.url}/p`, 'HTTP_5XX'],
      [`${closedRobots.url}/p`, 'ROBOTS_DISALLOWED'],
      [`${garbage.url}/p`, 'PARSE'],
      [`${missing.url}/nope`, 'HTTP_4XX'],
      [`${goneUrl}/p`, 'NETWORK'],
    ];
    for (const [url, errorClass] of cases) {
      const job = await createJob(db(), { sellerId, targets: [{ url, productId: 1 }] });
      const run = await finished(db(), await runJob(db(), producers, job));
      expect(run, `${url} → ${errorClass}`).toMatchObject({ status: 'FAILED', errorClass, itemsFailed: 1 });
      expect(run.itemErrors).toEqual([{ url, errorClass, message: expect.any(String) }]);
    }
    // retried: 3 attempts of the 500 page, robots.txt never fetched the disallowed page
    expect(broken.hits.get('/p')).toBe(3);
    expect(closedRobots.hits.get('/p')).toBeUndefined();
    expect(missing.hits.get('/nope')).toBe(1);
  });

  it('retries a 500 that recovers and honours a 429 Retry-After; a mixed run is PARTIAL', async () => {
    const { sellerId, productIds } = await seedCatalogue(db(), 2);
    const recovering = await shop({
      catalogue: new Map([['/p', product('R-1', 5000)]]),
      behave: (_request, response, hits) => {
        if (hits > 1) return false;
        response.writeHead(503);
        response.end('busy');
        return true;
      },
    });
    const limited = await shop({
      catalogue: new Map([['/p', product('L-1', 7000)]]),
      behave: (_request, response, hits) => {
        if (hits > 1) return false;
        response.writeHead(429, { 'retry-after': '2' });
        response.end('slow down');
        return true;
      },
    });
    const started = Date.now();
    const job = await createJob(db(), {
      sellerId,
      targets: [
        { url: `${recovering.url}/p`, productId: productIds[0] },
        { url: `${limited.url}/p`, productId: productIds[1] },
      ],
    });
    const run = await finished(db(), await runJob(db(), producers, job));
    expect(run).toMatchObject({ status: 'SUCCESS', itemsCreated: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    expect(recovering.hits.get('/p')).toBe(2);
    expect(limited.hits.get('/p')).toBe(2);

    const missing = await shop({ catalogue: new Map() });
    const mixed = await createJob(db(), {
      sellerId,
      targets: [
        { url: `${recovering.url}/p`, productId: productIds[0] },
        { url: `${missing.url}/gone`, productId: productIds[1] },
      ],
    });
    const partial = await finished(db(), await runJob(db(), producers, mixed));
    expect(partial).toMatchObject({
      status: 'PARTIAL',
      itemsProcessed: 2,
      itemsUnchanged: 1,
      itemsFailed: 1,
      errorClass: 'HTTP_4XX',
    });
  });

  it('opens the host breaker after repeated 5xx: a page whose retries opened it keeps their class, later pages are CIRCUIT_OPEN without a request', async () => {
    const { sellerId } = await seedCatalogue(db(), 0);
    const down = await shop({
      behave: (_request, response) => {
        response.writeHead(502);
        response.end('bad gateway');
        return true;
      },
    });
    const job = await createJob(db(), {
      sellerId,
      targets: ['/1', '/2', '/3'].map((path) => ({ url: `${down.url}${path}`, productId: 1 })),
    });
    const run = await finished(db(), await runJob(db(), producers, job));
    expect(run.status).toBe('FAILED');
    // the second page failed for its own 502s (its retry found the breaker they opened); the third
    // was never requested
    expect(run.itemErrors.map((error) => error.errorClass)).toEqual(['HTTP_5XX', 'HTTP_5XX', 'CIRCUIT_OPEN']);
    expect(run.itemErrors[1]?.message).toMatch(/breaker open/);
    // 3 attempts of the first page, 2 of the second before the breaker opened (5 failures)
    expect(
      [...down.hits.entries()]
        .filter(([path]) => path !== '/robots.txt')
        .reduce((n, [, hits]) => n + hits, 0),
    ).toBe(5);
  });

  it('turns a job off after CRAWLER_AUTO_DISABLE_AFTER failed runs in a row, with the reason', async () => {
    const { sellerId } = await seedCatalogue(db(), 0);
    const missing = await shop({ catalogue: new Map() });
    const job = await createJob(db(), { sellerId, targets: [{ url: `${missing.url}/x`, productId: 1 }] });
    await finished(db(), await runJob(db(), producers, job));
    await finished(db(), await runJob(db(), producers, job));
    const { crawlerJobs } = await import('@pbshop/db');
    const [row] = await db().select().from(crawlerJobs).where(eq(crawlerJobs.id, job.id));
    expect(row).toMatchObject({ isActive: false, consecutiveFailures: 2 });
    expect(row?.disabledReason).toMatch(/2 failed runs in a row.*HTTP_4XX/);
  });
});

describe('schedules', () => {
  it('a job scheduler fires SCHEDULED runs; a schedule whose job is gone removes itself', async () => {
    const { sellerId, productIds } = await seedCatalogue(db(), 1);
    const s = await shop({ catalogue: new Map([['/p', product('S-1', 3000)]]) });
    const job = await createJob(db(), {
      sellerId,
      cronExpression: '*/2 * * * * *',
      targets: [{ url: `${s.url}/p`, productId: productIds[0] }],
    });
    const queue = producers.queues['crawler-collect'];
    const template = { name: 'crawler-collect', data: { requestId: `scheduler:${job.id}`, jobId: job.id } };
    await queue.upsertJobScheduler(
      `crawler-job-${job.id}`,
      { pattern: '*/2 * * * * *', tz: 'Asia/Seoul' },
      template,
    );
    const { crawlerRuns, crawlerJobs } = await import('@pbshop/db');
    const run = await waitFor(
      'a scheduled run to succeed',
      async () => {
        const [row] = await db()
          .select()
          .from(crawlerRuns)
          .where(and(eq(crawlerRuns.jobId, job.id), eq(crawlerRuns.status, 'SUCCESS')));
        return row;
      },
      20_000,
    );
    expect(run).toMatchObject({ triggerType: 'SCHEDULED', itemsCreated: 1 });
    expect(run.queueJobId).toMatch(/^repeat:/);
    // the job is deleted behind the scheduler's back: its next firing removes the schedule
    await db().delete(crawlerJobs).where(eq(crawlerJobs.id, job.id));
    await waitFor('the orphaned schedule to be removed', async () =>
      (await queue.getJobScheduler(`crawler-job-${job.id}`)) === undefined ? true : undefined,
    );
  });
});
