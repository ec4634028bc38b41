// `pnpm bench:query`: the product read model on a seeded catalogue (BENCH_PRODUCTS, default
// 100000): the time of a full rebuild, then GET /query/products (each sort, a category, a keyword,
// random pages) and GET /query/products/:productId, each next to a bare Fastify route measured in
// the same process and run, then the EXPLAIN (ANALYZE, BUFFERS) plan of each sort's page and of the
// count. Prints figures; asserts nothing.
import { createDatabase } from '@pbshop/db';
import * as schema from '@pbshop/db/schema';
import { seedDatabase } from '@pbshop/db/seed';
import { createTestContext } from '@pbshop/testing';
import { drizzle } from 'drizzle-orm/postgres-js';
import { categoriesService } from '../src/modules/catalog/categories/service.ts';
import { productQueryListQuery, productQuerySorts } from '../src/modules/catalog/query/schemas.ts';
import { productQueryService } from '../src/modules/catalog/query/service.ts';
import { measurePaired, printRows, type Row, startBenchApi } from './harness.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const productCount = Number(process.env.BENCH_PRODUCTS ?? 100_000);
const connections = 50;
const ctx = await createTestContext();

// BENCH_DATABASE_URL reuses a database seeded by an earlier run (it must be migrated)
const databaseUrl = process.env.BENCH_DATABASE_URL ?? ctx.env.DATABASE_URL!;
const seeded = await seedDatabase(databaseUrl, { products: productCount, batchSize: 2000 });
const handle = createDatabase(databaseUrl, { max: 1, applicationName: 'bench' });
const admin = handle.sql;

// the read model rebuilt (and timed) once the deps exist, before the app is built
let rebuilt = { syncedCount: 0 };
let rebuildMs = 0;
const bench = await startBenchApi(
  { DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: '10' },
  {
    ctx,
    beforeApp: async (deps) => {
      const rebuildStarted = performance.now();
      rebuilt = await deps.productQuery.rebuild({ info: () => {} });
      rebuildMs = performance.now() - rebuildStarted;
      await admin`vacuum analyze product_query_view`;
    },
  },
);
const { api, bare } = bench;

const pool = (await admin<{ id: number }[]>`select id from products order by random() limit 5000`).map(
  (row) => row.id,
);
const randomId = () => pool[Math.floor(Math.random() * pool.length)]!;
const leafCategory = seeded.categoryIds['가전/디지털 > 노트북 > 게이밍 노트북']!;
const keyword = '게이밍';
const page = (pages: number) => 1 + Math.floor(Math.random() * pages);
const listUrl = (query: Record<string, string | number>) =>
  `/api/v1/query/products?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)] as [string, string]))}`;

const runs: { key: string; name: string; path: () => string }[] = [
  ...productQuerySorts.map((sort) => ({
    key: sort.toLowerCase(),
    name: `GET /query/products?sort=${sort}&page=1..50`,
    path: () => listUrl({ sort, page: page(50) }),
  })),
  {
    key: 'category',
    name: 'GET /query/products?categoryId (a leaf)&sort=POPULARITY&page=1..20',
    path: () => listUrl({ categoryId: leafCategory, sort: 'POPULARITY', page: page(20) }),
  },
  {
    key: 'keyword',
    name: `GET /query/products?keyword=${keyword}&sort=RATING&page=1..20`,
    path: () => listUrl({ keyword, sort: 'RATING', page: page(20) }),
  },
  {
    key: 'detail',
    name: 'GET /query/products/:productId',
    path: () => `/api/v1/query/products/${randomId()}`,
  },
];
// BENCH_RUNS=newest,detail measures only those; each alternates with the bare route, its baseline
const only = process.env.BENCH_RUNS?.split(',').map((key) => key.trim());
const rows: Row[] = [];
for (const entry of runs) {
  if (!only || only.includes(entry.key)) {
    rows.push(await measurePaired(bare, entry.name, { url: api, path: entry.path, connections, seconds }));
  }
}

// the service's own SQL, captured through a drizzle logger, then explained with its parameters
const captured: { query: string; parameters: unknown[] }[] = [];
const tracedDb = drizzle(admin, {
  schema,
  casing: 'snake_case',
  logger: { logQuery: (query, parameters) => captured.push({ query, parameters }) },
});
const categories = categoriesService(tracedDb);
const traced = productQueryService({
  db: tracedDb,
  reads: tracedDb,
  categorySubtreeIds: (id) => categories.selfAndDescendantIds(id),
});
async function explain(entry: { query: string; parameters: unknown[] }): Promise<string> {
  const plan = await admin.unsafe(`explain (analyze, buffers) ${entry.query}`, entry.parameters as never[]);
  return plan.map((row) => row['QUERY PLAN']).join('\n');
}
const plans: string[] = [];
for (const query of [
  ...productQuerySorts.map((sort) => ({ sort, page: '3' })),
  { categoryId: String(leafCategory), sort: 'POPULARITY', page: '3' },
  { keyword, sort: 'RATING', page: '3' },
]) {
  captured.length = 0;
  await traced.list(productQueryListQuery.parse(query));
  const pageSql = captured.find((entry) => /order by/i.test(entry.query))!;
  const countSql = captured.find((entry) => /count\(\*\)/i.test(entry.query))!;
  plans.push(
    `${JSON.stringify(query)}: page\n${await explain(pageSql)}\n\ncount\n${await explain(countSql)}\n`,
  );
}

console.log(
  `\n${seeded.products} products (${seeded.status}); rebuild: ${rebuilt.syncedCount} rows in ${(rebuildMs / 1000).toFixed(1)} s; ` +
    `${seconds} s per run, ${connections} connections\n`,
);
printRows(rows);
console.log(`\n${plans.join('\n')}`);

await bench.close(handle);
process.exit(0);
