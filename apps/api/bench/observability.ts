// `pnpm bench:observability`: what recording every request costs (request metrics, the trace
// buffer, the Prometheus histogram; docs/runbook.md, "Observability"). The cached price comparison
// (GET /products/:id/prices of 50 hot products) is served by two apps in this process, one with
// OBS_ENABLED=true and one with false, measured in alternation (on, off, off, on, …: the machine's
// pace drifts from minute to minute, so neither side gets the calm or the busy half). Prints
// figures; asserts nothing.
// BENCH_DATABASE_URL reuses a migrated database seeded by an earlier run (it must hold the demo
// seed's products); otherwise a fresh test database is seeded with BENCH_PRODUCTS (default 10000).
import { createDatabase } from '@pbshop/db';
import { seedDatabase } from '@pbshop/db/seed';
import { createTestContext, median } from '@pbshop/testing';
import type { App } from '../src/app.ts';
import type { ApiDeps } from '../src/deps.ts';
import { buildBenchApp, type Measured, measure } from './harness.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 6);
const productCount = Number(process.env.BENCH_PRODUCTS ?? 10_000);
const connections = 50;
const ctx = await createTestContext();

const databaseUrl = process.env.BENCH_DATABASE_URL ?? ctx.env.DATABASE_URL!;
const seeded = await seedDatabase(databaseUrl, { products: productCount, batchSize: 2000, log: () => {} });
const handle = createDatabase(databaseUrl, { max: 1, applicationName: 'bench' });
const hot = (
  await handle.sql<{ id: number }[]>`
    select p.id from products p where exists (select 1 from offers o where o.product_id = p.id)
    order by random() limit 50`
).map((row) => row.id);
await handle.close();
if (hot.length === 0) throw new Error(`no product with offers in ${databaseUrl}: seed it first`);

async function start(enabled: boolean): Promise<{ app: App; deps: ApiDeps; url: string }> {
  // on the shared context, closed by the caller (app, then deps)
  const { deps, app } = await buildBenchApp(
    {
      DATABASE_URL: databaseUrl,
      OBS_ENABLED: String(enabled),
      // each app its own keys: the two do not share request counts
      REDIS_KEY_PREFIX: `${ctx.redisPrefix}:${enabled ? 'on' : 'off'}`,
    },
    { ctx, name: `bench-obs-${enabled ? 'on' : 'off'}` },
  );
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, deps, url };
}

const on = await start(true);
const off = await start(false);
const path = () => `/api/v1/products/${hot[Math.floor(Math.random() * hot.length)]}/prices`;

const runs: Record<'on' | 'off', Measured[]> = { on: [], off: [] };
for (const [key, target] of [
  ['on', on],
  ['off', off],
] as const) {
  // warm-up: JIT, pools, the cache entries of the 50 products
  await measure(`warm-up ${key}`, { url: target.url, path, connections, seconds: 3 });
}
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
  for (const key of order) {
    const target = key === 'on' ? on : off;
    runs[key].push(await measure(key, { url: target.url, path, connections, seconds }));
  }
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const summary = (key: 'on' | 'off') => ({
  requests: sum(runs[key].map((run) => run.requests)) / runs[key].length,
  p50: median(runs[key].map((run) => run.p50)),
  p99: median(runs[key].map((run) => run.p99)),
  non2xx: sum(runs[key].map((run) => run.non2xx)),
});
const [withObs, without] = [summary('on'), summary('off')];

console.log(
  `\n${seeded.products} products (${seeded.status}); GET /api/v1/products/:id/prices of 50 hot (cached) products; ` +
    `${rounds} rounds of ${seconds} s per side, alternating, ${connections} connections\n`,
);
console.log('| observability | req/s | p50 ms | p99 ms | non-2xx | per round req/s |');
console.log('|---|---|---|---|---|---|');
for (const [label, key, figures] of [
  ['on', 'on', withObs],
  ['off', 'off', without],
] as const) {
  console.log(
    `| ${label} | ${figures.requests.toFixed(0)} | ${figures.p50} | ${figures.p99} | ${figures.non2xx} | ${runs[key].map((run) => run.requests.toFixed(0)).join(', ')} |`,
  );
}
console.log(
  `\non vs off: ${((withObs.requests / without.requests) * 100).toFixed(1)}% of the requests/s ` +
    `(${(((without.requests - withObs.requests) / without.requests) * 100).toFixed(1)}% apart)`,
);
const recorded = await on.deps.observability.metrics('/api/v1/products/:id/prices');
console.log(
  `recorded by the "on" app over the window: ${recorded.totalRequests} requests, p50 ${recorded.p50LatencyMs} ms, ` +
    `p99 ${recorded.p99LatencyMs} ms (server-side), scope ${recorded.scope}\n`,
);

for (const target of [on, off]) {
  await target.app.close();
  await target.deps.close();
}
await ctx.cleanup();
process.exit(0);
