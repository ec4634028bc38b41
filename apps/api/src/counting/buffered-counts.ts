import type { Logger } from '@pbshop/config';

/** Counts by row id, added up in memory between two writes. */
export type CountBatch = ReadonlyMap<number, number>;

export interface BufferedCounts {
  /** counts one event of a row (a view of a product, of a post); never waits and never fails */
  count(id: number): void;
  /** writes what is buffered (also called on close) */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface BufferedCountsOptions {
  /** writes one batch; a throw keeps its counts for the next write */
  write(batch: CountBatch): Promise<void>;
  logger: Logger;
  /** what is counted, for the log line of a failed write: `product views`, `post views` */
  what: string;
  intervalMs?: number;
}

/**
 * Counters of hot rows (views) buffered in memory and written once per interval as one batch,
 * instead of one UPDATE (and a row lock) per read. A crash loses at most one interval of counts,
 * which popularity can afford; a failed write keeps the counts for the next. Writes run one after
 * another, so a slow one never overlaps the next.
 */
export function bufferedCounts({
  write,
  logger,
  what,
  intervalMs = 1000,
}: BufferedCountsOptions): BufferedCounts {
  let buffered = new Map<number, number>();
  let writing: Promise<void> = Promise.resolve();

  async function writeKeeping(batch: Map<number, number>) {
    try {
      await write(batch);
    } catch (error) {
      for (const [id, n] of batch) buffered.set(id, (buffered.get(id) ?? 0) + n);
      logger.warn({ err: error, rows: batch.size }, `${what} not written; kept for the next try`);
    }
  }

  function flush(): Promise<void> {
    if (buffered.size === 0) return writing;
    const batch = buffered;
    buffered = new Map();
    writing = writing.then(() => writeKeeping(batch));
    return writing;
  }

  const timer = setInterval(() => void flush(), intervalMs);
  timer.unref();
  return {
    count(id) {
      buffered.set(id, (buffered.get(id) ?? 0) + 1);
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}

/** A PostgreSQL array literal of integers (no quoting needed); drizzle would spread a JS array. */
export const integerArrayLiteral = (values: readonly number[]) => `{${values.join(',')}}`;
