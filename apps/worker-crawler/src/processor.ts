import { standaloneCrawlerOffers } from '@pbshop/api/crawler-offers';
import { crawlerProcessors } from '@pbshop/crawler';
import type { ProcessorSet, WorkerDeps } from '@pbshop/queues';

export { crawlerUserAgent, fetchSellerPage } from '@pbshop/crawler';

/**
 * worker-crawler's processors: @pbshop/crawler's crawler-collect processor, writing offers through
 * the prices module's service (built here over the worker's own pool, as the API's deps.ts builds
 * it), whose cache invalidations and search wake-ups reach the API processes through Redis.
 */
export function buildCrawlerProcessors(deps: WorkerDeps): ProcessorSet {
  let offers: ReturnType<typeof standaloneCrawlerOffers> | undefined;
  const set = crawlerProcessors(deps, (db, searchSync) => {
    offers = standaloneCrawlerOffers({
      db,
      searchSync,
      redis: deps.redis,
      keyPrefix: deps.env.REDIS_KEY_PREFIX,
      logger: deps.logger,
    });
    return offers;
  });
  return {
    processors: set.processors,
    async close() {
      await set.close?.();
      await offers?.close();
    },
  };
}
