// `pnpm bench:orders`: orders placed per second over HTTP (autocannon POST /api/v1/orders, many
// members) across many products with ample stock, and on one contended offer, each in rounds
// alternating with a bare Fastify route in the same process; and how long an order held its row
// locks (first stock lock to commit), read from the API's `pbshop_order_lock_hold_seconds`
// histogram on GET /metrics before and after each run. Prints figures; asserts nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from '@pbshop/testing';
import { addressOf, createShop, type StockedOffer, stockedProduct } from '../test/helpers/orders.ts';
import {
  bearerOf,
  createBenchAdmin,
  fireScripted,
  type Measured,
  measure,
  measuredOf,
  startBenchApi,
} from './harness.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const memberCount = Number(process.env.BENCH_MEMBERS ?? 200);
const productCount = Number(process.env.BENCH_PRODUCTS ?? 300);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const ROUNDS = 5;
const METRICS_TOKEN = 'bench-metrics-token-0123456789';

const bench = await startBenchApi({
  DATABASE_POOL_MAX: '10',
  AUTH_RATE_LIMIT_PER_MINUTE: '10000000',
  METRICS_TOKEN,
});
const { env, deps, app, api: apiUrl, bare } = bench;

const token = (user: { id: number; role: 'USER' | 'SELLER' | 'ADMIN'; tokenVersion: number }) =>
  bearerOf(app, user);
const admin = await createBenchAdmin(deps.users);
const adminHeader = { authorization: token(admin) };

console.log(
  `fixtures: ${productCount} products with ample stock, one contended offer, ${memberCount} members`,
);
const shop = await createShop(app, adminHeader);
const offers: StockedOffer[] = [];
for (let i = 0; i < productCount; i++) {
  offers.push(await stockedProduct(app, adminHeader, shop, { price: 10_000 + i * 10, stock: 1_000_000 }));
}
const contended = await stockedProduct(app, adminHeader, shop, { price: 55_000, stock: 1_000_000 });
const members: { authorization: string; addressId: number }[] = [];
for (let i = 0; i < memberCount; i++) {
  const user = await deps.users.create({
    email: `bench-buyer-${i}@example.com`,
    name: `Buyer ${i}`,
    passwordHash: null,
    emailVerified: true,
  });
  members.push({ authorization: token(user), addressId: await addressOf(deps, user.id) });
}

/** Order bodies drawn beforehand, handed to autocannon's worker thread in a file. */
function orderFile(folder: string, name: string, offerOf: () => StockedOffer): string {
  const file = join(folder, `${name}.json`);
  const drawn = Array.from({ length: 20_000 }, () => {
    const member = members[Math.floor(Math.random() * members.length)]!;
    const offer = offerOf();
    return {
      authorization: member.authorization,
      body: JSON.stringify({
        addressId: member.addressId,
        items: [{ productId: offer.productId, sellerId: offer.sellerId, quantity: 1 }],
      }),
    };
  });
  writeFileSync(file, JSON.stringify(drawn));
  return file;
}

async function placeOrders(file: string, duration: number): Promise<Measured> {
  const result = await fireScripted({
    url: apiUrl,
    connections,
    seconds: duration,
    script: 'order-request.cjs',
    environment: { BENCH_ORDERS_FILE: file },
  });
  return measuredOf('orders', result);
}

/** The lock-hold histogram's cumulative bucket counts, from GET /metrics. */
async function lockHoldBuckets(): Promise<Map<number, number>> {
  const text = await (
    await fetch(`${apiUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  ).text();
  const buckets = new Map<number, number>();
  for (const line of text.split('\n')) {
    const match = /^pbshop_order_lock_hold_seconds_bucket\{[^}]*le="([^"]+)"[^}]*\} (\d+)/.exec(line);
    if (match)
      buckets.set(match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]), Number(match[2]));
  }
  return buckets;
}

/** A quantile of the observations between two scrapes, interpolated within its bucket (as histogram_quantile). */
function quantile(before: Map<number, number>, after: Map<number, number>, q: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const bound of bounds) {
    const count = (after.get(bound) ?? 0) - (before.get(bound) ?? 0);
    if (count >= rank) {
      if (!Number.isFinite(bound)) return lower;
      return lower + ((bound - lower) * (rank - below)) / Math.max(1, count - below);
    }
    lower = bound;
    below = count;
  }
  return lower;
}

interface Scenario {
  name: string;
  file: string;
}

const folder = mkdtempSync(join(tmpdir(), 'pbshop-bench-orders-'));
const scenarios: Scenario[] = [
  {
    name: `POST /orders, ${productCount} products`,
    file: orderFile(folder, 'many', () => offers[Math.floor(Math.random() * offers.length)]!),
  },
  { name: 'POST /orders, one contended offer', file: orderFile(folder, 'one', () => contended) },
];

const roundSeconds = Math.max(1, Math.round(seconds / ROUNDS));
const rows: string[] = [];
try {
  // warm-up: JIT, prepared statements on every pooled connection
  await placeOrders(scenarios[0]!.file, 2);
  for (const scenario of scenarios) {
    const bareRuns: Measured[] = [];
    const runs: Measured[] = [];
    const before = await lockHoldBuckets();
    for (let round = 0; round < ROUNDS; round++) {
      bareRuns.push(
        await measure('bare', { url: bare.url, path: bare.path, connections, seconds: roundSeconds }),
      );
      runs.push(await placeOrders(scenario.file, roundSeconds));
    }
    const after = await lockHoldBuckets();
    const mean = (list: Measured[]) => list.reduce((sum, run) => sum + run.requests, 0) / list.length;
    const ms = (value: number) => (value * 1000).toFixed(2);
    const placed = mean(runs);
    rows.push(
      `| ${scenario.name} | ${placed.toFixed(0)} | ${median(runs.map((run) => run.p50))} | ${median(runs.map((run) => run.p99))} | ${runs.reduce((sum, run) => sum + run.non2xx, 0)} | ${ms(quantile(before, after, 0.5))} | ${ms(quantile(before, after, 0.99))} | ${mean(bareRuns).toFixed(0)} | ${((placed / mean(bareRuns)) * 100).toFixed(1)}% |`,
    );
  }
} finally {
  rmSync(folder, { recursive: true, force: true });
}

// autocannon stops at its deadline with requests still in flight: let them finish before closing
await new Promise((resolve) => setTimeout(resolve, 2000));
const [placedTotal] = await deps.database.sql<{ count: number }[]>`select count(*)::int as count from orders`;
console.log(
  `\n${connections} connections, ${ROUNDS} rounds of ${roundSeconds} s per run alternating with the bare route; DATABASE_POOL_MAX ${env.DATABASE_POOL_MAX}; ${placedTotal!.count} orders placed in all\n`,
);
console.log(
  '| run | orders/s | p50 ms | p99 ms | non-2xx | lock hold p50 ms | lock hold p99 ms | bare req/s | vs bare |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);

await bench.close();
process.exit(0);
