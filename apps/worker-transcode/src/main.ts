import { withWorkerMetrics } from '@pbshop/metrics';
import { runWorkerProcess } from '@pbshop/queues';
import { buildTranscodeProcessors } from './processor.ts';

// Prometheus on WORKER_TRANSCODE_METRICS_PORT (0: off): job runs, queue depth, breakers
await runWorkerProcess(
  'worker-transcode',
  withWorkerMetrics(
    'worker-transcode',
    { port: (env) => env.WORKER_TRANSCODE_METRICS_PORT },
    buildTranscodeProcessors,
  ),
);
