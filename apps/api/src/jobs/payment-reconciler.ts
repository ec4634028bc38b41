import type { Logger } from '@pbshop/config';
import type { DatabaseHandle } from '@pbshop/db';

/** Held (session level) by the API process reconciling payments: one replica at a time. */
export const PAYMENT_RECONCILER_LOCK = 75_031_019;

/** What one round settled (the payments service's reconcile answer). */
export interface ReconcileCounts {
  completed: number;
  failed: number;
  refunded: number;
  unresolved: number;
}

/** What a round asks of the payments module and the key store (jobs/ imports no module: main.ts passes these). */
export interface PaymentReconcilerDeps {
  database: DatabaseHandle;
  /** the payments service's `reconcile`: PENDING payments and refunds under way settled by asking the gateway */
  reconcilePayments(): Promise<ReconcileCounts>;
  /** the Idempotency-Key store's `sweepExpired` */
  sweepExpiredKeys(): Promise<number>;
  logger: Logger;
}

export type PaymentReconcileRun =
  | { ran: false; reason: string }
  | { ran: true; payments: ReconcileCounts; expiredKeys: number };

/**
 * One round: payments left PENDING (a confirm that timed out, a process that died between the
 * gateway's approval and our commit) and refunds under way are settled by asking the gateway, and
 * Idempotency-Key rows past their 24 hours are deleted. Skipped when another process holds the lock.
 */
export async function runPaymentReconciliation(deps: PaymentReconcilerDeps): Promise<PaymentReconcileRun> {
  const reserved = await deps.database.sql.reserve();
  try {
    const [lock] = await reserved<
      { locked: boolean }[]
    >`select pg_try_advisory_lock(${PAYMENT_RECONCILER_LOCK}) as locked`;
    if (!lock?.locked) return { ran: false, reason: 'another process is reconciling' };
    try {
      const payments = await deps.reconcilePayments();
      const expiredKeys = await deps.sweepExpiredKeys();
      const settled = payments.completed + payments.failed + payments.refunded;
      if (settled + payments.unresolved > 0) {
        deps.logger.info(
          { payments, expiredKeys },
          'payment reconciliation: pending payments and refunds settled',
        );
      } else {
        deps.logger.debug({ payments, expiredKeys }, 'payment reconciliation: nothing pending');
      }
      return { ran: true, payments, expiredKeys };
    } finally {
      await reserved`select pg_advisory_unlock(${PAYMENT_RECONCILER_LOCK})`.catch(() => {});
    }
  } finally {
    reserved.release();
  }
}

export interface PaymentReconciler {
  /** stops scheduling and waits for a round under way */
  stop(): Promise<void>;
}

/**
 * Reconciles at start (a payment left PENDING by the process this one replaces is settled at once)
 * and then every `intervalMs`; the next round is scheduled when one ends, so rounds never overlap.
 * A failed round is logged and the next one tries again.
 */
export function startPaymentReconciler(deps: PaymentReconcilerDeps, intervalMs: number): PaymentReconciler {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const round = () => {
    running = runPaymentReconciliation(deps)
      .catch((error: unknown) =>
        deps.logger.error({ err: error }, 'payment reconciliation failed; retried next interval'),
      )
      .finally(schedule);
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(round, intervalMs);
    timer.unref();
  };
  round();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
