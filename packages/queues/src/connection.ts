import { Redis, type RedisOptions } from 'ioredis';

export type RedisRole = 'worker' | 'producer';

/**
 * A command of a producer connection that Redis has not answered by then fails: the connection is
 * up, yet Redis is paused, overloaded or cut off without the socket closing.
 */
const PRODUCER_COMMAND_TIMEOUT_MS = 1000;

/**
 * Redis connections with production settings. Workers block on Redis and must wait through an
 * outage (`maxRetriesPerRequest: null`, commands queued while offline). Producers serve HTTP
 * requests and must fail fast instead of hanging when Redis is down: a command is refused while
 * the connection is not up (no offline queue); one in flight when the connection drops fails at
 * once (`maxRetriesPerRequest: 0`: with 1, it waited for the first reconnection attempt, the retry
 * delay plus up to `connectTimeout`, and with auto-pipelining every command sent after it waited
 * behind it); one Redis does not answer fails after PRODUCER_COMMAND_TIMEOUT_MS. Both reconnect
 * forever with a capped delay, so a process recovers by itself when Redis comes back.
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
      : { maxRetriesPerRequest: 0, enableOfflineQueue: false, commandTimeout: PRODUCER_COMMAND_TIMEOUT_MS };
  const redis = new Redis(url, { ...base, ...roleOptions, ...extra });
  // connection errors are reported by health checks; without a listener ioredis would print them raw
  redis.on('error', () => {});
  return redis;
}

/** BullMQ key prefix; the hash tag keeps every queue key of an install in one Redis Cluster slot. */
export function bullPrefix(keyPrefix: string): string {
  return `{${keyPrefix}:bull}`;
}
