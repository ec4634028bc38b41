import { createLogger, type Env, type Logger, loadEnvOrExit, onShutdownSignal } from '@pbshop/config';
import type { Redis } from 'ioredis';
import { bullPrefix, createRedis } from './connection.ts';
import { startHeartbeat } from './heartbeat.ts';
import type { QueueName } from './names.ts';
import { type AnyQueueProcessor, type QueueProcessor, QueueWorker } from './worker.ts';

export interface ProcessorSet {
  processors: AnyQueueProcessor[];
  /** releases what the processors hold (clients, pools) after the workers stopped */
  close?(): Promise<void>;
}

export interface WorkerDeps {
  env: Env;
  logger: Logger;
  redis: Redis;
}

export interface RunningWorkers {
  queues: QueueName[];
  workers: QueueWorker[];
  close(): Promise<void>;
}

/** Starts a worker per processor plus the heartbeat; `close` is the graceful stop. */
export function startWorkers(service: string, deps: WorkerDeps, set: ProcessorSet): RunningWorkers {
  const prefix = bullPrefix(deps.env.REDIS_KEY_PREFIX);
  const workers: QueueWorker[] = set.processors.map(
    (processor) =>
      new QueueWorker<QueueName>(processor as QueueProcessor, {
        connection: deps.redis,
        prefix,
        logger: deps.logger,
      }),
  );
  const queues = workers.map((worker) => worker.queue);
  const heartbeat = startHeartbeat(deps.redis, deps.env.REDIS_KEY_PREFIX, {
    service,
    queues,
    intervalMs: deps.env.HEARTBEAT_INTERVAL_MS,
  });
  deps.logger.info({ queues }, 'consuming queues');
  return {
    queues,
    workers,
    async close() {
      await Promise.all(workers.map((worker) => worker.close(deps.env.SHUTDOWN_GRACE_MS)));
      await heartbeat.stop();
      await set.close?.();
    },
  };
}

/**
 * The whole life of a worker process: env, logger, Redis, workers, heartbeat, and a graceful
 * stop on SIGTERM. Every worker app's main.ts is this call with its processors.
 */
export async function runWorkerProcess(
  service: string,
  buildProcessors: (deps: WorkerDeps) => ProcessorSet | Promise<ProcessorSet>,
): Promise<void> {
  const env = loadEnvOrExit(service);
  const logger = createLogger(env, service);
  const redis = createRedis(env.REDIS_URL, 'worker');
  const deps = { env, logger, redis };
  const running = startWorkers(service, deps, await buildProcessors(deps));
  onShutdownSignal(logger, env.SHUTDOWN_GRACE_MS, async (_signal, progress) => {
    progress('finishing or releasing in-flight jobs');
    await running.close();
    progress('closing the Redis connection');
    await redis.quit().catch(() => redis.disconnect());
  });
  logger.info('ready');
}
