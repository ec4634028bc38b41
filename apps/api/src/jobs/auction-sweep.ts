import type { Logger } from '@pbshop/config';
import type { DatabaseHandle } from '@pbshop/db';
import {
  type IntervalSweep,
  type LockedRun,
  runUnderAdvisoryLock,
  startIntervalSweep,
} from './interval-sweep.ts';

/** Held (session level) by the API process running the auction deadline sweep: one replica at a time. */
export const AUCTION_SWEEP_LOCK = 75_031_024;

/** What the sweep asks of the auctions module (jobs/ imports no module: main.ts passes it). */
export interface AuctionSweepDeps {
  database: DatabaseHandle;
  /** the auctions service's `expireOverdue`: OPEN auctions past their deadline become EXPIRED */
  expireAuctions(): Promise<{ expired: number }>;
  logger: Logger;
}

export type AuctionSweepResult = LockedRun<{ expired: number }>;

/**
 * One pass over the reverse auctions past their deadline. The expiry is a guarded update (only
 * OPEN rows, locked rows skipped), so the lock only keeps replicas from doing the same work.
 */
export function runAuctionSweep(deps: AuctionSweepDeps): Promise<AuctionSweepResult> {
  return runUnderAdvisoryLock(deps.database, AUCTION_SWEEP_LOCK, async () => {
    const result = await deps.expireAuctions();
    if (result.expired > 0) deps.logger.info(result, 'auction sweep: auctions expired');
    return result;
  });
}

/** Runs the sweep every `intervalMs` in this process. */
export function startAuctionSweeps(deps: AuctionSweepDeps, intervalMs: number): IntervalSweep {
  return startIntervalSweep('auction sweep', () => runAuctionSweep(deps), {
    intervalMs,
    logger: deps.logger,
  });
}
