import type { Logger } from '@pbshop/config';
import type { DatabaseHandle } from '@pbshop/db';

export type LockedRun<T> = { ran: false; reason: string } | ({ ran: true } & T);

/**
 * Runs `work` while this process holds the session-level PostgreSQL advisory lock `lockKey`, so of
 * the API replicas one at a time does it; another holder makes this run a skip, not a wait.
 */
export async function runUnderAdvisoryLock<T extends object>(
  database: DatabaseHandle,
  lockKey: number,
  work: () => Promise<T>,
): Promise<LockedRun<T>> {
  const reserved = await database.sql.reserve();
  try {
    const [lock] = await reserved<{ locked: boolean }[]>`select pg_try_advisory_lock(${lockKey}) as locked`;
    if (!lock?.locked) return { ran: false, reason: 'another process is sweeping' };
    try {
      return { ran: true, ...(await work()) };
    } finally {
      await reserved`select pg_advisory_unlock(${lockKey})`.catch(() => {});
    }
  } finally {
    reserved.release();
  }
}

export interface IntervalSweep {
  /** stops scheduling and waits for a run under way */
  stop(): Promise<void>;
}

/**
 * Runs `run` every `intervalMs` in this process (the first run one interval after the start); runs
 * never overlap, and a failed one is logged as `<name> failed` and retried at the next interval.
 */
export function startIntervalSweep(
  name: string,
  run: () => Promise<unknown>,
  { intervalMs, logger }: { intervalMs: number; logger: Pick<Logger, 'error'> },
): IntervalSweep {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = run()
        .catch((error: unknown) => logger.error({ err: error }, `${name} failed; retried next interval`))
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
