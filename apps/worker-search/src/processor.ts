import type { ProcessorSet, WorkerDeps } from '@pbshop/queues';
import { ResilienceRegistry } from '@pbshop/resilience';
import { createSearchClient, ensureProductIndex } from '@pbshop/search';

/**
 * search-index-sync: makes sure the products index and its read alias exist (the outbox drain
 * joins this processor with the search issue). OpenSearch calls go through the `search` breaker.
 */
export function buildSearchProcessors({ env, logger, redis }: WorkerDeps): ProcessorSet {
  const client = createSearchClient(env.OPENSEARCH_URL);
  const resilience = new ResilienceRegistry({
    service: 'worker-search',
    logger,
    redis,
    keyPrefix: env.REDIS_KEY_PREFIX,
  });
  return {
    processors: [
      {
        queue: 'search-index-sync',
        concurrency: env.SEARCH_SYNC_CONCURRENCY,
        async process(_payload, { logger: jobLogger }) {
          const state = await resilience.execute('search', () =>
            ensureProductIndex(client, env.OPENSEARCH_INDEX_PREFIX),
          );
          jobLogger.info(state, state.created ? 'created the products index' : 'products index present');
          return state;
        },
      },
    ],
    async close() {
      await resilience.close();
      await client.close();
    },
  };
}
