import type { Logger } from '@pbshop/config';
import type { DatabaseHandle } from '@pbshop/db';

/** Held (session level) by the API process refreshing the exchange rates: one replica fetches at a time. */
export const EXCHANGE_RATE_REFRESH_LOCK = 75_031_130;

/** What the refresh asks of the i18n module (jobs/ imports no module: main.ts passes it). */
export interface ExchangeRateRefreshDeps {
  database: DatabaseHandle;
  /** the i18n service's `refreshRates`: one fetch, stored when good, the last rates kept when not */
  refreshRates(): Promise<
    { stored: true; pairs: number; source: string } | { stored: false; reason: string }
  >;
  logger: Logger;
}

export type ExchangeRateRefreshResult =
  | { ran: false; reason: string }
  | ({ ran: true } & Awaited<ReturnType<ExchangeRateRefreshDeps['refreshRates']>>);

/** One refresh, skipped when another process holds the lock (it is refreshing the same table). */
export async function runExchangeRateRefresh(
  deps: ExchangeRateRefreshDeps,
): Promise<ExchangeRateRefreshResult> {
  const reserved = await deps.database.sql.reserve();
  try {
    const [lock] = await reserved<
      { locked: boolean }[]
    >`select pg_try_advisory_lock(${EXCHANGE_RATE_REFRESH_LOCK}) as locked`;
    if (!lock?.locked) return { ran: false, reason: 'another process is refreshing' };
    try {
      return { ran: true, ...(await deps.refreshRates()) };
    } finally {
      await reserved`select pg_advisory_unlock(${EXCHANGE_RATE_REFRESH_LOCK})`.catch(() => {});
    }
  } finally {
    reserved.release();
  }
}

export interface ExchangeRateRefreshes {
  /** stops scheduling and waits for a refresh under way */
  stop(): Promise<void>;
}

/**
 * Refreshes at start (a new install has no rate yet), then every `intervalMs`; runs never overlap,
 * and a failed one is logged and retried at the next interval.
 */
export function startExchangeRateRefreshes(
  deps: ExchangeRateRefreshDeps,
  intervalMs: number,
): ExchangeRateRefreshes {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const run = () => {
    running = runExchangeRateRefresh(deps)
      .catch((error: unknown) =>
        deps.logger.error({ err: error }, 'exchange-rate refresh failed; retried next interval'),
      )
      .finally(schedule);
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(run, intervalMs);
    timer.unref();
  };
  run();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
