import { randomInt } from 'node:crypto';
import { type Database, orderItems, orders, payments, postgresError, type Transaction } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, asc, count, desc, eq, gte, inArray, lt, lte, type SQL, sql } from 'drizzle-orm';
import {
  mergeStockChanges,
  noStockChange,
  type OfferStock,
  type StockChange,
} from '../../catalog/prices/stock.ts';
import { recordSales } from '../../catalog/products/service.ts';
import type { AddressesService } from '../addresses/service.ts';
import type { CartService } from '../cart/service.ts';
import type { PointsService } from '../points/service.ts';
import {
  type AdminOrderListQuery,
  type CreateOrderBody,
  type OrderDetail,
  type OrderListQuery,
  type OrderStatus,
  type OrderSummary,
  orderStatuses,
} from './schemas.ts';

export type { OrderStatus } from './schemas.ts';

type OrderRow = typeof orders.$inferSelect;
type OrderItemRow = typeof orderItems.$inferSelect;
type PaymentRow = typeof payments.$inferSelect;

/** What the payments module reads of an order. */
export interface PaymentOrder {
  id: number;
  userId: number;
  status: OrderStatus;
  finalAmount: number;
  orderNumber: string;
}

/** A transaction's order change, with what to do once it committed (caches, search wake-up). */
export interface SettledOrder {
  status: OrderStatus;
  /** call after the caller's transaction committed: invalidates the stock it changed */
  afterCommit(): Promise<void>;
}

/** Statuses a member may cancel from; the unpaid order sweep cancels from them too. */
const CANCELLABLE: readonly OrderStatus[] = ['ORDER_PLACED', 'PAYMENT_PENDING'];

/**
 * The steps an admin may take (api-contract §5 "Order flow"). PAYMENT_PENDING and
 * PAYMENT_CONFIRMED are set by the payments module only, RETURNED only after the payment's refund.
 */
export const ADMIN_TRANSITIONS: Readonly<Partial<Record<OrderStatus, readonly OrderStatus[]>>> = {
  ORDER_PLACED: ['CANCELLED'],
  PAYMENT_PENDING: ['CANCELLED'],
  PAYMENT_CONFIRMED: ['PREPARING'],
  PREPARING: ['SHIPPING'],
  SHIPPING: ['DELIVERED'],
  DELIVERED: ['CONFIRMED', 'RETURN_REQUESTED'],
};

/** Purchase confirmation earns this share of the paid amount, rounded down (1%). */
const EARN_PERCENT = 1;
/** A deadlock PostgreSQL broke (another writer took the same rows in another order): retried this often. */
const DEADLOCK_RETRIES = 3;

const ORDER_NUMBER_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SEOUL_OFFSET_MS = 9 * 3600_000;

/** `ORD-yyyyMMdd-XXXXXX`: the Asia/Seoul date (no daylight saving: UTC+9) and 6 random characters. */
export function newOrderNumber(now = new Date()): string {
  const day = new Date(now.getTime() + SEOUL_OFFSET_MS).toISOString().slice(0, 10).replaceAll('-', '');
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += ORDER_NUMBER_ALPHABET[randomInt(ORDER_NUMBER_ALPHABET.length)];
  return `ORD-${day}-${suffix}`;
}

const isOrderStatus = (value: string): value is OrderStatus =>
  (orderStatuses as readonly string[]).includes(value);

const iso = (value: Date | null) => value?.toISOString() ?? null;

function toDetail(order: OrderRow, items: OrderItemRow[], paid: PaymentRow[]): OrderDetail {
  return {
    id: order.id,
    userId: order.userId,
    orderNumber: order.orderNumber,
    status: order.status,
    items: items.map((item) => ({
      id: item.id,
      productId: item.productId,
      sellerId: item.sellerId,
      productName: item.productName,
      sellerName: item.sellerName,
      selectedOptions: item.selectedOptions,
      quantity: item.quantity,
      unitPrice: item.unitPrice,
      totalPrice: item.totalPrice,
    })),
    totalAmount: order.totalAmount,
    pointUsed: order.pointUsed,
    finalAmount: order.finalAmount,
    shippingAddress: {
      recipientName: order.recipientName,
      recipientPhone: order.recipientPhone,
      zipCode: order.zipCode,
      address: order.address,
      addressDetail: order.addressDetail,
    },
    payments: paid.map((payment) => ({
      id: payment.id,
      orderId: payment.orderId,
      orderStatus: order.status,
      method: payment.method,
      amount: payment.amount,
      status: payment.status,
      paidAt: iso(payment.paidAt),
      refundedAt: iso(payment.refundedAt),
    })),
    memo: order.memo,
    payBy: iso(order.payBy),
    paidAt: iso(order.paidAt),
    confirmedAt: iso(order.confirmedAt),
    cancelledAt: iso(order.cancelledAt),
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
  };
}

const paymentOrder = (order: OrderRow): PaymentOrder => ({
  id: order.id,
  userId: order.userId,
  status: order.status,
  finalAmount: order.finalAmount,
  orderNumber: order.orderNumber,
});

/** An order row as PostgreSQL's `to_jsonb` writes it. */
type OrderJson = Record<string, string | number | null>;
type OrderItemJson = Record<string, string | number | null>;

const dateOf = (value: string | number | null | undefined) => (value == null ? null : new Date(value));

function orderFromJson(row: OrderJson): OrderRow {
  return {
    id: Number(row.id),
    orderNumber: String(row.order_number),
    userId: Number(row.user_id),
    status: row.status as OrderStatus,
    totalAmount: Number(row.total_amount),
    pointUsed: Number(row.point_used),
    finalAmount: Number(row.final_amount),
    recipientName: String(row.recipient_name),
    recipientPhone: String(row.recipient_phone),
    zipCode: String(row.zip_code),
    address: String(row.address),
    addressDetail: row.address_detail === null ? null : String(row.address_detail),
    memo: row.memo === null ? null : String(row.memo),
    payBy: dateOf(row.pay_by),
    paidAt: dateOf(row.paid_at),
    confirmedAt: dateOf(row.confirmed_at),
    cancelledAt: dateOf(row.cancelled_at),
    version: Number(row.version),
    createdAt: new Date(String(row.created_at)),
    updatedAt: new Date(String(row.updated_at)),
  };
}

function itemFromJson(row: OrderItemJson): OrderItemRow {
  return {
    id: Number(row.id),
    orderId: Number(row.order_id),
    productId: Number(row.product_id),
    sellerId: Number(row.seller_id),
    offerId: row.offer_id === null ? null : Number(row.offer_id),
    productName: String(row.product_name),
    sellerName: String(row.seller_name),
    selectedOptions: row.selected_options === null ? null : String(row.selected_options),
    quantity: Number(row.quantity),
    unitPrice: Number(row.unit_price),
    totalPrice: Number(row.total_price),
    createdAt: new Date(String(row.created_at)),
    updatedAt: new Date(String(row.updated_at)),
  };
}

/** A day (Asia/Seoul) or an instant as a bound of `created_at`. */
function createdBound(value: string, end: boolean): SQL {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const start = new Date(`${value}T00:00:00+09:00`);
    return end ? lt(orders.createdAt, new Date(start.getTime() + 86_400_000)) : gte(orders.createdAt, start);
  }
  return end ? lte(orders.createdAt, new Date(value)) : gte(orders.createdAt, new Date(value));
}

export interface OrdersServiceOptions {
  db: Database;
  stock: OfferStock;
  points: Pick<PointsService, 'use' | 'refundUse' | 'earn'>;
  cart: Pick<CartService, 'linesOf' | 'removeLines' | 'linesRemoved'>;
  addresses: Pick<AddressesService, 'addressForOrder'>;
  /** after a committed change of products' stock states or sales: invalidates their cached pages, wakes worker-search */
  publishStockChange(change: StockChange): Promise<void>;
  /** ORDER_PAYMENT_TIMEOUT_MINUTES: an order unpaid this long is cancelled by the sweep */
  paymentTimeoutMinutes: number;
  /** how long an order held its stock locks (first lock to commit or rollback), in seconds */
  observeLockHold?(seconds: number): void;
  /** after a committed purchase confirmation: the member's badges are evaluated (order_count, point_total) */
  memberMetricsMoved?(userId: number): Promise<void>;
  /** in the status change's transaction: the member's notification row (delivered once it commits) */
  notifyMember?(
    tx: Transaction,
    userId: number,
    type: 'ORDER_STATUS',
    payload: Record<string, unknown>,
  ): Promise<void>;
  /** running deals (the deals module): their price and stock taken, and given back, in the order's transaction */
  deals?: {
    takeDealStock(
      tx: Transaction,
      lines: { productId: number; quantity: number }[],
    ): Promise<Map<number, number>>;
    /** the products whose deal stock came back */
    restoreDealStock(tx: Transaction, orderId: number): Promise<number[]>;
  };
}

/**
 * Orders (ORD-01..06): placing (stock, points, cart in one transaction), the member's and the
 * admin's lists, cancelling, the admin's status changes, the functions the payments module moves
 * an order with, and the sweep of unpaid orders.
 *
 * Isolation: READ COMMITTED with row locks and a guarded UPDATE, not the contract's SERIALIZABLE.
 * `stock = stock - q … where stock >= q` is re-checked by PostgreSQL on the newest row version
 * after any wait, so it cannot oversell, and the product, order and member rows an order changes
 * are locked before they are read for a decision. SERIALIZABLE would add predicate locks and fail
 * most of a burst of orders on one offer with 40001 (each retried from the start), for no gain in
 * safety here. Lock order, everywhere: order row, products (by id), offers, member row.
 */
export function ordersService(options: OrdersServiceOptions) {
  const { db, stock, points, cart, addresses, publishStockChange, memberMetricsMoved, notifyMember } =
    options;

  /** Runs `work` in a transaction, again when PostgreSQL broke a deadlock by aborting it. */
  async function inTransaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.transaction(work);
      } catch (error) {
        if (postgresError(error).code !== '40P01' || attempt > DEADLOCK_RETRIES) throw error;
      }
    }
  }

  async function lockOrder(tx: Transaction, orderId: number, userId?: number): Promise<OrderRow> {
    const [order] = await tx
      .select()
      .from(orders)
      .where(and(eq(orders.id, orderId), userId === undefined ? undefined : eq(orders.userId, userId)))
      .for('update');
    if (!order) throw new AppError('ORDER_NOT_FOUND');
    return order;
  }

  async function setStatus(
    tx: Transaction,
    order: OrderRow,
    status: OrderStatus,
    extra: Partial<Pick<OrderRow, 'paidAt' | 'confirmedAt' | 'cancelledAt'>> = {},
  ): Promise<void> {
    await tx
      .update(orders)
      .set({ status, ...extra, version: sql`${orders.version} + 1`, updatedAt: new Date() })
      .where(eq(orders.id, order.id));
    // a step the member took themselves (ordering, starting a payment) is no news to them
    if (status !== 'ORDER_PLACED' && status !== 'PAYMENT_PENDING') {
      const change = {
        orderId: order.id,
        orderNumber: order.orderNumber,
        status,
        previousStatus: order.status,
      };
      await notifyMember?.(tx, order.userId, 'ORDER_STATUS', change);
    }
  }

  const invalid = (from: OrderStatus, to: string, allowed: readonly string[] = []) =>
    new AppError('INVALID_STATUS_TRANSITION', { details: { from, to, allowed } });

  /** Gives back the order's stock and the points it used (the order row locked by the caller). */
  async function restore(tx: Transaction, order: OrderRow): Promise<StockChange> {
    const lines = await tx
      .select({ offerId: orderItems.offerId, productId: orderItems.productId, quantity: orderItems.quantity })
      .from(orderItems)
      .where(eq(orderItems.orderId, order.id));
    const change = await stock.returnStock(tx, lines);
    const dealProductIds = (await options.deals?.restoreDealStock(tx, order.id)) ?? [];
    await points.refundUse(tx, order.id);
    // a deal's stock shows in its product's cached comparison
    return mergeStockChanges(change, { ...noStockChange, productIds: dealProductIds });
  }

  /**
   * Cancels an unpaid order (row locked by the caller) and restores its stock and points. An order
   * whose payment is still PENDING at the gateway is refused: the gateway may approve it, and the
   * payments module settles it first (approved: the order is paid; declined: back to ORDER_PLACED).
   * The payments module inserts a payment only under this order's row lock, so the check holds.
   */
  async function cancelUnpaid(tx: Transaction, order: OrderRow): Promise<StockChange> {
    const [pending] = await tx
      .select({ id: payments.id })
      .from(payments)
      .where(and(eq(payments.orderId, order.id), eq(payments.status, 'PENDING')))
      .limit(1);
    if (pending) {
      throw new AppError('ORDER_CANNOT_CANCEL', {
        details: {
          status: order.status,
          paymentId: pending.id,
          reason: 'a payment of this order is in progress; retry once it has completed or failed',
        },
      });
    }
    const change = await restore(tx, order);
    await setStatus(tx, order, 'CANCELLED', { cancelledAt: new Date() });
    return change;
  }

  /**
   * Purchase confirmed: 1% of the paid amount earned, the products' sales counted. The sales move
   * the products' popularity (list order, search documents): what to publish after the commit.
   */
  async function confirm(tx: Transaction, order: OrderRow): Promise<StockChange> {
    const lines = await tx
      .select({ productId: orderItems.productId, quantity: orderItems.quantity })
      .from(orderItems)
      .where(eq(orderItems.orderId, order.id));
    await recordSales(tx, lines);
    const earned = Math.floor((order.finalAmount * EARN_PERCENT) / 100);
    if (earned > 0) {
      await points.earn(tx, order.userId, earned, {
        type: 'EARN',
        description: `${EARN_PERCENT}% of order ${order.orderNumber}`,
        orderId: order.id,
      });
    }
    await setStatus(tx, order, 'CONFIRMED', { confirmedAt: new Date() });
    return {
      ...noStockChange,
      productIds: [...new Set(lines.map((line) => line.productId))],
      searchChanged: true,
    };
  }

  async function detailOf(orderId: number, userId?: number): Promise<OrderDetail> {
    const [[order], items, paid] = await Promise.all([
      db
        .select()
        .from(orders)
        .where(and(eq(orders.id, orderId), userId === undefined ? undefined : eq(orders.userId, userId))),
      db.select().from(orderItems).where(eq(orderItems.orderId, orderId)).orderBy(asc(orderItems.id)),
      db.select().from(payments).where(eq(payments.orderId, orderId)).orderBy(asc(payments.id)),
    ]);
    if (!order) throw new AppError('ORDER_NOT_FOUND');
    return toDetail(order, items, paid);
  }

  async function summaries(
    where: SQL | undefined,
    query: { page: number; limit: number },
  ): Promise<{ items: OrderSummary[]; totalCount: number }> {
    const [rows, [total]] = await Promise.all([
      db
        .select({
          id: orders.id,
          orderNumber: orders.orderNumber,
          status: orders.status,
          totalAmount: orders.totalAmount,
          finalAmount: orders.finalAmount,
          createdAt: orders.createdAt,
          // spelt out: drizzle leaves the columns of a one-table select unqualified
          itemCount: sql<number>`(select count(*)::int from order_items item where item.order_id = orders.id)`,
        })
        .from(orders)
        .where(where)
        .orderBy(desc(orders.createdAt), desc(orders.id))
        .limit(query.limit)
        .offset((query.page - 1) * query.limit),
      db.select({ value: count() }).from(orders).where(where),
    ]);
    return {
      items: rows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() })),
      totalCount: total?.value ?? 0,
    };
  }

  /**
   * Inserts the order under a fresh order number (another one when the number is taken), to be
   * paid within the payment timeout, and its lines, in one statement (one round trip fewer while
   * the order holds its locks).
   */
  async function insertOrder(
    tx: Transaction,
    values: Omit<typeof orders.$inferInsert, 'orderNumber' | 'payBy' | 'status'>,
    lines: Omit<typeof orderItems.$inferInsert, 'orderId'>[],
  ): Promise<{ order: OrderRow; items: OrderItemRow[] }> {
    const column = <K extends keyof (typeof lines)[number]>(key: K) =>
      sql.param(lines.map((line) => line[key] ?? null));
    for (let attempt = 1; ; attempt++) {
      const [row] = await tx.execute<{ order: OrderJson | null; items: OrderItemJson[] }>(sql`
        with placed as (
          insert into orders (order_number, user_id, total_amount, point_used, final_amount, recipient_name,
                              recipient_phone, zip_code, address, address_detail, memo, pay_by)
          values (${newOrderNumber()}, ${values.userId}, ${values.totalAmount}, ${values.pointUsed ?? 0},
                  ${values.finalAmount}, ${values.recipientName}, ${values.recipientPhone}, ${values.zipCode},
                  ${values.address}, ${values.addressDetail ?? null}, ${values.memo ?? null},
                  now() + make_interval(mins => ${options.paymentTimeoutMinutes}))
          on conflict (order_number) do nothing
          returning *
        ), lines as (
          insert into order_items (order_id, product_id, seller_id, offer_id, product_name, seller_name,
                                   selected_options, quantity, unit_price, total_price)
          select placed.id, line.product_id, line.seller_id, line.offer_id, line.product_name, line.seller_name,
                 line.selected_options, line.quantity, line.unit_price, line.total_price
          from placed, unnest(${column('productId')}::bigint[], ${column('sellerId')}::bigint[],
                              ${column('offerId')}::bigint[], ${column('productName')}::text[],
                              ${column('sellerName')}::text[], ${column('selectedOptions')}::text[],
                              ${column('quantity')}::int[], ${column('unitPrice')}::bigint[],
                              ${column('totalPrice')}::bigint[])
            with ordinality as line(product_id, seller_id, offer_id, product_name, seller_name,
                                    selected_options, quantity, unit_price, total_price, position)
          order by line.position
          returning *
        )
        select (select to_jsonb(placed) from placed) as "order",
               coalesce((select jsonb_agg(lines order by lines.id) from lines), '[]'::jsonb) as items`);
      if (row?.order) return { order: orderFromJson(row.order), items: row.items.map(itemFromJson) };
      if (attempt >= 5) throw new Error('no free order number after 5 tries');
    }
  }

  return {
    /** Purchase-confirmed (CONFIRMED) orders per member, for the badges' order_count; a member without any is absent. */
    async countConfirmedOrdersForUsers(userIds: readonly number[]): Promise<Map<number, number>> {
      if (userIds.length === 0) return new Map();
      const rows = await db.execute<{ user_id: number; orders: number }>(sql`
        select user_id, count(*)::int as orders from orders
        where user_id = any(${`{${userIds.join(',')}}`}::bigint[]) and status = 'CONFIRMED'
        group by user_id`);
      return new Map(rows.map((row) => [Number(row.user_id), Number(row.orders)]));
    },

    /**
     * `POST /orders`: the lines (the body's, or the member's cart lines) at the offers' current
     * prices; stock taken, points used, order and lines written and the cart lines removed in one
     * transaction. Nothing is written when any of it fails.
     */
    async place(userId: number, body: CreateOrderBody): Promise<OrderDetail> {
      const [address, cartLines] = await Promise.all([
        addresses.addressForOrder(userId, body.addressId),
        body.fromCart ? cart.linesOf(userId, body.cartItemIds ?? []) : Promise.resolve(undefined),
      ]);
      if (cartLines) {
        const found = new Set(cartLines.map((line) => line.id));
        const missing = (body.cartItemIds ?? []).filter((id) => !found.has(id));
        if (missing.length > 0) {
          throw new AppError('VALIDATION_ERROR', {
            details: [{ field: 'cartItemIds', message: 'not lines of your cart', missing }],
          });
        }
      }
      const lines = cartLines ?? body.items ?? [];
      const usePoint = body.usePoint ?? 0;
      // from the moment the products' locks are held to the commit or rollback that frees them
      let lockedAt = 0;
      const locked = () => {
        lockedAt = performance.now();
      };
      const observe = () => {
        if (lockedAt > 0) options.observeLockHold?.((performance.now() - lockedAt) / 1000);
        lockedAt = 0;
      };
      const placed = await inTransaction(async (tx) => {
        const taken = await stock.takeStock(tx, lines, locked);
        // a product in a running deal sells at the deal price while the deal's own stock lasts
        const dealPrices = (await options.deals?.takeDealStock(tx, lines)) ?? new Map<number, number>();
        const items = lines.map((line) => {
          const offer = taken.offers.get(`${line.productId}:${line.sellerId}`)!;
          const unitPrice = dealPrices.get(line.productId) ?? offer.price;
          return {
            productId: line.productId,
            sellerId: line.sellerId,
            offerId: offer.offerId,
            productName: offer.productName,
            sellerName: offer.sellerName,
            selectedOptions: line.selectedOptions ?? null,
            quantity: line.quantity,
            unitPrice,
            totalPrice: unitPrice * line.quantity,
          };
        });
        const totalAmount = items.reduce((sum, item) => sum + item.totalPrice, 0);
        const maxPoint = Math.floor(totalAmount / 2);
        if (usePoint > maxPoint) {
          throw new AppError('VALIDATION_ERROR', {
            details: [
              {
                field: 'usePoint',
                message: `at most half of the total (${maxPoint} points)`,
                max: maxPoint,
              },
            ],
          });
        }
        const { order, items: rows } = await insertOrder(
          tx,
          {
            userId,
            totalAmount,
            pointUsed: usePoint,
            finalAmount: totalAmount - usePoint,
            recipientName: address.recipientName,
            recipientPhone: address.phone,
            zipCode: address.zipCode,
            address: address.address,
            addressDetail: address.addressDetail,
            memo: body.memo ?? null,
          },
          items,
        );
        if (usePoint > 0) await points.use(tx, userId, usePoint, order.id);
        if (cartLines) {
          // the DELETE waits for a concurrent order of the same lines; once that one committed the
          // lines are gone, and this order must not be placed a second time from them
          const removed = await cart.removeLines(
            tx,
            userId,
            cartLines.map((line) => line.id),
          );
          if (removed < cartLines.length) {
            throw new AppError('CONFLICT', {
              details: [
                { field: 'cartItemIds', message: 'these cart lines were just ordered by another request' },
              ],
            });
          }
        }
        // a deal's stock shows in its product's cached comparison
        const dealChange = { ...noStockChange, productIds: [...dealPrices.keys()] };
        return { detail: toDetail(order, rows, []), change: mergeStockChanges(taken.change, dealChange) };
      }).finally(async () => {
        observe();
        // the cart lines' removal is known after the commit (or a failure that may follow one)
        if (cartLines) await cart.linesRemoved(userId);
      });
      await publishStockChange(placed.change);
      return placed.detail;
    },

    list(userId: number, query: OrderListQuery) {
      return summaries(
        and(eq(orders.userId, userId), query.status ? eq(orders.status, query.status) : undefined),
        query,
      );
    },

    adminList(query: AdminOrderListQuery) {
      return summaries(
        and(
          query.status ? eq(orders.status, query.status) : undefined,
          query.userId ? eq(orders.userId, query.userId) : undefined,
          query.orderNumber ? eq(orders.orderNumber, query.orderNumber) : undefined,
          query.from ? createdBound(query.from, false) : undefined,
          query.to ? createdBound(query.to, true) : undefined,
        ),
        query,
      );
    },

    /** The member's order; ORDER_NOT_FOUND for anyone else's. */
    detail(userId: number, orderId: number): Promise<OrderDetail> {
      return detailOf(orderId, userId);
    },

    /**
     * `POST /orders/:id/cancel`: ORDER_PLACED or PAYMENT_PENDING → CANCELLED, stock and points
     * given back once: the order row is locked and its status read under the lock, so a second
     * cancel, at the same moment or later, finds it CANCELLED (ORDER_ALREADY_CANCELLED).
     */
    async cancel(userId: number, orderId: number): Promise<OrderDetail> {
      const change = await inTransaction(async (tx) => {
        const order = await lockOrder(tx, orderId, userId);
        if (order.status === 'CANCELLED') throw new AppError('ORDER_ALREADY_CANCELLED');
        if (!CANCELLABLE.includes(order.status)) {
          throw new AppError('ORDER_CANNOT_CANCEL', { details: { status: order.status } });
        }
        return cancelUnpaid(tx, order);
      });
      await publishStockChange(change);
      return detailOf(orderId, userId);
    },

    /**
     * `PATCH /admin/orders/:id/status`: one step of ADMIN_TRANSITIONS; any other step, or a text
     * that is no status, is INVALID_STATUS_TRANSITION. CANCELLED restores like the member's cancel;
     * CONFIRMED earns 1% and counts the sales, in the same transaction.
     */
    async changeStatus(orderId: number, next: string): Promise<OrderDetail> {
      const change = await inTransaction(async (tx) => {
        const order = await lockOrder(tx, orderId);
        const allowed = ADMIN_TRANSITIONS[order.status] ?? [];
        if (!isOrderStatus(next) || !allowed.includes(next)) throw invalid(order.status, next, allowed);
        if (next === 'CANCELLED') return cancelUnpaid(tx, order);
        if (next === 'CONFIRMED') return confirm(tx, order);
        await setStatus(tx, order, next);
        return noStockChange;
      });
      await publishStockChange(change);
      const detail = await detailOf(orderId);
      if (next === 'CONFIRMED') await memberMetricsMoved?.(detail.userId);
      return detail;
    },

    // --- for the payments module: each runs in the caller's transaction and locks the order row

    /** The member's order as a payment needs it (not locked); ORDER_NOT_FOUND for anyone else's. */
    async forPayment(userId: number, orderId: number): Promise<PaymentOrder> {
      const [order] = await db
        .select()
        .from(orders)
        .where(and(eq(orders.id, orderId), eq(orders.userId, userId)));
      if (!order) throw new AppError('ORDER_NOT_FOUND');
      return paymentOrder(order);
    },

    /** The order, its row locked until the caller's transaction ends. */
    async lockForPayment(tx: Transaction, orderId: number): Promise<PaymentOrder> {
      return paymentOrder(await lockOrder(tx, orderId));
    },

    /** ORDER_PLACED → PAYMENT_PENDING (nothing to do when already PAYMENT_PENDING). */
    async markPaymentPending(tx: Transaction, orderId: number): Promise<void> {
      const order = await lockOrder(tx, orderId);
      if (order.status === 'PAYMENT_PENDING') return;
      if (order.status !== 'ORDER_PLACED') throw invalid(order.status, 'PAYMENT_PENDING');
      await setStatus(tx, order, 'PAYMENT_PENDING');
    },

    /** PAYMENT_PENDING → PAYMENT_CONFIRMED, paid at `paidAt`. */
    async markPaid(tx: Transaction, orderId: number, paidAt: Date): Promise<void> {
      const order = await lockOrder(tx, orderId);
      if (order.status !== 'PAYMENT_PENDING') throw invalid(order.status, 'PAYMENT_CONFIRMED');
      await setStatus(tx, order, 'PAYMENT_CONFIRMED', { paidAt });
    },

    /** PAYMENT_PENDING → ORDER_PLACED: the member may pay again (nothing to do when already ORDER_PLACED). */
    async markPaymentFailed(tx: Transaction, orderId: number): Promise<void> {
      const order = await lockOrder(tx, orderId);
      if (order.status === 'ORDER_PLACED') return;
      if (order.status !== 'PAYMENT_PENDING') throw invalid(order.status, 'ORDER_PLACED');
      await setStatus(tx, order, 'ORDER_PLACED');
    },

    /**
     * After the payment was refunded at the gateway: PAYMENT_CONFIRMED or PREPARING → CANCELLED,
     * RETURN_REQUESTED → RETURNED (returned goods go back on sale). Either way the order's stock
     * and used points are given back; nothing else is clawed back (an order is confirmed, and
     * earns, only after delivery, and a confirmed order cannot be returned).
     * INVALID_STATUS_TRANSITION from any other status. Call `afterCommit` once committed.
     */
    async cancelAfterRefund(tx: Transaction, orderId: number): Promise<SettledOrder> {
      const order = await lockOrder(tx, orderId);
      let next: OrderStatus;
      if (order.status === 'PAYMENT_CONFIRMED' || order.status === 'PREPARING') next = 'CANCELLED';
      else if (order.status === 'RETURN_REQUESTED') next = 'RETURNED';
      else throw invalid(order.status, 'CANCELLED', ['PAYMENT_CONFIRMED', 'PREPARING', 'RETURN_REQUESTED']);
      const change = await restore(tx, order);
      await setStatus(tx, order, next, next === 'CANCELLED' ? { cancelledAt: new Date() } : {});
      return { status: next, afterCommit: () => publishStockChange(change) };
    },

    /**
     * The sweep of unpaid orders: ORDER_PLACED or PAYMENT_PENDING past `pay_by` are cancelled with
     * their stock and points given back, each in a transaction of its own, oldest deadline first,
     * at most `batch` per call. An order with a PENDING payment is left alone (the gateway may
     * have approved it; the payments module settles it first), and so is one another transaction
     * holds (a member's cancel, a payment): the next sweep sees it again.
     */
    async expireUnpaid(batch = 200): Promise<{ cancelled: number; skipped: number }> {
      const due = await db
        .select({ id: orders.id })
        .from(orders)
        .where(
          and(
            inArray(orders.status, [...CANCELLABLE]),
            sql`${orders.payBy} <= now()`,
            // spelt out: drizzle leaves the columns of a one-table select unqualified
            sql`not exists (select 1 from payments p where p.order_id = orders.id and p.status = 'PENDING')`,
          ),
        )
        .orderBy(asc(orders.payBy))
        .limit(batch);
      let cancelled = 0;
      let skipped = 0;
      let change = noStockChange;
      for (const { id } of due) {
        try {
          const done = await inTransaction(async (tx) => {
            const [order] = await tx
              .select()
              .from(orders)
              .where(
                and(
                  eq(orders.id, id),
                  inArray(orders.status, [...CANCELLABLE]),
                  sql`${orders.payBy} <= now()`,
                ),
              )
              .for('update', { skipLocked: true });
            return order ? cancelUnpaid(tx, order) : undefined;
          });
          if (done) {
            cancelled += 1;
            change = mergeStockChanges(change, done);
          } else {
            skipped += 1;
          }
        } catch (error) {
          // a payment started since the list was read: left to the payments module
          if (!(error instanceof AppError && error.code === 'ORDER_CANNOT_CANCEL')) throw error;
          skipped += 1;
        }
      }
      await publishStockChange(change);
      return { cancelled, skipped };
    },
  };
}

export type OrdersService = ReturnType<typeof ordersService>;
