import type { EventEmitter } from 'node:events';
import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { defaultJobOptions } from './job-options.ts';
import { type QueueName, queueNames } from './names.ts';
import { type JobInput, jobPayloadSchemas } from './payloads.ts';

export class JobPayloadError extends Error {
  readonly queue: QueueName;
  readonly issues: string[];
  constructor(queue: QueueName, issues: string[]) {
    super(`invalid ${queue} job payload: ${issues.join('; ')}`);
    this.name = 'JobPayloadError';
    this.queue = queue;
    this.issues = issues;
  }
}

export class QueueUnavailableError extends Error {
  readonly queue: QueueName;
  constructor(queue: QueueName, reason: string) {
    super(`cannot enqueue ${queue}: ${reason}`);
    this.name = 'QueueUnavailableError';
    this.queue = queue;
  }
}

// an add that Redis has not acknowledged by then is reported as failed rather than left hanging
const ENQUEUE_TIMEOUT_MS = 3000;

/**
 * Typed producers for every queue. A payload is validated before it reaches Redis, so a bad job
 * is a caller error now rather than a failed job later.
 */
export class JobProducers {
  readonly queues: Record<QueueName, Queue>;

  private readonly connection: Redis;

  constructor(connection: Redis, prefix: string) {
    this.connection = connection;
    this.queues = Object.fromEntries(
      queueNames.map((name) => {
        const queue = new Queue(name, { connection, prefix, defaultJobOptions: defaultJobOptions[name] });
        // BullMQ re-emits connection errors (e.g. "Connection is closed" when a process stops while
        // still connecting); unheard, an 'error' event would crash the process. Outages surface
        // through /health and through enqueue failures instead.
        queue.on('error', () => {});
        return [name, queue];
      }),
    ) as Record<QueueName, Queue>;
  }

  async enqueue<Q extends QueueName>(queue: Q, payload: JobInput<Q>, options: JobsOptions = {}) {
    const parsed = jobPayloadSchemas[queue].safeParse(payload);
    if (!parsed.success) {
      throw new JobPayloadError(
        queue,
        parsed.error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`),
      );
    }
    // BullMQ would wait for the connection to come back; a request (on a connection without an
    // offline queue, see createRedis) must not
    if (this.connection.options.enableOfflineQueue === false && this.connection.status !== 'ready') {
      throw new QueueUnavailableError(queue, `Redis is ${this.connection.status}`);
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.queues[queue].add(queue, parsed.data, options),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new QueueUnavailableError(queue, `Redis did not answer within ${ENQUEUE_TIMEOUT_MS} ms`),
              ),
            ENQUEUE_TIMEOUT_MS,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.all(
      Object.values(this.queues).map(async (queue) => {
        await queue.close();
        // BullMQ's close removes every listener of the queue's connection wrapper, but on a shared
        // connection it leaves an in-flight start-up (e.g. Redis dropped right after "ready")
        // running, whose failure it then emits as 'error': unheard, that is an unhandled rejection.
        (queue as unknown as { connection: EventEmitter }).connection.on('error', () => {});
      }),
    );
  }
}
