import type { Database } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { projectProducts, rebuildProductQueryView } from '@pbshop/search';
import { type SQL, sql } from 'drizzle-orm';
import { escapeLike } from '../../identity/users/service.ts';
import type {
  ProductQueryListQuery,
  ProductQueryPage,
  ProductQuerySort,
  ProductQueryViewItem,
  RebuildResult,
} from './schemas.ts';

/** The list counts matching rows up to this many, as `GET /products` does; beyond, `totalItemsCapped`. */
export const QUERY_COUNT_CAP = 1_000;
/** a rebuild logs its progress once per this many batches (10,000 products) */
const PROGRESS_LOG_EVERY = 10;

type ViewRow = {
  product_id: number;
  category_id: number;
  name: string;
  thumbnail_url: string | null;
  status: ProductQueryViewItem['status'];
  base_price: number | null;
  lowest_price: number | null;
  seller_count: number;
  average_rating: number;
  review_count: number;
  view_count: number;
  popularity_score: number;
  synced_at: Date | string | null;
  updated_at: Date | string;
};

const columns = sql.raw(`product_id, category_id, name, thumbnail_url, status, base_price, lowest_price,
  seller_count, average_rating::float8 as average_rating, review_count, view_count,
  popularity_score::float8 as popularity_score, synced_at, updated_at`);

const toItem = (row: ViewRow): ProductQueryViewItem => ({
  productId: row.product_id,
  categoryId: row.category_id,
  name: row.name,
  thumbnailUrl: row.thumbnail_url,
  status: row.status,
  basePrice: row.base_price,
  lowestPrice: row.lowest_price,
  sellerCount: row.seller_count,
  averageRating: row.average_rating,
  reviewCount: row.review_count,
  viewCount: row.view_count,
  popularityScore: row.popularity_score,
  syncedAt: row.synced_at === null ? null : new Date(row.synced_at).toISOString(),
  updatedAt: new Date(row.updated_at).toISOString(),
});

/**
 * The ORDER BY of each sort, written as its index is (drizzle's `.desc()` makes DESC NULLS LAST
 * keys), so the page is read in index order and the scan stops after it. The columns are named
 * with their table: a bare `average_rating` would be the select list's float8 cast of it, which no
 * index orders. PRICE_DESC has no index of its own: see `priceDescPage`.
 */
function orderOf(sort: Exclude<ProductQuerySort, 'PRICE_DESC'>): SQL {
  switch (sort) {
    case 'PRICE_ASC':
      return sql`product_query_view.lowest_price asc nulls last, product_query_view.product_id asc nulls last`;
    case 'POPULARITY':
      return sql`product_query_view.popularity_score desc nulls last, product_query_view.product_id desc nulls last`;
    case 'RATING':
      return sql`product_query_view.average_rating desc nulls last, product_query_view.product_id desc nulls last`;
    default:
      return sql`product_query_view.product_created_at desc nulls last, product_query_view.product_id desc nulls last`;
  }
}

export interface ProductQueryServiceDeps {
  /** projections write through the main pool */
  db: Database;
  /** the API's read pool: the list and the detail */
  reads: Database;
  /** a category and its descendants' ids (the categories module) */
  categorySubtreeIds(categoryId: number): Promise<number[]>;
}

/** Where an operation logs its progress: the request's logger. */
export interface ProgressLog {
  info(details: object, message: string): void;
}

/**
 * The product read model's queries (CQRS read side of the catalog): the list and detail read
 * `product_query_view`, never the catalog tables; the admin sync and rebuild project it from them
 * (`@pbshop/search`'s projection, which worker-search runs on every outbox batch).
 */
export function productQueryService({ db, reads, categorySubtreeIds }: ProductQueryServiceDeps) {
  async function findRow(executor: Database, productId: number): Promise<ProductQueryViewItem | undefined> {
    const [row] = await executor.execute<ViewRow>(
      sql`select ${columns} from product_query_view where product_id = ${productId}`,
    );
    return row ? toItem(row) : undefined;
  }

  /**
   * PRICE_DESC with products without a price last: the price index read backwards gives NULLs
   * first, so the priced and the unpriced rows are two backward scans of it (each stopping at
   * offset + limit rows), put one after the other.
   */
  function priceDescPage(where: SQL, offset: number, limit: number): SQL {
    const reach = offset + limit;
    return sql`
      select ${columns} from (
        (select 0 as part, * from product_query_view
         where ${where} and lowest_price is not null
         order by lowest_price desc, product_id desc limit ${reach})
        union all
        (select 1 as part, * from product_query_view
         where ${where} and lowest_price is null
         order by lowest_price desc, product_id desc limit ${reach})
      ) page
      order by part, lowest_price desc, product_id desc
      offset ${offset} limit ${limit}`;
  }

  return {
    /**
     * A page of the read model: HIDDEN products left out, a category with its descendants (as
     * `GET /products`), the name by part in any case, the lowest price within a range. The
     * subtree's ids are read first and sent as values, so the planner sees how many rows a
     * category has (a small one is read through the category index and sorted; a large one in
     * the sort's index order). The count stops past `QUERY_COUNT_CAP`.
     */
    async list(query: ProductQueryListQuery): Promise<ProductQueryPage & { totalItemsCapped: boolean }> {
      const conditions: SQL[] = [sql`status <> 'HIDDEN'`];
      if (query.categoryId !== undefined) {
        const ids = await categorySubtreeIds(query.categoryId);
        conditions.push(sql`category_id = any(${sql.param(ids)}::bigint[])`);
      }
      if (query.keyword) conditions.push(sql`name ilike ${`%${escapeLike(query.keyword)}%`}`);
      if (query.minPrice !== undefined) conditions.push(sql`lowest_price >= ${query.minPrice}`);
      if (query.maxPrice !== undefined) conditions.push(sql`lowest_price <= ${query.maxPrice}`);
      const where = sql.join(conditions, sql` and `);
      const offset = (query.page - 1) * query.limit;
      const page =
        query.sort === 'PRICE_DESC'
          ? priceDescPage(where, offset, query.limit)
          : sql`select ${columns} from product_query_view where ${where}
                order by ${orderOf(query.sort)} offset ${offset} limit ${query.limit}`;
      const [rows, [counted]] = await Promise.all([
        reads.execute<ViewRow>(page),
        reads.execute<{ matching: number }>(sql`
          select count(*)::int as matching
          from (select 1 from product_query_view where ${where} limit ${QUERY_COUNT_CAP + 1}) matching`),
      ]);
      const matching = counted?.matching ?? 0;
      const totalItems = Math.min(matching, QUERY_COUNT_CAP);
      const items = [...rows].map(toItem);
      return {
        items,
        meta: {
          totalItems,
          itemCount: items.length,
          itemsPerPage: query.limit,
          totalPages: Math.ceil(totalItems / query.limit),
          currentPage: query.page,
        },
        totalItemsCapped: matching > QUERY_COUNT_CAP,
      };
    },

    /**
     * One product's row. A live product the worker has not projected yet (its outbox row still
     * waits) is projected here and then answered; a deleted or unknown one is PRODUCT_NOT_FOUND.
     */
    async detail(productId: number): Promise<ProductQueryViewItem> {
      const found = await findRow(reads, productId);
      if (found) return found;
      const { projected } = await projectProducts(db, [productId]);
      const item = projected > 0 ? await findRow(db, productId) : undefined;
      if (!item) throw new AppError('PRODUCT_NOT_FOUND');
      return item;
    },

    /** Projects one product now and answers its fresh row; a deleted product's row is removed (404). */
    async sync(productId: number): Promise<ProductQueryViewItem> {
      const { removed } = await projectProducts(db, [productId]);
      const item = await findRow(db, productId);
      if (!item) {
        throw new AppError(
          'PRODUCT_NOT_FOUND',
          removed > 0
            ? { details: { reason: 'the product is deleted: its read model row was removed' } }
            : {},
        );
      }
      return item;
    },

    /**
     * Re-projects every product in id order, a batch per statement, removing the rows of deleted
     * ones; progress goes to `log`. Safe while writes go on (see `rebuildProductQueryView`).
     */
    async rebuild(log: ProgressLog): Promise<RebuildResult> {
      const started = performance.now();
      let batches = 0;
      const done = await rebuildProductQueryView(db, {
        onProgress: (progress) => {
          batches += 1;
          if (batches % PROGRESS_LOG_EVERY === 0)
            log.info({ ...progress }, 'product read model rebuild progress');
        },
      });
      const result = { syncedCount: done.synced, removedCount: done.removed };
      log.info({ ...result, ms: Math.round(performance.now() - started) }, 'product read model rebuilt');
      return result;
    },
  };
}

export type ProductQueryService = ReturnType<typeof productQueryService>;
