// What the HTTP benchmarks share: the API under test on a test context, the bare Fastify
// baseline, one autocannon run with a path drawn per request, and the figures table (each route's
// rounds alternating with the bare route's).
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createLogger, type Env, parseEnv } from '@pbshop/config';
import { createTestContext, median, type TestContext } from '@pbshop/testing';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { type App, buildApp } from '../src/app.ts';
import { type ApiDeps, createApiDeps } from '../src/deps.ts';
import type { Role } from '../src/http/principal.ts';
import type { UsersService } from '../src/modules/identity/users/service.ts';

/** paths drawn per run; each request takes one of them at random */
const PATHS_PER_RUN = 50_000;

/** One run's figures. */
export interface Measured {
  name: string;
  requests: number;
  p50: number;
  p99: number;
  non2xx: number;
}

/** A run next to its baseline. */
export interface Row extends Measured {
  /** the bare route's requests/s in the rounds alternating with this run's: the machine's pace at the time */
  baseline: number;
  /** the bare route's p99 in those rounds (median of the rounds') */
  baselineP99?: number;
  /**
   * a bare route answering one of this route's own responses (same bytes, status and content type)
   * from memory, measured right after: the limit for a response of that size
   */
  sameBytes?: { requests: number; p99: number; bytes: number };
}

/** The bare route's server: where it listens, its one path, its close. */
export interface BareRoute {
  url: string;
  path: () => string;
  close: () => Promise<void>;
}

/** The baseline: a bare Fastify route answering a small envelope, in the same process (any free port by default). */
export async function startBareRoute(port = 0): Promise<BareRoute> {
  const bare = Fastify();
  bare.get('/bare', async () => ({ success: true, data: { ok: true } }));
  const url = await bare.listen({ host: '127.0.0.1', port });
  return { url, path: () => '/bare', close: () => bare.close() };
}

/** Something a bench opened on its test context (a database handle, a child process), closed before the context goes. */
export interface Closable {
  close(): Promise<unknown>;
}

/** The API under test, built in this process on a test context, not listening yet. */
export interface BenchApp {
  ctx: TestContext;
  env: Env;
  deps: ApiDeps;
  app: App;
  /**
   * Closes the app, the deps, then `others` in order, then cleans the context up: its database is
   * dropped, so no handle on it may be open by then.
   */
  close(...others: Closable[]): Promise<void>;
}

export interface BenchAppOptions {
  /**
   * a context the bench created itself, to seed it or to derive overrides from it (its database URL)
   * before the API starts; close() cleans it up as one of its own
   */
  ctx?: TestContext;
  /** run once the deps exist and before the app is built (bench/query.ts times a rebuild with no app yet) */
  beforeApp?: (deps: ApiDeps) => Promise<void>;
  /** the logger's name (default `bench`) */
  name?: string;
}

/**
 * The env a bench runs the API with: its test context's, warnings only and the rate limit out of the
 * way (the load comes from one address); `overrides` last, so a bench may set either.
 */
export function benchEnv(ctx: TestContext, overrides: Record<string, string> = {}): Env {
  return parseEnv({ ...ctx.env, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '10000000', ...overrides });
}

/** The read pool's size from BENCH_READ_POOL_MAX, as an env override (none: the API's default). */
export function benchReadPool(): Record<string, string> {
  return process.env.BENCH_READ_POOL_MAX ? { DATABASE_READ_POOL_MAX: process.env.BENCH_READ_POOL_MAX } : {};
}

/** The API's deps and app on a test context (a new one unless given), for a bench that listens later or not at all. */
export async function buildBenchApp(
  overrides: Record<string, string> = {},
  options: BenchAppOptions = {},
): Promise<BenchApp> {
  const ctx = options.ctx ?? (await createTestContext());
  const env = benchEnv(ctx, overrides);
  const deps = createApiDeps(env, createLogger(env, options.name ?? 'bench'));
  await options.beforeApp?.(deps);
  const app = await buildApp(deps);
  return { ctx, env, deps, app, close: (...others) => closeInOrder(ctx, [app, deps, ...others]) };
}

/** The API under test listening on a free port, and the bare route beside it. */
export interface BenchApi extends BenchApp {
  /** the API's URL */
  api: string;
  bare: BareRoute;
  /** Closes the app, the bare route, the deps, then `others` in order, then cleans the context up. */
  close(...others: Closable[]): Promise<void>;
}

/** The API built (as buildBenchApp), listening on a free port of 127.0.0.1, and the bare route started. */
export async function startBenchApi(
  overrides: Record<string, string> = {},
  options: BenchAppOptions = {},
): Promise<BenchApi> {
  const built = await buildBenchApp(overrides, options);
  const api = await built.app.listen({ host: '127.0.0.1', port: 0 });
  const bare = await startBareRoute();
  return {
    ...built,
    api,
    bare,
    close: (...others) => closeInOrder(built.ctx, [built.app, bare, built.deps, ...others]),
  };
}

/** One after the other (the app stops taking requests before the pools it uses go), then the context. */
async function closeInOrder(ctx: TestContext, closables: Closable[]): Promise<void> {
  for (const closable of closables) await closable.close();
  await ctx.cleanup();
}

export interface RunOptions {
  url: string;
  /** draws a request's path (50,000 drawn beforehand, one picked at random per request) */
  path: () => string;
  connections: number;
  seconds: number;
  /** a pause first, so the previous run's queued requests drain */
  pauseMs?: number;
  /** an unmeasured run first (JIT, per-process memories) */
  warmUpSeconds?: number;
  /** sent with every request, the bare route's too (X-Currency, Accept-Language) */
  headers?: Record<string, string>;
}

/**
 * One run. autocannon fires from its own worker thread, so the server under test has this
 * process's event loop to itself (as it would behind a real network): the paths are drawn here
 * beforehand and handed over in a file (bench/request-path.cjs picks one per request).
 */
export async function measure(name: string, options: RunOptions): Promise<Measured> {
  const folder = mkdtempSync(join(tmpdir(), 'pbshop-bench-'));
  const pathsFile = join(folder, 'paths.json');
  writeFileSync(pathsFile, JSON.stringify(Array.from({ length: PATHS_PER_RUN }, options.path)));
  const load = (duration: number) =>
    fireScripted({
      url: options.url,
      connections: options.connections,
      seconds: duration,
      script: 'request-path.cjs',
      environment: { BENCH_PATHS_FILE: pathsFile },
      headers: options.headers,
    });
  try {
    if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    if (options.warmUpSeconds) await load(options.warmUpSeconds);
    return measuredOf(name, await load(options.seconds));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * One autocannon run whose requests `bench/<script>` builds (from its own worker thread) out of
 * what `environment` names, usually a file of prepared request bodies.
 */
export function fireScripted(options: {
  url: string;
  connections: number;
  seconds: number;
  script: string;
  environment: Record<string, string>;
  headers?: Record<string, string>;
}): Promise<autocannon.Result> {
  // the worker thread copies the environment when it starts
  Object.assign(process.env, options.environment);
  return autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    workers: 1,
    headers: options.headers,
    requests: [{ setupRequest: join(import.meta.dirname, options.script) as never }],
  });
}

/** A run's figures as the table prints them. */
export function measuredOf(name: string, result: autocannon.Result): Measured {
  return {
    name,
    requests: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors,
  };
}

/** A bearer header value for a member, signed by the app under test. */
export function bearerOf(
  app: { signAccessToken(claims: { sub: string; role: Role; ver: number }): string },
  user: { id: number; role: Role; tokenVersion: number },
): string {
  return `Bearer ${app.signAccessToken({ sub: String(user.id), role: user.role, ver: user.tokenVersion })}`;
}

/** The benchmark's administrator, verified, with no password. */
export function createBenchAdmin(users: Pick<UsersService, 'create'>) {
  return users.create({
    email: 'bench-admin@example.com',
    name: 'Bench admin',
    passwordHash: null,
    role: 'ADMIN',
    emailVerified: true,
  });
}

/** bare/route alternations a paired measurement is split into */
const PAIRED_ROUNDS = 5;

/** a paired run's pause first (the previous run's queued requests drain) and its unmeasured warm-up */
const PAIRED_PAUSE_MS = 500;
const PAIRED_WARM_UP_SECONDS = 1;

/**
 * Each named list of paths measured against the bare route (measurePaired), a path drawn from the
 * list at random per request, after a pause and a warm-up: the storefront benches' cached reads.
 */
export async function measurePairedPaths(
  target: { api: string; bare: { url: string; path: () => string } },
  runs: readonly (readonly [name: string, paths: readonly string[]])[],
  options: { connections: number; seconds: number },
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [name, paths] of runs) {
    rows.push(
      await measurePaired(target.bare, name, {
        url: target.api,
        path: () => paths[Math.floor(Math.random() * paths.length)]!,
        connections: options.connections,
        seconds: options.seconds,
        pauseMs: PAIRED_PAUSE_MS,
        warmUpSeconds: PAIRED_WARM_UP_SECONDS,
      }),
    );
  }
  return rows;
}

/** The load average (1, 5 and 15 min, two decimals): how busy the machine was beside the figures. */
export function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}

/** The line above a table of runs: their length and connections, then the load average or `detail` instead. */
export function printRunsLine(
  seconds: number,
  connections: number,
  detail = `load average ${loadAverage()}`,
): void {
  console.log(`\n${seconds} s per run, ${connections} connections; ${detail}\n`);
}

/**
 * A route against the bare route, the baseline of its ratio, in PAIRED_ROUNDS alternations of the
 * two (bare, route, bare, route…), each a fifth of `seconds`: this machine's pace drifts by a
 * quarter from minute to minute, and one bare run before one route run let a slow or fast half
 * minute decide the ratio. Requests/s are the rounds' totals over the time; the latencies are the
 * median of the rounds' (a percentile cannot be averaged, and the worst round's would overstate it).
 */
export async function measurePaired(
  bare: { url: string; path: () => string },
  name: string,
  options: RunOptions,
): Promise<Row> {
  const seconds = Math.max(1, Math.round(options.seconds / PAIRED_ROUNDS));
  const bareRounds: Measured[] = [];
  const rounds: Measured[] = [];
  for (let round = 0; round < PAIRED_ROUNDS; round += 1) {
    // the pause (queued requests drain) and the route's warm-up once, before the first round
    const first = round === 0;
    bareRounds.push(
      await measure('bare Fastify route', {
        ...options,
        seconds,
        url: bare.url,
        path: bare.path,
        pauseMs: first ? options.pauseMs : undefined,
        warmUpSeconds: undefined,
      }),
    );
    rounds.push(
      await measure(name, {
        ...options,
        seconds,
        pauseMs: undefined,
        warmUpSeconds: first ? options.warmUpSeconds : undefined,
      }),
    );
  }
  const mean = (runs: Measured[]) => runs.reduce((sum, run) => sum + run.requests, 0) / runs.length;
  return {
    name,
    requests: mean(rounds),
    p50: median(rounds.map((run) => run.p50)),
    p99: median(rounds.map((run) => run.p99)),
    non2xx: rounds.reduce((sum, run) => sum + run.non2xx, 0),
    baseline: mean(bareRounds),
    baselineP99: median(bareRounds.map((run) => run.p99)),
    sameBytes: await measureSameBytes({ ...options, seconds }),
  };
}

/** The same-bytes route's server (one per bench process) and the response it answers now. */
let sameBytesServer: { url: string; answer: { status: number; type: string; body: Buffer } } | undefined;

/**
 * One of the route's responses served from memory by a bare Fastify route, measured as the route
 * was (one round's length): what the route would do if producing its answer cost nothing.
 */
async function measureSameBytes(options: RunOptions): Promise<Row['sameBytes']> {
  const response = await fetch(`${options.url}${options.path()}`, { headers: options.headers });
  const answer = {
    status: response.status,
    type: response.headers.get('content-type') ?? 'application/json',
    body: Buffer.from(await response.arrayBuffer()),
  };
  if (!sameBytesServer) {
    const server = Fastify();
    server.get('/same-bytes', (_request, reply) => {
      const { status, type, body } = sameBytesServer!.answer;
      reply.code(status).type(type).send(body);
    });
    sameBytesServer = { url: await server.listen({ host: '127.0.0.1', port: 0 }), answer };
    process.once('beforeExit', () => void server.close());
  }
  sameBytesServer.answer = answer;
  const run = await measure('same bytes from memory', {
    ...options,
    url: sameBytesServer.url,
    path: () => '/same-bytes',
    pauseMs: undefined,
    warmUpSeconds: undefined,
  });
  return { requests: run.requests, p99: run.p99, bytes: answer.body.length };
}

/**
 * The table of runs, each next to the bare route's rounds it alternated with and to the same bytes
 * from memory. With BENCH_JSON_OUT set (pnpm bench), the rows are also appended to that file as one
 * JSON line naming the bench, with the load average.
 */
export function printRows(rows: Row[]): void {
  console.log(
    `(${PAIRED_ROUNDS} rounds per run alternating with the bare route; latencies: median of the rounds'; ` +
      "same bytes: one of the route's responses answered from memory by a bare route)\n",
  );
  console.log(
    '| run | req/s | p50 ms | p99 ms | non-2xx | bare req/s | vs bare | same-bytes req/s | vs same bytes |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) {
    const same = row.sameBytes
      ? `${row.sameBytes.requests.toFixed(0)} | ${((row.requests / row.sameBytes.requests) * 100).toFixed(1)}%`
      : '— | —';
    console.log(
      `| ${row.name} | ${row.requests.toFixed(0)} | ${row.p50} | ${row.p99} | ${row.non2xx} | ${row.baseline.toFixed(0)} | ${((row.requests / row.baseline) * 100).toFixed(1)}% | ${same} |`,
    );
  }
  if (process.env.BENCH_JSON_OUT)
    appendFileSync(
      process.env.BENCH_JSON_OUT,
      `${JSON.stringify({ bench: basename(process.argv[1] ?? 'bench'), loadavg: loadavg(), rows })}\n`,
    );
}
