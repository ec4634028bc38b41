import type { DefaultJobOptions } from 'bullmq';
import type { QueueName } from './names.ts';

const DAY_SECONDS = 24 * 60 * 60;

/**
 * Per-queue defaults: bounded attempts with exponential backoff and jitter (so retries of many
 * jobs do not arrive in step), completed jobs trimmed, failed jobs kept for the queue admin API.
 */
export const defaultJobOptions: Record<QueueName, DefaultJobOptions> = {
  'activity-log': {
    attempts: 5,
    backoff: { type: 'exponential', delay: 1000, jitter: 0.3 },
    removeOnComplete: { count: 1000, age: DAY_SECONDS },
    removeOnFail: { age: 14 * DAY_SECONDS },
  },
  'video-transcode': {
    attempts: 3,
    backoff: { type: 'exponential', delay: 10_000, jitter: 0.3 },
    removeOnComplete: { count: 1000, age: 7 * DAY_SECONDS },
    removeOnFail: { age: 30 * DAY_SECONDS },
  },
  'crawler-collect': {
    attempts: 4,
    backoff: { type: 'exponential', delay: 5000, jitter: 0.5 },
    removeOnComplete: { count: 5000, age: DAY_SECONDS },
    removeOnFail: { age: 14 * DAY_SECONDS },
  },
  'search-index-sync': {
    attempts: 5,
    backoff: { type: 'exponential', delay: 1000, jitter: 0.3 },
    removeOnComplete: { count: 1000, age: DAY_SECONDS },
    removeOnFail: { age: 14 * DAY_SECONDS },
  },
  // a push service's 429 or 5xx is retried at 2 s, 4 s, 8 s, 16 s; a push older than that is stale
  'push-delivery': {
    attempts: 5,
    backoff: { type: 'exponential', delay: 2000, jitter: 0.3 },
    removeOnComplete: { count: 1000, age: DAY_SECONDS },
    removeOnFail: { age: 7 * DAY_SECONDS },
  },
};
