import type { Database } from '@pbshop/db';
import { type OutboxSummary, outboxSummary } from '@pbshop/search';
import { Gauge, type Registry } from 'prom-client';
import { SOURCE_TIMEOUT_MS, sourceUpGauge, trackRead, within } from './registry.ts';

const outboxStatuses = ['pending', 'processing', 'failed'] as const;

/**
 * The search index sync's backlog, read from PostgreSQL on scrape: `pbshop_search_outbox_rows{status}`
 * (pending, processing, failed) and `pbshop_search_outbox_lag_seconds` (age of the oldest pending
 * row; 0 when none is pending, NaN when PostgreSQL did not answer). Both gauges of one scrape share one query.
 */
export function registerSearchOutbox(registry: Registry, db: Database): void {
  const up = sourceUpGauge(registry);
  let inFlight: Promise<OutboxSummary | undefined> | undefined;
  // the registry collects every metric of a scrape at once: the second gauge joins the first's read
  const read = () => {
    inFlight ??= trackRead(
      registry,
      within(SOURCE_TIMEOUT_MS, outboxSummary(db)).then(
        (summary) => {
          up.set({ source: 'search_outbox' }, 1);
          return summary;
        },
        () => {
          up.set({ source: 'search_outbox' }, 0);
          return undefined;
        },
      ),
    ).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  new Gauge({
    name: 'pbshop_search_outbox_rows',
    help: 'search_outbox rows by status (pending, processing, failed)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const summary = await read();
      this.reset();
      if (summary) for (const status of outboxStatuses) this.set({ status }, summary[status]);
    },
  });
  new Gauge({
    name: 'pbshop_search_outbox_lag_seconds',
    help: 'Age of the oldest pending search_outbox row in seconds (0: none pending; NaN: PostgreSQL did not answer)',
    registers: [registry],
    async collect() {
      const summary = await read();
      this.set(summary ? (summary.oldestPendingAgeSeconds ?? 0) : Number.NaN);
    },
  });
}
