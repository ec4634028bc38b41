import type { Logger } from '@pbshop/config';
import type { DatabaseHandle } from '@pbshop/db';
import {
  type IntervalSweep,
  type LockedRun,
  runUnderAdvisoryLock,
  startIntervalSweep,
} from './interval-sweep.ts';

/** Held (session level) by the API process running the trust sweep: one replica at a time. */
export const TRUST_SWEEP_LOCK = 75_031_023;

/** What the sweep asks of the trust module (jobs/ imports no module: main.ts passes it). */
export interface TrustSweepDeps {
  database: DatabaseHandle;
  /** the trust service's `recomputeAll`: every live seller's score from the data */
  recomputeTrust(): Promise<{ sellers: number }>;
  logger: Logger;
}

export type TrustSweepResult = LockedRun<{ sellers: number }>;

/**
 * One recomputation of every seller's trust score: orders, returns, disputes, flagged prices and
 * answers move without a review write, so only a sweep catches them. An in-process sweep under a
 * PostgreSQL advisory lock (like the commerce and badge sweeps), not a BullMQ scheduler: the issue
 * asks for no queue here, and a skipped run costs nothing but freshness.
 */
export function runTrustSweep(deps: TrustSweepDeps): Promise<TrustSweepResult> {
  return runUnderAdvisoryLock(deps.database, TRUST_SWEEP_LOCK, async () => {
    const result = await deps.recomputeTrust();
    deps.logger.debug(result, 'trust sweep: scores recomputed');
    return result;
  });
}

/** Runs the sweep every `intervalMs` in this process. */
export function startTrustSweeps(deps: TrustSweepDeps, intervalMs: number): IntervalSweep {
  return startIntervalSweep('trust sweep', () => runTrustSweep(deps), { intervalMs, logger: deps.logger });
}
