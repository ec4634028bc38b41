// `pnpm bench:cart`: GET /cart of a member with BENCH_CART_LINES (default 10) lines, and GET
// /cart/guest of a guest cart as large, each next to a bare Fastify route in the same process and
// run (rounds alternating, bench/harness.ts; both carts answer from the cache after their first
// reads), with GET /users/me of the same member beside them (a member route that reads PostgreSQL
// on each request); then the EXPLAIN (ANALYZE, BUFFERS) plan of the member cart's query. Prints
// figures; asserts nothing.
import { createDatabase, offers } from '@pbshop/db';
import * as schema from '@pbshop/db/schema';
import { median } from '@pbshop/testing';
import autocannon from 'autocannon';
import { drizzle } from 'drizzle-orm/postgres-js';
import { cartReads } from '../src/modules/commerce/cart/view.ts';
import { type Measured, printRows, type Row, startBenchApi } from './harness.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const lineCount = Number(process.env.BENCH_CART_LINES ?? 10);
const connections = 50;
const rounds = 5;
const bench = await startBenchApi({ DATABASE_POOL_MAX: '10' });
const { ctx, deps, app, api, bare } = bench;

// the catalogue and the carts, through the API as a client makes them
async function post(url: string, headers: Record<string, string>, payload: object): Promise<{ id: number }> {
  const response = await app.inject({ method: 'POST', url: `/api/v1${url}`, headers, payload });
  if (response.statusCode !== 201) throw new Error(`POST ${url}: ${response.statusCode} ${response.body}`);
  return response.json().data;
}
async function member(role: 'USER' | 'ADMIN') {
  const user = await deps.users.create({
    email: `bench-cart-${role.toLowerCase()}-${Date.now()}@example.com`,
    name: 'Bench Member',
    passwordHash: null,
    phone: null,
    role,
    emailVerified: true,
  });
  const token = app.signAccessToken({ sub: String(user.id), role: user.role, ver: user.tokenVersion });
  return { user, headers: { authorization: `Bearer ${token}` } };
}
const admin = await member('ADMIN');
const shopper = await member('USER');
const guestHeaders = { 'x-cart-key': `guest_${Date.now()}_benchcrt` };
const category = await post('/categories', admin.headers, { name: 'Bench cart' });
const seller = await post('/sellers', admin.headers, {
  name: 'Bench shop',
  url: 'https://bench.example.com',
});
for (let index = 0; index < lineCount; index += 1) {
  const product = await post('/products', admin.headers, {
    categoryId: category.id,
    name: `Bench item ${index}`,
  });
  await post(`/products/${product.id}/images`, admin.headers, {
    url: `https://img.example.com/${index}.jpg`,
  });
  await post(`/products/${product.id}/prices`, admin.headers, {
    sellerId: seller.id,
    price: 10_000 + index * 1000,
    url: `https://bench.example.com/items/${index}`,
  });
  const line = { productId: product.id, sellerId: seller.id, quantity: 1 };
  await post('/cart', shopper.headers, line);
  await post('/cart/guest', guestHeaders, line);
}
// offers with plenty of stock, as a shop that sells
await deps.database.db.update(offers).set({ stock: 1000 });

async function run(url: string, headers: Record<string, string>, duration: number): Promise<Measured> {
  const result = await autocannon({ url, connections, duration, workers: 1, headers });
  return {
    name: url,
    requests: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors,
  };
}

/** The route against the bare one in `rounds` alternations, as harness.ts's measurePaired. */
async function paired(name: string, path: string, headers: Record<string, string>): Promise<Row> {
  const each = Math.max(1, Math.round(seconds / rounds));
  await run(`${api}${path}`, headers, 2);
  const bareRuns: Measured[] = [];
  const runs: Measured[] = [];
  for (let round = 0; round < rounds; round += 1) {
    bareRuns.push(await run(`${bare.url}/bare`, {}, each));
    runs.push(await run(`${api}${path}`, headers, each));
  }
  const mean = (list: Measured[]) => list.reduce((sum, item) => sum + item.requests, 0) / list.length;
  return {
    name,
    requests: mean(runs),
    p50: median(runs.map((item) => item.p50)),
    p99: median(runs.map((item) => item.p99)),
    non2xx: runs.reduce((sum, item) => sum + item.non2xx, 0),
    baseline: mean(bareRuns),
  };
}

const check = await app.inject({ method: 'GET', url: '/api/v1/cart', headers: shopper.headers });
const items = check.json().data as unknown[];
if (items.length !== lineCount) throw new Error(`the cart holds ${items.length} lines, not ${lineCount}`);

const rows = [
  await paired('GET /users/me (the same member)', '/api/v1/users/me', shopper.headers),
  await paired(`GET /cart (member, ${lineCount} lines)`, '/api/v1/cart', shopper.headers),
  await paired(`GET /cart/guest (${lineCount} lines)`, '/api/v1/cart/guest', guestHeaders),
];

// the member cart's SQL, captured through a drizzle logger, then explained with its parameters
const handle = createDatabase(ctx.env.DATABASE_URL!, { max: 1, applicationName: 'bench' });
const captured: { query: string; parameters: unknown[] }[] = [];
const traced = drizzle(handle.sql, {
  schema,
  casing: 'snake_case',
  logger: { logQuery: (query, parameters) => captured.push({ query, parameters }) },
});
await cartReads(traced).memberLines(shopper.user.id);
const plan = await handle.sql.unsafe(
  `explain (analyze, buffers) ${captured[0]!.query}`,
  captured[0]!.parameters as never[],
);

console.log(`\n${seconds} s per route in ${rounds} rounds, ${connections} connections\n`);
printRows(rows);
console.log(
  `\nGET /cart query:\n\n${captured[0]!.query}\n\n${plan.map((row) => row['QUERY PLAN']).join('\n')}\n`,
);

await bench.close(handle);
process.exit(0);
