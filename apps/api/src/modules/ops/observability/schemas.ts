import { z } from 'zod';

const statusBuckets = z.object({
  s2xx: z.number().int(),
  s3xx: z.number().int(),
  s4xx: z.number().int(),
  s5xx: z.number().int(),
});

const latencyFigures = {
  totalRequests: z.number().int(),
  errorRequests: z.number().int().describe('answers with status ≥ 400'),
  errorRate: z.number().describe('errorRequests / totalRequests, 4 decimals'),
  avgLatencyMs: z.number(),
  p50LatencyMs: z
    .number()
    .describe('nearest-rank percentiles, read from a latency histogram (see the runbook)'),
  p95LatencyMs: z.number(),
  p99LatencyMs: z.number(),
  maxLatencyMs: z.number(),
  statusBuckets,
};

export const routeFigures = z.object({
  method: z.string().describe('"*" for the bucket of requests that matched no route'),
  route: z.string().describe('the route template; "(unmatched)" for requests that matched no route'),
  ...latencyFigures,
});

export const metricsSummary = z.object({
  ...latencyFigures,
  windowMinutes: z.number().int(),
  from: z.string().describe('start of the oldest minute counted'),
  to: z.string(),
  scope: z
    .enum(['cluster', 'replica'])
    .describe(
      'cluster: every API replica, summed in Redis; replica: Redis did not answer, this process only',
    ),
  error: z.string().nullable(),
  replica: z.string().describe('the API process that answered (host:pid)'),
  routes: z.array(routeFigures).describe('busiest first'),
});

export const metricsQuery = z.object({
  route: z
    .string()
    .max(300)
    .optional()
    .describe('only this route template (e.g. /api/v1/products/:id), every method'),
});

export const traceItem = z.object({
  requestId: z.string(),
  method: z.string(),
  path: z.string().describe('without the query string'),
  route: z.string().nullable(),
  statusCode: z.number().int(),
  durationMs: z.number(),
  ip: z.string().nullable(),
  userId: z.number().int().nullable(),
  timestamp: z.string(),
});

export const tracesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  pathContains: z.string().max(200).optional().describe('case-insensitive substring of the path'),
});

export const tracesResult = z.object({
  items: z.array(traceItem).describe('newest first'),
  replica: z.string().describe('traces are kept per API process: the one that answered (host:pid)'),
  bufferLimit: z.number().int(),
  buffered: z.number().int(),
});

const counts = z.object({
  waiting: z.number().int(),
  active: z.number().int(),
  delayed: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
});

const breakerOptions = z.object({
  failureThreshold: z.number(),
  openTimeoutMs: z.number(),
  halfOpenSuccessThreshold: z.number(),
});

export const dashboard = z.object({
  checkedAt: z.string(),
  replica: z.string(),
  process: z.object({
    uptimeSec: z.number().int(),
    memory: z.object({
      rss: z.number(),
      heapTotal: z.number(),
      heapUsed: z.number(),
      external: z.number(),
      arrayBuffers: z.number(),
    }),
  }),
  metrics: metricsSummary.nullable(),
  queue: z
    .object({
      items: z.array(z.object({ queueName: z.string(), paused: z.boolean(), counts })),
      total: z.number().int(),
    })
    .nullable(),
  resilience: z
    .object({
      circuits: z.array(
        z.object({
          name: z.string(),
          status: z.enum(['CLOSED', 'OPEN', 'HALF_OPEN']),
          failureCount: z.number().int(),
          successCount: z.number().int(),
          nextAttemptAt: z.string().nullable(),
          lastFailureReason: z.string().nullable(),
          options: breakerOptions,
          service: z.string(),
          instance: z.string(),
        }),
      ),
      adaptivePolicies: z.array(
        z.object({
          name: z.string(),
          options: breakerOptions,
          stats: z.object({ success: z.number(), failure: z.number(), lastTunedAt: z.number() }),
        }),
      ),
    })
    .nullable(),
  searchSync: z
    .object({
      pending: z.number().int(),
      processing: z.number().int(),
      completed: z.number().int(),
      failed: z.number().int(),
    })
    .nullable(),
  crawler: z
    .object({
      totalRuns: z.number().int(),
      queuedRuns: z.number().int(),
      processingRuns: z.number().int(),
      successRuns: z.number().int(),
      failedRuns: z.number().int(),
      successRate: z.number(),
      latestRunAt: z.string().nullable(),
      latestSuccessAt: z.string().nullable(),
    })
    .nullable(),
  opsSummary: z.record(z.string(), z.unknown()).nullable(),
  errors: z.record(z.string(), z.string()).describe('why a part is null, by part'),
});
