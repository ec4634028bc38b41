import type { Logger } from '@pbshop/config';
import type { DatabaseHandle } from '@pbshop/db';
import {
  type IntervalSweep,
  type LockedRun,
  runUnderAdvisoryLock,
  startIntervalSweep,
} from './interval-sweep.ts';

/** Held (session level) by the API process running the badge sweep: one replica at a time. */
export const BADGE_SWEEP_LOCK = 75_031_022;

/** What the sweep asks of the badges module (jobs/ imports no module: main.ts passes it). */
export interface BadgeSweepDeps {
  database: DatabaseHandle;
  /** the badges service's `sweep`: every AUTO badge against every member */
  sweepBadges(): Promise<{ members: number; granted: number }>;
  logger: Logger;
}

export type BadgeSweepResult = LockedRun<{ members: number; granted: number }>;

/**
 * One sweep of the AUTO badges over every member: catches what no write triggered (posts, a new
 * badge, a threshold lowered, an evaluation that failed). Skipped when another process holds the
 * lock; a grant is once per member either way (the unique index), so the lock only saves work.
 */
export function runBadgeSweep(deps: BadgeSweepDeps): Promise<BadgeSweepResult> {
  return runUnderAdvisoryLock(deps.database, BADGE_SWEEP_LOCK, async () => {
    const result = await deps.sweepBadges();
    if (result.granted > 0) deps.logger.info(result, 'badge sweep: badges granted');
    else deps.logger.debug(result, 'badge sweep: nothing to grant');
    return result;
  });
}

/** Runs the sweep every `intervalMs` in this process. */
export function startBadgeSweeps(deps: BadgeSweepDeps, intervalMs: number): IntervalSweep {
  return startIntervalSweep('badge sweep', () => runBadgeSweep(deps), { intervalMs, logger: deps.logger });
}
