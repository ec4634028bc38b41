// pnpm --filter @pbshop/worker-crawler bench:crawl [pages] [concurrency]
// On its own test database (cloned from the migrated template) and Redis prefix: seeds a catalogue,
// serves every product as a JSON-LD page from a local fixture shop, then in one process measures
// 1. the raw fetch rate of those pages (undici, same concurrency, bodies read),
// 2. a crawler run over them with politeness off (interval 0, host concurrency = concurrency), whose
//    first pass creates every offer through the prices module (offer writes per second), and
// 3. a second run of the same pages, all unchanged (pages per second through robots, fetch, parse,
//    match and the unchanged check), printed next to the raw rate.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { standaloneCrawlerOffers } from '@pbshop/api/crawler-offers';
import { createLogger, parseEnv } from '@pbshop/config';
import { crawlRuns, hostPoliteness, robotsRules } from '@pbshop/crawler';
import { crawlerJobs, crawlerRuns, createDatabase, products, sellers } from '@pbshop/db';
import { seedDatabase } from '@pbshop/db/seed';
import { bullPrefix, createRedis, JobProducers, noSearchSync } from '@pbshop/queues';
import { ResilienceRegistry } from '@pbshop/resilience';
import { createTestContext } from '@pbshop/testing';
import { type Job, Queue } from 'bullmq';
import { asc, eq } from 'drizzle-orm';
import { Agent, request } from 'undici';
import { productPage } from '../src/simulator/pages.ts';

const pages = Number(process.argv[2] ?? 10_000);
const concurrency = Number(process.argv[3] ?? 16);

const ctx = await createTestContext();
const env = parseEnv({ ...process.env, ...ctx.env, LOG_LEVEL: 'warn' });
const logger = createLogger(env, 'bench-crawl');
const database = createDatabase(env.DATABASE_URL, { max: concurrency + 2 });
const redis = createRedis(env.REDIS_URL, 'worker');
const producers = new JobProducers(redis, bullPrefix(env.REDIS_KEY_PREFIX));
const queue = new Queue('crawler-collect', { connection: redis, prefix: bullPrefix(env.REDIS_KEY_PREFIX) });
const db = database.db;

try {
  console.log(`seeding ${pages} products…`);
  await seedDatabase(env.DATABASE_URL, { products: pages, log: () => {} });
  const rows = await db
    .select({ id: products.id, name: products.name })
    .from(products)
    .orderBy(asc(products.id))
    .limit(pages);
  const bodies = new Map(
    rows.map((row, index) => [
      `/p/${row.id}`,
      productPage('json-ld', {
        code: `B-${row.id}`,
        title: row.name,
        price: 100_000 + index,
        shippingFee: 0,
        inStock: true,
      }),
    ]),
  );
  const server = createServer((req, res) => {
    const body = req.url === '/robots.txt' ? 'User-agent: *\nAllow: /\n' : bodies.get(req.url ?? '');
    res.writeHead(body ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(body ?? 'missing');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const urls = rows.map((row) => `${origin}/p/${row.id}`);

  // 1. raw fetch rate
  const agent = new Agent({ connections: concurrency });
  let next = 0;
  const rawStart = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < urls.length) {
        const response = await request(urls[next++]!, { dispatcher: agent });
        await response.body.text();
      }
    }),
  );
  const rawRate = urls.length / ((performance.now() - rawStart) / 1000);

  // 2 and 3: crawler runs, politeness off
  const [seller] = await db.select().from(sellers).limit(1);
  const [job] = await db
    .insert(crawlerJobs)
    .values({
      sellerId: seller!.id,
      name: 'bench',
      detectAnomaly: false,
      targets: rows.map((row) => ({ url: `${origin}/p/${row.id}`, productId: row.id })),
    })
    .returning();
  const resilience = new ResilienceRegistry({ service: 'bench', logger });
  const offers = standaloneCrawlerOffers({
    db,
    searchSync: noSearchSync,
    redis,
    keyPrefix: env.REDIS_KEY_PREFIX,
    logger,
  });
  const runs = crawlRuns({
    db,
    logger,
    resilience,
    queue,
    politeness: hostPoliteness(redis, env.REDIS_KEY_PREFIX, { minIntervalMs: 0, concurrency }),
    robots: robotsRules(redis, env.REDIS_KEY_PREFIX, 60_000, 10_000),
    fetch: { timeoutMs: 10_000, retries: 2, maxBytes: 5 * 1024 * 1024 },
    autoDisableAfter: 0,
    pageConcurrency: concurrency,
    catalog: offers,
    anomaly: { lowerRatio: 0, upperRatio: 100 },
  });
  const runOnce = async () => {
    const [run] = await db
      .insert(crawlerRuns)
      .values({ jobId: job!.id, sellerId: seller!.id, triggerType: 'MANUAL', detectAnomaly: false })
      .returning();
    const started = performance.now();
    await runs.process(
      { runId: run!.id },
      { id: `bench-${run!.id}`, attemptsMade: 0, opts: { attempts: 1 } } as Job,
      new AbortController().signal,
    );
    const seconds = (performance.now() - started) / 1000;
    const [done] = await db.select().from(crawlerRuns).where(eq(crawlerRuns.id, run!.id));
    return { seconds, done: done! };
  };
  const first = await runOnce();
  const second = await runOnce();
  const writeRate = first.done.itemsCreated / first.seconds;
  const pageRate = second.done.itemsUnchanged / second.seconds;
  console.log(
    JSON.stringify(
      {
        pages,
        concurrency,
        rawFetchPagesPerSecond: Math.round(rawRate),
        firstRun: {
          status: first.done.status,
          created: first.done.itemsCreated,
          seconds: Number(first.seconds.toFixed(1)),
          offerWritesPerSecond: Math.round(writeRate),
        },
        secondRun: {
          status: second.done.status,
          unchanged: second.done.itemsUnchanged,
          seconds: Number(second.seconds.toFixed(1)),
          pagesPerSecond: Math.round(pageRate),
        },
        crawlToRawRatio: Number((pageRate / rawRate).toFixed(2)),
      },
      null,
      2,
    ),
  );
  await offers.close();
  await resilience.close();
  await agent.close();
  server.close();
} finally {
  await queue.close();
  await producers.close();
  redis.disconnect();
  await database.close();
  await ctx.cleanup();
}
