// pnpm --filter @pbshop/worker-crawler bench:crawl [pages] [concurrency]
// On its own test database (cloned from the migrated template) and Redis prefix: seeds a catalogue,
// serves every product as a JSON-LD page (price and three specs) from a local fixture shop (with an
// ETag, answering 304 to a matching If-None-Match, as real shops do), then in one process measures
//  - the raw fetch rate of those pages (undici, same concurrency, bodies read), before and after
//    each crawl it is compared with, so the ratio sees the machine's pace of the moment;
//  - crawler runs over them with politeness off (interval 0, host concurrency = concurrency):
//    1. the first crawl (every offer created or updated), an unmeasured unchanged crawl (warm-up),
//    2. the same pages again, three times (all unchanged: pages per second through robots, a
//    conditional fetch answered 304, the stored item, link and the unchanged checks, next to the
//    raw rate of full GETs), 3. every price changed on the shop (every offer updated), 4. unchanged
//    three times again; the ratio's median over the six;
//  - where an unchanged page's time goes, in the same window as the raw rate: the raw fetch inside
//    the host's breaker (the resilience registry's policies), the crawler's fetch (fetchPage: the
//    breaker, undici with its options, the run's abort, redirects), then with the parse, and the
//    raw conditional GET (If-None-Match answered 304: what an unchanged page costs on the wire);
//  - the catalog's batch write alone (no fetching) for the same offers, changed and unchanged.
// Each figure comes with this process's CPU time per page (client, shop and crawler share it):
// unlike the rates, it hardly moves when other processes load the machine.
// the worker's V8 settings, first as in src/main.ts: the crawls and the raw fetches run under them
import '../src/gc-tuning.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { standaloneCrawlerOffers } from '@pbshop/api/crawler-offers';
import { createLogger, parseEnv } from '@pbshop/config';
import {
  type CollectedOffer,
  crawlRuns,
  fetchPage,
  hostPoliteness,
  pageValidators,
  parseProductPage,
  RECORD_BATCH,
  robotsRules,
} from '@pbshop/crawler';
import { crawlerJobs, crawlerRuns, createDatabase, products, sellers, specDefinitions } from '@pbshop/db';
import { seedDatabase } from '@pbshop/db/seed';
import { bullPrefix, createRedis, JobProducers, noSearchSync } from '@pbshop/queues';
import { ResilienceRegistry } from '@pbshop/resilience';
import { createTestContext, median } from '@pbshop/testing';
import { type Job, Queue } from 'bullmq';
import { asc, eq } from 'drizzle-orm';
import { Agent, request } from 'undici';
import { etagOf, productPage, sendPage } from '../src/simulator/pages.ts';

const pages = Number(process.argv[2] ?? 10_000);
const concurrency = Number(process.argv[3] ?? 16);
/** unchanged crawls measured before the shop reprices, and as many after */
const UNCHANGED_ROUNDS = 3;

const ctx = await createTestContext();
const env = parseEnv({ ...process.env, ...ctx.env, LOG_LEVEL: 'warn' });
const logger = createLogger(env, 'bench-crawl');
const database = createDatabase(env.DATABASE_URL, { max: concurrency + 2 });
const redis = createRedis(env.REDIS_URL, 'worker');
const producers = new JobProducers(redis, bullPrefix(env.REDIS_KEY_PREFIX));
const queue = new Queue('crawler-collect', { connection: redis, prefix: bullPrefix(env.REDIS_KEY_PREFIX) });
const db = database.db;
const perSecond = (count: number, seconds: number) => Math.round(count / seconds);

/** Runs `work` over `count` pages: its wall time and this process's CPU microseconds per page. */
async function timed<T>(count: number, work: () => Promise<T>) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    result,
    seconds,
    pagesPerSecond: perSecond(count, seconds),
    cpuMicrosPerPage: Math.round((used.user + used.system) / count),
  };
}

try {
  console.log(`seeding ${pages} products…`);
  await seedDatabase(env.DATABASE_URL, { products: pages, log: () => {} });
  const rows = await db
    .select({ id: products.id, name: products.name, categoryId: products.categoryId })
    .from(products)
    .orderBy(asc(products.id))
    .limit(pages);
  // every page lists three specs (the job collects specs): two are definitions of the products'
  // categories, one is not (noted on the run)
  await db
    .insert(specDefinitions)
    .values(
      [...new Set(rows.map((row) => row.categoryId))].flatMap((categoryId) => [
        { categoryId, key: 'bench_weight', name: '무게', type: 'NUMBER' as const, unit: 'kg' },
        { categoryId, key: 'bench_color', name: '색상', type: 'TEXT' as const },
      ]),
    )
    .onConflictDoNothing();
  const pageSpecs = [
    { name: '무게', value: '1.2 kg' },
    { name: '색상', value: '블랙' },
    { name: '제조국', value: '대한민국' },
  ];
  // the shop's prices: every page's price moves by `shift` when the shop reprices
  let shift = 0;
  // each page with its ETag, kept as a shop's cache keeps it
  const bodies = new Map<string, { html: string; etag: string }>();
  const reprice = () => {
    for (const [index, row] of rows.entries()) {
      const html = productPage('json-ld', {
        code: `B-${row.id}`,
        title: row.name,
        specs: pageSpecs,
        price: 100_000 + index + shift,
        shippingFee: 0,
        inStock: true,
      });
      bodies.set(`/p/${row.id}`, { html, etag: etagOf(html) });
    }
  };
  reprice();
  const server = createServer((req, res) => {
    if (req.url === '/robots.txt') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('User-agent: *\nAllow: /\n');
      return;
    }
    const page = bodies.get(req.url ?? '');
    if (!page) {
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
      res.end('missing');
      return;
    }
    sendPage(req, res, page.html, page.etag);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const urls = rows.map((row) => `${origin}/p/${row.id}`);

  const agent = new Agent({ connections: concurrency });
  /** `fetch` for every page, `concurrency` at a time: pages per second and CPU per page. */
  const rateOf = async (fetch: (url: string) => Promise<unknown>) => {
    let next = 0;
    const { pagesPerSecond, cpuMicrosPerPage } = await timed(urls.length, () =>
      Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < urls.length) await fetch(urls[next++] as string);
        }),
      ),
    );
    return { pagesPerSecond, cpuMicrosPerPage };
  };
  /** Pages per second with undici alone. */
  const rawRate = () =>
    rateOf(async (url) => {
      const response = await request(url, { dispatcher: agent });
      await response.body.text();
    });

  const [seller] = await db.select().from(sellers).limit(1);
  const sellerId = seller!.id;
  const [job] = await db
    .insert(crawlerJobs)
    .values({
      sellerId,
      name: 'bench',
      detectAnomaly: false,
      targets: rows.map((row) => ({ url: `${origin}/p/${row.id}`, productId: row.id })),
    })
    .returning();
  const resilience = new ResilienceRegistry({ service: 'bench', logger });
  const fetchSettings = { timeoutMs: 10_000, retries: 2, maxBytes: 5 * 1024 * 1024 };
  const running = new AbortController().signal;
  /**
   * Where an unchanged page's time goes: raw, inside the breaker, the crawler's fetch, with the
   * parse; three rounds, each stage's best (a collection landing in one stage is not its cost).
   */
  const stages = async () => {
    const breaker = `crawler:${new URL(origin).host}`;
    const kinds = {
      raw: rawRate,
      rawInBreaker: () =>
        rateOf((url) =>
          resilience.execute(breaker, async () => {
            const response = await request(url, { dispatcher: agent });
            await response.body.text();
          }),
        ),
      fetchPage: () => rateOf((url) => fetchPage(resilience, url, fetchSettings, running)),
      fetchPageAndParse: () =>
        rateOf(async (url) =>
          parseProductPage((await fetchPage(resilience, url, fetchSettings, running)).body),
        ),
      rawConditional: () =>
        rateOf(async (url) => {
          const etag = bodies.get(new URL(url).pathname)?.etag ?? '';
          const response = await request(url, { dispatcher: agent, headers: { 'if-none-match': etag } });
          await response.body.text();
        }),
    };
    const best: Record<string, { pagesPerSecond: number; cpuMicrosPerPage: number }> = {};
    for (let round = 0; round < 3; round += 1) {
      for (const [kind, measure] of Object.entries(kinds)) {
        const { pagesPerSecond, cpuMicrosPerPage } = await measure();
        const sofar = best[kind];
        best[kind] = {
          pagesPerSecond: Math.max(pagesPerSecond, sofar?.pagesPerSecond ?? 0),
          cpuMicrosPerPage: Math.min(cpuMicrosPerPage, sofar?.cpuMicrosPerPage ?? Number.POSITIVE_INFINITY),
        };
      }
    }
    return best as Record<keyof typeof kinds, { pagesPerSecond: number; cpuMicrosPerPage: number }>;
  };
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
    fetch: fetchSettings,
    autoDisableAfter: 0,
    pageConcurrency: concurrency,
    catalog: offers,
    anomaly: { lowerRatio: 0, upperRatio: 100 },
    validators: pageValidators(redis, env.REDIS_KEY_PREFIX),
  });
  const crawl = async () => {
    const [run] = await db
      .insert(crawlerRuns)
      .values({ jobId: job!.id, sellerId, triggerType: 'MANUAL', detectAnomaly: false })
      .returning();
    const { seconds, pagesPerSecond, cpuMicrosPerPage } = await timed(pages, () =>
      runs.process(
        { runId: run!.id },
        { id: `bench-${run!.id}`, attemptsMade: 0, opts: { attempts: 1 } } as Job,
        running,
      ),
    );
    const [done] = await db.select().from(crawlerRuns).where(eq(crawlerRuns.id, run!.id));
    const { status, itemsCreated, itemsUpdated, itemsUnchanged, itemsFailed } = done!;
    return {
      status,
      created: itemsCreated,
      updated: itemsUpdated,
      unchanged: itemsUnchanged,
      failed: itemsFailed,
      seconds: Number(seconds.toFixed(2)),
      pagesPerSecond,
      cpuMicrosPerPage,
    };
  };
  /** An unchanged crawl between two raw measurements: its rate against theirs. */
  const unchangedCrawl = async () => {
    const rawBefore = await rawRate();
    const run = await crawl();
    const rawAfter = await rawRate();
    const raw = (rawBefore.pagesPerSecond + rawAfter.pagesPerSecond) / 2;
    return { ...run, raw: [rawBefore, rawAfter], crawlToRaw: Number((run.pagesPerSecond / raw).toFixed(2)) };
  };
  /** The catalog's batch write alone, in the run's batch size: offers per second. */
  const catalogWrites = async () => {
    const collected: CollectedOffer[] = rows.map((row, index) => ({
      productId: row.id,
      sellerId,
      price: 100_000 + index + shift,
      shippingFee: 0,
      stockState: 'IN_STOCK',
      url: `${origin}/p/${row.id}`,
    }));
    const outcomes: Record<string, number> = {};
    const { seconds, pagesPerSecond } = await timed(pages, async () => {
      for (let at = 0; at < collected.length; at += RECORD_BATCH) {
        for (const outcome of await offers.writeOffers(collected.slice(at, at + RECORD_BATCH))) {
          const key = typeof outcome === 'string' ? outcome : 'failed';
          outcomes[key] = (outcomes[key] ?? 0) + 1;
        }
      }
    });
    return { outcomes, seconds: Number(seconds.toFixed(2)), offersPerSecond: pagesPerSecond };
  };

  await rawRate(); // warm-up: connections, JIT
  const firstCrawl = await crawl();
  // the unchanged path's warm-up (JIT), as the raw fetch has its own above: without it the first
  // measured crawl compiled the conditional-fetch and stored-page code while it was being timed
  await crawl();
  // one unchanged crawl's ratio moves by ±0.1 with the machine's other work (a crawl is ~1 s):
  // several, before and after the shop reprices, and their median
  const unchanged: Awaited<ReturnType<typeof unchangedCrawl>>[] = [];
  for (let round = 0; round < UNCHANGED_ROUNDS; round += 1) unchanged.push(await unchangedCrawl());
  shift += 1000;
  reprice();
  const changedCrawl = await crawl();
  const unchangedAgain: typeof unchanged = [];
  for (let round = 0; round < UNCHANGED_ROUNDS; round += 1) unchangedAgain.push(await unchangedCrawl());
  const unchangedStages = await stages();
  shift += 1000;
  const catalogChanged = await catalogWrites();
  const catalogUnchanged = await catalogWrites();
  const allUnchanged = [...unchanged, ...unchangedAgain];
  const ratios = allUnchanged.map((run) => run.crawlToRaw).sort((a, b) => a - b);
  console.log(
    JSON.stringify(
      {
        pages,
        concurrency,
        recordBatch: RECORD_BATCH,
        loadavg: os.loadavg().map((load) => Number(load.toFixed(2))),
        firstCrawl,
        unchangedCrawls: unchanged,
        changedCrawl,
        unchangedCrawlsAgain: unchangedAgain,
        unchangedPageStages: unchangedStages,
        catalogBatchWrite: { changed: catalogChanged, unchanged: catalogUnchanged },
        summary: {
          crawlToRawRatio: { median: Number(median(ratios).toFixed(2)), all: ratios },
          // where an unchanged page's CPU goes (this process: client, shop and crawler)
          cpuMicrosPerPage: {
            ...Object.fromEntries(
              Object.entries(unchangedStages).map(([kind, stage]) => [kind, stage.cpuMicrosPerPage]),
            ),
            crawl: median(allUnchanged.map((run) => run.cpuMicrosPerPage)),
            rawBesideTheCrawls: median(
              allUnchanged.flatMap((run) => run.raw.map((raw) => raw.cpuMicrosPerPage)),
            ),
          },
          offerWritesPerSecond: {
            changed: changedCrawl.pagesPerSecond,
            unchanged: median(allUnchanged.map((run) => run.pagesPerSecond)),
          },
        },
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
