import type { Logger } from '@pbshop/config';
import { type Database, orders, payments, type Transaction } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, asc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { OrderStatus, OrdersService } from '../orders/service.ts';
import type { GatewayOutcome, GatewayPayment, PaymentGateway } from './gateway.ts';
import type { CreatePaymentBody, Payment } from './schemas.ts';

type PaymentRow = typeof payments.$inferSelect;

/** Orders a member may pay. */
const PAYABLE: readonly OrderStatus[] = ['ORDER_PLACED', 'PAYMENT_PENDING'];
/** Orders a member may have refunded: paid, not shipped yet. */
const MEMBER_REFUNDABLE: readonly OrderStatus[] = ['PAYMENT_CONFIRMED', 'PREPARING'];
/** An admin may also refund a return (the order becomes RETURNED). */
const ADMIN_REFUNDABLE: readonly OrderStatus[] = [...MEMBER_REFUNDABLE, 'RETURN_REQUESTED'];

/** failure codes of our own, beside the gateway's decline codes */
export const FAILURE = {
  /** the breaker was open: the confirm never left this process */
  GATEWAY_UNAVAILABLE: 'GATEWAY_UNAVAILABLE',
  /** the reconciler asked: the gateway has no payment for the order */
  NOT_FOUND_AT_GATEWAY: 'NOT_FOUND_AT_GATEWAY',
  /** the reconciler asked: the gateway's payment of the order was cancelled there */
  CANCELED_AT_GATEWAY: 'CANCELED_AT_GATEWAY',
  /** the gateway holds another payment of the order (not ours) */
  OTHER_PAYMENT_AT_GATEWAY: 'OTHER_PAYMENT_AT_GATEWAY',
} as const;

const DEFAULT_REFUND_REASON = 'refund requested';

/**
 * Keys that name one payment at the gateway, the same on every try: a confirm or cancel repeated
 * (a client retry, the reconciler) is answered from the gateway's idempotency record, never
 * charged or refunded twice. The confirm key names the payment as well as the order, so a new
 * payment of an order whose first one was declined is a new request, not the old decline replayed.
 */
export const gatewayKeys = {
  paymentKey: (paymentId: number) => `pbshop_pay_${paymentId}`,
  confirm: (orderId: number, paymentId: number) => `order-${orderId}-payment-${paymentId}-confirm`,
  cancel: (paymentId: number) => `payment-${paymentId}-cancel`,
};

export interface PaymentsServiceDeps {
  db: Database;
  orders: Pick<
    OrdersService,
    | 'forPayment'
    | 'lockForPayment'
    | 'markPaymentPending'
    | 'markPaid'
    | 'markPaymentFailed'
    | 'cancelAfterRefund'
  >;
  gateway: PaymentGateway;
  /** whether the `payment` breaker refuses calls now (then nothing is written) */
  gatewayPausedForMs(): number;
  logger: Logger;
  /** PAYMENT_RECONCILE_AFTER_MS: a PENDING payment (or a refund under way) older than this is settled by asking */
  reconcileAfterMs: number;
}

/** Who asks: a member for their own payments, an admin for any. */
export interface PaymentActor {
  userId: number;
  admin: boolean;
}

export interface ReconcileResult {
  completed: number;
  failed: number;
  refunded: number;
  /** payments or refunds the gateway could not tell about this round (left for the next) */
  unresolved: number;
}

const iso = (value: Date | null) => value?.toISOString() ?? null;

function toPayment(row: PaymentRow, orderStatus: OrderStatus): Payment {
  return {
    id: row.id,
    orderId: row.orderId,
    orderStatus,
    method: row.method,
    amount: row.amount,
    status: row.status,
    paidAt: iso(row.paidAt),
    refundedAt: iso(row.refundedAt),
    failureCode: row.failureCode,
    failureMessage: row.failureMessage,
    refundReason: row.refundReason,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function unavailable(details: Record<string, unknown>, retryAfterSeconds = 5) {
  return new AppError('PAYMENT_GATEWAY_UNAVAILABLE', {
    details,
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });
}

/**
 * Payments (PAY-01..03) through the payment gateway. A payment is written PENDING (and its order
 * PAYMENT_PENDING) before the gateway is asked, and settled after: COMPLETED (order paid), FAILED
 * (declined: the order can be paid again) or, when the outcome is unknown (timeout, 5xx, reset),
 * left PENDING for the reconciler, which asks the gateway. Rules and failure cases:
 * docs/architecture.md, "Payments".
 */
export function paymentsService(deps: PaymentsServiceDeps) {
  const { db, orders: ordersOf, gateway, logger } = deps;

  async function view(paymentId: number): Promise<{ row: PaymentRow; orderStatus: OrderStatus } | undefined> {
    const [found] = await db
      .select({ row: payments, orderStatus: orders.status })
      .from(payments)
      .innerJoin(orders, eq(orders.id, payments.orderId))
      .where(eq(payments.id, paymentId));
    return found;
  }

  async function paymentOf(paymentId: number): Promise<Payment> {
    const found = await view(paymentId);
    if (!found) throw new AppError('PAYMENT_NOT_FOUND');
    return toPayment(found.row, found.orderStatus);
  }

  function gatewayPaused() {
    const pausedMs = deps.gatewayPausedForMs();
    if (pausedMs > 0) {
      throw unavailable({ reason: 'the payment circuit breaker is open' }, pausedMs / 1000);
    }
  }

  /** The order row, then the payment row, locked (the order first, as every order change does). */
  async function lockPayment(tx: Transaction, paymentId: number, orderId: number): Promise<PaymentRow> {
    await ordersOf.lockForPayment(tx, orderId);
    const [row] = await tx.select().from(payments).where(eq(payments.id, paymentId)).for('update');
    if (!row) throw new AppError('PAYMENT_NOT_FOUND');
    return row;
  }

  /** PENDING → COMPLETED with the gateway's key and time, the order paid; nothing when already settled. */
  async function approve(payment: PaymentRow, approved: GatewayPayment): Promise<void> {
    await db.transaction(async (tx) => {
      const row = await lockPayment(tx, payment.id, payment.orderId);
      if (row.status !== 'PENDING') return;
      const paidAt = approved.approvedAt ? new Date(approved.approvedAt) : new Date();
      const at = Number.isNaN(paidAt.getTime()) ? new Date() : paidAt;
      await tx
        .update(payments)
        .set({
          status: 'COMPLETED',
          paidAt: at,
          gatewayPaymentKey: approved.paymentKey,
          updatedAt: new Date(),
        })
        .where(eq(payments.id, row.id));
      await ordersOf.markPaid(tx, row.orderId, at);
    });
  }

  /** PENDING → FAILED with why, the order payable again; nothing when already settled. */
  async function fail(payment: PaymentRow, code: string, message: string): Promise<void> {
    await db.transaction(async (tx) => {
      const row = await lockPayment(tx, payment.id, payment.orderId);
      if (row.status !== 'PENDING') return;
      await tx
        .update(payments)
        .set({ status: 'FAILED', failureCode: code, failureMessage: message || null, updatedAt: new Date() })
        .where(eq(payments.id, row.id));
      await ordersOf.markPaymentFailed(tx, row.orderId);
    });
  }

  /**
   * Settles a PENDING payment by what the gateway reports of its order (a lookup): ours and DONE →
   * COMPLETED; cancelled there, another payment, or none → FAILED. 'unresolved' when it could not
   * tell (the payment stays PENDING).
   */
  async function settleByLookup(
    payment: PaymentRow,
    outcome: GatewayOutcome,
  ): Promise<'completed' | 'failed' | 'unresolved'> {
    if (outcome.kind === 'done') {
      const found = outcome.payment;
      if (found.paymentKey !== gatewayKeys.paymentKey(payment.id)) {
        logger.error(
          { paymentId: payment.id, orderId: payment.orderId, gatewayPaymentKey: found.paymentKey },
          'the gateway holds another payment of this order; ours is marked FAILED',
        );
        await fail(payment, FAILURE.OTHER_PAYMENT_AT_GATEWAY, `the gateway's payment is ${found.paymentKey}`);
        return 'failed';
      }
      if (found.status === 'DONE' && found.totalAmount === payment.amount) {
        await approve(payment, found);
        return 'completed';
      }
      if (found.status === 'CANCELED') {
        await fail(
          payment,
          FAILURE.CANCELED_AT_GATEWAY,
          'cancelled at the gateway before it was recorded here',
        );
        return 'failed';
      }
      logger.error(
        {
          paymentId: payment.id,
          status: found.status,
          totalAmount: found.totalAmount,
          amount: payment.amount,
        },
        'the gateway reports this payment in a state or amount we do not settle by; left PENDING',
      );
      return 'unresolved';
    }
    if (outcome.kind === 'refused' && outcome.status === 404) {
      await fail(payment, FAILURE.NOT_FOUND_AT_GATEWAY, 'the gateway has no payment of this order');
      return 'failed';
    }
    return 'unresolved';
  }

  /** The answer to `POST /payments` for what the confirm ended with. */
  async function settleConfirm(
    payment: PaymentRow,
    orderNumber: string,
    outcome: GatewayOutcome,
    fresh: boolean,
  ): Promise<Payment> {
    if (outcome.kind === 'done') {
      if (
        outcome.payment.paymentKey === gatewayKeys.paymentKey(payment.id) &&
        outcome.payment.status === 'DONE'
      ) {
        if (outcome.payment.totalAmount === payment.amount) {
          await approve(payment, outcome.payment);
          const settled = await paymentOf(payment.id);
          if (settled.status !== 'COMPLETED') {
            logger.error(
              { paymentId: payment.id, status: settled.status },
              'the gateway charged a payment already settled otherwise here: refund it at the gateway',
            );
          }
          return settled;
        }
      }
      // an answer we cannot take at its word: the reconciler asks the gateway again
      logger.error(
        { paymentId: payment.id, answer: outcome.payment },
        'the gateway confirmed something else than this payment; left PENDING for the reconciler',
      );
      throw unavailable({
        paymentId: payment.id,
        status: 'PENDING',
        reason: 'the gateway answer is being checked',
      });
    }
    if (outcome.kind === 'refused') {
      if (outcome.code === 'ALREADY_PROCESSED_PAYMENT') {
        // the order was charged under another key: whose payment it is, only the gateway can say
        const settled = await settleByLookup(payment, await gateway.paymentOfOrder(orderNumber));
        if (settled === 'completed') return paymentOf(payment.id);
        if (settled === 'unresolved') {
          throw unavailable({
            paymentId: payment.id,
            status: 'PENDING',
            reason: 'being confirmed with the gateway',
          });
        }
        throw new AppError('PAYMENT_FAILED', {
          details: { paymentId: payment.id, gatewayCode: outcome.code, gatewayMessage: outcome.message },
        });
      }
      await fail(payment, outcome.code, outcome.message);
      throw new AppError('PAYMENT_FAILED', {
        details: { paymentId: payment.id, gatewayCode: outcome.code, gatewayMessage: outcome.message },
      });
    }
    if (outcome.kind === 'not-sent' && fresh) {
      // no confirm of this payment ever left: it can fail now, and the member may pay again later
      await fail(payment, FAILURE.GATEWAY_UNAVAILABLE, outcome.reason);
      throw unavailable({ paymentId: payment.id, status: 'FAILED', reason: outcome.reason });
    }
    logger.warn(
      { paymentId: payment.id, orderId: payment.orderId, reason: outcome.reason },
      'payment outcome unknown: left PENDING for the reconciler',
    );
    throw unavailable({
      paymentId: payment.id,
      status: 'PENDING',
      reason: `${outcome.reason}; the payment is being confirmed with the gateway`,
    });
  }

  function checkPayable(order: { status: OrderStatus; finalAmount: number }, amount: number) {
    if (!PAYABLE.includes(order.status)) {
      throw new AppError('INVALID_STATUS_TRANSITION', {
        details: { orderStatus: order.status, allowed: PAYABLE },
      });
    }
    if (amount !== order.finalAmount) {
      throw new AppError('AMOUNT_MISMATCH', { details: { amount, expected: order.finalAmount } });
    }
  }

  /**
   * After the gateway cancelled the payment: REFUNDED and the order cancelled (or returned), its
   * stock and points given back, once: the second of two concurrent refunds finds it REFUNDED.
   */
  async function finishRefund(paymentId: number, orderId: number, canceledAt: Date): Promise<void> {
    const settled = await db.transaction(async (tx) => {
      const row = await lockPayment(tx, paymentId, orderId);
      if (row.status === 'REFUNDED') throw new AppError('PAYMENT_ALREADY_REFUNDED');
      if (row.status !== 'COMPLETED') {
        throw new AppError('INVALID_STATUS_TRANSITION', {
          details: { status: row.status, allowed: ['COMPLETED'] },
        });
      }
      await tx
        .update(payments)
        .set({ status: 'REFUNDED', refundedAt: canceledAt, updatedAt: new Date() })
        .where(eq(payments.id, paymentId));
      try {
        return await ordersOf.cancelAfterRefund(tx, orderId);
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'INVALID_STATUS_TRANSITION')) throw error;
        // the money is back with the member already; the order moved on (shipped) meanwhile
        logger.error(
          { err: error, paymentId, orderId },
          'payment refunded at the gateway but its order could no longer be cancelled: an operator must settle the order',
        );
        return undefined;
      }
    });
    await settled?.afterCommit();
  }

  async function refund(
    actor: PaymentActor,
    paymentId: number,
    reason: string | undefined,
  ): Promise<Payment> {
    const found = await view(paymentId);
    if (!found || (!actor.admin && found.row.userId !== actor.userId))
      throw new AppError('PAYMENT_NOT_FOUND');
    const { row, orderStatus } = found;
    if (row.status === 'REFUNDED') throw new AppError('PAYMENT_ALREADY_REFUNDED');
    if (row.status !== 'COMPLETED' || !row.gatewayPaymentKey) {
      throw new AppError('INVALID_STATUS_TRANSITION', {
        details: { status: row.status, allowed: ['COMPLETED'] },
      });
    }
    const allowed = actor.admin ? ADMIN_REFUNDABLE : MEMBER_REFUNDABLE;
    if (!allowed.includes(orderStatus)) {
      throw new AppError('ORDER_CANNOT_CANCEL', { details: { orderStatus, allowed } });
    }
    gatewayPaused();
    const cancelReason = reason ?? row.refundReason ?? DEFAULT_REFUND_REASON;
    // the refund is under way from here: should this process die before the end, the reconciler
    // finds the reason set on a COMPLETED payment and asks the gateway how it ended
    await db
      .update(payments)
      .set({ refundReason: cancelReason, updatedAt: new Date() })
      .where(and(eq(payments.id, paymentId), eq(payments.status, 'COMPLETED')));
    const outcome = await gateway.cancel({
      paymentKey: row.gatewayPaymentKey,
      reason: cancelReason,
      idempotencyKey: gatewayKeys.cancel(paymentId),
    });
    if (outcome.kind === 'done' && outcome.payment.status === 'CANCELED') {
      await finishRefund(paymentId, row.orderId, new Date());
      return paymentOf(paymentId);
    }
    if (outcome.kind === 'refused' && outcome.code === 'ALREADY_CANCELED_PAYMENT') {
      await finishRefund(paymentId, row.orderId, new Date());
      return paymentOf(paymentId);
    }
    if (outcome.kind === 'refused') {
      await db
        .update(payments)
        .set({ refundReason: null, updatedAt: new Date() })
        .where(and(eq(payments.id, paymentId), eq(payments.status, 'COMPLETED')));
      throw new AppError('PAYMENT_REFUND_REFUSED', {
        details: { paymentId, gatewayCode: outcome.code, gatewayMessage: outcome.message },
      });
    }
    if (outcome.kind === 'done') {
      logger.error(
        { paymentId, answer: outcome.payment },
        'the gateway answered a cancel with a payment not CANCELED',
      );
    } else {
      logger.warn({ paymentId, reason: outcome.reason }, 'refund outcome unknown: left for the reconciler');
    }
    throw unavailable({
      paymentId,
      status: 'COMPLETED',
      reason: `${outcome.kind === 'done' ? 'unexpected gateway answer' : outcome.reason}; the refund is being confirmed with the gateway`,
    });
  }

  /**
   * A refund whose process died (or whose cancel timed out): the gateway's record decides.
   * CANCELED → REFUNDED and the order cancelled; still DONE → the refund did not happen, and the
   * payment is left COMPLETED for the member to ask again.
   */
  async function settleRefund(
    row: PaymentRow,
    orderNumber: string,
  ): Promise<'refunded' | 'kept' | 'unresolved'> {
    const outcome = await gateway.paymentOfOrder(orderNumber);
    if (outcome.kind !== 'done' || outcome.payment.paymentKey !== row.gatewayPaymentKey) return 'unresolved';
    if (outcome.payment.status === 'CANCELED') {
      try {
        await finishRefund(row.id, row.orderId, new Date());
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'PAYMENT_ALREADY_REFUNDED')) throw error;
      }
      return 'refunded';
    }
    await db
      .update(payments)
      .set({ refundReason: null, updatedAt: new Date() })
      .where(and(eq(payments.id, row.id), eq(payments.status, 'COMPLETED')));
    return 'kept';
  }

  return {
    /**
     * `POST /payments`: the member's unpaid order, paid in full (`amount` = finalAmount). A PENDING
     * payment of the order (an earlier try whose outcome is unknown, a concurrent duplicate) is
     * confirmed again under its own gateway key instead of starting a second one, so the gateway
     * charges once.
     */
    async pay(userId: number, body: CreatePaymentBody): Promise<Payment> {
      const order = await ordersOf.forPayment(userId, body.orderId);
      checkPayable(order, body.amount);
      gatewayPaused();
      const { payment, fresh } = await db.transaction(async (tx) => {
        const locked = await ordersOf.lockForPayment(tx, order.id);
        checkPayable(locked, body.amount);
        const [live] = await tx
          .select()
          .from(payments)
          .where(and(eq(payments.orderId, order.id), inArray(payments.status, ['PENDING', 'COMPLETED'])))
          .for('update');
        if (live?.status === 'PENDING') {
          // confirmed again now: the reconciler leaves it alone until this try has ended
          await tx.update(payments).set({ updatedAt: new Date() }).where(eq(payments.id, live.id));
          return { payment: live, fresh: false };
        }
        if (live) {
          throw new AppError('INVALID_STATUS_TRANSITION', {
            details: { paymentId: live.id, status: live.status },
          });
        }
        const [created] = await tx
          .insert(payments)
          .values({ orderId: order.id, userId, method: body.method, amount: body.amount, status: 'PENDING' })
          .returning();
        await ordersOf.markPaymentPending(tx, order.id);
        return { payment: created!, fresh: true };
      });
      const outcome = await gateway.confirm({
        paymentKey: gatewayKeys.paymentKey(payment.id),
        orderId: order.orderNumber,
        amount: payment.amount,
        idempotencyKey: gatewayKeys.confirm(order.id, payment.id),
      });
      return settleConfirm(payment, order.orderNumber, outcome, fresh);
    },

    /** `GET /payments/:id`: the member's own payment, any payment for an admin. */
    async get(actor: PaymentActor, paymentId: number): Promise<Payment> {
      const found = await view(paymentId);
      if (!found || (!actor.admin && found.row.userId !== actor.userId))
        throw new AppError('PAYMENT_NOT_FOUND');
      return toPayment(found.row, found.orderStatus);
    },

    /**
     * `POST /payments/:id/refund` (the member, orders not shipped yet) and
     * `POST /admin/payments/:id/refund` (also RETURN_REQUESTED orders): cancelled at the gateway,
     * then REFUNDED with the order cancelled (or returned) and its stock and points given back.
     */
    refund,

    /**
     * One reconciliation round: PENDING payments and refunds under way older than
     * PAYMENT_RECONCILE_AFTER_MS, settled by asking the gateway; what it cannot answer waits for
     * the next round. At most `batch` of each.
     */
    async reconcile(batch = 100): Promise<ReconcileResult> {
      const result: ReconcileResult = { completed: 0, failed: 0, refunded: 0, unresolved: 0 };
      const bound = sql`now() - make_interval(secs => ${deps.reconcileAfterMs / 1000})`;
      const pending = await db
        .select({ row: payments, orderNumber: orders.orderNumber })
        .from(payments)
        .innerJoin(orders, eq(orders.id, payments.orderId))
        .where(and(eq(payments.status, 'PENDING'), sql`${payments.updatedAt} < ${bound}`))
        .orderBy(asc(payments.updatedAt))
        .limit(batch);
      for (const { row, orderNumber } of pending) {
        const settled = await settleByLookup(row, await gateway.paymentOfOrder(orderNumber));
        result[settled] += 1;
        logger.info({ paymentId: row.id, orderId: row.orderId, settled }, 'pending payment reconciled');
      }
      const refunding = await db
        .select({ row: payments, orderNumber: orders.orderNumber })
        .from(payments)
        .innerJoin(orders, eq(orders.id, payments.orderId))
        .where(
          and(
            eq(payments.status, 'COMPLETED'),
            isNotNull(payments.refundReason),
            sql`${payments.updatedAt} < ${bound}`,
          ),
        )
        .orderBy(asc(payments.updatedAt))
        .limit(batch);
      for (const { row, orderNumber } of refunding) {
        const settled = await settleRefund(row, orderNumber);
        if (settled === 'refunded') result.refunded += 1;
        if (settled === 'unresolved') result.unresolved += 1;
        logger.info({ paymentId: row.id, orderId: row.orderId, settled }, 'refund under way reconciled');
      }
      return result;
    },
  };
}

export type PaymentsService = ReturnType<typeof paymentsService>;
