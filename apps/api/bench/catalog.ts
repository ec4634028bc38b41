// `pnpm bench:catalog`: the catalogue's read routes on a seeded database (BENCH_PRODUCTS, default
// 100000), each next to a bare Fastify route measured in the same process and run, then the
// EXPLAIN (ANALYZE, BUFFERS) plans of the list and the price-history queries. Prints figures;
// asserts nothing. Ids are drawn at random from a pool per request so caches do not flatter it.
import { createDatabase } from '@pbshop/db';
import * as schema from '@pbshop/db/schema';
import { seedDatabase } from '@pbshop/db/seed';
import { createTestContext } from '@pbshop/testing';
import { drizzle } from 'drizzle-orm/postgres-js';
import { categoriesService } from '../src/modules/catalog/categories/service.ts';
import { pricesService } from '../src/modules/catalog/prices/service.ts';
import { productListQuery } from '../src/modules/catalog/products/schemas.ts';
import { productsService } from '../src/modules/catalog/products/service.ts';
import { sellersService } from '../src/modules/catalog/sellers/service.ts';
import { benchReadPool, measurePaired, printRows, type Row, startBenchApi } from './harness.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const productCount = Number(process.env.BENCH_PRODUCTS ?? 100_000);
const connections = 50;
const ctx = await createTestContext();

// BENCH_DATABASE_URL reuses a database seeded by an earlier run (seeding 100,000 products takes
// minutes); it must be migrated (`pnpm db:migrate`). Otherwise the run seeds a fresh test database.
const databaseUrl = process.env.BENCH_DATABASE_URL ?? ctx.env.DATABASE_URL!;
const seeded = await seedDatabase(databaseUrl, {
  products: productCount,
  batchSize: 2000,
  log: (line) => {
    if (/ (\d+)0000\//.test(line) || line.includes(`${productCount}/`)) console.log(line);
  },
});
const handle = createDatabase(databaseUrl, { max: 1, applicationName: 'bench' });
const admin = handle.sql;
// a freshly seeded table has no visibility map yet: index-only scans would visit every row's heap
// page until autovacuum's first pass (products' thresholds are low: migration 0008)
await admin`vacuum analyze`;
const [sizes] = await admin<{ offers: number; history: number }[]>`
  select (select count(*)::int from offers) as offers, (select count(*)::int from price_history) as history`;
const pool = (await admin<{ id: number }[]>`select id from products order by random() limit 5000`).map(
  (row) => row.id,
);
const randomId = () => pool[Math.floor(Math.random() * pool.length)]!;
const bigCategory = seeded.categoryIds['가전/디지털']!;
const listQuery = {
  categoryId: bigCategory,
  minPrice: 100_000,
  maxPrice: 2_000_000,
  sort: 'price_asc',
  page: 3,
};

const bench = await startBenchApi(
  { DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: '10', ...benchReadPool() },
  { ctx },
);
const { deps, api, bare } = bench;

const listUrl = (query: Record<string, string | number>) =>
  `/api/v1/products?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)] as [string, string]))}`;
// the storefront's hot products: 50 ids read over and over, as the cache sees them in practice
const hot = pool.slice(0, 50);
// X-Currency: USD converts from a rate set the way an admin would; Accept-Language: en reads the
// names of the translated products (the hot ones and the cached list's page) from their translations
await deps.i18n.setExchangeRate({ baseCurrency: 'USD', targetCurrency: 'KRW', rate: 1380.25 });
const listed = (await (await fetch(`${api}${listUrl(listQuery)}`)).json()) as { data: { id: number }[] };
for (const id of new Set([...hot, ...listed.data.map((item) => item.id), ...pool.slice(50, 500)])) {
  await deps.i18n.upsertTranslation({
    locale: 'en',
    namespace: 'product',
    key: `${id}.name`,
    value: `Product ${id}`,
  });
}
const usd = { 'x-currency': 'USD' };
const english = { 'accept-language': 'en-US,en;q=0.9' };
const runs: {
  key: string;
  name: string;
  url: string;
  path: () => string;
  headers?: Record<string, string>;
}[] = [
  {
    key: 'list-cached',
    name: 'GET /products?categoryId&minPrice&maxPrice&sort=price_asc&page=3 (one query: cached)',
    url: api,
    path: () => listUrl(listQuery),
  },
  // a different page and price floor per request: (almost) every request misses the cache
  {
    key: 'list',
    name: 'GET /products?categoryId&minPrice&maxPrice&sort=price_asc&page=1..40 (uncached)',
    url: api,
    path: () =>
      listUrl({
        ...listQuery,
        minPrice: 100_000 + Math.floor(Math.random() * 1000) * 100,
        page: 1 + Math.floor(Math.random() * 40),
      }),
  },
  {
    key: 'list-cached-usd',
    name: 'GET /products?… (cached) with X-Currency: USD',
    url: api,
    path: () => listUrl(listQuery),
    headers: usd,
  },
  {
    key: 'list-cached-en',
    name: 'GET /products?… (cached) with Accept-Language: en (names translated)',
    url: api,
    path: () => listUrl(listQuery),
    headers: english,
  },
  { key: 'detail', name: 'GET /products/:id', url: api, path: () => `/api/v1/products/${randomId()}` },
  {
    key: 'prices',
    name: 'GET /products/:id/prices',
    url: api,
    path: () => `/api/v1/products/${randomId()}/prices`,
  },
  {
    key: 'prices-hot',
    name: 'GET /products/:id/prices (50 hot products, cached)',
    url: api,
    path: () => `/api/v1/products/${hot[Math.floor(Math.random() * hot.length)]}/prices`,
  },
  {
    key: 'prices-hot-usd',
    name: 'GET /products/:id/prices (50 hot, cached) with X-Currency: USD',
    url: api,
    path: () => `/api/v1/products/${hot[Math.floor(Math.random() * hot.length)]}/prices`,
    headers: usd,
  },
  {
    key: 'detail-hot-en',
    name: 'GET /products/:id (50 hot, cached) with Accept-Language: en',
    url: api,
    path: () => `/api/v1/products/${hot[Math.floor(Math.random() * hot.length)]}`,
    headers: english,
  },
  {
    key: 'history',
    name: 'GET /products/:id/price-history?period=1y&type=weekly',
    url: api,
    path: () => `/api/v1/products/${randomId()}/price-history?period=1y&type=weekly`,
  },
];
// BENCH_RUNS=list,prices-hot measures only those; each alternates with the bare route, its baseline
const only = process.env.BENCH_RUNS?.split(',').map((key) => key.trim());
const rows: Row[] = [];
for (const entry of runs) {
  if (!only || only.includes(entry.key)) {
    rows.push(
      await measurePaired(bare, entry.name, {
        url: entry.url,
        path: entry.path,
        connections,
        seconds,
        headers: entry.headers,
      }),
    );
  }
}

// the services' own SQL, captured through a drizzle logger, then explained with its parameters
const captured: { query: string; parameters: unknown[] }[] = [];
const tracedDb = drizzle(admin, {
  schema,
  casing: 'snake_case',
  logger: { logQuery: (query, parameters) => captured.push({ query, parameters }) },
});
const categories = categoriesService(tracedDb);
await productsService(tracedDb, categories).list(
  productListQuery.parse({ ...listQuery, categoryId: String(listQuery.categoryId) }),
);
const listSql = captured.find((entry) => /from "products".*order by.*limit/is.test(entry.query))!;
captured.length = 0;
await pricesService(tracedDb, sellersService(tracedDb)).history(randomId(), '1y', 'weekly');
const historySql = captured.find((entry) => entry.query.includes('generate_series'))!;

async function explain(entry: { query: string; parameters: unknown[] }): Promise<string> {
  const plan = await admin.unsafe(`explain (analyze, buffers) ${entry.query}`, entry.parameters as never[]);
  return plan.map((row) => row['QUERY PLAN']).join('\n');
}
const listPlan = await explain(listSql);
const historyPlan = await explain(historySql);

console.log(
  `\n${seeded.products} products (${seeded.status}), ${sizes!.offers} offers, ${sizes!.history} price history rows; ` +
    `seeded in ${(seeded.milliseconds / 1000).toFixed(1)} s; ${seconds} s per run, ${connections} connections, ` +
    `pool of ${pool.length} random product ids\n`,
);
printRows(rows);
console.log(`\nlist query (${listUrl(listQuery)}):\n\n${listSql.query}\n\n${listPlan}\n`);
console.log(`price-history query (1y, weekly):\n\n${historySql.query}\n\n${historyPlan}\n`);

await bench.close(handle);
process.exit(0);
