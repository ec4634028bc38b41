import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { categories, products, sellers } from './catalog.ts';
import { idColumn, idRef, timestamps } from './columns.ts';
import { users } from './users.ts';

export const pcBuildPurpose = pgEnum('pc_build_purpose', [
  'GAMING',
  'OFFICE',
  'DESIGN',
  'DEVELOPMENT',
  'STREAMING',
]);
export const pcPartType = pgEnum('pc_part_type', [
  'CPU',
  'MOTHERBOARD',
  'RAM',
  'GPU',
  'SSD',
  'HDD',
  'PSU',
  'CASE',
  'COOLER',
  'MONITOR',
]);
export type PcPartType = (typeof pcPartType.enumValues)[number];

/**
 * PC builds (PCBLD-01..11). `share_code` is random (unguessable), set when the owner first shares;
 * `view_count` and `share_count` feed the popular builds. Totals are computed from the parts' current
 * offers on read, never stored, so they follow price changes. Owned by the PC builder module.
 */
export const pcBuilds = pgTable(
  'pc_builds',
  {
    id: idColumn(),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description'),
    purpose: pcBuildPurpose('purpose').notNull().default('GAMING'),
    budget: bigint('budget', { mode: 'number' }),
    shareCode: text('share_code'),
    viewCount: integer('view_count').notNull().default(0),
    shareCount: integer('share_count').notNull().default(0),
    ...timestamps,
  },
  (table) => [
    index('pc_builds_user_idx').on(table.userId, table.createdAt.desc(), table.id.desc()),
    uniqueIndex('pc_builds_share_code_key').on(table.shareCode),
    index('pc_builds_popular_idx')
      .on(table.viewCount.desc(), table.id.desc())
      .where(sql`${table.shareCode} is not null`),
  ],
);

/** A build's parts: a product of a part type, from a chosen seller or (null) the lowest offer. */
export const pcBuildParts = pgTable(
  'pc_build_parts',
  {
    id: idColumn(),
    buildId: idRef('build_id')
      .notNull()
      .references(() => pcBuilds.id, { onDelete: 'cascade' }),
    partType: pcPartType('part_type').notNull(),
    productId: idRef('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    sellerId: idRef('seller_id').references(() => sellers.id, { onDelete: 'set null' }),
    quantity: smallint('quantity').notNull().default(1),
    ...timestamps,
  },
  (table) => [
    index('pc_build_parts_build_idx').on(table.buildId, table.id),
    index('pc_build_parts_product_idx').on(table.productId),
    check('pc_build_parts_quantity_check', sql`${table.quantity} between 1 and 8`),
  ],
);

export const compatibilityRuleSeverity = pgEnum('compatibility_rule_severity', ['ERROR', 'WARNING']);

/**
 * Compatibility rules as data (PCBLD-05, `/admin/compatibility-rules`): a rule compares a spec of one
 * part type with a spec of another (`operator`: EQUALS, ONE_OF, CONTAINS, LTE, GTE, COUNT_LTE) or checks a
 * build-wide figure (POWER_HEADROOM) or a required part (REQUIRED); `params` holds what the operator needs
 * (the headroom percentage) and the storefront's severity level (LOW/MEDIUM/HIGH; HIGH is an ERROR rule).
 * Every rule write drops the cached compatibility answers, so an admin change applies on the next check
 * without a restart. Owned by the PC builder module.
 */
export const compatibilityRules = pgTable(
  'compatibility_rules',
  {
    id: idColumn(),
    name: text('name').notNull(),
    description: text('description'),
    sourcePartType: pcPartType('source_part_type').notNull(),
    sourceSpec: text('source_spec').notNull(),
    targetPartType: pcPartType('target_part_type'),
    targetSpec: text('target_spec'),
    operator: text('operator').notNull(),
    params: jsonb('params').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    severity: compatibilityRuleSeverity('severity').notNull().default('ERROR'),
    message: text('message').notNull(),
    isActive: boolean('is_active').notNull().default(true),
    ...timestamps,
  },
  (table) => [uniqueIndex('compatibility_rules_name_key').on(table.name)],
);

/**
 * Used-market listings (USED-01..03) as an adapter delivers them: one row per listing seen, with its
 * price and condition. Averages, ranges and trends are computed from these. Owned by the used-market module.
 */
export const usedListings = pgTable(
  'used_listings',
  {
    id: idColumn(),
    productId: idRef('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    source: text('source').notNull(),
    externalId: text('external_id').notNull(),
    price: integer('price').notNull(),
    /** S (like new), A, B, C */
    condition: text('condition').notNull(),
    listedAt: timestamp('listed_at', { withTimezone: true }).notNull(),
    soldAt: timestamp('sold_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('used_listings_source_external_key').on(table.source, table.externalId),
    index('used_listings_product_listed_idx').on(table.productId, table.listedAt.desc()),
    check('used_listings_price_check', sql`${table.price} > 0`),
  ],
);

/** Car models (AUTO-01). Owned by the auto module. */
export const carModels = pgTable(
  'car_models',
  {
    id: idColumn(),
    brand: text('brand').notNull(),
    name: text('name').notNull(),
    /** SEDAN, SUV, HATCHBACK, EV, TRUCK… */
    type: text('type').notNull(),
    fuelType: text('fuel_type').notNull(),
    imageUrl: text('image_url'),
    releaseYear: smallint('release_year'),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('car_models_brand_name_key').on(table.brand, table.name),
    index('car_models_type_idx').on(table.type),
  ],
);

/** A model's trims with their factory price (KRW, before consumption tax, education tax and VAT: the estimate adds them). */
export const carTrims = pgTable(
  'car_trims',
  {
    id: idColumn(),
    modelId: idRef('model_id')
      .notNull()
      .references(() => carModels.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    basePrice: bigint('base_price', { mode: 'number' }).notNull(),
    engineDisplacementCc: integer('engine_displacement_cc'),
    specs: jsonb('specs').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    ...timestamps,
  },
  (table) => [uniqueIndex('car_trims_model_name_key').on(table.modelId, table.name)],
);

/** Options a trim can take, with their prices. */
export const carOptions = pgTable(
  'car_options',
  {
    id: idColumn(),
    trimId: idRef('trim_id')
      .notNull()
      .references(() => carTrims.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    price: bigint('price', { mode: 'number' }).notNull(),
    ...timestamps,
  },
  (table) => [uniqueIndex('car_options_trim_name_key').on(table.trimId, table.name)],
);

/**
 * The taxes on a car purchase as data (AUTO-02): individual consumption tax, education tax, VAT,
 * acquisition tax — each rate with the source it was taken from and the period it applies to.
 */
export const carTaxRates = pgTable(
  'car_tax_rates',
  {
    id: idColumn(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    rate: numeric('rate', { precision: 8, scale: 5 }).notNull(),
    /** which vehicles it applies to (e.g. fuel type, displacement bounds) and how it is based */
    appliesTo: jsonb('applies_to').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    source: text('source').notNull(),
    validFrom: date('valid_from', { mode: 'string' }).notNull(),
    validUntil: date('valid_until', { mode: 'string' }),
    ...timestamps,
  },
  (table) => [uniqueIndex('car_tax_rates_code_from_key').on(table.code, table.validFrom)],
);

/** Rent and lease offers per model (AUTO-02). */
export const carLeaseOffers = pgTable(
  'car_lease_offers',
  {
    id: idColumn(),
    modelId: idRef('model_id')
      .notNull()
      .references(() => carModels.id, { onDelete: 'cascade' }),
    trimId: idRef('trim_id').references(() => carTrims.id, { onDelete: 'cascade' }),
    provider: text('provider').notNull(),
    /** RENT or LEASE */
    offerType: text('offer_type').notNull(),
    monthlyPayment: bigint('monthly_payment', { mode: 'number' }).notNull(),
    termMonths: smallint('term_months').notNull(),
    deposit: bigint('deposit', { mode: 'number' }).notNull().default(0),
    annualMileageKm: integer('annual_mileage_km'),
    ...timestamps,
  },
  (table) => [index('car_lease_offers_model_idx').on(table.modelId, table.monthlyPayment)],
);

export const auctionStatus = pgEnum('auction_status', ['OPEN', 'CLOSED', 'CANCELLED', 'EXPIRED']);

/**
 * Reverse auctions (AUCT-01..02): a member's wanted specs and budget; SELLERs bid until the deadline.
 * Selecting a bid closes the auction (`winning_bid_id`, exactly once: a conditional update on OPEN).
 * Owned by the auctions module.
 */
export const reverseAuctions = pgTable(
  'reverse_auctions',
  {
    id: idColumn(),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    categoryId: idRef('category_id').references(() => categories.id, { onDelete: 'set null' }),
    title: text('title').notNull(),
    description: text('description').notNull(),
    specs: jsonb('specs').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    budget: bigint('budget', { mode: 'number' }).notNull(),
    status: auctionStatus('status').notNull().default('OPEN'),
    deadline: timestamp('deadline', { withTimezone: true }).notNull(),
    winningBidId: idRef('winning_bid_id'),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    index('reverse_auctions_status_idx').on(table.status, table.createdAt.desc(), table.id.desc()),
    index('reverse_auctions_category_idx').on(table.categoryId, table.status, table.createdAt.desc()),
    index('reverse_auctions_user_idx').on(table.userId, table.createdAt.desc()),
    index('reverse_auctions_deadline_idx').on(table.deadline).where(sql`${table.status} = 'OPEN'`),
    check('reverse_auctions_budget_check', sql`${table.budget} > 0`),
  ],
);

export const bidStatus = pgEnum('auction_bid_status', ['ACTIVE', 'CANCELLED', 'SELECTED', 'LOST']);

/** Sellers' bids: one live bid per seller per auction. */
export const auctionBids = pgTable(
  'auction_bids',
  {
    id: idColumn(),
    auctionId: idRef('auction_id')
      .notNull()
      .references(() => reverseAuctions.id, { onDelete: 'cascade' }),
    sellerId: idRef('seller_id')
      .notNull()
      .references(() => sellers.id, { onDelete: 'cascade' }),
    bidderUserId: idRef('bidder_user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    price: bigint('price', { mode: 'number' }).notNull(),
    description: text('description').notNull(),
    deliveryDays: smallint('delivery_days').notNull(),
    status: bidStatus('status').notNull().default('ACTIVE'),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('auction_bids_live_seller_key')
      .on(table.auctionId, table.sellerId)
      .where(sql`${table.status} = 'ACTIVE'`),
    index('auction_bids_auction_idx').on(table.auctionId, table.price, table.id),
    check('auction_bids_price_check', sql`${table.price} > 0`),
    check('auction_bids_delivery_days_check', sql`${table.deliveryDays} between 0 and 365`),
  ],
);
