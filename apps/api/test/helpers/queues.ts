// Real jobs in the real queues, and real BullMQ workers (@pbshop/queues' QueueWorker) whose
// processors fail on purpose: for the queue admin API, its UI and the client contract test.
// A job's fate is written in its requestId: `fail-…` fails every attempt, `flaky-…` fails its first
// attempt only, `hold-…` runs until the test releases it, anything else succeeds.
import { randomBytes } from 'node:crypto';
import {
  type AnyQueueProcessor,
  type JobInput,
  type ProcessorContext,
  type QueueName,
  queueNames,
  type RunningWorkers,
  startWorkers,
} from '@pbshop/queues';
import { waitFor } from '@pbshop/testing';
import type { ApiDeps } from '../../src/deps.ts';

export type JobFate = 'fail' | 'flaky' | 'hold' | 'ok';

const MARKED_FAILURE = 'marked to fail by the test';

/** A valid payload for a queue, with the fate in its requestId. */
export function payloadFor(queue: QueueName, requestId: string): JobInput<QueueName> {
  switch (queue) {
    case 'activity-log':
      return { requestId, type: 'queue-admin-test', occurredAt: new Date().toISOString() };
    case 'video-transcode':
      return { requestId, shortformId: 1, sourceKey: 'shortforms/1/source.mp4' };
    case 'crawler-collect':
      return { requestId, url: 'https://shop.example.com/items/1' };
    case 'search-index-sync':
      return { requestId, reason: 'sweep' };
    case 'push-delivery':
      return {
        requestId,
        subscriptionId: 1,
        type: 'DEAL',
        notification: { title: 'queue admin test', body: '' },
      };
  }
}

/** Processors for every queue that do what each job's requestId says. */
function markedProcessors(held: Set<() => void>, queues: readonly QueueName[]): AnyQueueProcessor[] {
  return queues.map(
    (queue) =>
      ({
        queue,
        concurrency: 2,
        async process(payload: { requestId: string }, { job, signal }: ProcessorContext) {
          const fate = payload.requestId.split('-', 1)[0];
          if (fate === 'fail' || (fate === 'flaky' && job.attemptsMade === 0)) {
            throw new Error(`${MARKED_FAILURE} (${payload.requestId})`);
          }
          if (fate === 'hold') {
            await new Promise<void>((resolve) => {
              const release = () => {
                held.delete(release);
                resolve();
              };
              held.add(release);
              signal.addEventListener('abort', release, { once: true });
            });
          }
          return { done: true };
        },
      }) as AnyQueueProcessor,
  );
}

export interface TestWorkers {
  running: RunningWorkers;
  /** lets every `hold-` job that is running finish */
  releaseHeld(): void;
  close(): Promise<void>;
}

/** One worker per queue (every queue unless told), with a heartbeat under `service`, on the app's worker connection. */
export function startMarkedWorkers(
  deps: ApiDeps,
  {
    service = 'queue-admin-test',
    queues = queueNames,
  }: { service?: string; queues?: readonly QueueName[] } = {},
): TestWorkers {
  const held = new Set<() => void>();
  const running = startWorkers(
    service,
    { env: deps.env, logger: deps.logger, redis: deps.workerRedis },
    { processors: markedProcessors(held, queues) },
  );
  return {
    running,
    releaseHeld: () => {
      for (const release of [...held]) release();
    },
    close: () => running.close(),
  };
}

let serial = 0;

/** Adds one job whose fate is `fate` (one attempt: a failure is final until retried). */
export async function addJob(deps: ApiDeps, queue: QueueName, fate: JobFate): Promise<string> {
  serial += 1;
  const requestId = `${fate}-${serial}-${randomBytes(3).toString('hex')}`;
  const job = await deps.producers.enqueue(queue, payloadFor(queue, requestId) as never, { attempts: 1 });
  return String(job.id);
}

export const jobState = (deps: ApiDeps, queue: QueueName, jobId: string) =>
  deps.producers.queues[queue].getJobState(jobId);

/** Waits until the job is in `state` (a worker must be running for anything but waiting). */
export function untilState(
  deps: ApiDeps,
  queue: QueueName,
  jobId: string,
  state: string,
  timeoutMs = 30_000,
) {
  return waitFor(
    `${queue} job ${jobId} ${state}`,
    async () => (await jobState(deps, queue, jobId)) === state,
    timeoutMs,
  );
}

/** Adds a job with that fate and waits for it to fail (or, for `ok`, to complete). */
export async function settledJob(
  deps: ApiDeps,
  queue: QueueName,
  fate: 'fail' | 'flaky' | 'ok',
): Promise<string> {
  const jobId = await addJob(deps, queue, fate);
  await untilState(deps, queue, jobId, fate === 'ok' ? 'completed' : 'failed');
  return jobId;
}

/**
 * One failed job in `queue` with no worker left behind: a worker runs just long enough to fail it
 * (for files that run no workers of their own, such as the client contract test).
 */
export async function failedJob(deps: ApiDeps, queue: QueueName): Promise<string> {
  const workers = startMarkedWorkers(deps, { service: 'failed-job-fixture', queues: [queue] });
  try {
    return await settledJob(deps, queue, 'fail');
  } finally {
    await workers.close();
  }
}

/** Empties the failed set of every queue, so a test counts only its own failures. */
export async function clearFailed(deps: ApiDeps): Promise<void> {
  for (const queue of queueNames) await deps.producers.queues[queue].clean(0, 10_000, 'failed');
}

export { MARKED_FAILURE };
