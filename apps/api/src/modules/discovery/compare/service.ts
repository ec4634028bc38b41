import { compareItems, type Database, postgresError, products, productThumbnail } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, asc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { SpecsService } from '../../catalog/specs/service.ts';
import { guestCompareStore } from './guest-store.ts';
import { COMPARE_LIMIT, type CompareDetail, type CompareListItem } from './schemas.ts';

/** Whose bar: a member's (kept in `compare_items`, across devices) or a guest's (Redis, by key). */
export type CompareOwner = { userId: number } | { guestKey: string };

export interface CompareServiceOptions {
  db: Database;
  redis: Redis;
  keyPrefix: string;
  /** a guest's bar lives this long after its last write (the guest cart's TTL) */
  guestTtlMs: number;
  specs: Pick<SpecsService, 'compare'>;
}

const limitExceeded = () => new AppError('COMPARE_LIMIT_EXCEEDED', { details: { limit: COMPARE_LIMIT } });

/**
 * Compare bars (COMP-01..02): at most COMPARE_LIMIT products. A member's add runs under a
 * transaction-scoped advisory lock on the member, so two adds at once cannot both pass the count;
 * a guest's is one Lua script. A guest's bar is merged into the member's at login, capped.
 */
export function compareService({ db, redis, keyPrefix, guestTtlMs, specs }: CompareServiceOptions) {
  const guests = guestCompareStore(redis, keyPrefix, guestTtlMs);

  async function assertProduct(productId: number): Promise<void> {
    const [row] = await db
      .select({ id: products.id })
      .from(products)
      .where(and(eq(products.id, productId), isNull(products.deletedAt)));
    if (!row) throw new AppError('PRODUCT_NOT_FOUND');
  }

  async function idsOf(owner: CompareOwner): Promise<number[]> {
    if ('guestKey' in owner) return guests.list(owner.guestKey);
    const rows = await db
      .select({ productId: compareItems.productId })
      .from(compareItems)
      .where(eq(compareItems.userId, owner.userId))
      .orderBy(asc(compareItems.addedAt), asc(compareItems.productId));
    return rows.map((row) => row.productId);
  }

  /** The bar's products in the order they were added; deleted products left out. */
  async function list(owner: CompareOwner): Promise<CompareListItem[]> {
    const ids = await idsOf(owner);
    if (ids.length === 0) return [];
    const rows = await db
      .select({
        productId: products.id,
        name: products.name,
        categoryId: products.categoryId,
        price: products.lowestPrice,
        averageRating: products.averageRating,
        reviewCount: products.reviewCount,
        sellerCount: products.sellerCount,
        salesCount: products.salesCount,
        thumbnailUrl: productThumbnail(),
      })
      .from(products)
      .where(and(inArray(products.id, ids), isNull(products.deletedAt)));
    const byId = new Map(rows.map((row) => [row.productId, row]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** Adds to a member's bar under the member's lock; false when it is full (the product not in it). */
  async function addForMember(userId: number, productId: number): Promise<boolean> {
    return db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`compare:${userId}`}, 0))`);
      const current = await tx
        .select({ productId: compareItems.productId })
        .from(compareItems)
        .where(eq(compareItems.userId, userId));
      if (current.some((row) => row.productId === productId)) return true;
      if (current.length >= COMPARE_LIMIT) return false;
      await tx.insert(compareItems).values({ userId, productId });
      return true;
    });
  }

  return {
    list,

    /** COMPARE_LIMIT_EXCEEDED when the bar is full; adding a product already in it changes nothing. */
    async add(owner: CompareOwner, productId: number): Promise<CompareListItem[]> {
      await assertProduct(productId);
      const added =
        'guestKey' in owner
          ? await guests.add(owner.guestKey, productId, COMPARE_LIMIT)
          : await addForMember(owner.userId, productId).catch((error: unknown) => {
              // the product was hard-deleted in between
              if (postgresError(error).code === '23503') {
                throw new AppError('PRODUCT_NOT_FOUND');
              }
              throw error;
            });
      if (!added) throw limitExceeded();
      return list(owner);
    },

    /** Out of the bar; one not in it is fine. */
    async remove(owner: CompareOwner, productId: number): Promise<CompareListItem[]> {
      if ('guestKey' in owner) await guests.remove(owner.guestKey, productId);
      else {
        await db
          .delete(compareItems)
          .where(and(eq(compareItems.userId, owner.userId), eq(compareItems.productId, productId)));
      }
      return list(owner);
    },

    /**
     * The list, the fields that differ between its products, and the spec engine's side-by-side
     * comparison (from two products on) with each spec marked `different` when the values differ.
     */
    async detail(owner: CompareOwner): Promise<CompareDetail> {
      const compareList = await list(owner);
      const differs = (field: keyof CompareListItem) =>
        new Set(compareList.map((item) => item[field])).size > 1;
      const sideBySide =
        compareList.length >= 2
          ? await specs.compare(compareList.map((item) => item.productId))
          : { specs: [] };
      return {
        compareList,
        differences: {
          price: differs('price'),
          categoryId: differs('categoryId'),
          averageRating: differs('averageRating'),
          reviewCount: differs('reviewCount'),
          sellerCount: differs('sellerCount'),
          salesCount: differs('salesCount'),
        },
        specs: sideBySide.specs.map((spec) => ({
          ...spec,
          different: new Set(spec.values.map((value) => JSON.stringify(value))).size > 1,
        })),
      };
    },

    /**
     * At login: the guest's bar joins the member's, oldest first, products already there skipped,
     * the rest dropped once the member's bar holds COMPARE_LIMIT. The guest's bar is gone after.
     */
    async mergeGuest(userId: number, guestKey: string): Promise<{ merged: number; dropped: number }> {
      const ids = await guests.claim(guestKey);
      let merged = 0;
      let dropped = 0;
      for (const productId of ids) {
        const added = await addForMember(userId, productId).catch(() => false);
        if (added) merged += 1;
        else dropped += 1;
      }
      return { merged, dropped };
    },
  };
}

export type CompareService = ReturnType<typeof compareService>;
