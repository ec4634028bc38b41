import type { ProcessorSet, WorkerDeps } from '@pbshop/queues';
import { bootstrap, enqueueBootstrap } from './processor/bootstrap.ts';
import { openSearchWorkerClients } from './processor/clients.ts';
import { drainOnWake } from './processor/drain.ts';
import { fullReindex } from './processor/full-reindex.ts';
import { scheduleSweep, sweep } from './processor/sweep.ts';

/**
 * search-index-sync: the bootstrap (index and alias present; a full reindex when the mapping is
 * outdated or the index new while products exist), the outbox drain (after writes, requeues and
 * backoffs), the periodic sweep (drain, prune, stranded reindex runs) and full reindexes. Every
 * OpenSearch call goes through the `search` breaker; replicas share the work through
 * `FOR UPDATE SKIP LOCKED` claims on the outbox.
 */
export function buildSearchProcessors(deps: WorkerDeps): ProcessorSet {
  const clients = openSearchWorkerClients(deps);

  // once Redis answers: a bootstrap job per start (retried with backoff until OpenSearch answers)
  // and the sweep schedule (an upsert: replicas share one schedule)
  clients.producerRedis.once('ready', () => {
    enqueueBootstrap(clients);
    scheduleSweep(clients);
  });

  return {
    processors: [
      {
        queue: 'search-index-sync',
        concurrency: deps.env.SEARCH_SYNC_CONCURRENCY,
        async process(payload, context) {
          switch (payload.reason) {
            case 'bootstrap':
              return bootstrap(clients, payload, context);
            case 'sweep':
              return sweep(clients, context);
            case 'full-reindex':
              return fullReindex(clients, payload, context);
            default:
              return drainOnWake(clients, payload, context);
          }
        },
      },
    ],
    close: () => clients.close(),
  };
}
