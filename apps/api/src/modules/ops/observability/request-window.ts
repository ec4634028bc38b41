import type { Logger } from '@pbshop/config';
import type { Redis } from 'ioredis';
import { LATENCY_BUCKETS, latencyBucket, percentileOf } from './latency-histogram.ts';

/** Metrics cover the last 15 minutes (contract §2.B.8), at one-minute resolution. */
export const WINDOW_MINUTES = 15;
const MINUTE_MS = 60_000;
/** a minute's Redis keys outlive the window by two minutes, then expire */
const KEY_TTL_SECONDS = (WINDOW_MINUTES + 2) * 60;

/** the bucket of requests that matched no route (404s of unknown paths): one, whatever the path */
export const UNMATCHED = { method: '*', route: '(unmatched)' } as const;

// per route and minute: these counters, then one count per latency bucket
const COUNT = 0;
const ERRORS = 1;
const STATUS = 2; // 2xx, 3xx, 4xx, 5xx at 2..5
const SUM_MICROS = 6;
const BUCKETS = 7;
const SLOTS = BUCKETS + LATENCY_BUCKETS;
/** the Redis hash field suffix of each slot */
const FIELD_NAMES = [
  'c',
  'e',
  '2xx',
  '3xx',
  '4xx',
  '5xx',
  'us',
  ...Array.from({ length: LATENCY_BUCKETS }, (_, i) => `b${i}`),
];
const SLOT_OF = new Map(FIELD_NAMES.map((name, slot) => [name, slot]));

interface RouteCounts {
  values: Float64Array;
  /** what Redis holds of `values` (added by earlier flushes) */
  flushed: Float64Array;
  maxMs: number;
  flushedMaxMs: number;
  dirty: boolean;
}

type MinuteCounts = Map<string, RouteCounts>;

export interface StatusBuckets {
  s2xx: number;
  s3xx: number;
  s4xx: number;
  s5xx: number;
}

export interface LatencyFigures {
  totalRequests: number;
  errorRequests: number;
  errorRate: number;
  avgLatencyMs: number;
  p50LatencyMs: number;
  p95LatencyMs: number;
  p99LatencyMs: number;
  maxLatencyMs: number;
  statusBuckets: StatusBuckets;
}

export interface RouteFigures extends LatencyFigures {
  method: string;
  route: string;
}

export interface WindowSummary extends LatencyFigures {
  windowMinutes: number;
  /** start of the oldest minute counted (ISO 8601) */
  from: string;
  to: string;
  /** cluster: every API replica's requests, summed in Redis; replica: Redis did not answer, this process's own */
  scope: 'cluster' | 'replica';
  /** why the answer is this replica's only, else null */
  error: string | null;
  routes: RouteFigures[];
}

const round = (value: number, digits: number) => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

function figures(values: ArrayLike<number>, maxMs: number): LatencyFigures {
  const count = values[COUNT] ?? 0;
  const errors = values[ERRORS] ?? 0;
  const at = (slot: number) => values[slot] ?? 0;
  return {
    totalRequests: count,
    errorRequests: errors,
    errorRate: count ? round(errors / count, 4) : 0,
    avgLatencyMs: count ? round(at(SUM_MICROS) / count / 1000, 3) : 0,
    p50LatencyMs: round(percentileOf(values, BUCKETS, count, 50, maxMs), 3),
    p95LatencyMs: round(percentileOf(values, BUCKETS, count, 95, maxMs), 3),
    p99LatencyMs: round(percentileOf(values, BUCKETS, count, 99, maxMs), 3),
    maxLatencyMs: round(maxMs, 3),
    statusBuckets: { s2xx: at(STATUS), s3xx: at(STATUS + 1), s4xx: at(STATUS + 2), s5xx: at(STATUS + 3) },
  };
}

export interface RequestWindowOptions {
  redis: Redis;
  keyPrefix: string;
  flushIntervalMs: number;
  logger: Logger;
}

/**
 * Request counts over a sliding 15-minute window, summed across API replicas. The hot path only
 * adds to this process's counts for the current minute (per route: count, errors, status classes,
 * latency sum and latency histogram); every `flushIntervalMs` the increments since the last flush
 * are added to per-minute Redis hashes in one MULTI (so the counts of all replicas add up there),
 * and each minute's largest latency per route to a sorted set (ZADD GT). The keys expire two
 * minutes after they leave the window. A failed flush is simply sent again with the next one.
 */
export class RequestWindow {
  private readonly options: RequestWindowOptions;
  /** this process's counts by minute (epoch minute) → route key (`METHOD /route`) */
  private readonly minutes = new Map<number, MinuteCounts>();
  private currentMinute = -1;
  private current: MinuteCounts = new Map();
  private flushing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private lastFlushError: string | null = null;

  constructor(options: RequestWindowOptions) {
    this.options = options;
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs);
    this.timer.unref();
  }

  /** Counts one answered request (any status: thrown errors reach here as their 5xx). */
  record(routeKey: string, statusCode: number, durationMs: number, now = Date.now()): void {
    const minute = Math.floor(now / MINUTE_MS);
    if (minute !== this.currentMinute) this.rotate(minute);
    let counts = this.current.get(routeKey);
    if (!counts) {
      counts = {
        values: new Float64Array(SLOTS),
        flushed: new Float64Array(SLOTS),
        maxMs: 0,
        flushedMaxMs: 0,
        dirty: false,
      };
      this.current.set(routeKey, counts);
    }
    const values = counts.values;
    values[COUNT]! += 1;
    if (statusCode >= 400) values[ERRORS]! += 1;
    const statusClass = Math.floor(statusCode / 100);
    if (statusClass >= 2 && statusClass <= 5) values[STATUS + statusClass - 2]! += 1;
    values[SUM_MICROS]! += Math.round(durationMs * 1000);
    values[BUCKETS + latencyBucket(durationMs)]! += 1;
    if (durationMs > counts.maxMs) counts.maxMs = durationMs;
    counts.dirty = true;
  }

  /** Adds this process's counts since the last flush to Redis; flushes run one after another. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushOnce());
    return this.flushing;
  }

  /**
   * The window's figures, overall and per route (`route`: only that route template, any method):
   * this process's counts are flushed first, then every replica's are read from Redis. Other
   * replicas' last `flushIntervalMs` may be missing. When Redis does not answer, this process's
   * own counts (scope `replica`).
   */
  async summary(filter: { route?: string } = {}, now = Date.now()): Promise<WindowSummary> {
    const first = Math.floor(now / MINUTE_MS) - WINDOW_MINUTES + 1;
    const range = { from: new Date(first * MINUTE_MS).toISOString(), to: new Date(now).toISOString() };
    try {
      await this.flush();
      if (this.lastFlushError) throw new Error(this.lastFlushError);
      const merged = await this.readRedis(first, now);
      return this.summarise(merged, filter, { ...range, scope: 'cluster', error: null });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.options.logger.warn(
        { err: error },
        'request metrics: Redis unavailable, answering this replica only',
      );
      return this.summarise(this.readLocal(first), filter, {
        ...range,
        scope: 'replica',
        error: `Redis unavailable (${reason}): this replica's requests only`,
      });
    }
  }

  /** Stops the flush timer and sends what is left. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => {});
  }

  private rotate(minute: number): void {
    this.currentMinute = minute;
    let counts = this.minutes.get(minute);
    if (!counts) {
      counts = new Map();
      this.minutes.set(minute, counts);
    }
    this.current = counts;
    // older minutes are out of the window (and in Redis, or lost with it)
    for (const old of this.minutes.keys()) if (old <= minute - WINDOW_MINUTES - 1) this.minutes.delete(old);
  }

  private requestsKey(minute: number): string {
    // one hash tag: every key of the window in one Redis Cluster slot, so MULTI can span them
    return `{${this.options.keyPrefix}:obs}:requests:${minute}`;
  }

  private maxKey(minute: number): string {
    return `{${this.options.keyPrefix}:obs}:max:${minute}`;
  }

  private async flushOnce(): Promise<void> {
    // commands are buffered until exec: a flush with nothing to send sends nothing
    const multi = this.options.redis.multi();
    const sent: [RouteCounts, Float64Array, number][] = [];
    for (const [minute, routes] of this.minutes) {
      const key = this.requestsKey(minute);
      const maxKey = this.maxKey(minute);
      let touched = false;
      for (const [routeKey, counts] of routes) {
        if (!counts.dirty) continue;
        counts.dirty = false;
        const sending = Float64Array.from(counts.values);
        for (let slot = 0; slot < SLOTS; slot++) {
          const delta = sending[slot]! - counts.flushed[slot]!;
          if (delta !== 0) multi.hincrby(key, `${routeKey}|${FIELD_NAMES[slot]}`, delta);
        }
        if (counts.maxMs > counts.flushedMaxMs) multi.zadd(maxKey, 'GT', counts.maxMs, routeKey);
        sent.push([counts, sending, counts.maxMs]);
        touched = true;
      }
      if (touched) multi.expire(key, KEY_TTL_SECONDS).expire(maxKey, KEY_TTL_SECONDS);
    }
    if (sent.length === 0) {
      this.lastFlushError = null;
      return;
    }
    try {
      await multi.exec();
      for (const [counts, sending, maxMs] of sent) {
        counts.flushed.set(sending);
        counts.flushedMaxMs = maxMs;
      }
      this.lastFlushError = null;
    } catch (error) {
      // sent again, with what came since, by the next flush
      for (const [counts] of sent) counts.dirty = true;
      this.lastFlushError = error instanceof Error ? error.message : String(error);
    }
  }

  private async readRedis(first: number, now: number): Promise<Map<string, [Float64Array, number]>> {
    const last = Math.floor(now / MINUTE_MS);
    const pipeline = this.options.redis.pipeline();
    for (let minute = first; minute <= last; minute++) {
      pipeline.hgetall(this.requestsKey(minute));
      pipeline.zrange(this.maxKey(minute), 0, -1, 'WITHSCORES');
    }
    const replies = (await pipeline.exec()) ?? [];
    const merged = new Map<string, [Float64Array, number]>();
    const entry = (routeKey: string) => {
      let found = merged.get(routeKey);
      if (!found) {
        found = [new Float64Array(SLOTS), 0];
        merged.set(routeKey, found);
      }
      return found;
    };
    for (let index = 0; index < replies.length; index += 2) {
      const [hashError, hash] = replies[index]!;
      const [maxError, maxima] = replies[index + 1]!;
      if (hashError) throw hashError;
      if (maxError) throw maxError;
      for (const [field, value] of Object.entries(hash as Record<string, string>)) {
        const split = field.lastIndexOf('|');
        const slot = SLOT_OF.get(field.slice(split + 1));
        if (slot !== undefined) entry(field.slice(0, split))[0][slot]! += Number(value);
      }
      const pairs = maxima as string[];
      for (let at = 0; at < pairs.length; at += 2) {
        const found = entry(pairs[at]!);
        found[1] = Math.max(found[1], Number(pairs[at + 1]));
      }
    }
    return merged;
  }

  private readLocal(first: number): Map<string, [Float64Array, number]> {
    const merged = new Map<string, [Float64Array, number]>();
    for (const [minute, routes] of this.minutes) {
      if (minute < first) continue;
      for (const [routeKey, counts] of routes) {
        const found = merged.get(routeKey) ?? [new Float64Array(SLOTS), 0];
        for (let slot = 0; slot < SLOTS; slot++) found[0][slot]! += counts.values[slot]!;
        found[1] = Math.max(found[1], counts.maxMs);
        merged.set(routeKey, found);
      }
    }
    return merged;
  }

  private summarise(
    merged: Map<string, [Float64Array, number]>,
    filter: { route?: string },
    meta: Pick<WindowSummary, 'from' | 'to' | 'scope' | 'error'>,
  ): WindowSummary {
    const total = new Float64Array(SLOTS);
    let totalMax = 0;
    const routes: RouteFigures[] = [];
    for (const [routeKey, [values, maxMs]] of merged) {
      const space = routeKey.indexOf(' ');
      const method = routeKey.slice(0, space);
      const route = routeKey.slice(space + 1);
      if (filter.route !== undefined && route !== filter.route) continue;
      if (!values[COUNT]) continue;
      for (let slot = 0; slot < SLOTS; slot++) total[slot]! += values[slot]!;
      totalMax = Math.max(totalMax, maxMs);
      routes.push({ method, route, ...figures(values, maxMs) });
    }
    routes.sort((a, b) => b.totalRequests - a.totalRequests || a.route.localeCompare(b.route));
    return { windowMinutes: WINDOW_MINUTES, ...meta, ...figures(total, totalMax), routes };
  }
}
