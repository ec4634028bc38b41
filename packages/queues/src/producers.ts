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

/**
 * Typed producers for every queue. A payload is validated before it reaches Redis, so a bad job
 * is a caller error now rather than a failed job later.
 */
export class JobProducers {
  readonly queues: Record<QueueName, Queue>;

  constructor(connection: Redis, prefix: string) {
    this.queues = Object.fromEntries(
      queueNames.map((name) => [
        name,
        new Queue(name, { connection, prefix, defaultJobOptions: defaultJobOptions[name] }),
      ]),
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
    return this.queues[queue].add(queue, parsed.data, options);
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((queue) => queue.close()));
  }
}
