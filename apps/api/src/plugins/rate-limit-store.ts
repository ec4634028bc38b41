import type { FastifyRateLimitOptions, FastifyRateLimitStore } from '@fastify/rate-limit';
import { defineScript } from '@pbshop/queues';
import type { Redis } from 'ioredis';

/**
 * Adds ARGV[1] to the window's count, starting the window (PEXPIRE ARGV[2]) when the key is new,
 * and answers { count, ms left in the window }.
 */
const COUNT_SCRIPT = `
local current = redis.call('INCRBY', KEYS[1], ARGV[1])
if current == tonumber(ARGV[1]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return { current, tonumber(ARGV[2]) }
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return { current, ttl }`;

type CountingRedis = Redis & {
  rateLimitCount(key: string, add: number, windowMs: number): Promise<[number, number]>;
};

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** A route's own counter, as @fastify/rate-limit's Redis store names it (the plugin passes routeInfo). */
function routePrefix(prefix: string, routeOptions: unknown): string {
  const route = (routeOptions as { routeInfo?: { method?: string; url?: string } }).routeInfo;
  return `${prefix}${route?.method ?? ''}${route?.url ?? ''}-`;
}

/** Below this share of the limit a key's requests are counted in this process first. */
const LOCAL_SHARE = 0.5;

interface Window {
  /** the count Redis gave at the last sync */
  known: number;
  /** counted here, not yet sent */
  pending: number;
  /** sent, answer awaited */
  sending: number;
  resetAt: number;
}

export interface RateLimitStoreOptions {
  redis: Redis;
  /** key prefix, e.g. `${REDIS_KEY_PREFIX}:rate:` */
  prefix: string;
  /** how often counts kept here are added to Redis */
  syncMs: number;
  /**
   * how long a request waits for its count from Redis at most (ANSWER_WITHIN_MS unless told); then
   * it is answered with an error, as when Redis refuses (the plugin's skipOnError lets the request
   * through), and the count's late answer only updates what this process knows
   */
  answerWithinMs?: number;
}

/** the catalog cache's bound on a Redis call too */
const ANSWER_WITHIN_MS = 250;

/** `callback`, called once: with the count's answer, or with an error once `ms` passed without one. */
function answeredWithin(ms: number, callback: Callback): Callback {
  let answered = false;
  const timer = setTimeout(() => {
    answered = true;
    callback(new Error(`rate limit count: no answer from Redis within ${ms} ms`));
  }, ms);
  timer.unref();
  return (error, result) => {
    if (answered) return;
    answered = true;
    clearTimeout(timer);
    callback(error, result);
  };
}

/**
 * The @fastify/rate-limit store: counts in Redis, so limits hold across API replicas, without a
 * Redis round trip per request while a client is far from its limit. How far a burst over R
 * replicas can pass the limit, and why auth routes count in Redis always: docs/architecture.md,
 * "Catalog reads" (Rate limits). A request never waits for Redis longer than `answerWithinMs`.
 */
export function rateLimitStore(options: RateLimitStoreOptions) {
  const redis = options.redis as CountingRedis;
  const answerWithinMs = options.answerWithinMs ?? ANSWER_WITHIN_MS;
  /** resolved once the script may be called (defineScript) */
  const scriptReady = defineScript(redis, 'rateLimitCount', { numberOfKeys: 1, lua: COUNT_SCRIPT });
  const windows = new Map<string, Window>();
  /** keys with counts kept here: a sync visits these, not every client seen in the window */
  const dirty = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let lastSweep = Date.now();

  const count = (key: string, add: number, windowMs: number) =>
    scriptReady
      .then(() => redis.rateLimitCount(key, add, windowMs))
      .then(([current, ttl]) => ({ current, ttl }));

  function strict(prefix: string): FastifyRateLimitStore {
    return {
      incr(key, answer: Callback, timeWindow) {
        const callback = answeredWithin(answerWithinMs, answer);
        count(prefix + key, 1, timeWindow).then(
          (result) => callback(null, result),
          (error: Error) => callback(error),
        );
      },
      child: (routeOptions) => strict(routePrefix(prefix, routeOptions)),
    };
  }

  /**
   * Sends the counts kept here (a failed send keeps them for the next); once a window's length,
   * forgets the windows that ended.
   */
  function sync(windowMs: number) {
    timer = undefined;
    const now = Date.now();
    if (now - lastSweep >= windowMs) {
      lastSweep = now;
      for (const [key, window] of windows) {
        if (now >= window.resetAt && window.sending === 0 && window.pending === 0) windows.delete(key);
      }
    }
    for (const key of dirty) {
      const window = windows.get(key);
      if (!window || window.pending === 0) {
        dirty.delete(key);
        continue;
      }
      if (window.sending > 0) continue;
      dirty.delete(key);
      const sent = window.pending;
      window.pending = 0;
      window.sending = sent;
      count(key, sent, windowMs).then(
        ({ current, ttl }) => {
          window.sending = 0;
          window.known = Math.max(window.known, current);
          window.resetAt = Date.now() + ttl;
        },
        () => {
          window.sending = 0;
          window.pending += sent;
          dirty.add(key);
        },
      );
    }
    if (windows.size > 0) schedule(windowMs);
  }

  function schedule(windowMs: number) {
    if (timer) return;
    timer = setTimeout(() => sync(windowMs), options.syncMs);
    timer.unref();
  }

  const root: FastifyRateLimitStore = {
    incr(key, callback: Callback, timeWindow, max) {
      const redisKey = options.prefix + key;
      const now = Date.now();
      const window = windows.get(redisKey);
      const seen = window && now < window.resetAt ? window.known + window.sending + window.pending : -1;
      if (window && seen >= 0 && seen + 1 < max * LOCAL_SHARE) {
        window.pending += 1;
        dirty.add(redisKey);
        schedule(timeWindow);
        callback(null, { current: seen + 1, ttl: window.resetAt - now });
        return;
      }
      // a new window, or close to the limit: count in Redis now, with what was kept here; the
      // request waits for it a bounded time (a late answer still updates the window)
      const answer = answeredWithin(answerWithinMs, callback);
      const add = 1 + (window && seen >= 0 ? window.pending : 0);
      if (window && seen >= 0) window.pending = 0;
      count(redisKey, add, timeWindow).then(
        ({ current, ttl }) => {
          const known = windows.get(redisKey);
          if (known && Date.now() < known.resetAt) {
            known.known = Math.max(known.known, current);
            known.resetAt = Date.now() + ttl;
          } else {
            windows.set(redisKey, { known: current, pending: 0, sending: 0, resetAt: Date.now() + ttl });
          }
          schedule(timeWindow);
          answer(null, { current, ttl });
        },
        (error: Error) => {
          const kept = windows.get(redisKey);
          if (kept && add > 1) {
            kept.pending += add - 1;
            dirty.add(redisKey);
          }
          answer(error);
        },
      );
    },
    child: (routeOptions) => strict(routePrefix(options.prefix, routeOptions)),
  };

  return {
    /** for the plugin's `store` option */
    Store: class {
      constructor(_options: FastifyRateLimitOptions) {
        // biome-ignore lint/correctness/noConstructorReturn: the plugin instantiates its store
        return root;
      }
    } as unknown as new (
      options: FastifyRateLimitOptions,
    ) => FastifyRateLimitStore,
    /** sends what is kept here (on shutdown) */
    async flush(): Promise<void> {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await Promise.allSettled(
        [...windows.entries()]
          .filter(([, window]) => window.pending > 0 && Date.now() < window.resetAt)
          .map(([key, window]) => {
            const sent = window.pending;
            window.pending = 0;
            return count(key, sent, Math.max(1, window.resetAt - Date.now()));
          }),
      );
    },
  };
}
