import { withWorkerMetrics } from '@pbshop/metrics';
import { runWorkerProcess } from '@pbshop/queues';
import { buildSearchProcessors } from './processor.ts';

// the processors enqueue their own bootstrap job and sweep schedule once Redis answers
// Prometheus on WORKER_SEARCH_METRICS_PORT (0: off): job runs, queue depth, breakers and the outbox backlog
await runWorkerProcess(
  'worker-search',
  withWorkerMetrics(
    'worker-search',
    { port: (env) => env.WORKER_SEARCH_METRICS_PORT, searchOutbox: true },
    buildSearchProcessors,
  ),
);
