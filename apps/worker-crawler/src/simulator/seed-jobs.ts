// `node src/simulator/seed-jobs.ts`: one crawler job per simulated shop (dev.sh runs it after the
// catalogue seed), created through the API's crawler service so each gets its job scheduler
// (every 2 minutes, Asia/Seoul). Does nothing for a shop that already has a job.
import { crawlerAdminService } from '@pbshop/api/crawler-admin';
import { createLogger, loadEnvOrExit } from '@pbshop/config';
import { crawlerJobs, createDatabase, products, sellers } from '@pbshop/db';
import { bullPrefix, createRedis, JobProducers } from '@pbshop/queues';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { SIMULATED_PRODUCTS, simulatorStyles } from './main-settings.ts';
import { simulatorSelectors } from './pages.ts';

const labels = { 'json-ld': 'JSON-LD', microdata: '마이크로데이터', selectors: '셀렉터' } as const;

const env = loadEnvOrExit('crawler-seed-jobs');
const logger = createLogger(env, 'crawler-seed-jobs');
const database = createDatabase(env.DATABASE_URL, { max: 2, applicationName: 'pbshop-crawler-seed-jobs' });
const redis = createRedis(env.REDIS_URL, 'worker');
const producers = new JobProducers(redis, bullPrefix(env.REDIS_KEY_PREFIX));
const db = database.db;
try {
  const admin = crawlerAdminService({
    db,
    producers,
    logger,
    sellerExists: async (id) =>
      (
        await db
          .select({ id: sellers.id })
          .from(sellers)
          .where(and(eq(sellers.id, id), isNull(sellers.deletedAt)))
      ).length > 0,
  });
  const catalogue = await db
    .select({ id: products.id })
    .from(products)
    .where(isNull(products.deletedAt))
    .orderBy(asc(products.id))
    .limit(SIMULATED_PRODUCTS);
  for (const [index, style] of simulatorStyles.entries()) {
    const origin = `http://127.0.0.1:${env.CRAWLER_SIMULATOR_PORT + index}`;
    const name = `시뮬레이터 ${labels[style]} 상점`;
    let [seller] = await db.select({ id: sellers.id }).from(sellers).where(eq(sellers.name, name));
    if (!seller) {
      [seller] = await db.insert(sellers).values({ name, url: origin }).returning({ id: sellers.id });
    }
    const sellerId = seller!.id;
    const [existing] = await db
      .select({ id: crawlerJobs.id })
      .from(crawlerJobs)
      .where(eq(crawlerJobs.sellerId, sellerId));
    if (existing) continue;
    const job = await admin.createJob({
      sellerId,
      name: `${name} 가격 수집`,
      cronExpression: '*/2 * * * *',
      targets: catalogue.map((row) => ({ url: `${origin}/products/${row.id}`, productId: row.id })),
      ...(style === 'selectors' ? { selectors: simulatorSelectors } : {}),
    });
    logger.info({ jobId: job.id, sellerId, style, pages: catalogue.length }, 'crawler job seeded');
  }
} finally {
  await producers.close();
  redis.disconnect();
  await database.close();
}
