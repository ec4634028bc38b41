import { bullPrefix, createRedis, JobProducers, runWorkerProcess } from '@pbshop/queues';
import { buildSearchProcessors } from './processor.ts';

await runWorkerProcess('worker-search', (deps) => {
  const producerRedis = createRedis(deps.env.REDIS_URL, 'worker');
  const producers = new JobProducers(producerRedis, bullPrefix(deps.env.REDIS_KEY_PREFIX));
  // a bootstrap job per start, once Redis answers: retried with backoff until OpenSearch does
  producerRedis.once('ready', () => {
    producers
      .enqueue('search-index-sync', { requestId: `worker-search-start-${process.pid}`, reason: 'bootstrap' })
      .catch((error: unknown) =>
        deps.logger.warn({ err: error }, 'could not enqueue the index bootstrap job'),
      );
  });
  const set = buildSearchProcessors(deps);
  return {
    processors: set.processors,
    async close() {
      await set.close?.();
      await producers.close();
      producerRedis.disconnect();
    },
  };
});
