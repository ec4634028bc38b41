import { queueNames } from '@pbshop/queues';
import { z } from 'zod';
import { pageMeta } from '../../../http/envelope.ts';

const supportedList = queueNames.join(', ');

/** One of the four queues; anything else is 400 VALIDATION_ERROR naming the supported ones. */
export const queueName = z
  .enum(queueNames, { error: `unsupported queue; supported queues: ${supportedList}` })
  .describe(`one of ${supportedList}`);

/** BullMQ job ids are strings (generated counters or custom ids); never parsed as numbers. */
export const jobId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
  .describe('the BullMQ job id (a string)');

export const queueParams = z.object({ queueName });
export const jobParams = z.object({ queueName, jobId });

const booleanText = z.enum(['true', 'false']).transform((value) => value === 'true');

export const failedJobsQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  newestFirst: booleanText.default(true).describe('"true" (default): the latest failure first'),
});

export const bulkRetryQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .default(50)
    .describe('at most this many, oldest failure first'),
});

export const autoRetryQuery = z.object({
  perQueueLimit: z.coerce.number().int().min(1).max(200).default(20),
  maxTotal: z.coerce.number().int().min(1).max(500).default(100),
});

export const supportedQueues = z.object({ items: z.array(z.enum(queueNames)) });

export const jobCounts = z.object({
  waiting: z.number().int(),
  active: z.number().int(),
  delayed: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
  paused: z.number().int().describe('jobs waiting in a paused queue'),
  prioritized: z.number().int(),
  'waiting-children': z.number().int(),
});

export const workerProcess = z.object({
  service: z.string(),
  instance: z.string().describe('host:pid'),
  startedAt: z.string(),
  beatAt: z.string().describe('the last heartbeat; a process is listed while its beat is fresh'),
});

export const queueStatsItem = z.object({
  queueName: z.enum(queueNames),
  paused: z.boolean(),
  counts: jobCounts,
  workers: z
    .number()
    .int()
    .nullable()
    .describe(
      'worker connections BullMQ sees on the queue (CLIENT LIST); null where Redis does not allow it',
    ),
  processes: z.array(workerProcess).describe('the processes whose heartbeat says they consume this queue'),
});

export const queueStats = z.object({ total: z.number().int(), items: z.array(queueStatsItem) });

export const failedJob = z.object({
  id: z.string(),
  name: z.string(),
  data: z.record(z.string(), z.unknown()),
  timestamp: z.number().describe('when it was added (ms since the epoch)'),
  processedOn: z.number().nullable(),
  finishedOn: z.number().nullable().describe('when it last failed'),
  attemptsMade: z.number().int(),
  failedReason: z.string().nullable(),
  stacktrace: z
    .array(z.string())
    .describe('the stack traces of the last 3 failed attempts (BullMQ keeps one per attempt), oldest first'),
});
export type FailedJob = z.infer<typeof failedJob>;

export const failedJobsPage = z.object({
  items: z.array(failedJob),
  meta: z.object({
    totalItems: z.number().int(),
    itemCount: z.number().int(),
    itemsPerPage: z.number().int(),
    totalPages: z.number().int(),
    currentPage: z.number().int(),
  }),
});

export const failedJobsResponse = z.object({
  success: z.literal(true),
  data: failedJobsPage,
  meta: pageMeta,
});

export const bulkRetryResult = z.object({
  queueName: z.enum(queueNames),
  requested: z.number().int().describe('the limit asked for'),
  requeuedCount: z.number().int(),
  jobIds: z.array(z.string()),
});

export const autoRetryResult = z.object({
  perQueueLimit: z.number().int(),
  maxTotal: z.number().int(),
  retriedTotal: z.number().int(),
  items: z.array(
    z.object({
      queueName: z.enum(queueNames),
      candidateCount: z.number().int().describe('failed jobs picked for a retry in this queue'),
      retriedCount: z.number().int(),
      jobIds: z.array(z.string()),
    }),
  ),
});

export const jobRetryResult = z.object({
  queueName: z.enum(queueNames),
  jobId: z.string(),
  retried: z.literal(true),
});

export const jobRemoveResult = z.object({
  queueName: z.enum(queueNames),
  jobId: z.string(),
  removed: z.literal(true),
});

export const pauseResult = z.object({ queueName: z.enum(queueNames), paused: z.boolean() });

export const uiSession = z.object({
  path: z.string().describe('where the queue UI is served; the cookie is sent there only'),
  expiresAt: z.string(),
});
