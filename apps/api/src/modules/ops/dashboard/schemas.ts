import { z } from 'zod';
import { healthReport } from '../health/schemas.ts';
import { queueStats } from '../queues/schemas.ts';

export const alert = z.object({
  key: z
    .string()
    .describe(
      'health, searchSync, crawler, queue, partial_failure, or rollback:<signal> for a firing rollback signal',
    ),
  severity: z.enum(['warning', 'critical']),
  message: z.string(),
});

export const rollbackSignal = z.object({
  key: z
    .enum([
      'payment_order_failures',
      'search_error_rate',
      'price_comparison_error_rate',
      'failed_jobs_rising',
      'integrity_lowest_price',
      'integrity_outbox_stuck',
      'integrity_negative_stock',
    ])
    .describe('one criterion of the ops runbook §6'),
  firing: z.boolean().describe('the criterion holds now: roll back (runbook §6)'),
  evidence: z.string().describe('what was measured, and against which bound'),
});

export const searchSyncSummary = z.object({
  pending: z.number().int(),
  processing: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
});

export const crawlerSummary = z.object({
  totalRuns: z.number().int(),
  queuedRuns: z.number().int(),
  processingRuns: z.number().int(),
  successRuns: z.number().int(),
  failedRuns: z.number().int(),
  successRate: z.number(),
  latestRunAt: z.string().nullable(),
  latestSuccessAt: z.string().nullable(),
});

export const opsDashboardSummary = z.object({
  checkedAt: z.string(),
  overallStatus: z
    .enum(['up', 'degraded', 'down'])
    .describe(
      'degraded when a part could not be read (see errors); an unhealthy `health` does not change it',
    ),
  health: healthReport.nullable(),
  searchSync: searchSyncSummary.nullable(),
  crawler: crawlerSummary.nullable(),
  queue: queueStats.nullable(),
  errors: z.record(z.string(), z.string()).describe('why a part is null (or a signal not evaluated), by key'),
  alerts: z.array(alert),
  alertCount: z.number().int(),
  rollbackSignals: z.array(rollbackSignal).describe('the ops runbook §6 rollback criteria, evaluated now'),
});

export type OpsDashboardSummary = z.infer<typeof opsDashboardSummary>;
export type OpsAlert = z.infer<typeof alert>;
export type RollbackSignal = z.infer<typeof rollbackSignal>;
export type QueueStats = z.infer<typeof queueStats>;
export type CrawlerSummary = z.infer<typeof crawlerSummary>;
export type SearchSyncSummary = z.infer<typeof searchSyncSummary>;
