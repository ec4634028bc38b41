import type { Logger } from '@pbshop/config';
import type { DatabaseHandle } from '@pbshop/db';
import {
  type IntervalSweep,
  type LockedRun,
  runUnderAdvisoryLock,
  startIntervalSweep,
} from './interval-sweep.ts';

/** Held (session level) by the API process running a sweep: one replica at a time. */
export const COMMERCE_SWEEP_LOCK = 75_031_018;

/** What the sweep asks of the commerce modules (jobs/ imports no module: main.ts passes these). */
export interface CommerceSweepDeps {
  database: DatabaseHandle;
  /** the orders service's `expireUnpaid`: unpaid orders past their deadline cancelled */
  expireUnpaidOrders(): Promise<{ cancelled: number; skipped: number }>;
  /** the points service's `expireDue`: what is left of lots past their expiry expired */
  expirePoints(): Promise<{ members: number; points: number }>;
  logger: Logger;
}

export type CommerceSweepResult = LockedRun<{
  orders: { cancelled: number; skipped: number };
  points: { members: number; points: number };
}>;

/**
 * One sweep: unpaid orders past their deadline cancelled (stock and points released), then points
 * past their expiry expired. Skipped when another process holds the sweep lock. Each part works
 * in bounded batches; what is left is the next run's.
 */
export function runCommerceSweep(deps: CommerceSweepDeps): Promise<CommerceSweepResult> {
  return runUnderAdvisoryLock(deps.database, COMMERCE_SWEEP_LOCK, async () => {
    const orders = await deps.expireUnpaidOrders();
    const points = await deps.expirePoints();
    if (orders.cancelled + orders.skipped + points.members > 0) {
      deps.logger.info({ orders, points }, 'commerce sweep: unpaid orders cancelled, points expired');
    } else {
      deps.logger.debug({ orders, points }, 'commerce sweep: nothing due');
    }
    return { orders, points };
  });
}

/** Runs the sweep every `intervalMs` in this process (runs never overlap; a failed one is logged). */
export function startCommerceSweeps(deps: CommerceSweepDeps, intervalMs: number): IntervalSweep {
  return startIntervalSweep('commerce sweep', () => runCommerceSweep(deps), {
    intervalMs,
    logger: deps.logger,
  });
}
