import { hostname } from 'node:os';
import type { Logger } from '@pbshop/config';
import { createDatabase } from '@pbshop/db';
import {
  bullPrefix,
  createRedis,
  enqueueSearchWake,
  type JobPayload,
  JobProducers,
  type ProcessorContext,
  type ProcessorSet,
  type WorkerDeps,
} from '@pbshop/queues';
import { policySettings, ResilienceRegistry } from '@pbshop/resilience';
import {
  activeReindexRuns,
  createSearchClient,
  drainOutbox,
  ensureProductIndex,
  failReindexRun,
  liveIndexInfo,
  nextOutboxRetryAt,
  PRODUCT_MAPPING_VERSION,
  productAlias,
  pruneCompletedOutboxRows,
  type ReindexContext,
  reindexJobId,
  reindexLockHeld,
  requestFullReindex,
  runFullReindex,
} from '@pbshop/search';
import { sql } from 'drizzle-orm';

const RETRY_DEDUPLICATION_ID = 'search-outbox-retry';
const SWEEP_SCHEDULER_ID = 'search-outbox-sweep';
/** batches one drain job runs at most before it hands over to a fresh job */
const MAX_BATCHES_PER_JOB = 50;
/** a QUEUED run younger than this may still be waiting for its job to be enqueued */
const RUN_ENQUEUE_GRACE_MS = 60_000;
const liveJobStates = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);

type SyncPayload = JobPayload<'search-index-sync'>;
type Job = ProcessorContext['job'];

/**
 * search-index-sync: the bootstrap (index and alias present; a full reindex when the mapping is
 * outdated or the index new while products exist), the outbox drain (after writes, requeues and
 * backoffs), the periodic sweep (drain, prune, stranded reindex runs) and full reindexes. Every
 * OpenSearch call goes through the `search` breaker; replicas share the work through
 * `FOR UPDATE SKIP LOCKED` claims on the outbox.
 */
export function buildSearchProcessors({ env, logger, redis }: WorkerDeps): ProcessorSet {
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
  });
  const producerRedis = createRedis(env.REDIS_URL, 'worker');
  const producers = new JobProducers(producerRedis, bullPrefix(env.REDIS_KEY_PREFIX));
  const queue = producers.queues['search-index-sync'];
  const alias = productAlias(env.OPENSEARCH_INDEX_PREFIX);

  const searchContext = (signal: AbortSignal, jobLogger: Logger): ReindexContext => ({
    db: database.db,
    sql: database.sql,
    client,
    call: (call) => resilience.execute('search', call, signal),
    indexPrefix: env.OPENSEARCH_INDEX_PREFIX,
    logger: jobLogger,
  });

  // once Redis answers: a bootstrap job per start (retried with backoff until OpenSearch answers)
  // and the sweep schedule (an upsert: replicas share one schedule)
  producerRedis.once('ready', () => {
    producers
      .enqueue('search-index-sync', { requestId: `worker-search-start-${process.pid}`, reason: 'bootstrap' })
      .catch((error: unknown) => logger.warn({ err: error }, 'could not enqueue the index bootstrap job'));
    queue
      .upsertJobScheduler(
        SWEEP_SCHEDULER_ID,
        { every: env.SEARCH_OUTBOX_SWEEP_MS },
        {
          name: 'search-index-sync',
          data: { requestId: SWEEP_SCHEDULER_ID, reason: 'sweep' },
          opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
        },
      )
      .catch((error: unknown) => logger.warn({ err: error }, 'could not schedule the outbox sweep'));
  });

  async function enqueueFullReindex(runId: string, requestId: string) {
    return producers.enqueue(
      'search-index-sync',
      { requestId, reason: 'full-reindex', runId },
      { jobId: reindexJobId(runId), attempts: 1 },
    );
  }

  /** How long the `search` breaker stays open (0: closed, or due for its trial call). */
  function searchPausedForMs(): number {
    const breaker = resilience.snapshots().find((snapshot) => snapshot.name === 'search');
    if (breaker?.state !== 'open') return 0;
    const trialAt = Date.parse(breaker.updatedAt) + policySettings.search.halfOpenAfterMs;
    return Math.max(0, trialAt - Date.now());
  }

  async function drain(job: Job, signal: AbortSignal, jobLogger: Logger) {
    const result = await drainOutbox(searchContext(signal, jobLogger), {
      alias,
      workerId: `${hostname()}:${process.pid}:${job.id}`,
      batchSize: env.SEARCH_OUTBOX_BATCH_SIZE,
      maxBatches: MAX_BATCHES_PER_JOB,
      leaseMs: env.SEARCH_OUTBOX_LEASE_MS,
      maxAttempts: env.SEARCH_OUTBOX_MAX_ATTEMPTS,
      backoffMs: env.SEARCH_OUTBOX_BACKOFF_MS,
      signal,
      pausedForMs: searchPausedForMs,
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
      await scheduleRetry(job.data.requestId);
    }
    return result;
  }

  /** Backed-off rows are due later: a delayed job then (the sweep is the fallback). */
  async function scheduleRetry(requestId: string) {
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

  /** Starts a full reindex unless one is active; the run id, or null when one was active. */
  async function startFullReindex(reason: string, requestId: string, jobLogger: Logger) {
    const { run, created } = await requestFullReindex(database.db, { requestedBy: null });
    if (!created) {
      jobLogger.info({ runId: run.id, reason }, 'a full reindex is already queued or running');
      return null;
    }
    await enqueueFullReindex(run.id, requestId);
    jobLogger.warn({ runId: run.id, reason }, 'full reindex started automatically');
    return run.id;
  }

  async function bootstrap(payload: SyncPayload, job: Job, signal: AbortSignal, jobLogger: Logger) {
    const state = await resilience.execute('search', () =>
      ensureProductIndex(client, env.OPENSEARCH_INDEX_PREFIX),
    );
    jobLogger.info(state, state.created ? 'created the products index' : 'products index present');
    const live = await resilience.execute('search', (s) => liveIndexInfo(client, alias, s), signal);
    let reason: string | null = null;
    if (live && live.mappingVersion < PRODUCT_MAPPING_VERSION) {
      reason = `the index ${live.index} has mapping version ${live.mappingVersion}, the code ${PRODUCT_MAPPING_VERSION}`;
    } else if (state.created) {
      const [row] = await database.db.execute<{ listed: boolean }>(
        sql`select exists (select 1 from products where deleted_at is null and status <> 'HIDDEN') as listed`,
      );
      if (row?.listed) reason = 'the index was created empty while products exist';
    }
    if (!reason)
      jobLogger.info({ mappingVersion: live?.mappingVersion }, 'products index mapping is current');
    const reindexRunId = reason ? await startFullReindex(reason, payload.requestId, jobLogger) : null;
    await drain(job, signal, jobLogger);
    return reindexRunId ? { ...state, reindexRunId } : state;
  }

  /**
   * A QUEUED or RUNNING run whose job is gone (failed, removed, never enqueued) and that no worker
   * holds would block every later reindex: it is marked FAILED with what to do.
   */
  async function reconcileReindexRuns(jobLogger: Logger) {
    for (const run of await activeReindexRuns(database.db)) {
      if (Date.now() - run.createdAt.getTime() < RUN_ENQUEUE_GRACE_MS) continue;
      const state = await queue.getJobState(reindexJobId(run.id));
      if (liveJobStates.has(state) || (await reindexLockHeld(database.sql))) continue;
      await failReindexRun(
        database.db,
        run.id,
        `interrupted: its job is ${state} and no worker runs it; the read alias was not changed by it. Start a new full reindex with POST /search/admin/index/reindex`,
      );
      if (run.targetIndex) {
        const live = await resilience.execute('search', (s) => liveIndexInfo(client, alias, s));
        if (!live?.indices.includes(run.targetIndex)) {
          await resilience
            .execute('search', () => client.indices.delete({ index: run.targetIndex! }, { ignore: [404] }))
            .catch(() => {});
        }
      }
      jobLogger.warn({ runId: run.id, jobState: state }, 'stranded full reindex run marked FAILED');
    }
  }

  async function sweep(job: Job, signal: AbortSignal, jobLogger: Logger) {
    const pruned = await pruneCompletedOutboxRows(database.db, env.SEARCH_OUTBOX_RETENTION_DAYS);
    if (pruned > 0) jobLogger.info({ pruned }, 'pruned completed outbox rows');
    await reconcileReindexRuns(jobLogger);
    const drained = await drain(job, signal, jobLogger);
    return { pruned, ...drained };
  }

  return {
    processors: [
      {
        queue: 'search-index-sync',
        concurrency: env.SEARCH_SYNC_CONCURRENCY,
        async process(payload, { job, logger: jobLogger, signal }) {
          switch (payload.reason) {
            case 'bootstrap':
              return bootstrap(payload, job, signal, jobLogger);
            case 'sweep':
              return sweep(job, signal, jobLogger);
            case 'full-reindex': {
              const outcome = await runFullReindex(searchContext(signal, jobLogger), payload.runId!, {
                batchSize: env.SEARCH_REINDEX_BATCH_SIZE,
                signal,
              });
              if (outcome.status === 'SKIPPED') jobLogger.info(outcome, 'full reindex job skipped');
              // changes that failed against the old index while the run copied: drain them now
              await drain(job, signal, jobLogger);
              return outcome;
            }
            default:
              // from here on, a new write enqueues a new wake-up: nothing committed now is missed
              await job.removeDeduplicationKey().catch(() => false);
              if (payload.productId) jobLogger.info({ productId: payload.productId }, 'product reindex');
              return drain(job, signal, jobLogger);
          }
        },
      },
    ],
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
