import type { Logger } from '@pbshop/config';
import type { Database } from '@pbshop/db';
import { sql } from 'drizzle-orm';

/** A PostgreSQL array literal of uuids or integers (no quoting needed); drizzle would spread a JS array. */
const arrayLiteral = (values: (string | number)[]) => `{${values.join(',')}}`;

export interface ProductViewCounter {
  /** counts one view of a product that was just served; never waits and never fails */
  count(productId: string): void;
  /** writes what is buffered (also called on close) */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Product views are buffered in memory and written once per interval as one UPDATE, instead of one
 * UPDATE (and a row lock next to the offer writers') per detail read. A crash loses at most one
 * interval of views, which popularity can afford; a failed write keeps the counts for the next.
 */
export function productViewCounter(db: Database, logger: Logger, intervalMs = 1000): ProductViewCounter {
  let buffered = new Map<string, number>();
  let writing: Promise<void> = Promise.resolve();

  async function write(batch: Map<string, number>) {
    const ids = [...batch.keys()];
    const counts = ids.map((id) => batch.get(id)!);
    try {
      await db.execute(sql`
        update products set view_count = products.view_count + views.count
        from unnest(${arrayLiteral(ids)}::uuid[], ${arrayLiteral(counts)}::int[]) as views(id, count)
        where products.id = views.id and products.deleted_at is null`);
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
