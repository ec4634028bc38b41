import type { Queue } from 'bullmq';
import { Gauge, type Registry } from 'prom-client';
import { readSource, sourceUpGauge } from './registry.ts';

export const queueStates = ['waiting', 'active', 'delayed', 'failed'] as const;

/**
 * `pbshop_queue_jobs{queue,state}`: the jobs of each queue by state, read from BullMQ on scrape.
 * A process reports the queues it consumes; replicas of one worker report the same numbers
 * (aggregate with `max by (queue, state)`).
 */
export function registerQueueDepth(registry: Registry, queues: Queue[]): void {
  if (queues.length === 0) return;
  sourceUpGauge(registry);
  new Gauge({
    name: 'pbshop_queue_jobs',
    help: 'Jobs in each queue by state (waiting, active, delayed, failed), read on scrape',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      await readSource(
        registry,
        'queues',
        () =>
          Promise.all(
            queues.map(async (queue) => [queue.name, await queue.getJobCounts(...queueStates)] as const),
          ),
        (counts) => {
          this.reset();
          for (const [queue, byState] of counts ?? []) {
            for (const state of queueStates) this.set({ queue, state }, byState[state] ?? 0);
          }
        },
      );
    },
  });
}
