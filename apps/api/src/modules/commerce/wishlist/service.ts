import { type Database, postgresError, products, productThumbnail, wishlistItems } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, count, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { WishlistItem } from './schemas.ts';

/** The error a database call raised, looked for in drizzle's wrapper too. */
/**
 * Members' wishlists (WISH-01..03). A toggle takes a transaction-scoped advisory lock on the
 * (member, product) pair, so toggles at once run one after the other: two of them leave the
 * product where it was, as two in a row would.
 */
export function wishlistService(db: Database) {
  return {
    /** Newest first; products deleted since are left out. */
    async list(userId: number, pageNumber: number, limit: number) {
      const visible = and(eq(wishlistItems.userId, userId), isNull(products.deletedAt));
      const [rows, [total]] = await Promise.all([
        db
          .select({
            id: wishlistItems.id,
            createdAt: wishlistItems.createdAt,
            product: {
              id: products.id,
              name: products.name,
              thumbnailUrl: productThumbnail(),
              lowestPrice: products.lowestPrice,
              averageRating: products.averageRating,
              reviewCount: products.reviewCount,
            },
          })
          .from(wishlistItems)
          .innerJoin(products, eq(products.id, wishlistItems.productId))
          .where(visible)
          .orderBy(desc(wishlistItems.createdAt), desc(wishlistItems.id))
          .limit(limit)
          .offset((pageNumber - 1) * limit),
        db
          .select({ value: count() })
          .from(wishlistItems)
          .innerJoin(products, eq(products.id, wishlistItems.productId))
          .where(visible),
      ]);
      const items: WishlistItem[] = rows.map((row) => ({
        id: row.id,
        product: row.product,
        createdAt: row.createdAt.toISOString(),
      }));
      return { items, totalCount: total?.value ?? 0 };
    },

    /** Members whose wishlist holds any of `productIds` (for a push segment). */
    async memberIdsWishingAny(productIds: number[]): Promise<number[]> {
      if (productIds.length === 0) return [];
      const rows = await db
        .selectDistinct({ userId: wishlistItems.userId })
        .from(wishlistItems)
        .where(inArray(wishlistItems.productId, productIds));
      return rows.map((row) => row.userId);
    },

    /** In if it was out, out if it was in; 404 PRODUCT_NOT_FOUND for an unknown or deleted product. */
    async toggle(userId: number, productId: number): Promise<boolean> {
      try {
        return await db.transaction(async (tx) => {
          await tx.execute(
            sql`select pg_advisory_xact_lock(hashtextextended(${`wishlist:${userId}:${productId}`}, 0))`,
          );
          const [product] = await tx
            .select({ id: products.id })
            .from(products)
            .where(and(eq(products.id, productId), isNull(products.deletedAt)));
          if (!product) throw new AppError('PRODUCT_NOT_FOUND');
          const removed = await tx
            .delete(wishlistItems)
            .where(and(eq(wishlistItems.userId, userId), eq(wishlistItems.productId, productId)))
            .returning({ id: wishlistItems.id });
          if (removed.length > 0) return false;
          await tx.insert(wishlistItems).values({ userId, productId });
          return true;
        });
      } catch (error) {
        // the product was hard-deleted in between
        if (postgresError(error).code === '23503') throw new AppError('PRODUCT_NOT_FOUND');
        throw error;
      }
    },

    /** Out of the wishlist; nothing to remove is fine (idempotent). */
    async remove(userId: number, productId: number): Promise<void> {
      await db
        .delete(wishlistItems)
        .where(and(eq(wishlistItems.userId, userId), eq(wishlistItems.productId, productId)));
    },
  };
}

export type WishlistService = ReturnType<typeof wishlistService>;
