import type { Logger } from '@pbshop/config';
import type { DatabaseHandle } from '@pbshop/db';
import {
  type IntervalSweep,
  type LockedRun,
  runUnderAdvisoryLock,
  startIntervalSweep,
} from './interval-sweep.ts';

/** Held (session level) by the API process refreshing the exchange rates: one replica fetches at a time. */
export const EXCHANGE_RATE_REFRESH_LOCK = 75_031_130;

/** What the refresh asks of the i18n module (jobs/ imports no module: main.ts passes it). */
export interface ExchangeRateRefreshDeps {
  database: Pick<DatabaseHandle, 'withSessionLock'>;
  /** the i18n service's `refreshRates`: one fetch, stored when good, the last rates kept when not */
  refreshRates(): Promise<
    { stored: true; pairs: number; source: string } | { stored: false; reason: string }
  >;
  logger: Logger;
}

export type ExchangeRateRefreshResult = LockedRun<
  Awaited<ReturnType<ExchangeRateRefreshDeps['refreshRates']>>
>;

/** One refresh, skipped when another process holds the lock (it is refreshing the same table). */
export function runExchangeRateRefresh(deps: ExchangeRateRefreshDeps): Promise<ExchangeRateRefreshResult> {
  return runUnderAdvisoryLock(
    deps.database,
    EXCHANGE_RATE_REFRESH_LOCK,
    deps.refreshRates,
    'another process is refreshing',
  );
}

/**
 * Refreshes at start (a new install has no rate yet), then every `intervalMs`; runs never overlap,
 * and a failed one is logged and retried at the next interval.
 */
export function startExchangeRateRefreshes(deps: ExchangeRateRefreshDeps, intervalMs: number): IntervalSweep {
  return startIntervalSweep('exchange-rate refresh', () => runExchangeRateRefresh(deps), {
    intervalMs,
    logger: deps.logger,
    runAtStart: true,
  });
}
