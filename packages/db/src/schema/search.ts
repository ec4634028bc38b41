import { sql } from 'drizzle-orm';
import {
  bigint,
  index,
  integer,
  jsonb,
  pgEnum,
  pgSequence,
  pgTable,
  real,
  smallint,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';
import { idColumn, idRef, timestamps } from './columns.ts';
import { users } from './users.ts';

export const searchOutboxEvent = pgEnum('search_outbox_event', [
  'PRODUCT_UPSERT',
  'PRODUCT_DELETE',
  'PRICE_CHANGED',
]);
export const searchOutboxStatus = pgEnum('search_outbox_status', [
  'PENDING',
  'PROCESSING',
  'COMPLETED',
  'FAILED',
]);

/**
 * External versions of index documents. The worker takes the next value after reading a product,
 * under a per-product advisory lock held until the index write, so a later read always carries a
 * higher version and an older document can never overwrite a newer one.
 */
export const searchDocumentVersionSeq = pgSequence('search_document_version_seq');

/**
 * Transactional outbox of changes the search index must see: a row is inserted in the same
 * transaction as the change. Owned by the search-sync code in @pbshop/search; writers call its
 * `recordSearchChange`.
 */
export const searchOutbox = pgTable(
  'search_outbox',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    eventType: searchOutboxEvent('event_type').notNull(),
    aggregateId: idRef('aggregate_id').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    status: searchOutboxStatus('status').notNull().default('PENDING'),
    attemptCount: integer('attempt_count').notNull().default(0),
    lastError: text('last_error'),
    // backoff: a PENDING row is not claimed before this time
    availableAt: timestamp('available_at', { withTimezone: true }).notNull().defaultNow(),
    // lease of a PROCESSING row: past it, a crashed worker's claim is taken over
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    claimedBy: text('claimed_by'),
    processedAt: timestamp('processed_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    index('search_outbox_pending_idx')
      .on(table.availableAt, table.id)
      .where(sql`${table.status} = 'PENDING'`),
    index('search_outbox_processing_idx').on(table.claimedUntil).where(sql`${table.status} = 'PROCESSING'`),
    index('search_outbox_failed_idx').on(table.updatedAt).where(sql`${table.status} = 'FAILED'`),
    index('search_outbox_aggregate_idx').on(table.aggregateId, table.id),
    index('search_outbox_status_processed_idx').on(table.status, table.processedAt),
  ],
);

/**
 * Query-time search weights (one row, id 1): field boosts and the keyword/click balance. They
 * apply to the next query, so changing them needs no reindex.
 */
export const searchWeights = pgTable('search_weights', {
  id: smallint('id').primaryKey().default(1),
  nameWeight: real('name_weight').notNull().default(10),
  brandWeight: real('brand_weight').notNull().default(5),
  specWeight: real('spec_weight').notNull().default(3),
  descriptionWeight: real('description_weight').notNull().default(1),
  keywordWeight: real('keyword_weight').notNull().default(1),
  clickWeight: real('click_weight').notNull().default(0.5),
  updatedBy: idRef('updated_by').references(() => users.id, { onDelete: 'set null' }),
  ...timestamps,
});

export const searchReindexStatus = pgEnum('search_reindex_status', [
  'QUEUED',
  'RUNNING',
  'COMPLETED',
  'FAILED',
]);

/** One full reindex: the index it builds, how far it got, and how it ended. */
export const searchReindexRuns = pgTable(
  'search_reindex_runs',
  {
    id: idColumn(),
    status: searchReindexStatus('status').notNull().default('QUEUED'),
    targetIndex: text('target_index'),
    previousIndex: text('previous_index'),
    totalProducts: integer('total_products'),
    indexedProducts: integer('indexed_products').notNull().default(0),
    // outbox rows at or below this id were covered by the bulk copy; later ones are caught up
    outboxWatermark: bigint('outbox_watermark', { mode: 'number' }),
    requestedBy: idRef('requested_by').references(() => users.id, { onDelete: 'set null' }),
    error: text('error'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [index('search_reindex_runs_created_idx').on(table.createdAt)],
);
