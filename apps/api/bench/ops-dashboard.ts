// `pnpm bench:ops-dashboard`: GET /admin/ops-dashboard/summary with 10,000 failed jobs spread over
// the four queues (the bound: p99 ≤ 50 ms). The queue part reads BullMQ's job counts
// (getJobCounts: one ZCARD/LLEN per state), never the jobs, so the failed jobs' number does not
// weigh on it. Measured twice: OPS_DASHBOARD_CACHE_MS=0 (every request evaluates every part and
// signal) and the default (concurrent calls share one evaluation, reused for the cache time).
// Prints figures; asserts nothing.
import { type AnyQueueProcessor, queueNames, startWorkers } from '@pbshop/queues';
import { createTestContext } from '@pbshop/testing';
import autocannon from 'autocannon';
import { buildBenchApp } from './harness.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const failedJobs = Number(process.env.BENCH_FAILED_JOBS ?? 10_000);
const ctx = await createTestContext();

/** An API on the shared context (its failed jobs serve both), closed by the caller (app, then deps). */
async function start(cacheMs: string) {
  const { env, deps, app } = await buildBenchApp({ OPS_DASHBOARD_CACHE_MS: cacheMs }, { ctx });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const admin = await deps.users.create({
    email: `bench-admin-${cacheMs}-${Date.now()}@example.com`,
    name: 'Bench Admin',
    passwordHash: null,
    phone: null,
    role: 'ADMIN',
    emailVerified: true,
  });
  const token = app.signAccessToken({ sub: String(admin.id), role: admin.role, ver: admin.tokenVersion });
  return { env, deps, app, url, token };
}

/** Fills the queues with failed jobs: added in bulk, failed by a worker that throws. */
async function fillFailed(target: Awaited<ReturnType<typeof start>>) {
  const perQueue = Math.ceil(failedJobs / queueNames.length);
  // real workers (@pbshop/queues): a payload that fails its schema fails the job, and the processor throws anyway
  const workers = startWorkers(
    'ops-dashboard-bench',
    { env: target.env, logger: target.deps.logger, redis: target.deps.workerRedis },
    {
      processors: queueNames.map(
        (queue) =>
          ({
            queue,
            concurrency: 200,
            async process() {
              throw new Error('bench: failed on purpose');
            },
          }) as AnyQueueProcessor,
      ),
    },
  );
  for (const name of queueNames) {
    const queue = target.deps.producers.queues[name];
    for (let added = 0; added < perQueue; added += 1000) {
      await queue.addBulk(
        Array.from({ length: Math.min(1000, perQueue - added) }, (_, index) => ({
          name: 'bench-failure',
          data: { bench: added + index } as never,
          opts: { attempts: 1, removeOnFail: false, removeOnComplete: true },
        })),
      );
    }
  }
  const started = Date.now();
  for (;;) {
    const counts = await Promise.all(
      queueNames.map((name) => target.deps.producers.queues[name].getJobCounts('failed')),
    );
    const failed = counts.reduce((total, count) => total + (count.failed ?? 0), 0);
    if (failed >= perQueue * queueNames.length) break;
    if (Date.now() - started > 120_000) throw new Error(`only ${failed} jobs failed within 2 min`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await workers.close();
  return perQueue * queueNames.length;
}

async function run(target: Awaited<ReturnType<typeof start>>, connections: number) {
  const options = {
    url: `${target.url}/api/v1/admin/ops-dashboard/summary`,
    connections,
    // the load runs in a worker thread, as bench/harness.ts does: not on the server's event loop
    workers: 1,
    headers: { authorization: `Bearer ${target.token}` },
  };
  await autocannon({ ...options, duration: 1 });
  const result = await autocannon({ ...options, duration: seconds });
  return {
    requests: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
  };
}

const uncached = await start('0');
const filled = await fillFailed(uncached);
const check = await uncached.app.inject({
  method: 'GET',
  url: '/api/v1/admin/ops-dashboard/summary',
  headers: { authorization: `Bearer ${uncached.token}` },
});
const body = check.json().data;
console.log(
  `\n${filled} failed jobs over ${queueNames.length} queues; the summary reads: ${body.queue.items
    .map(
      (item: { queueName: string; counts: { failed: number } }) => `${item.queueName} ${item.counts.failed}`,
    )
    .join(', ')}; overallStatus ${body.overallStatus}, ${body.alertCount} alerts\n`,
);

console.log('| OPS_DASHBOARD_CACHE_MS | connections | req/s | p50 ms | p99 ms | non-2xx |');
console.log('|---|---|---|---|---|---|');
for (const connections of [1, 10, 50]) {
  const figures = await run(uncached, connections);
  console.log(
    `| 0 | ${connections} | ${figures.requests.toFixed(0)} | ${figures.p50} | ${figures.p99} | ${figures.non2xx} |`,
  );
}
await uncached.app.close();
await uncached.deps.close();

const cached = await start('1000');
for (const connections of [10, 50]) {
  const figures = await run(cached, connections);
  console.log(
    `| 1000 | ${connections} | ${figures.requests.toFixed(0)} | ${figures.p50} | ${figures.p99} | ${figures.non2xx} |`,
  );
}
await cached.app.close();
await cached.deps.close();
await ctx.cleanup();
process.exit(0);
