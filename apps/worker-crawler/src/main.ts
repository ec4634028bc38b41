import './gc-tuning.ts';
import { withWorkerMetrics } from '@pbshop/metrics';
import { runWorkerProcess } from '@pbshop/queues';
import { buildCrawlerProcessors } from './processor.ts';

// Prometheus on WORKER_CRAWLER_METRICS_PORT (0: off): job runs, queue depth, breakers
await runWorkerProcess(
  'worker-crawler',
  withWorkerMetrics(
    'worker-crawler',
    { port: (env) => env.WORKER_CRAWLER_METRICS_PORT },
    buildCrawlerProcessors,
  ),
);
