import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { categories, products, sellers } from './catalog.ts';
import { idColumn, idRef, timestamps } from './columns.ts';
import { orders } from './commerce.ts';
import { users } from './users.ts';

/** A member's recently viewed products (ACT-01..02): one row per product, a re-view moves it up; the newest 50 are kept. Owned by the activity module. */
export const recentViews = pgTable(
  'recent_views',
  {
    id: idColumn(),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    productId: idRef('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    viewedAt: timestamp('viewed_at', { withTimezone: true }).notNull().defaultNow(),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('recent_views_user_product_key').on(table.userId, table.productId),
    index('recent_views_user_viewed_idx').on(table.userId, table.viewedAt.desc(), table.id.desc()),
  ],
);

/** A member's search history (ACT-03..05): one row per keyword (case-folded), a repeat moves it up. Owned by the activity module. */
export const searchHistory = pgTable(
  'search_history',
  {
    id: idColumn(),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    keyword: text('keyword').notNull(),
    searchedAt: timestamp('searched_at', { withTimezone: true }).notNull().defaultNow(),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('search_history_user_keyword_key').on(table.userId, sql`lower(${table.keyword})`),
    index('search_history_user_searched_idx').on(table.userId, table.searchedAt.desc(), table.id.desc()),
  ],
);

export const rankingPeriod = pgEnum('ranking_period', ['DAILY', 'WEEKLY', 'MONTHLY']);

/**
 * The last computed popular-product ranking per period and scope (RANK-01..02): `category_id` null
 * is the whole catalogue. The job replaces a scope's rows in one transaction and keeps each
 * product's previous rank for the rank change. Owned by the rankings module.
 */
export const productRankings = pgTable(
  'product_rankings',
  {
    period: rankingPeriod('period').notNull(),
    categoryId: idRef('category_id').references(() => categories.id, { onDelete: 'cascade' }),
    rank: integer('rank').notNull(),
    productId: idRef('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    score: doublePrecision('score').notNull(),
    previousRank: integer('previous_rank'),
    /** the signals behind the score: views, sales, reviews, wishlist adds in the period */
    signals: jsonb('signals').$type<Record<string, number>>().notNull().default(sql`'{}'::jsonb`),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull(),
  },
  (table) => [
    uniqueIndex('product_rankings_scope_rank_key').on(
      table.period,
      sql`coalesce(${table.categoryId}, 0)`,
      table.rank,
    ),
    uniqueIndex('product_rankings_scope_product_key').on(
      table.period,
      sql`coalesce(${table.categoryId}, 0)`,
      table.productId,
    ),
  ],
);

/** The last computed popular search keywords per period (RANK-04, `GET /rankings/searches`), with their previous rank. */
export const keywordRankings = pgTable(
  'keyword_rankings',
  {
    period: rankingPeriod('period').notNull(),
    rank: integer('rank').notNull(),
    keyword: text('keyword').notNull(),
    searchCount: integer('search_count').notNull(),
    previousRank: integer('previous_rank'),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.period, table.rank] }),
    uniqueIndex('keyword_rankings_period_keyword_key').on(table.period, table.keyword),
  ],
);

/** Admin-chosen recommendation slots (REC-01, -05): shown first in today's picks inside their window. Owned by the recommendations module. */
export const recommendationSlots = pgTable(
  'recommendation_slots',
  {
    id: idColumn(),
    productId: idRef('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    /** TODAY (today's picks) or another placement name */
    placement: text('placement').notNull().default('TODAY'),
    position: integer('position').notNull().default(0),
    reason: text('reason'),
    startsAt: timestamp('starts_at', { withTimezone: true }),
    endsAt: timestamp('ends_at', { withTimezone: true }),
    createdBy: idRef('created_by').references(() => users.id, { onDelete: 'set null' }),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('recommendation_slots_placement_product_key').on(table.placement, table.productId),
    index('recommendation_slots_placement_idx').on(table.placement, table.position),
  ],
);

/**
 * Time-limited deals (DEAL-01..05). A deal is listed only while `is_active` and inside
 * [starts_at, ends_at). Owned by the deals module.
 */
export const deals = pgTable(
  'deals',
  {
    id: idColumn(),
    title: text('title').notNull(),
    /** SPECIAL, TIME_SALE, TODAY… (free text of the contract, upper-cased) */
    type: text('type').notNull().default('SPECIAL'),
    description: text('description'),
    discountRate: smallint('discount_rate').notNull(),
    bannerUrl: text('banner_url'),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    isActive: boolean('is_active').notNull().default(true),
    ...timestamps,
  },
  (table) => [
    index('deals_window_idx').on(table.startsAt, table.endsAt).where(sql`${table.isActive}`),
    check('deals_window_check', sql`${table.startsAt} < ${table.endsAt}`),
    check('deals_discount_rate_check', sql`${table.discountRate} between 0 and 100`),
  ],
);

/** A deal's products, each with its deal price and a deal stock decremented atomically by orders (never below zero). */
export const dealProducts = pgTable(
  'deal_products',
  {
    dealId: idRef('deal_id')
      .notNull()
      .references(() => deals.id, { onDelete: 'cascade' }),
    productId: idRef('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    dealPrice: integer('deal_price').notNull(),
    dealStock: integer('deal_stock'),
    soldCount: integer('sold_count').notNull().default(0),
  },
  (table) => [
    primaryKey({ columns: [table.dealId, table.productId] }),
    index('deal_products_product_idx').on(table.productId),
    check('deal_products_stock_check', sql`${table.dealStock} is null or ${table.dealStock} >= 0`),
    check('deal_products_price_check', sql`${table.dealPrice} > 0`),
  ],
);

/** A member's compare bar (COMP-01..02), kept across devices; a guest's lives in Redis. At most 4, enforced by the service under a lock. */
export const compareItems = pgTable(
  'compare_items',
  {
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    productId: idRef('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.productId] })],
);

/** Reviews of a seller (TRUST-02..05), only by a member with an order from that seller: one per order. Owned by the trust module. */
export const sellerReviews = pgTable(
  'seller_reviews',
  {
    id: idColumn(),
    sellerId: idRef('seller_id')
      .notNull()
      .references(() => sellers.id, { onDelete: 'cascade' }),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    orderId: idRef('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    rating: smallint('rating').notNull(),
    deliveryRating: smallint('delivery_rating').notNull(),
    content: text('content').notNull(),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('seller_reviews_order_seller_key').on(table.orderId, table.sellerId),
    index('seller_reviews_seller_idx').on(table.sellerId, table.createdAt.desc(), table.id.desc()),
    check(
      'seller_reviews_rating_check',
      sql`${table.rating} between 1 and 5 and ${table.deliveryRating} between 1 and 5`,
    ),
  ],
);

/** Each computed trust score of a seller with its breakdown (TRUST-01): the trend compares the latest with earlier ones. */
export const sellerTrustHistory = pgTable(
  'seller_trust_history',
  {
    id: idColumn(),
    sellerId: idRef('seller_id')
      .notNull()
      .references(() => sellers.id, { onDelete: 'cascade' }),
    score: smallint('score').notNull(),
    grade: text('grade').notNull(),
    breakdown: jsonb('breakdown').$type<Record<string, number>>().notNull(),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('seller_trust_history_seller_idx').on(table.sellerId, table.computedAt.desc()),
    check('seller_trust_history_score_check', sql`${table.score} between 0 and 100`),
  ],
);

/** Translation resources per locale and namespace (I18N-01..03); product and category names use namespace `product` / `category` with the id as key. Owned by the i18n module. */
export const translations = pgTable(
  'translations',
  {
    id: idColumn(),
    locale: text('locale').notNull(),
    namespace: text('namespace').notNull(),
    key: text('key').notNull(),
    value: text('value').notNull(),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('translations_locale_namespace_key_key').on(table.locale, table.namespace, table.key),
  ],
);

/** The last good exchange rate per currency pair (I18N-04..05); a failed refresh leaves them, and `fetched_at` says their age. */
export const exchangeRates = pgTable(
  'exchange_rates',
  {
    baseCurrency: text('base_currency').notNull(),
    targetCurrency: text('target_currency').notNull(),
    rate: numeric('rate', { precision: 20, scale: 10 }).notNull(),
    source: text('source').notNull(),
    fetchedAt: timestamp('fetched_at', { withTimezone: true }).notNull(),
    ...timestamps,
  },
  (table) => [
    primaryKey({ columns: [table.baseCurrency, table.targetCurrency] }),
    check('exchange_rates_rate_check', sql`${table.rate} > 0`),
  ],
);
