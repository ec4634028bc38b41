import type { AnyQueueProcessor, ProcessorContext, ProcessorSet } from '@pbshop/queues';
import { Counter, Histogram, type Registry } from 'prom-client';

/** How a job run ended: done, thrown (BullMQ retries or fails it), or handed back by a shutdown. */
export type JobResult = 'completed' | 'failed' | 'released';

export interface JobMetrics {
  observe(queue: string, result: JobResult, seconds: number): void;
}

/**
 * `pbshop_jobs_total{queue,result}` and `pbshop_job_duration_seconds{queue,result}`: every run of
 * a processor this process runs (a retry is a run of its own). A payload refused by its schema
 * fails before the processor runs and is not counted here (the queue's failed count shows it).
 */
export function jobMetrics(registry: Registry): JobMetrics {
  const runs = new Counter({
    name: 'pbshop_jobs_total',
    help: 'Job runs by queue and result (completed, failed, released back to the queue by a shutdown)',
    labelNames: ['queue', 'result'],
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'pbshop_job_duration_seconds',
    help: 'Job run duration by queue and result',
    labelNames: ['queue', 'result'],
    // crawls take up to seconds, transcodes minutes
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  return {
    observe(queue, result, seconds) {
      runs.inc({ queue, result });
      durations.observe({ queue, result }, seconds);
    },
  };
}

/** The same processors, each run timed and counted by result. */
export function instrumentProcessors(set: ProcessorSet, metrics: JobMetrics): ProcessorSet {
  return {
    ...set,
    processors: set.processors.map(
      (processor) =>
        ({
          ...processor,
          async process(payload: never, context: ProcessorContext) {
            const started = performance.now();
            const seconds = () => (performance.now() - started) / 1000;
            try {
              const run = processor.process as (p: never, c: ProcessorContext) => Promise<unknown>;
              const result = await run(payload, context);
              metrics.observe(processor.queue, 'completed', seconds());
              return result;
            } catch (error) {
              metrics.observe(processor.queue, context.signal.aborted ? 'released' : 'failed', seconds());
              throw error;
            }
          },
        }) as AnyQueueProcessor,
    ),
  };
}
