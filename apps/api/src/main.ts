import './v8-flags.ts';
import { createLogger, loadEnvOrExit, onShutdownSignal } from '@pbshop/config';
import { crawlerProcessors } from '@pbshop/crawler';
import { consumedQueues, instrumentProcessors, jobMetrics, registerQueueDepth } from '@pbshop/metrics';
import { type ProcessorSet, startWorkers } from '@pbshop/queues';
import { buildSearchProcessors } from '@pbshop/worker-search/processor';
import { buildTranscodeProcessors } from '@pbshop/worker-transcode/processor';
import { buildApp } from './app.ts';
import { createApiDeps } from './deps.ts';
import { activityLogProcessor } from './jobs/activity-log.ts';
import { startAuctionSweeps } from './jobs/auction-sweep.ts';
import { startBadgeSweeps } from './jobs/badge-sweep.ts';
import { startCommerceSweeps } from './jobs/commerce-sweeps.ts';
import { startExchangeRateRefreshes } from './jobs/exchange-rate-refresh.ts';
import { startMediaSweep } from './jobs/media-sweep.ts';
import { startPaymentReconciler } from './jobs/payment-reconciler.ts';
import { scheduleRankings } from './jobs/rankings-schedule.ts';
import { startTrustSweeps } from './jobs/trust-sweep.ts';
import { recordInHistory } from './modules/discovery/activity/service.ts';
import { ensureFirstAdminInBackground } from './modules/identity/auth/admin.ts';
import { pushDeliveryProcessor } from './modules/realtime/push/delivery-processor.ts';

const env = loadEnvOrExit('api');
const logger = createLogger(env, 'api');
const deps = createApiDeps(env, logger);
const app = await buildApp(deps);
// ADMIN_EMAIL + ADMIN_PASSWORD: the first administrator, once (retried while PostgreSQL is down)
const stopFirstAdmin = ensureFirstAdminInBackground(deps);

// The API consumes activity-log by default; WORKERS=inline adds every worker's processors so a
// small install runs as one process.
const workerDeps = { env, logger, redis: deps.workerRedis };
const sets: ProcessorSet[] = [
  {
    processors: env.ACTIVITY_LOG_CONSUMER
      ? [
          activityLogProcessor(deps.database.db, {
            recordInHistory,
            // the stored rankings change: the cached ranking and pick reads go with them
            recalculateRankings: () =>
              deps.cache.afterWrite(
                () => deps.rankings.recalculate(),
                () => deps.cache.invalidateList(),
              ),
          }),
        ]
      : [],
  },
  // push-delivery: the push module's own rows and VAPID keys live here, and a job is one HTTPS
  // request, so the API replicas share it rather than a fourth worker app (PUSH_DELIVERY_CONSUMER)
  {
    processors: env.PUSH_DELIVERY_CONSUMER
      ? [pushDeliveryProcessor({ push: deps.push, timeoutMs: env.PUSH_SEND_TIMEOUT_MS })]
      : [],
  },
];
if (env.WORKERS === 'inline') {
  sets.push(
    buildSearchProcessors(workerDeps),
    buildTranscodeProcessors(workerDeps),
    // the crawler writes offers through this process's prices service
    crawlerProcessors(workerDeps, () => deps.crawlerOffers),
  );
}
// each job run is timed and counted for /metrics, beside the depth of the queues consumed here
const processorSet = instrumentProcessors(
  {
    processors: sets.flatMap((set) => set.processors),
    async close() {
      await Promise.all(sets.map((set) => set.close?.()));
    },
  },
  jobMetrics(deps.observability.registry),
);
const consumed = consumedQueues(processorSet, deps.workerRedis, env.REDIS_KEY_PREFIX);
registerQueueDepth(deps.observability.registry, consumed.queues);
const workers = startWorkers(env.WORKERS === 'inline' ? 'api-inline' : 'api', workerDeps, processorSet);
// popular products and keywords recomputed every hour: every API declares the one schedule, an
// activity-log consumer runs it
void scheduleRankings(deps.producers.queues['activity-log'], logger);
// unpaid orders past their deadline cancelled, points past their expiry expired (one replica at a time)
const commerceSweeps = startCommerceSweeps(
  {
    database: deps.database,
    expireUnpaidOrders: () => deps.orders.expireUnpaid(),
    expirePoints: () => deps.points.expireDue(),
    logger,
  },
  env.COMMERCE_SWEEP_INTERVAL_MS,
);

// exchange rates from EXCHANGE_RATE_URL, at start and every interval (one replica at a time);
// without the URL no refresh runs and the rate reads answer 503 until an admin sets a rate
const exchangeRateRefreshes = env.EXCHANGE_RATE_URL
  ? startExchangeRateRefreshes(
      { database: deps.database, refreshRates: () => deps.i18n.refreshRates(), logger },
      env.EXCHANGE_RATE_REFRESH_INTERVAL_MS,
    )
  : undefined;
// AUTO badges granted to every member whose metric reached the threshold (one replica at a time)
const badgeSweeps = startBadgeSweeps(
  { database: deps.database, sweepBadges: () => deps.badges.sweep(), logger },
  env.BADGE_SWEEP_INTERVAL_MS,
);

// every seller's trust score recomputed from the data (one replica at a time)
const trustSweeps = startTrustSweeps(
  { database: deps.database, recomputeTrust: () => deps.trust.recomputeAll(), logger },
  env.TRUST_SWEEP_INTERVAL_MS,
);

// reverse auctions past their deadline expired, their owners and bidders notified (one replica at a time)
const auctionSweeps = startAuctionSweeps(
  { database: deps.database, expireAuctions: () => deps.auctions.expireOverdue(), logger },
  env.AUCTION_SWEEP_INTERVAL_MS,
);

// payments left PENDING (a timed-out confirm, a process killed mid-payment) settled by asking the
// gateway, at start and every PAYMENT_RECONCILE_INTERVAL_MS (one replica at a time)
const paymentReconciler = startPaymentReconciler(
  {
    database: deps.database,
    reconcilePayments: () => deps.payments.reconcile(),
    sweepExpiredKeys: () => deps.idempotency.sweepExpired(),
    logger,
  },
  env.PAYMENT_RECONCILE_INTERVAL_MS,
);

// pre-signed uploads never completed within MEDIA_PENDING_UPLOAD_TTL_MINUTES: rows and objects
// deleted; image uploads a crash left under images/incoming/ (older than an hour) deleted
const mediaSweep = startMediaSweep(
  {
    sweepPendingUploads: () => deps.mediaFiles.sweepPending(),
    sweepStaleIncomingImages: () => deps.images.sweepStaleIncoming(),
    logger,
  },
  Math.min(env.MEDIA_PENDING_UPLOAD_TTL_MINUTES * 60_000, 5 * 60_000),
);
onShutdownSignal(logger, env.SHUTDOWN_GRACE_MS, async (_signal, progress) => {
  // stop accepting requests first, then let the jobs finish, then close the pools; each step is
  // named, so a shutdown that overruns its grace says which one held it
  const steps: [string, () => Promise<void> | void][] = [
    ['stopping the first-admin watch', stopFirstAdmin],
    ['closing the HTTP server and its sockets', () => app.close()],
    ['waiting for the payment reconciler', () => paymentReconciler.stop()],
    ['waiting for the commerce sweeps', () => commerceSweeps.stop()],
    ['waiting for the badge sweep', () => badgeSweeps.stop()],
    ['waiting for the exchange-rate refresh', () => exchangeRateRefreshes?.stop()],
    ['waiting for the trust sweep', () => trustSweeps.stop()],
    ['waiting for the auction sweep', () => auctionSweeps.stop()],
    ['waiting for the media sweep', () => mediaSweep.stop()],
    ['finishing or releasing in-flight jobs', () => workers.close()],
    ['closing the queue-depth readers', () => consumed.close()],
    ['closing the database, Redis, OpenSearch and storage clients', () => deps.close()],
  ];
  for (const [step, run] of steps) {
    progress(step);
    await run();
  }
});

try {
  await app.listen({ host: env.HOST, port: env.PORT });
} catch (error) {
  logger.fatal(
    { err: error },
    `cannot listen on ${env.HOST}:${env.PORT}; is another process using the port?`,
  );
  process.exit(1);
}
