import { hostname } from 'node:os';
import { enqueueSearchWake, type JobPayload, type ProcessorContext } from '@pbshop/queues';
import { drainOutbox, nextOutboxRetryAt } from '@pbshop/search';
import { type SearchWorkerClients, searchContext } from './clients.ts';

const RETRY_DEDUPLICATION_ID = 'search-outbox-retry';
/** batches one drain job runs at most before it hands over to a fresh job */
const MAX_BATCHES_PER_JOB = 50;

/**
 * The outbox drain: claims and syncs batches of outbox rows, then sees that the rest is taken up
 * (after the breaker's pause, by a fresh job, or when backed-off rows are due).
 */
export async function drain(
  clients: SearchWorkerClients,
  { job, signal, logger: jobLogger }: ProcessorContext,
) {
  const { env, producers, resilience } = clients;
  const result = await drainOutbox(searchContext(clients, signal, jobLogger), {
    alias: clients.alias,
    workerId: `${hostname()}:${process.pid}:${job.id}`,
    batchSize: env.SEARCH_OUTBOX_BATCH_SIZE,
    maxBatches: MAX_BATCHES_PER_JOB,
    leaseMs: env.SEARCH_OUTBOX_LEASE_MS,
    maxAttempts: env.SEARCH_OUTBOX_MAX_ATTEMPTS,
    backoffMs: env.SEARCH_OUTBOX_BACKOFF_MS,
    signal,
    // how long the `search` breaker stays open (0: closed, or due for its trial call)
    pausedForMs: () => resilience.pausedForMs('search'),
    onBatch: ({ rows, outcome, error }) =>
      jobLogger.info(
        {
          rows: rows.length,
          indexed: outcome?.indexed,
          removed: outcome?.removed,
          stale: outcome?.stale,
          failed: error ? rows.length : outcome?.failures.size,
          error,
        },
        'outbox batch synced',
      ),
  });
  // a shutdown released the claimed rows: the job goes back to its queue (QueueWorker) too
  signal.throwIfAborted();
  if (result.error) jobLogger.warn({ error: result.error }, 'outbox drain stopped: the batch failed');
  if (result.pausedMs > 0) {
    // OpenSearch is known to be down: come back when the breaker lets a trial call through
    jobLogger.info({ pausedMs: result.pausedMs }, 'outbox drain paused: the search breaker is open');
    await producers.enqueue(
      'search-index-sync',
      { requestId: job.data.requestId, reason: 'retry' },
      { delay: result.pausedMs, deduplication: { id: RETRY_DEDUPLICATION_ID } },
    );
  } else if (result.more) {
    // more rows than one job drains: a fresh job continues (other jobs get their turn meanwhile)
    await enqueueSearchWake(producers, { requestId: job.data.requestId });
  } else {
    await scheduleRetry(clients, job.data.requestId);
  }
  return result;
}

/** A wake-up after writes (or a retry): drains the outbox. */
export async function drainOnWake(
  clients: SearchWorkerClients,
  payload: JobPayload<'search-index-sync'>,
  context: ProcessorContext,
) {
  // from here on, a new write enqueues a new wake-up: nothing committed now is missed
  await context.job.removeDeduplicationKey().catch(() => false);
  if (payload.productId) context.logger.info({ productId: payload.productId }, 'product reindex');
  return drain(clients, context);
}

/** Backed-off rows are due later: a delayed job then (the sweep is the fallback). */
async function scheduleRetry({ database, env, producers }: SearchWorkerClients, requestId: string) {
  const due = await nextOutboxRetryAt(database.db);
  if (!due) return;
  const delay = Math.max(0, due.getTime() - Date.now());
  if (delay > env.SEARCH_OUTBOX_SWEEP_MS) return;
  await producers.enqueue(
    'search-index-sync',
    { requestId, reason: 'retry' },
    { delay, deduplication: { id: RETRY_DEDUPLICATION_ID } },
  );
}
