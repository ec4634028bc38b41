import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@pbshop/config';
import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueName } from './names.ts';
import { type JobPayload, jobPayloadSchemas } from './payloads.ts';

export interface ProcessorContext {
  job: Job;
  logger: Logger;
  /** aborted when the process shuts down; a processor stops and the job goes back to its queue */
  signal: AbortSignal;
}

export interface QueueProcessor<Q extends QueueName = QueueName> {
  queue: Q;
  concurrency: number;
  process(payload: JobPayload<Q>, context: ProcessorContext): Promise<unknown>;
}

/** A processor of any one queue; `queue` tells which payload `process` receives. */
export type AnyQueueProcessor = { [Q in QueueName]: QueueProcessor<Q> }[QueueName];

export interface QueueWorkerOptions {
  connection: Redis;
  prefix: string;
  logger: Logger;
}

/**
 * A BullMQ worker for one queue, with its settings written out, payload validation (a bad payload
 * fails at once, without burning retries) and a graceful close that releases unfinished jobs.
 */
export class QueueWorker<Q extends QueueName = QueueName> {
  readonly queue: Q;
  readonly worker: Worker;
  private readonly inFlight = new Map<string, AbortController>();
  private readonly logger: Logger;

  constructor(processor: QueueProcessor<Q>, options: QueueWorkerOptions) {
    this.queue = processor.queue;
    this.logger = options.logger.child({ queue: processor.queue });
    const schema = jobPayloadSchemas[processor.queue];
    this.worker = new Worker(
      processor.queue,
      async (job, token) => {
        const parsed = schema.safeParse(job.data);
        if (!parsed.success) {
          const reason = parsed.error.issues
            .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
            .join('; ');
          throw new UnrecoverableError(`invalid ${processor.queue} payload: ${reason}`);
        }
        const payload = parsed.data as JobPayload<Q>;
        const controller = new AbortController();
        const jobKey = job.id ?? token ?? '';
        this.inFlight.set(jobKey, controller);
        const logger = this.logger.child({
          jobId: job.id,
          requestId: payload.requestId,
          attempt: job.attemptsMade + 1,
        });
        try {
          return await processor.process(payload, { job, logger, signal: controller.signal });
        } catch (error) {
          if (controller.signal.aborted && token) {
            // released by shutdown: straight back to the queue, without spending an attempt
            await job.moveToDelayed(Date.now(), token);
            logger.warn('job released back to its queue by shutdown');
            throw new DelayedError();
          }
          throw error;
        } finally {
          this.inFlight.delete(jobKey);
        }
      },
      {
        connection: options.connection,
        prefix: options.prefix,
        concurrency: processor.concurrency,
        autorun: true,
        // a crashed worker's job is taken back after its lock expires, and failed after 2 such crashes
        lockDuration: 30_000,
        stalledInterval: 30_000,
        maxStalledCount: 2,
        drainDelay: 5,
      },
    );
    this.worker.on('failed', (job, error) => {
      if (error instanceof DelayedError) return;
      this.logger.warn(
        { jobId: job?.id, requestId: job?.data?.requestId, attempt: job?.attemptsMade, err: error },
        'job failed',
      );
    });
    this.worker.on('error', (error) => this.logger.error({ err: error }, 'worker error'));
  }

  get activeJobs(): number {
    return this.inFlight.size;
  }

  /**
   * Stops taking jobs and waits up to `graceMs` for the running ones; then aborts the rest, which
   * release their jobs back to the queue.
   */
  async close(graceMs: number): Promise<void> {
    // closing a worker whose connections are still being made leaves BullMQ emitting
    // "Connection is closed" on a connection nobody listens to any more; let them finish first
    await Promise.race([this.worker.waitUntilReady().catch(() => {}), sleep(Math.min(graceMs, 2000))]);
    const closed = this.worker.close();
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace-over'>((resolve) => {
      timer = setTimeout(() => resolve('grace-over'), graceMs);
    });
    const outcome = await Promise.race([closed.then(() => 'closed' as const), graceOver]);
    clearTimeout(timer);
    if (outcome === 'closed') return;
    this.logger.warn({ releasing: this.inFlight.size }, 'grace period over; releasing in-flight jobs');
    for (const controller of this.inFlight.values()) controller.abort(new Error('shutting down'));
    await closed;
  }
}
