import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { categories, products } from './catalog.ts';
import { idColumn, idRef, timestamps } from './columns.ts';

export const specType = pgEnum('spec_type', ['NUMBER', 'SELECT', 'TEXT', 'BOOLEAN']);
export const specDirection = pgEnum('spec_direction', ['HIGHER_IS_BETTER', 'LOWER_IS_BETTER', 'NONE']);

/**
 * A spec template per category. A category inherits the definitions of its `inherits_from`
 * category (gaming laptop inherits laptop) and may add its own. Owned by the specs module.
 */
export const specTemplates = pgTable('spec_templates', {
  categoryId: idRef('category_id')
    .primaryKey()
    .references(() => categories.id, { onDelete: 'cascade' }),
  inheritsFromCategoryId: idRef('inherits_from_category_id').references((): AnyPgColumn => categories.id, {
    onDelete: 'set null',
  }),
  ...timestamps,
});

export const specDefinitions = pgTable(
  'spec_definitions',
  {
    id: idColumn(),
    categoryId: idRef('category_id')
      .notNull()
      .references(() => categories.id, { onDelete: 'cascade' }),
    // stable machine key used in filters and weights, e.g. "ram"
    key: text('key').notNull(),
    name: text('name').notNull(),
    groupName: text('group_name'),
    type: specType('type').notNull(),
    unit: text('unit'),
    options: jsonb('options').$type<string[]>(),
    direction: specDirection('direction').notNull().default('NONE'),
    filterable: boolean('filterable').notNull().default(true),
    sortOrder: integer('sort_order').notNull().default(0),
    ...timestamps,
  },
  (table) => [uniqueIndex('spec_definitions_category_key').on(table.categoryId, table.key)],
);

/** A product's value for one spec: numbers in `number_value` (comparable), the rest as text. */
export const productSpecValues = pgTable(
  'product_spec_values',
  {
    productId: idRef('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    specDefinitionId: idRef('spec_definition_id')
      .notNull()
      .references(() => specDefinitions.id, { onDelete: 'cascade' }),
    textValue: text('text_value'),
    numberValue: numeric('number_value', { precision: 18, scale: 4, mode: 'number' }),
    ...timestamps,
  },
  (table) => [
    primaryKey({ columns: [table.productId, table.specDefinitionId] }),
    index('product_spec_values_def_text_idx').on(table.specDefinitionId, table.textValue),
    index('product_spec_values_def_number_idx').on(table.specDefinitionId, table.numberValue),
  ],
);

/** Score mapping of a spec (SELECT option → score, or NUMBER range → score) for weighted comparison. */
export const specScores = pgTable(
  'spec_scores',
  {
    id: idColumn(),
    specDefinitionId: idRef('spec_definition_id')
      .notNull()
      .references(() => specDefinitions.id, { onDelete: 'cascade' }),
    optionValue: text('option_value'),
    minValue: numeric('min_value', { precision: 18, scale: 4, mode: 'number' }),
    maxValue: numeric('max_value', { precision: 18, scale: 4, mode: 'number' }),
    score: integer('score').notNull(),
    ...timestamps,
  },
  (table) => [index('spec_scores_definition_idx').on(table.specDefinitionId)],
);

export const alertKind = pgEnum('alert_kind', ['TARGET_PRICE', 'DROP_FROM_LAST_WEEK', 'ALL_TIME_LOW']);

/** Price alerts of members; fire once when an offer change makes them true. Owned by the alerts module. */
export const priceAlerts = pgTable(
  'price_alerts',
  {
    id: idColumn(),
    userId: idRef('user_id').notNull(),
    productId: idRef('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    kind: alertKind('kind').notNull().default('TARGET_PRICE'),
    // TARGET_PRICE: fire at or below this many KRW
    targetPrice: bigint('target_price', { mode: 'number' }),
    // DROP_FROM_LAST_WEEK: fire when the lowest is this many percent below last week's
    // (ALL_TIME_LOW needs neither: it fires below every lowest price recorded before)
    dropPercent: integer('drop_percent'),
    triggeredAt: timestamp('triggered_at', { withTimezone: true }),
    triggeredPrice: bigint('triggered_price', { mode: 'number' }),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('price_alerts_user_product_kind_key').on(table.userId, table.productId, table.kind),
    index('price_alerts_pending_idx').on(table.productId).where(sql`${table.triggeredAt} is null`),
  ],
);

/** Notifications waiting for delivery (push/websocket issues deliver them). */
export const notifications = pgTable(
  'notifications',
  {
    id: idColumn(),
    userId: idRef('user_id').notNull(),
    type: text('type').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    readAt: timestamp('read_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    index('notifications_user_created_idx').on(table.userId, table.createdAt),
    // the unread count and the unread list read only these
    index('notifications_user_unread_idx')
      .on(table.userId, table.id.desc())
      .where(sql`${table.readAt} is null`),
  ],
);
