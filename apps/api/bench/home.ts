// `pnpm bench:home`: the storefront home page's discovery reads — popular products
// (GET /rankings/products/popular), popular keywords (GET /rankings/keywords/popular) and today's
// picks (GET /recommendations/today), each served from the catalog cache — under 50 connections
// next to the bare Fastify route in the same run (the goal: at 40% of the bare route or
// better); then the hourly ranking job (every period's product and keyword rankings) over
// BENCH_JOB_PRODUCTS products (100,000) and BENCH_JOB_VIEWS product-view events (1,000,000) spread
// over 30 days, seeded with generate_series: wall seconds of the job and PostgreSQL's execution
// time of each period's ranking statement (EXPLAIN ANALYZE, rolled back). Prints figures and the
// load average; asserts nothing. BENCH_ONLY=http|job runs one part.
import { sql } from 'drizzle-orm';
import {
  bearerOf,
  buildBenchApp,
  createBenchAdmin,
  loadAverage,
  measurePairedPaths,
  printRows,
  printRunsLine,
  startBareRoute,
} from './harness.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const jobProducts = Number(process.env.BENCH_JOB_PRODUCTS ?? 100_000);
const jobViews = Number(process.env.BENCH_JOB_VIEWS ?? 1_000_000);
const only = process.env.BENCH_ONLY;
const connections = 50;
// built here, listening (with the bare route beside it) only for the HTTP part, once seeded
const bench = await buildBenchApp();
const { deps, app } = bench;
const db = deps.database.db;

/** The 1,000 viewers and 5 top categories of 4 subcategories each, once (both parts use them). */
async function seedViewersAndCategories() {
  await db.execute(sql`insert into users (email, name, role)
    select 'home-bench-' || n || '@example.test', 'Bench viewer', 'USER' from generate_series(1, 1000) n`);
  await db.execute(sql`insert into categories (name, path)
    select 'Home bench ' || n, '' from generate_series(1, 5) n`);
  await db.execute(
    sql`update categories set path = id::text where name like 'Home bench %' and parent_id is null`,
  );
  await db.execute(sql`insert into categories (name, parent_id, path)
    select 'Home bench sub ' || parent.id || '-' || n, parent.id, '' from categories parent, generate_series(1, 4) n
    where parent.name like 'Home bench %' and parent.parent_id is null`);
  await db.execute(sql`update categories c set path = p.path || '/' || c.id
    from categories p where c.parent_id = p.id and c.name like 'Home bench sub %'`);
}
await seedViewersAndCategories();

/** Products in the bench's subcategories, and member views and searches spread over 30 days. */
async function seed(products: number, views: number) {
  await db.execute(sql`insert into products (category_id, name, lowest_price)
    select (select array_agg(id) from categories where name like 'Home bench sub %')[1 + n % 20],
           'Home bench product ' || n, 10000 + n % 5000
      from generate_series(1, ${products}) n`);
  // views skewed toward low product numbers, so the rankings have a head and a long tail
  await db.execute(sql`
    with bounds as (select min(id) as first, max(id) as last from products where name like 'Home bench product %'),
         viewers as (select array_agg(id) as ids from users where email like 'home-bench-%')
    insert into activity_logs (job_id, type, user_id, payload, occurred_at)
    select 'home-bench-' || n, 'product_view', viewers.ids[1 + n % 1000],
           jsonb_build_object('productId', bounds.first + floor(power(random(), 3) * (bounds.last - bounds.first))::bigint),
           now() - random() * interval '30 days'
      from generate_series(1, ${views}) n, bounds, viewers`);
  await db.execute(sql`
    insert into activity_logs (job_id, type, payload, occurred_at)
    select 'home-bench-search-' || n, 'search', jsonb_build_object('keyword', 'keyword ' || floor(power(random(), 2) * 500)),
           now() - random() * interval '30 days'
      from generate_series(1, ${Math.round(views / 10)}) n`);
  await db.execute(sql`analyze`);
}

if (only !== 'job') {
  await seed(2_000, 50_000);
  const admin = await createBenchAdmin(deps.users);
  const headers = { authorization: bearerOf(app, admin) };
  const recalculated = await app.inject({
    method: 'POST',
    url: '/api/v1/rankings/admin/recalculate',
    headers,
  });
  if (recalculated.statusCode !== 200) throw new Error(`recalculate: ${recalculated.body}`);
  const [top] = await db.execute<{ id: number }>(sql`select id from products order by id limit 1`);
  await app.inject({
    method: 'POST',
    url: '/api/v1/admin/recommendations',
    headers,
    payload: { productId: Number(top!.id), position: 0 },
  });
  const api = await app.listen({ host: '127.0.0.1', port: 0 });
  const bare = await startBareRoute();
  const rows = await measurePairedPaths(
    { api, bare },
    [
      [
        'GET /rankings/products/popular?limit=6 (cached; HomePage)',
        ['/api/v1/rankings/products/popular?limit=6'],
      ],
      ['GET /rankings/keywords/popular?limit=10 (cached)', ['/api/v1/rankings/keywords/popular?limit=10']],
      [
        'GET /recommendations/today (cached; a slot, then the daily ranking)',
        ['/api/v1/recommendations/today'],
      ],
    ],
    { connections, seconds },
  );
  printRunsLine(seconds, connections);
  printRows(rows);
  await bare.close();
}

if (only !== 'http') {
  await db.execute(sql`delete from product_rankings`);
  await db.execute(sql`delete from keyword_rankings`);
  await db.execute(sql`delete from activity_logs where job_id like 'home-bench-%'`);
  const seeding = performance.now();
  await seed(jobProducts, jobViews);
  console.log(
    `\nseeded ${jobProducts} products, ${jobViews} views and ${Math.round(jobViews / 10)} searches in ${((performance.now() - seeding) / 1000).toFixed(1)} s`,
  );
  for (const run of ['first (no previous ranks)', 'second (previous ranks kept)']) {
    const started = performance.now();
    const result = await deps.rankings.recalculate();
    console.log(
      `ranking job, ${run}: ${((performance.now() - started) / 1000).toFixed(2)} s, ${result.updatedCount} rows; load average ${loadAverage()}`,
    );
  }
  // PostgreSQL's own time for each period's product statement, on the seeded data (rolled back)
  for (const period of ['daily', 'weekly', 'monthly'] as const) {
    const explained = await deps.rankings.explainProducts(period);
    console.log(`  ${period}: ${explained}`);
  }
}

await bench.close();
process.exit(0);
