import { createHash, randomUUID } from 'node:crypto';
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

// Moves a held place's expiry on; 0 when it is no longer held (it expired and was taken away).
const renewPlace = `
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1`;

const sha1 = (script: string) => createHash('sha1').update(script).digest('hex');
const shas = new Map([reserveSlot, takePlace, renewPlace].map((script) => [script, sha1(script)]));

/** Runs a script by its SHA (the text is sent only when Redis does not know it yet). */
async function runScript(redis: Redis, script: string, key: string, ...args: (string | number)[]) {
  try {
    return await redis.evalsha(shas.get(script) as string, 1, key, ...args);
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
    return redis.eval(script, 1, key, ...args);
  }
}

export interface PolitenessSettings {
  /** least time between two requests to one host (robots.txt Crawl-delay wins when longer) */
  minIntervalMs: number;
  /** requests to one host at once, across every replica */
  concurrency: number;
  /** a place not released or renewed by then (a crashed worker) is free again */
  placeTtlMs?: number;
}

/** Runs one request to `host` in its turn. */
export type PoliteRun = <T>(
  host: string,
  crawlDelayMs: number,
  signal: AbortSignal,
  fn: () => Promise<T>,
) => Promise<T>;

/**
 * Per-host politeness kept in Redis, so it holds across worker replicas: at most `concurrency`
 * requests to a host at once, and requests to it at least `minIntervalMs` apart.
 */
export function hostPoliteness(redis: Redis, keyPrefix: string, settings: PolitenessSettings) {
  const ttl = settings.placeTtlMs ?? 120_000;
  const placesOf = (host: string) => `${keyPrefix}:crawler:host:${host}:places`;

  async function takePlaceOf(host: string, signal: AbortSignal): Promise<string> {
    const token = randomUUID();
    while ((await runScript(redis, takePlace, placesOf(host), settings.concurrency, ttl, token)) !== 1) {
      await sleepUnlessAborted(50, signal);
    }
    return token;
  }

  /**
   * A sequence of requests, one at a time (a run's fetch loop). Without an interval to keep
   * (politeness off: `minIntervalMs` 0, no Crawl-delay) it keeps its place on a host from one request
   * to the next, so a request costs no Redis round trip; the place is renewed before its TTL runs
   * out and given back when the sequence moves to another host, when an attempt fails (a retry's
   * backoff does not hold it) and on `release`. With an interval, each request takes its place
   * and its slot and gives the place back, so replicas take turns.
   */
  function session() {
    let held: { host: string; token: string; renewAt: number } | undefined;

    async function release() {
      const place = held;
      held = undefined;
      if (place) await redis.zrem(placesOf(place.host), place.token).catch(() => 0);
    }

    const run: PoliteRun = async (host, crawlDelayMs, signal, fn) => {
      if (held && held.host !== host) await release();
      if (held && Date.now() >= held.renewAt) {
        // expired meanwhile (this process stalled past the TTL): taken again below, in turn
        if ((await runScript(redis, renewPlace, placesOf(host), ttl, held.token)) === 1) {
          held.renewAt = Date.now() + ttl / 2;
        } else {
          held = undefined;
        }
      }
      if (!held) held = { host, token: await takePlaceOf(host, signal), renewAt: Date.now() + ttl / 2 };
      const interval = Math.max(settings.minIntervalMs, crawlDelayMs);
      let kept = false;
      try {
        if (interval > 0) {
          const delay = Number(
            await runScript(redis, reserveSlot, `${keyPrefix}:crawler:host:${host}:next`, interval),
          );
          if (delay > 0) await sleepUnlessAborted(delay, signal);
        }
        const result = await fn();
        kept = interval === 0;
        return result;
      } finally {
        if (!kept) await release();
      }
    };

    return { run, release };
  }

  return {
    session,
    /** One request on its own: waits for a place and a slot on `host`, runs `fn`, gives the place back. */
    async run<T>(host: string, crawlDelayMs: number, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
      const single = session();
      try {
        return await single.run(host, crawlDelayMs, signal, fn);
      } finally {
        await single.release();
      }
    },
  };
}

export type HostPoliteness = ReturnType<typeof hostPoliteness>;
