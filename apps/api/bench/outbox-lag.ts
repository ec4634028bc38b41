// The outbox lag of `pnpm bench:search`: how long a committed product write takes to become
// searchable while writes flow at a steady rate. worker-search runs as its own process (its
// main.ts, with the run's environment); the writes go through the API's own services, built as
// the routes build them from the API's deps, so each commits its outbox row in its transaction and
// then wakes the worker through the API's real `SearchSyncSignal` (a deduplicated
// `search-index-sync` job). Most writes lower the cheapest in-stock offer of a random product
// (PATCH /prices/:id: the document's lowestPrice changes), the others rename a random product
// (PATCH /products/:id). Every `sampleEvery`-th write is followed from its commit until a `_search`
// on the alias returns the written value; every outbox row of the run gives its indexed lag
// (processed_at − created_at). Measures only: the index's refresh interval is left as it is
// (reported; the default 1 s bounds searchability), and nothing is asserted.
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { SearchSyncSignal } from '@pbshop/queues';
import { listWorkerBeats } from '@pbshop/queues';
import { percentile, type RunningProcess, spawnProcess, waitFor } from '@pbshop/testing';
import type { ApiDeps } from '../src/deps.ts';
import type { Principal } from '../src/http/principal.ts';
import { pricesService } from '../src/modules/catalog/prices/service.ts';
import { productsService } from '../src/modules/catalog/products/service.ts';

const workerEntry = fileURLToPath(import.meta.resolve('@pbshop/worker-search/main'));
/** a followed write still not searchable after this long counts as a timeout */
const GIVE_UP_MS = 30_000;
const POLL_EVERY_MS = 20;
/** lowestPrice step of a price write (won): always below the product's current lowest price */
const PRICE_STEP = 10;

export interface OutboxLagOptions {
  /** the run's environment (DATABASE_URL, REDIS_*, OPENSEARCH_*): worker-search is started with it */
  env: Record<string, string>;
  /** the API's dependencies, on the same database, Redis prefix and index prefix */
  deps: ApiDeps;
  /** the products read alias */
  alias: string;
  seconds: number;
  writesPerSecond: number;
  /** every n-th write is followed until searchable (default 10) */
  sampleEvery?: number;
  /** share of writes that rename the product instead of lowering its lowest offer (default 0.25) */
  renameShare?: number;
}

export interface OutboxLagResult {
  writes: number;
  failedWrites: number;
  writesPerSecond: number;
  /** figure → value, in print order */
  rows: { figure: string; value: string }[];
}

interface Target {
  productId: number;
  offerId: number;
  /** the product's lowest price: this offer's price (the cheapest that counts) */
  price: number;
  baseName: string;
  version: number;
}

interface Sample {
  productId: number;
  field: 'lowestPrice' | 'name';
  expected: number | string;
  committedAt: number;
}

/** What the write in this async context saw: when its transaction committed. */
interface CommitClock {
  committedAt?: number;
  onCommit?(at: number): void;
}

const ms = (value: number) => (Number.isNaN(value) ? '–' : value.toFixed(0));

/**
 * Runs worker-search, writes for `seconds` at `writesPerSecond` (open loop: a write starts at its
 * slot whether or not the previous ones finished), follows a sample of the writes until they are
 * searchable, waits (≤ 30 s) for the outbox to drain, stops the worker with SIGTERM, and returns
 * the figures.
 */
export async function measureOutboxLag(options: OutboxLagOptions): Promise<OutboxLagResult> {
  const { deps, alias } = options;
  const sql = deps.database.sql;
  const client = deps.search;
  const sampleEvery = options.sampleEvery ?? 10;
  const renameShare = options.renameShare ?? 0.25;

  // the refresh interval in force: reported, never changed here
  const settings = await client.indices.getSettings({
    index: alias,
    include_defaults: true,
    flat_settings: true,
  });
  const [indexName, indexSettings] = Object.entries(
    settings.body as Record<string, { settings?: Record<string, string>; defaults?: Record<string, string> }>,
  )[0]!;
  const explicitRefresh = indexSettings.settings?.['index.refresh_interval'];
  const refreshInterval = explicitRefresh
    ? `${explicitRefresh} (set on ${indexName})`
    : `${indexSettings.defaults?.['index.refresh_interval'] ?? '?'} (default)`;

  // listed products with an offer that counts for the lowest price, and their cheapest such offer
  const targets: Target[] = (
    await sql<{ product_id: number; offer_id: number; price: number; name: string; version: number }[]>`
      select distinct on (offer.product_id) offer.product_id, offer.id as offer_id, offer.price,
             product.name, product.version
      from offers offer
      join sellers seller on seller.id = offer.seller_id and seller.deleted_at is null
      join products product on product.id = offer.product_id
        and product.deleted_at is null and product.status <> 'HIDDEN'
      where offer.stock_state <> 'OUT_OF_STOCK'
      order by offer.product_id, offer.price, offer.id`
  ).map((row) => ({
    productId: row.product_id,
    offerId: row.offer_id,
    price: Number(row.price),
    baseName: row.name.slice(0, 180),
    version: row.version,
  }));
  if (targets.length === 0) throw new Error('no listed product with an in-stock offer to write to');

  // the services as the routes build them, woken through the API's own signal; the wrapper only
  // notes when each write committed (the services call wake right after their transaction)
  const commits = new AsyncLocalStorage<CommitClock>();
  const wakeLatencies: number[] = [];
  const searchSync: SearchSyncSignal = {
    async wake(wakeOptions) {
      const clock = commits.getStore();
      const calledAt = performance.now();
      if (clock && clock.committedAt === undefined) {
        clock.committedAt = calledAt;
        clock.onCommit?.(calledAt);
      }
      await deps.searchSync.wake(wakeOptions);
      wakeLatencies.push(performance.now() - calledAt);
    },
  };
  const prices = pricesService(deps.database.db, deps.sellers, searchSync);
  const products = productsService(deps.database.db, deps.categories, searchSync);
  // no member row: the services take the principal as given
  const admin: Principal = { id: 1, role: 'ADMIN', tokenVersion: 0 };

  const worker = await startWorker(options);
  try {
    const [mark] = await sql<{ id: number }[]>`select coalesce(max(id), 0)::int8 as id from search_outbox`;
    const watermark = Number(mark?.id ?? 0);

    // a product is written by one write at a time and is not written again while its sample is followed
    const inFlight = new Set<number>();
    const pending = new Map<number, Sample>();
    const pick = (): Target | undefined => {
      for (let attempt = 0; attempt < 50; attempt++) {
        const target = targets[Math.floor(Math.random() * targets.length)]!;
        if (!inFlight.has(target.productId) && !pending.has(target.productId)) return target;
      }
      return undefined;
    };

    const searchableLags: number[] = [];
    const writeLatencies: number[] = [];
    const commitLatencies: number[] = [];
    let timeouts = 0;
    let pollErrors = 0;
    let renames = 0;
    let priceWrites = 0;
    let failedWrites = 0;
    let skipped = 0;
    let firstError: string | null = null;

    // one `_search` per tick for every followed product (ids query), whatever their number
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const started = performance.now();
        const followed = [...pending.values()];
        if (followed.length > 0) {
          try {
            const response = await client.search({
              index: alias,
              body: {
                size: followed.length,
                query: { ids: { values: followed.map((sample) => String(sample.productId)) } },
                _source: ['lowestPrice', 'name'],
              },
            });
            const now = performance.now();
            for (const hit of response.body.hits.hits) {
              const sample = hit._id === undefined ? undefined : pending.get(Number(hit._id));
              const source = hit._source as Record<string, unknown> | undefined;
              if (sample && source?.[sample.field] === sample.expected) {
                searchableLags.push(now - sample.committedAt);
                pending.delete(sample.productId);
              }
            }
          } catch {
            pollErrors++;
          }
          const now = performance.now();
          for (const sample of pending.values()) {
            if (now - sample.committedAt > GIVE_UP_MS) {
              timeouts++;
              pending.delete(sample.productId);
            }
          }
        }
        await sleep(Math.max(0, POLL_EVERY_MS - (performance.now() - started)));
      }
    })();

    async function write(slot: number): Promise<void> {
      const target = pick();
      if (!target) {
        skipped++;
        return;
      }
      inFlight.add(target.productId);
      const rename = Math.random() < renameShare || target.price <= PRICE_STEP * 10;
      const name = `${target.baseName} #${slot}`;
      const price = target.price - PRICE_STEP;
      const clock: CommitClock = {};
      if (slot % sampleEvery === 0) {
        clock.onCommit = (committedAt) =>
          pending.set(target.productId, {
            productId: target.productId,
            field: rename ? 'name' : 'lowestPrice',
            expected: rename ? name : price,
            committedAt,
          });
      }
      const started = performance.now();
      try {
        await commits.run(clock, async () => {
          if (rename) {
            const detail = await products.update(target.productId, { version: target.version, name });
            target.version = detail.version;
            renames++;
          } else {
            await prices.update(target.offerId, { price }, admin);
            target.price = price;
            priceWrites++;
          }
        });
        writeLatencies.push(performance.now() - started);
        if (clock.committedAt !== undefined) commitLatencies.push(clock.committedAt - started);
      } catch (error) {
        failedWrites++;
        firstError ??= error instanceof Error ? error.message : String(error);
      } finally {
        inFlight.delete(target.productId);
      }
    }

    const interval = 1000 / options.writesPerSecond;
    const slots = Math.round(options.seconds * options.writesPerSecond);
    const running = new Set<Promise<void>>();
    const phaseStarted = performance.now();
    for (let slot = 0; slot < slots; slot++) {
      const wait = phaseStarted + slot * interval - performance.now();
      if (wait > 0) await sleep(wait);
      const promise = write(slot);
      running.add(promise);
      void promise.finally(() => running.delete(promise));
    }
    await Promise.all(running);
    const writesDone = performance.now();
    const backlogAtStop = await backlog(sql);

    // let the followed writes and the outbox settle (a followed write gives up after 30 s anyway)
    let backlogAtEnd = backlogAtStop;
    const settleDeadline = performance.now() + GIVE_UP_MS;
    while ((pending.size > 0 || backlogAtEnd > 0) && performance.now() < settleDeadline) {
      await sleep(100);
      backlogAtEnd = await backlog(sql);
    }
    const settledMs = performance.now() - writesDone;
    while (pending.size > 0 && performance.now() < settleDeadline + GIVE_UP_MS) await sleep(50);
    polling = false;
    await poller;

    const outboxRows = await sql<{ status: string; lag_ms: number | null }[]>`
      select status, case when status = 'COMPLETED'
                          then extract(epoch from processed_at - created_at)::float8 * 1000 end as lag_ms
      from search_outbox where id > ${watermark}`;
    const indexedLags = outboxRows
      .filter((row) => row.lag_ms !== null)
      .map((row) => Number(row.lag_ms))
      .sort((a, b) => a - b);
    const failedRows = outboxRows.filter((row) => row.status === 'FAILED').length;

    const stopped = await worker.stop('SIGTERM');
    const workerWarnings = worker.logs.filter((line) => (line.level ?? 0) >= 40);

    const written = writeLatencies.length;
    const phaseSeconds = (writesDone - phaseStarted) / 1000;
    const achieved = written / phaseSeconds;
    for (const list of [searchableLags, writeLatencies, commitLatencies, wakeLatencies]) {
      list.sort((a, b) => a - b);
    }
    const p50p99 = (sorted: number[]) => `${ms(percentile(sorted, 0.5))} / ${ms(percentile(sorted, 0.99))}`;
    const rows = [
      {
        figure: 'writes done (price / rename), failed, skipped',
        value: `${written} (${priceWrites} / ${renames}), ${failedWrites}${firstError ? ` (first: ${firstError})` : ''}, ${skipped}`,
      },
      {
        figure: `achieved writes/s (target ${options.writesPerSecond} for ${options.seconds} s)`,
        value: `${achieved.toFixed(1)} (${written} in ${phaseSeconds.toFixed(2)} s)`,
      },
      {
        figure: 'write call p50 / p99 ms: whole call; its start → commit; wake-up enqueue',
        value: `${p50p99(writeLatencies)}; ${p50p99(commitLatencies)}; ${p50p99(wakeLatencies)}`,
      },
      {
        figure: `searchable lag p50 / p95 / p99 / max ms (commit → visible in _search; every ${sampleEvery}th write)`,
        value: `${ms(percentile(searchableLags, 0.5))} / ${ms(percentile(searchableLags, 0.95))} / ${ms(percentile(searchableLags, 0.99))} / ${ms(searchableLags.at(-1) ?? Number.NaN)} (n=${searchableLags.length})`,
      },
      {
        figure: `searchable timeouts (> ${GIVE_UP_MS / 1000} s), failed polls`,
        value: `${timeouts}, ${pollErrors}`,
      },
      {
        figure: 'indexed lag p50 / p99 / max ms (outbox processed_at − created_at)',
        value: `${ms(percentile(indexedLags, 0.5))} / ${ms(percentile(indexedLags, 0.99))} / ${ms(indexedLags.at(-1) ?? Number.NaN)} (n=${indexedLags.length} of ${outboxRows.length} rows)`,
      },
      { figure: 'outbox rows FAILED', value: String(failedRows) },
      {
        figure: 'outbox backlog (PENDING + PROCESSING) when writes stopped → at the end',
        value: `${backlogAtStop} → ${backlogAtEnd} (${(settledMs / 1000).toFixed(2)} s later)`,
      },
      { figure: 'index refresh_interval', value: refreshInterval },
      {
        figure: 'worker-search (own process): stop, warnings logged',
        value: `SIGTERM → exit ${stopped.code ?? stopped.signal} in ${stopped.ms.toFixed(0)} ms, ${workerWarnings.length}${workerWarnings[0] ? ` (first: ${String(workerWarnings[0].msg)})` : ''}`,
      },
    ];
    return { writes: written, failedWrites, writesPerSecond: achieved, rows };
  } finally {
    // also when the measurement failed: no worker outlives the bench
    await worker.stop('SIGTERM');
  }
}

async function backlog(sql: ApiDeps['database']['sql']): Promise<number> {
  const [row] = await sql<{ count: number }[]>`
    select count(*)::int as count from search_outbox where status in ('PENDING', 'PROCESSING')`;
  return row?.count ?? 0;
}

/**
 * Spawns worker-search with the run's environment and waits until it is ready: its heartbeat is
 * in Redis and its bootstrap job (index present, mapping current, first drain) has completed.
 */
async function startWorker({ env, deps }: OutboxLagOptions): Promise<RunningProcess> {
  const worker = spawnProcess(workerEntry, { ...env, LOG_LEVEL: 'warn' });
  const orphanGuard = () => {
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGTERM');
  };
  process.once('exit', orphanGuard);
  void worker.exited.then(() => process.off('exit', orphanGuard));
  const pid = worker.child.pid;
  const exited = () => {
    if (worker.child.exitCode !== null || worker.child.signalCode !== null) {
      throw new Error(`worker-search exited while starting; stderr: ${worker.stderr.join('')}`);
    }
  };
  try {
    await waitFor(
      'the worker-search heartbeat',
      async () => {
        exited();
        if (deps.redis.status !== 'ready') return false;
        const beats = await listWorkerBeats(deps.redis, env.REDIS_KEY_PREFIX!);
        return beats.some((beat) => beat.service === 'worker-search' && beat.instance.endsWith(`:${pid}`));
      },
      60_000,
      100,
    );
    const queue = deps.producers.queues['search-index-sync'];
    const bootstrapId = `worker-search-start-${pid}`;
    await waitFor(
      'the worker-search bootstrap job',
      async () => {
        exited();
        const jobs = await queue.getJobs(['completed'], 0, 200);
        return jobs.some((job) => job?.data?.requestId === bootstrapId);
      },
      60_000,
      100,
    );
  } catch (error) {
    await worker.stop('SIGTERM');
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}; worker logs: ${JSON.stringify(worker.logs.slice(-5))}`,
      { cause: error },
    );
  }
  return worker;
}
