// `pnpm bench:search`: the search routes on a seeded database (BENCH_PRODUCTS, default 100000)
// whose products are indexed into this run's own OpenSearch index, each next to a bare Fastify
// route measured in the same process and run; then the same routes answered by the PostgreSQL
// fallback (OpenSearch unreachable). Prints figures; asserts nothing. Queries and prefixes are
// drawn per request from words of the seeded names (and misspellings of them), so no two
// consecutive requests are alike. Last, the outbox lag (bench/outbox-lag.ts): worker-search as its
// own process, product writes through the API's services at BENCH_WRITES_PER_SECOND (default 200)
// for BENCH_SECONDS, and how long each takes to become searchable.
// BENCH_RUNS=http or BENCH_RUNS=outbox-lag measures only that part (default: both).
import { createDatabase, type Database } from '@pbshop/db';
import { seedDatabase } from '@pbshop/db/seed';
import { ensureProductIndex, loadProductDocuments, productAlias, type SearchClient } from '@pbshop/search';
import { createTestContext } from '@pbshop/testing';
import { buildBenchApp, measure, measurePaired, printRows, type Row, startBareRoute } from './harness.ts';
import { measureOutboxLag } from './outbox-lag.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const productCount = Number(process.env.BENCH_PRODUCTS ?? 100_000);
const connections = 50;
const LIGHT_CONNECTIONS = 4;
const WARM_UP_SECONDS = 2;
const PAGE = 1000;
const only = process.env.BENCH_RUNS?.split(',').map((key) => key.trim());
const writesPerSecond = Number(process.env.BENCH_WRITES_PER_SECOND ?? 200);
const ctx = await createTestContext();

const seeded = await seedDatabase(ctx.env.DATABASE_URL!, {
  products: productCount,
  batchSize: 2000,
  log: (line) => {
    if (/ (\d+)0000\//.test(line) || line.includes(`${productCount}/`)) console.log(line);
  },
});
const handle = createDatabase(ctx.env.DATABASE_URL!, { max: 4, applicationName: 'bench' });
// as after autovacuum's first pass over the seeded rows (bench/catalog.ts says why)
await handle.sql`vacuum analyze`;

/**
 * Fills the index from PostgreSQL: documents built by @pbshop/search's `loadProductDocuments`
 * (what the index-sync worker writes), bulk-written a keyset page at a time with refreshes off,
 * then one refresh. Each page takes one external version from the worker's sequence.
 */
async function indexCatalog(db: Database, client: SearchClient, indexPrefix: string): Promise<number> {
  const { index } = await ensureProductIndex(client, indexPrefix);
  await client.indices.putSettings({ index, body: { index: { refresh_interval: '-1' } } });
  let cursor = 0;
  let indexed = 0;
  for (;;) {
    const ids = (
      await handle.sql<{ id: number }[]>`
        select id from products where id > ${cursor} and deleted_at is null order by id limit ${PAGE}`
    ).map((row) => row.id);
    if (ids.length === 0) break;
    cursor = ids.at(-1)!;
    const { documents } = await loadProductDocuments(db, ids);
    if (documents.length === 0) continue;
    // versioned like the worker's writes (same sequence), so its later writes supersede these
    const [sequence] = await handle.sql<{ version: string }[]>`
      select nextval('search_document_version_seq') as version`;
    const version = Number(sequence!.version);
    const response = await client.bulk({
      body: documents.flatMap((document) => [
        {
          index: {
            _index: productAlias(indexPrefix),
            _id: document.productId,
            version,
            version_type: 'external',
          },
        },
        document,
      ]),
    });
    if (response.body.errors) throw new Error('bulk indexing reported errors');
    indexed += documents.length;
  }
  // null: back to the default (1 s), not an explicit value; the outbox-lag run measures with it
  // (the client's types do not know null, the reset of a setting)
  await client.indices.putSettings({ index, body: { index: { refresh_interval: null } } as never });
  // merging 100,000 documents takes longer than the client's default request timeout (5 s) on a
  // busy machine: the bench waits for it rather than failing
  const long = { requestTimeout: 10 * 60_000 };
  await client.indices.refresh({ index }, long);
  await client.indices.forcemerge({ index, max_num_segments: 1 }, long);
  return indexed;
}

// the catalogue indexed (and timed) and the names drawn once the deps exist, before the app is built
let indexed = 0;
let indexSeconds = 0;
let names: string[] = [];
const { deps, app: api } = await buildBenchApp(
  { DATABASE_POOL_MAX: '10' },
  {
    ctx,
    beforeApp: async (deps) => {
      const indexStarted = performance.now();
      indexed = await indexCatalog(handle.db, deps.search, ctx.indexPrefix);
      indexSeconds = (performance.now() - indexStarted) / 1000;
      names = (
        await handle.sql<{ name: string }[]>`select name from products order by random() limit 2000`
      ).map((row) => row.name);
    },
  },
);

// words of the seeded names: what shoppers type, and the same words with two letters swapped
const words = [
  ...new Set(
    names.flatMap((name) => name.split(/\s+/)).filter((word) => word.length >= 2 && !/^\d+$/.test(word)),
  ),
];
const twoWords = names.map((name) => name.split(/\s+/).slice(0, 2).join(' '));
const misspell = (word: string) => {
  const chars = Array.from(word);
  if (chars.length < 4) return word;
  const at = 1 + Math.floor(Math.random() * (chars.length - 2));
  [chars[at], chars[at + 1]] = [chars[at + 1]!, chars[at]!];
  return chars.join('');
};
const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)]!;
const bigCategory = seeded.categoryIds['가전/디지털']!;
const encode = (value: string) => encodeURIComponent(value);

const apiUrl = await api.listen({ host: '127.0.0.1', port: 0 });

// the same app with OpenSearch unreachable: the PostgreSQL fallback
const { deps: downDeps, app: down } = await buildBenchApp(
  { LOG_LEVEL: 'error', DATABASE_POOL_MAX: '10', OPENSEARCH_URL: 'http://127.0.0.1:1' },
  { ctx, name: 'bench-down' },
);
const downUrl = await down.listen({ host: '127.0.0.1', port: 0 });

const bare = await startBareRoute();

/**
 * A run after a pause (the previous run's queued requests drain) and an unmeasured warm-up, right
 * after a bare-route run of the same shape (its baseline).
 */
const run = (name: string, url: string, path: () => string, clients = connections) =>
  measurePaired(bare, name, {
    url,
    path,
    connections: clients,
    seconds,
    pauseMs: 1000,
    warmUpSeconds: WARM_UP_SECONDS,
  });

const searchPath = () => `/api/v1/search?q=${encode(pick(Math.random() < 0.5 ? words : twoWords))}`;
const filteredPath = () =>
  `/api/v1/search?q=${encode(pick(words))}&categoryId=${bigCategory}&minPrice=100000&sort=price_asc&page=${1 + Math.floor(Math.random() * 3)}`;
const typoPath = () => `/api/v1/search?q=${encode(misspell(pick(words)))}`;
const prefixPath = () => {
  const word = Array.from(pick(words));
  return `/api/v1/search/autocomplete?q=${encode(word.slice(0, 1 + Math.floor(Math.random() * Math.min(4, word.length))).join(''))}`;
};

console.log(
  `\n${seeded.products} products (${seeded.status}), ${indexed} indexed in ${indexSeconds.toFixed(1)} s; ` +
    `${seconds} s per run, ${connections} connections unless stated, ${words.length} distinct query words\n`,
);

if (!only || only.includes('http')) {
  // warm the caches of OpenSearch and the JIT a little before measuring
  await measure('warm-up', { url: apiUrl, path: searchPath, connections, seconds });

  const rows: Row[] = [];
  rows.push(await run('GET /search?q=<word or two words of a name>', apiUrl, searchPath));
  rows.push(await run('GET /search?q&categoryId&minPrice&sort=price_asc&page=1..3', apiUrl, filteredPath));
  rows.push(await run('GET /search?q=<misspelled word>', apiUrl, typoPath));
  rows.push(await run('GET /search/autocomplete?q=<1..4 characters of a word>', apiUrl, prefixPath));
  // the latency a typing shopper sees when the machine is not saturated (target p99 ≤ 30 ms)
  rows.push(await run('GET /search/autocomplete, 4 connections', apiUrl, prefixPath, LIGHT_CONNECTIONS));
  rows.push(await run('GET /search?q, 4 connections', apiUrl, searchPath, LIGHT_CONNECTIONS));
  rows.push(await run('degraded: GET /search from PostgreSQL', downUrl, searchPath));
  rows.push(await run('degraded: GET /search/autocomplete from PostgreSQL', downUrl, prefixPath));

  printRows(rows);
}

if (!only || only.includes('outbox-lag')) {
  // the target: outbox lag p99 ≤ 2 s at 200 writes/s (reported, not asserted)
  const lag = await measureOutboxLag({
    env: ctx.env,
    deps,
    alias: productAlias(ctx.indexPrefix),
    seconds,
    writesPerSecond,
  });
  console.log(
    `\noutbox lag: ${writesPerSecond} product writes/s for ${seconds} s, worker-search in its own process\n`,
  );
  console.log('| outbox lag | value |');
  console.log('|---|---|');
  for (const row of lag.rows) console.log(`| ${row.figure} | ${row.value} |`);
}

// closed here, not by buildBenchApp's close(): both apps at once, their deps once abandoned handlers end
await Promise.all([api.close(), down.close(), bare.close()]);
// handlers of requests autocannon abandoned at the end of a run (the slow degraded ones) still run
// after close() returns: let them finish before their pools go away
await new Promise((resolve) => setTimeout(resolve, 5000));
await Promise.all([deps.close(), downDeps.close()]);
await handle.close();
await ctx.cleanup();
process.exit(0);
