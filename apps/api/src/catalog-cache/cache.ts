import { createHash } from 'node:crypto';
import type { Logger } from '@pbshop/config';
import { withTimeout } from '@pbshop/config';
import { defineScript } from '@pbshop/queues';
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
  /** `variant` names what else the body depends on (a deal's next window boundary), a key part of its own */
  comparison<T>(
    productId: number,
    load: () => Promise<T>,
    serialize: BodySerializer<T>,
    variant?: string,
  ): Promise<Buffer>;
  list<T>(query: unknown, load: () => Promise<T>, serialize: BodySerializer<T>): Promise<Buffer>;
  /** the number of products matching list filters (no page or sort): shared by every page of them */
  listCount<T>(filters: unknown, load: () => Promise<T>): Promise<T>;
  /**
   * A cart (`owner` names it: a member's or a guest key's), stored under the cart's version
   * (`invalidateCart`), the seller version and the versions of each product in it (its own and
   * its stock's, `invalidateStock`), as this process
   * last saw it (`productIdsOf` of the last load): a body whose products are not the ones its key
   * names is served but not stored, so the next read stores it under the right ones. The first
   * read of a cart in this process loads.
   */
  cart<T>(
    owner: string,
    load: () => Promise<T>,
    serialize: BodySerializer<T>,
    productIdsOf: (value: T) => readonly number[],
  ): Promise<Buffer>;
  /** after a write to a cart's lines (committed or not: a failure may follow a commit) */
  invalidateCart(owner: string): Promise<void>;
  /**
   * A board's searched post list (community), under the board's version (`invalidateBoard`) and
   * a window of BOARD_SEARCH_WINDOW_SECONDS: a post written, edited, hidden or deleted shows at
   * once; the counters a list shows (views, likes, comments), and the orders by them, may lag by
   * up to the window. Stored for the window only.
   */
  boardSearch<T>(
    boardId: number,
    query: unknown,
    load: () => Promise<T>,
    serialize: BodySerializer<T>,
  ): Promise<Buffer>;
  /** after a write to a board's posts or to the board (committed or not) */
  invalidateBoard(boardId: number): Promise<void>;
  /** after a committed write to the product, its offers or spec values: its detail, comparison and every list */
  invalidateProduct(productId: number): Promise<void>;
  /**
   * after committed stock takes and returns (orders) that left the stock state as it was: only
   * what shows the exact units (the carts) is stale
   */
  invalidateStock(productIds: readonly number[]): Promise<void>;
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
  catalogCacheBumpCart(key: string, ttlSeconds: number): Promise<number>;
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
/** carts whose products this process remembers; past it, it forgets them all and starts over */
const LOCAL_CARTS = 100_000;
/** bytes of cart bodies kept in the process at most */
const LOCAL_CART_BODY_BYTES = 16 * 1024 * 1024;
/** how long a searched post list's counters may lag (see `boardSearch`) */
export const BOARD_SEARCH_WINDOW_SECONDS = 10;
/**
 * A cart's version lives this long after the last write to the cart (a key per cart ever written
 * would otherwise stay forever; a guest cart lives as long). Such a version can go and start
 * again, so CART_BUMP_SCRIPT starts it from the clock, past every value it had before, and a cart
 * entry's key names its 5-minute window too: a body stored under a version that went (read as
 * '0') is not served once the window is over, in Redis or in a process.
 */
const CART_VERSION_TTL_SECONDS = 24 * 60 * 60;

/** INCR of a cart's version that starts a missing one from the server's clock (ms); then EXPIRE. */
const CART_BUMP_SCRIPT = `
local version = redis.call('INCR', KEYS[1])
if version == 1 then
  local now = redis.call('TIME')
  version = redis.call('INCRBY', KEYS[1], tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return version
`;

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

type LocalBodies = ReturnType<typeof localBodies>;

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
  // members' carts kept apart: many members' carts must not push the catalog's hot bodies out
  const cartBodies = localBodies(LOCAL_CART_BODY_BYTES);
  // bodies and versions kept in this process too, current through Redis client-side caching: a
  // hit costs a share of one PING per event-loop turn, not a round trip of its own
  const local = trackedVersions(redis, logger, {
    prefix: `${base}v:`,
    timeoutMs: REDIS_TIMEOUT_MS,
    maxVersions: LOCAL_VERSIONS,
    onReset: () => {
      bodies.clear();
      cartBodies.clear();
    },
  });
  const productVersion = (id: number) => `${base}v:product:${id}`;
  const listVersion = `${base}v:list`;
  const categoryVersion = `${base}v:category`;
  // detail and comparison embed seller names, logos and trust scores, and deleted sellers leave the totals
  const sellerVersion = `${base}v:seller`;
  /** version keys whose INCR failed after a committed write */
  const pending = new Set<string>();
  /** cart version keys whose bump failed after a write */
  const pendingCarts = new Set<string>();
  const cacheRedis = redis as CacheRedis;
  /** resolved once the script may be called (defineScript) */
  const scriptReady = defineScript(redis, 'catalogCacheRead', { lua: READ_SCRIPT });
  const cartBumpReady = defineScript(redis, 'catalogCacheBumpCart', {
    lua: CART_BUMP_SCRIPT,
    numberOfKeys: 1,
  });

  const bumpCartVersion = async (key: string) => {
    await cartBumpReady;
    await bounded(cacheRedis.catalogCacheBumpCart(key, CART_VERSION_TTL_SECONDS));
  };

  /** Retries failed bumps; false while one still fails (then the cache must be bypassed). */
  async function flushPending(): Promise<boolean> {
    if (pending.size === 0 && pendingCarts.size === 0) return true;
    try {
      for (const key of [...pending]) {
        await bounded(redis.incr(key));
        pending.delete(key);
      }
      for (const key of [...pendingCarts]) {
        await bumpCartVersion(key);
        pendingCarts.delete(key);
      }
    } catch {
      return false;
    }
    return true;
  }

  /**
   * `storable`: whether a loaded value belongs under the key (default: always); `kept`: the bodies
   * this process keeps of them (default: the catalog's); `ttlSeconds`: how long Redis keeps it
   */
  async function cached<T>(
    versionKeys: string[],
    entryKey: { prefix: string; suffix: string },
    load: () => Promise<T>,
    serialize: BodySerializer<T>,
    {
      storable,
      kept = bodies,
      ttlSeconds = CATALOG_CACHE_TTL_SECONDS,
    }: { storable?: (value: T) => boolean; kept?: LocalBodies; ttlSeconds?: number } = {},
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
      const heldBody = kept.get(held);
      // a body held here waits for the barrier alone (no Promise.all of a settled value)
      const [confirmed, stored] =
        heldBody === undefined
          ? await Promise.all([local.barrier(), bounded(redis.getBuffer(held))])
          : [await local.barrier(), heldBody];
      const unchanged = versionKeys.every((versionKey, index) => local.get(versionKey) === versions[index]);
      if (!confirmed || !unchanged) return undefined;
      if (stored !== null && heldBody === undefined) kept.set(held, stored);
      return { key: held, hit: stored };
    };
    /** The versions and the entry from Redis in one round trip (the script); the versions are kept. */
    const scriptLookup = async (): Promise<{ key: string; hit: Buffer | null }> => {
      await scriptReady;
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
      if (hit !== null) kept.set(key, hit);
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
    const value = await load();
    const body = Buffer.from(serialize(value));
    if (storable && !storable(value)) return body;
    kept.set(key, body);
    // the response does not wait for the store: a store that lands late, or not at all, is a miss later
    bounded(redis.set(key, body, 'EX', ttlSeconds)).catch((error: unknown) => {
      logger.warn({ err: error }, 'catalog cache entry not stored');
    });
    return body;
  }

  const invalidationFailed = (error: unknown, keys: string[]) =>
    logger.error(
      { err: error, keys },
      'catalog cache invalidation failed; this instance bypasses the cache until it succeeds, others may serve entries up to 5 min old',
    );

  async function bump(keys: string[]): Promise<void> {
    local.forget(keys);
    try {
      const pipeline = redis.multi();
      for (const key of keys) pipeline.incr(key);
      const results = await bounded(pipeline.exec());
      if (!results || results.some(([error]) => error)) throw new Error('INCR failed');
    } catch (error) {
      for (const key of keys) pending.add(key);
      invalidationFailed(error, keys);
    }
  }

  const cartVersion = (owner: string) => `${base}v:cart:${owner}`;
  const stockVersion = (productId: number) => `${base}v:stock:${productId}`;
  /**
   * the products of each cart as this process last loaded it, with the version keys of an entry
   * of it: its own, the sellers', and one per product
   */
  let carts = new Map<string, { productIds: string; versionKeys: string[] }>();
  /** the 5-minute window a cart entry is stored in and served from (see CART_VERSION_TTL_SECONDS) */
  const cartWindow = () => Math.floor(Date.now() / (CATALOG_CACHE_TTL_SECONDS * 1000));
  const boardVersion = (boardId: number) => `${base}v:board:${boardId}`;

  return {
    detail: (productId, load, serialize) =>
      cached(
        [productVersion(productId), categoryVersion, sellerVersion],
        { prefix: `${base}product:${productId}:detail:`, suffix: '' },
        load,
        serialize,
      ),
    comparison: (productId, load, serialize, variant) =>
      cached(
        [productVersion(productId), sellerVersion],
        { prefix: `${base}product:${productId}:prices:`, suffix: variant === undefined ? '' : `:${variant}` },
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
    async cart(owner, load, serialize, productIdsOf) {
      /** the products of a loaded cart, remembered; whether they are the ones `known` named */
      const see = (value: Parameters<typeof productIdsOf>[0], known?: string) => {
        const productIds = [...new Set(productIdsOf(value))].sort((a, b) => a - b).join(',');
        if (productIds === known) return true;
        if (carts.size >= LOCAL_CARTS) carts = new Map();
        carts.set(owner, {
          productIds,
          versionKeys: [
            cartVersion(owner),
            sellerVersion,
            ...(productIds === ''
              ? []
              : productIds
                  .split(',')
                  .flatMap((id) => [productVersion(Number(id)), stockVersion(Number(id))])),
          ],
        });
        return false;
      };
      const known = carts.get(owner);
      if (known === undefined) {
        const value = await load();
        see(value);
        return Buffer.from(serialize(value));
      }
      // the entry key names the products too: the same versions of other products are another body
      return cached(
        known.versionKeys,
        { prefix: `${base}cart:${owner}:`, suffix: `:${known.productIds}:${cartWindow()}` },
        load,
        serialize,
        { storable: (value) => see(value, known.productIds), kept: cartBodies },
      );
    },
    async invalidateCart(owner) {
      const key = cartVersion(owner);
      local.forget([key]);
      try {
        await bumpCartVersion(key);
      } catch (error) {
        pendingCarts.add(key);
        invalidationFailed(error, [key]);
      }
    },
    boardSearch: (boardId, query, load, serialize) =>
      cached(
        [boardVersion(boardId)],
        {
          prefix: `${base}board:${boardId}:search:`,
          suffix: `:${queryHash(query)}:${Math.floor(Date.now() / (BOARD_SEARCH_WINDOW_SECONDS * 1000))}`,
        },
        load,
        serialize,
        { ttlSeconds: BOARD_SEARCH_WINDOW_SECONDS },
      ),
    invalidateBoard: (boardId) => bump([boardVersion(boardId)]),
    invalidateProduct: (productId) => bump([productVersion(productId), listVersion]),
    invalidateStock: async (productIds) => {
      if (productIds.length > 0) await bump(productIds.map(stockVersion));
    },
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
