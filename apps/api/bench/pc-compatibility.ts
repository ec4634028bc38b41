// `pnpm bench:pc-compatibility`: the compatibility check of full 10-part PC builds
// (GET /pc-builds/:id/compatibility: cached per build, the cache dropped by the build's, the rules'
// and the spec values' writes; on a miss one statement for the build, its parts' offers and specs
// and one for the active rules), and the build detail that computes the check on every request,
// under 50 connections next to the bare Fastify route in the same run. The goal: the
// check's p99 ≤ 20 ms. Seeds the PC parts and default rules with
// the demo seed, then 20 builds of 10 parts through the API (some compatible, some not, so every
// rule runs). Prints figures and the load average; asserts nothing.
import { pcPartProductId, seedDatabase } from '@pbshop/db/seed';
import { createTestContext } from '@pbshop/testing';
import {
  bearerOf,
  createBenchAdmin,
  measurePairedPaths,
  printRows,
  printRunsLine,
  startBenchApi,
} from './harness.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = 50;
const ctx = await createTestContext();
await seedDatabase(ctx.env.DATABASE_URL!, { products: 0, log: () => {} });
const bench = await startBenchApi({}, { ctx });
const { deps, app } = bench;
const member = await createBenchAdmin(deps.users);
const headers = { authorization: bearerOf(app, member) };

async function send(method: 'POST', url: string, payload: object): Promise<{ id: number }> {
  const response = await app.inject({ method, url: `/api/v1${url}`, headers, payload });
  if (response.statusCode >= 300)
    throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  return response.json().data;
}

const choices: Record<string, string[]> = {
  CPU: ['cpu-r7-7800x3d', 'cpu-r5-7600', 'cpu-i5-14400f'],
  MOTHERBOARD: ['mb-b650-tuf', 'mb-b650m-mortar'],
  RAM: ['ram-ddr5-32-2x16', 'ram-ddr4-32-2x16'],
  GPU: ['gpu-4070s', 'gpu-4090', 'gpu-4060'],
  SSD: ['ssd-990pro-2tb'],
  HDD: ['hdd-barracuda-2tb'],
  PSU: ['psu-850', 'psu-500'],
  CASE: ['case-h5-flow', 'case-north', 'case-nr200p'],
  COOLER: ['cooler-pa120', 'cooler-darkrock5'],
  MONITOR: ['monitor-27gr83q'],
};
const buildIds: number[] = [];
for (let index = 0; index < 20; index += 1) {
  const build = await send('POST', '/pc-builds', { name: `Bench build ${index}`, purpose: 'GAMING' });
  for (const [partType, keys] of Object.entries(choices)) {
    await send('POST', `/pc-builds/${build.id}/parts`, {
      productId: pcPartProductId(1, keys[index % keys.length]!),
      partType,
      quantity: 1,
    });
  }
  buildIds.push(build.id);
}

// a build drawn per request
const rows = await measurePairedPaths(
  bench,
  [
    [
      'GET /pc-builds/:id/compatibility (10 parts, 7 rules, 20 builds; cached per build)',
      buildIds.map((id) => `/api/v1/pc-builds/${id}/compatibility`),
    ],
    // the same check computed on every request, with the parts' current prices: the uncached cost
    [
      'GET /pc-builds/:id (detail: prices and the check, computed per request)',
      buildIds.map((id) => `/api/v1/pc-builds/${id}`),
    ],
  ],
  { connections, seconds },
);
printRunsLine(seconds, connections);
printRows(rows);
for (const row of rows)
  console.log(`bare route p99 in the rounds beside "${row.name}": ${row.baselineP99} ms`);

await bench.close();
process.exit(0);
