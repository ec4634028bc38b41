import { coalesced, type Logger } from '@pbshop/config';
import type { JobPayload } from './payloads.ts';
import type { JobProducers } from './producers.ts';

/**
 * The BullMQ deduplication id of the after-commit wake-up jobs of `search-index-sync`: a burst of
 * writes is one job until the worker takes it (it then drops the id, so a later write wakes again).
 */
export const SEARCH_OUTBOX_WAKE_ID = 'search-outbox-wake';

type WakeReason = Extract<
  JobPayload<'search-index-sync'>['reason'],
  'outbox-write' | 'requeue' | 'product-reindex'
>;

export interface SearchWake {
  reason?: WakeReason;
  productId?: number;
  requestId?: string;
}

/** Enqueues one (deduplicated) outbox drain on `search-index-sync`; throws while Redis is down. */
export function enqueueSearchWake(
  producers: JobProducers,
  { reason = 'outbox-write', productId, requestId }: SearchWake = {},
) {
  return producers.enqueue(
    'search-index-sync',
    { requestId: requestId ?? `${reason}-${Date.now()}`, reason, ...(productId ? { productId } : {}) },
    { deduplication: { id: SEARCH_OUTBOX_WAKE_ID } },
  );
}

/**
 * Wakes worker-search after a committed write that recorded search changes (the outbox rows are
 * already in PostgreSQL, so a lost wake-up only delays the sync until the worker's sweep). Never
 * throws: while Redis is down the request still succeeds.
 */
export interface SearchSyncSignal {
  wake(options?: SearchWake): Promise<void>;
}

export function searchSyncSignal(producers: JobProducers, logger: Logger): SearchSyncSignal {
  const send = async (wake: SearchWake = {}) => {
    try {
      await enqueueSearchWake(producers, wake);
    } catch (error) {
      logger.warn(
        { err: error },
        'search sync wake-up not enqueued; the outbox sweep will pick the change up',
      );
    }
  };
  // Plain outbox wake-ups share one enqueue while one is under way (each still gets one sent after
  // its commit); BullMQ would drop them anyway as one deduplicated job, after a round trip each.
  const outboxWrite = coalesced(() => send());
  return {
    wake: (options = {}) =>
      (options.reason ?? 'outbox-write') === 'outbox-write' && !options.productId && !options.requestId
        ? outboxWrite()
        : send(options),
  };
}

/** For code that writes no search changes (benchmarks, read-only services). */
export const noSearchSync: SearchSyncSignal = { wake: async () => {} };
