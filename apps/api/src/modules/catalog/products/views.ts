import type { Logger } from '@pbshop/config';
import type { Database } from '@pbshop/db';
import type { SearchSyncSignal } from '@pbshop/queues';
import { recordSearchChange } from '@pbshop/search';
import { sql } from 'drizzle-orm';

/**
 * The index's popularityScore follows views in steps of 10%: a write whose views move a product
 * into another step records its outbox row (the first view does; a product at 1,000 needs about
 * 330 more), so a hot product costs the index a few documents over its life, not one a second.
 */
const POPULARITY_STEP = 1.1;
const popularityStep = (score: ReturnType<typeof sql>) =>
  sql`floor(ln(1 + ${score}) / ln(${sql.raw(String(POPULARITY_STEP))}))`;

/** A PostgreSQL array literal of uuids or integers (no quoting needed); drizzle would spread a JS array. */
const arrayLiteral = (values: (string | number)[]) => `{${values.join(',')}}`;

export interface ProductViewCounter {
  /** counts one view of a product that was just served; never waits and never fails */
  count(productId: number): void;
  /** writes what is buffered (also called on close) */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Product views are buffered in memory and written once per interval as one UPDATE, instead of one
 * UPDATE (and a row lock next to the offer writers') per detail read. A crash loses at most one
 * interval of views, which popularity can afford; a failed write keeps the counts for the next.
 * The search document's popularity is kept in step through the outbox (`POPULARITY_STEP`).
 */
export function productViewCounter(
  db: Database,
  logger: Logger,
  searchSync: SearchSyncSignal,
  intervalMs = 1000,
): ProductViewCounter {
  let buffered = new Map<number, number>();
  let writing: Promise<void> = Promise.resolve();

  async function write(batch: Map<number, number>) {
    const ids = [...batch.keys()];
    const counts = ids.map((id) => batch.get(id)!);
    try {
      const moved = await db.transaction(async (tx) => {
        // the rows are locked in id order first, as orders lock products: an UPDATE … FROM takes
        // its locks in whatever order its plan visits the rows, and could deadlock with an order
        await tx.execute(sql`
          select id from products where id = any(${arrayLiteral(ids)}::bigint[])
          order by id for no key update`);
        // popularity_score is generated: RETURNING gives the new one; views weigh 0.3 in it (its
        // definition in @pbshop/db schema/catalog.ts)
        const rows = await tx.execute<{ id: number; moved: boolean }>(sql`
          update products set view_count = products.view_count + views.count
          from unnest(${arrayLiteral(ids)}::bigint[], ${arrayLiteral(counts)}::int[]) as views(id, count)
          where products.id = views.id and products.deleted_at is null
          returning products.id,
            ${popularityStep(sql`products.popularity_score`)}
              <> ${popularityStep(sql`products.popularity_score - views.count * 0.3`)} as moved`);
        const movedIds = [...rows].filter((row) => row.moved).map((row) => row.id);
        await recordSearchChange(tx, {
          eventType: 'PRODUCT_UPSERT',
          productIds: movedIds,
          payload: { reason: 'popularity' },
        });
        return movedIds.length;
      });
      if (moved > 0) await searchSync.wake();
    } catch (error) {
      for (const [id, n] of batch) buffered.set(id, (buffered.get(id) ?? 0) + n);
      logger.warn({ err: error, products: batch.size }, 'product views not written; kept for the next try');
    }
  }

  function flush(): Promise<void> {
    if (buffered.size === 0) return writing;
    const batch = buffered;
    buffered = new Map();
    writing = writing.then(() => write(batch));
    return writing;
  }

  const timer = setInterval(() => void flush(), intervalMs);
  timer.unref();
  return {
    count(productId) {
      buffered.set(productId, (buffered.get(productId) ?? 0) + 1);
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
