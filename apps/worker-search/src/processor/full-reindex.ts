import type { Logger } from '@pbshop/config';
import type { JobPayload, ProcessorContext } from '@pbshop/queues';
import { reindexJobId, requestFullReindex, runFullReindex } from '@pbshop/search';
import { type SearchWorkerClients, searchContext } from './clients.ts';
import { drain } from './drain.ts';

/** Starts a full reindex unless one is active; the run id, or null when one was active. */
export async function startFullReindex(
  { database, producers }: SearchWorkerClients,
  reason: string,
  requestId: string,
  jobLogger: Logger,
) {
  const { run, created } = await requestFullReindex(database.db, { requestedBy: null });
  if (!created) {
    jobLogger.info({ runId: run.id, reason }, 'a full reindex is already queued or running');
    return null;
  }
  await producers.enqueue(
    'search-index-sync',
    { requestId, reason: 'full-reindex', runId: run.id },
    { jobId: reindexJobId(run.id), attempts: 1 },
  );
  jobLogger.warn({ runId: run.id, reason }, 'full reindex started automatically');
  return run.id;
}

/** A full-reindex job: copies the catalogue into a new index and moves the read alias to it. */
export async function fullReindex(
  clients: SearchWorkerClients,
  payload: JobPayload<'search-index-sync'>,
  context: ProcessorContext,
) {
  const { signal, logger: jobLogger } = context;
  const outcome = await runFullReindex(searchContext(clients, signal, jobLogger), payload.runId!, {
    batchSize: clients.env.SEARCH_REINDEX_BATCH_SIZE,
    signal,
  });
  if (outcome.status === 'SKIPPED') jobLogger.info(outcome, 'full reindex job skipped');
  // changes that failed against the old index while the run copied: drain them now
  await drain(clients, context);
  return outcome;
}
