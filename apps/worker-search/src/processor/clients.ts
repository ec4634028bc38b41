import type { Env, Logger } from '@pbshop/config';
import { createDatabase, type DatabaseHandle } from '@pbshop/db';
import { bullPrefix, createRedis, JobProducers, type WorkerDeps } from '@pbshop/queues';
import { autoTuneFrom, ResilienceRegistry } from '@pbshop/resilience';
import { createSearchClient, productAlias, type ReindexContext, type SearchClient } from '@pbshop/search';

/** What worker-search's jobs talk to: OpenSearch, PostgreSQL, the breakers and the job producers. */
export interface SearchWorkerClients {
  env: Env;
  logger: Logger;
  client: SearchClient;
  database: DatabaseHandle;
  resilience: ResilienceRegistry;
  /** the producers' own connection: its `ready` starts the bootstrap job and the sweep schedule */
  producerRedis: ReturnType<typeof createRedis>;
  producers: JobProducers;
  queue: JobProducers['queues']['search-index-sync'];
  /** the products read alias */
  alias: string;
  /** releases all of the above (after the workers stopped) */
  close(): Promise<void>;
}

export function openSearchWorkerClients({ env, logger, redis }: WorkerDeps): SearchWorkerClients {
  // bulk writes of a batch or a reindex page take longer than a search: a longer timeout here
  const client = createSearchClient(env.OPENSEARCH_URL, 30_000);
  const database = createDatabase(env.DATABASE_URL, {
    max: env.DATABASE_POOL_MAX,
    applicationName: 'pbshop-worker-search',
  });
  const resilience = new ResilienceRegistry({
    service: 'worker-search',
    logger,
    redis,
    keyPrefix: env.REDIS_KEY_PREFIX,
    overrides: { search: { timeoutMs: 30_000 } },
    autoTune: autoTuneFrom(env),
  });
  const producerRedis = createRedis(env.REDIS_URL, 'worker');
  const producers = new JobProducers(producerRedis, bullPrefix(env.REDIS_KEY_PREFIX));
  return {
    env,
    logger,
    client,
    database,
    resilience,
    producerRedis,
    producers,
    queue: producers.queues['search-index-sync'],
    alias: productAlias(env.OPENSEARCH_INDEX_PREFIX),
    async close() {
      await resilience.close();
      await Promise.race([
        producers.close().catch(() => {}),
        new Promise((resolve) => setTimeout(resolve, 2000).unref()),
      ]);
      producerRedis.disconnect();
      await Promise.allSettled([client.close(), database.close()]);
    },
  };
}

/** What the sync and reindex code of @pbshop/search needs for one job: every call through the `search` breaker. */
export function searchContext(
  clients: SearchWorkerClients,
  signal: AbortSignal,
  jobLogger: Logger,
): ReindexContext {
  return {
    db: clients.database.db,
    locks: clients.database,
    client: clients.client,
    call: (call) => clients.resilience.execute('search', call, signal),
    indexPrefix: clients.env.OPENSEARCH_INDEX_PREFIX,
    logger: jobLogger,
  };
}
