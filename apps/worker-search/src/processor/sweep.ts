import type { Logger } from '@pbshop/config';
import type { ProcessorContext } from '@pbshop/queues';
import {
  activeReindexRuns,
  failReindexRun,
  liveIndexInfo,
  pruneCompletedOutboxRows,
  reindexJobId,
  reindexLockHeld,
} from '@pbshop/search';
import type { SearchWorkerClients } from './clients.ts';
import { drain } from './drain.ts';

const SWEEP_SCHEDULER_ID = 'search-outbox-sweep';
/** a QUEUED run younger than this may still be waiting for its job to be enqueued */
const RUN_ENQUEUE_GRACE_MS = 60_000;
const liveJobStates = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);

/** The sweep schedule: an upsert, so replicas share one schedule. */
export function scheduleSweep({ queue, env, logger }: SearchWorkerClients): void {
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
}

/** The periodic sweep: prunes completed outbox rows, fails stranded reindex runs, drains. */
export async function sweep(clients: SearchWorkerClients, context: ProcessorContext) {
  const { database, env } = clients;
  const jobLogger = context.logger;
  const pruned = await pruneCompletedOutboxRows(database.db, env.SEARCH_OUTBOX_RETENTION_DAYS);
  if (pruned > 0) jobLogger.info({ pruned }, 'pruned completed outbox rows');
  await reconcileReindexRuns(clients, jobLogger);
  const drained = await drain(clients, context);
  return { pruned, ...drained };
}

/**
 * A QUEUED or RUNNING run whose job is gone (failed, removed, never enqueued) and that no worker
 * holds would block every later reindex: it is marked FAILED with what to do.
 */
async function reconcileReindexRuns(
  { database, queue, resilience, client, alias }: SearchWorkerClients,
  jobLogger: Logger,
) {
  for (const run of await activeReindexRuns(database.db)) {
    if (Date.now() - run.createdAt.getTime() < RUN_ENQUEUE_GRACE_MS) continue;
    const state = await queue.getJobState(reindexJobId(run.id));
    if (liveJobStates.has(state) || (await reindexLockHeld(database))) continue;
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
