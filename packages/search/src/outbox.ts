import type { Database, searchOutbox, Transaction } from '@pbshop/db';
import { sql } from 'drizzle-orm';

/** A database handle or a transaction of one: writers pass their own transaction. */
export type Executor = Database | Transaction;

export type SearchChangeEvent = (typeof searchOutbox.$inferInsert)['eventType'];

export interface SearchChange {
  eventType: SearchChangeEvent;
  productIds: number[];
  payload?: Record<string, unknown>;
}

/** last_error is kept short: enough to read the cause, never a whole response body. */
const MAX_ERROR_LENGTH = 500;
/** the longest a failed row waits before its next attempt, whatever the attempt count */
const MAX_BACKOFF_MS = 15 * 60 * 1000;
const PRUNE_CHUNK = 5000;

/**
 * Records that the search index must see a change of these products: one outbox row per product,
 * inside the caller's transaction, so the row exists exactly when the change committed. One
 * statement with the ids as one array, however many there are (a views write may move thousands;
 * a row of parameters per product would meet the protocol's 65,535-parameter limit).
 */
export async function recordSearchChange(tx: Executor, change: SearchChange): Promise<void> {
  const ids = [...new Set(change.productIds)];
  if (ids.length === 0) return;
  await tx.execute(sql`
    insert into search_outbox (event_type, aggregate_id, payload)
    select ${change.eventType}::search_outbox_event, id, ${JSON.stringify(change.payload ?? {})}::jsonb
    from unnest(${sql.param(ids)}::bigint[]) as id`);
}

/**
 * A category rename or move: every live product of the category and of its descendants (their
 * documents carry the category name and path), in one INSERT … SELECT. Call it after the
 * category's new path is written.
 */
export async function recordCategorySearchChange(tx: Executor, categoryId: number): Promise<void> {
  await tx.execute(sql`
    insert into search_outbox (event_type, aggregate_id, payload)
    select 'PRODUCT_UPSERT', product.id, jsonb_build_object('reason', 'category', 'categoryId', ${categoryId}::bigint)
    from categories root
    join categories category on category.id = root.id or category.path like root.path || '/%'
    join products product on product.category_id = category.id and product.deleted_at is null
    where root.id = ${categoryId}`);
}

/**
 * A spec definition renamed, re-united or deleted: every product with a value of it. For a delete,
 * call it before the definition (and, by cascade, its values) goes.
 */
export async function recordSpecDefinitionSearchChange(
  tx: Executor,
  specDefinitionId: number,
): Promise<void> {
  await tx.execute(sql`
    insert into search_outbox (event_type, aggregate_id, payload)
    select 'PRODUCT_UPSERT', value.product_id, jsonb_build_object('reason', 'spec-definition', 'specDefinitionId', ${specDefinitionId}::bigint)
    from product_spec_values value
    join products product on product.id = value.product_id and product.deleted_at is null
    where value.spec_definition_id = ${specDefinitionId}`);
}

export interface OutboxRow {
  id: number;
  eventType: SearchChangeEvent;
  productId: number;
  attemptCount: number;
}

export interface ClaimOptions {
  limit: number;
  leaseMs: number;
  /** who holds the claim (host:pid), shown in the table and checked when the rows are marked */
  workerId: string;
  /** only rows above this id (a reindex catch-up) */
  afterId?: number;
}

/**
 * Claims up to `limit` rows for this worker: PENDING rows that are due, and PROCESSING rows whose
 * lease expired (a worker died holding them). `FOR UPDATE SKIP LOCKED` lets replicas claim side
 * by side without waiting for or taking each other's rows. The claim itself commits at once; the
 * lease is what keeps other workers off the rows while they are synced.
 */
export async function claimOutboxRows(db: Executor, options: ClaimOptions): Promise<OutboxRow[]> {
  const rows = await db.execute<{
    id: number | number;
    event_type: SearchChangeEvent;
    aggregate_id: number;
    attempt_count: number;
  }>(sql`
    with picked as (
      select id from search_outbox
      where ((status = 'PENDING' and available_at <= now())
          or (status = 'PROCESSING' and claimed_until < now()))
        and id > ${options.afterId ?? 0}
      order by id
      limit ${options.limit}
      for update skip locked
    )
    update search_outbox row
    set status = 'PROCESSING',
        claimed_until = now() + make_interval(secs => ${options.leaseMs / 1000}),
        claimed_by = ${options.workerId},
        attempt_count = row.attempt_count + 1,
        updated_at = now()
    from picked
    where row.id = picked.id
    returning row.id, row.event_type, row.aggregate_id, row.attempt_count`);
  return [...rows]
    .map((row) => ({
      id: Number(row.id),
      eventType: row.event_type,
      productId: row.aggregate_id,
      attemptCount: row.attempt_count,
    }))
    .sort((a, b) => a.id - b.id);
}

/**
 * Rows whose worker died again and again (their lease expired with every attempt spent) are not
 * claimed forever: they become FAILED like rows whose sync failed.
 */
export async function failExhaustedLeases(db: Executor, maxAttempts: number): Promise<number> {
  const rows = await db.execute(sql`
    update search_outbox
    set status = 'FAILED',
        last_error = 'the worker holding it stopped (lease expired) on every attempt',
        claimed_until = null,
        claimed_by = null,
        updated_at = now()
    where status = 'PROCESSING' and claimed_until < now() and attempt_count >= ${maxAttempts}
    returning id`);
  return rows.length;
}

/** The rows are in the index: COMPLETED, unless another worker took them over meanwhile. */
export async function completeOutboxRows(db: Executor, ids: number[], workerId: string): Promise<void> {
  if (ids.length === 0) return;
  await db.execute(sql`
    update search_outbox
    set status = 'COMPLETED', processed_at = now(), claimed_until = null, updated_at = now()
    where id = any(${sql.param(ids)}::bigint[]) and status = 'PROCESSING' and claimed_by = ${workerId}`);
}

export interface FailOptions {
  workerId: string;
  maxAttempts: number;
  backoffMs: number;
}

/**
 * A failed attempt: back to PENDING after an exponential backoff with jitter
 * (backoff · 2^(attempt-1) · 0.8..1.2, at most 15 min), or FAILED with the error once the last
 * attempt is spent.
 */
export async function failOutboxRows(
  db: Executor,
  ids: number[],
  error: string,
  options: FailOptions,
): Promise<void> {
  if (ids.length === 0) return;
  const message = error.slice(0, MAX_ERROR_LENGTH);
  await db.execute(sql`
    update search_outbox
    set status = case when attempt_count >= ${options.maxAttempts}
                      then 'FAILED'::search_outbox_status else 'PENDING'::search_outbox_status end,
        available_at = now() + make_interval(secs => least(
          ${options.backoffMs}::float8 * power(2, greatest(attempt_count - 1, 0)) * (0.8 + random() * 0.4),
          ${MAX_BACKOFF_MS}::float8) / 1000),
        last_error = ${message},
        claimed_until = null,
        claimed_by = null,
        updated_at = now()
    where id = any(${sql.param(ids)}::bigint[]) and status = 'PROCESSING' and claimed_by = ${options.workerId}`);
}

export interface OutboxSummary {
  pending: number;
  processing: number;
  completed: number;
  failed: number;
  /** age of the oldest PENDING row (its change is not in the index yet); null when none */
  oldestPendingAgeSeconds: number | null;
  /** when a row was last synced; null when none is kept */
  lastProcessedAt: string | null;
}

/** Row counts by status, the age of the backlog and the last sync, in one scan. */
export async function outboxSummary(db: Executor): Promise<OutboxSummary> {
  const [row] = await db.execute<{
    pending: number;
    processing: number;
    completed: number;
    failed: number;
    oldest: number | null;
    last: Date | string | null;
  }>(sql`
    select count(*) filter (where status = 'PENDING')::int as pending,
           count(*) filter (where status = 'PROCESSING')::int as processing,
           count(*) filter (where status = 'COMPLETED')::int as completed,
           count(*) filter (where status = 'FAILED')::int as failed,
           floor(extract(epoch from now() - min(created_at) filter (where status = 'PENDING')))::int as oldest,
           max(processed_at) as last
    from search_outbox`);
  return {
    pending: row?.pending ?? 0,
    processing: row?.processing ?? 0,
    completed: row?.completed ?? 0,
    failed: row?.failed ?? 0,
    oldestPendingAgeSeconds: row?.oldest ?? null,
    lastProcessedAt: row?.last ? new Date(row.last).toISOString() : null,
  };
}

/**
 * FAILED rows, most recently failed first, back to PENDING with their attempts reset (last_error
 * stays until the next attempt). The count requeued.
 */
export async function requeueFailedOutboxRows(db: Executor, limit: number): Promise<number> {
  const rows = await db.execute(sql`
    with picked as (
      select id from search_outbox
      where status = 'FAILED'
      order by updated_at desc, id desc
      limit ${limit}
      for update skip locked
    )
    update search_outbox row
    set status = 'PENDING', attempt_count = 0, available_at = now(), updated_at = now()
    from picked
    where row.id = picked.id
    returning row.id`);
  return rows.length;
}

/**
 * After a full reindex swapped the alias: rows above its watermark that FAILED against the old
 * index (e.g. documents its older mapping refused) go back to PENDING for the new one.
 */
export async function requeueFailedOutboxRowsAfter(db: Executor, afterId: number): Promise<number> {
  const rows = await db.execute(sql`
    update search_outbox
    set status = 'PENDING', attempt_count = 0, available_at = now(), updated_at = now()
    where status = 'FAILED' and id > ${afterId}
    returning id`);
  return rows.length;
}

/** Deletes COMPLETED rows processed more than `retentionDays` ago, in chunks; the count deleted. */
export async function pruneCompletedOutboxRows(db: Executor, retentionDays: number): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await db.execute(sql`
      delete from search_outbox
      where id in (
        select id from search_outbox
        where status = 'COMPLETED' and processed_at < now() - make_interval(days => ${retentionDays})
        limit ${PRUNE_CHUNK}
      )
      returning id`);
    total += rows.length;
    if (rows.length < PRUNE_CHUNK) return total;
  }
}

/** When the earliest backed-off row is due; null when no PENDING row waits. */
export async function nextOutboxRetryAt(db: Executor): Promise<Date | null> {
  const [row] = await db.execute<{ due: Date | string | null }>(
    sql`select min(available_at) as due from search_outbox where status = 'PENDING'`,
  );
  return row?.due ? new Date(row.due) : null;
}

/** The highest outbox id committed so far (0 for none): the watermark of a full reindex. */
export async function outboxWatermark(db: Executor): Promise<number> {
  const [row] = await db.execute<{ id: number | number | null }>(
    sql`select max(id) as id from search_outbox`,
  );
  return Number(row?.id ?? 0);
}

/** The distinct products of outbox rows above `afterId`, in id order: a page of a reindex catch-up. */
export async function outboxProductsAfter(
  db: Executor,
  afterId: number,
  limit: number,
): Promise<{ productIds: number[]; lastId: number }> {
  const rows = await db.execute<{ id: number | number; aggregate_id: number }>(sql`
    select id, aggregate_id from search_outbox where id > ${afterId} order by id limit ${limit}`);
  const list = [...rows];
  return {
    productIds: [...new Set(list.map((row) => row.aggregate_id))],
    lastId: list.length === 0 ? afterId : Number(list[list.length - 1]!.id),
  };
}

/** Claimed rows handed back untouched (a shutdown stopped their sync): no attempt spent. */
export async function releaseOutboxRows(db: Executor, ids: number[], workerId: string): Promise<void> {
  if (ids.length === 0) return;
  await db.execute(sql`
    update search_outbox
    set status = 'PENDING', attempt_count = greatest(attempt_count - 1, 0), available_at = now(),
        claimed_until = null, claimed_by = null, updated_at = now()
    where id = any(${sql.param(ids)}::bigint[]) and status = 'PROCESSING' and claimed_by = ${workerId}`);
}
