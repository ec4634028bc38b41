// The product read model (`product_query_view`, the CQRS query side served by `/query/products`):
// one flat row per live product, projected from `products` and its main image. It is fed by the
// search outbox's changes (worker-search refreshes the products of every batch it drains, see
// `drainOutbox`), and the API projects one product on demand or rebuilds the whole table.
import type { Database } from '@pbshop/db';
import { productThumbnail } from '@pbshop/db';
import { type SQL, sql } from 'drizzle-orm';

/**
 * Every projection runs under this one transaction-scoped lock, in a statement started after the
 * lock was granted: projections are applied in the order of their snapshots, so a slower projector
 * holding an older read never overwrites a newer row (a worker batch racing a rebuild or a sync).
 * One lock for the table rather than one per product: a projection is a single short statement, and
 * a single lock cannot deadlock or fill the lock table with a rebuild's thousand keys.
 */
const PROJECTION_LOCK = sql`select pg_advisory_xact_lock(hashtext('pbshop:product-query-view'))`;

/** Products per rebuild statement (keyset by id). */
export const REBUILD_BATCH_SIZE = 1000;

export interface ProjectionOutcome {
  /** live products whose row was written (inserted or refreshed) */
  projected: number;
  /** rows removed because their product is deleted */
  removed: number;
  /** the highest product id the statement looked at (null: none); a rebuild's keyset cursor */
  lastId: number | null;
}

/**
 * One statement over the product ids `batch` selects (a column `id`): the rows of deleted products
 * are removed, every live product's row is upserted (HIDDEN ones too: the list leaves them out, the
 * detail shows their status). `synced_at` is the projection's time; `updated_at` moves only when
 * a projected value changed. Rows are written in id order, so concurrent statements never wait on
 * each other's rows in a cycle.
 */
function projectionStatement(batch: SQL): SQL {
  const thumbnail = productThumbnail();
  return sql`
    with batch as (${batch}),
    removed as (
      delete from product_query_view existing
      using batch
      where existing.product_id = batch.id
        and not exists (
          select 1 from products where products.id = existing.product_id and products.deleted_at is null)
      returning existing.product_id
    ),
    projected as (
      insert into product_query_view as existing (
        product_id, category_id, name, thumbnail_url, status, base_price, lowest_price, seller_count,
        average_rating, review_count, view_count, popularity_score, product_created_at, synced_at,
        created_at, updated_at)
      select products.id, products.category_id, products.name, ${thumbnail}, products.status,
        nullif(products.price, 0), products.lowest_price, products.seller_count, products.average_rating,
        products.review_count, products.view_count, products.popularity_score, products.created_at,
        statement_timestamp(), statement_timestamp(), statement_timestamp()
      from products
      where products.id in (select id from batch) and products.deleted_at is null
      order by products.id
      on conflict (product_id) do update set
        category_id = excluded.category_id,
        name = excluded.name,
        thumbnail_url = excluded.thumbnail_url,
        status = excluded.status,
        base_price = excluded.base_price,
        lowest_price = excluded.lowest_price,
        seller_count = excluded.seller_count,
        average_rating = excluded.average_rating,
        review_count = excluded.review_count,
        view_count = excluded.view_count,
        popularity_score = excluded.popularity_score,
        product_created_at = excluded.product_created_at,
        synced_at = excluded.synced_at,
        updated_at = case
          when (existing.category_id, existing.name, existing.thumbnail_url, existing.status,
                existing.base_price, existing.lowest_price, existing.seller_count, existing.average_rating,
                existing.review_count, existing.view_count, existing.popularity_score,
                existing.product_created_at)
            is distinct from
               (excluded.category_id, excluded.name, excluded.thumbnail_url, excluded.status,
                excluded.base_price, excluded.lowest_price, excluded.seller_count, excluded.average_rating,
                excluded.review_count, excluded.view_count, excluded.popularity_score,
                excluded.product_created_at)
          then excluded.updated_at else existing.updated_at end
      returning existing.product_id
    )
    select (select count(*) from projected)::int as projected,
           (select count(*) from removed)::int as removed,
           (select max(id) from batch) as last_id`;
}

async function runProjection(db: Database, batch: SQL): Promise<ProjectionOutcome> {
  return db.transaction(async (tx) => {
    await tx.execute(PROJECTION_LOCK);
    const [row] = await tx.execute<{ projected: number; removed: number; last_id: number | null }>(
      projectionStatement(batch),
    );
    return {
      projected: row?.projected ?? 0,
      removed: row?.removed ?? 0,
      lastId: row?.last_id == null ? null : Number(row.last_id),
    };
  });
}

/**
 * Brings the read model rows of these products in step with PostgreSQL, in one statement: live
 * products upserted, deleted ones removed, unknown ids ignored. Idempotent: run it again and only
 * `synced_at` moves.
 */
export async function projectProducts(db: Database, productIds: number[]): Promise<ProjectionOutcome> {
  const ids = [...new Set(productIds)];
  if (ids.length === 0) return { projected: 0, removed: 0, lastId: null };
  return runProjection(db, sql`select unnest(${sql.param(ids)}::bigint[]) as id`);
}

export interface RebuildProgress {
  /** live products projected so far */
  synced: number;
  /** rows of deleted products removed so far */
  removed: number;
  /** the keyset cursor: every product up to this id is done */
  lastId: number;
}

export interface RebuildOptions {
  batchSize?: number;
  /** after each batch: for progress logs */
  onProgress?(progress: RebuildProgress): void;
  signal?: AbortSignal;
}

/**
 * Re-projects every product, `batchSize` ids per statement in id order (keyset, each batch its own
 * short transaction), removing the rows of deleted ones. Safe beside writes and worker batches: a
 * product changed meanwhile is projected again by the worker after its change, under the same lock.
 */
export async function rebuildProductQueryView(
  db: Database,
  options: RebuildOptions = {},
): Promise<RebuildProgress> {
  const batchSize = options.batchSize ?? REBUILD_BATCH_SIZE;
  const progress: RebuildProgress = { synced: 0, removed: 0, lastId: 0 };
  for (;;) {
    options.signal?.throwIfAborted();
    const outcome = await runProjection(
      db,
      sql`select id from products where id > ${progress.lastId} order by id limit ${batchSize}`,
    );
    if (outcome.lastId === null) return progress;
    progress.synced += outcome.projected;
    progress.removed += outcome.removed;
    progress.lastId = outcome.lastId;
    options.onProgress?.({ ...progress });
  }
}
