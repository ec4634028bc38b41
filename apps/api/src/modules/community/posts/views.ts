import type { Logger } from '@pbshop/config';
import type { Database } from '@pbshop/db';
import { sql } from 'drizzle-orm';
import {
  type BufferedCounts,
  bufferedCounts,
  type CountBatch,
  integerArrayLiteral,
} from '../../../counting/buffered-counts.ts';

/**
 * Post views, buffered as product views are (`bufferedCounts`) and written once per interval as
 * one UPDATE: a popular post's readers do not queue on its row lock behind likes and comments.
 */
export function postViewCounter(db: Database, logger: Logger, intervalMs = 1000): BufferedCounts {
  async function write(batch: CountBatch) {
    const ids = [...batch.keys()];
    const counts = ids.map((id) => batch.get(id)!);
    await db.transaction(async (tx) => {
      // locked in id order first: another replica's flush of the same posts cannot deadlock with this one
      await tx.execute(sql`
        select id from posts where id = any(${integerArrayLiteral(ids)}::bigint[])
        order by id for no key update`);
      await tx.execute(sql`
        update posts set view_count = posts.view_count + views.count
        from unnest(${integerArrayLiteral(ids)}::bigint[], ${integerArrayLiteral(counts)}::int[]) as views(id, count)
        where posts.id = views.id`);
    });
  }
  return bufferedCounts({ write, logger, what: 'post views', intervalMs });
}
