import type { Logger } from '@pbshop/config';
import type { Database } from '@pbshop/db';
import type { SearchSyncSignal } from '@pbshop/queues';
import { recordSearchChange } from '@pbshop/search';
import { sql } from 'drizzle-orm';
import {
  type BufferedCounts,
  bufferedCounts,
  type CountBatch,
  integerArrayLiteral,
} from '../../../counting/buffered-counts.ts';

/**
 * The index's popularityScore follows views in steps of 10%: a write whose views move a product
 * into another step records its outbox row (the first view does; a product at 1,000 needs about
 * 330 more), so a hot product costs the index a few documents over its life, not one a second.
 */
const POPULARITY_STEP = 1.1;
const popularityStep = (score: ReturnType<typeof sql>) =>
  sql`floor(ln(1 + ${score}) / ln(${sql.raw(String(POPULARITY_STEP))}))`;

export type ProductViewCounter = BufferedCounts;

/**
 * Product views, buffered (`bufferedCounts`) and written once per interval as one UPDATE. The
 * search document's popularity is kept in step through the outbox (`POPULARITY_STEP`).
 */
export function productViewCounter(
  db: Database,
  logger: Logger,
  searchSync: SearchSyncSignal,
  intervalMs = 1000,
): ProductViewCounter {
  async function write(batch: CountBatch) {
    const ids = [...batch.keys()];
    const counts = ids.map((id) => batch.get(id)!);
    const moved = await db.transaction(async (tx) => {
      // the rows are locked in id order first, as orders lock products: an UPDATE … FROM takes
      // its locks in whatever order its plan visits the rows, and could deadlock with an order
      await tx.execute(sql`
        select id from products where id = any(${integerArrayLiteral(ids)}::bigint[])
        order by id for no key update`);
      // popularity_score is generated: RETURNING gives the new one; views weigh 0.3 in it (its
      // definition in @pbshop/db schema/catalog.ts)
      const rows = await tx.execute<{ id: number; moved: boolean }>(sql`
        update products set view_count = products.view_count + views.count
        from unnest(${integerArrayLiteral(ids)}::bigint[], ${integerArrayLiteral(counts)}::int[]) as views(id, count)
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
  }
  return bufferedCounts({ write, logger, what: 'product views', intervalMs });
}
