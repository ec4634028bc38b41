import type { CrawlCatalog } from '@pbshop/crawler';
import { crawlerProductLinks, crawlerUnmatchedItems, type Database, products, sellers } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, count, desc, eq, isNull, sql } from 'drizzle-orm';
import type { MappingResponse } from './schemas.ts';

/** A suggestion at least this similar (pg_trgm, 0..1) is approved by auto-match; below it, it waits. */
export const AUTO_MATCH_SIMILARITY = 0.75;
/** Below this a product is not even suggested. */
const SUGGEST_SIMILARITY = 0.3;

type ItemRow = typeof crawlerUnmatchedItems.$inferSelect;

const columns = { item: crawlerUnmatchedItems, sellerName: sellers.name };

function toMapping(row: { item: ItemRow; sellerName: string | null }): MappingResponse {
  const { item } = row;
  return {
    id: item.id,
    sourceName: item.title ?? item.url,
    sourceBrand: null,
    sourceSeller: row.sellerName,
    sourceUrl: item.url,
    sourcePrice: item.price,
    sellerId: item.sellerId,
    sellerProductCode: item.sellerProductCode,
    gtin: item.gtin,
    mpn: item.mpn,
    status: item.status,
    productId: item.productId,
    confidence: Math.round(item.confidence * 1000) / 1000,
    reason: item.reason,
    reviewedBy: item.reviewedBy,
    reviewedAt: item.reviewedAt?.toISOString() ?? null,
    createdAt: item.createdAt.toISOString(),
    updatedAt: item.updatedAt.toISOString(),
  };
}

/**
 * The matching queue (MATCH-01/02): collected items the crawler could not tie to a product by
 * code, GTIN or MPN. Approving one stores the page's link (the next crawl matches it) and writes its
 * price through the prices module; auto-match approves only near-certain name matches and leaves a
 * suggestion with its confidence on the rest. Owns `crawler_unmatched_items`' review columns.
 */
export function matchingService(db: Database, offers: CrawlCatalog) {
  async function byId(id: number) {
    const [row] = await db
      .select(columns)
      .from(crawlerUnmatchedItems)
      .leftJoin(sellers, eq(sellers.id, crawlerUnmatchedItems.sellerId))
      .where(eq(crawlerUnmatchedItems.id, id));
    if (!row) throw new AppError('MAPPING_NOT_FOUND');
    return row;
  }

  /** Links the page to the product and writes the item's price as the seller's offer. */
  async function apply(item: ItemRow, productId: number) {
    await db
      .insert(crawlerProductLinks)
      .values({ sellerId: item.sellerId, productId, url: item.url, gtin: item.gtin, mpn: item.mpn })
      .onConflictDoUpdate({
        target: [crawlerProductLinks.sellerId, crawlerProductLinks.productId],
        set: { url: item.url, updatedAt: new Date() },
      });
    if (item.price !== null) {
      await offers.writeOffer({
        productId,
        sellerId: item.sellerId,
        price: item.price,
        shippingFee: null,
        stockState: 'IN_STOCK',
        url: item.url,
      });
    }
  }

  async function review(
    id: number,
    values: Partial<typeof crawlerUnmatchedItems.$inferInsert> & { status: 'APPROVED' | 'REJECTED' },
  ) {
    const [row] = await db
      .update(crawlerUnmatchedItems)
      .set({ ...values, reviewedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(crawlerUnmatchedItems.id, id), eq(crawlerUnmatchedItems.status, 'PENDING')))
      .returning();
    if (row) return row;
    const existing = await byId(id);
    throw new AppError('CONFLICT', { details: { reason: `the mapping is ${existing.item.status} already` } });
  }

  return {
    async pending(query: { page: number; limit: number }) {
      const where = eq(crawlerUnmatchedItems.status, 'PENDING');
      const [rows, [total]] = await Promise.all([
        db
          .select(columns)
          .from(crawlerUnmatchedItems)
          .leftJoin(sellers, eq(sellers.id, crawlerUnmatchedItems.sellerId))
          .where(where)
          .orderBy(desc(crawlerUnmatchedItems.confidence), desc(crawlerUnmatchedItems.id))
          .limit(query.limit)
          .offset((query.page - 1) * query.limit),
        db.select({ value: count() }).from(crawlerUnmatchedItems).where(where),
      ]);
      return { rows: rows.map(toMapping), totalCount: total?.value ?? 0 };
    },

    async approve(id: number, productId: number, reviewerId: number): Promise<MappingResponse> {
      const [product] = await db
        .select({ id: products.id })
        .from(products)
        .where(and(eq(products.id, productId), isNull(products.deletedAt)));
      if (!product) throw new AppError('PRODUCT_NOT_FOUND');
      const item = await review(id, { status: 'APPROVED', productId, reviewedBy: reviewerId, confidence: 1 });
      await apply(item, productId);
      return toMapping(await byId(id));
    },

    async reject(id: number, reason: string, reviewerId: number): Promise<MappingResponse> {
      await review(id, { status: 'REJECTED', reason, reviewedBy: reviewerId });
      return toMapping(await byId(id));
    },

    /** Suggests the most similar product name for each pending item; approves the near-certain ones. */
    async autoMatch(): Promise<{ matchedCount: number; pendingCount: number }> {
      const candidates = await db.execute<{
        id: number;
        product_id: number | null;
        similarity: number | null;
      }>(sql`
        select item.id, best.id as product_id, best.similarity
        from crawler_unmatched_items item
        left join lateral (
          select p.id, similarity(p.name, item.title) as similarity
          from products p
          where p.deleted_at is null and item.title is not null and p.name % item.title
          order by similarity(p.name, item.title) desc, p.id
          limit 1
        ) best on true
        where item.status = 'PENDING'
        order by item.id
        limit 1000`);
      let matchedCount = 0;
      for (const candidate of candidates) {
        const similarity = Number(candidate.similarity ?? 0);
        const productId = candidate.product_id === null ? null : Number(candidate.product_id);
        if (productId !== null && similarity >= AUTO_MATCH_SIMILARITY) {
          const [item] = await db
            .update(crawlerUnmatchedItems)
            .set({
              status: 'APPROVED',
              productId,
              confidence: similarity,
              reason: 'auto-matched by name',
              reviewedAt: new Date(),
              updatedAt: new Date(),
            })
            .where(
              and(
                eq(crawlerUnmatchedItems.id, Number(candidate.id)),
                eq(crawlerUnmatchedItems.status, 'PENDING'),
              ),
            )
            .returning();
          if (item) {
            await apply(item, productId);
            matchedCount += 1;
          }
        } else {
          const suggested = productId !== null && similarity >= SUGGEST_SIMILARITY;
          await db
            .update(crawlerUnmatchedItems)
            .set({ productId: suggested ? productId : null, confidence: suggested ? similarity : 0 })
            .where(eq(crawlerUnmatchedItems.id, Number(candidate.id)));
        }
      }
      const [pending] = await db
        .select({ value: count() })
        .from(crawlerUnmatchedItems)
        .where(eq(crawlerUnmatchedItems.status, 'PENDING'));
      return { matchedCount, pendingCount: pending?.value ?? 0 };
    },

    async stats() {
      const [row] = await db
        .select({
          pending: sql<number>`(count(*) filter (where status = 'PENDING'))::int`,
          approved: sql<number>`(count(*) filter (where status = 'APPROVED'))::int`,
          rejected: sql<number>`(count(*) filter (where status = 'REJECTED'))::int`,
          total: sql<number>`count(*)::int`,
        })
        .from(crawlerUnmatchedItems);
      return row ?? { pending: 0, approved: 0, rejected: 0, total: 0 };
    },
  };
}

export type MatchingService = ReturnType<typeof matchingService>;
