import { activityLogs, type Database, type Transaction } from '@pbshop/db';
import type { QueueProcessor } from '@pbshop/queues';
import { RANKINGS_JOB_TYPE } from './rankings-schedule.ts';

/** What the processor does beside storing entries (jobs/ imports no module: main.ts passes these). */
export interface ActivityLogDeps {
  /**
   * the activity module's `recordInHistory`: a member's view or search moved up in their recent
   * views or search history, in the transaction that stores the entry
   */
  recordInHistory?(
    tx: Transaction,
    entry: { type: string; userId?: number | undefined; data: Record<string, unknown>; occurredAt: Date },
  ): Promise<void>;
  /** the rankings recalculation the hourly scheduler's job asks for (RANKINGS_JOB_TYPE) */
  recalculateRankings?(): Promise<{ updatedCount: number }>;
}

/**
 * Persists activity events; the job id makes a retried job a no-op instead of a duplicate row (and
 * the history update runs only with the row's insert). The hourly rankings job rides this queue,
 * which the API consumes: it is a recalculation, not an entry.
 */
export function activityLogProcessor(
  db: Database,
  deps: ActivityLogDeps = {},
): QueueProcessor<'activity-log'> {
  return {
    queue: 'activity-log',
    concurrency: 4,
    async process(payload, { job }) {
      if (payload.type === RANKINGS_JOB_TYPE && deps.recalculateRankings) {
        return deps.recalculateRankings();
      }
      const entry = {
        type: payload.type,
        userId: payload.userId,
        data: payload.data,
        occurredAt: new Date(payload.occurredAt),
      };
      return db.transaction(async (tx) => {
        const inserted = await tx
          .insert(activityLogs)
          .values({
            jobId: String(job.id),
            type: entry.type,
            userId: entry.userId ?? null,
            requestId: payload.requestId,
            payload: entry.data,
            occurredAt: entry.occurredAt,
          })
          .onConflictDoNothing({ target: activityLogs.jobId })
          .returning({ id: activityLogs.id });
        if (inserted.length === 1 && deps.recordInHistory) await deps.recordInHistory(tx, entry);
        return { stored: inserted.length === 1 };
      });
    },
  };
}
