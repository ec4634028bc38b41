import { entityId } from '@pbshop/config';
import { z } from 'zod';
import type { QueueName } from './names.ts';

// Every job carries the id of the request that caused it, so its logs join the request's.
const jobBase = z.object({ requestId: z.string().min(1).max(200) });

export const activityLogPayload = jobBase.extend({
  type: z.string().min(1).max(64),
  userId: entityId.optional(),
  occurredAt: z.iso.datetime({ offset: true }),
  data: z.record(z.string(), z.unknown()).default({}),
});

/** a storage key as @pbshop/storage takes it: relative segments, none starting with a dot (no `..`) */
const storageKey = z
  .string()
  .max(512)
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/, 'must be a relative storage key');

/**
 * Transcode a short-form's uploaded video (`sourceKey` in the storage, local or S3) into its MP4,
 * HLS and poster renditions; worker-transcode writes the outcome to the shortform's row.
 */
export const videoTranscodePayload = jobBase.extend({
  shortformId: entityId,
  sourceKey: storageKey,
});

/**
 * runId: run that crawler run (a manual run or trigger, recorded QUEUED by the API); jobId: a
 * scheduled firing of that crawler job (the worker records its run); url: fetch one page only.
 */
export const crawlerCollectPayload = jobBase
  .extend({
    url: z.url({ protocol: /^https?$/ }).optional(),
    sellerId: entityId.optional(),
    runId: entityId.optional(),
    jobId: entityId.optional(),
  })
  .refine(
    (payload) =>
      [payload.url, payload.runId, payload.jobId].filter((value) => value !== undefined).length === 1,
    { message: 'a crawler-collect job names exactly one of url, runId and jobId', path: ['runId'] },
  );

/**
 * bootstrap: make sure the index exists (and start a full reindex when its mapping is outdated);
 * outbox-write / requeue / retry: drain the outbox (after a write, a requeue, or when backed-off
 * rows are due); product-reindex: drain after an admin's single-product reindex row; sweep: the
 * periodic drain, prune and check of reindex runs; full-reindex: run `runId`.
 */
export const searchIndexSyncPayload = jobBase
  .extend({
    reason: z.enum([
      'bootstrap',
      'outbox-write',
      'requeue',
      'retry',
      'product-reindex',
      'sweep',
      'full-reindex',
    ]),
    productId: entityId.optional(),
    runId: entityId.optional(),
  })
  .refine((payload) => payload.reason !== 'full-reindex' || payload.runId !== undefined, {
    message: 'a full-reindex job names its runId',
    path: ['runId'],
  });

/** The kinds of push a member can switch off one by one (push_preferences). */
export const pushTypes = ['PRICE_ALERT', 'ORDER_STATUS', 'CHAT_MESSAGE', 'DEAL'] as const;

/**
 * Send one notification to one push subscription (web-push, VAPID, aes128gcm). The whole message
 * is encrypted into one push record, so its parts are bounded to stay under the push services'
 * 4 KB payload limit.
 */
export const pushDeliveryPayload = jobBase.extend({
  subscriptionId: entityId,
  type: z.enum(pushTypes),
  notification: z.object({
    title: z.string().min(1).max(200),
    body: z.string().max(1000),
    url: z.string().max(1000).optional(),
    iconUrl: z.string().max(1000).optional(),
    data: z.record(z.string(), z.unknown()).optional(),
  }),
});

export const jobPayloadSchemas = {
  'activity-log': activityLogPayload,
  'video-transcode': videoTranscodePayload,
  'crawler-collect': crawlerCollectPayload,
  'search-index-sync': searchIndexSyncPayload,
  'push-delivery': pushDeliveryPayload,
} as const satisfies Record<QueueName, z.ZodType>;

/** What a producer passes in (defaults not yet applied). */
export type JobInput<Q extends QueueName> = z.input<(typeof jobPayloadSchemas)[Q]>;
/** What a processor receives (validated, defaults applied). */
export type JobPayload<Q extends QueueName> = z.output<(typeof jobPayloadSchemas)[Q]>;
