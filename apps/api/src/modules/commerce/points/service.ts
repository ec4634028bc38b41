import { type Database, pointTransactions, type Transaction, users } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, count, desc, eq, isNull, sql } from 'drizzle-orm';
import type { PointBalance, PointTransactionItem, PointTransactionType } from './schemas.ts';

/** Points expire this long after they were credited (api-contract §5 "Points"). */
export const POINT_LIFETIME = sql`interval '1 year'`;
/** `expiringSoon` in the balance counts the points that expire within this many days. */
export const EXPIRING_SOON_DAYS = 30;
/** `users.point` is an integer column: no balance may pass it. */
const MAX_BALANCE = 2_147_483_647;

/** A credit's kind: earned on purchase confirmation or a review, granted by an admin, or an order's point use given back. */
export type PointCreditType = 'EARN' | 'ADMIN_GRANT' | 'REFUND';

export interface CreditOptions {
  type: PointCreditType;
  description?: string | null;
  orderId?: number | null;
  reviewId?: number | null;
  /** when the credited lot expires; default one year from now */
  expiresAt?: Date | null;
}

export interface PointChange {
  transactionId: number;
  /** the member's balance right after the change */
  balance: number;
}

export interface ExpirySweepResult {
  members: number;
  points: number;
}

/**
 * The points ledger (PNT-01..06). Every change locks the member row, appends a ledger row with
 * `balance_after` and writes `users.point` in the caller's transaction, so the balance is always
 * the ledger's sum and never negative, however many changes race. Credit rows are lots
 * (`remaining_amount`, `expires_at`): a use consumes the soonest-expiring lots first and expiry
 * takes exactly what is left of a lot. The lock on the member row is what serializes a member's
 * lots too: nothing changes a lot without holding it.
 *
 * The contract asks for REPEATABLE READ + FOR UPDATE; under READ COMMITTED, a statement run after
 * the member row's lock is granted sees every change committed before it, and every writer of
 * this member's rows holds that lock, so the reads under it are as stable as REPEATABLE READ
 * would make them, without failing the orders' transactions these calls run in.
 */
export interface PointsServiceOptions {
  /** after a committed admin grant: the member's badges are evaluated (point_total) */
  memberMetricsMoved?(userId: number): Promise<void>;
}

export function pointsService(db: Database, { memberMetricsMoved }: PointsServiceOptions = {}) {
  /** The member's balance, the member row locked until the transaction ends; undefined when no such member. */
  async function lockBalance(tx: Transaction, userId: number): Promise<number | undefined> {
    const [row] = await tx
      .select({ point: users.point })
      .from(users)
      .where(eq(users.id, userId))
      // NO KEY UPDATE: only `point` changes, so rows referencing the member are not held up
      .for('no key update');
    return row?.point;
  }

  async function lockedBalance(tx: Transaction, userId: number): Promise<number> {
    const balance = await lockBalance(tx, userId);
    if (balance === undefined) throw new AppError('USER_NOT_FOUND');
    return balance;
  }

  /**
   * Expires what is left of the member's lots past their `expires_at` (member row locked by the
   * caller): one EXPIRE row for their sum. Returns the new balance and the points expired.
   */
  async function expireLotsOf(
    tx: Transaction,
    userId: number,
    balance: number,
  ): Promise<{ balance: number; expired: number }> {
    const [row] = await tx.execute<{ expired: string | null }>(sql`
      with due as (
        select id, remaining_amount from point_transactions
        where user_id = ${userId} and remaining_amount > 0 and expires_at <= now()
      ), emptied as (
        update point_transactions lot set remaining_amount = 0, updated_at = now()
        from due where lot.id = due.id
        returning due.remaining_amount
      )
      select sum(remaining_amount)::bigint as expired from emptied`);
    const expired = Number(row?.expired ?? 0);
    if (expired === 0) return { balance, expired: 0 };
    // the ledger's sum and the lots' sum are the same number; never below zero either way
    const after = Math.max(0, balance - expired);
    await Promise.all([
      tx
        .insert(pointTransactions)
        .values({
          userId,
          type: 'EXPIRE',
          amount: -(balance - after),
          balanceAfter: after,
          description: 'points expired one year after they were credited',
        })
        .execute(),
      tx.update(users).set({ point: after }).where(eq(users.id, userId)).execute(),
    ]);
    return { balance: after, expired: balance - after };
  }

  async function credit(
    tx: Transaction,
    userId: number,
    amount: number,
    options: CreditOptions,
  ): Promise<PointChange> {
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      throw new AppError('VALIDATION_ERROR', {
        details: [{ field: 'amount', message: 'a positive integer' }],
      });
    }
    const balance = await lockedBalance(tx, userId);
    const after = balance + amount;
    if (after > MAX_BALANCE) {
      throw new AppError('VALIDATION_ERROR', {
        details: [{ field: 'amount', message: `the balance would pass ${MAX_BALANCE} points` }],
      });
    }
    const [[row]] = await Promise.all([
      tx
        .insert(pointTransactions)
        .values({
          userId,
          type: options.type,
          amount,
          balanceAfter: after,
          description: options.description ?? null,
          orderId: options.orderId ?? null,
          reviewId: options.reviewId ?? null,
          remainingAmount: amount,
          expiresAt: options.expiresAt ?? sql`now() + ${POINT_LIFETIME}`,
        })
        .returning({ id: pointTransactions.id }),
      tx.update(users).set({ point: after }).where(eq(users.id, userId)).execute(),
    ]);
    return { transactionId: row!.id, balance: after };
  }

  return {
    /**
     * Points earned and granted per member (EARN and ADMIN_GRANT credits, not refunds of spent
     * points), for the badges' point_total; a member without any is absent.
     */
    async countEarnedPointsForUsers(userIds: readonly number[]): Promise<Map<number, number>> {
      if (userIds.length === 0) return new Map();
      const rows = await db.execute<{ user_id: number; earned: string }>(sql`
        select user_id, sum(amount) as earned from point_transactions
        where user_id = any(${`{${userIds.join(',')}}`}::bigint[]) and type in ('EARN', 'ADMIN_GRANT')
        group by user_id`);
      return new Map(rows.map((row) => [Number(row.user_id), Number(row.earned)]));
    },

    /** Credits `amount` points as a new lot (EARN on confirmation or review, ADMIN_GRANT, REFUND). */
    earn: credit,

    /**
     * Spends `amount` points on `orderId`: lots past their expiry are expired first, then the
     * soonest-expiring lots are consumed. INSUFFICIENT_POINT when the balance is short. The USE
     * row keeps in `expires_at` the earliest expiry among the lots it consumed: a refund of the use
     * gets that expiry back, so cancelling an order never lengthens a point's life.
     */
    async use(tx: Transaction, userId: number, amount: number, orderId: number): Promise<PointChange> {
      const locked = await lockedBalance(tx, userId);
      const { balance } = await expireLotsOf(tx, userId, locked);
      if (amount > balance) {
        throw new AppError('INSUFFICIENT_POINT', { details: { balance, requested: amount } });
      }
      const [consumed] = await tx.execute<{ earliest: Date | string | null }>(sql`
        with ordered as (
          select id, remaining_amount, expires_at,
                 sum(remaining_amount) over (order by expires_at, id) - remaining_amount as before
          from point_transactions
          where user_id = ${userId} and remaining_amount > 0
        ), taken as (
          update point_transactions lot
          set remaining_amount = lot.remaining_amount - least(ordered.remaining_amount, ${amount}::bigint - ordered.before),
              updated_at = now()
          from ordered
          where lot.id = ordered.id and ordered.before < ${amount}::bigint
          returning ordered.expires_at
        )
        select min(expires_at) as earliest from taken`);
      const after = balance - amount;
      const earliest = consumed?.earliest ? new Date(consumed.earliest) : null;
      const [[row]] = await Promise.all([
        tx
          .insert(pointTransactions)
          .values({
            userId,
            type: 'USE',
            amount: -amount,
            balanceAfter: after,
            description: 'used on an order',
            orderId,
            expiresAt: earliest,
          })
          .returning({ id: pointTransactions.id }),
        tx.update(users).set({ point: after }).where(eq(users.id, userId)).execute(),
      ]);
      return { transactionId: row!.id, balance: after };
    },

    /**
     * Gives back what `orderId` used, once: a REFUND row with that order's id is the mark that it
     * was given back (the member row lock makes two concurrent calls see each other). The lot
     * expires when the earliest lot the use consumed did. Answers the points given back (0 when
     * none were used or they were already given back).
     */
    async refundUse(tx: Transaction, orderId: number): Promise<number> {
      const [used] = await tx
        .select({
          userId: pointTransactions.userId,
          amount: sql<string>`-sum(${pointTransactions.amount})`,
          earliest: sql<Date | string | null>`min(${pointTransactions.expiresAt})`,
        })
        .from(pointTransactions)
        .where(and(eq(pointTransactions.orderId, orderId), eq(pointTransactions.type, 'USE')))
        .groupBy(pointTransactions.userId);
      if (!used) return 0;
      await lockedBalance(tx, used.userId);
      const [refunded] = await tx
        .select({ id: pointTransactions.id })
        .from(pointTransactions)
        .where(and(eq(pointTransactions.orderId, orderId), eq(pointTransactions.type, 'REFUND')))
        .limit(1);
      if (refunded) return 0;
      const amount = Number(used.amount);
      await credit(tx, used.userId, amount, {
        type: 'REFUND',
        description: 'points used on a cancelled order, given back',
        orderId,
        expiresAt: used.earliest ? new Date(used.earliest) : null,
      });
      return amount;
    },

    /**
     * A deleted review's reward taken back: what is left unspent and unexpired of the EARN lot
     * credited for `reviewId` (points of it already spent or expired stay with the member, and no
     * other lot is touched, so the balance never goes below zero), as one USE row naming the
     * review. Answers the points taken back (0 when nothing is left, or already taken back).
     */
    async takeBackReviewReward(tx: Transaction, userId: number, reviewId: number): Promise<number> {
      const balance = await lockedBalance(tx, userId);
      const [row] = await tx.execute<{ taken: string | null }>(sql`
        with lot as (
          select id, remaining_amount from point_transactions
          where user_id = ${userId} and review_id = ${reviewId} and type = 'EARN'
            and remaining_amount > 0 and expires_at > now()
        ), emptied as (
          update point_transactions credited set remaining_amount = 0, updated_at = now()
          from lot where credited.id = lot.id
          returning lot.remaining_amount
        )
        select sum(remaining_amount)::bigint as taken from emptied`);
      const taken = Number(row?.taken ?? 0);
      if (taken === 0) return 0;
      await Promise.all([
        tx
          .insert(pointTransactions)
          .values({
            userId,
            type: 'USE',
            amount: -taken,
            balanceAfter: balance - taken,
            description: `reward of deleted review #${reviewId} taken back`,
            reviewId,
          })
          .execute(),
        tx
          .update(users)
          .set({ point: balance - taken })
          .where(eq(users.id, userId))
          .execute(),
      ]);
      return taken;
    },

    /** `POST /admin/points/grant`: USER_NOT_FOUND for an unknown or withdrawn member. */
    async grant(
      userId: number,
      amount: number,
      description: string | null,
    ): Promise<{ userId: number; grantedAmount: number; balance: number; transactionId: number }> {
      const granted = await db.transaction(async (tx) => {
        const [member] = await tx
          .select({ id: users.id })
          .from(users)
          .where(and(eq(users.id, userId), isNull(users.deletedAt)));
        if (!member) throw new AppError('USER_NOT_FOUND');
        const change = await credit(tx, userId, amount, {
          type: 'ADMIN_GRANT',
          description: description ?? 'granted by an administrator',
        });
        return { userId, grantedAmount: amount, ...change };
      });
      await memberMetricsMoved?.(userId);
      return granted;
    },

    /** The balance with what expires within EXPIRING_SOON_DAYS days and the earliest such expiry. */
    async balance(userId: number): Promise<PointBalance> {
      const [row] = await db.execute<{
        balance: number | null;
        expiring_soon: string | null;
        expiring_date: Date | string | null;
      }>(sql`
        select (select point from users where id = ${userId}) as balance,
               sum(remaining_amount)::bigint as expiring_soon,
               min(expires_at) as expiring_date
        from point_transactions
        where user_id = ${userId} and remaining_amount > 0
          and expires_at > now() and expires_at <= now() + make_interval(days => ${EXPIRING_SOON_DAYS})`);
      return {
        balance: row?.balance ?? 0,
        expiringSoon: Number(row?.expiring_soon ?? 0),
        ...(row?.expiring_date ? { expiringDate: new Date(row.expiring_date).toISOString() } : {}),
      };
    },

    /** The member's ledger, newest first, optionally of one type. */
    async transactions(
      userId: number,
      query: { page: number; limit: number; type?: PointTransactionType },
    ): Promise<{ items: PointTransactionItem[]; totalCount: number }> {
      const where = and(
        eq(pointTransactions.userId, userId),
        query.type ? eq(pointTransactions.type, query.type) : undefined,
      );
      const [rows, [total]] = await Promise.all([
        db
          .select()
          .from(pointTransactions)
          .where(where)
          .orderBy(desc(pointTransactions.createdAt), desc(pointTransactions.id))
          .limit(query.limit)
          .offset((query.page - 1) * query.limit),
        db.select({ value: count() }).from(pointTransactions).where(where),
      ]);
      return {
        items: rows.map((row) => ({
          id: row.id,
          type: row.type,
          amount: row.amount,
          balance: row.balanceAfter,
          balanceAfter: row.balanceAfter,
          description: row.description,
          orderId: row.orderId,
          expiresAt: row.remainingAmount === null ? null : (row.expiresAt?.toISOString() ?? null),
          createdAt: row.createdAt.toISOString(),
        })),
        totalCount: total?.value ?? 0,
      };
    },

    /**
     * The expiry sweep: for every member with a lot past its expiry, in a transaction of its own
     * under the member's lock, what is left of those lots is expired (one EXPIRE row each).
     * At most `batch` members per call.
     */
    async expireDue(batch = 500): Promise<ExpirySweepResult> {
      const due = await db.execute<{ user_id: number }>(sql`
        select distinct user_id from point_transactions
        where remaining_amount > 0 and expires_at <= now()
        limit ${batch}`);
      let points = 0;
      let members = 0;
      for (const { user_id: userId } of due) {
        const expired = await db.transaction(async (tx) => {
          const balance = await lockBalance(tx, userId);
          if (balance === undefined) return 0;
          return (await expireLotsOf(tx, userId, balance)).expired;
        });
        if (expired > 0) members += 1;
        points += expired;
      }
      return { members, points };
    },
  };
}

export type PointsService = ReturnType<typeof pointsService>;
