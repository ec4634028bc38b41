import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { offers, products, sellers } from './catalog.ts';
import { idColumn, idRef, timestamps } from './columns.ts';
import { images } from './media.ts';
import { users } from './users.ts';

/**
 * A member's cart line: one seller's offer of one product with the chosen options. The guest cart
 * lives in Redis (keyed by `x-cart-key`) and is merged into these rows on login. Owned by the cart
 * module.
 */
export const cartItems = pgTable(
  'cart_items',
  {
    id: idColumn(),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    productId: idRef('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    sellerId: idRef('seller_id')
      .notNull()
      .references(() => sellers.id, { onDelete: 'cascade' }),
    selectedOptions: text('selected_options'),
    quantity: integer('quantity').notNull(),
    // the offer's price when the line was added: the cart flags a price change since then
    unitPriceAtAdd: bigint('unit_price_at_add', { mode: 'number' }).notNull(),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('cart_items_user_line_key').on(
      table.userId,
      table.productId,
      table.sellerId,
      sql`coalesce(${table.selectedOptions}, '')`,
    ),
    check('cart_items_quantity_check', sql`${table.quantity} between 1 and 999`),
  ],
);

/** A member's shipping addresses; at most one default per member. Owned by the addresses module. */
export const addresses = pgTable(
  'addresses',
  {
    id: idColumn(),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    recipientName: text('recipient_name').notNull(),
    phone: text('phone').notNull(),
    zipCode: text('zip_code').notNull(),
    address: text('address').notNull(),
    addressDetail: text('address_detail'),
    isDefault: boolean('is_default').notNull().default(false),
    ...timestamps,
  },
  (table) => [
    index('addresses_user_idx').on(table.userId, table.createdAt),
    // "exactly one default" holds under concurrent writes because the database refuses a second
    uniqueIndex('addresses_user_default_key').on(table.userId).where(sql`${table.isDefault}`),
  ],
);

/** Products a member keeps an eye on. Owned by the wishlist module. */
export const wishlistItems = pgTable(
  'wishlist_items',
  {
    id: idColumn(),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    productId: idRef('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('wishlist_items_user_product_key').on(table.userId, table.productId),
    index('wishlist_items_user_created_idx').on(table.userId, table.createdAt.desc(), table.id.desc()),
  ],
);

/** The contract's order flow (api-contract §5 business rules). */
export const orderStatus = pgEnum('order_status', [
  'ORDER_PLACED',
  'PAYMENT_PENDING',
  'PAYMENT_CONFIRMED',
  'PREPARING',
  'SHIPPING',
  'DELIVERED',
  'CONFIRMED',
  'CANCELLED',
  'RETURN_REQUESTED',
  'RETURNED',
]);

/**
 * Orders, with the shipping address copied in (a later edit of the address book does not move a
 * placed order). Owned by the orders module; payments change an order's status through its service.
 */
export const orders = pgTable(
  'orders',
  {
    id: idColumn(),
    // ORD-yyyyMMdd-XXXXXX
    orderNumber: text('order_number').notNull(),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    status: orderStatus('status').notNull().default('ORDER_PLACED'),
    totalAmount: bigint('total_amount', { mode: 'number' }).notNull(),
    pointUsed: bigint('point_used', { mode: 'number' }).notNull().default(0),
    finalAmount: bigint('final_amount', { mode: 'number' }).notNull(),
    recipientName: text('recipient_name').notNull(),
    recipientPhone: text('recipient_phone').notNull(),
    zipCode: text('zip_code').notNull(),
    address: text('address').notNull(),
    addressDetail: text('address_detail'),
    memo: text('memo'),
    // an order still unpaid at this time is expired by a scheduled job, releasing its stock
    payBy: timestamp('pay_by', { withTimezone: true }),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    version: integer('version').notNull().default(1),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('orders_order_number_key').on(table.orderNumber),
    index('orders_user_created_idx').on(table.userId, table.createdAt.desc(), table.id.desc()),
    index('orders_created_idx').on(table.createdAt.desc(), table.id.desc()),
    index('orders_status_created_idx').on(table.status, table.createdAt.desc(), table.id.desc()),
    index('orders_pay_by_idx')
      .on(table.payBy)
      .where(sql`${table.status} in ('ORDER_PLACED', 'PAYMENT_PENDING')`),
    check(
      'orders_amounts_check',
      sql`${table.totalAmount} >= 0 and ${table.pointUsed} >= 0 and ${table.finalAmount} = ${table.totalAmount} - ${table.pointUsed}`,
    ),
  ],
);

/** One line of an order: what was bought, from whom, at which price (copied, not referenced). */
export const orderItems = pgTable(
  'order_items',
  {
    id: idColumn(),
    orderId: idRef('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    productId: idRef('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'restrict' }),
    sellerId: idRef('seller_id')
      .notNull()
      .references(() => sellers.id, { onDelete: 'restrict' }),
    // the offer whose stock the line took (null once that offer is withdrawn)
    offerId: idRef('offer_id').references(() => offers.id, { onDelete: 'set null' }),
    productName: text('product_name').notNull(),
    sellerName: text('seller_name').notNull(),
    selectedOptions: text('selected_options'),
    quantity: integer('quantity').notNull(),
    unitPrice: bigint('unit_price', { mode: 'number' }).notNull(),
    totalPrice: bigint('total_price', { mode: 'number' }).notNull(),
    ...timestamps,
  },
  (table) => [
    index('order_items_order_idx').on(table.orderId),
    index('order_items_product_idx').on(table.productId),
    check(
      'order_items_amounts_check',
      sql`${table.quantity} > 0 and ${table.unitPrice} >= 0 and ${table.totalPrice} = ${table.unitPrice} * ${table.quantity}`,
    ),
  ],
);

/**
 * PENDING: sent to the gateway, outcome not known yet (a timed-out confirm stays here until the
 * gateway is asked); COMPLETED: approved; FAILED: declined or refused; REFUNDED: cancelled at the
 * gateway after approval.
 */
export const paymentStatus = pgEnum('payment_status', ['PENDING', 'COMPLETED', 'FAILED', 'REFUNDED']);

/** Payments of orders through the payment gateway. Owned by the payments module. */
export const payments = pgTable(
  'payments',
  {
    id: idColumn(),
    orderId: idRef('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'restrict' }),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'restrict' }),
    method: text('method').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    status: paymentStatus('status').notNull().default('PENDING'),
    // the gateway's key of the approved payment (needed to cancel it)
    gatewayPaymentKey: text('gateway_payment_key'),
    failureCode: text('failure_code'),
    failureMessage: text('failure_message'),
    refundReason: text('refund_reason'),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    refundedAt: timestamp('refunded_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    index('payments_order_idx').on(table.orderId),
    index('payments_status_updated_idx').on(table.status, table.updatedAt),
    // one live payment per order: a second charge cannot even be recorded
    uniqueIndex('payments_order_live_key')
      .on(table.orderId)
      .where(sql`${table.status} in ('PENDING', 'COMPLETED')`),
    check('payments_amount_check', sql`${table.amount} > 0`),
  ],
);

export const pointTransactionType = pgEnum('point_transaction_type', [
  'EARN',
  'USE',
  'REFUND',
  'EXPIRE',
  'ADMIN_GRANT',
]);

/**
 * The points ledger, append-only. `amount` is signed (USE and EXPIRE are negative) and
 * `balance_after` is the member's balance right after the row; `users.point` is that running
 * balance, written only by the points module under a row lock on the member. Credit rows (EARN,
 * REFUND, ADMIN_GRANT) carry `expires_at` and the part of them not yet spent or expired
 * (`remaining_amount`), so expiry takes exactly what is left of each lot.
 */
export const pointTransactions = pgTable(
  'point_transactions',
  {
    id: idColumn(),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    type: pointTransactionType('type').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    balanceAfter: bigint('balance_after', { mode: 'number' }).notNull(),
    description: text('description'),
    orderId: idRef('order_id').references(() => orders.id, { onDelete: 'set null' }),
    reviewId: idRef('review_id'),
    remainingAmount: bigint('remaining_amount', { mode: 'number' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    index('point_transactions_user_created_idx').on(table.userId, table.createdAt.desc(), table.id.desc()),
    index('point_transactions_lots_idx')
      .on(table.userId, table.expiresAt)
      .where(sql`${table.remainingAmount} > 0`),
    index('point_transactions_expiry_idx').on(table.expiresAt).where(sql`${table.remainingAmount} > 0`),
    check('point_transactions_balance_check', sql`${table.balanceAfter} >= 0`),
    check(
      'point_transactions_remaining_check',
      sql`${table.remainingAmount} is null or ${table.remainingAmount} between 0 and ${table.amount}`,
    ),
  ],
);

/** Reviews of purchase-confirmed order items, one per item. Owned by the reviews module. */
export const reviews = pgTable(
  'reviews',
  {
    id: idColumn(),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    productId: idRef('product_id')
      .notNull()
      .references(() => products.id, { onDelete: 'cascade' }),
    orderId: idRef('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    orderItemId: idRef('order_item_id')
      .notNull()
      .references(() => orderItems.id, { onDelete: 'cascade' }),
    rating: smallint('rating').notNull(),
    content: text('content').notNull(),
    tags: jsonb('tags').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    imageUrls: jsonb('image_urls').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    isBest: boolean('is_best').notNull().default(false),
    ...timestamps,
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('reviews_order_item_key').on(table.orderItemId).where(sql`${table.deletedAt} is null`),
    index('reviews_product_created_idx')
      .on(table.productId, table.createdAt.desc(), table.id.desc())
      .where(sql`${table.deletedAt} is null`),
    // the rating filter and the rating sorts (read one rating after another), newest first in each;
    // also the product's count and average, index-only
    index('reviews_product_rating_created_idx')
      .on(table.productId, table.rating, table.createdAt.desc(), table.id.desc())
      .where(sql`${table.deletedAt} is null`),
    // the best-first sort's first part: a product's few best reviews, newest first
    index('reviews_product_best_created_idx')
      .on(table.productId, table.createdAt.desc(), table.id.desc())
      .where(sql`${table.isBest} and ${table.deletedAt} is null`),
    index('reviews_user_idx').on(table.userId),
    check('reviews_rating_check', sql`${table.rating} between 1 and 5`),
  ],
);

/**
 * The images a review shows that its author uploaded through the image service, in their order.
 * An image belongs to one review at most (the unique index), so deleting the review deletes its
 * images with no other review losing one.
 */
export const reviewImages = pgTable(
  'review_images',
  {
    reviewId: idRef('review_id')
      .notNull()
      .references(() => reviews.id, { onDelete: 'cascade' }),
    imageId: idRef('image_id')
      .notNull()
      .references(() => images.id, { onDelete: 'cascade' }),
    position: smallint('position').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.reviewId, table.imageId] }),
    uniqueIndex('review_images_image_key').on(table.imageId),
  ],
);

/**
 * `Idempotency-Key` records of retryable writes (order, payment, refund): the first request's
 * answer is kept and replayed. IN_FLIGHT rows hold a lease (`locked_until`); a request that died
 * mid-way frees its key when the lease runs out. Rows are kept until `expires_at`.
 */
export const idempotencyState = pgEnum('idempotency_state', ['IN_FLIGHT', 'DONE']);

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    id: idColumn(),
    userId: idRef('user_id').notNull(),
    // the operation the key belongs to, e.g. `POST /orders`
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    // sha256 of the request body: the same key with another body is refused
    requestHash: text('request_hash').notNull(),
    state: idempotencyState('state').notNull().default('IN_FLIGHT'),
    responseStatus: integer('response_status'),
    responseBody: jsonb('response_body'),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('idempotency_keys_user_scope_key').on(table.userId, table.scope, table.key),
    index('idempotency_keys_expires_idx').on(table.expiresAt),
  ],
);
