import { EventEmitter } from 'node:events';
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
  type IBackoff,
  type IBreaker,
  type IHalfOpenAfterBackoffContext,
  type IPolicy,
  noop,
  retry,
} from 'cockatiel';

/** A failure that repeating will not fix (a 4xx, an oversized page): counted by the breaker, never retried. */
export class PermanentFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentFailure';
  }
}

/** The caller gave up (its own signal aborted, e.g. a shutdown): says nothing about the dependency. */
export class CallerAborted extends Error {
  constructor(reason: unknown) {
    super(`caller aborted: ${reason instanceof Error ? reason.message : String(reason)}`);
    this.name = 'CallerAborted';
  }
}

/** An attempt outlived its policy's timeout: its signal was aborted, and it failed after that. */
export class AttemptTimedOut extends Error {
  constructor(timeoutMs: number, cause: unknown) {
    super(`no answer in ${timeoutMs} ms`, { cause });
    this.name = 'AttemptTimedOut';
  }
}

const dependencyFailure = handleWhen((error) => !(error instanceof CallerAborted));
const retryableFailure = handleWhen(
  // an open breaker fails fast: waiting out a backoff to be refused again helps nobody
  (error) =>
    !(
      error instanceof CallerAborted ||
      error instanceof PermanentFailure ||
      error instanceof BrokenCircuitError
    ),
);

/** How calls to one dependency are guarded: a timeout, optional retries, and a breaker. */
export interface PolicySettings {
  /** each attempt is abandoned after this long */
  timeoutMs: number;
  /** extra attempts after the first; only for calls that are safe to repeat */
  retries: number;
  /** consecutive failures that open the breaker */
  breakAfterFailures: number;
  /** how long the breaker stays open before it lets trial calls through */
  halfOpenAfterMs: number;
  /** trial calls a half-open breaker lets through, all of which must succeed to close it */
  halfOpenSuccesses: number;
}

/** The named policies of PBShop; breakers called `crawler:<host>` take the `crawler` settings. */
export const policySettings = {
  search: {
    timeoutMs: 3000,
    retries: 1,
    breakAfterFailures: 5,
    halfOpenAfterMs: 10_000,
    halfOpenSuccesses: 1,
  },
  payment: {
    timeoutMs: 10_000,
    retries: 0,
    breakAfterFailures: 5,
    halfOpenAfterMs: 30_000,
    halfOpenSuccesses: 1,
  },
  crawler: {
    timeoutMs: 10_000,
    retries: 1,
    breakAfterFailures: 5,
    halfOpenAfterMs: 60_000,
    halfOpenSuccesses: 1,
  },
  // the exchange-rate provider: a read, safe to repeat; the last good rates serve while it is open
  'exchange-rates': {
    timeoutMs: 5000,
    retries: 1,
    breakAfterFailures: 3,
    halfOpenAfterMs: 60_000,
    halfOpenSuccesses: 1,
  },
  // social login providers (`social:<provider>`): a code is single-use, so never retried
  social: {
    timeoutMs: 5000,
    retries: 0,
    breakAfterFailures: 5,
    halfOpenAfterMs: 30_000,
    halfOpenSuccesses: 1,
  },
} as const satisfies Record<string, PolicySettings>;

export type PolicyFamily = keyof typeof policySettings;

export function settingsFor(name: string): PolicySettings {
  const family = name.split(':')[0] as PolicyFamily;
  const settings = policySettings[family];
  if (!settings)
    throw new Error(
      `no resilience policy named "${family}" (known: ${Object.keys(policySettings).join(', ')})`,
    );
  return settings;
}

/**
 * What a breaker reads its thresholds from when it needs them: the policy's current options, which
 * auto-tuning may change while the breaker lives (see tuning.ts).
 */
export interface BreakerTuning {
  /** consecutive failures that open the breaker */
  failureThreshold(): number;
  /** how long the breaker stays open once it opens (read at each opening) */
  openTimeoutMs(): number;
  /** told the open time chosen at each opening */
  opened?(forMs: number): void;
}

/**
 * cockatiel's ConsecutiveBreaker with a threshold read at each failure, so a tuned threshold
 * applies to a breaker already in use. `state` is the current run of consecutive failures.
 */
class TunableConsecutiveBreaker implements IBreaker {
  state = 0;
  private readonly threshold: () => number;

  constructor(threshold: () => number) {
    this.threshold = threshold;
  }

  success(): void {
    this.state = 0;
  }

  /** (a failed trial call re-opens a half-open breaker whatever this answers) */
  failure(): boolean {
    this.state += 1;
    return this.state >= this.threshold();
  }
}

export function createBreaker(
  settings: PolicySettings,
  tuning: BreakerTuning = {
    failureThreshold: () => settings.breakAfterFailures,
    openTimeoutMs: () => settings.halfOpenAfterMs,
  },
): { policy: CircuitBreakerPolicy; consecutiveFailures(): number } {
  const breaker = new TunableConsecutiveBreaker(tuning.failureThreshold);
  // the open time is chosen when the breaker opens (and again at each failed trial)
  const openTime = {
    next(_context: IHalfOpenAfterBackoffContext): IBackoff<IHalfOpenAfterBackoffContext> {
      const duration = tuning.openTimeoutMs();
      tuning.opened?.(duration);
      return { duration, next: openTime.next };
    },
  };
  const policy = circuitBreaker(dependencyFailure, {
    halfOpenAfter: openTime,
    breaker,
    halfOpenSampling: { calls: settings.halfOpenSuccesses, threshold: 0 },
  });
  return { policy, consecutiveFailures: () => breaker.state };
}

/** Retries (outermost, with exponential backoff) of calls that are safe to repeat. */
export function createRetryPolicy(settings: PolicySettings): IPolicy {
  return settings.retries > 0
    ? retry(retryableFailure, {
        maxAttempts: settings.retries,
        backoff: new ExponentialBackoff({ initialDelay: 200, maxDelay: 2000 }),
      })
    : noop;
}

/** The attempts under way for one caller signal, linked through the attempts themselves. */
interface Followers {
  first: AttemptAbort | undefined;
}

/**
 * The attempts under way per caller signal: one abort listener per signal (a run's, a request's)
 * aborts them all, instead of a listener added and removed per attempt.
 */
const followersOf = new WeakMap<AbortSignal, Followers>();

/**
 * An attempt's abort: its AbortSignal (`signal`), and the same abort as an EventEmitter (`aborted`,
 * `reason`, one 'abort' event), which undici takes as a request's `signal` as it takes an
 * AbortSignal. undici adds a listener to the signal it is given and removes it again for each
 * request: on an AbortSignal that cost 2–4 µs of CPU a request (an isolated fetch loop in the
 * breaker, best of ten rounds: 59 µs with the AbortSignal, 57 with the emitter, 55 with none); on an
 * emitter it is a property write.
 */
export class AttemptAbort extends EventEmitter {
  readonly #controller = new AbortController();
  // its place among the attempts following the same caller signal: a linked list, so joining and
  // leaving allocate nothing (a Set of them, with 16 attempts coming and going at once, cost ~1 µs
  // of CPU an attempt in rehashing)
  #followers: Followers | undefined;
  #previous: AttemptAbort | undefined;
  #next: AttemptAbort | undefined;

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#controller.signal.aborted;
  }

  get reason(): unknown {
    return this.#controller.signal.reason;
  }

  /** Aborts the signal and says 'abort' (once: a later abort changes nothing). */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.#controller.abort(reason);
    this.emit('abort');
  }

  /** Aborts when `callerSignal` aborts, until `unfollow`. */
  follow(callerSignal: AbortSignal): void {
    let followers = followersOf.get(callerSignal);
    if (!followers) {
      const created: Followers = { first: undefined };
      followers = created;
      followersOf.set(callerSignal, created);
      callerSignal.addEventListener(
        'abort',
        () => {
          for (let attempt = created.first; attempt; ) {
            const next = attempt.#next;
            attempt.abort(callerSignal.reason);
            attempt = next;
          }
        },
        { once: true },
      );
    }
    this.#followers = followers;
    this.#next = followers.first;
    if (followers.first) followers.first.#previous = this;
    followers.first = this;
  }

  /** Stops following its caller signal (nothing when it follows none). */
  unfollow(): void {
    const followers = this.#followers;
    if (!followers) return;
    if (this.#previous) this.#previous.#next = this.#next;
    else followers.first = this.#next;
    if (this.#next) this.#next.#previous = this.#previous;
    this.#followers = undefined;
    this.#previous = undefined;
    this.#next = undefined;
  }
}

/**
 * Runs one attempt with a cooperative timeout: `fn` gets a signal that aborts when `timeoutMs`
 * passes or when the caller's signal aborts, and the same abort as an `AttemptAbort` (for undici).
 * Nothing is aborted and no error is built unless the timer fires (cockatiel's timeout aborted its
 * controller after every call, building a stack-traced error each time). A failure after the timer
 * fired is an `AttemptTimedOut` (unless it is a PermanentFailure); after the caller's abort, a
 * `CallerAborted`.
 */
export async function attemptWithTimeout<T>(
  timeoutMs: number,
  fn: (signal: AbortSignal, abort: AttemptAbort) => Promise<T>,
  callerSignal?: AbortSignal,
): Promise<T> {
  if (callerSignal?.aborted) throw new CallerAborted(callerSignal.reason);
  const attempt = new AttemptAbort();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    attempt.abort(new AttemptTimedOut(timeoutMs, undefined));
  }, timeoutMs);
  if (callerSignal) attempt.follow(callerSignal);
  try {
    return await fn(attempt.signal, attempt);
  } catch (error) {
    // the caller's own abort must neither open the breaker nor be retried
    if (callerSignal?.aborted) throw new CallerAborted(callerSignal.reason);
    // (a failure the attempt classified itself stays as it is)
    if (timedOut && !(error instanceof AttemptTimedOut || error instanceof PermanentFailure)) {
      throw new AttemptTimedOut(timeoutMs, error);
    }
    throw error;
  } finally {
    clearTimeout(timer);
    attempt.unfollow();
  }
}
