import type { Database } from '@pbshop/db';
import { sql } from 'drizzle-orm';
import type { SearchClient } from './client.ts';
import { loadProductDocuments } from './documents.ts';
import {
  claimOutboxRows,
  completeOutboxRows,
  type Executor,
  failExhaustedLeases,
  failOutboxRows,
  type OutboxRow,
  releaseOutboxRows,
} from './outbox.ts';
import { projectProducts } from './query-view.ts';
import { activeBuildAlias } from './reindex-runs.ts';

/**
 * Runs one OpenSearch call under the caller's policy (the `search` breaker of the resilience
 * registry): retries, timeout and breaker; the signal aborts the request.
 */
export type SearchCall = <T>(call: (signal: AbortSignal) => Promise<T>) => Promise<T>;

export interface SyncContext {
  db: Database;
  client: SearchClient;
  call: SearchCall;
}

/** Where a sync writes: the read alias, and while a full reindex runs, the alias of the index it builds. */
export interface SyncTargets {
  alias: string;
  buildAlias?: string | null;
}

export interface SyncOutcome {
  indexed: number;
  removed: number;
  /** writes refused because the index already holds a newer version: fine, nothing to do */
  stale: number;
  /** product id → why its write failed */
  failures: Map<number, string>;
}

// advisory lock namespace of index document writes (the second key is taken from the product id)
const DOCUMENT_LOCK_NAMESPACE = 75_031_001;
/** products per locking transaction: bounds the advisory locks one transaction holds */
const LOCK_CHUNK = 500;

/** A 32-bit lock key from the product id (its low 32 bits; a collision only serialises). */
function lockKey(productId: number): number {
  return productId | 0;
}

/**
 * Aborts the OpenSearch request when the signal fires (the policy's timeout or a shutdown).
 * The client's promises carry an `abort()`.
 */
export function abortable<T>(signal: AbortSignal, request: Promise<T> & { abort(): void }): Promise<T> {
  const abort = () => {
    try {
      request.abort();
    } catch {
      // the client throws when the request failed already; a throw here would crash the process
    }
    // and nothing is returned: abort() returns the request's thenable, and a thenable an abort
    // listener returns that rejects (it does: aborted) is an uncaught exception too
  };
  if (signal.aborted) {
    abort();
    return request;
  }
  // the policy aborts its signal when an attempt ends, also after a failure: listen only meanwhile
  signal.addEventListener('abort', abort, { once: true });
  return request.finally(() => signal.removeEventListener('abort', abort));
}

/**
 * Writes the current PostgreSQL state of the given products into the index. Per chunk, in one
 * transaction: advisory locks on the products (sorted keys, so two syncs never deadlock), the
 * documents read, versions taken from `search_document_version_seq`, one bulk request with
 * external versions, and every item's result checked. The lock is held from the read to the
 * write, so a later read of a product always carries a higher version than an earlier one, and
 * OpenSearch refuses an older document over a newer one whatever order the writes arrive in.
 */
export async function syncProducts(
  context: SyncContext,
  productIds: number[],
  targets: SyncTargets,
): Promise<SyncOutcome> {
  const outcome: SyncOutcome = { indexed: 0, removed: 0, stale: 0, failures: new Map() };
  const ids = [...new Set(productIds)];
  for (let start = 0; start < ids.length; start += LOCK_CHUNK) {
    const chunk = ids.slice(start, start + LOCK_CHUNK);
    await context.db.transaction(async (tx) => {
      await lockProducts(tx, chunk);
      await writeDocuments(context, tx, chunk, targets, outcome);
    });
  }
  return outcome;
}

async function lockProducts(tx: Executor, productIds: number[]): Promise<void> {
  const keys = [...new Set(productIds.map(lockKey))].sort((a, b) => a - b);
  // volatile functions in the select list run after the ORDER BY: the locks are taken in key order
  await tx.execute(sql`
    select pg_advisory_xact_lock(${DOCUMENT_LOCK_NAMESPACE}, key)
    from unnest(${sql.param(keys)}::int4[]) with ordinality as keys(key, position)
    order by position`);
}

async function takeVersions(tx: Executor, count: number): Promise<number[]> {
  if (count === 0) return [];
  const rows = await tx.execute<{ version: string | number }>(
    sql`select nextval('search_document_version_seq') as version from generate_series(1, ${count})`,
  );
  return [...rows].map((row) => Number(row.version));
}

async function writeDocuments(
  context: SyncContext,
  tx: Executor,
  productIds: number[],
  targets: SyncTargets,
  outcome: SyncOutcome,
): Promise<void> {
  const { documents, removedIds } = await loadProductDocuments(tx, productIds);
  const versions = await takeVersions(tx, documents.length + removedIds.length);
  const indexes = [
    { name: targets.alias, build: false },
    ...(targets.buildAlias ? [{ name: targets.buildAlias, build: true }] : []),
  ];
  const body: Record<string, unknown>[] = [];
  // what each bulk item is about, in request order (the response keeps it)
  const operations: { productId: number; build: boolean; remove: boolean }[] = [];
  let next = 0;
  for (const document of documents) {
    const version = versions[next++]!;
    for (const index of indexes) {
      body.push(
        {
          index: {
            _index: index.name,
            _id: document.productId,
            version,
            version_type: 'external',
            // never let a write auto-create an index named like the alias
            require_alias: true,
          },
        },
        document as unknown as Record<string, unknown>,
      );
      operations.push({ productId: document.productId, build: index.build, remove: false });
    }
  }
  for (const id of removedIds) {
    const version = versions[next++]!;
    for (const index of indexes) {
      body.push({ delete: { _index: index.name, _id: id, version, version_type: 'external' } });
      operations.push({ productId: id, build: index.build, remove: true });
    }
  }
  if (body.length === 0) return;
  const response = await context.call((signal) => abortable(signal, context.client.bulk({ body })));
  const items = response.body.items ?? [];
  if (items.length !== operations.length) {
    throw new Error(`bulk answered ${items.length} items for ${operations.length} operations`);
  }
  items.forEach((item, position) => {
    const operation = operations[position]!;
    const result = item.index ?? item.delete ?? item.create ?? item.update;
    if (!result) {
      outcome.failures.set(operation.productId, 'bulk item without a result');
      return;
    }
    const errorType = result.error?.type;
    if (result.status < 300 || (operation.remove && result.status === 404 && !result.error)) {
      // a delete of a document that is not there (never indexed, or gone already) is done too
      if (operation.build) return;
      if (operation.remove) outcome.removed++;
      else outcome.indexed++;
    } else if (errorType === 'version_conflict_engine_exception') {
      // the index already holds this version or a newer one
      if (!operation.build) outcome.stale++;
    } else if (operation.build && errorType === 'index_not_found_exception') {
      // the reindex ended (its index swapped in or dropped) since this batch looked
    } else {
      const reason = `${errorType ?? `status ${result.status}`}: ${result.error?.reason ?? ''}`;
      outcome.failures.set(operation.productId, `${result._index}: ${reason}`.trim());
    }
  });
}

export interface DrainOptions {
  alias: string;
  workerId: string;
  batchSize: number;
  /** batches per call at most; the caller schedules another drain when it is reached */
  maxBatches: number;
  leaseMs: number;
  maxAttempts: number;
  backoffMs: number;
  signal?: AbortSignal;
  /**
   * How long OpenSearch is known to be unavailable (the `search` breaker is open), 0 when it may be
   * called: while it is, no rows are claimed, so no attempts are spent on calls bound to fail.
   */
  pausedForMs?(): number;
  /** each synced batch, for logs and tests */
  onBatch?(batch: { rows: OutboxRow[]; outcome: SyncOutcome | null; error?: string }): void;
}

export interface DrainResult {
  batches: number;
  completed: number;
  failed: number;
  /** true when `maxBatches` was reached with rows possibly left */
  more: boolean;
  /** set when a batch failed as a whole (OpenSearch down, breaker open): draining stopped there */
  error?: string;
  /** > 0 when draining stopped because the breaker is open: try again after this long */
  pausedMs: number;
}

/**
 * Drains the outbox: claims due rows in batches, refreshes their products' read model rows
 * (`projectProducts`), syncs their products (coalesced: one document
 * write per product, however many rows it has), and marks the rows COMPLETED, or backs them off /
 * FAILS them. Stops when nothing is due, after `maxBatches`, on a whole-batch failure, while the
 * breaker is open (`pausedMs`), or when the signal aborts (the claimed batch is released without
 * spending an attempt).
 */
export async function drainOutbox(context: SyncContext, options: DrainOptions): Promise<DrainResult> {
  const result: DrainResult = { batches: 0, completed: 0, failed: 0, more: false, pausedMs: 0 };
  const failOptions = {
    workerId: options.workerId,
    maxAttempts: options.maxAttempts,
    backoffMs: options.backoffMs,
  };
  while (!options.signal?.aborted) {
    if (result.batches >= options.maxBatches) {
      result.more = true;
      break;
    }
    result.pausedMs = options.pausedForMs?.() ?? 0;
    if (result.pausedMs > 0) break;
    await failExhaustedLeases(context.db, options.maxAttempts);
    const rows = await claimOutboxRows(context.db, {
      limit: options.batchSize,
      leaseMs: options.leaseMs,
      workerId: options.workerId,
    });
    if (rows.length === 0) break;
    result.batches++;
    const ids = rows.map((row) => row.id);
    let outcome: SyncOutcome;
    try {
      // the read model follows the same changes; first, so an OpenSearch failure does not hold it back
      await projectProducts(
        context.db,
        rows.map((row) => row.productId),
      );
      // read after the claim: a row committed after a reindex started is written into its index too
      const buildAlias = await activeBuildAlias(context.db, options.alias);
      outcome = await syncProducts(
        context,
        rows.map((row) => row.productId),
        { alias: options.alias, buildAlias },
      );
    } catch (error) {
      if (options.signal?.aborted) {
        await releaseOutboxRows(context.db, ids, options.workerId);
        break;
      }
      const message = error instanceof Error ? error.message : String(error);
      await failOutboxRows(context.db, ids, message, failOptions);
      result.failed += ids.length;
      result.error = message;
      options.onBatch?.({ rows, outcome: null, error: message });
      break;
    }
    const failedRows = rows.filter((row) => outcome.failures.has(row.productId));
    const doneIds = rows.filter((row) => !outcome.failures.has(row.productId)).map((row) => row.id);
    await completeOutboxRows(context.db, doneIds, options.workerId);
    for (const row of failedRows) {
      await failOutboxRows(context.db, [row.id], outcome.failures.get(row.productId)!, failOptions);
    }
    result.completed += doneIds.length;
    result.failed += failedRows.length;
    options.onBatch?.({ rows, outcome });
  }
  return result;
}
