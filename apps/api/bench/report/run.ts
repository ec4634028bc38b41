// `pnpm bench [--quick] [--only name,name]`: every area's benchmark in one report,
// bench-reports/latest.{md,json,svg}. Each bench runs as its own process, one after another (the
// machine is shared: they would measure each other); its printed tables are kept, and the rows of
// the benches built on bench/harness.ts's measurePaired come as JSON (BENCH_JSON_OUT) with the
// bare route of the same run and the same bytes answered from memory. Then the memory section: the
// perf mock server (the API, the three workers, the simulators) and a bare Fastify process, the
// resident memory of each idle and after the perf smoke's load, with what holds the API's
// (bench/report/memory-probe.ts). --quick: short runs and small fixtures; --only a,b,memory re-runs
// those and keeps the rest of the previous latest.json; --heap-snapshots diffs the API's heap idle and after the load.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import type { Row } from '../harness.ts';
import { heapGrowth } from './heap-summary.ts';
import { renderMarkdown } from './markdown.ts';
import { renderSvg } from './svg.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'heap-snapshots': { type: 'boolean', default: false },
  },
});
/** heap snapshots idle and after the load, diffed by constructor; writing one grows the rss it measures */
const heapSnapshots = args['heap-snapshots'];
const quick = args.quick;
const only = args.only?.split(',').map((name) => name.trim());
const repoRoot = resolve(import.meta.dirname, '../../../..');
const outDir = resolve(repoRoot, 'bench-reports');
const work = mkdtempSync(join(os.tmpdir(), 'pbshop-bench-report-'));

/** One bench: the script, its arguments and the environment of a quick run. */
interface BenchSpec {
  name: string;
  area: string;
  script: string;
  args?: { quick: string[]; full: string[] };
  quickEnv?: Record<string, string>;
}

const api = (name: string, area: string, quickEnv: Record<string, string> = {}): BenchSpec => ({
  name,
  area,
  script: `apps/api/bench/${name}.ts`,
  quickEnv: { BENCH_SECONDS: '5', ...quickEnv },
});
const benches: BenchSpec[] = [
  api('health', 'health'),
  api('auth', 'identity'),
  api('catalog', 'catalog', { BENCH_PRODUCTS: '2000' }),
  api('search', 'search', { BENCH_PRODUCTS: '2000', BENCH_WRITES_PER_SECOND: '50' }),
  api('query', 'query read model', { BENCH_PRODUCTS: '2000' }),
  api('cart', 'commerce: cart'),
  api('orders', 'commerce: orders', { BENCH_PRODUCTS: '100', BENCH_MEMBERS: '50' }),
  api('payments', 'commerce: payments', { BENCH_ORDERS: '1000' }),
  api('reviews', 'reviews', { BENCH_REVIEWS: '5000', BENCH_WRITES: '1000' }),
  api('help', 'help: FAQ and notices'),
  api('observability', 'observability', { BENCH_ROUNDS: '2', BENCH_PRODUCTS: '300' }),
  api('ops-dashboard', 'ops dashboard', { BENCH_FAILED_JOBS: '1000' }),
  api('images', 'media: images', { BENCH_IMAGES: '4' }),
  api('upload', 'media: upload', { BENCH_ROUNDS: '2' }),
  {
    name: 'crawl',
    area: 'crawler',
    script: 'apps/worker-crawler/bench/crawl.ts',
    args: { quick: ['1000', '8'], full: [] },
  },
  {
    name: 'transcode',
    area: 'transcode',
    script: 'apps/worker-transcode/bench/transcode.ts',
    args: { quick: ['1'], full: [] },
  },
];

/** A markdown table from a bench's output, as JSON. */
export interface Table {
  header: string[];
  rows: string[][];
}

export interface BenchResult {
  name: string;
  area: string;
  command: string;
  exitCode: number | null;
  seconds: number;
  loadavg: { before: number[]; after: number[] };
  /** measurePaired rows: route, bare route of the same run, same bytes from memory */
  rows: Row[];
  tables: Table[];
  output: string;
}

function tablesOf(output: string): Table[] {
  const tables: Table[] = [];
  let current: string[] | undefined;
  for (const line of [...output.split('\n'), '']) {
    if (line.startsWith('|')) {
      current ??= [];
      current.push(line);
    } else if (current) {
      const cells = current.map((row) =>
        row
          .slice(1, row.endsWith('|') ? -1 : undefined)
          .split('|')
          .map((cell) => cell.trim()),
      );
      if (cells.length >= 2 && cells[1]!.every((cell) => /^:?-+:?$/.test(cell)))
        tables.push({ header: cells[0]!, rows: cells.slice(2) });
      current = undefined;
    }
  }
  return tables;
}

/** Runs a process to its end, output kept; killed past `timeoutMs`. */
function runProcess(
  command: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, command, {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => {
      output += `\n(pnpm bench: stopped after ${timeoutMs / 1000} s)\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

async function runBench(spec: BenchSpec): Promise<BenchResult> {
  const jsonOut = join(work, `${spec.name}.jsonl`);
  const argv = [spec.script, ...(quick ? (spec.args?.quick ?? []) : (spec.args?.full ?? []))];
  const env = { BENCH_JSON_OUT: jsonOut, ...(quick ? (spec.quickEnv ?? {}) : {}) };
  const command = `${Object.entries(quick ? (spec.quickEnv ?? {}) : {})
    .map(([key, value]) => `${key}=${value} `)
    .join('')}node ${argv.join(' ')}`;
  console.log(`pnpm bench: ${spec.name}: ${command}`);
  const before = os.loadavg();
  const started = performance.now();
  const run = await runProcess(argv, env, (quick ? 8 : 20) * 60_000);
  const code = run.code;
  // the JSON log lines of the processes under test (a warning per failed job…) interleave with the tables
  const lines = run.output.split('\n');
  const logLines = lines.filter((line) => line.startsWith('{"level":'));
  const output = `${lines.filter((line) => !line.startsWith('{"level":')).join('\n')}${
    logLines.length
      ? `\n(${logLines.length} JSON log lines left out; the last: ${logLines.at(-1)?.slice(0, 500)})\n`
      : ''
  }`;
  const rows = (() => {
    try {
      return readFileSync(jsonOut, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .flatMap((line) => (JSON.parse(line) as { rows: Row[] }).rows);
    } catch {
      return [];
    }
  })();
  const seconds = Math.round((performance.now() - started) / 1000);
  console.log(`pnpm bench: ${spec.name}: exit ${code} after ${seconds} s, ${rows.length} paired rows`);
  return {
    name: spec.name,
    area: spec.area,
    command,
    exitCode: code,
    seconds,
    loadavg: { before, after: os.loadavg() },
    rows,
    tables: tablesOf(output),
    // the tail: a bench that failed says why at its end (the full output can run to megabytes)
    output: output.length > 20_000 ? `…${output.slice(-20_000)}` : output,
  };
}

// ---- memory: every process idle and after load, next to bare Fastify's ----

/** Resident memory of a process, MB (VmRSS). */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
}
function nameOf(pid: number): string {
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const entry = argv.find((part) => part.endsWith('.ts')) ?? argv[0]!;
  return entry.replace(`${repoRoot}/`, '').replace(/^apps\//, '');
}
const waitMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface MemoryResult {
  products: number;
  processes: { name: string; pid: number; idleMb: number; afterLoadMb: number }[];
  /** the API's breakdown (memory-probe.ts), idle and after the load */
  apiProbe: { idle: unknown; afterLoad: unknown };
  /** what the heap gained from idle to after the load, both after a full collection (heap-summary.ts) */
  heapGrowth?: ReturnType<typeof heapGrowth>;
  smoke: unknown;
  loadavg: number[];
}

async function measureMemory(): Promise<MemoryResult | { error: string }> {
  const products = 2000;
  const probeFile = join(work, 'memory-probe.jsonl');
  const probeModule = resolve(import.meta.dirname, 'memory-probe.ts');
  const mock = spawn(process.execPath, ['apps/api/bench/perf/mock-server.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PERF_PRODUCTS: String(products),
      PERF_ALL_WORKERS: '1',
      PERF_API_NODE_OPTIONS: `--import=${probeModule}`,
      MEMORY_PROBE_FILE: probeFile,
      ...(heapSnapshots ? { MEMORY_PROBE_SNAPSHOT_DIR: work } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const bare = spawn(process.execPath, ['apps/api/bench/report/bare-process.ts'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stopAll = async (children: ChildProcess[]) => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(
      children.map((child) => (child.exitCode === null ? new Promise((r) => child.once('exit', r)) : null)),
    );
  };
  try {
    let mockOutput = '';
    const ready = new Promise<void>((resolveReady, reject) => {
      mock.stdout!.on('data', (chunk) => {
        mockOutput += chunk;
        if (mockOutput.includes('perf mock server: ready')) resolveReady();
      });
      mock.stderr!.on('data', (chunk) => {
        mockOutput += chunk;
      });
      mock.once('exit', (code) =>
        reject(new Error(`the mock server exited (${code}): ${mockOutput.slice(-1500)}`)),
      );
    });
    const bareUrl = await new Promise<string>((resolveUrl) =>
      bare.stdout!.once('data', (chunk) => resolveUrl(String(chunk).trim())),
    );
    await ready;
    // idle: the processes have started, the caches are empty, nothing is asked of them
    await waitMs(5000);
    const pids = childrenOf(mock.pid!);
    const processes = [
      ...pids.map((pid) => ({ name: nameOf(pid), pid })),
      { name: 'perf mock server (supervisor, bare route in-process)', pid: mock.pid! },
      { name: 'bare Fastify process (bench/report/bare-process.ts)', pid: bare.pid! },
    ].map((entry) => ({ ...entry, idleMb: rssMb(entry.pid), afterLoadMb: 0 }));
    const apiPid = pids.find((pid) => nameOf(pid).startsWith('api/'))!;
    // a probe collects garbage and writes a heap snapshot, seconds in which the API answers nothing:
    // each is awaited, so none overlaps the load
    const probeLines = () =>
      existsSync(probeFile) ? readFileSync(probeFile, 'utf8').trim().split('\n').filter(Boolean) : [];
    const probe = async () => {
      const before = probeLines().length;
      process.kill(apiPid, 'SIGUSR2');
      const deadline = Date.now() + 180_000;
      while (probeLines().length === before) {
        if (Date.now() > deadline) throw new Error('the API wrote no memory probe within 3 minutes');
        await waitMs(250);
      }
    };
    await probe();

    // the load: the perf smoke's scenarios on the API, and as many seconds of load on the bare process
    const smokeFile = join(work, 'perf-smoke.json');
    const smoke = await runProcess(
      ['apps/api/bench/perf/smoke.ts'],
      { BASE_URL: 'http://127.0.0.1:3310', PERF_SUMMARY_FILE: smokeFile, PERF_SECONDS: quick ? '3' : '5' },
      10 * 60_000,
    );
    await autocannon({ url: `${bareUrl}/bare`, connections: 10, duration: quick ? 10 : 20 });
    await waitMs(2000);
    for (const entry of processes) entry.afterLoadMb = rssMb(entry.pid);
    await probe();
    const probes = probeLines().map((line) => JSON.parse(line));
    const [idleProbe, afterProbe] = [probes[0], probes.at(-1)];
    return {
      products,
      processes,
      apiProbe: { idle: idleProbe, afterLoad: afterProbe },
      heapGrowth:
        idleProbe?.snapshot && afterProbe?.snapshot
          ? heapGrowth(idleProbe.snapshot, afterProbe.snapshot)
          : undefined,
      smoke: (() => {
        try {
          return JSON.parse(readFileSync(smokeFile, 'utf8'));
        } catch {
          return { error: smoke.output.slice(-2000) };
        }
      })(),
      loadavg: os.loadavg(),
    };
  } catch (error) {
    return { error: (error as Error).message };
  } finally {
    await stopAll([mock, bare]);
  }
}

const commit = (() => {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: repoRoot,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
})();

// --only re-runs some parts and keeps the others from the previous latest.json
const previous = (() => {
  if (!only) return undefined;
  try {
    return JSON.parse(readFileSync(join(outDir, 'latest.json'), 'utf8')) as {
      benches: BenchResult[];
      memory?: MemoryResult | { error: string };
    };
  } catch {
    return undefined;
  }
})();
const started = Date.now();
const results: BenchResult[] = [];
for (const spec of benches) {
  if (!only || only.includes(spec.name)) results.push(await runBench(spec));
  else {
    const kept = previous?.benches.find((bench) => bench.name === spec.name);
    if (kept) results.push({ ...kept, command: `${kept.command} (kept from the previous report)` });
  }
}
const memory = !only || only.includes('memory') ? await measureMemory() : previous?.memory;

const report = {
  at: new Date().toISOString(),
  commit,
  mode: quick ? 'quick' : 'full',
  machine: {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  },
  minutes: Math.round((Date.now() - started) / 6000) / 10,
  benches: results,
  memory,
};
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(outDir, 'latest.svg'), renderSvg(results));
writeFileSync(join(outDir, 'latest.md'), renderMarkdown(report));
rmSync(work, { recursive: true, force: true });
console.log(`pnpm bench: report in ${outDir}/latest.{md,json,svg} after ${report.minutes} min`);
process.exit(results.some((result) => result.exitCode !== 0) ? 1 : 0);
