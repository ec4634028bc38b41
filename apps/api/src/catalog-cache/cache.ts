import { createHash } from 'node:crypto';
import type { Logger } from '@pbshop/config';
import { withTimeout } from '@pbshop/config';
import type { Redis } from 'ioredis';
import { trackedVersions } from './tracking.ts';

/** How long a cached product list, detail or comparison lives at most. */
export const CATALOG_CACHE_TTL_SECONDS = 300;
/** A Redis call slower than this is treated as a failure: the request goes to the database. */
const REDIS_TIMEOUT_MS = 250;

/** Turns a loaded value into the response body: validated against the route's schema, then JSON. */
export type BodySerializer<T> = (value: T) => string;

export interface CatalogCache {
  /**
   * the serialized response body, as UTF-8 bytes (sent as they are, without encoding them per
   * request): from the process or Redis on a hit, else loaded, serialized and stored
   */
  detail<T>(productId: number, load: () => Promise<T>, serialize: BodySerializer<T>): Promise<Buffer>;
  comparison<T>(productId: number, load: () => Promise<T>, serialize: BodySerializer<T>): Promise<Buffer>;
  list<T>(query: unknown, load: () => Promise<T>, serialize: BodySerializer<T>): Promise<Buffer>;
  /** the number of products matching list filters (no page or sort): shared by every page of them */
  listCount<T>(filters: unknown, load: () => Promise<T>): Promise<T>;
  /** after a committed write to the product, its offers or spec values: its detail, comparison and every list */
  invalidateProduct(productId: number): Promise<void>;
  /** after a committed write that can change list results only */
  invalidateList(): Promise<void>;
  /** after a committed category create/update/delete: every list and every detail (category name) */
  invalidateCategories(): Promise<void>;
  /** after a committed seller update/delete: every list, detail and comparison (seller data, totals) */
  invalidateSellers(): Promise<void>;
  /** Runs a write and invalidates afterwards, also when it failed (a failure may follow a commit). */
  afterWrite<T>(work: () => Promise<T>, invalidate: () => Promise<void>): Promise<T>;
  close(): Promise<void>;
}

/**
 * One round trip for a read: the versions (MGET), the entry key built from them, the entry, and
 * the versions again (for the process's own copy). KEYS are the version keys; the entry key is
 * ARGV[1] .. versions joined by '.' .. ARGV[2]. (Not Redis Cluster-safe: the entry key is not
 * declared; a cluster would need the keys hash-tagged.)
 */
const READ_SCRIPT = `
local versions = redis.call('MGET', unpack(KEYS))
for i = 1, #KEYS do
  if not versions[i] then versions[i] = '0' end
end
local key = ARGV[1] .. table.concat(versions, '.') .. ARGV[2]
return { key, redis.call('GET', key), unpack(versions) }
`;

type CacheRedis = Redis & {
  /** ioredis's Buffer variant of the defined command: the entry comes back as bytes */
  catalogCacheReadBuffer(
    numberOfKeys: number,
    ...keysAndArgs: string[]
  ): Promise<[Buffer, Buffer | null, ...Buffer[]]>;
};

/** bytes of bodies (and their keys) kept in the process at most */
const LOCAL_BODY_BYTES = 64 * 1024 * 1024;
/** versions kept in the process at most (a product's is one) */
const LOCAL_VERSIONS = 200_000;

/**
 * Response bodies by entry key, in two generations: a hit in the recent one is a plain Map lookup,
 * a hit in the older one moves the body to the recent one, and when the recent one would pass half
 * of `maxBytes` it becomes the older one and the bodies not read since the last such turn go. (A Map
 * reordered on every hit, for an exact least-recently-used order, cost a tenth of a cached read
 * once it held thousands of bodies.) An entry key names the versions its body was stored under, so
 * a body never changes: only which key is current does.
 *
 * Each body is kept as a copy of its own: a body Redis returned is a slice of the socket chunk it
 * arrived in, and a small encoded one a slice of a shared pool, so keeping either would keep the
 * whole chunk or pool, far past the bytes counted here.
 */
export function localBodies(maxBytes: number) {
  let recent = new Map<string, Buffer>();
  let recentBytes = 0;
  let older = new Map<string, Buffer>();
  const sizeOf = (key: string, body: Buffer) => key.length + body.length;
  function keep(key: string, body: Buffer) {
    const size = sizeOf(key, body);
    // turned before the body would take the recent generation past half: neither ever holds more
    if (recentBytes + size > maxBytes / 2) {
      older = recent;
      recent = new Map();
      recentBytes = 0;
    }
    recent.set(key, body);
    recentBytes += size;
  }
  function get(key: string): Buffer | undefined {
    const body = recent.get(key);
    if (body !== undefined) return body;
    const kept = older.get(key);
    if (kept !== undefined) {
      older.delete(key);
      keep(key, kept);
    }
    return kept;
  }
  return {
    get,
    set(key: string, body: Buffer) {
      // a key names one body: one held already (moved up if older) is not copied again
      if (sizeOf(key, body) > maxBytes / 16 || get(key) !== undefined) return;
      const copy = Buffer.allocUnsafeSlow(body.length);
      body.copy(copy);
      keep(key, copy);
    },
    /** bytes held, counted as the budget counts them */
    bytes: () => {
      let total = recentBytes;
      for (const [key, body] of older) total += sizeOf(key, body);
      return total;
    },
    clear() {
      recent = new Map();
      older = new Map();
      recentBytes = 0;
    },
  };
}

/** A Redis call of the cache, bounded by REDIS_TIMEOUT_MS. */
const bounded = <T>(call: Promise<T>) => withTimeout(call, REDIS_TIMEOUT_MS, 'redis cache call timed out');

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

function queryHash(query: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(normalise(query)) ?? '')
    .digest('hex');
}

/**
 * A versioned read-through cache of the product list, detail and price comparison over the
 * request-path Redis connection. Keys, why no client reads a value older than a completed write,
 * and what a Redis failure costs: docs/architecture.md, "Catalog reads".
 */
export function catalogCache(redis: Redis, keyPrefix: string, logger: Logger): CatalogCache {
  const base = `${keyPrefix}:cache:`;
  const bodies = localBodies(LOCAL_BODY_BYTES);
  // bodies and versions kept in this process too, current through Redis client-side caching: a
  // hit costs a share of one PING per event-loop turn, not a round trip of its own
  const local = trackedVersions(redis, logger, {
    prefix: `${base}v:`,
    timeoutMs: REDIS_TIMEOUT_MS,
    maxVersions: LOCAL_VERSIONS,
    onReset: () => bodies.clear(),
  });
  const productVersion = (id: number) => `${base}v:product:${id}`;
  const listVersion = `${base}v:list`;
  const categoryVersion = `${base}v:category`;
  // detail and comparison embed seller names, logos and trust scores, and deleted sellers leave the totals
  const sellerVersion = `${base}v:seller`;
  /** version keys whose INCR failed after a committed write */
  const pending = new Set<string>();
  const cacheRedis = redis as CacheRedis;
  if (typeof cacheRedis.catalogCacheReadBuffer !== 'function') {
    redis.defineCommand('catalogCacheRead', { lua: READ_SCRIPT });
  }

  /** Retries failed INCRs; false while one still fails (then the cache must be bypassed). */
  async function flushPending(): Promise<boolean> {
    if (pending.size === 0) return true;
    for (const key of [...pending]) {
      try {
        await bounded(redis.incr(key));
        pending.delete(key);
      } catch {
        return false;
      }
    }
    return true;
  }

  async function cached<T>(
    versionKeys: string[],
    entryKey: { prefix: string; suffix: string },
    load: () => Promise<T>,
    serialize: BodySerializer<T>,
  ): Promise<Buffer> {
    const loadBody = async () => Buffer.from(serialize(await load()));
    /** the versions this process knows, if it knows them all */
    const knownVersions = (): string[] | undefined => {
      const versions: string[] = [];
      for (const versionKey of versionKeys) {
        const version = local.get(versionKey);
        if (version === undefined) return undefined;
        versions.push(version);
      }
      return versions;
    };
    /**
     * With every version known here: the body held here or, failing that, a plain GET of its
     * entry, taken while the barrier confirms the versions. Undefined when they are not all known,
     * or changed meanwhile.
     */
    const confirmedLookup = async (): Promise<{ key: string; hit: Buffer | null } | undefined> => {
      const versions = knownVersions();
      if (versions === undefined) return undefined;
      const held = entryKey.prefix + versions.join('.') + entryKey.suffix;
      const heldBody = bodies.get(held);
      // a body held here waits for the barrier alone (no Promise.all of a settled value)
      const [confirmed, stored] =
        heldBody === undefined
          ? await Promise.all([local.barrier(), bounded(redis.getBuffer(held))])
          : [await local.barrier(), heldBody];
      const unchanged = versionKeys.every((versionKey, index) => local.get(versionKey) === versions[index]);
      if (!confirmed || !unchanged) return undefined;
      if (stored !== null && heldBody === undefined) bodies.set(held, stored);
      return { key: held, hit: stored };
    };
    /** The versions and the entry from Redis in one round trip (the script); the versions are kept. */
    const scriptLookup = async (): Promise<{ key: string; hit: Buffer | null }> => {
      const mark = local.mark();
      const [readKey, hit, ...versions] = await bounded(
        cacheRedis.catalogCacheReadBuffer(
          versionKeys.length,
          ...versionKeys,
          entryKey.prefix,
          entryKey.suffix,
        ),
      );
      const key = readKey.toString();
      local.remember(
        mark,
        versionKeys.map((versionKey, index) => [versionKey, versions[index]!.toString()]),
      );
      if (hit !== null) bodies.set(key, hit);
      return { key, hit };
    };
    let key: string;
    try {
      if (!(await flushPending())) return loadBody();
      // the version(s) are read before the database read, so a miss stores under them (see above)
      const found = (await confirmedLookup()) ?? (await scriptLookup());
      if (found.hit !== null) return found.hit;
      key = found.key;
    } catch (error) {
      logger.warn({ err: error }, 'catalog cache unavailable; reading the database');
      return loadBody();
    }
    const body = await loadBody();
    bodies.set(key, body);
    // the response does not wait for the store: a store that lands late, or not at all, is a miss later
    bounded(redis.set(key, body, 'EX', CATALOG_CACHE_TTL_SECONDS)).catch((error: unknown) => {
      logger.warn({ err: error }, 'catalog cache entry not stored');
    });
    return body;
  }

  async function bump(keys: string[]): Promise<void> {
    local.forget(keys);
    try {
      const pipeline = redis.multi();
      for (const key of keys) pipeline.incr(key);
      const results = await bounded(pipeline.exec());
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
    detail: (productId, load, serialize) =>
      cached(
        [productVersion(productId), categoryVersion, sellerVersion],
        { prefix: `${base}product:${productId}:detail:`, suffix: '' },
        load,
        serialize,
      ),
    comparison: (productId, load, serialize) =>
      cached(
        [productVersion(productId), sellerVersion],
        { prefix: `${base}product:${productId}:prices:`, suffix: '' },
        load,
        serialize,
      ),
    list: (query, load, serialize) =>
      cached([listVersion], { prefix: `${base}list:`, suffix: `:${queryHash(query)}` }, load, serialize),
    listCount: async (filters, load) =>
      JSON.parse(
        (
          await cached(
            [listVersion],
            { prefix: `${base}list:`, suffix: `:count:${queryHash(filters)}` },
            load,
            JSON.stringify,
          )
        ).toString(),
      ),
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
    close: async () => {
      await local.close();
    },
  };
}
