import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  ConsecutiveBreaker,
  circuitBreaker,
  ExponentialBackoff,
  handleWhen,
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
  /** how long the breaker stays open before it lets one trial call through */
  halfOpenAfterMs: number;
}

/** The named policies of PBShop; breakers called `crawler:<host>` take the `crawler` settings. */
export const policySettings = {
  search: { timeoutMs: 3000, retries: 1, breakAfterFailures: 5, halfOpenAfterMs: 10_000 },
  payment: { timeoutMs: 10_000, retries: 0, breakAfterFailures: 5, halfOpenAfterMs: 30_000 },
  crawler: { timeoutMs: 10_000, retries: 1, breakAfterFailures: 5, halfOpenAfterMs: 60_000 },
  // social login providers (`social:<provider>`): a code is single-use, so never retried
  social: { timeoutMs: 5000, retries: 0, breakAfterFailures: 5, halfOpenAfterMs: 30_000 },
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

export function createBreaker(settings: PolicySettings): CircuitBreakerPolicy {
  return circuitBreaker(dependencyFailure, {
    halfOpenAfter: settings.halfOpenAfterMs,
    breaker: new ConsecutiveBreaker(settings.breakAfterFailures),
  });
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
