import { Redis, type RedisOptions } from 'ioredis';

export type RedisRole = 'worker' | 'producer';

/**
 * Redis connections with production settings. Workers block on Redis and must wait through an
 * outage (`maxRetriesPerRequest: null`, commands queued while offline). Producers serve HTTP
 * requests and must fail fast instead of hanging when Redis is down. Both reconnect forever with
 * a capped delay, so a process recovers by itself when Redis comes back.
 */
export function createRedis(url: string, role: RedisRole, extra: RedisOptions = {}): Redis {
  const base: RedisOptions = {
    lazyConnect: false,
    connectTimeout: 5000,
    retryStrategy: (attempt) => Math.min(200 * 2 ** Math.min(attempt, 5), 5000),
  };
  const roleOptions: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableOfflineQueue: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false };
  const redis = new Redis(url, { ...base, ...roleOptions, ...extra });
  // connection errors are reported by health checks; without a listener ioredis would print them raw
  redis.on('error', () => {});
  return redis;
}

/** BullMQ key prefix; the hash tag keeps every queue key of an install in one Redis Cluster slot. */
export function bullPrefix(keyPrefix: string): string {
  return `{${keyPrefix}:bull}`;
}
