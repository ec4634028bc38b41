import { categories, type Database, pcPartUsedShare, products, usedListings } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, eq, isNull, type SQL, sql } from 'drizzle-orm';
import type { PcBuilderService } from '../pc-builder/service.ts';
import { BUYBACK_SHARE, MONTH_MS, monthlyDepreciation } from './depreciation.ts';
import type { BuyBackEstimate, UsedCategoryPrice, UsedProductPrice } from './schemas.ts';
import type { UsedListingSource } from './source.ts';

/** Used prices come from listings of the last 180 days, in six 30-day buckets. */
const WINDOW_DAYS = 180;
const BUCKET_DAYS = 30;
/**
 * The trend compares the last 90 days' average with the 90 days before; a move under 3 % either
 * way is noise (condition mix, a single cheap listing) and reads as STABLE.
 */
const TREND_SPLIT_DAYS = 90;
const TREND_THRESHOLD = 0.03;
const INGEST_BATCH = 500;
const DAY_MS = 86_400_000;

interface FigureRow extends Record<string, unknown> {
  product_id: number;
  product_name: string;
  listing_count: number;
  average: number;
  min_price: number;
  max_price: number;
  recent: number | null;
  earlier: number | null;
}

function trendOf(recent: number | null, earlier: number | null): 'UP' | 'DOWN' | 'STABLE' {
  if (recent === null || earlier === null || earlier === 0) return 'STABLE';
  const change = (recent - earlier) / earlier;
  return change > TREND_THRESHOLD ? 'UP' : change < -TREND_THRESHOLD ? 'DOWN' : 'STABLE';
}

const figuresOf = (row: FigureRow) => ({
  averagePrice: Math.round(Number(row.average)),
  minPrice: Number(row.min_price),
  maxPrice: Number(row.max_price),
  listingCount: row.listing_count,
  trend: trendOf(
    row.recent === null ? null : Number(row.recent),
    row.earlier === null ? null : Number(row.earlier),
  ),
});

export interface UsedMarketServiceOptions {
  db: Database;
  pcBuilder: Pick<PcBuilderService, 'detail'>;
}

/**
 * Used-market prices (USED-01..03) from `used_listings`, which sources fill through `ingest`:
 * average, range and trend per product and per category, and a buy-back estimate for a PC build
 * from its parts' used prices and age (see depreciation.ts).
 */
export function usedMarketService({ db, pcBuilder }: UsedMarketServiceOptions) {
  async function figures(filter: SQL, page?: { page: number; limit: number }) {
    return db.execute<FigureRow>(sql`
      select l.product_id, p.name as product_name, count(*)::int as listing_count,
             avg(l.price)::float8 as average, min(l.price)::int as min_price, max(l.price)::int as max_price,
             avg(l.price) filter (where l.listed_at > now() - make_interval(days => ${TREND_SPLIT_DAYS}))::float8 as recent,
             avg(l.price) filter (where l.listed_at <= now() - make_interval(days => ${TREND_SPLIT_DAYS}))::float8 as earlier
      from used_listings l join products p on p.id = l.product_id and p.deleted_at is null
      where l.listed_at > now() - make_interval(days => ${WINDOW_DAYS}) and ${filter}
      group by l.product_id, p.name
      order by count(*) desc, l.product_id
      ${page ? sql`limit ${page.limit} offset ${(page.page - 1) * page.limit}` : sql``}`);
  }

  async function averagesOf(productIds: number[]): Promise<Map<number, number>> {
    if (productIds.length === 0) return new Map();
    const rows = await db.execute<{ product_id: number; average: number }>(sql`
      select product_id, avg(price)::float8 as average from used_listings
      where listed_at > now() - make_interval(days => ${WINDOW_DAYS})
        and product_id in (${sql.join(productIds, sql`, `)})
      group by product_id`);
    return new Map(rows.map((row) => [Number(row.product_id), Number(row.average)]));
  }

  return {
    /** Upserts a source's listings (on source + external id): a re-delivery updates price, condition, sale. */
    async ingest(source: UsedListingSource): Promise<number> {
      let batch: (typeof usedListings.$inferInsert)[] = [];
      let written = 0;
      const flush = async () => {
        if (batch.length === 0) return;
        await db
          .insert(usedListings)
          .values(batch)
          .onConflictDoUpdate({
            target: [usedListings.source, usedListings.externalId],
            set: {
              price: sql`excluded.price`,
              condition: sql`excluded.condition`,
              soldAt: sql`excluded.sold_at`,
              updatedAt: sql`now()`,
            },
          });
        written += batch.length;
        batch = [];
      };
      for await (const listing of source.listings()) {
        batch.push({
          source: source.name,
          externalId: listing.externalId,
          productId: listing.productId,
          price: listing.price,
          condition: listing.condition,
          listedAt: listing.listedAt,
          soldAt: listing.soldAt,
        });
        if (batch.length >= INGEST_BATCH) await flush();
      }
      await flush();
      return written;
    },

    async productPrice(productId: number): Promise<UsedProductPrice> {
      const [[product], rows, buckets] = await Promise.all([
        db
          .select({ id: products.id })
          .from(products)
          .where(and(eq(products.id, productId), isNull(products.deletedAt))),
        figures(sql`l.product_id = ${productId}`),
        db.execute<{ bucket: number; average: number; listing_count: number }>(sql`
          select floor(extract(epoch from now() - listed_at) / ${BUCKET_DAYS * 86_400})::int as bucket,
                 avg(price)::float8 as average, count(*)::int as listing_count
          from used_listings
          where product_id = ${productId} and listed_at > now() - make_interval(days => ${WINDOW_DAYS})
          group by 1`),
      ]);
      if (!product) throw new AppError('PRODUCT_NOT_FOUND');
      const row = rows[0];
      if (!row) throw new AppError('USED_PRICE_NOT_FOUND');
      const now = Date.now();
      const bucketCount = WINDOW_DAYS / BUCKET_DAYS;
      const history = Array.from({ length: bucketCount }, (_, index) => {
        const age = bucketCount - 1 - index;
        const found = buckets.find((bucket) => bucket.bucket === age);
        return {
          from: new Date(now - (age + 1) * BUCKET_DAYS * DAY_MS).toISOString(),
          to: new Date(now - age * BUCKET_DAYS * DAY_MS).toISOString(),
          averagePrice: found ? Math.round(Number(found.average)) : null,
          listingCount: found?.listing_count ?? 0,
        };
      });
      return { productId, ...figuresOf(row), history };
    },

    /** The used prices of a category's products (its subcategories' too), the most listed first. */
    async categoryPrices(categoryId: number, page: { page: number; limit: number }) {
      const [category] = await db
        .select({ path: categories.path })
        .from(categories)
        .where(eq(categories.id, categoryId));
      if (!category) throw new AppError('CATEGORY_NOT_FOUND');
      const inCategory = sql`p.category_id in (select id from categories
        where path = ${category.path} or path like ${`${category.path}/%`})`;
      const [rows, [total]] = await Promise.all([
        figures(inCategory, page),
        db.execute<{ count: number }>(sql`
          select count(distinct l.product_id)::int as count
          from used_listings l join products p on p.id = l.product_id and p.deleted_at is null
          where l.listed_at > now() - make_interval(days => ${WINDOW_DAYS}) and ${inCategory}`),
      ]);
      const items: UsedCategoryPrice[] = rows.map((row) => ({
        productId: Number(row.product_id),
        productName: row.product_name,
        ...figuresOf(row),
      }));
      return { items, totalCount: total?.count ?? 0 };
    },

    /**
     * What a buy-back shop would pay for the build's parts today: each part's used price (the
     * market's average, else a share of its new price) aged by the months since it was added,
     * times the buy-back share. No used listing for any part: USED_PRICE_NOT_FOUND.
     */
    async buyBackEstimate(buildId: number): Promise<BuyBackEstimate> {
      const build = await pcBuilder.detail(buildId);
      const averages = await averagesOf([...new Set(build.parts.map((part) => part.product.id))]);
      if (build.parts.length === 0 || !build.parts.some((part) => averages.has(part.product.id))) {
        throw new AppError('USED_PRICE_NOT_FOUND');
      }
      const now = Date.now();
      const partBreakdown = build.parts.map((part) => {
        const used = averages.get(part.product.id);
        const unitUsed = used ?? part.unitPrice * pcPartUsedShare[part.partType];
        const ageMonths = Math.max(0, Math.floor((now - new Date(part.addedAt).getTime()) / MONTH_MS));
        const aged = unitUsed * (1 - monthlyDepreciation[part.partType]) ** ageMonths;
        const estimatedUsedPrice = Math.round(aged * BUYBACK_SHARE * part.quantity);
        const originalPrice = part.totalPrice;
        return {
          partId: part.id,
          partType: part.partType,
          productId: part.product.id,
          productName: part.product.name,
          originalPrice,
          usedMarketPrice: used === undefined ? null : Math.round(used),
          ageMonths,
          depreciationRate:
            originalPrice > 0
              ? Math.min(1, Math.max(0, Math.round((1 - estimatedUsedPrice / originalPrice) * 1000) / 1000))
              : 0,
          estimatedUsedPrice,
        };
      });
      return {
        buildId,
        estimatedPrice: partBreakdown.reduce((sum, part) => sum + part.estimatedUsedPrice, 0),
        partBreakdown,
      };
    },
  };
}

export type UsedMarketService = ReturnType<typeof usedMarketService>;
