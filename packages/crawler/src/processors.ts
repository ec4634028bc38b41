import type { Env } from '@pbshop/config';
import type { Database } from '@pbshop/db';
import { createDatabase } from '@pbshop/db';
import {
  bullPrefix,
  JobProducers,
  type ProcessorSet,
  type SearchSyncSignal,
  searchSyncSignal,
  type WorkerDeps,
} from '@pbshop/queues';
import { autoTuneFrom, PermanentFailure, ResilienceRegistry } from '@pbshop/resilience';
import { Queue } from 'bullmq';
import { crawlerUserAgent, type FetchedPage } from './fetch.ts';
import { hostPoliteness } from './politeness.ts';
import { robotsRules } from './robots.ts';
import { type CrawlCatalog, crawlRuns } from './run.ts';
import { pageValidators } from './validators.ts';

const MAX_PAGE_BYTES = 5 * 1024 * 1024;

/** Reads a response body up to a byte limit, so a hostile site cannot exhaust memory. */
async function readLimited(response: Response, limit: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new PermanentFailure(`page larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Fetches a seller page under the seller host's `crawler:<host>` breaker, with a timeout per
 * attempt; 5xx and 429 count as failures (retried, and they open the breaker), 4xx does not.
 */
export async function fetchSellerPage(
  resilience: ResilienceRegistry,
  url: string,
  signal: AbortSignal,
): Promise<FetchedPage> {
  const host = new URL(url).host;
  return resilience.execute(
    `crawler:${host}`,
    async (attemptSignal) => {
      const response = await fetch(url, {
        signal: attemptSignal,
        redirect: 'follow',
        headers: {
          'user-agent': crawlerUserAgent,
          accept: 'text/html,application/xhtml+xml,application/json',
        },
      });
      if (response.status >= 500 || response.status === 429) {
        await response.body?.cancel();
        throw new Error(`${host} answered ${response.status}`);
      }
      const body = await readLimited(response, MAX_PAGE_BYTES);
      return {
        url: response.url,
        status: response.status,
        contentType: response.headers.get('content-type'),
        bytes: Buffer.byteLength(body),
        body,
        etag: response.headers.get('etag'),
        lastModified: response.headers.get('last-modified'),
      };
    },
    signal,
  );
}

/** How often interrupted runs are looked for (runs whose worker died and whose job will not resume them). */
const SWEEP_MS = 30_000;

/**
 * Builds the catalog the crawler writes offers through, over this process's database and search
 * wake-up (worker-crawler: the prices module's service; the API's inline workers: its own).
 */
export type CrawlCatalogFactory = (db: Database, searchSync: SearchSyncSignal) => CrawlCatalog;

/**
 * The crawler-collect processor: a run (`runId`, or a scheduled firing's `jobId`) collects its
 * pages and writes offers through `catalog`; a bare `url` fetches one page and reports it.
 */
export function crawlerProcessors(
  { env, logger, redis }: WorkerDeps,
  catalog: CrawlCatalogFactory,
): ProcessorSet {
  const resilience = crawlerResilience(env, logger, redis);
  const database = createDatabase(env.DATABASE_URL, {
    max: Math.max(2, env.CRAWLER_CONCURRENCY),
    applicationName: 'pbshop-worker-crawler',
  });
  const queue = new Queue('crawler-collect', { connection: redis, prefix: bullPrefix(env.REDIS_KEY_PREFIX) });
  queue.on('error', () => {});
  const producers = new JobProducers(redis, bullPrefix(env.REDIS_KEY_PREFIX));
  const runs = crawlRuns({
    db: database.db,
    logger,
    resilience,
    queue,
    politeness: hostPoliteness(redis, env.REDIS_KEY_PREFIX, {
      minIntervalMs: env.CRAWLER_HOST_MIN_INTERVAL_MS,
      concurrency: env.CRAWLER_HOST_CONCURRENCY,
      // a place is held for one attempt: a dead worker's place frees soon after its fetch would have ended
      placeTtlMs: 2 * env.CRAWLER_FETCH_TIMEOUT_MS + 5000,
    }),
    robots: robotsRules(
      redis,
      env.REDIS_KEY_PREFIX,
      env.CRAWLER_ROBOTS_CACHE_MS,
      env.CRAWLER_FETCH_TIMEOUT_MS,
    ),
    fetch: {
      timeoutMs: env.CRAWLER_FETCH_TIMEOUT_MS,
      retries: env.CRAWLER_FETCH_RETRIES,
      maxBytes: env.CRAWLER_MAX_PAGE_BYTES,
    },
    autoDisableAfter: env.CRAWLER_AUTO_DISABLE_AFTER,
    pageConcurrency: env.CRAWLER_HOST_CONCURRENCY,
    anomaly: { lowerRatio: env.CRAWLER_ANOMALY_LOWER_RATIO, upperRatio: env.CRAWLER_ANOMALY_UPPER_RATIO },
    catalog: catalog(database.db, searchSyncSignal(producers, logger)),
    validators: pageValidators(redis, env.REDIS_KEY_PREFIX),
  });
  const sweep = () =>
    runs
      .sweepInterrupted()
      .catch((error: unknown) => logger.warn({ err: error }, 'crawler run sweep failed'));
  const sweeper = setInterval(sweep, SWEEP_MS);
  sweeper.unref();
  void sweep();
  return {
    processors: [
      {
        queue: 'crawler-collect',
        concurrency: env.CRAWLER_CONCURRENCY,
        async process(payload, { job, signal, logger: jobLogger }) {
          if (payload.url === undefined) return runs.process(payload, job, signal);
          const started = performance.now();
          const page = await fetchSellerPage(resilience, payload.url, signal);
          const summary = {
            url: page.url,
            status: page.status,
            contentType: page.contentType,
            bytes: page.bytes,
            ms: Math.round(performance.now() - started),
          };
          jobLogger.info(summary, 'seller page fetched');
          return summary;
        },
      },
    ],
    async close() {
      clearInterval(sweeper);
      await resilience.close();
      await queue.close().catch(() => {});
      await producers.close().catch(() => {});
      await database.close();
    },
  };
}

function crawlerResilience(
  env: Env,
  logger: WorkerDeps['logger'],
  redis: WorkerDeps['redis'],
): ResilienceRegistry {
  return new ResilienceRegistry({
    service: 'worker-crawler',
    logger,
    redis,
    keyPrefix: env.REDIS_KEY_PREFIX,
    // one attempt per call: fetchPage retries itself (backoff, Retry-After, politeness between attempts)
    overrides: { crawler: { timeoutMs: env.CRAWLER_FETCH_TIMEOUT_MS } },
    autoTune: autoTuneFrom(env),
  });
}
