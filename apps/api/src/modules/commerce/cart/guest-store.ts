import { AppError } from '@pbshop/errors';
import type { Redis } from 'ioredis';

/** A guest cart lives this long after its last write. */
export const GUEST_CART_TTL_MS = 24 * 60 * 60 * 1000;

/** A guest line as the hash keeps it. */
export interface GuestLine {
  id: number;
  productId: number;
  sellerId: number;
  selectedOptions: string | null;
  quantity: number;
  unitPriceAtAdd: number;
  createdAt: string;
}

/** What an add or a quantity change answered: the line's id, or why nothing was written. */
export type GuestWrite =
  | { outcome: 'ok'; id: number }
  | { outcome: 'stock'; current: number }
  | { outcome: 'max-quantity'; current: number }
  | { outcome: 'full' }
  | { outcome: 'missing' };

/**
 * One line in the hash is four fields: `l:<id>` its JSON (product, seller, options, createdAt, the
 * line key), `q:<id>` its quantity, `p:<id>` its price when added, and `k:<line key>` → id, so
 * adding the same product + seller + options again finds the line. Lua keeps each write whole.
 */
const ADD_SCRIPT = `
local cart, sequence = KEYS[1], KEYS[2]
local lineKey, lineJson = ARGV[1], ARGV[2]
local quantity, stock, price = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local ttl, maxLines, maxQuantity = ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8])
local existing = redis.call('HGET', cart, 'k:' .. lineKey)
if existing then
  local current = tonumber(redis.call('HGET', cart, 'q:' .. existing))
  local total = current + quantity
  if total > maxQuantity then return {'max-quantity', current} end
  if total > stock then return {'stock', current} end
  redis.call('HSET', cart, 'q:' .. existing, total, 'p:' .. existing, price)
  redis.call('PEXPIRE', cart, ttl)
  redis.call('PEXPIRE', sequence, ttl)
  return {'ok', existing}
end
if redis.call('HLEN', cart) / 4 >= maxLines then return {'full', 0} end
if quantity > stock then return {'stock', 0} end
local id = redis.call('INCR', sequence)
redis.call('HSET', cart, 'l:' .. id, lineJson, 'q:' .. id, quantity, 'p:' .. id, price, 'k:' .. lineKey, id)
redis.call('PEXPIRE', cart, ttl)
redis.call('PEXPIRE', sequence, ttl)
return {'ok', id}`;

/** A quantity may always go down; up only as far as the stock read just before. */
const SET_QUANTITY_SCRIPT = `
local cart, id = KEYS[1], ARGV[1]
local quantity, stock, ttl = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local current = redis.call('HGET', cart, 'q:' .. id)
if not current then return {'missing', 0} end
current = tonumber(current)
if quantity > current and quantity > stock then return {'stock', current} end
redis.call('HSET', cart, 'q:' .. id, quantity)
redis.call('PEXPIRE', cart, ttl)
return {'ok', id}`;

const REMOVE_SCRIPT = `
local cart, id = KEYS[1], ARGV[1]
local line = redis.call('HGET', cart, 'l:' .. id)
if not line then return 0 end
redis.call('HDEL', cart, 'l:' .. id, 'q:' .. id, 'p:' .. id, 'k:' .. cjson.decode(line).key)
if redis.call('EXISTS', cart) == 1 then redis.call('PEXPIRE', cart, ARGV[2]) end
return 1`;

/** Moves the cart aside for a merge: whoever moves it merges it, a second merge finds nothing. */
const CLAIM_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
redis.call('RENAME', KEYS[1], KEYS[2])
return redis.call('HGETALL', KEYS[2])`;

/** Puts a claimed cart back after a failed merge, unless the guest has started a new one meanwhile. */
const RESTORE_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('RENAME', KEYS[2], KEYS[1])
return 1`;

// messages of ioredis when the connection is down, closed or silent
const REDIS_DOWN =
  /Connection is closed|Stream isn't writeable|Command timed out|max retries per request|ECONNREFUSED|ECONNRESET|ETIMEDOUT/i;

function redisUnavailable(cause?: unknown) {
  return new AppError('SERVICE_UNAVAILABLE', {
    details: {
      dependency: 'redis',
      reason: 'the guest cart store (Redis) is unreachable; try again shortly',
    },
    cause,
  });
}

/** `l:<id>` → the line, from the hash's flat field list; a line that is not JSON is skipped. */
function linesOf(fields: Record<string, string>): GuestLine[] {
  const lines: GuestLine[] = [];
  for (const [field, value] of Object.entries(fields)) {
    if (!field.startsWith('l:')) continue;
    const id = field.slice(2);
    let stored: Omit<GuestLine, 'id' | 'quantity' | 'unitPriceAtAdd'>;
    try {
      stored = JSON.parse(value);
    } catch {
      continue;
    }
    lines.push({
      id: Number(id),
      productId: stored.productId,
      sellerId: stored.sellerId,
      selectedOptions: stored.selectedOptions,
      quantity: Number(fields[`q:${id}`]),
      unitPriceAtAdd: Number(fields[`p:${id}`]),
      createdAt: stored.createdAt,
    });
  }
  return lines;
}

function pairsToRecord(flat: string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let index = 0; index + 1 < flat.length; index += 2) record[flat[index]!] = flat[index + 1]!;
  return record;
}

const writeOf = (reply: [string, number | string]): GuestWrite => {
  const [outcome, value] = reply;
  if (outcome === 'ok') return { outcome, id: Number(value) };
  if (outcome === 'stock' || outcome === 'max-quantity') return { outcome, current: Number(value) };
  return { outcome: outcome as 'full' | 'missing' };
};

/**
 * Guest carts in Redis: `prefix:cart:guest:{<key>}` a hash of lines (see ADD_SCRIPT), its line ids
 * from the counter `prefix:cart:guest-seq:{<key>}` (numeric, never reused while the cart lives), both
 * expiring GUEST_CART_TTL_MS after the last write. The hash tag keeps a cart's keys in one Redis
 * Cluster slot. Answers 503 SERVICE_UNAVAILABLE while Redis is unreachable.
 */
export function guestCartStore(redis: Redis, keyPrefix: string) {
  const cartKey = (key: string) => `${keyPrefix}:cart:guest:{${key}}`;
  const sequenceKey = (key: string) => `${keyPrefix}:cart:guest-seq:{${key}}`;
  const claimKey = (key: string) => `${keyPrefix}:cart:guest-merging:{${key}}`;

  async function onRedis<T>(work: () => Promise<T>): Promise<T> {
    if (redis.status !== 'ready') throw redisUnavailable();
    try {
      return await work();
    } catch (error) {
      if (redis.status !== 'ready' || (error instanceof Error && REDIS_DOWN.test(error.message))) {
        throw redisUnavailable(error);
      }
      throw error;
    }
  }

  return {
    cartKey,

    list: (key: string): Promise<GuestLine[]> =>
      onRedis(async () => linesOf(await redis.hgetall(cartKey(key)))),

    async line(key: string, id: number): Promise<GuestLine | undefined> {
      const [json, quantity, price] = await onRedis(() =>
        redis.hmget(cartKey(key), `l:${id}`, `q:${id}`, `p:${id}`),
      );
      if (!json || !quantity || !price) return undefined;
      return linesOf({ [`l:${id}`]: json, [`q:${id}`]: quantity, [`p:${id}`]: price })[0];
    },

    async add(
      key: string,
      line: Pick<GuestLine, 'productId' | 'sellerId' | 'selectedOptions' | 'quantity' | 'unitPriceAtAdd'>,
      limits: { stock: number; maxLines: number; maxQuantity: number },
    ): Promise<GuestWrite> {
      const lineKey = `${line.productId}:${line.sellerId}:${line.selectedOptions ?? ''}`;
      const stored = {
        productId: line.productId,
        sellerId: line.sellerId,
        selectedOptions: line.selectedOptions,
        createdAt: new Date().toISOString(),
        key: lineKey,
      };
      const reply = await onRedis(() =>
        redis.eval(
          ADD_SCRIPT,
          2,
          cartKey(key),
          sequenceKey(key),
          lineKey,
          JSON.stringify(stored),
          line.quantity,
          limits.stock,
          line.unitPriceAtAdd,
          GUEST_CART_TTL_MS,
          limits.maxLines,
          limits.maxQuantity,
        ),
      );
      return writeOf(reply as [string, number]);
    },

    async setQuantity(key: string, id: number, quantity: number, stock: number): Promise<GuestWrite> {
      const reply = await onRedis(() =>
        redis.eval(SET_QUANTITY_SCRIPT, 1, cartKey(key), id, quantity, stock, GUEST_CART_TTL_MS),
      );
      return writeOf(reply as [string, number]);
    },

    /** False when the cart has no such line. */
    remove: async (key: string, id: number): Promise<boolean> =>
      Number(await onRedis(() => redis.eval(REMOVE_SCRIPT, 1, cartKey(key), id, GUEST_CART_TTL_MS))) === 1,

    clear: async (key: string): Promise<void> => {
      await onRedis(() => redis.del(cartKey(key)));
    },

    /** The cart's lines, moved aside for a merge (empty when there is none, or another merge took it). */
    claim: async (key: string): Promise<GuestLine[]> =>
      linesOf(
        pairsToRecord(
          (await onRedis(() => redis.eval(CLAIM_SCRIPT, 2, cartKey(key), claimKey(key)))) as string[],
        ),
      ),

    /** The claimed cart is merged: gone for good. */
    release: async (key: string): Promise<void> => {
      await onRedis(() => redis.del(claimKey(key)));
    },

    /** The merge failed: the claimed cart goes back, unless a new one was started; true when it went back. */
    restore: async (key: string): Promise<boolean> =>
      Number(await onRedis(() => redis.eval(RESTORE_SCRIPT, 2, cartKey(key), claimKey(key)))) === 1,
  };
}

export type GuestCartStore = ReturnType<typeof guestCartStore>;
