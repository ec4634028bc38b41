// `BASE_URL=http://127.0.0.1:3310 pnpm test:perf:smoke`: short autocannon runs of the API's
// busiest reads (health, product list, detail, price comparison, search, autocomplete, cart, ops
// summary), each right after a run of the bare Fastify route (BARE_URL, default the mock server's
// http://127.0.0.1:3311/bare) measured the same way, so the thresholds are ratios to what this
// machine does at that moment, not milliseconds that hold on one machine only. Thresholds:
// bench/perf/thresholds.json (error rate, p95 and p99 as multiples of the bare route's). Exit 1
// naming each breach; a JSON summary goes to PERF_SUMMARY_FILE (default
// bench-reports/perf-smoke.json). PERF_SECONDS overrides the run length; PERF_P95_RATIO,
// PERF_P99_RATIO and PERF_ERROR_RATE override every scenario's limit (set one below what the machine
// does, e.g. PERF_P99_RATIO=1, and the smoke fails: the bare route is the floor).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { percentile } from '@pbshop/testing';
import autocannon from 'autocannon';
import { PERF_ADMIN_EMAIL, PERF_BARE_PORT, PERF_MEMBER_EMAIL, PERF_PASSWORD } from './accounts.ts';

interface Limits {
  maxErrorRate: number;
  maxP95Ratio: number;
  maxP99Ratio: number;
}
interface Thresholds {
  connections: number;
  seconds: number;
  scenarios: Record<string, Limits>;
}

const repoRoot = resolve(import.meta.dirname, '../../../..');
const thresholdsFile = process.env.PERF_THRESHOLDS ?? resolve(import.meta.dirname, 'thresholds.json');
const thresholds = JSON.parse(readFileSync(thresholdsFile, 'utf8')) as Thresholds;
const base = (process.env.BASE_URL ?? 'http://127.0.0.1:3310').replace(/\/$/, '');
const bareUrl = process.env.BARE_URL ?? `http://${new URL(base).hostname}:${PERF_BARE_PORT}/bare`;
const seconds = Number(process.env.PERF_SECONDS ?? thresholds.seconds);
const connections = thresholds.connections;
const summaryFile = process.env.PERF_SUMMARY_FILE ?? resolve(repoRoot, 'bench-reports/perf-smoke.json');
const waitSeconds = Number(process.env.PERF_WAIT_SECONDS ?? 300);
const overrides: Partial<Limits> = {
  ...(process.env.PERF_ERROR_RATE ? { maxErrorRate: Number(process.env.PERF_ERROR_RATE) } : {}),
  ...(process.env.PERF_P95_RATIO ? { maxP95Ratio: Number(process.env.PERF_P95_RATIO) } : {}),
  ...(process.env.PERF_P99_RATIO ? { maxP99Ratio: Number(process.env.PERF_P99_RATIO) } : {}),
};

/** One run's figures: latencies of every response (ms), errors counted with non-2xx answers. */
interface Run {
  requestsPerSecond: number;
  responses: number;
  errors: number;
  errorRate: number;
  p50: number;
  p95: number;
  p99: number;
}

async function run(path: () => string, url: string, headers: Record<string, string>, duration: number) {
  const latencies: number[] = [];
  let failed = 0;
  const instance = autocannon({
    url,
    connections,
    duration,
    headers,
    requests: [{ setupRequest: (request) => ({ ...request, path: path() }) }],
  });
  (instance as unknown as NodeJS.EventEmitter).on(
    'response',
    (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      latencies.push(responseTime);
      if (statusCode < 200 || statusCode >= 300) failed += 1;
    },
  );
  const result = await instance;
  latencies.sort((a, b) => a - b);
  const errors = failed + result.errors + result.timeouts;
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    requestsPerSecond: round(latencies.length / duration),
    responses: latencies.length,
    errors,
    errorRate: round(errors / Math.max(1, latencies.length + result.errors + result.timeouts)),
    p50: round(percentile(latencies, 0.5)),
    p95: round(percentile(latencies, 0.95)),
    p99: round(percentile(latencies, 0.99)),
  } satisfies Run;
}

async function call<T>(method: string, path: string, headers: Record<string, string> = {}, body?: object) {
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const payload = (await response.json()) as { data: T };
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(payload)}`);
  return payload.data;
}

async function waitUntilAnswering(url: string) {
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    const response = await fetch(url).catch(() => undefined);
    if (response?.ok) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${waitSeconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const pick = <T>(values: readonly T[]) => values[Math.floor(Math.random() * values.length)]!;

await waitUntilAnswering(`${base}/health/live`);
await waitUntilAnswering(bareUrl);
const bare = new URL(bareUrl);

// what the scenarios ask for: the catalogue's first products, words of their names, a member's cart
const login = async (email: string) => {
  const { accessToken } = await call<{ accessToken: string }>(
    'POST',
    '/auth/login',
    {},
    {
      email,
      password: PERF_PASSWORD,
    },
  );
  return { authorization: `Bearer ${accessToken}` };
};
const admin = await login(PERF_ADMIN_EMAIL);
const member = await login(PERF_MEMBER_EMAIL);
const listed = await call<{ id: number; name: string }[]>('GET', '/products?limit=100');
const productIds = listed.map((product) => product.id);
const words = [...new Set(listed.flatMap((product) => product.name.split(/\s+/)))].filter(
  (word) => word.length >= 2,
);
const cart = await call<unknown[]>('GET', '/cart', member);
for (const productId of productIds.slice(0, Math.max(0, 3 - cart.length))) {
  const prices = await call<{ entries: { seller: { id: number } }[] }>(
    'GET',
    `/products/${productId}/prices`,
  );
  await call('POST', '/cart', member, { productId, sellerId: prices.entries[0]!.seller.id, quantity: 1 });
}

const scenarios: { name: string; path: () => string; headers?: Record<string, string> }[] = [
  { name: 'health', path: () => '/health' },
  { name: 'product list', path: () => `/api/v1/products?page=${1 + Math.floor(Math.random() * 5)}&limit=20` },
  { name: 'product detail', path: () => `/api/v1/products/${pick(productIds)}` },
  { name: 'price comparison', path: () => `/api/v1/products/${pick(productIds)}/prices` },
  { name: 'search', path: () => `/api/v1/search?q=${encodeURIComponent(pick(words))}` },
  {
    name: 'autocomplete',
    path: () => `/api/v1/search/autocomplete?q=${encodeURIComponent(pick(words).slice(0, 2))}`,
  },
  { name: 'cart', path: () => '/api/v1/cart', headers: member },
  { name: 'ops summary', path: () => '/api/v1/admin/ops-dashboard/summary', headers: admin },
];

const loadBefore = os.loadavg();
const results = [];
const breaches: string[] = [];
for (const scenario of scenarios) {
  const limits = thresholds.scenarios[scenario.name];
  if (!limits) throw new Error(`${thresholdsFile} has no thresholds for "${scenario.name}"`);
  const effective = { ...limits, ...overrides };
  // the route warms up unmeasured (JIT, caches), then the bare route and the route back to back
  await run(scenario.path, base, scenario.headers ?? {}, 1);
  const bareRun = await run(() => bare.pathname, bare.origin, {}, seconds);
  const routeRun = await run(scenario.path, base, scenario.headers ?? {}, seconds);
  const ratios = {
    p95: Math.round((routeRun.p95 / bareRun.p95) * 100) / 100,
    p99: Math.round((routeRun.p99 / bareRun.p99) * 100) / 100,
  };
  const found: string[] = [];
  if (routeRun.errorRate > effective.maxErrorRate)
    found.push(`error rate ${routeRun.errorRate} > ${effective.maxErrorRate} (${routeRun.errors} errors)`);
  if (ratios.p95 > effective.maxP95Ratio)
    found.push(
      `p95 ${routeRun.p95} ms = ${ratios.p95}x bare (${bareRun.p95} ms) > ${effective.maxP95Ratio}x`,
    );
  if (ratios.p99 > effective.maxP99Ratio)
    found.push(
      `p99 ${routeRun.p99} ms = ${ratios.p99}x bare (${bareRun.p99} ms) > ${effective.maxP99Ratio}x`,
    );
  breaches.push(...found.map((breach) => `${scenario.name}: ${breach}`));
  results.push({
    name: scenario.name,
    route: routeRun,
    bare: bareRun,
    ratios,
    limits: effective,
    breaches: found,
  });
  console.log(
    `${found.length ? 'FAIL' : 'ok  '} ${scenario.name}: ${routeRun.requestsPerSecond} req/s, p95 ${routeRun.p95} ms (${ratios.p95}x bare), ` +
      `p99 ${routeRun.p99} ms (${ratios.p99}x bare), errors ${routeRun.errorRate}; bare ${bareRun.requestsPerSecond} req/s`,
  );
}

const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();
const summary = {
  at: new Date().toISOString(),
  commit,
  cores: os.cpus().length,
  loadavg: { before: loadBefore, after: os.loadavg() },
  baseUrl: base,
  bareUrl,
  connections,
  seconds,
  thresholdsFile,
  overrides,
  passed: breaches.length === 0,
  breaches,
  scenarios: results,
};
mkdirSync(dirname(summaryFile), { recursive: true });
writeFileSync(summaryFile, `${JSON.stringify(summary, null, 2)}\n`);
console.log(
  `\n${os.cpus().length} cores, load ${loadBefore.map((value) => value.toFixed(2)).join(' ')} → ` +
    `${os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}; ${connections} connections, ${seconds} s per run; summary: ${summaryFile}`,
);
if (breaches.length > 0) {
  console.error(`perf smoke: FAILED, ${breaches.length} threshold(s) breached:`);
  for (const breach of breaches) console.error(`  ${breach}`);
  process.exit(1);
}
console.log('perf smoke: passed (every scenario within its thresholds)');
process.exit(0);
