import { hostname } from 'node:os';
import type { Env } from '@pbshop/config';
import { createDatabase, type DatabaseHandle } from '@pbshop/db';
import { bullPrefix, type ProcessorSet, type WorkerDeps } from '@pbshop/queues';
import { type BreakerSnapshot, ResilienceRegistry } from '@pbshop/resilience';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { registerBreakerStates } from './breakers.ts';
import { instrumentProcessors, jobMetrics } from './job-metrics.ts';
import { registerQueueDepth } from './queue-depth.ts';
import { createMetricsRegistry } from './registry.ts';
import { registerSearchOutbox } from './search-outbox.ts';
import { startMetricsServer } from './server.ts';

const thisProcess = `${hostname()}:${process.pid}`;

/**
 * The breakers of this process, from the snapshots every resilience registry publishes to Redis
 * (a process may hold several registries: the API's, and the processors' when it runs them).
 */
export function breakersOfThisProcess(
  redis: Redis,
  keyPrefix: string,
  logger: WorkerDeps['logger'],
): () => Promise<BreakerSnapshot[]> {
  const published = new ResilienceRegistry({ service: 'metrics', logger, redis, keyPrefix });
  return async () =>
    (await published.publishedSnapshots()).filter((snapshot) => snapshot.instance === thisProcess);
}

/** Queue handles to read the depth of the queues `set` consumes; `close` releases them. */
export function consumedQueues(set: ProcessorSet, redis: Redis, keyPrefix: string) {
  const names = [...new Set(set.processors.map((processor) => processor.queue))];
  const queues = names.map((name) => {
    const queue = new Queue(name, { connection: redis, prefix: bullPrefix(keyPrefix) });
    // outages surface as pbshop_metrics_source_up{source="queues"} 0, not as an unheard 'error'
    queue.on('error', () => {});
    return queue;
  });
  return { queues, close: () => Promise.allSettled(queues.map((queue) => queue.close())) };
}

export interface WorkerMetricsOptions {
  /** this worker's metrics port from the env; 0 turns its metrics off */
  port: (env: Env) => number;
  /** also export the search outbox backlog (the worker that drains it) */
  searchOutbox?: boolean;
}

/**
 * A worker's processors with Prometheus metrics: job runs and durations per queue and result,
 * depth of the queues it consumes, its breakers' states, default process metrics (and, for
 * worker-search, the outbox backlog), served on `GET /metrics` of the worker's own port.
 */
export function withWorkerMetrics(
  service: string,
  options: WorkerMetricsOptions,
  build: (deps: WorkerDeps) => ProcessorSet | Promise<ProcessorSet>,
): (deps: WorkerDeps) => Promise<ProcessorSet> {
  return async (deps) => {
    const set = await build(deps);
    const port = options.port(deps.env);
    if (port === 0) return set;
    const { env, redis, logger } = deps;
    const registry: Registry = createMetricsRegistry(service);
    const instrumented = instrumentProcessors(set, jobMetrics(registry));
    const consumed = consumedQueues(set, redis, env.REDIS_KEY_PREFIX);
    registerQueueDepth(registry, consumed.queues);
    registerBreakerStates(registry, breakersOfThisProcess(redis, env.REDIS_KEY_PREFIX, logger));
    let outboxDatabase: DatabaseHandle | undefined;
    if (options.searchOutbox) {
      outboxDatabase = createDatabase(env.DATABASE_URL, { max: 1, applicationName: `${service}-metrics` });
      registerSearchOutbox(registry, outboxDatabase.db);
    }
    const server = await startMetricsServer({ registry, host: env.HOST, port, token: env.METRICS_TOKEN });
    logger.info({ port: server.port, tokenRequired: Boolean(env.METRICS_TOKEN) }, 'metrics listening');
    return {
      ...instrumented,
      async close() {
        await instrumented.close?.();
        await server.close();
        await consumed.close();
        await outboxDatabase?.close();
      },
    };
  };
}
