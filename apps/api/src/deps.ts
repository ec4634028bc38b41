import type { Env, Logger } from '@pbshop/config';
import { createDatabase, type DatabaseHandle } from '@pbshop/db';
import {
  bullPrefix,
  createRedis,
  JobProducers,
  type SearchSyncSignal,
  searchSyncSignal,
} from '@pbshop/queues';
import { ResilienceRegistry, type ResilienceRegistryOptions } from '@pbshop/resilience';
import { createSearchClient, type SearchClient } from '@pbshop/search';
import type { Redis } from 'ioredis';
import { type CatalogCache, catalogCache } from './catalog-cache/cache.ts';
import { createMailer, type Mailer } from './mail/mailer.ts';
import { type CategoriesService, categoriesService } from './modules/catalog/categories/service.ts';
import { type ProductViewCounter, productViewCounter } from './modules/catalog/products/views.ts';
import { type SellersService, sellersService } from './modules/catalog/sellers/service.ts';
import { type PasswordHasher, passwordHasher } from './modules/identity/auth/passwords.ts';
import { type UsersService, usersService } from './modules/identity/users/service.ts';

/** Everything the API's modules use, built once in main.ts (or by a test) and passed in. */
export interface ApiDeps {
  env: Env;
  logger: Logger;
  database: DatabaseHandle;
  /** a smaller pool for the public catalog reads (list, detail, comparison, history): see DATABASE_READ_POOL_MAX */
  catalogReads: DatabaseHandle;
  /** fails fast while Redis is down: for request paths */
  redis: Redis;
  /** waits through Redis outages: for the processors the API runs */
  workerRedis: Redis;
  subscriberRedis: Redis;
  producers: JobProducers;
  search: SearchClient;
  /** wakes worker-search after a write recorded search changes (transactional outbox) */
  searchSync: SearchSyncSignal;
  resilience: ResilienceRegistry;
  users: UsersService;
  categories: CategoriesService;
  sellers: SellersService;
  passwords: PasswordHasher;
  mailer: Mailer;
  /** product list/detail/comparison cache over `redis` */
  cache: CatalogCache;
  /** buffered product view counts, written once a second */
  productViews: ProductViewCounter;
  close(): Promise<void>;
}

export interface ApiDepsOptions {
  /** per-family policy adjustments (tests shorten timeouts) */
  resilienceOverrides?: ResilienceRegistryOptions['overrides'];
}

export function createApiDeps(env: Env, logger: Logger, options: ApiDepsOptions = {}): ApiDeps {
  const database = createDatabase(env.DATABASE_URL, {
    max: env.DATABASE_POOL_MAX,
    applicationName: 'pbshop-api',
  });
  const catalogReads = createDatabase(env.DATABASE_URL, {
    max: env.DATABASE_READ_POOL_MAX,
    applicationName: 'pbshop-api-reads',
  });
  // auto-pipelining: the commands of concurrent requests (rate limit, cache) share one write
  const redis = createRedis(env.REDIS_URL, 'producer', { enableAutoPipelining: true });
  const workerRedis = createRedis(env.REDIS_URL, 'worker');
  const subscriberRedis = createRedis(env.REDIS_URL, 'worker');
  const producers = new JobProducers(redis, bullPrefix(env.REDIS_KEY_PREFIX));
  const search = createSearchClient(env.OPENSEARCH_URL);
  const searchSync = searchSyncSignal(producers, logger);
  const mailer = createMailer(env, logger);
  const productViews = productViewCounter(database.db, logger, searchSync);
  const cache = catalogCache(redis, env.REDIS_KEY_PREFIX, logger);
  const resilience = new ResilienceRegistry({
    service: 'api',
    logger,
    redis,
    subscriber: subscriberRedis,
    keyPrefix: env.REDIS_KEY_PREFIX,
    overrides: options.resilienceOverrides,
  });
  return {
    env,
    logger,
    database,
    catalogReads,
    redis,
    workerRedis,
    subscriberRedis,
    producers,
    search,
    searchSync,
    resilience,
    users: usersService(database.db),
    categories: categoriesService(database.db, searchSync),
    sellers: sellersService(database.db),
    passwords: passwordHasher(env),
    mailer,
    cache,
    productViews,
    async close() {
      await resilience.close();
      await productViews.close();
      // BullMQ waits for Redis to close its queues; an outage must not hold the shutdown up
      await Promise.race([
        producers.close().catch(() => {}),
        new Promise((resolve) => setTimeout(resolve, 2000).unref()),
      ]);
      await Promise.allSettled([
        database.close(),
        catalogReads.close(),
        search.close(),
        mailer.close(),
        cache.close(),
      ]);
      for (const connection of [redis, workerRedis, subscriberRedis]) connection.disconnect();
    },
  };
}
