import { hostname } from 'node:os';
import type { Logger } from '@pbshop/config';
import { BrokenCircuitError, type CircuitBreakerPolicy, CircuitState, type IPolicy } from 'cockatiel';
import type { Redis } from 'ioredis';
import {
  type AttemptAbort,
  AttemptTimedOut,
  attemptWithTimeout,
  createBreaker,
  createRetryPolicy,
  type PolicyFamily,
  type PolicySettings,
  settingsFor,
} from './policies.ts';
import {
  type AutoTuneSettings,
  type BreakerOptions,
  breakerKeys,
  defaultAutoTune,
  nextResetGeneration,
  type PolicyRecord,
  readPolicies,
  readPolicy,
  syncPolicy,
} from './tuning.ts';

/** A breaker's state as logged (lowercase). */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';
/** A breaker's state as the contract spells it. */
export type BreakerStatus = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

/** One process's breaker, as it publishes it. */
export interface BreakerSnapshot {
  name: string;
  status: BreakerStatus;
  /** the same state, lowercase as in the logs */
  state: BreakerState;
  /** consecutive failures counted towards `options.failureThreshold` (those that opened it, while open) */
  failureCount: number;
  /** successful calls since the breaker last changed state (while half-open: the trial calls) */
  successCount: number;
  /** while OPEN: when it lets a trial call through; otherwise null */
  nextAttemptAt: string | null;
  /** the last failure's message */
  lastFailure: string | null;
  lastFailureAt: string | null;
  options: BreakerOptions;
  /** the process that holds the breaker: its service name, host and pid (`instance` is `host:pid`) */
  service: string;
  instance: string;
  host: string;
  pid: number;
  /** the last reset this breaker took (see `reset`) */
  resetGeneration: number;
  /** when the state last changed (or the breaker was made) */
  updatedAt: string;
}

/** What one process publishes: all its breakers, under a key that expires unless it is renewed. */
export interface HeldBreakers {
  service: string;
  instance: string;
  host: string;
  pid: number;
  publishedAt: string;
  breakers: BreakerSnapshot[];
}

const stateNames: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

const statuses: Record<CircuitState, BreakerStatus> = {
  [CircuitState.Closed]: 'CLOSED',
  [CircuitState.Open]: 'OPEN',
  [CircuitState.HalfOpen]: 'HALF_OPEN',
  // held open by hand (never done here): it refuses calls like an open one
  [CircuitState.Isolated]: 'OPEN',
};

/** One cockatiel breaker of a name, with what the snapshot shows; a reset replaces it. */
interface Guard {
  settings: PolicySettings;
  breaker: CircuitBreakerPolicy;
  consecutiveFailures(): number;
  retry: IPolicy;
  successCount: number;
  lastFailure: string | null;
  lastFailureAt: string | null;
  updatedAt: string;
  /** epoch ms of the last opening, and how long that opening lasts */
  openedAt: number | null;
  openForMs: number;
}

/** What a name keeps across resets: its policy's options, unsent call counts, its last reset. */
interface Tracked {
  options: BreakerOptions;
  unsent: { success: number; failure: number };
  /**
   * null until the policy was read: the first read adopts the generation, and resets the breaker
   * only when that reset was ordered after this process created it (it missed the announcement)
   */
  resetGeneration: number | null;
  /** epoch ms this process created the breaker */
  createdAt: number;
}

export interface ResilienceRegistryOptions {
  service: string;
  logger: Logger;
  /** where snapshots and policies are kept and resets announced; without it the registry is process-local */
  redis?: Redis;
  /**
   * a connection for the reset subscription (a subscribed connection can run nothing else);
   * without one, a duplicate of `redis` is opened once the first breaker is used
   */
  subscriber?: Redis;
  keyPrefix?: string;
  /** per-family adjustments of the default settings, e.g. the crawler timeout from the env */
  overrides?: Partial<Record<PolicyFamily, Partial<PolicySettings>>>;
  /** RESILIENCE_AUTO_TUNE_* (`autoTuneFrom(env)`); on with the contract's defaults when absent */
  autoTune?: AutoTuneSettings;
  /** how often counts are sent, policies read back and this process's breakers published (ms) */
  syncIntervalMs?: number;
}

/** the published breakers of a process vanish this many sync intervals after its last publication */
const HELD_TTL_INTERVALS = 5;
const DEFAULT_SYNC_INTERVAL_MS = 2000;

function startingOptions(settings: PolicySettings): BreakerOptions {
  return {
    failureThreshold: settings.breakAfterFailures,
    openTimeoutMs: settings.halfOpenAfterMs,
    halfOpenSuccessThreshold: settings.halfOpenSuccesses,
  };
}

/**
 * Every circuit breaker of a process, by stable name (`search`, `payment`, `crawler:<host>`,
 * `social:<provider>`). Through Redis (docs/runbook.md §4.4):
 * - the process publishes all its breakers as one document with a TTL, renewed every sync
 *   interval and at every state change, so every process's breakers can be listed and a dead
 *   process's vanish;
 * - each name's policy (failureThreshold, openTimeoutMs) is shared and auto-tuned from the calls
 *   of every process (tuning.ts);
 * - a reset raises the name's reset generation and is announced on a channel; every process holding
 *   the breaker replaces it with a closed one, and one that missed the message does so at its next
 *   sync, when it sees the higher generation.
 */
export class ResilienceRegistry {
  private readonly guards = new Map<string, Guard>();
  private readonly tracked = new Map<string, Tracked>();
  private readonly host = hostname();
  private readonly instance = `${this.host}:${process.pid}`;
  private readonly prefix: string;
  private readonly keys: ReturnType<typeof breakerKeys>;
  private readonly options: ResilienceRegistryOptions;
  private readonly autoTune: AutoTuneSettings;
  private readonly syncIntervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private subscriber: Redis | undefined;
  private ownSubscriber = false;
  private syncing: Promise<void> | undefined;
  private syncAgain = false;
  private syncQueued = false;
  private closed = false;

  constructor(options: ResilienceRegistryOptions) {
    this.options = options;
    this.prefix = options.keyPrefix ?? 'pbshop';
    this.keys = breakerKeys(this.prefix);
    this.autoTune = options.autoTune ?? defaultAutoTune;
    this.syncIntervalMs = options.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
  }

  /** Runs `fn` under the named policy: retries around a breaker around a per-attempt timeout. */
  async execute<T>(
    name: string,
    fn: (signal: AbortSignal, abort: AttemptAbort) => Promise<T>,
    callerSignal?: AbortSignal,
  ): Promise<T> {
    const guard = this.guard(name);
    return guard.retry.execute(() =>
      // the breaker is read per attempt so a reset between attempts takes effect
      this.guard(name).breaker.execute(() => attemptWithTimeout(guard.settings.timeoutMs, fn, callerSignal)),
    );
  }

  /** The local breakers of this process. */
  snapshots(): BreakerSnapshot[] {
    return [...this.guards.keys()].map((name) => this.snapshot(name));
  }

  /**
   * How long the named breaker keeps refusing calls before it lets a trial call through, with its
   * current open time (overrides and auto-tuning included): 0 when it is closed, half-open, due for
   * its trial, or never used.
   */
  pausedForMs(name: string): number {
    const guard = this.guards.get(name);
    if (!guard || guard.breaker.state !== CircuitState.Open || guard.openedAt === null) return 0;
    return Math.max(0, guard.openedAt + guard.openForMs - Date.now());
  }

  /** Every live process's published breakers (this one's as they are, without Redis). */
  async heldBreakers(): Promise<HeldBreakers[]> {
    const redis = this.options.redis;
    if (!redis) return [this.held()];
    const members = await redis.smembers(this.keys.holders);
    if (members.length === 0) return [];
    const documents = await redis.mget(members);
    const gone = members.filter((_member, index) => documents[index] === null);
    // a process that stopped publishing: its document expired
    if (gone.length > 0) await redis.srem(this.keys.holders, ...gone).catch(() => 0);
    return documents
      .filter((document): document is string => document !== null)
      .map((document) => JSON.parse(document) as HeldBreakers)
      .sort((a, b) => a.service.localeCompare(b.service) || a.instance.localeCompare(b.instance));
  }

  /** Every live process's breakers, one snapshot per process and name. */
  async publishedSnapshots(): Promise<BreakerSnapshot[]> {
    return (await this.heldBreakers()).flatMap((held) => held.breakers);
  }

  /** Every policy: options and the statistics auto-tuning reads (this process's, without Redis). */
  async policies(): Promise<PolicyRecord[]> {
    const redis = this.options.redis;
    if (redis) return readPolicies(redis, this.prefix);
    return [...this.tracked.entries()].map(([name, tracked]) => ({
      name,
      options: { ...tracked.options },
      stats: { ...tracked.unsent, lastTunedAt: 0 },
      resetGeneration: tracked.resetGeneration ?? 0,
      resetAt: 0,
    }));
  }

  async policy(name: string): Promise<PolicyRecord | null> {
    const redis = this.options.redis;
    if (redis) return readPolicy(redis, this.prefix, name);
    return (await this.policies()).find((policy) => policy.name === name) ?? null;
  }

  /**
   * Closes the named breaker here and orders every other process holding it to close it too;
   * answers the reset's generation, which each process's snapshot shows once it has reset.
   */
  async reset(name: string): Promise<number> {
    const redis = this.options.redis;
    if (!redis) {
      const generation = (this.tracked.get(name)?.resetGeneration ?? 0) + 1;
      this.resetLocal(name, generation);
      return generation;
    }
    const generation = await nextResetGeneration(redis, this.prefix, name);
    this.resetLocal(name, generation);
    await redis.publish(this.keys.resetChannel, JSON.stringify({ name, generation }));
    return generation;
  }

  isOpenError(error: unknown): boolean {
    return error instanceof BrokenCircuitError;
  }

  isTimeoutError(error: unknown): boolean {
    return error instanceof AttemptTimedOut;
  }

  /**
   * Sends this process's call counts, reads each policy back (tuned options, missed resets) and
   * publishes this process's breakers. Runs every sync interval once a breaker is used, and soon
   * after each state change; never throws (Redis down: the counts wait for the next one).
   */
  async sync(): Promise<void> {
    if (!this.options.redis || this.closed) return;
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      try {
        do {
          this.syncAgain = false;
          await this.syncOnce();
        } while (this.syncAgain && !this.closed);
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  /**
   * Stops syncing, removes this process's published breakers and stops listening for resets, each
   * bounded: with Redis down a subscriber connection (offline queue on) would wait for it forever
   * and hold the shutdown up.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    const redis = this.options.redis;
    const syncing = this.syncing;
    const unpublish = async () => {
      if (!redis || this.guards.size === 0) return;
      // after a sync under way, which would publish the breakers again
      await syncing;
      const key = this.keys.held(this.options.service, this.instance);
      await redis.multi().del(key).srem(this.keys.holders, key).exec();
    };
    const subscriber = this.subscriber;
    subscriber?.off('message', this.onMessage);
    if (subscriber && this.ownSubscriber) subscriber.disconnect();
    await Promise.all([
      bounded(unpublish()),
      subscriber && !this.ownSubscriber ? bounded(subscriber.unsubscribe(this.keys.resetChannel)) : undefined,
    ]);
  }

  private guard(name: string): Guard {
    let guard = this.guards.get(name);
    if (!guard) {
      const family = name.split(':')[0] as PolicyFamily;
      const settings = { ...settingsFor(name), ...this.options.overrides?.[family] };
      if (!this.tracked.has(name)) {
        this.tracked.set(name, {
          options: startingOptions(settings),
          unsent: { success: 0, failure: 0 },
          resetGeneration: null,
          createdAt: Date.now(),
        });
      }
      guard = this.build(name, settings);
      this.guards.set(name, guard);
      this.start();
      this.syncSoon();
    }
    return guard;
  }

  private build(name: string, settings: PolicySettings): Guard {
    const tracked = this.tracked.get(name)!;
    const now = new Date().toISOString();
    const guard: Guard = {
      settings,
      retry: createRetryPolicy(settings),
      // replaced just below: the breaker's callbacks need the guard
      breaker: undefined as unknown as CircuitBreakerPolicy,
      consecutiveFailures: () => 0,
      successCount: 0,
      lastFailure: null,
      lastFailureAt: null,
      updatedAt: now,
      openedAt: null,
      openForMs: 0,
    };
    const { policy, consecutiveFailures } = createBreaker(settings, {
      failureThreshold: () => tracked.options.failureThreshold,
      openTimeoutMs: () => tracked.options.openTimeoutMs,
      opened: (forMs) => {
        guard.openedAt = Date.now();
        guard.openForMs = forMs;
      },
    });
    guard.breaker = policy;
    guard.consecutiveFailures = consecutiveFailures;
    const current = () => this.guards.get(name) === guard;
    policy.onSuccess(() => {
      tracked.unsent.success += 1;
      if (current()) guard.successCount += 1;
    });
    policy.onFailure((event) => {
      // an error the breaker does not count (the caller's own abort) says nothing about the dependency
      if (!event.handled) return;
      tracked.unsent.failure += 1;
      if ('error' in event.reason) {
        const error = event.reason.error;
        guard.lastFailure = error instanceof Error ? error.message : String(error);
      } else {
        guard.lastFailure = 'a result counted as a failure';
      }
      guard.lastFailureAt = new Date().toISOString();
    });
    policy.onStateChange((state) => {
      if (!current()) return;
      guard.updatedAt = new Date().toISOString();
      guard.successCount = 0;
      const level = state === CircuitState.Open ? 'warn' : 'info';
      this.options.logger[level](
        {
          breaker: name,
          state: stateNames[state],
          lastFailure: guard.lastFailure,
          ...(state === CircuitState.Open ? { openForMs: guard.openForMs } : {}),
        },
        'circuit breaker state changed',
      );
      this.syncSoon();
    });
    return guard;
  }

  /** Replaces the named breaker with a closed one (when this process holds it). */
  private resetLocal(name: string, generation: number): void {
    const previous = this.guards.get(name);
    const tracked = this.tracked.get(name);
    if (!previous || !tracked) return;
    tracked.resetGeneration = generation;
    this.guards.set(name, this.build(name, previous.settings));
    this.options.logger.info(
      { breaker: name, previousState: stateNames[previous.breaker.state], generation },
      'circuit breaker reset',
    );
    this.syncSoon();
  }

  private readonly onMessage = (channel: string, message: string): void => {
    if (channel !== this.keys.resetChannel) return;
    let order: { name?: unknown; generation?: unknown };
    try {
      order = JSON.parse(message);
    } catch {
      return;
    }
    if (typeof order.name !== 'string' || typeof order.generation !== 'number') return;
    const tracked = this.tracked.get(order.name);
    if (tracked && (tracked.resetGeneration ?? -1) < order.generation) {
      this.resetLocal(order.name, order.generation);
    }
  };

  /** Once a breaker is used: the reset subscription and the periodic sync. */
  private start(): void {
    const redis = this.options.redis;
    if (!redis || this.timer || this.closed) return;
    this.timer = setInterval(() => void this.sync(), this.syncIntervalMs);
    this.timer.unref();
    let subscriber = this.options.subscriber;
    if (!subscriber) {
      subscriber = redis.duplicate();
      // reported by health checks; without a listener ioredis would print them raw
      subscriber.on('error', () => {});
      this.ownSubscriber = true;
    }
    this.subscriber = subscriber;
    subscriber.on('message', this.onMessage);
    subscriber
      .subscribe(this.keys.resetChannel)
      .catch((error) => this.options.logger.warn({ err: error }, 'breaker reset channel unavailable'));
  }

  private syncSoon(): void {
    if (!this.options.redis || this.syncQueued || this.closed) return;
    this.syncQueued = true;
    setImmediate(() => {
      this.syncQueued = false;
      void this.sync();
    });
  }

  private async syncOnce(): Promise<void> {
    const redis = this.options.redis!;
    await Promise.all(
      [...this.tracked.entries()].map(async ([name, tracked]) => {
        const counts = tracked.unsent;
        tracked.unsent = { success: 0, failure: 0 };
        const settings = this.guards.get(name)?.settings;
        if (!settings) return;
        try {
          const policy = await syncPolicy(
            redis,
            this.prefix,
            name,
            counts,
            startingOptions(settings),
            this.autoTune,
          );
          this.apply(name, tracked, policy);
        } catch {
          // Redis unreachable: the counts wait for the next sync
          tracked.unsent.success += counts.success;
          tracked.unsent.failure += counts.failure;
        }
      }),
    );
    const key = this.keys.held(this.options.service, this.instance);
    const ttl = this.syncIntervalMs * HELD_TTL_INTERVALS;
    await redis
      .multi()
      .set(key, JSON.stringify(this.held()), 'PX', ttl)
      .sadd(this.keys.holders, key)
      .exec()
      .catch(() => null);
  }

  private apply(name: string, tracked: Tracked, policy: PolicyRecord): void {
    const before = tracked.options;
    const after = policy.options;
    if (before.failureThreshold !== after.failureThreshold || before.openTimeoutMs !== after.openTimeoutMs) {
      this.options.logger.info({ breaker: name, from: before, to: after }, 'circuit breaker policy changed');
    }
    tracked.options = after;
    // a reset ordered while this process did not hear the channel (before its subscription was
    // made, or while Redis was away), after it created the breaker
    const missed =
      tracked.resetGeneration === null
        ? policy.resetGeneration > 0 && policy.resetAt >= tracked.createdAt
        : policy.resetGeneration > tracked.resetGeneration;
    if (missed) this.resetLocal(name, policy.resetGeneration);
    else tracked.resetGeneration ??= policy.resetGeneration;
  }

  private held(): HeldBreakers {
    return {
      service: this.options.service,
      instance: this.instance,
      host: this.host,
      pid: process.pid,
      publishedAt: new Date().toISOString(),
      breakers: this.snapshots(),
    };
  }

  private snapshot(name: string): BreakerSnapshot {
    const guard = this.guards.get(name)!;
    const tracked = this.tracked.get(name)!;
    const state = guard.breaker.state;
    const open = state === CircuitState.Open && guard.openedAt !== null;
    return {
      name,
      status: statuses[state],
      state: stateNames[state],
      failureCount: guard.consecutiveFailures(),
      successCount: guard.successCount,
      nextAttemptAt: open ? new Date(guard.openedAt! + guard.openForMs).toISOString() : null,
      lastFailure: guard.lastFailure,
      lastFailureAt: guard.lastFailureAt,
      options: { ...tracked.options },
      service: this.options.service,
      instance: this.instance,
      host: this.host,
      pid: process.pid,
      resetGeneration: tracked.resetGeneration ?? 0,
      updatedAt: guard.updatedAt,
    };
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
