// `pnpm bench:payments`: payments per second over HTTP through the payment gateway simulator (a
// child process, as in development): POST /api/v1/payments paying a fresh order per request, without
// and with an Idempotency-Key (what the key costs), the same requests replayed with their keys (the
// stored answer), and GET /api/v1/payments/:id; each in rounds alternating with a bare Fastify
// route in this process. Then checks the gateway charged each paid order once. Prints figures;
// asserts nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from '@pbshop/testing';
import { addressOf, createShop, type StockedOffer, stockedProduct } from '../test/helpers/orders.ts';
import { startGatewaySimulator } from '../test/helpers/payment-gateway.ts';
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
const orderCount = Number(process.env.BENCH_ORDERS ?? 6000);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = 5;

const gateway = await startGatewaySimulator();
const bench = await startBenchApi({
  ...gateway.env,
  DATABASE_POOL_MAX: '10',
  AUTH_RATE_LIMIT_PER_MINUTE: '10000000',
});
const { env, deps, app, api: apiUrl, bare } = bench;

const token = (user: { id: number; role: 'USER' | 'SELLER' | 'ADMIN'; tokenVersion: number }) =>
  bearerOf(app, user);
const admin = await createBenchAdmin(deps.users);
const adminHeader = { authorization: token(admin) };

console.log(`fixtures: ${orderCount} unpaid orders of 50 members over 100 products`);
const shop = await createShop(app, adminHeader);
const offers: StockedOffer[] = [];
for (let i = 0; i < 100; i++) {
  offers.push(await stockedProduct(app, adminHeader, shop, { price: 10_000 + i * 100, stock: 1_000_000 }));
}
const members: { id: number; authorization: string; addressId: number }[] = [];
for (let i = 0; i < 50; i++) {
  const user = await deps.users.create({
    email: `bench-payer-${i}@example.com`,
    name: `Payer ${i}`,
    passwordHash: null,
    emailVerified: true,
  });
  members.push({ id: user.id, authorization: token(user), addressId: await addressOf(deps, user.id) });
}

interface Unpaid {
  authorization: string;
  orderId: number;
  amount: number;
}
const unpaid: Unpaid[] = [];
for (let start = 0; start < orderCount; start += 20) {
  const batch = Array.from({ length: Math.min(20, orderCount - start) }, async (_, index) => {
    const member = members[(start + index) % members.length]!;
    const offer = offers[(start + index) % offers.length]!;
    const order = await deps.orders.place(member.id, {
      addressId: member.addressId,
      items: [{ productId: offer.productId, sellerId: offer.sellerId, quantity: 1 }],
    });
    return { authorization: member.authorization, orderId: order.id, amount: order.finalAmount };
  });
  unpaid.push(...(await Promise.all(batch)));
}

interface Entry {
  method: 'GET' | 'POST';
  path: string;
  authorization: string;
  body?: string;
  key?: string;
}
const folder = mkdtempSync(join(tmpdir(), 'pbshop-bench-payments-'));
const payEntry = (order: Unpaid, key?: string): Entry => ({
  method: 'POST',
  path: '/api/v1/payments',
  authorization: order.authorization,
  body: JSON.stringify({ orderId: order.orderId, method: 'CARD', amount: order.amount }),
  ...(key ? { key } : {}),
});
const half = Math.floor(unpaid.length / 2);
const withoutKey = unpaid.slice(0, half).map((order) => payEntry(order));
const withKey = unpaid.slice(half).map((order) => payEntry(order, `bench-pay-${order.orderId}`));

function file(name: string, entries: Entry[]): string {
  const path = join(folder, `${name}.json`);
  writeFileSync(path, JSON.stringify(entries));
  return path;
}

async function fire(path: string, random: boolean, duration: number): Promise<Measured & { total: number }> {
  const result = await fireScripted({
    url: apiUrl,
    connections,
    seconds: duration,
    script: 'payment-request.cjs',
    environment: { BENCH_PAYMENTS_FILE: path, BENCH_PAYMENTS_RANDOM: random ? '1' : '0' },
  });
  return { ...measuredOf('payments', result), total: result.requests.total };
}

/** One scenario in rounds alternating with the bare route; a sequential list is consumed across rounds. */
async function scenario(name: string, entries: Entry[], random: boolean): Promise<string> {
  const roundSeconds = Math.max(1, Math.round(seconds / ROUNDS));
  const bareRuns: Measured[] = [];
  const runs: Measured[] = [];
  let remaining = entries;
  for (let round = 0; round < ROUNDS; round++) {
    bareRuns.push(
      await measure('bare', { url: bare.url, path: bare.path, connections, seconds: roundSeconds }),
    );
    const run = await fire(file(`${name.length}-${round}`, remaining), random, roundSeconds);
    runs.push(run);
    // the next round pays orders this one did not reach (nor had in flight at its end)
    if (!random) remaining = remaining.slice(run.total + connections);
    if (remaining.length === 0) throw new Error(`${name}: out of unpaid orders; raise BENCH_ORDERS`);
  }
  const mean = (list: Measured[]) => list.reduce((sum, run) => sum + run.requests, 0) / list.length;
  const rate = mean(runs);
  return `| ${name} | ${rate.toFixed(0)} | ${median(runs.map((run) => run.p50))} | ${median(runs.map((run) => run.p99))} | ${runs.reduce((sum, run) => sum + run.non2xx, 0)} | ${mean(bareRuns).toFixed(0)} | ${((rate / mean(bareRuns)) * 100).toFixed(1)}% |`;
}

const rows: string[] = [];
try {
  // warm-up: JIT, prepared statements, the gateway connection
  await fire(file('warm', withoutKey.splice(0, 300)), false, 1);
  rows.push(await scenario('POST /payments, a new payment each (no key)', withoutKey, false));
  rows.push(await scenario('POST /payments, a new payment each, new Idempotency-Key', withKey, false));
  const paid = await deps.database.sql<{ id: number; order_id: number; user_id: number }[]>`
    select id, order_id, user_id from payments where status = 'COMPLETED'`;
  const byOrder = new Map(unpaid.map((order) => [order.orderId, order]));
  const paidKeys = new Set(paid.map((row) => `bench-pay-${row.order_id}`));
  const replays = withKey.filter((entry) => entry.key !== undefined && paidKeys.has(entry.key));
  rows.push(await scenario('POST /payments replayed (same key: the stored answer)', replays, true));
  const reads = paid.slice(0, 2000).map(
    (row): Entry => ({
      method: 'GET',
      path: `/api/v1/payments/${row.id}`,
      authorization: byOrder.get(row.order_id)!.authorization,
    }),
  );
  rows.push(await scenario('GET /payments/:id', reads, true));
} finally {
  rmSync(folder, { recursive: true, force: true });
}

const [counts] = await deps.database.sql<{ completed: number; other: number }[]>`
  select count(*) filter (where status = 'COMPLETED')::int as completed,
         count(*) filter (where status <> 'COMPLETED')::int as other
  from payments`;
const ledger = await gateway.ledger();
const charged = new Set(ledger.filter((entry) => entry.type === 'CHARGE').map((entry) => entry.orderId));
console.log(
  `\n${connections} connections, ${ROUNDS} rounds of ${Math.max(1, Math.round(seconds / ROUNDS))} s per run alternating with the bare route; DATABASE_POOL_MAX ${env.DATABASE_POOL_MAX}; gateway: the simulator process over HTTP`,
);
console.log(
  `payments COMPLETED ${counts!.completed}, other ${counts!.other}; gateway charges ${ledger.filter((entry) => entry.type === 'CHARGE').length} for ${charged.size} orders\n`,
);
console.log('| run | req/s | p50 ms | p99 ms | non-2xx | bare req/s | vs bare |');
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);

await bench.close({ close: () => gateway.stop() });
process.exit(0);
