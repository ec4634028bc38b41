import { randomUUID } from 'node:crypto';
import { sleepUnlessAborted } from '@pbshop/config';
import type { WorkerDeps } from '@pbshop/queues';

type Redis = WorkerDeps['redis'];

// Reserves the host's next request slot: the later of now and the reserved time, then moves the
// reservation one interval on. Redis's own clock, so replicas on skewed machines agree.
const reserveSlot = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local reserved = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = math.max(now, reserved)
local interval = tonumber(ARGV[1])
redis.call('SET', KEYS[1], at + interval, 'PX', interval + 60000)
return at - now`;

// Takes one of the host's `limit` concurrent places; a place of a process that died expires.
const takePlace = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
  return 1
end
return 0`;

export interface PolitenessSettings {
  /** least time between two requests to one host (robots.txt Crawl-delay wins when longer) */
  minIntervalMs: number;
  /** requests to one host at once, across every replica */
  concurrency: number;
  /** a place not released by then (a crashed worker) is free again */
  placeTtlMs?: number;
}

/**
 * Per-host politeness kept in Redis, so it holds across worker replicas: at most `concurrency`
 * requests to a host at once, and requests to it at least `minIntervalMs` apart.
 */
export function hostPoliteness(redis: Redis, keyPrefix: string, settings: PolitenessSettings) {
  const ttl = settings.placeTtlMs ?? 120_000;
  return {
    /** Waits for a place and a slot on `host`; runs `fn`; gives the place back. */
    async run<T>(host: string, crawlDelayMs: number, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
      const places = `${keyPrefix}:crawler:host:${host}:places`;
      const token = randomUUID();
      while ((await redis.eval(takePlace, 1, places, settings.concurrency, ttl, token)) !== 1) {
        await sleepUnlessAborted(50, signal);
      }
      try {
        const interval = Math.max(settings.minIntervalMs, crawlDelayMs);
        if (interval > 0) {
          const delay = Number(
            await redis.eval(reserveSlot, 1, `${keyPrefix}:crawler:host:${host}:next`, interval),
          );
          if (delay > 0) await sleepUnlessAborted(delay, signal);
        }
        return await fn();
      } finally {
        await redis.zrem(places, token).catch(() => 0);
      }
    },
  };
}

export type HostPoliteness = ReturnType<typeof hostPoliteness>;
