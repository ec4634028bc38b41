import type { Logger } from '@pbshop/config';
import type { DatabaseHandle } from '@pbshop/db';

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

export type CommerceSweepResult =
  | { ran: false; reason: string }
  | {
      ran: true;
      orders: { cancelled: number; skipped: number };
      points: { members: number; points: number };
    };

/**
 * One sweep: unpaid orders past their deadline cancelled (stock and points released), then points
 * past their expiry expired. Skipped when another process holds the sweep lock. Each part works
 * in bounded batches; what is left is the next run's.
 */
export async function runCommerceSweep(deps: CommerceSweepDeps): Promise<CommerceSweepResult> {
  const reserved = await deps.database.sql.reserve();
  try {
    const [lock] = await reserved<
      { locked: boolean }[]
    >`select pg_try_advisory_lock(${COMMERCE_SWEEP_LOCK}) as locked`;
    if (!lock?.locked) return { ran: false, reason: 'another process is sweeping' };
    try {
      const orders = await deps.expireUnpaidOrders();
      const points = await deps.expirePoints();
      if (orders.cancelled + orders.skipped + points.members > 0) {
        deps.logger.info({ orders, points }, 'commerce sweep: unpaid orders cancelled, points expired');
      } else {
        deps.logger.debug({ orders, points }, 'commerce sweep: nothing due');
      }
      return { ran: true, orders, points };
    } finally {
      await reserved`select pg_advisory_unlock(${COMMERCE_SWEEP_LOCK})`.catch(() => {});
    }
  } finally {
    reserved.release();
  }
}

export interface CommerceSweeps {
  /** stops scheduling and waits for a sweep under way */
  stop(): Promise<void>;
}

/**
 * Runs the sweep every `intervalMs` in this process (the next run is scheduled when one ends, so
 * runs never overlap). A failed run is logged and the next one tries again.
 */
export function startCommerceSweeps(deps: CommerceSweepDeps, intervalMs: number): CommerceSweeps {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runCommerceSweep(deps)
        .catch((error: unknown) =>
          deps.logger.error({ err: error }, 'commerce sweep failed; retried next interval'),
        )
        .finally(schedule);
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
