import {
  type Database,
  isUniqueViolation,
  orderItems,
  orders,
  sellerReviews,
  sellers,
  sellerTrustHistory,
  users,
} from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, asc, count, desc, eq, exists, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Principal } from '../../../http/principal.ts';
import type { SellersService } from '../../catalog/sellers/service.ts';
import type {
  CreateSellerReviewBody,
  SellerReview,
  SellerReviewQuery,
  TrustBreakdown,
  TrustDetail,
  TrustHistoryItem,
  UpdateSellerReviewBody,
} from './schemas.ts';
import { breakdownOf, gradeOf, scoreOf, type TrustMeasures, trendOf } from './score.ts';

type HistoryRow = typeof sellerTrustHistory.$inferSelect;

export interface TrustServiceOptions {
  db: Database;
  /** sellers.trust_score is the sellers module's: written through its service */
  sellers: Pick<SellersService, 'findById' | 'update'>;
  /** after a seller's score changed: the cached pages that show it (comparison, detail) */
  trustScoreChanged(): Promise<void>;
}

/** An unchanged score adds a history row at most this often. */
const UNCHANGED_ROW_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** Collected prices this recent count towards price accuracy. */
const PRICE_WINDOW = '90 days';

function historyItem(row: HistoryRow): TrustHistoryItem {
  const breakdown = row.breakdown as unknown as TrustBreakdown;
  return {
    id: row.id,
    sellerId: row.sellerId,
    metrics: {
      deliveryAccuracy: breakdown.deliveryScore,
      priceAccuracy: breakdown.priceAccuracy,
      customerRating: breakdown.reviewScore,
      responseSpeed:
        breakdown.responseTime === null
          ? null
          : Math.min(100, Math.max(0, ((72 - breakdown.responseTime) / 70) * 100)),
      returnRate: breakdown.returnRate,
    },
    breakdown,
    trustScore: row.score,
    trustGrade: row.grade as TrustHistoryItem['trustGrade'],
    createdAt: row.computedAt.toISOString(),
  };
}

/**
 * Seller trust (TRUST-01..05): seller reviews (one per order and seller, only by the member who
 * placed a paid order with the seller's offer) and the trust score computed from the data (see
 * score.ts), kept as history rows; the latest score is written to sellers.trust_score through
 * the sellers service, which is what the price comparison shows.
 */
export function trustService({ db, sellers: shops, trustScoreChanged }: TrustServiceOptions) {
  /** a sweep changed some seller's score: the cached pages are invalidated once at its end */
  let pendingPublish = false;
  async function liveSeller(sellerId: number) {
    const seller = await shops.findById(sellerId);
    if (!seller) throw new AppError('SELLER_NOT_FOUND');
    return seller;
  }

  async function measure(sellerId: number): Promise<TrustMeasures> {
    const [row] = await db.execute<{
      order_count: number;
      returned: number;
      disputed: number;
      avg_rating: number | null;
      avg_delivery: number | null;
      flagged: number;
      recorded: number;
      response_hours: number | null;
    }>(sql`
      with paid as (
        select o.id, o.status
        from orders o
        where o.paid_at is not null
          and exists (select 1 from order_items i where i.order_id = o.id and i.seller_id = ${sellerId})
      )
      select
        (select count(*) from paid)::int as order_count,
        (select count(*) from paid where status in ('RETURN_REQUESTED', 'RETURNED'))::int as returned,
        (select count(*) from paid where status = 'CANCELLED')::int as disputed,
        (select avg(rating)::float8 from seller_reviews where seller_id = ${sellerId}) as avg_rating,
        (select avg(delivery_rating)::float8 from seller_reviews where seller_id = ${sellerId}) as avg_delivery,
        (select count(*) from fraud_alerts
          where seller_id = ${sellerId} and status <> 'APPROVED'
            and created_at > now() - ${PRICE_WINDOW}::interval)::int as flagged,
        (select count(*) from price_history
          where seller_id = ${sellerId} and price is not null
            and recorded_at > now() - ${PRICE_WINDOW}::interval)::int as recorded,
        (select extract(epoch from avg(q.answered_at - q.created_at))::float8 / 3600
          from product_inquiries q
          join sellers s on s.id = ${sellerId} and s.owner_user_id is not null
          where q.answered_by = s.owner_user_id and q.answered_at is not null
            and exists (select 1 from offers f where f.product_id = q.product_id and f.seller_id = ${sellerId})
        ) as response_hours`);
    return {
      orderCount: Number(row?.order_count ?? 0),
      returnedOrders: Number(row?.returned ?? 0),
      disputedOrders: Number(row?.disputed ?? 0),
      averageRating: row?.avg_rating == null ? null : Number(row.avg_rating),
      averageDeliveryRating: row?.avg_delivery == null ? null : Number(row.avg_delivery),
      flaggedPrices: Number(row?.flagged ?? 0),
      recordedPrices: Number(row?.recorded ?? 0),
      responseHours: row?.response_hours == null ? null : Number(row.response_hours),
    };
  }

  /**
   * Computes the seller's score now, appends a history row and writes sellers.trust_score. A result
   * equal to the latest row of the last day adds no row (the hourly sweep would otherwise add 24 a
   * day per seller that nothing moved); the trend then compares real changes.
   */
  async function recompute(sellerId: number, publish: 'now' | 'later' = 'now'): Promise<HistoryRow> {
    const breakdown = breakdownOf(await measure(sellerId));
    const score = scoreOf(breakdown);
    const [previous] = await latest(sellerId, 1);
    const unchanged =
      previous !== undefined &&
      previous.score === score &&
      (Object.keys(breakdown) as (keyof TrustBreakdown)[]).every(
        (key) => (previous.breakdown as unknown as TrustBreakdown)[key] === breakdown[key],
      ) &&
      Date.now() - previous.computedAt.getTime() < UNCHANGED_ROW_INTERVAL_MS;
    const row = unchanged
      ? previous
      : (
          await db
            .insert(sellerTrustHistory)
            .values({
              sellerId,
              score,
              grade: gradeOf(score),
              breakdown: breakdown as unknown as Record<string, number>,
            })
            .returning()
        )[0]!;
    // also when no row was added: a score set by hand on the seller is put back to the computed one
    const seller = await shops.findById(sellerId);
    if (seller && seller.trustScore !== score) {
      await shops.update(sellerId, { trustScore: score });
      if (publish === 'now') await trustScoreChanged();
      else pendingPublish = true;
    }
    return row;
  }

  async function latest(sellerId: number, limit: number): Promise<HistoryRow[]> {
    return db
      .select()
      .from(sellerTrustHistory)
      .where(eq(sellerTrustHistory.sellerId, sellerId))
      .orderBy(desc(sellerTrustHistory.computedAt), desc(sellerTrustHistory.id))
      .limit(limit);
  }

  /** The latest rows, computing the first one when the seller has none yet. */
  async function current(sellerId: number, limit: number): Promise<HistoryRow[]> {
    const rows = await latest(sellerId, limit);
    return rows.length > 0 ? rows : [await recompute(sellerId)];
  }

  async function reviewById(id: number): Promise<SellerReview | undefined> {
    const [row] = await reviewRows(eq(sellerReviews.id, id), 1, 0, 'newest');
    return row;
  }

  function reviewRows(
    where: ReturnType<typeof eq>,
    limit: number,
    offset: number,
    sort: SellerReviewQuery['sort'],
  ): Promise<SellerReview[]> {
    const order =
      sort === 'rating_high'
        ? [desc(sellerReviews.rating), desc(sellerReviews.createdAt), desc(sellerReviews.id)]
        : sort === 'rating_low'
          ? [asc(sellerReviews.rating), desc(sellerReviews.createdAt), desc(sellerReviews.id)]
          : [desc(sellerReviews.createdAt), desc(sellerReviews.id)];
    return db
      .select({
        id: sellerReviews.id,
        sellerId: sellerReviews.sellerId,
        orderId: sellerReviews.orderId,
        userId: users.id,
        nickname: users.nickname,
        rating: sellerReviews.rating,
        deliveryRating: sellerReviews.deliveryRating,
        content: sellerReviews.content,
        createdAt: sellerReviews.createdAt,
        updatedAt: sellerReviews.updatedAt,
      })
      .from(sellerReviews)
      .innerJoin(users, eq(users.id, sellerReviews.userId))
      .where(where)
      .orderBy(...order)
      .limit(limit)
      .offset(offset)
      .then((rows) =>
        rows.map(({ userId, nickname, createdAt, updatedAt, ...row }) => ({
          ...row,
          user: { id: userId, nickname },
          createdAt: createdAt.toISOString(),
          updatedAt: updatedAt.toISOString(),
        })),
      );
  }

  /** After a review write: the seller's score follows it; a failure here leaves it to the sweep. */
  async function afterReviewWrite(sellerId: number): Promise<void> {
    await recompute(sellerId);
  }

  return {
    recompute,

    /** `GET /sellers/:id/trust` (the contract's TrustDetail). */
    async detail(sellerId: number): Promise<TrustDetail> {
      const seller = await liveSeller(sellerId);
      const rows = await current(sellerId, 4);
      const head = rows[0]!;
      return {
        sellerId,
        sellerName: seller.name,
        overallScore: head.score,
        grade: head.grade as TrustDetail['grade'],
        breakdown: head.breakdown as unknown as TrustBreakdown,
        trend: trendOf(rows.map((row) => row.score)),
        lastUpdatedAt: head.computedAt.toISOString(),
      };
    },

    /** `GET /trust/sellers/:sellerId` (the storefront's TrustCurrentScore). */
    async currentScore(sellerId: number) {
      const seller = await liveSeller(sellerId);
      const [head] = await current(sellerId, 1);
      return {
        sellerId,
        sellerName: seller.name,
        trustScore: head!.score,
        trustGrade: head!.grade as TrustDetail['grade'],
        updatedAt: head!.computedAt.toISOString(),
      };
    },

    async history(sellerId: number, limit: number): Promise<TrustHistoryItem[]> {
      await liveSeller(sellerId);
      return (await latest(sellerId, limit)).map(historyItem);
    },

    /** The admin's recalculation: computed from the data now. */
    async recalculate(sellerId: number) {
      const seller = await liveSeller(sellerId);
      const row = await recompute(sellerId);
      return {
        sellerId,
        sellerName: seller.name,
        trustScore: row.score,
        trustGrade: row.grade as TrustDetail['grade'],
        updatedAt: row.computedAt.toISOString(),
        history: historyItem(row),
      };
    },

    async reviews(sellerId: number, query: SellerReviewQuery) {
      await liveSeller(sellerId);
      const where = eq(sellerReviews.sellerId, sellerId);
      const [items, [total]] = await Promise.all([
        reviewRows(where, query.limit, (query.page - 1) * query.limit, query.sort),
        db.select({ value: count() }).from(sellerReviews).where(where),
      ]);
      return { items, totalCount: total?.value ?? 0 };
    },

    /**
     * A review of the seller for one of the member's paid (or later) orders with the seller's offer:
     * SELLER_REVIEW_NOT_ALLOWED for any other order, SELLER_REVIEW_EXISTS for a second one.
     */
    async createReview(
      userId: number,
      sellerId: number,
      body: CreateSellerReviewBody,
    ): Promise<SellerReview> {
      await liveSeller(sellerId);
      const [order] = await db
        .select({ id: orders.id })
        .from(orders)
        .where(
          and(
            eq(orders.id, body.orderId),
            eq(orders.userId, userId),
            isNotNull(orders.paidAt),
            exists(
              db
                .select({ one: sql`1` })
                .from(orderItems)
                .where(and(eq(orderItems.orderId, orders.id), eq(orderItems.sellerId, sellerId))),
            ),
          ),
        );
      if (!order) throw new AppError('SELLER_REVIEW_NOT_ALLOWED');
      let id: number;
      try {
        const [row] = await db
          .insert(sellerReviews)
          .values({
            sellerId,
            userId,
            orderId: order.id,
            rating: body.rating,
            deliveryRating: body.deliveryRating,
            content: body.content,
          })
          .returning({ id: sellerReviews.id });
        id = row!.id;
      } catch (error) {
        if (isUniqueViolation(error)) throw new AppError('SELLER_REVIEW_EXISTS');
        throw error;
      }
      await afterReviewWrite(sellerId);
      return (await reviewById(id))!;
    },

    /** The author's edit; anyone else's review is SELLER_REVIEW_NOT_FOUND. */
    async updateReview(userId: number, id: number, body: UpdateSellerReviewBody): Promise<SellerReview> {
      const [row] = await db
        .update(sellerReviews)
        .set({ ...body, updatedAt: new Date() })
        .where(and(eq(sellerReviews.id, id), eq(sellerReviews.userId, userId)))
        .returning({ sellerId: sellerReviews.sellerId });
      if (!row) throw new AppError('SELLER_REVIEW_NOT_FOUND');
      await afterReviewWrite(row.sellerId);
      return (await reviewById(id))!;
    },

    /** The author's or an ADMIN's delete. */
    async deleteReview(principal: Principal, id: number): Promise<void> {
      const [row] = await db
        .delete(sellerReviews)
        .where(
          and(
            eq(sellerReviews.id, id),
            principal.role === 'ADMIN' ? undefined : eq(sellerReviews.userId, principal.id),
          ),
        )
        .returning({ sellerId: sellerReviews.sellerId });
      if (!row) throw new AppError('SELLER_REVIEW_NOT_FOUND');
      await afterReviewWrite(row.sellerId);
    },

    /** The sweep: every live seller recomputed, one after the other. */
    async recomputeAll(): Promise<{ sellers: number }> {
      const ids = await db.select({ id: sellers.id }).from(sellers).where(isNull(sellers.deletedAt));
      pendingPublish = false;
      for (const { id } of ids) await recompute(id, 'later');
      // one invalidation for the whole sweep, not one per changed seller
      if (pendingPublish) await trustScoreChanged();
      return { sellers: ids.length };
    },
  };
}

export type TrustService = ReturnType<typeof trustService>;
