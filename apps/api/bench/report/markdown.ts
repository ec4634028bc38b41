// The report as markdown: how to read it, every paired route beside its bare route and the same
// bytes from memory, the plot, each process's resident memory and what holds the API's, and each
// bench's own tables and output.
import type { Row } from '../harness.ts';
import type { BenchResult, MemoryResult, Table } from './run.ts';

interface Report {
  at: string;
  commit: string;
  mode: string;
  machine: { cores: number; cpu: string; memoryGb: number; node: string };
  minutes: number;
  benches: BenchResult[];
  memory: MemoryResult | { error: string } | undefined;
}

interface Usage {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

interface Probe {
  memoryUsage: Usage;
  /** the same after a full garbage collection (older reports lack it) */
  afterFullGc?: Usage;
  heapSpaces: { name: string; used: number; size: number }[];
  code: {
    code_and_metadata_size: number;
    bytecode_and_metadata_size: number;
    external_script_source_size: number;
  };
  modules: number;
  moduleBytes: number;
  packages: { name: string; modules: number; bytes: number }[];
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const percent = (part: number, whole: number) => `${((part / whole) * 100).toFixed(1)}%`;
const load = (values: number[]) => values.map((value) => value.toFixed(2)).join(' ');

function table(header: string[], rows: (string | number)[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

function pairedRows(benches: BenchResult[]): string {
  const rows = benches.flatMap((bench) =>
    bench.rows.map((row: Row) => [
      bench.name,
      row.name,
      row.requests.toFixed(0),
      row.p99,
      row.baseline.toFixed(0),
      percent(row.requests, row.baseline),
      row.baselineP99 ?? '—',
      row.sameBytes ? row.sameBytes.requests.toFixed(0) : '—',
      row.sameBytes ? percent(row.requests, row.sameBytes.requests) : '—',
      row.sameBytes ? row.sameBytes.p99 : '—',
      row.sameBytes ? row.sameBytes.bytes : '—',
      row.non2xx,
    ]),
  );
  return table(
    [
      'bench',
      'route',
      'req/s',
      'p99 ms',
      'bare req/s',
      'vs bare',
      'bare p99 ms',
      'same-bytes req/s',
      'vs same bytes',
      'same-bytes p99 ms',
      'bytes',
      'non-2xx',
    ],
    rows,
  );
}

function memorySection(memory: Report['memory']): string {
  if (!memory) return '_not measured in this run (--only without memory)_';
  if ('error' in memory) return `_the memory run failed: ${memory.error}_`;
  const bare = memory.processes.find((entry) => entry.name.startsWith('bare Fastify'));
  const lines = [
    `The perf mock server's processes on ${memory.products.toLocaleString('en')} seeded products, idle (5 s after`,
    "start) and 2 s after the perf smoke's load (every scenario, below) — the bare Fastify process after",
    'as many seconds of load on its route. VmRSS from /proc.',
    '',
    table(
      ['process', 'idle MB', 'after load MB', 'vs bare Fastify idle'],
      memory.processes.map((entry) => [
        entry.name,
        entry.idleMb,
        entry.afterLoadMb,
        bare ? `${(entry.idleMb / bare.idleMb).toFixed(1)}x` : '—',
      ]),
    ),
  ];
  const idle = memory.apiProbe.idle as Probe | undefined;
  const after = memory.apiProbe.afterLoad as Probe | undefined;
  if (idle && after) {
    const row = (label: string, pick: (probe: Probe) => number) => [label, mb(pick(idle)), mb(pick(after))];
    const newSpace = (probe: Probe) =>
      probe.heapSpaces.find((space) => space.name === 'new_space') ?? { used: 0, size: 0 };
    const nonHeap = (probe: Probe) =>
      probe.memoryUsage.rss - probe.memoryUsage.heapTotal - probe.memoryUsage.external;
    lines.push(
      '',
      "### What holds the API's memory",
      '',
      "`process.memoryUsage()` and V8's heap statistics inside the API (bench/report/memory-probe.ts, on SIGUSR2):",
      '',
      table(
        ['', 'idle MB', 'after load MB'],
        [
          row('rss', (probe) => probe.memoryUsage.rss),
          row('V8 heap reserved (heapTotal)', (probe) => probe.memoryUsage.heapTotal),
          row('V8 heap used (heapUsed)', (probe) => probe.memoryUsage.heapUsed),
          row('  live after a full collection', (probe) => probe.afterFullGc?.heapUsed ?? Number.NaN),
          row('rss after a full collection', (probe) => probe.afterFullGc?.rss ?? Number.NaN),
          row('  of which bytecode and metadata', (probe) => probe.code.bytecode_and_metadata_size),
          row('  of which compiled code and metadata', (probe) => probe.code.code_and_metadata_size),
          row('  of which script sources kept', (probe) => probe.code.external_script_source_size),
          row('external (Buffers, native objects)', (probe) => probe.memoryUsage.external),
          row('rss outside the heap and external (binary, native libs, threads, malloc)', nonHeap),
        ],
      ),
      '',
      `Loaded modules: ${idle.modules} idle (${mb(idle.moduleBytes)} MB of source), ${after.modules} after load. By package, largest first:`,
      '',
      table(
        ['package', 'modules', 'source MB'],
        idle.packages.slice(0, 20).map((entry) => [entry.name, entry.modules, mb(entry.bytes)]),
      ),
      '',
      'V8 heap spaces, used of reserved MB, idle → after load: ' +
        idle.heapSpaces
          .filter((space) => space.size > 2 ** 20)
          .map((space) => {
            const later = after.heapSpaces.find((other) => other.name === space.name);
            return `${space.name} ${mb(space.used)} of ${mb(space.size)} → ${mb(later?.used ?? 0)} of ${mb(later?.size ?? 0)}`;
          })
          .join(', '),
      '',
      `**Reading:** of the API's ${mb(idle.memoryUsage.rss)} MB idle, the V8 heap holds ${mb(idle.memoryUsage.heapUsed)} MB used ` +
        `(${mb(idle.code.bytecode_and_metadata_size + idle.code.code_and_metadata_size + idle.code.external_script_source_size)} MB of it ` +
        `bytecode, code and kept sources of the ${idle.modules} modules it loaded, ${mb(idle.moduleBytes)} MB of source), ` +
        `${mb(idle.memoryUsage.heapTotal - idle.memoryUsage.heapUsed)} MB reserved and unused (the young generation, new_space, alone ` +
        `${mb(newSpace(idle).size)} MB reserved for ${mb(newSpace(idle).used)} MB used: V8 sizes its semi-spaces by the machine's memory), ` +
        `${mb(idle.memoryUsage.external)} MB external, ` +
        `and ${mb(nonHeap(idle))} MB lies outside V8 (Node's binary, native addons such as sharp/libvips and argon2, thread stacks, allocator arenas). ` +
        `After the load rss is ${mb(after.memoryUsage.rss)} MB: heap used ${mb(after.memoryUsage.heapUsed)} MB, ` +
        `reserved ${mb(after.memoryUsage.heapTotal)} MB (V8 keeps the pages it grew into), outside V8 ${mb(nonHeap(after))} MB.`,
    );
    if (memory.heapGrowth) {
      lines.push(
        '',
        'What the heap gained from idle to after the load, both after a full collection (`--heap-snapshots`, ' +
          'bench/report/heap-summary.ts; objects by constructor, the rest by kind). Writing the idle snapshot ' +
          'grows the rss measured after the load by the serializer’s native memory, which glibc keeps: read rss ' +
          'from a run without snapshots.',
        '',
        table(
          ['held by', 'idle MB', 'after load MB', 'grew MB', 'more objects'],
          memory.heapGrowth.map((group) => [
            group.name,
            mb(group.idleBytes),
            mb(group.afterBytes),
            mb(group.grewBytes),
            group.grewCount,
          ]),
        ),
      );
    }
  }
  const smoke = memory.smoke as
    | {
        scenarios?: {
          name: string;
          route: { requestsPerSecond: number; p95: number; p99: number; errorRate: number };
          bare: { requestsPerSecond: number; p95: number; p99: number };
          ratios: { p95: number; p99: number };
        }[];
        passed?: boolean;
        breaches?: string[];
      }
    | undefined;
  if (smoke?.scenarios) {
    lines.push(
      '',
      '### The load: the perf smoke (`pnpm test:perf:smoke`) against that server',
      '',
      table(
        [
          'scenario',
          'req/s',
          'p95 ms',
          'p99 ms',
          'errors',
          'bare req/s',
          'bare p95 ms',
          'bare p99 ms',
          'p95 vs bare',
          'p99 vs bare',
        ],
        smoke.scenarios.map((scenario) => [
          scenario.name,
          scenario.route.requestsPerSecond,
          scenario.route.p95,
          scenario.route.p99,
          scenario.route.errorRate,
          scenario.bare.requestsPerSecond,
          scenario.bare.p95,
          scenario.bare.p99,
          `${scenario.ratios.p95}x`,
          `${scenario.ratios.p99}x`,
        ]),
      ),
      '',
      smoke.passed
        ? 'Within the committed thresholds.'
        : `Thresholds breached: ${(smoke.breaches ?? []).join('; ')}`,
    );
  }
  lines.push('', `Load average at the end: ${load(memory.loadavg)}.`);
  return lines.join('\n');
}

const renderTable = (found: Table) => table(found.header, found.rows);

export function renderMarkdown(report: Report): string {
  const failed = report.benches.filter((bench) => bench.exitCode !== 0);
  return `${[
    '# PBShop benchmark report',
    '',
    `${report.at} · commit ${report.commit} · \`pnpm bench${report.mode === 'quick' ? ' --quick' : ''}\` (${report.mode}) · ` +
      `${report.machine.cores} cores (${report.machine.cpu}), ${report.machine.memoryGb} GB · Node ${report.machine.node} · ${report.minutes} min`,
    '',
    '## How to read it',
    '',
    '- Every figure is measured on this machine in this run, next to baselines measured in the same run: absolute',
    '  numbers move with the machine and its load (the load average is given per bench), the ratios much less.',
    '- **bare** is a bare Fastify route answering a small JSON envelope, alternated with the route in five rounds',
    '  (bench/harness.ts): the most any route of ours could do on the machine at that moment. **vs bare** is the',
    "  route's share of it.",
    "- **same bytes** is a bare Fastify route answering one of the route's own responses (same body, status and",
    '  content type) from memory, right after: the limit for a response of that size. A route far below its',
    '  same-bytes figure spends its time producing the answer (queries, serialisation), not sending it.',
    '- The plot (`latest.svg`) shows requests/s and p99 of every paired route beside both, on log scales.',
    '- Benches that measure something other than one route (logins, orders, uploads, crawls, transcodes) keep',
    '  their own tables and their own baselines (each says what it compares with), under their section.',
    "- The memory section gives each process's resident memory idle and after load, next to a bare Fastify",
    "  process, and what holds the API's.",
    '',
    failed.length
      ? `**Benches that did not finish:** ${failed.map((bench) => `${bench.name} (exit ${bench.exitCode})`).join(', ')}; their output is below.`
      : 'Every bench finished.',
    '',
    '## Routes beside the bare route and the same bytes from memory',
    '',
    pairedRows(report.benches),
    '',
    '![throughput and p99 per route beside the bare routes](latest.svg)',
    '',
    '## Memory',
    '',
    memorySection(report.memory),
    '',
    '## Each bench',
    '',
    ...report.benches.flatMap((bench) => [
      `### ${bench.name} (${bench.area})`,
      '',
      `\`${bench.command}\` · exit ${bench.exitCode} · ${bench.seconds} s · load ${load(bench.loadavg.before)} → ${load(bench.loadavg.after)}`,
      '',
      ...bench.tables.flatMap((found) => [renderTable(found), '']),
      '<details><summary>output</summary>',
      '',
      '```',
      bench.output.length > 12_000 ? `…${bench.output.slice(-12_000)}` : bench.output.trimEnd(),
      '```',
      '',
      '</details>',
      '',
    ]),
  ].join('\n')}\n`;
}
