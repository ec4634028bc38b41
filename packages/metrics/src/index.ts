export { registerBreakerStates } from './breakers.ts';
export { instrumentProcessors, type JobMetrics, type JobResult, jobMetrics } from './job-metrics.ts';
export { orderLockHold } from './order-locks.ts';
export { queueStates, registerQueueDepth } from './queue-depth.ts';
export {
  createMetricsRegistry,
  type HttpRequestDuration,
  type Registry,
  registerHttpRequestDuration,
  SOURCE_TIMEOUT_MS,
  sourceUpGauge,
  within,
} from './registry.ts';
export { registerSearchOutbox } from './search-outbox.ts';
export { bearerMatches, type MetricsServer, startMetricsServer } from './server.ts';
export {
  breakersOfThisProcess,
  consumedQueues,
  type WorkerMetricsOptions,
  withWorkerMetrics,
} from './worker.ts';
