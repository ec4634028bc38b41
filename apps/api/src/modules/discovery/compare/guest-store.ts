import { AppError } from '@pbshop/errors';
import type { Redis } from 'ioredis';

/**
 * Adds a product to a guest's bar (a sorted set by time added) unless it is full; a product already
 * in it stays where it is. Each write renews the expiry.
 */
const ADD_SCRIPT = `
local bar, product, now, ttl, limit = KEYS[1], ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
if not redis.call('ZSCORE', bar, product) then
  if redis.call('ZCARD', bar) >= limit then return 0 end
  redis.call('ZADD', bar, now, product)
end
redis.call('PEXPIRE', bar, ttl)
return 1`;

/** Moves the bar aside and reads it: whoever claims it merges it, a second claim finds nothing. */
const CLAIM_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
redis.call('RENAME', KEYS[1], KEYS[2])
local ids = redis.call('ZRANGE', KEYS[2], 0, -1)
redis.call('DEL', KEYS[2])
return ids`;

/**
 * Guests' compare bars in Redis: `prefix:compare:guest:{<key>}` a sorted set of product ids by the
 * time they were added, expiring `ttlMs` after the last write (like a guest cart).
 */
export function guestCompareStore(redis: Redis, keyPrefix: string, ttlMs: number) {
  const barKey = (key: string) => `${keyPrefix}:compare:guest:{${key}}`;
  const claimKey = (key: string) => `${keyPrefix}:compare:guest-merging:{${key}}`;
  const onRedis = async <T>(work: () => Promise<T>): Promise<T> => {
    if (redis.status !== 'ready') throw new AppError('SERVICE_UNAVAILABLE');
    return work();
  };
  return {
    async list(key: string): Promise<number[]> {
      return (await onRedis(() => redis.zrange(barKey(key), 0, -1))).map(Number);
    },
    /** false when the bar is full and the product not in it */
    async add(key: string, productId: number, limit: number): Promise<boolean> {
      const added = await onRedis(() =>
        redis.eval(
          ADD_SCRIPT,
          1,
          barKey(key),
          String(productId),
          String(Date.now()),
          String(ttlMs),
          String(limit),
        ),
      );
      return Number(added) === 1;
    },
    async remove(key: string, productId: number): Promise<void> {
      await onRedis(() => redis.zrem(barKey(key), String(productId)));
    },
    /** the bar's product ids, oldest first, taken out of Redis */
    async claim(key: string): Promise<number[]> {
      const ids = (await onRedis(() => redis.eval(CLAIM_SCRIPT, 2, barKey(key), claimKey(key)))) as string[];
      return ids.map(Number);
    },
  };
}
