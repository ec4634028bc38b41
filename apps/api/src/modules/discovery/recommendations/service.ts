import { type Database, recommendationSlots } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, eq, sql } from 'drizzle-orm';
import type {
  CreateSlotBody,
  RecommendationReason,
  RecommendationSlot,
  RecommendedProduct,
  RepurchaseReminder,
} from './schemas.ts';

/** The placement today's picks read. */
export const TODAY_PLACEMENT = 'TODAY';

/** Order statuses that mean the member has (or will have) the product: bought, for the filters. */
const BOUGHT_STATUSES = sql.raw(
  `('ORDER_PLACED','PAYMENT_PENDING','PAYMENT_CONFIRMED','PREPARING','SHIPPING','DELIVERED','CONFIRMED')`,
);
/** Paid and kept: the purchases repurchase reminders learn intervals from. */
const PAID_STATUSES = sql.raw(`('PAYMENT_CONFIRMED','PREPARING','SHIPPING','DELIVERED','CONFIRMED')`);

const idArray = (ids: readonly number[]) => sql`${`{${ids.join(',')}}`}::bigint[]`;

interface Pick {
  productId: number;
  reason: RecommendationReason;
}

/** What the service reads from the rankings module. */
export interface RankingReads {
  /** the top product ids of the daily ranking, in the whole catalogue or in these categories */
  topProductIds(period: 'daily', limit: number, categoryIds?: number[]): Promise<number[]>;
}

/**
 * Recommendations (API §22, REC-01..06). Today's picks: the admin's live TODAY slots by position,
 * then the daily ranking's top, then the catalogue's popularity score. Personalized: see
 * `personalized`. Related: co-viewed, then same category. Repurchase reminders: see `repurchase`.
 */
export function recommendationsService(db: Database, rankings: RankingReads) {
  /** Product cards in the order of `picks`; deleted or hidden products are dropped. */
  async function cards(picks: Pick[]): Promise<RecommendedProduct[]> {
    if (picks.length === 0) return [];
    const rows = await db.execute<{
      id: number;
      name: string;
      brand: string | null;
      category_id: number;
      lowest_price: number | null;
      seller_count: number;
      average_rating: string;
      review_count: number;
      sales_count: number;
      popularity_score: string;
      created_at: Date;
      thumbnail_url: string | null;
    }>(sql`
      select p.id, p.name, p.brand, p.category_id, p.lowest_price, p.seller_count, p.average_rating,
             p.review_count, p.sales_count, p.popularity_score, p.created_at,
             (select image.url from product_images image where image.product_id = p.id
               order by image.is_main desc, image.sort_order, image.created_at limit 1) as thumbnail_url
        from unnest(${idArray(picks.map((pick) => pick.productId))}) with ordinality as pick(id, ord)
        join products p on p.id = pick.id and p.deleted_at is null and p.status <> 'HIDDEN'
        order by pick.ord`);
    const reasons = new Map(picks.map((pick) => [pick.productId, pick.reason]));
    return rows.map((row, index) => {
      const id = Number(row.id);
      return {
        rank: index + 1,
        id,
        productId: id,
        name: row.name,
        brand: row.brand,
        categoryId: Number(row.category_id),
        thumbnailUrl: row.thumbnail_url,
        lowestPrice: row.lowest_price === null ? null : Number(row.lowest_price),
        sellerCount: row.seller_count,
        averageRating: Number(row.average_rating),
        reviewCount: row.review_count,
        salesCount: row.sales_count,
        popularityScore: Number(row.popularity_score),
        createdAt: new Date(row.created_at).toISOString(),
        reason: reasons.get(id) ?? 'POPULAR',
      };
    });
  }

  /** The catalogue's most popular live products by their lasting popularity score, except `excluded`. */
  async function popularIds(limit: number, excluded: readonly number[], categoryIds?: number[]) {
    const rows = await db.execute<{ id: number }>(sql`
      select id from products
        where deleted_at is null and status <> 'HIDDEN' and not (id = any(${idArray(excluded)}))
          ${categoryIds ? sql`and category_id = any(${idArray(categoryIds)})` : sql``}
        order by popularity_score desc, id limit ${limit}`);
    return rows.map((row) => Number(row.id));
  }

  /** `first` then `more` until `limit`, each product once and none of `excluded`. */
  function merge(limit: number, excluded: ReadonlySet<number>, ...lists: Pick[][]): Pick[] {
    const seen = new Set(excluded);
    const merged: Pick[] = [];
    for (const list of lists) {
      for (const pick of list) {
        if (merged.length >= limit) return merged;
        if (seen.has(pick.productId)) continue;
        seen.add(pick.productId);
        merged.push(pick);
      }
    }
    return merged;
  }

  const as = (reason: RecommendationReason) => (ids: number[]) =>
    ids.map((productId) => ({ productId, reason }));

  /** Popular for a member with no usable history: the daily ranking's top, then popularity. */
  async function popularPicks(limit: number, excluded: readonly number[], categoryIds?: number[]) {
    const [ranked, popular] = await Promise.all([
      rankings.topProductIds('daily', limit + excluded.length, categoryIds),
      popularIds(limit, excluded, categoryIds),
    ]);
    return [...as('RANKING')(ranked), ...as('POPULAR')(popular)];
  }

  return {
    /** Live TODAY slots by position, then the daily ranking, then popularity (REC-01). */
    async today(limit: number, now = new Date()): Promise<RecommendedProduct[]> {
      const slots = await db.execute<{ product_id: number }>(sql`
        select product_id from recommendation_slots
          where placement = ${TODAY_PLACEMENT}
            and (starts_at is null or starts_at <= ${now.toISOString()})
            and (ends_at is null or ends_at > ${now.toISOString()})
          order by position, id limit ${limit}`);
      const slotted = as('SLOT')(slots.map((row) => Number(row.product_id)));
      const computed = slotted.length >= limit ? [] : await popularPicks(limit, []);
      return cards(merge(limit, new Set(), slotted, computed));
    },

    /** The daily ranking's top, then popularity (the storefront's trending). */
    async trending(limit: number): Promise<RecommendedProduct[]> {
      return cards(merge(limit, new Set(), await popularPicks(limit, [])));
    },

    /**
     * For a member (REC-02..03). Seeds: the products they viewed (recent views), wishlisted, put in
     * the cart or ordered. Candidates, in this order: products co-viewed with their views (viewed
     * by the members who viewed what they viewed, most such members first), then popular products
     * of the seeds' categories, then the catalogue's popular ones. A product they bought (an order
     * not cancelled or returned) and the seeds themselves are never recommended. Cold start (no
     * seeds): the daily ranking and popularity — `source` says which method answered.
     */
    async personalized(userId: number, limit: number) {
      const [history] = await db.execute<{
        seeds: string[] | null;
        bought: string[] | null;
        viewed: string[] | null;
      }>(sql`
        select
          (select array_agg(distinct product_id) from (
              select product_id from recent_views where user_id = ${userId}
              union all select product_id from wishlist_items where user_id = ${userId}
              union all select product_id from cart_items where user_id = ${userId}
              union all select item.product_id from order_items item join orders o on o.id = item.order_id
                where o.user_id = ${userId}) seeds) as seeds,
          (select array_agg(distinct item.product_id) from order_items item join orders o on o.id = item.order_id
             where o.user_id = ${userId} and o.status in ${BOUGHT_STATUSES}) as bought,
          (select array_agg(product_id) from recent_views where user_id = ${userId}) as viewed`);
      const seeds = (history?.seeds ?? []).map(Number);
      const bought = (history?.bought ?? []).map(Number);
      const viewed = (history?.viewed ?? []).map(Number);
      const excluded = [...new Set([...seeds, ...bought])];
      if (seeds.length === 0) {
        const items = await cards(merge(limit, new Set(bought), await popularPicks(limit, bought)));
        return { source: 'popular', items };
      }
      const [coViewed, sameCategory] = await Promise.all([
        viewed.length === 0
          ? Promise.resolve([] as { product_id: number }[])
          : db.execute<{ product_id: number }>(sql`
              select other.product_id
                from recent_views peer
                join recent_views other on other.user_id = peer.user_id
                where peer.product_id = any(${idArray(viewed)}) and peer.user_id <> ${userId}
                  and not (other.product_id = any(${idArray(excluded)}))
                group by other.product_id
                order by count(distinct other.user_id) desc, max(other.viewed_at) desc, other.product_id
                limit ${limit}`),
        db.execute<{ id: number }>(sql`
          select p.id from products p
            where p.category_id in (select category_id from products where id = any(${idArray(seeds)}))
              and p.deleted_at is null and p.status <> 'HIDDEN' and not (p.id = any(${idArray(excluded)}))
            order by p.popularity_score desc, p.id limit ${limit}`),
      ]);
      const personal = merge(
        limit,
        new Set(excluded),
        as('CO_VIEWED')(coViewed.map((row) => Number(row.product_id))),
        as('SAME_CATEGORY')(sameCategory.map((row) => Number(row.id))),
      );
      const filler = personal.length < limit ? await popularPicks(limit, excluded) : [];
      const items = await cards(merge(limit, new Set(excluded), personal, filler));
      return { source: 'personalized', items };
    },

    /** Co-viewed with the product by members, then its category's popular products (REC-04). */
    async related(productId: number, limit: number): Promise<RecommendedProduct[]> {
      const [product] = await db.execute<{ category_id: number }>(
        sql`select category_id from products where id = ${productId} and deleted_at is null`,
      );
      if (!product) throw new AppError('PRODUCT_NOT_FOUND');
      const [coViewed, sameCategory] = await Promise.all([
        db.execute<{ product_id: number }>(sql`
          select other.product_id from recent_views peer
            join recent_views other on other.user_id = peer.user_id and other.product_id <> ${productId}
            where peer.product_id = ${productId}
            group by other.product_id
            order by count(*) desc, other.product_id limit ${limit}`),
        popularIds(limit, [productId], [Number(product.category_id)]),
      ]);
      return cards(
        merge(
          limit,
          new Set([productId]),
          as('CO_VIEWED')(coViewed.map((row) => Number(row.product_id))),
          as('SAME_CATEGORY')(sameCategory),
        ),
      );
    },

    /**
     * Repurchase reminders (REC-06). A product's typical repurchase interval is the average gap
     * between one member's consecutive paid purchases of it, over every member who bought it more
     * than once: a product nobody buys again is not treated as a consumable. The member's product
     * is due once that interval has passed since their last paid purchase of it; most overdue first.
     */
    async repurchase(userId: number, limit: number, now = new Date()): Promise<RepurchaseReminder[]> {
      const rows = await db.execute<{ product_id: number; last_paid_at: Date; interval_days: number }>(sql`
        with purchases as (
          select o.user_id, item.product_id, o.paid_at,
                 o.paid_at - lag(o.paid_at) over (partition by o.user_id, item.product_id order by o.paid_at) as gap
            from orders o join order_items item on item.order_id = o.id
            where o.status in ${PAID_STATUSES} and o.paid_at is not null
              and item.product_id in (
                select item2.product_id from order_items item2 join orders o2 on o2.id = item2.order_id
                  where o2.user_id = ${userId} and o2.status in ${PAID_STATUSES})
        ),
        typical as (
          select product_id, avg(extract(epoch from gap)) as seconds from purchases
            where gap is not null and gap > interval '0' group by product_id
        ),
        mine as (
          select product_id, max(paid_at) as last_paid_at from purchases where user_id = ${userId} group by product_id
        )
        select mine.product_id, mine.last_paid_at, typical.seconds / 86400.0 as interval_days
          from mine join typical using (product_id)
          where mine.last_paid_at + make_interval(secs => typical.seconds) <= ${now.toISOString()}
          order by ${now.toISOString()}::timestamptz - (mine.last_paid_at + make_interval(secs => typical.seconds)) desc,
                   mine.product_id
          limit ${limit}`);
      const due = new Map(rows.map((row) => [Number(row.product_id), row]));
      const items = await cards(
        rows.map((row) => ({ productId: Number(row.product_id), reason: 'REPURCHASE' })),
      );
      return items.map((item) => {
        const row = due.get(item.id)!;
        return {
          ...item,
          lastPurchasedAt: new Date(row.last_paid_at).toISOString(),
          typicalIntervalDays: Math.round(Number(row.interval_days) * 100) / 100,
        };
      });
    },

    async slots(): Promise<RecommendationSlot[]> {
      return slotRows();
    },

    /** Sets a product in a placement (again: moves it and changes its window); 404 PRODUCT_NOT_FOUND. */
    async setSlot(body: CreateSlotBody, createdBy: number): Promise<RecommendationSlot> {
      const [product] = await db.execute(
        sql`select 1 from products where id = ${body.productId} and deleted_at is null`,
      );
      if (!product) throw new AppError('PRODUCT_NOT_FOUND');
      const values = {
        position: body.position,
        reason: body.reason ?? null,
        startsAt: body.startsAt ? new Date(body.startsAt) : null,
        endsAt: body.endsAt ? new Date(body.endsAt) : null,
      };
      const [row] = await db
        .insert(recommendationSlots)
        .values({ productId: body.productId, placement: body.placement, createdBy, ...values })
        .onConflictDoUpdate({
          target: [recommendationSlots.placement, recommendationSlots.productId],
          set: { ...values, updatedAt: new Date() },
        })
        .returning({ id: recommendationSlots.id });
      const [slot] = await slotRows(row!.id);
      return slot!;
    },

    async removeSlot(id: number): Promise<void> {
      const gone = await db
        .delete(recommendationSlots)
        .where(and(eq(recommendationSlots.id, id)))
        .returning({ id: recommendationSlots.id });
      if (gone.length === 0) throw new AppError('RECOMMENDATION_NOT_FOUND');
    },
  };

  async function slotRows(id?: number): Promise<RecommendationSlot[]> {
    const rows = await db.execute<{
      id: number;
      product_id: number;
      name: string;
      lowest_price: number | null;
      thumbnail_url: string | null;
      placement: string;
      position: number;
      reason: string | null;
      starts_at: Date | null;
      ends_at: Date | null;
      is_live: boolean;
      created_by: number | null;
      created_at: Date;
      updated_at: Date;
    }>(sql`
      select s.id, s.product_id, p.name, p.lowest_price, s.placement, s.position, s.reason, s.starts_at,
             s.ends_at, s.created_by, s.created_at, s.updated_at,
             (s.starts_at is null or s.starts_at <= now()) and (s.ends_at is null or s.ends_at > now()) as is_live,
             (select image.url from product_images image where image.product_id = p.id
               order by image.is_main desc, image.sort_order, image.created_at limit 1) as thumbnail_url
        from recommendation_slots s join products p on p.id = s.product_id
        ${id === undefined ? sql`` : sql`where s.id = ${id}`}
        order by s.placement, s.position, s.id`);
    const at = (value: Date | null) => (value === null ? null : new Date(value).toISOString());
    return rows.map((row) => ({
      id: Number(row.id),
      productId: Number(row.product_id),
      product: {
        id: Number(row.product_id),
        name: row.name,
        thumbnailUrl: row.thumbnail_url,
        lowestPrice: row.lowest_price === null ? null : Number(row.lowest_price),
      },
      placement: row.placement,
      position: row.position,
      reason: row.reason,
      startsAt: at(row.starts_at),
      endsAt: at(row.ends_at),
      isLive: row.is_live,
      createdBy: row.created_by === null ? null : Number(row.created_by),
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
    }));
  }
}

export type RecommendationsService = ReturnType<typeof recommendationsService>;
