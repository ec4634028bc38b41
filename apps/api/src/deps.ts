import type { Env, Logger } from '@pbshop/config';
import { createDatabase, type DatabaseHandle } from '@pbshop/db';
import { bullPrefix, createRedis, JobProducers } from '@pbshop/queues';
import { ResilienceRegistry } from '@pbshop/resilience';
import { createSearchClient, type SearchClient } from '@pbshop/search';
import type { Redis } from 'ioredis';
import { type UsersService, usersService } from './modules/users/service.ts';

/** Everything the API's modules use, built once in main.ts (or by a test) and passed in. */
export interface ApiDeps {
  env: Env;
  logger: Logger;
  database: DatabaseHandle;
  /** fails fast while Redis is down: for request paths */
  redis: Redis;
  /** waits through Redis outages: for the processors the API runs */
  workerRedis: Redis;
  subscriberRedis: Redis;
  producers: JobProducers;
  search: SearchClient;
  resilience: ResilienceRegistry;
  users: UsersService;
  close(): Promise<void>;
}

export function createApiDeps(env: Env, logger: Logger): ApiDeps {
  const database = createDatabase(env.DATABASE_URL, {
    max: env.DATABASE_POOL_MAX,
    applicationName: 'pbshop-api',
  });
  const redis = createRedis(env.REDIS_URL, 'producer');
  const workerRedis = createRedis(env.REDIS_URL, 'worker');
  const subscriberRedis = createRedis(env.REDIS_URL, 'worker');
  const producers = new JobProducers(redis, bullPrefix(env.REDIS_KEY_PREFIX));
  const search = createSearchClient(env.OPENSEARCH_URL);
  const resilience = new ResilienceRegistry({
    service: 'api',
    logger,
    redis,
    subscriber: subscriberRedis,
    keyPrefix: env.REDIS_KEY_PREFIX,
  });
  return {
    env,
    logger,
    database,
    redis,
    workerRedis,
    subscriberRedis,
    producers,
    search,
    resilience,
    users: usersService(database.db),
    async close() {
      await resilience.close();
      await producers.close().catch(() => {});
      await Promise.allSettled([database.close(), search.close()]);
      for (const connection of [redis, workerRedis, subscriberRedis]) connection.disconnect();
    },
  };
}
