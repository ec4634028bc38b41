// a processor throws it for a failure no retry can fix (the job fails at once)
export { UnrecoverableError } from 'bullmq';
export { bullPrefix, createRedis, defineScript, type RedisRole } from './connection.ts';
export { listWorkerBeats, startHeartbeat, type WorkerBeat } from './heartbeat.ts';
export { defaultJobOptions } from './job-options.ts';
export { isQueueName, type QueueName, queueNames } from './names.ts';
export {
  activityLogPayload,
  crawlerCollectPayload,
  type JobInput,
  type JobPayload,
  jobPayloadSchemas,
  pushDeliveryPayload,
  pushTypes,
  searchIndexSyncPayload,
  videoTranscodePayload,
} from './payloads.ts';
export { JobPayloadError, JobProducers, QueueUnavailableError } from './producers.ts';
export {
  enqueueSearchWake,
  noSearchSync,
  SEARCH_OUTBOX_WAKE_ID,
  type SearchSyncSignal,
  type SearchWake,
  searchSyncSignal,
} from './search-sync.ts';
export {
  type AnyQueueProcessor,
  type ProcessorContext,
  type QueueProcessor,
  QueueWorker,
  type QueueWorkerOptions,
} from './worker.ts';
export {
  type ProcessorSet,
  type RunningWorkers,
  runWorkerProcess,
  startWorkers,
  type WorkerDeps,
} from './worker-process.ts';
