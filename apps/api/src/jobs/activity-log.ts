import { activityLogs, type Database } from '@pbshop/db';
import type { QueueProcessor } from '@pbshop/queues';

/** Persists activity events; the job id makes a retried job a no-op instead of a duplicate row. */
export function activityLogProcessor(db: Database): QueueProcessor<'activity-log'> {
  return {
    queue: 'activity-log',
    concurrency: 4,
    async process(payload, { job }) {
      const inserted = await db
        .insert(activityLogs)
        .values({
          jobId: String(job.id),
          type: payload.type,
          userId: payload.userId ?? null,
          requestId: payload.requestId,
          payload: payload.data,
          occurredAt: new Date(payload.occurredAt),
        })
        .onConflictDoNothing({ target: activityLogs.jobId })
        .returning({ id: activityLogs.id });
      return { stored: inserted.length === 1 };
    },
  };
}
