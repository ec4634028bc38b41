import { AppError } from '@pbshop/errors';
import { type JobProducers, listWorkerBeats, type QueueName, queueNames } from '@pbshop/queues';
import type { Redis } from 'ioredis';
import type { FailedJob } from './schemas.ts';

/** BullMQ's Queue and Job, as @pbshop/queues holds them */
type Queue = JobProducers['queues'][QueueName];
type Job = NonNullable<Awaited<ReturnType<Queue['getJob']>>>;
type JobType = Parameters<Queue['getJobCounts']>[number];

export interface QueueAdminDeps {
  /** the producers' queues, on a connection that fails fast while Redis is down */
  queues: Record<QueueName, Queue>;
  /** that connection: read for its state, and for the workers' heartbeats */
  redis: Redis;
  /** REDIS_KEY_PREFIX, under which workers publish their heartbeats */
  keyPrefix: string;
}

const countedStates = [
  'waiting',
  'active',
  'delayed',
  'completed',
  'failed',
  'paused',
  'prioritized',
  'waiting-children',
] as const satisfies readonly JobType[];

/** stack traces a failed job is listed with: those of its last attempts */
const STACKTRACES_SHOWN = 3;

// messages of ioredis and BullMQ when the connection is down, closed or silent
const REDIS_DOWN =
  /Connection is closed|Stream isn't writeable|Command timed out|max retries per request|ECONNREFUSED|ECONNRESET|ETIMEDOUT/i;

function redisUnavailable(cause?: unknown) {
  return new AppError('SERVICE_UNAVAILABLE', {
    details: { dependency: 'redis', reason: 'the job queues (Redis) are unreachable; try again shortly' },
    cause,
  });
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : { value };
}

const toFailedJob = (job: Job): FailedJob => ({
  id: String(job.id),
  name: job.name,
  data: asRecord(job.data),
  timestamp: job.timestamp,
  processedOn: job.processedOn ?? null,
  finishedOn: job.finishedOn ?? null,
  attemptsMade: job.attemptsMade,
  failedReason: job.failedReason || null,
  stacktrace: (job.stacktrace ?? []).filter((line) => typeof line === 'string').slice(-STACKTRACES_SHOWN),
});

/**
 * The queue admin operations over the four BullMQ queues (ops contract §2.B.6, runbook §4.3):
 * counts, failed jobs, retries, deletion, pause and resume. Answers 503 SERVICE_UNAVAILABLE at
 * once while Redis is unreachable rather than waiting for it.
 */
export function queueAdminService({ queues, redis, keyPrefix }: QueueAdminDeps) {
  async function onRedis<T>(work: () => Promise<T>): Promise<T> {
    if (redis.status !== 'ready') throw redisUnavailable();
    try {
      return await work();
    } catch (error) {
      if (error instanceof AppError) throw error;
      if (redis.status !== 'ready' || (error instanceof Error && REDIS_DOWN.test(error.message))) {
        throw redisUnavailable(error);
      }
      throw error;
    }
  }

  async function jobOf(queueName: QueueName, jobId: string): Promise<Job> {
    const job = await queues[queueName].getJob(jobId);
    if (!job) throw new AppError('NOT_FOUND', { details: { queueName, jobId, reason: 'no such job' } });
    return job;
  }

  const notFailed = (queueName: QueueName, jobId: string, state: string) =>
    new AppError('INVALID_STATUS_TRANSITION', {
      details: { queueName, jobId, state, reason: 'only a failed job can be retried' },
    });

  /** Retries each job that is still failed; one that moved on meanwhile is skipped. */
  async function retryEach(jobs: Job[]): Promise<string[]> {
    const retried: string[] = [];
    for (const job of jobs) {
      try {
        await job.retry('failed');
        retried.push(String(job.id));
      } catch (error) {
        if (redis.status !== 'ready') throw redisUnavailable(error);
        // taken by someone else (another retry, a removal) between the listing and now
      }
    }
    return retried;
  }

  /** The `count` oldest failed jobs of a queue, oldest first. */
  const oldestFailed = (queueName: QueueName, count: number) =>
    queues[queueName].getJobs(['failed'], 0, count - 1, true);

  return {
    supported(): QueueName[] {
      return [...queueNames];
    },

    /** Per queue: paused, counts by state, the worker connections and the live worker processes. */
    stats() {
      return onRedis(async () => {
        const beats = await listWorkerBeats(redis, keyPrefix);
        const items = await Promise.all(
          queueNames.map(async (queueName) => {
            const queue = queues[queueName];
            const [counts, paused, workers] = await Promise.all([
              queue.getJobCounts(...countedStates),
              queue.isPaused(),
              // CLIENT LIST: some managed Redis services refuse it
              queue.getWorkersCount().catch(() => null),
            ]);
            return {
              queueName,
              paused,
              counts: Object.fromEntries(countedStates.map((state) => [state, counts[state] ?? 0])) as Record<
                (typeof countedStates)[number],
                number
              >,
              workers,
              processes: beats
                .filter((beat) => beat.queues.includes(queueName))
                .map(({ service, instance, startedAt, beatAt }) => ({
                  service,
                  instance,
                  startedAt,
                  beatAt,
                })),
            };
          }),
        );
        return { total: items.length, items };
      });
    },

    /** A page of a queue's failed jobs, the latest failure first unless `newestFirst` is false. */
    failedJobs(
      queueName: QueueName,
      { page, limit, newestFirst }: { page: number; limit: number; newestFirst: boolean },
    ) {
      return onRedis(async () => {
        const queue = queues[queueName];
        const start = (page - 1) * limit;
        const [totalItems, jobs] = await Promise.all([
          queue.getFailedCount(),
          queue.getJobs(['failed'], start, start + limit - 1, !newestFirst),
        ]);
        const items = jobs.filter((job: Job | undefined): job is Job => Boolean(job)).map(toFailedJob);
        return {
          items,
          meta: {
            totalItems,
            itemCount: items.length,
            itemsPerPage: limit,
            totalPages: Math.ceil(totalItems / limit),
            currentPage: page,
          },
        };
      });
    },

    /** Retries one failed job; any other state is 400 INVALID_STATUS_TRANSITION, a missing job 404. */
    retryJob(queueName: QueueName, jobId: string) {
      return onRedis(async () => {
        const job = await jobOf(queueName, jobId);
        const state = await job.getState();
        if (state !== 'failed') throw notFailed(queueName, jobId, state);
        try {
          await job.retry('failed');
        } catch (error) {
          // it left the failed set meanwhile (retried or removed by someone else)
          const now = await queues[queueName].getJobState(jobId);
          if (now === 'unknown')
            throw new AppError('NOT_FOUND', { details: { queueName, jobId }, cause: error });
          if (now !== 'failed') throw notFailed(queueName, jobId, now);
          throw error;
        }
        return { queueName, jobId, retried: true as const };
      });
    },

    /** Retries up to `limit` failed jobs of a queue, oldest failure first. */
    retryFailed(queueName: QueueName, limit: number) {
      return onRedis(async () => {
        const jobIds = await retryEach(await oldestFailed(queueName, limit));
        return { queueName, requested: limit, requeuedCount: jobIds.length, jobIds };
      });
    },

    /**
     * Retries failed jobs across the queues, in their listed order, at most `perQueueLimit` per
     * queue (oldest first) and `maxTotal` in all; queues after the total is reached get none.
     */
    autoRetry(perQueueLimit: number, maxTotal: number) {
      return onRedis(async () => {
        const items: {
          queueName: QueueName;
          candidateCount: number;
          retriedCount: number;
          jobIds: string[];
        }[] = [];
        let retriedTotal = 0;
        for (const queueName of queueNames) {
          const take = Math.min(perQueueLimit, maxTotal - retriedTotal);
          const candidates = take > 0 ? await oldestFailed(queueName, take) : [];
          const jobIds = await retryEach(candidates);
          retriedTotal += jobIds.length;
          items.push({ queueName, candidateCount: candidates.length, retriedCount: jobIds.length, jobIds });
        }
        return { perQueueLimit, maxTotal, retriedTotal, items };
      });
    },

    /** Deletes one job (and its children) in any state but active: a running job is locked by its worker. */
    removeJob(queueName: QueueName, jobId: string) {
      return onRedis(async () => {
        const job = await jobOf(queueName, jobId);
        try {
          await job.remove();
        } catch (error) {
          const state = await queues[queueName].getJobState(jobId);
          if (state === 'unknown')
            throw new AppError('NOT_FOUND', { details: { queueName, jobId }, cause: error });
          throw new AppError('INVALID_STATUS_TRANSITION', {
            details: { queueName, jobId, state, reason: 'a job being processed cannot be deleted' },
            cause: error,
          });
        }
        return { queueName, jobId, removed: true as const };
      });
    },

    /** Pauses a queue: workers finish their current jobs and take no new ones until it resumes. */
    pause(queueName: QueueName) {
      return onRedis(async () => {
        await queues[queueName].pause();
        return { queueName, paused: await queues[queueName].isPaused() };
      });
    },

    resume(queueName: QueueName) {
      return onRedis(async () => {
        await queues[queueName].resume();
        return { queueName, paused: await queues[queueName].isPaused() };
      });
    },
  };
}

export type QueueAdminService = ReturnType<typeof queueAdminService>;
