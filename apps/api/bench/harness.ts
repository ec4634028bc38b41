// What the HTTP benchmarks share: the bare Fastify baseline, one autocannon run with a path drawn
// per request, and the figures table (each route's rounds alternating with the bare route's).
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
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

/** The baseline: a bare Fastify route answering a small envelope, in the same process (any free port by default). */
export async function startBareRoute(port = 0): Promise<{
  url: string;
  path: () => string;
  close: () => Promise<void>;
}> {
  const bare = Fastify();
  bare.get('/bare', async () => ({ success: true, data: { ok: true } }));
  const url = await bare.listen({ host: '127.0.0.1', port });
  return { url, path: () => '/bare', close: () => bare.close() };
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

/** Nearest-rank percentile of sorted values. */
export const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

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
