import { createHash } from 'node:crypto';
import type { Logger } from '@pbshop/config';
import type { Redis } from 'ioredis';

/** How long a cached product list, detail or comparison lives at most. */
export const CATALOG_CACHE_TTL_SECONDS = 300;
/** A Redis call slower than this is treated as a failure: the request goes to the database. */
const REDIS_TIMEOUT_MS = 250;

/**
 * A versioned read-through cache of the product list, detail and price comparison over the
 * request-path Redis connection (fails fast while Redis is down).
 *
 * Keys (all under `${REDIS_KEY_PREFIX}:cache:`):
 * - `v:product:<id>` a product's version, `v:list` the catalog-wide list version, `v:category` the
 *   category version (the detail embeds the category name, so a rename must reach it), `v:seller`
 *   the seller version (detail and comparison embed seller data);
 * - `product:<id>:detail:<product ver>.<category ver>.<seller ver>`,
 *   `product:<id>:prices:<product ver>.<seller ver>`,
 *   `list:<list ver>:<sha256 of the normalised query>`; each with EX 300.
 *
 * Why no client reads a value older than a completed write: a read takes the version(s) FIRST, then
 * looks up the entry, and on a miss stores what the database returned under the version read BEFORE
 * that database read. A write bumps (INCR) the versions only AFTER its transaction committed. So a
 * read racing a write, which may have seen the pre-write rows, stores them under the outdated
 * version, and every read starting after the write completed reads the new version and misses.
 *
 * Redis failures never fail a request: a read whose Redis call fails (down, timeout) goes to the
 * database. An INCR that fails after a committed write is logged as an error and remembered; this
 * process retries it before its next cached read and bypasses the cache until it succeeds.
 * Residual risk: OTHER API instances do not know about the failed INCR, so if Redis was briefly
 * unreachable for the writer only (or came back before the retry), they may serve the entry cached
 * before the write until its TTL ends: staleness bounded by 5 minutes. (Deleting the version key
 * instead would be unsafe: it resets to 0 and could revive entries stored under version 0, and the
 * list entries cannot be enumerated for a DEL.) A version key evicted by an `allkeys-*` maxmemory
 * policy has the same effect; version keys carry no TTL, so `volatile-*` policies never evict them.
 */
export interface CatalogCache {
  detail<T>(productId: string, load: () => Promise<T>): Promise<T>;
  comparison<T>(productId: string, load: () => Promise<T>): Promise<T>;
  list<T>(query: unknown, load: () => Promise<T>): Promise<T>;
  /** after a committed write to the product, its offers or spec values: its detail, comparison and every list */
  invalidateProduct(productId: string): Promise<void>;
  /** after a committed write that can change list results only */
  invalidateList(): Promise<void>;
  /** after a committed category create/update/delete: every list and every detail (category name) */
  invalidateCategories(): Promise<void>;
  /** after a committed seller update/delete: every list, detail and comparison (seller data, totals) */
  invalidateSellers(): Promise<void>;
  /** Runs a write and invalidates afterwards, also when it failed (a failure may follow a commit). */
  afterWrite<T>(work: () => Promise<T>, invalidate: () => Promise<void>): Promise<T>;
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('redis cache call timed out')), REDIS_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Same query, same key: object keys sorted, undefined dropped. */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, item]) => item !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, item]) => [key, normalise(item)]),
    );
  }
  return value;
}

export function catalogCache(redis: Redis, keyPrefix: string, logger: Logger): CatalogCache {
  const base = `${keyPrefix}:cache:`;
  const productVersion = (id: string) => `${base}v:product:${id}`;
  const listVersion = `${base}v:list`;
  const categoryVersion = `${base}v:category`;
  // detail and comparison embed seller names, logos and trust scores, and deleted sellers leave the totals
  const sellerVersion = `${base}v:seller`;
  /** version keys whose INCR failed after a committed write */
  const pending = new Set<string>();

  /** Retries failed INCRs; false while one still fails (then the cache must be bypassed). */
  async function flushPending(): Promise<boolean> {
    if (pending.size === 0) return true;
    for (const key of [...pending]) {
      try {
        await withTimeout(redis.incr(key));
        pending.delete(key);
      } catch {
        return false;
      }
    }
    return true;
  }

  async function cached<T>(
    versionKeys: string[],
    entryKey: (version: string) => string,
    load: () => Promise<T>,
  ): Promise<T> {
    let key: string;
    try {
      if (!(await flushPending())) return load();
      // the version(s) first, before the database read
      const versions = await withTimeout(redis.mget(...versionKeys));
      key = entryKey(versions.map((value) => value ?? '0').join('.'));
      const hit = await withTimeout(redis.get(key));
      if (hit !== null) return JSON.parse(hit) as T;
    } catch (error) {
      logger.warn({ err: error }, 'catalog cache unavailable; reading the database');
      return load();
    }
    const value = await load();
    try {
      await withTimeout(redis.set(key, JSON.stringify(value), 'EX', CATALOG_CACHE_TTL_SECONDS));
    } catch (error) {
      logger.warn({ err: error }, 'catalog cache entry not stored');
    }
    return value;
  }

  async function bump(keys: string[]): Promise<void> {
    try {
      const pipeline = redis.multi();
      for (const key of keys) pipeline.incr(key);
      const results = await withTimeout(pipeline.exec());
      if (!results || results.some(([error]) => error)) throw new Error('INCR failed');
    } catch (error) {
      for (const key of keys) pending.add(key);
      logger.error(
        { err: error, keys },
        'catalog cache invalidation failed; this instance bypasses the cache until it succeeds, others may serve entries up to 5 min old',
      );
    }
  }

  return {
    detail: (productId, load) =>
      cached(
        [productVersion(productId), categoryVersion, sellerVersion],
        (version) => `${base}product:${productId}:detail:${version}`,
        load,
      ),
    comparison: (productId, load) =>
      cached(
        [productVersion(productId), sellerVersion],
        (version) => `${base}product:${productId}:prices:${version}`,
        load,
      ),
    list: (query, load) => {
      const hash = createHash('sha256')
        .update(JSON.stringify(normalise(query)) ?? '')
        .digest('hex');
      return cached([listVersion], (version) => `${base}list:${version}:${hash}`, load);
    },
    invalidateProduct: (productId) => bump([productVersion(productId), listVersion]),
    invalidateList: () => bump([listVersion]),
    invalidateCategories: () => bump([listVersion, categoryVersion]),
    invalidateSellers: () => bump([listVersion, sellerVersion]),
    async afterWrite(work, invalidate) {
      try {
        return await work();
      } finally {
        await invalidate();
      }
    },
  };
}
