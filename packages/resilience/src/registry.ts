import { hostname } from 'node:os';
import type { Logger } from '@pbshop/config';
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  type IPolicy,
  TaskCancelledError,
} from 'cockatiel';
import type { Redis } from 'ioredis';
import {
  CallerAborted,
  createAttemptPolicies,
  createBreaker,
  type PolicyFamily,
  type PolicySettings,
  settingsFor,
} from './policies.ts';

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

export interface BreakerSnapshot {
  name: string;
  state: BreakerState;
  instance: string;
  service: string;
  lastFailure: string | null;
  updatedAt: string;
}

const stateNames: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

interface Guard {
  settings: PolicySettings;
  breaker: CircuitBreakerPolicy;
  retry: IPolicy;
  timeout: IPolicy;
  lastFailure: string | null;
  updatedAt: string;
}

export interface ResilienceRegistryOptions {
  service: string;
  logger: Logger;
  /** where snapshots are published and resets announced; without it the registry is process-local */
  redis?: Redis;
  /** a second connection for the reset subscription (a subscribed connection can run nothing else) */
  subscriber?: Redis;
  keyPrefix?: string;
  /** per-family adjustments of the default settings, e.g. the crawler timeout from the env */
  overrides?: Partial<Record<PolicyFamily, Partial<PolicySettings>>>;
}

/**
 * Every circuit breaker of a process, by stable name (`search`, `payment`, `crawler:<host>`).
 * Each state change is published to a Redis hash so the API can show every process's breakers,
 * and a reset announced on a Redis channel reaches every process.
 */
export class ResilienceRegistry {
  private readonly guards = new Map<string, Guard>();
  private readonly instance = `${hostname()}:${process.pid}`;
  private readonly hashKey: string;
  private readonly resetChannel: string;
  private readonly options: ResilienceRegistryOptions;

  constructor(options: ResilienceRegistryOptions) {
    this.options = options;
    const prefix = options.keyPrefix ?? 'pbshop';
    this.hashKey = `${prefix}:breakers`;
    this.resetChannel = `${prefix}:breakers:reset`;
    const subscriber = options.subscriber;
    if (subscriber) {
      subscriber
        .subscribe(this.resetChannel)
        .catch((error) => options.logger.warn({ err: error }, 'breaker reset channel unavailable'));
      subscriber.on('message', (channel, name) => {
        if (channel === this.resetChannel && this.guards.has(name)) this.resetLocal(name);
      });
    }
  }

  /** Runs `fn` under the named policy: retries around a breaker around a per-attempt timeout. */
  async execute<T>(
    name: string,
    fn: (signal: AbortSignal) => Promise<T>,
    callerSignal?: AbortSignal,
  ): Promise<T> {
    const guard = this.guard(name);
    const attempt = async (signal: AbortSignal) => {
      const combined = callerSignal ? AbortSignal.any([callerSignal, signal]) : signal;
      try {
        return await fn(combined);
      } catch (error) {
        // the caller's own abort must neither open the breaker nor be retried
        if (callerSignal?.aborted) throw new CallerAborted(callerSignal.reason);
        throw error;
      }
    };
    return guard.retry.execute(() =>
      // the breaker is read per attempt so a reset between attempts takes effect
      this.guard(name).breaker.execute(() => guard.timeout.execute(({ signal }) => attempt(signal))),
    );
  }

  /** The local breakers of this process. */
  snapshots(): BreakerSnapshot[] {
    return [...this.guards.keys()].map((name) => this.snapshot(name));
  }

  /**
   * How long the named breaker keeps refusing calls before it lets a trial call through, with this
   * registry's overrides applied: 0 when it is closed, half-open, due for its trial, or never used.
   */
  pausedForMs(name: string): number {
    const guard = this.guards.get(name);
    if (!guard || guard.breaker.state !== CircuitState.Open) return 0;
    const trialAt = Date.parse(guard.updatedAt) + guard.settings.halfOpenAfterMs;
    return Math.max(0, trialAt - Date.now());
  }

  /** Every process's breakers as published to Redis. */
  async publishedSnapshots(): Promise<BreakerSnapshot[]> {
    if (!this.options.redis) return this.snapshots();
    const entries = await this.options.redis.hvals(this.hashKey);
    return entries.map((entry) => JSON.parse(entry) as BreakerSnapshot);
  }

  /** Closes the named breaker here and, through Redis, in every other process. */
  async reset(name: string): Promise<void> {
    if (this.guards.has(name)) this.resetLocal(name);
    await this.options.redis?.publish(this.resetChannel, name);
  }

  isOpenError(error: unknown): boolean {
    return error instanceof BrokenCircuitError;
  }

  isTimeoutError(error: unknown): boolean {
    return error instanceof TaskCancelledError;
  }

  /**
   * Removes this process's breaker states and stops listening for resets, each bounded: with Redis
   * down a subscriber connection (offline queue on) would wait for it forever and hold the
   * shutdown up.
   */
  async close(): Promise<void> {
    if (this.options.redis && this.guards.size > 0) {
      await bounded(
        this.options.redis.hdel(this.hashKey, ...[...this.guards.keys()].map((name) => this.field(name))),
      );
    }
    if (this.options.subscriber) await bounded(this.options.subscriber.unsubscribe(this.resetChannel));
  }

  private guard(name: string): Guard {
    let guard = this.guards.get(name);
    if (!guard) {
      const family = name.split(':')[0] as PolicyFamily;
      guard = this.build(name, { ...settingsFor(name), ...this.options.overrides?.[family] });
      this.guards.set(name, guard);
      this.publish(name);
    }
    return guard;
  }

  private build(name: string, settings: PolicySettings): Guard {
    const breaker = createBreaker(settings);
    const guard: Guard = {
      settings,
      breaker,
      ...createAttemptPolicies(settings),
      lastFailure: null,
      updatedAt: new Date().toISOString(),
    };
    breaker.onFailure((event) => {
      if ('error' in event.reason) {
        const error = event.reason.error;
        guard.lastFailure = error instanceof Error ? error.message : String(error);
      }
    });
    breaker.onStateChange((state) => {
      if (this.guards.get(name) !== guard) return;
      guard.updatedAt = new Date().toISOString();
      const level = state === CircuitState.Open ? 'warn' : 'info';
      this.options.logger[level](
        { breaker: name, state: stateNames[state], lastFailure: guard.lastFailure },
        'circuit breaker state changed',
      );
      this.publish(name);
    });
    return guard;
  }

  private resetLocal(name: string): void {
    const previous = this.guards.get(name);
    if (!previous) return;
    this.guards.set(name, this.build(name, previous.settings));
    this.options.logger.info({ breaker: name }, 'circuit breaker reset');
    this.publish(name);
  }

  private snapshot(name: string): BreakerSnapshot {
    const guard = this.guards.get(name)!;
    return {
      name,
      state: stateNames[guard.breaker.state],
      instance: this.instance,
      service: this.options.service,
      lastFailure: guard.lastFailure,
      updatedAt: guard.updatedAt,
    };
  }

  private field(name: string): string {
    return `${name}|${this.options.service}|${this.instance}`;
  }

  private publish(name: string): void {
    this.options.redis
      ?.hset(this.hashKey, this.field(name), JSON.stringify(this.snapshot(name)))
      .catch(() => {});
  }
}

/** How long `close()` waits for each Redis call before giving up on it. */
const CLOSE_REDIS_TIMEOUT_MS = 1000;

async function bounded(call: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    call.catch(() => {}),
    new Promise((resolve) => {
      timer = setTimeout(resolve, CLOSE_REDIS_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}
