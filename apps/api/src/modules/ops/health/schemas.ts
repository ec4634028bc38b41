import { z } from 'zod';

export const checkStatus = z.enum(['up', 'down', 'unknown']);

export const dependencyCheck = z.object({
  status: checkStatus,
  latencyMs: z.number(),
  message: z.string().optional(),
});

export const workerInstance = z.object({
  service: z.string(),
  instance: z.string(),
  queues: z.array(z.string()),
  startedAt: z.string(),
  beatAt: z.string(),
});

export const healthReport = z.object({
  status: z.enum(['up', 'degraded', 'down']),
  checks: z.object({
    database: dependencyCheck,
    redis: dependencyCheck,
    opensearch: dependencyCheck,
    storage: dependencyCheck,
    ffmpeg: dependencyCheck,
  }),
  workers: z.object({
    instances: z.array(workerInstance),
    /** queues that no live process consumes: their jobs wait until a worker starts */
    unconsumedQueues: z.array(z.string()),
  }),
  checkedAt: z.string(),
});

export const healthResponse = z.object({
  success: z.boolean(),
  data: healthReport,
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  requestId: z.string().optional(),
});

export const liveResponse = z.object({ status: z.literal('up') });

export type DependencyCheck = z.infer<typeof dependencyCheck>;
export type HealthReport = z.infer<typeof healthReport>;
