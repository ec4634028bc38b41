import type { Logger } from '@pbshop/config';
import type { JobProducers } from '@pbshop/queues';

type ActivityLogQueue = Pick<JobProducers['queues']['activity-log'], 'upsertJobScheduler'>;

/** The activity-log job type of the rankings recalculation. */
export const RANKINGS_JOB_TYPE = 'rankings_recalculate';
export const RANKINGS_SCHEDULER_ID = 'rankings-hourly';
/** Every hour on the hour (the scheduler's cron pattern). */
export const RANKINGS_PATTERN = '0 * * * *';

/**
 * The hourly rankings recalculation as a BullMQ job scheduler on the activity-log queue (the API
 * consumes it and has the rankings service; the runbook's queue list stays as it is). An upsert:
 * every replica declares the same schedule and BullMQ keeps one, so one job runs per hour.
 */
export async function scheduleRankings(queue: ActivityLogQueue, logger: Logger): Promise<void> {
  try {
    await queue.upsertJobScheduler(
      RANKINGS_SCHEDULER_ID,
      { pattern: RANKINGS_PATTERN },
      {
        name: 'activity-log',
        data: {
          requestId: RANKINGS_SCHEDULER_ID,
          type: RANKINGS_JOB_TYPE,
          // the schema wants one; the recalculation uses the time it runs at
          occurredAt: new Date(0).toISOString(),
          data: {},
        },
        opts: {
          attempts: 2,
          backoff: { type: 'exponential', delay: 60_000 },
          removeOnComplete: { count: 48 },
          removeOnFail: { count: 48 },
        },
      },
    );
  } catch (error) {
    logger.warn({ err: error }, 'could not schedule the hourly rankings recalculation');
  }
}
