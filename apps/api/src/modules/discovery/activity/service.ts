import { type Database, recentViews, searchHistory, type Transaction } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, count, desc, eq, sql } from 'drizzle-orm';
import type { RecentProduct, SearchEntry } from './schemas.ts';

/** Recently viewed products and searches kept per member; older ones are trimmed as new ones come. */
export const HISTORY_KEPT = 50;

/** The activity-log event a member's product view is recorded as (also a ranking signal). */
export const PRODUCT_VIEW_EVENT = 'product_view';
/** The search service's event; the activity API's explicit additions use it too. */
export const SEARCH_EVENT = 'search';

/** An activity-log entry as the processor stores it. */
export interface LoggedActivity {
  type: string;
  userId?: number | undefined;
  data: Record<string, unknown>;
  occurredAt: Date;
}

/** Enqueues an activity-log entry; false when it could not be enqueued. */
export type EnqueueActivity = (entry: {
  userId: number;
  type: string;
  data: Record<string, unknown>;
  requestId: string;
}) => Promise<boolean>;

const iso = (value: Date) => value.toISOString();

/**
 * A member's recently viewed products and search history (API §19, ACT-01..05). Both are written
 * by the activity-log processor (`recordInHistory`, in the transaction that stores the log entry),
 * never by the request: a view or a search costs the request one enqueue.
 */
export function activityService(db: Database, enqueue: EnqueueActivity) {
  async function recentProducts(userId: number, pageNumber: number, limit: number) {
    const rows = await db.execute<{
      id: number;
      product_id: number;
      name: string;
      lowest_price: number | null;
      thumbnail_url: string | null;
      viewed_at: Date;
      created_at: Date;
      updated_at: Date;
    }>(sql`
      select v.id, p.id as product_id, p.name, p.lowest_price, v.viewed_at, v.created_at, v.updated_at,
             (select image.url from product_images image where image.product_id = p.id
               order by image.is_main desc, image.sort_order, image.created_at limit 1) as thumbnail_url
        from recent_views v join products p on p.id = v.product_id and p.deleted_at is null
        where v.user_id = ${userId}
        order by v.viewed_at desc, v.id desc
        limit ${limit} offset ${(pageNumber - 1) * limit}`);
    const items: RecentProduct[] = rows.map((row) => ({
      id: Number(row.id),
      product: {
        id: Number(row.product_id),
        name: row.name,
        thumbnailUrl: row.thumbnail_url,
        lowestPrice: row.lowest_price === null ? null : Number(row.lowest_price),
      },
      viewedAt: iso(new Date(row.viewed_at)),
      createdAt: iso(new Date(row.created_at)),
      updatedAt: iso(new Date(row.updated_at)),
    }));
    return items;
  }

  async function searches(userId: number, pageNumber: number, limit: number) {
    const rows = await db
      .select()
      .from(searchHistory)
      .where(eq(searchHistory.userId, userId))
      .orderBy(desc(searchHistory.searchedAt), desc(searchHistory.id))
      .limit(limit)
      .offset((pageNumber - 1) * limit);
    const items: SearchEntry[] = rows.map((row) => ({
      id: row.id,
      keyword: row.keyword,
      searchedAt: iso(row.searchedAt),
      createdAt: iso(row.createdAt),
      updatedAt: iso(row.updatedAt),
    }));
    return items;
  }

  const countOf = async (table: typeof recentViews | typeof searchHistory, userId: number) => {
    const [row] = await db.select({ value: count() }).from(table).where(eq(table.userId, userId));
    return row?.value ?? 0;
  };

  return {
    async recentProducts(userId: number, pageNumber: number, limit: number) {
      const [items, totalCount] = await Promise.all([
        recentProducts(userId, pageNumber, limit),
        countOf(recentViews, userId),
      ]);
      return { items, totalCount };
    },

    async searches(userId: number, pageNumber: number, limit: number) {
      const [items, totalCount] = await Promise.all([
        searches(userId, pageNumber, limit),
        countOf(searchHistory, userId),
      ]);
      return { items, totalCount };
    },

    /** The ten newest of each and the member's order count. */
    async summary(userId: number) {
      const [products, keywords, [orders]] = await Promise.all([
        recentProducts(userId, 1, 10),
        searches(userId, 1, 10),
        db.execute<{ total: number }>(
          sql`select count(*)::int as total from orders where user_id = ${userId}`,
        ),
      ]);
      return {
        recentProducts: products,
        recentSearches: keywords,
        orderSummary: { totalOrderCount: orders?.total ?? 0 },
      };
    },

    /** Queues a view of a live product (404 PRODUCT_NOT_FOUND otherwise). */
    async trackView(userId: number, productId: number, requestId: string) {
      const found = await db.execute(
        sql`select 1 from products where id = ${productId} and deleted_at is null`,
      );
      if (found.length === 0) throw new AppError('PRODUCT_NOT_FOUND');
      const queued = await enqueue({ userId, type: PRODUCT_VIEW_EVENT, data: { productId }, requestId });
      return { queued, event: PRODUCT_VIEW_EVENT, userId, productId };
    },

    /** A member's view of a product detail the request just served: queued, never awaited. */
    viewed(userId: number, productId: number, requestId: string): void {
      void enqueue({ userId, type: PRODUCT_VIEW_EVENT, data: { productId }, requestId });
    },

    async trackSearch(userId: number, keyword: string, requestId: string) {
      const queued = await enqueue({
        userId,
        type: SEARCH_EVENT,
        data: { keyword, source: 'history' },
        requestId,
      });
      return { queued, event: SEARCH_EVENT, userId, keyword };
    },

    async clearViews(userId: number) {
      const gone = await db
        .delete(recentViews)
        .where(eq(recentViews.userId, userId))
        .returning({ id: recentViews.id });
      return gone.length;
    },

    /** Forgets one product of the member's views; 404 PRODUCT_NOT_FOUND when it was not among them. */
    async removeView(userId: number, productId: number) {
      const gone = await db
        .delete(recentViews)
        .where(and(eq(recentViews.userId, userId), eq(recentViews.productId, productId)))
        .returning({ id: recentViews.id });
      if (gone.length === 0) throw new AppError('PRODUCT_NOT_FOUND');
    },

    async clearSearches(userId: number) {
      const gone = await db
        .delete(searchHistory)
        .where(eq(searchHistory.userId, userId))
        .returning({ id: searchHistory.id });
      return gone.length;
    },

    /** 404 SEARCH_HISTORY_NOT_FOUND for an entry that is not the member's (or gone). */
    async removeSearch(userId: number, id: number) {
      const gone = await db
        .delete(searchHistory)
        .where(and(eq(searchHistory.id, id), eq(searchHistory.userId, userId)))
        .returning({ id: searchHistory.id });
      if (gone.length === 0) throw new AppError('SEARCH_HISTORY_NOT_FOUND');
    },
  };
}

/**
 * What the activity-log processor does with a member's view or search, in the transaction that
 * stores the log entry (so a retried job changes nothing twice): the product or keyword moves to
 * the top (a late, out-of-order event never moves one down), then the member's rows past
 * HISTORY_KEPT go, under a lock per member. A view of a product deleted since is skipped.
 */
export async function recordInHistory(tx: Transaction, entry: LoggedActivity): Promise<void> {
  const { userId } = entry;
  if (userId === undefined) return;
  if (entry.type !== PRODUCT_VIEW_EVENT && entry.type !== SEARCH_EVENT) return;
  const at = entry.occurredAt.toISOString();
  // one member's entries one after another: jobs run four at a time, and two trims that cannot
  // see each other's insert would each leave 51 rows
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`activity-history:${userId}`}, 0))`);
  if (entry.type === PRODUCT_VIEW_EVENT && typeof entry.data.productId === 'number') {
    await tx.execute(sql`
      insert into recent_views (user_id, product_id, viewed_at)
      select ${userId}, p.id, ${at} from products p where p.id = ${entry.data.productId} and p.deleted_at is null
      on conflict (user_id, product_id) do update
        set viewed_at = greatest(recent_views.viewed_at, excluded.viewed_at), updated_at = now()`);
    await tx.execute(sql`
      delete from recent_views where id in (
        select id from recent_views where user_id = ${userId}
        order by viewed_at desc, id desc offset ${HISTORY_KEPT})`);
  } else if (entry.type === SEARCH_EVENT && typeof entry.data.keyword === 'string') {
    const keyword = entry.data.keyword.trim().slice(0, 100);
    if (keyword === '') return;
    await tx.execute(sql`
      insert into search_history (user_id, keyword, searched_at) values (${userId}, ${keyword}, ${at})
      on conflict (user_id, lower(keyword)) do update
        -- entries may be recorded out of order (batches, retries): the newest search's spelling stays
        set keyword = case when excluded.searched_at >= search_history.searched_at
                           then excluded.keyword else search_history.keyword end,
            searched_at = greatest(search_history.searched_at, excluded.searched_at),
            updated_at = now()`);
    await tx.execute(sql`
      delete from search_history where id in (
        select id from search_history where user_id = ${userId}
        order by searched_at desc, id desc offset ${HISTORY_KEPT})`);
  }
}

export type ActivityService = ReturnType<typeof activityService>;
