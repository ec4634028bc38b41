import type { Logger } from '@pbshop/config';
import type { DatabaseHandle } from '@pbshop/db';
import {
  type IntervalSweep,
  type LockedRun,
  runUnderAdvisoryLock,
  startIntervalSweep,
} from './interval-sweep.ts';

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
  database: Pick<DatabaseHandle, 'withSessionLock'>;
  /** the payments service's `reconcile`: PENDING payments and refunds under way settled by asking the gateway */
  reconcilePayments(): Promise<ReconcileCounts>;
  /** the Idempotency-Key store's `sweepExpired` */
  sweepExpiredKeys(): Promise<number>;
  logger: Logger;
}

export type PaymentReconcileRun = LockedRun<{ payments: ReconcileCounts; expiredKeys: number }>;

/**
 * One round: payments left PENDING (a confirm that timed out, a process that died between the
 * gateway's approval and our commit) and refunds under way are settled by asking the gateway, and
 * Idempotency-Key rows past their 24 hours are deleted. Skipped when another process holds the lock.
 */
export async function runPaymentReconciliation(deps: PaymentReconcilerDeps): Promise<PaymentReconcileRun> {
  return runUnderAdvisoryLock(
    deps.database,
    PAYMENT_RECONCILER_LOCK,
    async () => {
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
      return { payments, expiredKeys };
    },
    'another process is reconciling',
  );
}

/**
 * Reconciles at start (a payment left PENDING by the process this one replaces is settled at once)
 * and then every `intervalMs`; rounds never overlap, and a failed one is logged and retried.
 */
export function startPaymentReconciler(deps: PaymentReconcilerDeps, intervalMs: number): IntervalSweep {
  return startIntervalSweep('payment reconciliation', () => runPaymentReconciliation(deps), {
    intervalMs,
    logger: deps.logger,
    runAtStart: true,
  });
}
