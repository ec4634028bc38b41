import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { idColumn, idRef, timestamps } from './columns.ts';
import { users } from './users.ts';

/** Category tree (adjacency list; `path` is the materialised id path for descendant queries). Owned by the categories module. */
export const categories = pgTable(
  'categories',
  {
    id: idColumn(),
    parentId: idRef('parent_id').references((): AnyPgColumn => categories.id, { onDelete: 'restrict' }),
    name: text('name').notNull(),
    sortOrder: integer('sort_order').notNull().default(0),
    // ids from the root to this category joined by '/', e.g. 'a1/b2/c3'
    path: text('path').notNull(),
    ...timestamps,
  },
  (table) => [
    index('categories_parent_sort_idx').on(table.parentId, table.sortOrder),
    index('categories_path_idx').on(table.path.op('text_pattern_ops')),
    uniqueIndex('categories_parent_name_key').on(
      sql`coalesce(${table.parentId}, 0)`,
      sql`lower(${table.name})`,
    ),
  ],
);

/** Shops whose offers we compare. Owned by the sellers module. */
export const sellers = pgTable(
  'sellers',
  {
    id: idColumn(),
    name: text('name').notNull(),
    url: text('url').notNull(),
    logoUrl: text('logo_url'),
    description: text('description'),
    // 0..100, maintained by operators and (later) fraud and review signals
    trustScore: integer('trust_score').notNull().default(50),
    // the SELLER member who manages this shop's offers
    ownerUserId: idRef('owner_user_id').references(() => users.id, { onDelete: 'set null' }),
    ...timestamps,
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('sellers_name_key').on(sql`lower(${table.name})`).where(sql`${table.deletedAt} is null`),
    uniqueIndex('sellers_owner_key').on(table.ownerUserId).where(sql`${table.deletedAt} is null`),
  ],
);

export const productStatus = pgEnum('product_status', ['ON_SALE', 'SOLD_OUT', 'DISCONTINUED', 'HIDDEN']);

/** Products. `lowest_price` etc. are kept in step with offers in the same transaction. Owned by the products module. */
export const products = pgTable(
  'products',
  {
    id: idColumn(),
    categoryId: idRef('category_id')
      .notNull()
      .references(() => categories.id, { onDelete: 'restrict' }),
    name: text('name').notNull(),
    brand: text('brand'),
    description: text('description').notNull().default(''),
    status: productStatus('status').notNull().default('ON_SALE'),
    stock: integer('stock').notNull().default(0),
    // the product's own list price and optional sale price (KRW), set by the admin; 0 while none is
    // set. Offers' prices are separate (lowest/highest/average below).
    price: bigint('price', { mode: 'number' }).notNull().default(0),
    discountPrice: bigint('discount_price', { mode: 'number' }),
    // grams, sheets, millilitres…: for unit prices ("per 100 g"); null when not meaningful
    unitQuantity: numeric('unit_quantity', { precision: 12, scale: 3, mode: 'number' }),
    unitLabel: text('unit_label'),
    lowestPrice: bigint('lowest_price', { mode: 'number' }),
    highestPrice: bigint('highest_price', { mode: 'number' }),
    averagePrice: bigint('average_price', { mode: 'number' }),
    sellerCount: integer('seller_count').notNull().default(0),
    viewCount: bigint('view_count', { mode: 'number' }).notNull().default(0),
    reviewCount: integer('review_count').notNull().default(0),
    salesCount: integer('sales_count').notNull().default(0),
    averageRating: numeric('average_rating', { precision: 3, scale: 2, mode: 'number' }).notNull().default(0),
    popularityScore: numeric('popularity_score', { precision: 14, scale: 2, mode: 'number' })
      .notNull()
      .generatedAlwaysAs(sql`view_count * 0.3 + review_count * 0.5 + sales_count * 0.2`),
    version: integer('version').notNull().default(1),
    ...timestamps,
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    index('products_category_created_idx')
      .on(table.categoryId, table.createdAt)
      .where(sql`${table.deletedAt} is null`),
    // The list's sort orders, each covering the list filters (category, status, price) so a page
    // is found by an index-only scan and only its rows are read (the deferred join in the products
    // service). price_desc puts products without offers last: an ascending index cannot serve it.
    index('products_lowest_price_idx')
      .on(table.lowestPrice, table.id, table.categoryId, table.status)
      .where(sql`${table.deletedAt} is null`),
    index('products_lowest_price_desc_idx')
      .on(table.lowestPrice.desc().nullsLast(), table.id, table.categoryId, table.status)
      .where(sql`${table.deletedAt} is null`),
    index('products_popularity_idx')
      .on(table.popularityScore, table.id, table.categoryId, table.status, table.lowestPrice)
      .where(sql`${table.deletedAt} is null`),
    index('products_created_idx')
      .on(table.createdAt, table.id, table.categoryId, table.status, table.lowestPrice)
      .where(sql`${table.deletedAt} is null`),
    // the list's count of a category filter with a price range, as an index-only scan (status is
    // a key column so HIDDEN products are filtered without a heap visit)
    index('products_category_price_idx')
      .on(table.categoryId, table.lowestPrice, table.status)
      .where(sql`${table.deletedAt} is null`),
    // ILIKE '%…%' text filters and the search fallback (pg_trgm, created by migration 0005)
    index('products_name_trgm_idx').using('gin', sql`${table.name} gin_trgm_ops`),
    index('products_brand_trgm_idx').using('gin', sql`${table.brand} gin_trgm_ops`),
    check(
      'products_price_check',
      sql`${table.price} >= 0 and (${table.discountPrice} is null or ${table.discountPrice} between 0 and ${table.price})`,
    ),
  ],
);

export const productOptions = pgTable('product_options', {
  id: idColumn(),
  productId: idRef('product_id')
    .notNull()
    .references(() => products.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  values: jsonb('values').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
  sortOrder: integer('sort_order').notNull().default(0),
  ...timestamps,
});

export const productImages = pgTable(
  'product_images',
  {
    id: idColumn(),
    productId: idRef('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    isMain: boolean('is_main').notNull().default(false),
    sortOrder: integer('sort_order').notNull().default(0),
    ...timestamps,
  },
  (table) => [index('product_images_product_idx').on(table.productId, table.sortOrder)],
);

export const shippingRule = pgEnum('shipping_rule', ['FREE', 'PAID', 'FREE_OVER']);
export const stockState = pgEnum('stock_state', ['IN_STOCK', 'LOW_STOCK', 'OUT_OF_STOCK']);

/** One seller's offer for one product (the contract's "price entry"). Owned by the prices module. */
export const offers = pgTable(
  'offers',
  {
    id: idColumn(),
    productId: idRef('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    sellerId: idRef('seller_id')
      .notNull()
      .references(() => sellers.id, { onDelete: 'cascade' }),
    price: bigint('price', { mode: 'number' }).notNull(),
    shippingRule: shippingRule('shipping_rule').notNull().default('FREE'),
    shippingCost: bigint('shipping_cost', { mode: 'number' }).notNull().default(0),
    // FREE_OVER: shipping is free from this order amount on
    freeShippingThreshold: bigint('free_shipping_threshold', { mode: 'number' }),
    stockState: stockState('stock_state').notNull().default('IN_STOCK'),
    // units this seller can still sell through our checkout; orders decrement it in their
    // transaction and the CHECK makes overselling impossible. `stock_state` follows it.
    stock: integer('stock').notNull().default(0),
    url: text('url').notNull(),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('offers_product_seller_key').on(table.productId, table.sellerId),
    index('offers_seller_idx').on(table.sellerId),
    check('offers_stock_check', sql`${table.stock} >= 0`),
  ],
);

/** Every offer change, append-only: the source of price history and analytics. */
export const priceHistory = pgTable(
  'price_history',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    productId: idRef('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    sellerId: idRef('seller_id').notNull(),
    // null when the offer was withdrawn
    price: bigint('price', { mode: 'number' }),
    // the product's lowest offer right after this change (null: no offer left)
    productLowestPrice: bigint('product_lowest_price', { mode: 'number' }),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
    ...timestamps,
  },
  (table) => [index('price_history_product_recorded_idx').on(table.productId, table.recordedAt)],
);

/**
 * The product read model (CQRS query side, served by `/query/products`): one flat row per product
 * with what a list page shows, kept in step with products and offers from the search outbox's
 * changes and rebuilt on demand. Owned by the catalog's query module.
 */
export const productQueryView = pgTable(
  'product_query_view',
  {
    productId: bigint('product_id', { mode: 'number' })
      .primaryKey()
      .references(() => products.id, { onDelete: 'cascade' }),
    categoryId: idRef('category_id').notNull(),
    name: text('name').notNull(),
    thumbnailUrl: text('thumbnail_url'),
    status: productStatus('status').notNull(),
    basePrice: bigint('base_price', { mode: 'number' }),
    lowestPrice: bigint('lowest_price', { mode: 'number' }),
    sellerCount: integer('seller_count').notNull().default(0),
    averageRating: numeric('average_rating', { precision: 3, scale: 2, mode: 'number' }).notNull().default(0),
    reviewCount: integer('review_count').notNull().default(0),
    viewCount: bigint('view_count', { mode: 'number' }).notNull().default(0),
    popularityScore: numeric('popularity_score', { precision: 14, scale: 2, mode: 'number' })
      .notNull()
      .default(0),
    // the product's created_at, for the NEWEST sort
    productCreatedAt: timestamp('product_created_at', { withTimezone: true }).notNull(),
    syncedAt: timestamp('synced_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    index('product_query_view_category_idx').on(table.categoryId, table.productCreatedAt.desc()),
    index('product_query_view_created_idx').on(table.productCreatedAt.desc(), table.productId.desc()),
    index('product_query_view_price_idx').on(table.lowestPrice, table.productId),
    index('product_query_view_popularity_idx').on(table.popularityScore.desc(), table.productId.desc()),
    index('product_query_view_rating_idx').on(table.averageRating.desc(), table.productId.desc()),
    index('product_query_view_name_trgm_idx').using('gin', sql`${table.name} gin_trgm_ops`),
  ],
);
