import type { Logger } from '@pbshop/config';
import type { DatabaseHandle } from '@pbshop/db';

export type LockedRun<T> = { ran: false; reason: string } | ({ ran: true } & T);

/**
 * Runs `work` while this process holds the session-level PostgreSQL advisory lock `lockKey`, so of
 * the API replicas one at a time does it; another holder makes this run a skip (`busyReason`),
 * not a wait.
 */
export async function runUnderAdvisoryLock<T extends object>(
  database: Pick<DatabaseHandle, 'withSessionLock'>,
  lockKey: number,
  work: () => Promise<T>,
  busyReason = 'another process is sweeping',
): Promise<LockedRun<T>> {
  const run = await database.withSessionLock(lockKey, work);
  return run.acquired ? { ran: true, ...run.value } : { ran: false, reason: busyReason };
}

export interface IntervalSweep {
  /** stops scheduling and waits for a run under way */
  stop(): Promise<void>;
}

export interface IntervalSweepOptions {
  intervalMs: number;
  logger: Pick<Logger, 'error' | 'warn'>;
  /** the first run at the start instead of one interval after it */
  runAtStart?: boolean;
  /** a run still under way after this long is logged once as a warning (default: 3 intervals, at least 1 min) */
  warnAfterMs?: number;
}

/**
 * Runs `run` every `intervalMs` in this process; runs never overlap, and a failed one is logged as
 * `<name> failed` and retried at the next interval. The next run is scheduled when one ends, so a
 * run that never ends would stop the sweep silently: one that outlives `warnAfterMs` is logged.
 */
export function startIntervalSweep(
  name: string,
  run: () => Promise<unknown>,
  {
    intervalMs,
    logger,
    runAtStart = false,
    warnAfterMs = Math.max(3 * intervalMs, 60_000),
  }: IntervalSweepOptions,
): IntervalSweep {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const runOnce = () => {
    const startedAt = Date.now();
    const watchdog = setTimeout(() => {
      logger.warn(
        { sweep: name, runningMs: Date.now() - startedAt, startedAt: new Date(startedAt).toISOString() },
        `${name} still running; the next run waits for it (runbook §2: restart the process if it stays stuck)`,
      );
    }, warnAfterMs);
    watchdog.unref();
    running = run()
      .catch((error: unknown) => logger.error({ err: error }, `${name} failed; retried next interval`))
      .finally(() => {
        clearTimeout(watchdog);
        schedule();
      });
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(runOnce, intervalMs);
    timer.unref();
  };
  if (runAtStart) runOnce();
  else schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
