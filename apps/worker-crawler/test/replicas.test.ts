// Two worker-crawler processes on one queue: per-host politeness (one request at a time, a least
// interval) holds across them through Redis; a run whose worker is SIGKILLed mid-run is resumed by
// the other (BullMQ's stalled-job check) and ends with every page collected; a PROCESSING run whose
// queue job is gone is ended FAILED by the sweep, never left PROCESSING.
import { crawlerRuns, createDatabase, type DatabaseHandle } from '@pbshop/db';
import { bullPrefix, createRedis, JobProducers } from '@pbshop/queues';
import { createTestContext, type TestContext, waitFor } from '@pbshop/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createJob,
  finished,
  product,
  runJob,
  runRow,
  type Shop,
  seedCatalogue,
  startShop,
} from './fixture-shops.ts';
import { processTracker } from './helpers.ts';

let ctx: TestContext;
let database: DatabaseHandle;
let redis: ReturnType<typeof createRedis>;
let producers: JobProducers;
const workers = processTracker();
const shops: Shop[] = [];
const db = () => database.db;
const INTERVAL_MS = 500;
/**
 * How far a request's arrival here may trail its slot: the slots are INTERVAL_MS apart when taken,
 * but a starved process fires its timer late and this test's shop stamps arrivals late (163 ms seen
 * in a full run on two busy cores); two processes with no shared slots would send at once (gap ~0).
 */
const LAG_MS = INTERVAL_MS / 2;

const workerEnv = () => ({
  ...ctx.env,
  LOG_LEVEL: 'info',
  CRAWLER_HOST_MIN_INTERVAL_MS: String(INTERVAL_MS),
  CRAWLER_HOST_CONCURRENCY: '1',
  CRAWLER_CONCURRENCY: '2',
});

beforeAll(async () => {
  ctx = await createTestContext();
  database = createDatabase(ctx.env.DATABASE_URL!, { max: 4 });
  redis = createRedis(ctx.env.REDIS_URL!, 'worker');
  producers = new JobProducers(redis, bullPrefix(ctx.redisPrefix));
});

afterAll(async () => {
  await workers.stopAll();
  await producers?.close();
  await redis?.quit();
  await database?.close();
  await Promise.all(shops.map((s) => s.server.close()));
  await ctx?.cleanup();
});

describe('worker-crawler replicas', () => {
  it('a PROCESSING run whose queue job is gone ends FAILED at the sweep', async () => {
    const { sellerId } = await seedCatalogue(db(), 0);
    const [orphan] = await db()
      .insert(crawlerRuns)
      .values({
        sellerId,
        triggerType: 'MANUAL',
        status: 'PROCESSING',
        startedAt: new Date(Date.now() - 120_000),
        leaseUntil: new Date(Date.now() - 60_000),
        queueJobId: 'crawler-run-never-queued',
      })
      .returning();
    const worker = workers.spawn(workerEnv());
    await worker.waitForLog((line) => line.msg === 'ready');
    const run = await finished(db(), orphan!.id, 20_000);
    expect(run).toMatchObject({ status: 'FAILED', endedAt: expect.any(Date) });
    expect(run.errorMessage).toMatch(/^interrupted/);
  });

  it('politeness holds across two processes: one request at a time per host, at least the interval apart', async () => {
    const { sellerId, productIds } = await seedCatalogue(db(), 6);
    const times: { start: number; end: number }[] = [];
    const catalogue = new Map(
      productIds.map((id, index) => [`/p/${id}`, product(`P-${index}`, 1000 + index)]),
    );
    let runIds: number[] = [];
    let firstPage = true;
    const site = await startShop({
      catalogue,
      behave: async (request) => {
        if (request.url === '/robots.txt') return false;
        const start = Date.now();
        if (firstPage) {
          // the first page is answered once both runs are under way: the process busy with one
          // (CRAWLER_CONCURRENCY 1) cannot take the other, so each process has a run whatever
          // the pace of the machine, and the other one's requests wait for this host's place
          firstPage = false;
          await waitFor(
            'both runs to be PROCESSING',
            async () =>
              runIds.length === 2 &&
              (await Promise.all(runIds.map((id) => runRow(db(), id)))).every(
                (run) => run.status === 'PROCESSING',
              ),
            30_000,
            50,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
        times.push({ start, end: Date.now() });
        return false;
      },
    });
    shops.push(site);
    await workers.stopAll();
    // one run at a time each: the two runs go to the two processes
    const pair = [0, 1].map(() => workers.spawn({ ...workerEnv(), CRAWLER_CONCURRENCY: '1' }));
    await Promise.all(pair.map((worker) => worker.waitForLog((line) => line.msg === 'ready')));
    const half = (from: number) =>
      productIds.slice(from, from + 3).map((id) => ({ url: `${site.url}/p/${id}`, productId: id }));
    const jobA = await createJob(db(), { sellerId, targets: half(0) });
    const jobB = await createJob(db(), { sellerId, targets: half(3) });
    const [runA, runB] = await Promise.all([runJob(db(), producers, jobA), runJob(db(), producers, jobB)]);
    runIds = [runA, runB];
    const [a, b] = await Promise.all([finished(db(), runA), finished(db(), runB)]);
    expect(a.status).toBe('SUCCESS');
    expect(b.status).toBe('SUCCESS');
    expect(times).toHaveLength(6);
    times.sort((x, y) => x.start - y.start);
    for (let index = 1; index < times.length; index += 1) {
      // never two at once, and the next one at least the interval after the previous started
      expect(times[index]!.start).toBeGreaterThanOrEqual(times[index - 1]!.end - 5);
      expect(times[index]!.start - times[index - 1]!.start).toBeGreaterThanOrEqual(INTERVAL_MS - LAG_MS);
    }
    const finishedBy = pair.map(
      (worker) => worker.logs.filter((line) => line.msg === 'crawler run finished').length,
    );
    expect(finishedBy).toEqual([1, 1]);
    expect(times[times.length - 1]!.start - times[0]!.start).toBeGreaterThanOrEqual(5 * INTERVAL_MS - LAG_MS);
  });

  it('a worker SIGKILLed mid-run: the run is resumed by the other worker and collects every page', async () => {
    const { sellerId, productIds } = await seedCatalogue(db(), 4);
    let slow = true;
    const catalogue = new Map(
      productIds.map((id, index) => [`/p/${id}`, product(`K-${index}`, 2000 + index)]),
    );
    const site = await startShop({
      catalogue,
      behave: async (request) => {
        if (slow && request.url !== '/robots.txt') await new Promise((resolve) => setTimeout(resolve, 400));
        return false;
      },
    });
    shops.push(site);
    await workers.stopAll();
    const first = workers.spawn(workerEnv());
    await first.waitForLog((line) => line.msg === 'ready');
    const job = await createJob(db(), {
      sellerId,
      targets: productIds.map((id) => ({ url: `${site.url}/p/${id}`, productId: id })),
    });
    const runId = await runJob(db(), producers, job);
    await waitFor('the run to be under way', async () => {
      const run = await runRow(db(), runId);
      return run.status === 'PROCESSING' && (site.hits.get(`/p/${productIds[0]}`) ?? 0) >= 1;
    });
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    expect((await runRow(db(), runId)).status).toBe('PROCESSING');
    slow = false;
    const second = workers.spawn(workerEnv());
    await second.waitForLog((line) => line.msg === 'ready');
    // BullMQ's stalled check hands the dead worker's job over once its 30 s lock ran out
    const run = await finished(db(), runId, 100_000);
    expect(run).toMatchObject({ status: 'SUCCESS', attempts: 2, itemsProcessed: 4, itemsFailed: 0 });
    expect(run.itemsCreated + run.itemsUnchanged).toBe(4);
    const [row] = await db().select().from(crawlerRuns).where(eq(crawlerRuns.id, runId));
    expect(row?.leaseUntil).toBeNull();
  }, 150_000);
});
