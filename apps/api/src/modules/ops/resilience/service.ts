import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@pbshop/config';
import { AppError } from '@pbshop/errors';
import type { BreakerSnapshot, PolicyRecord, ResilienceRegistry } from '@pbshop/resilience';
import type { BreakerHolderView, CircuitBreakerView, PolicyItem, ResetResult } from './schemas.ts';

/** An administrative action as the admin audit trail records it. */
export interface AuditedReset {
  actorId: number;
  action: string;
  target: string;
  requestId: string;
  request?: Record<string, unknown>;
}

/** Records the action, runs `work`, records how it ended (the audit trail's `run`). */
export type AuditRun = <T>(
  action: AuditedReset,
  work: () => Promise<T>,
  summarize?: (result: T) => Record<string, unknown>,
) => Promise<T>;

export interface ResilienceAdminDeps {
  /** the API's own registry: it reads what every process publishes and orders resets */
  resilience: Pick<ResilienceRegistry, 'publishedSnapshots' | 'policies' | 'policy' | 'reset'>;
  logger: Logger;
  /** how long a reset waits for the holders to confirm it */
  resetWaitMs?: number;
}

const RESET_WAIT_MS = 3000;
const RESET_POLL_MS = 50;

const severity = { CLOSED: 0, HALF_OPEN: 1, OPEN: 2 } as const;

const holderId = (holder: Pick<BreakerSnapshot, 'service' | 'instance'>) =>
  `${holder.service}@${holder.instance}`;

function holderView(snapshot: BreakerSnapshot): BreakerHolderView {
  return {
    service: snapshot.service,
    instance: snapshot.instance,
    host: snapshot.host,
    pid: snapshot.pid,
    status: snapshot.status,
    failureCount: snapshot.failureCount,
    successCount: snapshot.successCount,
    nextAttemptAt: snapshot.nextAttemptAt,
    lastFailureReason: snapshot.lastFailure,
    lastFailureAt: snapshot.lastFailureAt,
    options: snapshot.options,
    resetGeneration: snapshot.resetGeneration,
    updatedAt: snapshot.updatedAt,
  };
}

const latest = (values: (string | null)[]): string | null =>
  values.reduce<string | null>(
    (found, value) => (value !== null && (found === null || value > found) ? value : found),
    null,
  );

/**
 * One name's breakers across the processes holding it: the worst state, summed counts, the latest
 * trial time of the open ones, the most recent failure, and the policy's options.
 */
function breakerView(
  name: string,
  holders: BreakerSnapshot[],
  policy: Pick<PolicyRecord, 'options'> | null,
): CircuitBreakerView {
  const status = holders.reduce<CircuitBreakerView['status']>(
    (worst, holder) => (severity[holder.status] > severity[worst] ? holder.status : worst),
    'CLOSED',
  );
  const lastFailureAt = latest(holders.map((holder) => holder.lastFailureAt));
  return {
    name,
    status,
    failureCount: holders.reduce((sum, holder) => sum + holder.failureCount, 0),
    successCount: holders.reduce((sum, holder) => sum + holder.successCount, 0),
    nextAttemptAt: latest(
      holders.filter((holder) => holder.status === 'OPEN').map((holder) => holder.nextAttemptAt),
    ),
    lastFailureReason: holders.find((holder) => holder.lastFailureAt === lastFailureAt)?.lastFailure ?? null,
    // a policy is written at a breaker's first sync: a holder's own options until then
    options: policy?.options ?? holders[0]!.options,
    holders: holders.map(holderView),
  };
}

function byName(snapshots: BreakerSnapshot[]): Map<string, BreakerSnapshot[]> {
  const grouped = new Map<string, BreakerSnapshot[]>();
  for (const snapshot of snapshots)
    grouped.set(snapshot.name, [...(grouped.get(snapshot.name) ?? []), snapshot]);
  return grouped;
}

/**
 * The circuit breakers of every process, as operators see them (ops contract §2.B.5, runbook §4.4):
 * listed by name across their holders, one by name, reset everywhere, and the auto-tuned policies.
 * All of it is read from Redis, where each process publishes its breakers; while Redis is
 * unreachable these answer 503.
 */
export function resilienceAdminService({
  resilience,
  logger,
  resetWaitMs = RESET_WAIT_MS,
}: ResilienceAdminDeps) {
  async function fromRedis<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof AppError) throw error;
      logger.warn({ err: error }, 'circuit breaker state unavailable');
      throw new AppError('SERVICE_UNAVAILABLE', { details: { dependency: 'redis' } });
    }
  }

  async function holdersOf(name: string): Promise<BreakerSnapshot[]> {
    return (await resilience.publishedSnapshots()).filter((snapshot) => snapshot.name === name);
  }

  async function find(name: string): Promise<CircuitBreakerView> {
    const [holders, policy] = await Promise.all([holdersOf(name), resilience.policy(name)]);
    if (holders.length === 0) throw new AppError('CIRCUIT_BREAKER_NOT_FOUND', { details: { name } });
    return breakerView(name, holders, policy);
  }

  return {
    /** Every breaker name some live process holds, by name. */
    list(): Promise<CircuitBreakerView[]> {
      return fromRedis(async () => {
        const [snapshots, policies] = await Promise.all([
          resilience.publishedSnapshots(),
          resilience.policies(),
        ]);
        const policyOf = new Map(policies.map((policy) => [policy.name, policy]));
        return [...byName(snapshots).entries()]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([name, holders]) => breakerView(name, holders, policyOf.get(name) ?? null));
      });
    },

    /** One breaker name across its holders; 404 CIRCUIT_BREAKER_NOT_FOUND when no live process holds it. */
    get(name: string): Promise<CircuitBreakerView> {
      return fromRedis(() => find(name));
    },

    /**
     * Closes the named breaker in every process holding it, then waits (up to `resetWaitMs`) until
     * each of them has published the reset, and answers the breaker as it then is, with the holders
     * that did not confirm in time (they take the reset at their next sync, from the policy).
     */
    reset(name: string): Promise<ResetResult> {
      return fromRedis(async () => {
        const before = await holdersOf(name);
        if (before.length === 0) throw new AppError('CIRCUIT_BREAKER_NOT_FOUND', { details: { name } });
        const generation = await resilience.reset(name);
        const expected = new Set(before.map(holderId));
        const deadline = Date.now() + resetWaitMs;
        let holders = before;
        let pending: BreakerSnapshot[] = before;
        for (;;) {
          holders = await holdersOf(name);
          // a holder that stopped publishing meanwhile (it exited) has nothing left to reset
          pending = holders.filter(
            (holder) => expected.has(holderId(holder)) && holder.resetGeneration < generation,
          );
          if (pending.length === 0 || Date.now() >= deadline) break;
          await sleep(RESET_POLL_MS);
        }
        const confirmed = before.length - pending.length;
        const unconfirmed = pending.map(holderId);
        const policy = await resilience.policy(name);
        return {
          message:
            unconfirmed.length === 0
              ? `circuit breaker ${name} reset in ${confirmed} process${confirmed === 1 ? '' : 'es'}`
              : `circuit breaker ${name} reset in ${confirmed} of ${before.length} processes; not confirmed within ${resetWaitMs} ms: ${unconfirmed.join(', ')}`,
          name,
          // every holder gone meanwhile: nothing holds the breaker open any more
          breaker: breakerView(name, holders, policy ?? { options: before[0]!.options }),
          unconfirmed,
        };
      });
    },

    /** Every policy (by name): its options and the windowed statistics auto-tuning reads. */
    policies(): Promise<PolicyItem[]> {
      return fromRedis(async () =>
        (await resilience.policies()).map(({ name, options, stats }) => ({ name, options, stats })),
      );
    },
  };
}

export type ResilienceAdminService = ReturnType<typeof resilienceAdminService>;
