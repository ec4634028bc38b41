// `pnpm bench:reviews`: GET /products/:id/reviews of a product with BENCH_REVIEWS (default 50,000)
// reviews, per sort and with a rating filter (random pages 1..50 of 20), and POST
// /products/:id/reviews (each request reviewing an order line not reviewed yet) across 300 products
// and all on that one product, each in rounds alternating with a bare Fastify route in the same
// process (bench/harness.ts); then whether the product's review count still equals its live
// reviews, and the EXPLAIN (ANALYZE, BUFFERS) timing of each sort's list statement. The reviews,
// orders and lines are written as SQL fixtures (orders CONFIRMED). Prints figures; asserts nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, type Database } from '@pbshop/db';
import * as schema from '@pbshop/db/schema';
import { median } from '@pbshop/testing';
import { drizzle } from 'drizzle-orm/postgres-js';
import { refreshReviewStats } from '../src/modules/catalog/products/service.ts';
import { type ReviewSort, reviewSorts } from '../src/modules/commerce/reviews/schemas.ts';
import { reviewsService } from '../src/modules/commerce/reviews/service.ts';
import { createShop } from '../test/helpers/orders.ts';
import {
  bearerOf,
  createBenchAdmin,
  fireScripted,
  type Measured,
  measure,
  measuredOf,
  measurePaired,
  printRows,
  type Row,
  startBenchApi,
} from './harness.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const reviewCount = Number(process.env.BENCH_REVIEWS ?? 50_000);
const writeCount = Number(process.env.BENCH_WRITES ?? 15_000);
const memberCount = 200;
const productCount = 300;
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const ROUNDS = 5;

const bench = await startBenchApi({ DATABASE_POOL_MAX: '10' });
const { ctx, env, deps, app, api: apiUrl, bare } = bench;
const sql = deps.database.sql;

const token = (user: { id: number; role: 'USER' | 'SELLER' | 'ADMIN'; tokenVersion: number }) =>
  bearerOf(app, user);
const admin = await createBenchAdmin(deps.users);
const adminHeader = { authorization: token(admin) };

console.log(
  `fixtures: one product with ${reviewCount} reviews, ${productCount} more products, ${memberCount} members, ${writeCount} order lines to review on each side`,
);
const shop = await createShop(app, adminHeader);
async function newProduct(name: string): Promise<number> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/products',
    headers: adminHeader,
    payload: { categoryId: shop.categoryId, name },
  });
  if (response.statusCode !== 201) throw new Error(`POST /products: ${response.statusCode} ${response.body}`);
  return response.json().data.id;
}
const reviewed = await newProduct('Bench reviewed product');
const spread: number[] = [];
for (let i = 0; i < productCount; i++) spread.push(await newProduct(`Bench product ${i}`));
const authorization = new Map<number, string>();
for (let i = 0; i < memberCount; i++) {
  const user = await deps.users.create({
    email: `bench-reviewer-${i}@example.com`,
    name: `Reviewer ${i}`,
    passwordHash: null,
    emailVerified: true,
  });
  authorization.set(user.id, token(user));
}
const memberIds = [...authorization.keys()];
await sql`update users set nickname = 'reviewer' || id where id = any(${memberIds})`;

/** CONFIRMED orders of the members (in turn), `linesEach` lines each of the product `productOf(n)` gives the n-th order. */
async function confirmedOrders(prefix: string, orders: number, linesEach: number, productOf: string) {
  await sql.unsafe(
    `with placed as (
       insert into orders (order_number, user_id, status, total_amount, final_amount, recipient_name,
                           recipient_phone, zip_code, address, confirmed_at)
       select '${prefix}-' || n, ($1::bigint[])[1 + n % ${memberIds.length}], 'CONFIRMED', 10000, 10000, '벤치',
              '010-0000-0000', '06236', '서울 강남구', now()
       from generate_series(1, ${orders}) n
       returning id, order_number
     )
     insert into order_items (order_id, product_id, seller_id, product_name, seller_name, quantity, unit_price, total_price)
     select placed.id, ${productOf}, $2, 'bench', 'bench', 1, 10000, 10000
     from placed, lateral (select split_part(placed.order_number, '-', 3)::int as n) numbered, generate_series(1, ${linesEach})`,
    [memberIds, shop.sellerId] as never[],
  );
}

// the reviewed product's reviews: lines of CONFIRMED orders, a review each, over two years
await confirmedOrders('BENCH-R', Math.ceil(reviewCount / 100), 100, String(reviewed));
await sql`
  insert into reviews (user_id, product_id, order_id, order_item_id, rating, content, is_best, created_at, updated_at)
  select placed.user_id, line.product_id, line.order_id, line.id,
         case when drawn.r < 0.03 then 1 when drawn.r < 0.07 then 2 when drawn.r < 0.17 then 3
              when drawn.r < 0.42 then 4 else 5 end,
         '배송이 빠르고 포장이 꼼꼼했습니다. 성능도 기대 이상이에요.', random() < 0.002, drawn.at, drawn.at
  from order_items line join orders placed on placed.id = line.order_id,
       -- naming the line makes the draw one per line
       lateral (select random() as r, now() - random() * interval '730 days' as at, line.id) drawn
  where placed.order_number like 'BENCH-R-%'
  limit ${reviewCount}`;
await deps.database.db.transaction((tx) => refreshReviewStats(tx, reviewed));
// lines to review during the write runs: one per order, across the 300 products, and on the reviewed one
await confirmedOrders(
  'BENCH-W',
  writeCount,
  1,
  `('{${spread.join(',')}}'::bigint[])[1 + numbered.n % ${productCount}]`,
);
await confirmedOrders('BENCH-C', writeCount, 1, String(reviewed));
await sql`vacuum analyze reviews`;
await sql`vacuum analyze order_items`;
await sql`vacuum analyze orders`;

/**
 * The review POSTs of one side, in a file per round for autocannon's worker thread
 * (bench/review-request.cjs): each round's worker starts its file from the top, so no two rounds
 * share an order line.
 */
async function writeFiles(folder: string, prefix: string): Promise<string[]> {
  const lines = await sql<{ order_id: number; user_id: number; product_id: number }[]>`
    select placed.id as order_id, placed.user_id, line.product_id
    from orders placed join order_items line on line.order_id = placed.id
    where placed.order_number like ${`${prefix}-%`}
    order by placed.id`;
  const writes = lines.map((line) => ({
    authorization: authorization.get(line.user_id),
    path: `/api/v1/products/${line.product_id}/reviews`,
    body: JSON.stringify({
      orderId: line.order_id,
      rating: 1 + Math.floor(Math.random() * 5),
      content: '한 달 사용해 보고 남기는 후기입니다. 만족합니다.',
    }),
  }));
  const each = Math.floor(writes.length / ROUNDS);
  return Array.from({ length: ROUNDS }, (_, round) => {
    const file = join(folder, `${prefix}-${round}.json`);
    writeFileSync(file, JSON.stringify(writes.slice(round * each, (round + 1) * each)));
    return file;
  });
}

async function postReviews(file: string, duration: number): Promise<Measured> {
  const result = await fireScripted({
    url: apiUrl,
    connections,
    seconds: duration,
    script: 'review-request.cjs',
    environment: { BENCH_REVIEWS_FILE: file },
  });
  return measuredOf('reviews', result);
}

const page = () => 1 + Math.floor(Math.random() * 50);
const rows: Row[] = [];
for (const sort of reviewSorts) {
  rows.push(
    await measurePaired(bare, `GET reviews ${sort}, pages 1..50`, {
      url: apiUrl,
      path: () => `/api/v1/products/${reviewed}/reviews?sort=${sort}&page=${page()}&limit=20`,
      connections,
      seconds,
      warmUpSeconds: 2,
    }),
  );
}
rows.push(
  await measurePaired(bare, 'GET reviews RATING_DESC of rating 1, pages 1..50', {
    url: apiUrl,
    path: () => `/api/v1/products/${reviewed}/reviews?sort=RATING_DESC&rating=1&page=${page()}&limit=20`,
    connections,
    seconds,
  }),
);

const folder = mkdtempSync(join(tmpdir(), 'pbshop-bench-reviews-'));
const roundSeconds = Math.max(1, Math.round(seconds / ROUNDS));
try {
  for (const [name, prefix] of [
    [`POST review, ${productCount} products`, 'BENCH-W'],
    [`POST review, the product with ${reviewCount} reviews`, 'BENCH-C'],
  ] as const) {
    const files = await writeFiles(folder, prefix);
    const bareRuns: Measured[] = [];
    const runs: Measured[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bareRuns.push(
        await measure('bare', { url: bare.url, path: bare.path, connections, seconds: roundSeconds }),
      );
      runs.push(await postReviews(files[round]!, roundSeconds));
    }
    const mean = (list: Measured[]) => list.reduce((sum, run) => sum + run.requests, 0) / list.length;
    rows.push({
      name,
      requests: mean(runs),
      p50: median(runs.map((run) => run.p50)),
      p99: median(runs.map((run) => run.p99)),
      non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
      baseline: mean(bareRuns),
    });
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}

// autocannon stops at its deadline with requests still in flight: let them finish
await new Promise((resolve) => setTimeout(resolve, 2000));
const [stats] = await sql<{ review_count: number; live: number; average_rating: string; average: string }[]>`
  select p.review_count, p.average_rating,
         (select count(*)::int from reviews r where r.product_id = p.id and r.deleted_at is null) as live,
         (select round(avg(rating), 2) from reviews r where r.product_id = p.id and r.deleted_at is null) as average
  from products p where p.id = ${reviewed}`;

// each sort's list statement, captured through a drizzle logger, explained with its parameters once
// the writes' dead index entries and visibility are vacuumed (as autovacuum does in time)
await sql`vacuum analyze reviews`;
const handle = createDatabase(ctx.env.DATABASE_URL!, { max: 1, applicationName: 'bench' });
const captured: { query: string; parameters: unknown[] }[] = [];
const traced: Database = drizzle(handle.sql, {
  schema,
  casing: 'snake_case',
  logger: { logQuery: (query, parameters) => captured.push({ query, parameters }) },
});
// the list reads none of the write path's options (reward, points, publishing), only the image URLs' base
const tracedReviews = reviewsService({
  db: traced,
  imageFilesBase: deps.images.fileUrl('images/'),
} as Parameters<typeof reviewsService>[0]);
const plans: string[] = [];
for (const [sort, rating, pageNumber] of [
  ...reviewSorts.flatMap((sort) => [
    [sort, undefined, 1],
    [sort, undefined, 50],
  ]),
  ['RATING_DESC', 1, 1],
] as [ReviewSort, number | undefined, number][]) {
  captured.length = 0;
  await tracedReviews.list(
    reviewed,
    { sort, rating, page: pageNumber, limit: 20 },
    { withdrawn: '-', unnamed: '-' },
  );
  const { query, parameters } = captured[0]!;
  // the API runs it prepared: after five executions PostgreSQL may keep a generic plan (one not
  // planned for the values), so that is the plan explained here, beside the planned one
  const literals = parameters.map((value) =>
    typeof value === 'number' ? String(value) : `'${String(value).replaceAll("'", "''")}'`,
  );
  const timing = (plan: Record<string, unknown>[]) =>
    (
      plan.map((row) => row['QUERY PLAN'] as string).find((line) => line.startsWith('Execution Time')) ?? ''
    ).replace('Execution Time: ', '');
  // each explained twice, the second timed: the first reads what the cache does not hold yet
  const explained = async (statement: string, values: unknown[] = []) => {
    await handle.sql.unsafe(statement, values as never[]);
    return handle.sql.unsafe(statement, values as never[]);
  };
  const planned = await explained(`explain (analyze, buffers) ${query}`, parameters);
  await handle.sql.unsafe(`prepare review_list as ${query}`);
  await handle.sql.unsafe('set plan_cache_mode = force_generic_plan');
  const generic = await explained(`explain (analyze, buffers) execute review_list(${literals.join(', ')})`);
  await handle.sql.unsafe('reset plan_cache_mode');
  await handle.sql.unsafe('deallocate review_list');
  plans.push(
    `| ${sort}${rating ? `, rating ${rating}` : ''} | ${pageNumber} | ${timing(planned)} | ${timing(generic)} |`,
  );
}

console.log(
  `\n${connections} connections, ${ROUNDS} rounds per run alternating with the bare route; DATABASE_POOL_MAX ${env.DATABASE_POOL_MAX}\n`,
);
printRows(rows);
console.log(
  `\nthe reviewed product after the writes: review_count ${stats!.review_count}, live reviews ${stats!.live}; average_rating ${stats!.average_rating}, average ${stats!.average}`,
);
console.log(
  `\nthe list statement, EXPLAIN ANALYZE on ${reviewCount} reviews:\n\n| sort | page | planned for the values | generic plan |\n|---|---|---|---|\n${plans.join('\n')}`,
);

await bench.close(handle);
process.exit(0);
