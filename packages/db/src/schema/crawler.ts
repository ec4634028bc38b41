import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  real,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { sellers } from './catalog.ts';
import { idColumn, idRef, timestamps } from './columns.ts';

export const crawlerRunStatus = pgEnum('crawler_run_status', [
  'QUEUED',
  'PROCESSING',
  'SUCCESS',
  'PARTIAL',
  'FAILED',
]);
export const crawlerTriggerType = pgEnum('crawler_trigger_type', ['SCHEDULED', 'MANUAL']);
/**
 * Why a run (or one of its items) failed. NETWORK: connection refused, reset, DNS; TIMEOUT: no
 * answer in time; HTTP_4XX / HTTP_5XX: the site's answer; ROBOTS_DISALLOWED: robots.txt forbids
 * the page (or could not be read: 5xx or unreachable); PARSE: the page holds no offer we can read;
 * DATABASE: our own write failed; CIRCUIT_OPEN: the host's `crawler:<host>` breaker refused.
 */
export const crawlerErrorClass = pgEnum('crawler_error_class', [
  'NETWORK',
  'TIMEOUT',
  'HTTP_4XX',
  'HTTP_5XX',
  'ROBOTS_DISALLOWED',
  'PARSE',
  'DATABASE',
  'CIRCUIT_OPEN',
]);

/** A page to collect: a product page (optionally tied to a catalog product) or a listing page. */
export interface CrawlerTarget {
  url: string;
  /** the catalog product this page offers; when absent, the page is matched by its codes */
  productId?: number;
}

/** CSS selectors for shops without JSON-LD or microdata (tried last). */
export interface CrawlerSelectors {
  title?: string;
  price?: string;
  shippingFee?: string;
  stock?: string;
  sellerProductCode?: string;
  gtin?: string;
  mpn?: string;
  /** on a listing page: the links to product pages */
  productLinks?: string;
  /**
   * the product page's spec table (a `<table>` of name/value rows or a `<dl>`), read when the job
   * collects specs and the page has no JSON-LD or microdata properties
   */
  specTable?: string;
}

/**
 * A seller's crawler job: what to collect from which pages, and when (a cron expression in
 * Asia/Seoul; the BullMQ job scheduler `crawler-job-<id>` fires it). Owned by the API's crawler
 * module; worker-crawler reads it and records runs.
 */
export const crawlerJobs = pgTable(
  'crawler_jobs',
  {
    id: idColumn(),
    sellerId: idRef('seller_id')
      .notNull()
      .references(() => sellers.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    cronExpression: text('cron_expression'),
    collectPrice: boolean('collect_price').notNull().default(true),
    collectSpec: boolean('collect_spec').notNull().default(true),
    detectAnomaly: boolean('detect_anomaly').notNull().default(true),
    isActive: boolean('is_active').notNull().default(true),
    targets: jsonb('targets').$type<CrawlerTarget[]>().notNull().default(sql`'[]'::jsonb`),
    listingUrls: jsonb('listing_urls').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    selectors: jsonb('selectors').$type<CrawlerSelectors>().notNull().default(sql`'{}'::jsonb`),
    lastTriggeredAt: timestamp('last_triggered_at', { withTimezone: true }),
    /** failed runs in a row; reset by a SUCCESS or PARTIAL run */
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    /** why the job was turned off automatically (null when an admin did, or it is on) */
    disabledReason: text('disabled_reason'),
    ...timestamps,
  },
  (table) => [index('crawler_jobs_seller_idx').on(table.sellerId, table.id)],
);

export interface CrawlerItemError {
  url: string;
  errorClass: (typeof crawlerErrorClass.enumValues)[number];
  message: string;
  /**
   * SPEC: a note on a page whose offer was read, about specs that were not recorded (names without a
   * definition, values the definition refuses); not a failed item
   */
  kind?: 'SPEC';
}

/**
 * One execution of a job (or a manual trigger for a seller): QUEUED → PROCESSING → SUCCESS /
 * PARTIAL / FAILED. `queue_job_id` is the BullMQ job that carries it, so a retried or resumed job
 * finds its run again. `lease_until` is renewed while a worker holds the run; a PROCESSING run past
 * its lease whose queue job is gone is ended FAILED by the sweep (never left PROCESSING).
 */
export const crawlerRuns = pgTable(
  'crawler_runs',
  {
    id: idColumn(),
    jobId: idRef('job_id').references(() => crawlerJobs.id, { onDelete: 'set null' }),
    sellerId: idRef('seller_id').notNull(),
    productId: idRef('product_id'),
    triggerType: crawlerTriggerType('trigger_type').notNull(),
    collectPrice: boolean('collect_price').notNull().default(true),
    collectSpec: boolean('collect_spec').notNull().default(true),
    detectAnomaly: boolean('detect_anomaly').notNull().default(true),
    status: crawlerRunStatus('status').notNull().default('QUEUED'),
    queueJobId: text('queue_job_id'),
    startedAt: timestamp('started_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    durationMs: integer('duration_ms'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    /** how many times a worker took the run up (more than 1: resumed after an interruption) */
    attempts: integer('attempts').notNull().default(0),
    itemsProcessed: integer('items_processed').notNull().default(0),
    itemsCreated: integer('items_created').notNull().default(0),
    itemsUpdated: integer('items_updated').notNull().default(0),
    itemsUnchanged: integer('items_unchanged').notNull().default(0),
    itemsFailed: integer('items_failed').notNull().default(0),
    itemsUnmatched: integer('items_unmatched').notNull().default(0),
    anomalyCount: integer('anomaly_count').notNull().default(0),
    errorClass: crawlerErrorClass('error_class'),
    errorMessage: text('error_message'),
    /** the first per-item errors (bounded by the worker) */
    itemErrors: jsonb('item_errors').$type<CrawlerItemError[]>().notNull().default(sql`'[]'::jsonb`),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('crawler_runs_queue_job_key').on(table.queueJobId),
    index('crawler_runs_created_idx').on(table.createdAt.desc(), table.id.desc()),
    index('crawler_runs_status_created_idx').on(table.status, table.createdAt.desc()),
    index('crawler_runs_job_created_idx').on(table.jobId, table.createdAt.desc()),
    index('crawler_runs_seller_created_idx').on(table.sellerId, table.createdAt.desc()),
  ],
);

/**
 * What identifies a catalog product on seller pages: a seller's own product code, and the GTIN and
 * MPN the page carried. Stored when a page tied to a product (a job target with its productId) is
 * collected; later items are matched by the seller's code, then by GTIN, then by MPN (any seller).
 */
export const crawlerProductLinks = pgTable(
  'crawler_product_links',
  {
    id: idColumn(),
    sellerId: idRef('seller_id')
      .notNull()
      .references(() => sellers.id, { onDelete: 'cascade' }),
    productId: idRef('product_id').notNull(),
    sellerProductCode: text('seller_product_code'),
    gtin: text('gtin'),
    mpn: text('mpn'),
    /** the seller's page of the product */
    url: text('url').notNull(),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('crawler_product_links_page_key').on(table.sellerId, table.productId),
    uniqueIndex('crawler_product_links_code_key')
      .on(table.sellerId, table.sellerProductCode)
      .where(sql`${table.sellerProductCode} is not null`),
    index('crawler_product_links_gtin_idx').on(table.gtin).where(sql`${table.gtin} is not null`),
    index('crawler_product_links_mpn_idx').on(table.mpn).where(sql`${table.mpn} is not null`),
    index('crawler_product_links_url_idx').on(table.sellerId, table.url),
  ],
);

export const mappingStatus = pgEnum('crawler_mapping_status', ['PENDING', 'APPROVED', 'REJECTED']);

/** A collected item no catalog product could be matched to: kept for the matching queue. */
export const crawlerUnmatchedItems = pgTable(
  'crawler_unmatched_items',
  {
    id: idColumn(),
    sellerId: idRef('seller_id')
      .notNull()
      .references(() => sellers.id, { onDelete: 'cascade' }),
    runId: idRef('run_id'),
    url: text('url').notNull(),
    title: text('title'),
    price: bigint('price', { mode: 'number' }),
    sellerProductCode: text('seller_product_code'),
    gtin: text('gtin'),
    mpn: text('mpn'),
    /** the matching queue (MATCH-01/02): PENDING until an admin (or auto-match) decides */
    status: mappingStatus('status').notNull().default('PENDING'),
    /** the suggested product while PENDING, the chosen one once APPROVED */
    productId: idRef('product_id'),
    /** 0..1: how sure the suggestion is (name similarity) */
    confidence: real('confidence').notNull().default(0),
    reason: text('reason'),
    reviewedBy: idRef('reviewed_by'),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('crawler_unmatched_items_url_key').on(table.sellerId, table.url),
    index('crawler_unmatched_items_status_idx').on(table.status, table.createdAt),
  ],
);

export const fraudAlertStatus = pgEnum('fraud_alert_status', ['PENDING', 'APPROVED', 'REJECTED']);
export const fraudAlertSeverity = pgEnum('fraud_alert_severity', ['LOW', 'MEDIUM', 'HIGH']);

/**
 * A collected price held back as anomalous (CRAW-05, FRAUD-01): far from the product's robust
 * centre (the median of the other sellers' offers and this seller's recent history), it does not
 * reach the offer, the lowest price or the history until an admin approves it (then it is written
 * through the prices module); a rejected one is discarded. Owned by the API's crawler fraud area;
 * worker-crawler records them.
 */
export const fraudAlerts = pgTable(
  'fraud_alerts',
  {
    id: idColumn(),
    productId: idRef('product_id').notNull(),
    sellerId: idRef('seller_id')
      .notNull()
      .references(() => sellers.id, { onDelete: 'cascade' }),
    /** the seller's offer at the time (null when the seller had none) */
    offerId: idRef('offer_id'),
    runId: idRef('run_id'),
    url: text('url').notNull(),
    reason: text('reason').notNull(),
    rawPrice: bigint('raw_price', { mode: 'number' }).notNull(),
    shippingFee: bigint('shipping_fee', { mode: 'number' }),
    stockState: text('stock_state').notNull().default('IN_STOCK'),
    effectivePrice: bigint('effective_price', { mode: 'number' }).notNull(),
    baselineAverage: bigint('baseline_average', { mode: 'number' }).notNull(),
    lowerBound: bigint('lower_bound', { mode: 'number' }).notNull(),
    upperBound: bigint('upper_bound', { mode: 'number' }).notNull(),
    severity: fraudAlertSeverity('severity').notNull(),
    status: fraudAlertStatus('status').notNull().default('PENDING'),
    reviewedBy: idRef('reviewed_by'),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    index('fraud_alerts_status_created_idx').on(table.status, table.createdAt.desc()),
    // one pending hold per product and seller: a newer anomalous price replaces the held one
    uniqueIndex('fraud_alerts_pending_key')
      .on(table.productId, table.sellerId)
      .where(sql`${table.status} = 'PENDING'`),
  ],
);
