import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';

const isoDate = z.string();

export const reindexRun = z.object({
  id: entityId,
  status: z.enum(['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED']),
  /** the index the run builds (`<alias>-v<N>`); null until it starts */
  targetIndex: z.string().nullable(),
  /** the index(es) the alias pointed at when it started, comma-separated */
  previousIndex: z.string().nullable(),
  totalProducts: z.number().int().nullable(),
  indexedProducts: z.number().int(),
  progressPercent: z.number().int().min(0).max(100),
  /** why it FAILED and what to do next (or a note on a COMPLETED run) */
  error: z.string().nullable(),
  requestedBy: entityId.nullable(),
  startedAt: isoDate.nullable(),
  finishedAt: isoDate.nullable(),
  createdAt: isoDate,
});
export type ReindexRun = z.infer<typeof reindexRun>;

export const outboxSummary = z.object({
  pending: z.number().int(),
  processing: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
  oldestPendingAgeSeconds: z.number().int().nullable(),
  lastProcessedAt: isoDate.nullable(),
});
export type OutboxSummaryResponse = z.infer<typeof outboxSummary>;

export const indexStatus = z.object({
  /** the read alias searches use */
  alias: z.string(),
  /** the concrete index behind it; null when it does not exist or OpenSearch is down */
  index: z.string().nullable(),
  exists: z.boolean(),
  /** documents in the index; null while OpenSearch does not answer */
  documentCount: z.number().int().nullable(),
  /** live products that are not HIDDEN (PostgreSQL): what the index should hold */
  productCount: z.number().int(),
  /** productCount − documentCount when positive */
  missingDocuments: z.number().int().nullable(),
  analyzer: z.enum(['nori', 'cjk']).nullable(),
  /** `_meta.mappingVersion` of the live index (0: from before versions) */
  mappingVersion: z.number().int().nullable(),
  /** the mapping version of this code; a lower `mappingVersion` needs a full reindex */
  latestMappingVersion: z.number().int(),
  /** when an outbox row was last synced */
  lastSyncAt: isoDate.nullable(),
  outboxLag: z.object({
    pending: z.number().int(),
    oldestPendingAgeSeconds: z.number().int().nullable(),
  }),
  /** the latest full reindex with its progress */
  reindex: reindexRun.nullable(),
  /** why the index could not be read (OpenSearch down, alias missing) */
  error: z.string().nullable(),
});
export type IndexStatus = z.infer<typeof indexStatus>;

export const requeueQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const requeueResult = z.object({ requeuedCount: z.number().int() });

export const productIdParams = z.object({ id: entityIdText });

export const productReindexResult = z.object({ message: z.string(), productId: entityId });

export const fullReindexResult = z.object({
  message: z.string(),
  queued: z.literal(true),
  jobId: z.string(),
  runId: entityId,
});
