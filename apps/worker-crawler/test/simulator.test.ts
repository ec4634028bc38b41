// The demo dev.sh starts: the seller-site simulator (three shops over the catalogue, one per page
// style) and one crawler job per shop seeded through the API's crawler service, with its schedule;
// a run of each job collects every page into offers.
import { crawlerJobs, createDatabase, type DatabaseHandle, offers, products } from '@pbshop/db';
import { seedDatabase } from '@pbshop/db/seed';
import { bullPrefix, createRedis, JobProducers } from '@pbshop/queues';
import {
  createTestContext,
  freePortRun,
  spawnProcess,
  type TestContext,
  trackProcesses,
} from '@pbshop/testing';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finished, runJob } from './fixture-shops.ts';
import { processTracker } from './helpers.ts';

const simulatorEntry = new URL('../src/simulator/main.ts', import.meta.url).pathname;
const seedJobsEntry = new URL('../src/simulator/seed-jobs.ts', import.meta.url).pathname;

let ctx: TestContext;
let database: DatabaseHandle;
let redis: ReturnType<typeof createRedis>;
let producers: JobProducers;
let env: Record<string, string>;
const workers = processTracker();
const simulators = trackProcesses(simulatorEntry);

beforeAll(async () => {
  ctx = await createTestContext();
  database = createDatabase(ctx.env.DATABASE_URL!, { max: 2 });
  redis = createRedis(ctx.env.REDIS_URL!, 'worker');
  producers = new JobProducers(redis, bullPrefix(ctx.redisPrefix));
  env = { ...ctx.env, LOG_LEVEL: 'info', CRAWLER_SIMULATOR_PORT: String(await freePortRun(3)) };
});

afterAll(async () => {
  await workers.stopAll();
  await simulators.stopAll();
  await producers?.close();
  await redis?.quit();
  await database?.close();
  await ctx?.cleanup();
});

describe('the seller-site simulator and its seeded jobs', () => {
  it('seeds one scheduled job per shop, once; a run of each collects its pages', async () => {
    const db = database.db;
    await seedDatabase(ctx.env.DATABASE_URL!, { products: 30, log: () => {} });
    const simulator = simulators.spawn(env);
    await simulator.waitForLog((line) => line.msg === 'ready');

    for (let round = 0; round < 2; round += 1) {
      const seeding = spawnProcess(seedJobsEntry, env);
      const { code } = await new Promise<{ code: number | null }>((resolve) =>
        seeding.child.once('exit', (exitCode) => resolve({ code: exitCode })),
      );
      expect(code).toBe(0);
    }
    const jobs = await db.select().from(crawlerJobs);
    expect(jobs).toHaveLength(3);
    for (const job of jobs) {
      expect(job).toMatchObject({ cronExpression: '*/2 * * * *', isActive: true });
      expect(job.targets.length).toBeGreaterThan(0);
      const scheduler = await producers.queues['crawler-collect'].getJobScheduler(`crawler-job-${job.id}`);
      expect(scheduler).toMatchObject({ pattern: '*/2 * * * *', tz: 'Asia/Seoul' });
    }

    const worker = workers.spawn({
      ...env,
      CRAWLER_HOST_MIN_INTERVAL_MS: '0',
      CRAWLER_HOST_CONCURRENCY: '4',
    });
    await worker.waitForLog((line) => line.msg === 'ready');
    // the three shops are three hosts: their runs go at once (each page waits out the shop's
    // Crawl-delay of 1 s, so a run of 20 pages takes about 20 s however busy the machine is)
    const runIds = await Promise.all(jobs.map((job) => runJob(db, producers, job)));
    for (const [index, job] of jobs.entries()) {
      const run = await finished(db, runIds[index]!, 90_000);
      expect(run, `job ${job.name}`).toMatchObject({ status: 'SUCCESS', itemsFailed: 0 });
      expect(run.itemsCreated + run.itemsUpdated + run.itemsUnchanged).toBe(job.targets.length);
      const written = await db
        .select()
        .from(offers)
        .where(
          inArray(
            offers.productId,
            job.targets.map((target) => target.productId!),
          ),
        );
      expect(written.filter((offer) => offer.sellerId === job.sellerId)).toHaveLength(job.targets.length);
    }
    const [first] = await db.select().from(products).where(eq(products.id, jobs[0]!.targets[0]!.productId!));
    expect(first?.lowestPrice).toBeGreaterThan(0);
  }, 180_000);
});
