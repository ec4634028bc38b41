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

/** per client: the commands defined through defineScript, each resolved once it can be called */
const definedScripts = new WeakMap<Redis, Map<string, Promise<void>>>();

/**
 * Defines a Lua command on `redis` once, and resolves when it may be called. An auto-pipelining
 * client copies its commands into a pipeline when the pipeline is created, so a pipeline already
 * waiting for its tick lacks a command defined after it: a call of that command joining it is not
 * sent, ioredis then pairs the pipeline's replies with the wrong callbacks and throws where nothing
 * can catch it (an uncaught TypeError, `results[i] is not iterable`). The first call therefore waits
 * one macrotask, after the waiting pipelines have been sent; later ones do not wait.
 */
export function defineScript(
  redis: Redis,
  name: string,
  definition: { lua: string; numberOfKeys?: number },
): Promise<void> {
  let scripts = definedScripts.get(redis);
  if (!scripts) {
    scripts = new Map();
    definedScripts.set(redis, scripts);
  }
  const defined = scripts.get(name);
  if (defined) return defined;
  if (typeof (redis as unknown as Record<string, unknown>)[name] !== 'function') {
    redis.defineCommand(name, definition);
  }
  const ready = redis.options.enableAutoPipelining
    ? new Promise<void>((resolve) => setImmediate(resolve))
    : Promise.resolve();
  scripts.set(name, ready);
  return ready;
}
