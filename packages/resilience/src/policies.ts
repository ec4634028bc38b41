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
  TimeoutStrategy,
  timeout,
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

/** Retry (outermost, with exponential backoff) around a per-attempt cooperative timeout. */
export function createAttemptPolicies(settings: PolicySettings): { retry: IPolicy; timeout: IPolicy } {
  return {
    retry:
      settings.retries > 0
        ? retry(retryableFailure, {
            maxAttempts: settings.retries,
            backoff: new ExponentialBackoff({ initialDelay: 200, maxDelay: 2000 }),
          })
        : noop,
    timeout: timeout(settings.timeoutMs, TimeoutStrategy.Cooperative),
  };
}
