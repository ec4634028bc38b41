import type { Database } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { sql } from 'drizzle-orm';
import type { PriceDrop, RankedKeyword, RankedProduct, RankingPeriodName } from './schemas.ts';

/** How far back each period looks from the moment of the computation. */
export const PERIOD_DAYS: Record<RankingPeriodName, number> = { daily: 1, weekly: 7, monthly: 30 };

/**
 * A product's score over a period: views 1, units sold 5, reviews written 3, wishlist adds 2 each.
 * A sale is the strongest sign of interest, a review needs a purchase first, a wishlist add is a
 * deliberate act, a view the weakest (and the most numerous).
 */
export const SIGNAL_WEIGHTS = { views: 1, sales: 5, reviews: 3, wishlists: 2 } as const;

/** Rows kept per scope (the routes' largest `limit`). */
export const RANKED_PER_SCOPE = 100;

/** Order statuses whose items count as sales: paid and not given back. */
const SOLD_STATUSES = sql.raw(`('PAYMENT_CONFIRMED','PREPARING','SHIPPING','DELIVERED','CONFIRMED')`);

const periodEnum = (period: RankingPeriodName) => sql.raw(`'${period.toUpperCase()}'::ranking_period`);

/** The period's start; `now` given by the caller so every statement of a run agrees on it. */
const since = (period: RankingPeriodName, now: Date) =>
  new Date(now.getTime() - PERIOD_DAYS[period] * 24 * 60 * 60 * 1000).toISOString();

export interface RecalculationResult {
  updatedCount: number;
  products: number;
  keywords: number;
}

/**
 * Popular products, popular keywords and price drops (RANK-01..07). The product and keyword
 * rankings are computed (hourly and on the admin's demand) and stored; reads only look them up.
 */
export function rankingsService(db: Database) {
  /** The one INSERT … SELECT of a period's product rankings (needs previous_product_ranks). */
  function productRankingStatement(period: RankingPeriodName, now: Date) {
    const from = since(period, now);
    return sql`
        with signal_rows as (
          select (payload->>'productId')::bigint as product_id, count(*) as views, 0 as sales, 0 as reviews, 0 as wishlists
            from activity_logs
            where type = 'product_view' and occurred_at >= ${from} and occurred_at <= ${now.toISOString()}
              and jsonb_typeof(payload->'productId') = 'number'
            group by 1
          union all
          select item.product_id, 0, sum(item.quantity), 0, 0
            from orders o join order_items item on item.order_id = o.id
            where o.status in ${SOLD_STATUSES} and o.paid_at >= ${from} and o.paid_at <= ${now.toISOString()}
            group by 1
          union all
          select product_id, 0, 0, count(*), 0 from reviews
            where deleted_at is null and created_at >= ${from} and created_at <= ${now.toISOString()}
            group by 1
          union all
          select product_id, 0, 0, 0, count(*) from wishlist_items
            where created_at >= ${from} and created_at <= ${now.toISOString()}
            group by 1
        ),
        scored as (
          select s.product_id, c.path,
                 sum(s.views)::int as views, sum(s.sales)::int as sales,
                 sum(s.reviews)::int as reviews, sum(s.wishlists)::int as wishlists
            from signal_rows s
            join products p on p.id = s.product_id and p.deleted_at is null and p.status <> 'HIDDEN'
            join categories c on c.id = p.category_id
            group by s.product_id, c.path
        ),
        scoped as (
          select null::bigint as category_id, scored.* from scored
          union all
          select ancestor::bigint, scored.*
            from scored cross join lateral unnest(string_to_array(scored.path, '/')) as ancestor
            where ancestor <> ''
        ),
        ranked as (
          select category_id, product_id, views, sales, reviews, wishlists,
                 views * ${SIGNAL_WEIGHTS.views} + sales * ${SIGNAL_WEIGHTS.sales}
                   + reviews * ${SIGNAL_WEIGHTS.reviews} + wishlists * ${SIGNAL_WEIGHTS.wishlists} as score,
                 row_number() over (
                   partition by category_id
                   order by views * ${SIGNAL_WEIGHTS.views} + sales * ${SIGNAL_WEIGHTS.sales}
                     + reviews * ${SIGNAL_WEIGHTS.reviews} + wishlists * ${SIGNAL_WEIGHTS.wishlists} desc,
                     sales desc, product_id
                 ) as rank
            from scoped
        )
        insert into product_rankings (period, category_id, rank, product_id, score, previous_rank, signals, computed_at)
        select ${periodEnum(period)}, ranked.category_id, ranked.rank, ranked.product_id, ranked.score,
               previous.rank,
               jsonb_build_object('views', ranked.views, 'sales', ranked.sales,
                                  'reviews', ranked.reviews, 'wishlists', ranked.wishlists),
               ${now.toISOString()}
          from ranked
          left join previous_product_ranks previous
            on previous.category_id is not distinct from ranked.category_id and previous.product_id = ranked.product_id
          where ranked.rank <= ${RANKED_PER_SCOPE}`;
  }

  /**
   * Replaces one period's product rankings, every scope at once, in one transaction: the whole
   * catalogue (category_id null) and each category with its subtree (a product counts in every
   * category on its path). The previous rows go to a temporary table first so each new row keeps
   * its product's previous rank in the same scope; the computation itself is one INSERT … SELECT.
   */
  async function recalculateProducts(period: RankingPeriodName, now: Date): Promise<number> {
    return db.transaction(async (tx) => {
      // one recalculation of a period at a time (the hourly job and an admin's request may meet)
      await tx.execute(
        sql`select pg_advisory_xact_lock(hashtextextended(${`rankings:products:${period}`}, 0))`,
      );
      await tx.execute(sql`create temporary table previous_product_ranks
        (category_id bigint, product_id bigint, rank int) on commit drop`);
      await tx.execute(sql`with gone as (
          delete from product_rankings where period = ${periodEnum(period)}
          returning category_id, product_id, rank)
        insert into previous_product_ranks select * from gone`);
      const inserted = await tx.execute(productRankingStatement(period, now));
      return inserted.count ?? 0;
    });
  }

  /** Replaces one period's keyword ranking from the search events, keywords case-folded and trimmed. */
  async function recalculateKeywords(period: RankingPeriodName, now: Date): Promise<number> {
    const from = since(period, now);
    return db.transaction(async (tx) => {
      await tx.execute(
        sql`select pg_advisory_xact_lock(hashtextextended(${`rankings:keywords:${period}`}, 0))`,
      );
      await tx.execute(sql`create temporary table previous_keyword_ranks
        (keyword text, rank int) on commit drop`);
      await tx.execute(sql`with gone as (
          delete from keyword_rankings where period = ${periodEnum(period)} returning keyword, rank)
        insert into previous_keyword_ranks select * from gone`);
      const inserted = await tx.execute(sql`
        with counted as (
          select lower(btrim(payload->>'keyword')) as keyword, count(*)::int as search_count
            from activity_logs
            where type = 'search' and occurred_at >= ${from} and occurred_at <= ${now.toISOString()}
              and length(btrim(coalesce(payload->>'keyword', ''))) > 0
            group by 1
        ),
        ranked as (
          select keyword, search_count, row_number() over (order by search_count desc, keyword) as rank
            from counted
        )
        insert into keyword_rankings (period, rank, keyword, search_count, previous_rank, computed_at)
        select ${periodEnum(period)}, ranked.rank, ranked.keyword, ranked.search_count, previous.rank, ${now.toISOString()}
          from ranked left join previous_keyword_ranks previous on previous.keyword = ranked.keyword
          where ranked.rank <= ${RANKED_PER_SCOPE}`);
      return inserted.count ?? 0;
    });
  }

  return {
    /** Every period's product and keyword rankings, computed as of `now`. */
    async recalculate(now = new Date()): Promise<RecalculationResult> {
      let products = 0;
      let keywords = 0;
      for (const period of Object.keys(PERIOD_DAYS) as RankingPeriodName[]) {
        products += await recalculateProducts(period, now);
        keywords += await recalculateKeywords(period, now);
      }
      return { updatedCount: products + keywords, products, keywords };
    },

    /**
     * PostgreSQL's planning and execution time of a period's ranking statement over the current
     * data (bench:home): EXPLAIN ANALYZE in a transaction that is rolled back.
     */
    async explainProducts(period: RankingPeriodName, now = new Date()): Promise<string> {
      let report = '';
      await db
        .transaction(async (tx) => {
          await tx.execute(sql`create temporary table previous_product_ranks
            (category_id bigint, product_id bigint, rank int) on commit drop`);
          // as the job does: the period's rows move aside first (all of it rolled back)
          await tx.execute(sql`with gone as (
              delete from product_rankings where period = ${periodEnum(period)}
              returning category_id, product_id, rank)
            insert into previous_product_ranks select * from gone`);
          const [plan] = await tx.execute<{
            'QUERY PLAN': { 'Planning Time': number; 'Execution Time': number }[];
          }>(sql`explain (analyze, format json) ${productRankingStatement(period, now)}`);
          const figures = plan!['QUERY PLAN'][0]!;
          report = `planning ${figures['Planning Time'].toFixed(1)} ms, execution ${figures['Execution Time'].toFixed(1)} ms`;
          tx.rollback();
        })
        .catch((error: unknown) => {
          if (report === '') throw error;
        });
      return report;
    },

    /** The stored ranking of a scope; 404 CATEGORY_NOT_FOUND for an unknown category. */
    async popularProducts(query: {
      categoryId?: number | undefined;
      period: RankingPeriodName;
      limit: number;
    }): Promise<RankedProduct[]> {
      if (query.categoryId !== undefined) {
        const found = await db.execute(sql`select 1 from categories where id = ${query.categoryId}`);
        if (found.length === 0) throw new AppError('CATEGORY_NOT_FOUND');
      }
      const rows = await db.execute<{
        rank: number;
        previous_rank: number | null;
        score: number;
        signals: Record<string, number>;
        id: number;
        name: string;
        lowest_price: number | null;
        thumbnail_url: string | null;
      }>(sql`
        select r.rank, r.previous_rank, r.score, r.signals, p.id, p.name, p.lowest_price,
               (select image.url from product_images image where image.product_id = p.id
                 order by image.is_main desc, image.sort_order, image.created_at limit 1) as thumbnail_url
          from product_rankings r join products p on p.id = r.product_id and p.deleted_at is null
          where r.period = ${periodEnum(query.period)}
            and coalesce(r.category_id, 0) = ${query.categoryId ?? 0}
          order by r.rank
          limit ${query.limit}`);
      return rows.map((row) => {
        const lowestPrice = row.lowest_price === null ? null : Number(row.lowest_price);
        const product = { id: Number(row.id), name: row.name, lowestPrice, thumbnailUrl: row.thumbnail_url };
        return {
          rank: row.rank,
          rankChange: row.previous_rank === null ? null : row.previous_rank - row.rank,
          product,
          score: row.score,
          productId: product.id,
          name: product.name,
          popularityScore: row.score,
          lowestPrice,
          thumbnailUrl: row.thumbnail_url,
          signals: {
            views: row.signals.views ?? 0,
            sales: row.signals.sales ?? 0,
            reviews: row.signals.reviews ?? 0,
            wishlists: row.signals.wishlists ?? 0,
          },
        };
      });
    },

    async popularKeywords(query: { period: RankingPeriodName; limit: number }): Promise<RankedKeyword[]> {
      const rows = await db.execute<{
        rank: number;
        keyword: string;
        search_count: number;
        previous_rank: number | null;
      }>(sql`
        select rank, keyword, search_count, previous_rank from keyword_rankings
          where period = ${periodEnum(query.period)} order by rank limit ${query.limit}`);
      return rows.map((row) => ({
        rank: row.rank,
        keyword: row.keyword,
        searchCount: row.search_count,
        count: row.search_count,
        rankChange: row.previous_rank === null ? null : row.previous_rank - row.rank,
      }));
    },

    /**
     * Price drops over the period (RANK-03), computed on read from the price history: a product's
     * reference price is its lowest price when the period began (the last change recorded before
     * it), or, for a product first priced inside the period, the first lowest price recorded in it;
     * ranked by (reference − current lowest) / reference, largest first. Only products whose price
     * changed in the period are looked at.
     */
    async priceDrops(
      query: { categoryId?: number | undefined; period: RankingPeriodName; limit: number },
      now = new Date(),
    ): Promise<PriceDrop[]> {
      const from = since(query.period, now);
      let scope = sql``;
      if (query.categoryId !== undefined) {
        const [category] = await db.execute<{ path: string }>(
          sql`select path from categories where id = ${query.categoryId}`,
        );
        if (!category) throw new AppError('CATEGORY_NOT_FOUND');
        scope = sql`and p.category_id in (select id from categories
          where path = ${category.path} or path like ${`${category.path}/%`})`;
      }
      const rows = await db.execute<{
        id: number;
        name: string;
        lowest_price: number;
        reference_price: number;
        thumbnail_url: string | null;
      }>(sql`
        with candidates as (
          select p.id, p.name, p.lowest_price,
                 coalesce(
                   (select h.product_lowest_price from price_history h
                     where h.product_id = p.id and h.recorded_at < ${from}
                     order by h.recorded_at desc limit 1),
                   (select h.product_lowest_price from price_history h
                     where h.product_id = p.id and h.recorded_at >= ${from} and h.product_lowest_price is not null
                     order by h.recorded_at limit 1)
                 ) as reference_price
            from products p
            where p.deleted_at is null and p.status <> 'HIDDEN' and p.lowest_price is not null ${scope}
              and exists (select 1 from price_history h where h.product_id = p.id and h.recorded_at >= ${from})
        )
        select c.id, c.name, c.lowest_price, c.reference_price,
               (select image.url from product_images image where image.product_id = c.id
                 order by image.is_main desc, image.sort_order, image.created_at limit 1) as thumbnail_url
          from candidates c
          where c.reference_price > c.lowest_price
          order by (c.reference_price - c.lowest_price)::float8 / c.reference_price desc, c.id
          limit ${query.limit}`);
      return rows.map((row, index) => {
        const lowestPrice = Number(row.lowest_price);
        const referencePrice = Number(row.reference_price);
        return {
          rank: index + 1,
          product: { id: Number(row.id), name: row.name, lowestPrice, thumbnailUrl: row.thumbnail_url },
          productId: Number(row.id),
          name: row.name,
          lowestPrice,
          referencePrice,
          dropAmount: referencePrice - lowestPrice,
          dropRate: Math.round(((referencePrice - lowestPrice) / referencePrice) * 10_000) / 10_000,
        };
      });
    },

    /** Ids of the top of the whole catalogue's ranking (today's picks, cold-start recommendations). */
    async topProductIds(period: RankingPeriodName, limit: number, categoryIds?: number[]): Promise<number[]> {
      const scope =
        categoryIds === undefined
          ? sql`r.category_id is null`
          : sql`r.category_id = any(${`{${categoryIds.join(',')}}`}::bigint[])`;
      const rows = await db.execute<{ product_id: number }>(sql`
        select r.product_id from product_rankings r
          where r.period = ${periodEnum(period)} and ${scope}
          group by r.product_id order by min(r.rank), r.product_id limit ${limit}`);
      return rows.map((row) => Number(row.product_id));
    },
  };
}

export type RankingsService = ReturnType<typeof rankingsService>;
