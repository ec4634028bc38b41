import type { Env, Logger } from '@pbshop/config';
import type { Database } from '@pbshop/db';
import { sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { HealthReport } from '../health/schemas.ts';
import type { RouteFigures, WindowSummary } from '../observability/request-window.ts';
import type { OrderFailureLog } from './order-failures.ts';
import type {
  CrawlerSummary,
  OpsAlert,
  OpsDashboardSummary,
  QueueStats,
  RollbackSignal,
  SearchSyncSummary,
} from './schemas.ts';

type Source<T> = () => Promise<T>;

export interface OpsDashboardDeps {
  env: Pick<
    Env,
    | 'REDIS_KEY_PREFIX'
    | 'OPS_ALERT_SEARCH_FAILED_THRESHOLD'
    | 'OPS_ALERT_CRAWLER_FAILED_RUNS_THRESHOLD'
    | 'OPS_ALERT_QUEUE_FAILED_THRESHOLD'
    | 'OPS_ROLLBACK_ERROR_RATE_THRESHOLD'
    | 'OPS_ROLLBACK_MIN_REQUESTS'
    | 'OPS_ROLLBACK_FAILED_JOBS_LOOKBACK_MS'
    | 'OPS_ROLLBACK_OUTBOX_STUCK_MS'
    | 'OPS_INTEGRITY_PRODUCT_SAMPLE'
    | 'OPS_DASHBOARD_CACHE_MS'
    | 'OPS_ROLLBACK_PAYMENT_FAILURES_PER_MINUTE'
    | 'OPS_ROLLBACK_PAYMENT_WINDOW_MINUTES'
    | 'PAYMENT_RECONCILE_AFTER_MS'
  >;
  logger: Logger;
  db: Database;
  /** the request-path connection (fails fast while Redis is down) */
  redis: Redis;
  /** the /health payload (the health service's single-flight round) */
  health: Source<HealthReport>;
  /** the search outbox summary (search admin) */
  searchSync: Source<SearchSyncSummary>;
  /** the crawler's run counts (crawler admin monitoring); null: no crawler area */
  crawler: Source<CrawlerSummary> | null;
  /** the queue admin stats (BullMQ getJobCounts per queue, never job listings) */
  queue: Source<QueueStats>;
  /** order requests answered 5xx, per minute (every replica) */
  orderFailures: Pick<OrderFailureLog, 'perMinute'>;
  /** the request metrics of the observability window, every replica */
  requestMetrics: Source<WindowSummary>;
  /** how long each part may take */
  partTimeoutMs: number;
}

/** GET routes of the search API (admin routes excluded) */
const isSearchRoute = (route: RouteFigures) =>
  route.method === 'GET' &&
  route.route.startsWith('/api/v1/search') &&
  !route.route.startsWith('/api/v1/search/admin');

/** GET routes of the price comparison: the product page and its price reads */
const priceComparisonRoutes = new Set([
  '/api/v1/products/:id',
  '/api/v1/products/:id/prices',
  '/api/v1/products/:id/price-history',
  '/api/v1/products/:id/real-price',
]);
const isPriceComparisonRoute = (route: RouteFigures) =>
  route.method === 'GET' && priceComparisonRoutes.has(route.route);

/** Runs one read bounded by `timeoutMs`: its value, or null with the cause kept under `key`. */
async function bounded<T>(
  key: string,
  read: () => Promise<T>,
  timeoutMs: number,
  errors: Record<string, string>,
): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const [outcome] = await Promise.allSettled([
    Promise.race([
      read(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]),
  ]);
  clearTimeout(timer);
  if (outcome.status === 'fulfilled') return outcome.value;
  const reason = outcome.reason;
  errors[key] = reason instanceof Error ? reason.message || reason.name : String(reason);
  return null;
}

const percent = (rate: number) => `${(rate * 100).toFixed(2)}%`;

/**
 * The ops dashboard (contract §2.B.7) and the ops runbook §6 rollback signals, evaluated live.
 * Every part is read at once, each bounded by `partTimeoutMs`; a part that cannot be read is null
 * with its cause in `errors`, and the answer is still given (overallStatus `degraded`).
 */
export function opsDashboardService(deps: OpsDashboardDeps) {
  const { env } = deps;
  const failedSamplesKey = `${env.REDIS_KEY_PREFIX}:ops:failed-jobs-samples`;
  let lastSampleAt = 0;

  /** the failed jobs of every queue, kept in Redis at most once a second so every replica compares alike */
  async function failedJobsRising(queue: QueueStats): Promise<RollbackSignal> {
    const failed = queue.items.reduce((total, item) => total + item.counts.failed, 0);
    const now = Date.now();
    const lookback = env.OPS_ROLLBACK_FAILED_JOBS_LOOKBACK_MS;
    const write = deps.redis.multi();
    if (now - lastSampleAt >= Math.min(1000, lookback / 4)) {
      lastSampleAt = now;
      write
        .zadd(failedSamplesKey, now, `${now}:${failed}`)
        .zremrangebyscore(failedSamplesKey, '-inf', now - lookback * 3)
        .zremrangebyrank(failedSamplesKey, 0, -2001)
        .pexpire(failedSamplesKey, lookback * 3);
    }
    write.zrevrangebyscore(failedSamplesKey, now - lookback, '-inf', 'LIMIT', 0, 1);
    const results = (await write.exec()) ?? [];
    const last = results[results.length - 1];
    if (!last || last[0]) throw last?.[0] ?? new Error('no answer from Redis');
    const [then] = last[1] as string[];
    if (!then) {
      return {
        key: 'failed_jobs_rising',
        firing: false,
        evidence: `${failed} failed jobs now; no count from ${Math.round(lookback / 1000)} s ago yet to compare with`,
      };
    }
    const [at, count] = then.split(':').map(Number) as [number, number];
    const seconds = Math.round((now - at) / 1000);
    return {
      key: 'failed_jobs_rising',
      firing: failed > count,
      evidence:
        failed > count
          ? `failed jobs rose from ${count} to ${failed} over ${seconds} s: retries are not recovering them`
          : `${failed} failed jobs now, ${count} ${seconds} s ago: not rising`,
    };
  }

  function errorRateSignal(
    key: 'search_error_rate' | 'price_comparison_error_rate',
    label: string,
    metrics: WindowSummary,
    matches: (route: RouteFigures) => boolean,
  ): RollbackSignal {
    const routes = metrics.routes.filter(matches);
    const total = routes.reduce((sum, route) => sum + route.totalRequests, 0);
    const failed = routes.reduce((sum, route) => sum + route.statusBuckets.s5xx, 0);
    const rate = total === 0 ? 0 : failed / total;
    const threshold = env.OPS_ROLLBACK_ERROR_RATE_THRESHOLD;
    const scope = `${label} over the last ${metrics.windowMinutes} min (${metrics.scope === 'cluster' ? 'every replica' : 'this replica only'})`;
    if (threshold <= 0) {
      return {
        key,
        firing: false,
        evidence: `disabled (OPS_ROLLBACK_ERROR_RATE_THRESHOLD=0); ${failed}/${total} 5xx in ${scope}`,
      };
    }
    if (total < env.OPS_ROLLBACK_MIN_REQUESTS) {
      return {
        key,
        firing: false,
        evidence: `${failed} of ${total} requests answered 5xx in ${scope}: fewer than the ${env.OPS_ROLLBACK_MIN_REQUESTS} requests needed to judge`,
      };
    }
    const firing = rate >= threshold;
    const worst = [...routes].sort((a, b) => b.statusBuckets.s5xx - a.statusBuckets.s5xx)[0];
    return {
      key,
      firing,
      evidence: `${failed} of ${total} requests answered 5xx (${percent(rate)}, threshold ${percent(threshold)}) in ${scope}${firing && worst ? `; most on ${worst.method} ${worst.route}` : ''}`,
    };
  }

  /** Products (the newest OPS_INTEGRITY_PRODUCT_SAMPLE, by primary key) whose lowest_price is not their live offers' minimum. */
  async function lowestPriceIntegrity(): Promise<RollbackSignal> {
    const sample = env.OPS_INTEGRITY_PRODUCT_SAMPLE;
    const rows = await deps.db.execute<{
      id: number;
      lowest_price: string | null;
      offers_lowest: string | null;
    }>(sql`
      select p.id, p.lowest_price, l.offers_lowest
      from (select id, lowest_price from products where deleted_at is null order by id desc limit ${sample}) p
      left join lateral (
        select min(o.price) as offers_lowest
        from offers o join sellers s on s.id = o.seller_id and s.deleted_at is null
        where o.product_id = p.id and o.stock_state <> 'OUT_OF_STOCK'
      ) l on true
      where p.lowest_price is distinct from l.offers_lowest
      order by p.id desc
      limit 5`);
    const list = [...rows];
    if (list.length === 0) {
      return {
        key: 'integrity_lowest_price',
        firing: false,
        evidence: `the newest ${sample} products' lowest prices match their buyable offers`,
      };
    }
    const shown = list
      .map(
        (row) =>
          `product ${row.id}: lowest_price ${row.lowest_price ?? 'null'}, offers ${row.offers_lowest ?? 'none'}`,
      )
      .join('; ');
    return {
      key: 'integrity_lowest_price',
      firing: true,
      evidence: `${list.length === 5 ? 'at least 5' : list.length} of the newest ${sample} products disagree with their offers: ${shown}`,
    };
  }

  /** Outbox rows due (PENDING) or leased (PROCESSING) for longer than the bound: counted by their partial indexes, capped. */
  async function outboxStuck(): Promise<RollbackSignal> {
    const boundMs = env.OPS_ROLLBACK_OUTBOX_STUCK_MS;
    const [row] = await deps.db.execute<{ pending: number; processing: number; oldest: string | null }>(sql`
      select
        (select count(*)::int from (select 1 from search_outbox
           where status = 'PENDING' and available_at < now() - make_interval(secs => ${boundMs / 1000}) limit 1000) p) as pending,
        (select count(*)::int from (select 1 from search_outbox
           where status = 'PROCESSING' and claimed_until < now() - make_interval(secs => ${boundMs / 1000}) limit 1000) q) as processing,
        (select min(available_at) from search_outbox where status = 'PENDING') as oldest`);
    const pending = row?.pending ?? 0;
    const processing = row?.processing ?? 0;
    const bound = `${Math.round(boundMs / 1000)} s`;
    return {
      key: 'integrity_outbox_stuck',
      firing: pending + processing > 0,
      evidence:
        pending + processing > 0
          ? `${pending} outbox rows PENDING and ${processing} PROCESSING past their due time or lease by more than ${bound} (oldest due ${row?.oldest ? new Date(row.oldest).toISOString() : 'n/a'})`
          : `no outbox row PENDING or PROCESSING for more than ${bound} past its due time or lease`,
    };
  }

  /**
   * Payment and order failures per minute over the last OPS_ROLLBACK_PAYMENT_WINDOW_MINUTES:
   * payments that turned FAILED in the minute (declined or never charged), plus those still
   * PENDING past PAYMENT_RECONCILE_AFTER_MS (the gateway could not be asked), counted in every
   * minute they stayed so, plus the order requests (place, cancel, status change) answered 5xx in
   * the minute (order-failures.ts). Fires when every minute of the window has at least the
   * threshold: failures sustained that long (ops runbook §6). The payment counts read the
   * (status, updated_at) index.
   */
  async function paymentFailures(errors: Record<string, string>): Promise<RollbackSignal> {
    const perMinute = env.OPS_ROLLBACK_PAYMENT_FAILURES_PER_MINUTE;
    const minutes = env.OPS_ROLLBACK_PAYMENT_WINDOW_MINUTES;
    const stuckAfterSeconds = env.PAYMENT_RECONCILE_AFTER_MS / 1000;
    // read beside the payments; unreadable (Redis down), the payments still judge, and errors says so
    const orderFailures = deps.orderFailures.perMinute(minutes).catch((error: unknown) => {
      errors['rollback:order_failures'] = error instanceof Error ? error.message : String(error);
      return undefined;
    });
    const rows = await deps.db.execute<{ failed: number; stuck: number }>(sql`
      select
        (select count(*)::int from payments p
          where p.status = 'FAILED' and p.updated_at > b.to_at - interval '1 minute' and p.updated_at <= b.to_at) as failed,
        (select count(*)::int from payments p
          where p.status = 'PENDING' and p.updated_at <= b.to_at - make_interval(secs => ${stuckAfterSeconds})) as stuck
      from (select m, now() - make_interval(mins => m) as to_at from generate_series(${minutes - 1}, 0, -1) m) b
      order by b.m desc`);
    const orderCounts = await orderFailures;
    const counts = [...rows].map((row, minute) => row.failed + row.stuck + (orderCounts?.[minute] ?? 0));
    const stuckNow = rows[rows.length - 1]?.stuck ?? 0;
    const orderPart = orderCounts
      ? `order requests answered 5xx (place, cancel, status change) per minute: ${orderCounts.join(', ')}`
      : 'order failures not read (see errors)';
    const shown = `failures per minute over the last ${minutes} min, oldest first: ${counts.join(', ')} (FAILED payments, and ${stuckNow} PENDING the gateway has not settled for over ${Math.round(stuckAfterSeconds)} s; ${orderPart})`;
    if (perMinute <= 0) {
      return {
        key: 'payment_order_failures',
        firing: false,
        evidence: `disabled (OPS_ROLLBACK_PAYMENT_FAILURES_PER_MINUTE=0); ${shown}`,
      };
    }
    const firing = counts.length > 0 && counts.every((value) => value >= perMinute);
    return {
      key: 'payment_order_failures',
      firing,
      evidence: `${shown}; fires when every minute has at least ${perMinute}`,
    };
  }

  /**
   * Negative stock or points: orders take stock and points with guarded statements, and the
   * validated CHECK constraints below make a negative value impossible to store. Reading the
   * constraints (not scanning every offer) proves it in constant time; the signal fires when one
   * was dropped or left NOT VALID.
   */
  async function negativeStockGuards(): Promise<RollbackSignal> {
    const guards = ['offers_stock_check', 'users_point_check'];
    const rows = await deps.db.execute<{ name: string }>(sql`
      select conname as name from pg_constraint
      where conname in ('offers_stock_check', 'users_point_check') and contype = 'c' and convalidated`);
    const present = new Set([...rows].map((row) => row.name));
    const missing = guards.filter((name) => !present.has(name));
    return {
      key: 'integrity_negative_stock',
      firing: missing.length > 0,
      evidence:
        missing.length > 0
          ? `the CHECK constraint(s) ${missing.join(', ')} are missing or NOT VALID: negative offer stock or point balances can be stored; restore them (migration 0006) after fixing the rows`
          : 'offers.stock and users.point are guarded by validated CHECK constraints (offers_stock_check, users_point_check): no negative value can be stored',
    };
  }

  async function evaluate(): Promise<OpsDashboardSummary> {
    const errors: Record<string, string> = {};
    const timeout = deps.partTimeoutMs;
    const [health, searchSync, crawler, queue, metrics, lowest, outbox, paymentFailed, negativeStock] =
      await Promise.all([
        bounded('health', deps.health, timeout, errors),
        bounded('searchSync', deps.searchSync, timeout, errors),
        deps.crawler ? bounded('crawler', deps.crawler, timeout, errors) : Promise.resolve(null),
        bounded('queue', deps.queue, timeout, errors),
        bounded('rollback:request_metrics', deps.requestMetrics, timeout, errors),
        bounded('rollback:integrity_lowest_price', lowestPriceIntegrity, timeout, errors),
        bounded('rollback:integrity_outbox_stuck', outboxStuck, timeout, errors),
        bounded('rollback:payment_order_failures', () => paymentFailures(errors), timeout, errors),
        bounded('rollback:integrity_negative_stock', negativeStockGuards, timeout, errors),
      ]);
    if (!deps.crawler) errors.crawler = 'not available: no crawler area';
    const failedRising = queue
      ? await bounded('rollback:failed_jobs_rising', () => failedJobsRising(queue), timeout, errors)
      : null;

    const notEvaluated = (key: RollbackSignal['key'], cause: string): RollbackSignal => ({
      key,
      firing: false,
      evidence: `not evaluated: ${cause}`,
    });
    const rollbackSignals: RollbackSignal[] = [
      paymentFailed ??
        notEvaluated('payment_order_failures', errors['rollback:payment_order_failures'] ?? 'unknown'),
      metrics
        ? errorRateSignal('search_error_rate', 'GET /search*', metrics, isSearchRoute)
        : notEvaluated('search_error_rate', errors['rollback:request_metrics'] ?? 'no request metrics'),
      metrics
        ? errorRateSignal(
            'price_comparison_error_rate',
            'the product page and price reads',
            metrics,
            isPriceComparisonRoute,
          )
        : notEvaluated(
            'price_comparison_error_rate',
            errors['rollback:request_metrics'] ?? 'no request metrics',
          ),
      failedRising ??
        notEvaluated(
          'failed_jobs_rising',
          errors.queue ?? errors['rollback:failed_jobs_rising'] ?? 'no queue counts',
        ),
      lowest ??
        notEvaluated('integrity_lowest_price', errors['rollback:integrity_lowest_price'] ?? 'unknown'),
      outbox ??
        notEvaluated('integrity_outbox_stuck', errors['rollback:integrity_outbox_stuck'] ?? 'unknown'),
      negativeStock ??
        notEvaluated('integrity_negative_stock', errors['rollback:integrity_negative_stock'] ?? 'unknown'),
    ];

    const alerts: OpsAlert[] = [];
    if (health && health.status !== 'up') {
      const down = Object.entries(health.checks)
        .filter(([, check]) => check.status !== 'up')
        .map(([name, check]) => `${name}${check.message ? ` (${check.message})` : ''}`);
      alerts.push({
        key: 'health',
        severity: 'critical',
        message: `health is ${health.status}: ${down.join(', ') || 'see checks'}`,
      });
    }
    const searchThreshold = env.OPS_ALERT_SEARCH_FAILED_THRESHOLD;
    if (searchSync && searchThreshold > 0 && searchSync.failed >= searchThreshold) {
      alerts.push({
        key: 'searchSync',
        severity: 'warning',
        message: `${searchSync.failed} search outbox rows failed (threshold ${searchThreshold})`,
      });
    }
    const crawlerThreshold = env.OPS_ALERT_CRAWLER_FAILED_RUNS_THRESHOLD;
    if (crawler && crawlerThreshold > 0 && crawler.failedRuns >= crawlerThreshold) {
      alerts.push({
        key: 'crawler',
        severity: 'warning',
        message: `${crawler.failedRuns} crawler runs failed (threshold ${crawlerThreshold})`,
      });
    }
    const queueThreshold = env.OPS_ALERT_QUEUE_FAILED_THRESHOLD;
    const failing =
      queue && queueThreshold > 0
        ? queue.items.find((item) => item.counts.failed >= queueThreshold)
        : undefined;
    if (failing) {
      alerts.push({
        key: 'queue',
        severity: 'warning',
        message: `queue ${failing.queueName} has ${failing.counts.failed} failed jobs (threshold ${queueThreshold})`,
      });
    }
    for (const signal of rollbackSignals) {
      if (signal.firing) {
        alerts.push({
          key: `rollback:${signal.key}`,
          severity: 'critical',
          message: `rollback signal: ${signal.evidence}`,
        });
      }
    }
    if (Object.keys(errors).length > 0) {
      alerts.push({
        key: 'partial_failure',
        severity: 'critical',
        message: `could not read: ${Object.entries(errors)
          .map(([key, cause]) => `${key} (${cause})`)
          .join(', ')}`,
      });
    }

    return {
      checkedAt: new Date().toISOString(),
      overallStatus: Object.keys(errors).length > 0 ? 'degraded' : 'up',
      health,
      searchSync: searchSync && {
        pending: searchSync.pending,
        processing: searchSync.processing,
        completed: searchSync.completed,
        failed: searchSync.failed,
      },
      crawler: crawler && {
        totalRuns: crawler.totalRuns,
        queuedRuns: crawler.queuedRuns,
        processingRuns: crawler.processingRuns,
        successRuns: crawler.successRuns,
        failedRuns: crawler.failedRuns,
        successRate: crawler.successRate,
        latestRunAt: crawler.latestRunAt,
        latestSuccessAt: crawler.latestSuccessAt,
      },
      queue,
      errors,
      alerts,
      alertCount: alerts.length,
      rollbackSignals,
    };
  }

  // dashboards poll, often several at once: concurrent calls share one evaluation, and its
  // answer serves OPS_DASHBOARD_CACHE_MS (the answer says when it was checked)
  let last: { summary: OpsDashboardSummary; at: number } | undefined;
  let running: Promise<OpsDashboardSummary> | undefined;

  return {
    summary(): Promise<OpsDashboardSummary> {
      if (last && performance.now() - last.at < env.OPS_DASHBOARD_CACHE_MS)
        return Promise.resolve(last.summary);
      running ??= evaluate()
        .then((summary) => {
          last = { summary, at: performance.now() };
          return summary;
        })
        .finally(() => {
          running = undefined;
        });
      return running;
    },
  };
}

export type OpsDashboardService = ReturnType<typeof opsDashboardService>;
