import type { Logger } from '@pbshop/config';
import {
  type CrawlerItemError,
  type CrawlerSelectors,
  crawlerJobs,
  crawlerProductLinks,
  crawlerRuns,
  crawlerUnmatchedItems,
  type Database,
  fraudAlerts,
  offers,
} from '@pbshop/db';
import type { ResilienceRegistry } from '@pbshop/resilience';
import type { Job, Queue } from 'bullmq';
import { and, eq, inArray, lt, type SQL, sql } from 'drizzle-orm';
import { CrawlError, type ErrorClass } from './crawl-error.ts';
import { type FetchSettings, fetchPage } from './fetch.ts';
import { type CollectedItem, parseListingLinks, parseProductPage } from './parse.ts';
import type { HostPoliteness } from './politeness.ts';
import type { RobotsRules } from './robots.ts';

/** Per-item errors kept on a run: enough to diagnose, bounded so a broken shop cannot bloat a row. */
export const MAX_ITEM_ERRORS = 50;
const LEASE_MS = 60_000;
const LEASE_RENEW_MS = 15_000;
const schedulerIdOf = (jobId: number) => `crawler-job-${jobId}`;

export interface CrawlRunDeps {
  db: Database;
  logger: Logger;
  resilience: ResilienceRegistry;
  politeness: HostPoliteness;
  robots: RobotsRules;
  fetch: FetchSettings;
  /** the crawler-collect queue: schedulers of vanished jobs are removed, interrupted runs checked */
  queue: Queue;
  /** failed runs in a row before a job is turned off (0: never) */
  autoDisableAfter: number;
  /** pages of one run fetched at once (the host's politeness still applies) */
  pageConcurrency: number;
  /** the prices module's offer-write path */
  catalog: CrawlCatalog;
  /** anomaly hold: prices outside [lower, upper] × the product's robust centre wait for an admin */
  anomaly: { lowerRatio: number; upperRatio: number };
}

/** A collected offer of a matched product, as the prices module is asked to write it. */
export interface CollectedOffer {
  productId: number;
  sellerId: number;
  price: number;
  /** null: the page did not say (the offer keeps its shipping) */
  shippingFee: number | null;
  stockState: CollectedItem['stockState'];
  url: string;
}

/**
 * The catalog as the crawler sees it: offers are written only through the prices module's
 * offer-write path (offer, lowest price, history, alerts and search outbox in one transaction);
 * an offer whose price, shipping, stock and URL did not change is not written.
 */
export interface CrawlCatalog {
  writeOffer(offer: CollectedOffer): Promise<'created' | 'updated' | 'unchanged'>;
}

type Outcome = 'created' | 'updated' | 'unchanged' | 'unmatched' | 'collected' | 'held';

interface Page {
  url: string;
  productId?: number;
}

export interface RunOutcome {
  runId: number;
  status: 'SUCCESS' | 'PARTIAL' | 'FAILED' | 'SKIPPED';
  pages?: number;
  failed?: number;
  items?: number;
}

/**
 * Crawler runs in worker-crawler: takes a QUEUED (or interrupted PROCESSING) run, or records the
 * run of a scheduled firing, fetches its pages politely (robots.txt, per-host slots in Redis, the
 * `crawler:<host>` breaker), parses the offers on them, and ends it SUCCESS, PARTIAL or FAILED with
 * the counts, the error class and the first per-item errors. Re-running a run is safe: a job
 * moved back to its queue (shutdown, a crashed worker's stalled job) resumes the same run.
 */
export function crawlRuns(deps: CrawlRunDeps) {
  const { db, logger } = deps;

  /** The run a queue job carries: the API's QUEUED run, or the scheduled firing's (recorded once). */
  async function runOf(
    payload: { runId?: number; jobId?: number },
    job: Job,
  ): Promise<typeof crawlerRuns.$inferSelect | undefined> {
    if (payload.runId !== undefined) {
      const [run] = await db.select().from(crawlerRuns).where(eq(crawlerRuns.id, payload.runId));
      return run;
    }
    const jobId = payload.jobId as number;
    const [crawlerJob] = await db.select().from(crawlerJobs).where(eq(crawlerJobs.id, jobId));
    if (!crawlerJob?.isActive || !crawlerJob.cronExpression) {
      // a schedule that outlived its job (deleted or turned off meanwhile): stop it
      await deps.queue.removeJobScheduler(schedulerIdOf(jobId)).catch(() => false);
      return undefined;
    }
    const queueJobId = job.id ?? `scheduled-${jobId}-${Date.now()}`;
    await db
      .insert(crawlerRuns)
      .values({
        jobId,
        sellerId: crawlerJob.sellerId,
        triggerType: 'SCHEDULED',
        collectPrice: crawlerJob.collectPrice,
        collectSpec: crawlerJob.collectSpec,
        detectAnomaly: crawlerJob.detectAnomaly,
        queueJobId,
      })
      .onConflictDoNothing({ target: crawlerRuns.queueJobId });
    await db.update(crawlerJobs).set({ lastTriggeredAt: new Date() }).where(eq(crawlerJobs.id, jobId));
    const [run] = await db.select().from(crawlerRuns).where(eq(crawlerRuns.queueJobId, queueJobId));
    return run;
  }

  /** The pages of a run: its job's targets and listings, or only one product's pages. */
  async function pagesOf(run: typeof crawlerRuns.$inferSelect, signal: AbortSignal) {
    const [job] = run.jobId ? await db.select().from(crawlerJobs).where(eq(crawlerJobs.id, run.jobId)) : [];
    const selectors: CrawlerSelectors = job?.selectors ?? {};
    const pages: Page[] = [...(job?.targets ?? [])];
    const errors: CrawlerItemError[] = [];
    if (run.productId !== null) {
      const own = pages.filter((page) => page.productId === run.productId);
      if (own.length > 0) return { pages: own, selectors, errors };
      const [link] = await db
        .select({ url: crawlerProductLinks.url })
        .from(crawlerProductLinks)
        .where(
          and(
            eq(crawlerProductLinks.sellerId, run.sellerId),
            eq(crawlerProductLinks.productId, run.productId),
          ),
        );
      // the seller's current offer names its page (a read of the prices module's table)
      const [offer] = link?.url
        ? []
        : await db
            .select({ url: offers.url })
            .from(offers)
            .where(and(eq(offers.sellerId, run.sellerId), eq(offers.productId, run.productId)));
      const url = link?.url ?? offer?.url;
      return { pages: url ? [{ url, productId: run.productId }] : [], selectors, errors };
    }
    for (const listing of job?.listingUrls ?? []) {
      try {
        const page = await fetchPolitely(listing, signal);
        for (const url of parseListingLinks(page.body, listing, selectors)) {
          if (!pages.some((known) => known.url === url)) pages.push({ url });
        }
      } catch (error) {
        if (signal.aborted) throw error;
        const failure = error instanceof CrawlError ? error : new CrawlError('NETWORK', String(error));
        errors.push({ url: listing, errorClass: failure.errorClass, message: failure.message.slice(0, 500) });
      }
    }
    return { pages, selectors, errors };
  }

  async function fetchPolitely(url: string, signal: AbortSignal) {
    const verdict = await deps.robots.check(url);
    if (!verdict.allowed) {
      // robots.txt unreachable (network, timeout, 5xx) forbids the page too: reported as that cause
      throw new CrawlError(
        verdict.unreachable ?? 'ROBOTS_DISALLOWED',
        verdict.reason ?? 'robots.txt disallows it',
      );
    }
    const host = new URL(url).host;
    return fetchPage(deps.resilience, url, deps.fetch, signal, (attempt) =>
      deps.politeness.run(host, verdict.crawlDelayMs, signal, attempt),
    );
  }

  async function collect(
    url: string,
    selectors: CrawlerSelectors,
    signal: AbortSignal,
  ): Promise<CollectedItem[]> {
    const page = await fetchPolitely(url, signal);
    const items = parseProductPage(page.body, selectors);
    if (items.length === 0) {
      throw new CrawlError('PARSE', 'no offer on the page (no JSON-LD Product, microdata or selector match)');
    }
    return items;
  }

  /**
   * The catalog product of an item: the page's link (stored when a page tied to a product was
   * collected, or when an admin approved its mapping), the seller's own code, then GTIN, then MPN.
   */
  async function match(sellerId: number, url: string, item: CollectedItem): Promise<number | undefined> {
    const by = async (condition: SQL | undefined) => {
      const [link] = await db
        .select({ productId: crawlerProductLinks.productId })
        .from(crawlerProductLinks)
        .where(condition)
        .limit(1);
      return link?.productId;
    };
    const code = item.sellerProductCode;
    const found =
      (await by(and(eq(crawlerProductLinks.sellerId, sellerId), eq(crawlerProductLinks.url, url)))) ??
      (code
        ? await by(
            and(eq(crawlerProductLinks.sellerId, sellerId), eq(crawlerProductLinks.sellerProductCode, code)),
          )
        : undefined) ??
      (item.gtin ? await by(eq(crawlerProductLinks.gtin, item.gtin)) : undefined) ??
      (item.mpn ? await by(eq(crawlerProductLinks.mpn, item.mpn)) : undefined);
    return found;
  }

  /** Remembers what identifies a page's product (its code, GTIN, MPN), for matching later. */
  async function link(
    sellerId: number,
    page: Page & { productId: number },
    item: CollectedItem,
    known: Map<number, string>,
  ) {
    const values = {
      sellerProductCode: item.sellerProductCode,
      gtin: item.gtin,
      mpn: item.mpn,
      url: page.url,
    };
    const signature = JSON.stringify(values);
    // as stored already (the usual case on a re-crawl): nothing to write
    if (known.get(page.productId) === signature) return;
    known.set(page.productId, signature);
    await db.transaction(async (tx) => {
      if (item.sellerProductCode) {
        // the code now names this product: another product's claim on it ends
        await tx
          .update(crawlerProductLinks)
          .set({ sellerProductCode: null })
          .where(
            and(
              eq(crawlerProductLinks.sellerId, sellerId),
              eq(crawlerProductLinks.sellerProductCode, item.sellerProductCode),
              sql`${crawlerProductLinks.productId} <> ${page.productId}`,
            ),
          );
      }
      await tx
        .insert(crawlerProductLinks)
        .values({ sellerId, productId: page.productId, ...values })
        .onConflictDoUpdate({
          target: [crawlerProductLinks.sellerId, crawlerProductLinks.productId],
          set: { ...values, updatedAt: new Date() },
        });
    });
  }

  /**
   * Holds the price as a fraud alert when it is far from the product's robust centre: the median
   * of the other sellers' live offers and this seller's prices of the last 30 days (at least two of
   * them; with fewer nothing is judged). Answers whether it was held.
   */
  async function holdIfAnomalous(
    run: typeof crawlerRuns.$inferSelect,
    productId: number,
    page: Page,
    item: CollectedItem,
  ): Promise<boolean> {
    const [centre] = await db.execute<{ n: number; median: string | null; offer_id: number | null }>(sql`
      with refs as (
        select price from offers
        where product_id = ${productId} and seller_id <> ${run.sellerId} and stock_state <> 'OUT_OF_STOCK'
        union all
        select price from price_history
        where product_id = ${productId} and seller_id = ${run.sellerId} and price is not null
          and recorded_at > now() - interval '30 days'
      )
      select count(*)::int as n,
             percentile_cont(0.5) within group (order by price) as median,
             (select id from offers where product_id = ${productId} and seller_id = ${run.sellerId}) as offer_id
      from refs`);
    if (!centre || centre.n < 2 || centre.median === null) return false;
    const median = Math.round(Number(centre.median));
    const lower = Math.round(median * deps.anomaly.lowerRatio);
    const upper = Math.round(median * deps.anomaly.upperRatio);
    if (item.price >= lower && item.price <= upper) return false;
    const ratio = median === 0 ? Number.POSITIVE_INFINITY : item.price / median;
    const severity = ratio < 0.3 || ratio > 3 ? 'HIGH' : ratio < 0.4 || ratio > 2.4 ? 'MEDIUM' : 'LOW';
    const values = {
      offerId: centre.offer_id === null ? null : Number(centre.offer_id),
      runId: run.id,
      url: page.url,
      reason: `${item.price < lower ? 'below' : 'above'} the expected range ${lower}..${upper} (median ${median} of ${centre.n} prices)`,
      rawPrice: item.price,
      shippingFee: item.shippingFee,
      stockState: item.stockState,
      effectivePrice: item.price + (item.shippingFee ?? 0),
      baselineAverage: median,
      lowerBound: lower,
      upperBound: upper,
      severity,
    } as const;
    await db
      .insert(fraudAlerts)
      .values({ productId, sellerId: run.sellerId, ...values })
      .onConflictDoUpdate({
        target: [fraudAlerts.productId, fraudAlerts.sellerId],
        targetWhere: sql`${fraudAlerts.status} = 'PENDING'`,
        set: { ...values, updatedAt: new Date() },
      });
    logger.warn(
      { runId: run.id, productId, sellerId: run.sellerId, price: item.price, median },
      'anomalous price held',
    );
    return true;
  }

  /** Matches (or links) the item, then writes its offer through the catalog. */
  /** The seller's stored links, by product, as `link` compares them. */
  async function knownLinks(sellerId: number): Promise<Map<number, string>> {
    const rows = await db
      .select()
      .from(crawlerProductLinks)
      .where(eq(crawlerProductLinks.sellerId, sellerId));
    return new Map(
      rows.map((row) => [
        row.productId,
        JSON.stringify({
          sellerProductCode: row.sellerProductCode,
          gtin: row.gtin,
          mpn: row.mpn,
          url: row.url,
        }),
      ]),
    );
  }

  async function record(
    run: typeof crawlerRuns.$inferSelect,
    page: Page,
    item: CollectedItem,
    known: Map<number, string>,
  ): Promise<Outcome> {
    let productId = page.productId;
    try {
      if (productId !== undefined) await link(run.sellerId, { ...page, productId }, item, known);
      else productId = await match(run.sellerId, page.url, item);
      if (productId === undefined) {
        await db
          .insert(crawlerUnmatchedItems)
          .values({
            sellerId: run.sellerId,
            runId: run.id,
            url: page.url,
            title: item.title,
            price: item.price,
            sellerProductCode: item.sellerProductCode,
            gtin: item.gtin,
            mpn: item.mpn,
          })
          .onConflictDoUpdate({
            target: [crawlerUnmatchedItems.sellerId, crawlerUnmatchedItems.url],
            set: { runId: run.id, title: item.title, price: item.price, updatedAt: new Date() },
          });
        return 'unmatched';
      }
      if (!run.collectPrice) return 'collected';
      if (run.detectAnomaly && (await holdIfAnomalous(run, productId, page, item))) return 'held';
      return await deps.catalog.writeOffer({
        productId,
        sellerId: run.sellerId,
        price: item.price,
        shippingFee: item.shippingFee,
        stockState: item.stockState,
        url: page.url,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new CrawlError(
        'DATABASE',
        `${productId === undefined ? 'item' : `offer of product ${productId}`} not recorded: ${message}`,
      );
    }
  }

  /** Ends the run and keeps its job's failure streak (turning the job off past the limit). */
  async function finish(
    run: typeof crawlerRuns.$inferSelect,
    status: 'SUCCESS' | 'PARTIAL' | 'FAILED',
    values: Partial<typeof crawlerRuns.$inferInsert>,
  ) {
    await db.transaction(async (tx) => {
      await tx
        .update(crawlerRuns)
        .set({
          ...values,
          status,
          endedAt: new Date(),
          durationMs: sql`greatest(0, round(extract(epoch from (now() - coalesce(${crawlerRuns.startedAt}, now()))) * 1000))::int`,
          leaseUntil: null,
          updatedAt: new Date(),
        })
        .where(eq(crawlerRuns.id, run.id));
      if (!run.jobId) return;
      if (status !== 'FAILED') {
        await tx.update(crawlerJobs).set({ consecutiveFailures: 0 }).where(eq(crawlerJobs.id, run.jobId));
        return;
      }
      const [job] = await tx
        .update(crawlerJobs)
        .set({ consecutiveFailures: sql`${crawlerJobs.consecutiveFailures} + 1` })
        .where(eq(crawlerJobs.id, run.jobId))
        .returning();
      if (job?.isActive && deps.autoDisableAfter > 0 && job.consecutiveFailures >= deps.autoDisableAfter) {
        const reason =
          `turned off after ${job.consecutiveFailures} failed runs in a row (last: run ${run.id}, ${
            values.errorClass ?? 'error'
          }: ${values.errorMessage ?? ''})`.slice(0, 1000);
        await tx
          .update(crawlerJobs)
          .set({ isActive: false, disabledReason: reason, updatedAt: new Date() })
          .where(eq(crawlerJobs.id, job.id));
        await deps.queue.removeJobScheduler(schedulerIdOf(job.id));
        logger.warn({ jobId: job.id, reason }, 'crawler job turned off');
      }
    });
  }

  return {
    async process(
      payload: { runId?: number; jobId?: number },
      job: Job,
      signal: AbortSignal,
    ): Promise<RunOutcome> {
      const run = await runOf(payload, job);
      if (!run) return { runId: payload.runId ?? 0, status: 'SKIPPED' };
      if (run.status !== 'QUEUED' && run.status !== 'PROCESSING') return { runId: run.id, status: 'SKIPPED' };
      const [started] = await db
        .update(crawlerRuns)
        .set({
          status: 'PROCESSING',
          startedAt: sql`coalesce(${crawlerRuns.startedAt}, now())`,
          attempts: sql`${crawlerRuns.attempts} + 1`,
          leaseUntil: new Date(Date.now() + LEASE_MS),
          updatedAt: new Date(),
        })
        .where(and(eq(crawlerRuns.id, run.id), inArray(crawlerRuns.status, ['QUEUED', 'PROCESSING'])))
        .returning();
      if (!started) return { runId: run.id, status: 'SKIPPED' };
      const lease = setInterval(() => {
        db.update(crawlerRuns)
          .set({ leaseUntil: new Date(Date.now() + LEASE_MS) })
          .where(and(eq(crawlerRuns.id, run.id), eq(crawlerRuns.status, 'PROCESSING')))
          .catch((error: unknown) =>
            logger.warn({ err: error, runId: run.id }, 'crawler run lease not renewed'),
          );
      }, LEASE_RENEW_MS);
      lease.unref();
      try {
        const { pages, selectors, errors } = await pagesOf(started, signal);
        const total = pages.length + errors.length;
        const known = await knownLinks(started.sellerId);
        const counts = {
          processed: 0,
          items: 0,
          created: 0,
          updated: 0,
          unchanged: 0,
          unmatched: 0,
          held: 0,
        };
        const classes = new Map<ErrorClass, number>();
        for (const error of errors) classes.set(error.errorClass, (classes.get(error.errorClass) ?? 0) + 1);
        let next = 0;
        const collectPages = async () => {
          while (next < pages.length) {
            const page = pages[next++] as Page;
            try {
              const [item] = await collect(page.url, selectors, signal);
              counts.items += 1;
              const outcome = await record(started, page, item as CollectedItem, known);
              if (outcome !== 'collected') counts[outcome] += 1;
            } catch (error) {
              if (signal.aborted) throw error;
              const failure = error instanceof CrawlError ? error : new CrawlError('NETWORK', String(error));
              classes.set(failure.errorClass, (classes.get(failure.errorClass) ?? 0) + 1);
              errors.push({
                url: page.url,
                errorClass: failure.errorClass,
                message: failure.message.slice(0, 500),
              });
            }
            counts.processed += 1;
          }
        };
        await Promise.all(Array.from({ length: Math.max(1, deps.pageConcurrency) }, collectPages));
        const failed = errors.length;
        const dominant = [...classes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
        const status = total === 0 || failed >= total ? 'FAILED' : failed === 0 ? 'SUCCESS' : 'PARTIAL';
        await finish(started, status, {
          itemsProcessed: counts.processed,
          itemsCreated: counts.created,
          itemsUpdated: counts.updated,
          itemsUnchanged: counts.unchanged,
          itemsUnmatched: counts.unmatched,
          anomalyCount: counts.held,
          itemsFailed: failed,
          itemErrors: errors.slice(0, MAX_ITEM_ERRORS),
          errorClass: status === 'SUCCESS' ? null : dominant,
          errorMessage:
            total === 0
              ? 'nothing to collect: the run has no product or listing pages'
              : status === 'SUCCESS'
                ? null
                : `${failed} of ${total} pages failed; first: ${errors[0]?.message ?? ''}`.slice(0, 1000),
        });
        logger.info(
          { runId: run.id, status, pages: pages.length, failed, ...counts },
          'crawler run finished',
        );
        return { runId: run.id, status, pages: pages.length, failed, items: counts.items };
      } catch (error) {
        // a shutdown: the job goes back to its queue and resumes this run
        if (signal.aborted) throw error;
        const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        if (lastAttempt) {
          // our own database (or Redis) failed the run: recorded when we still can
          await finish(started, 'FAILED', {
            errorClass: 'DATABASE',
            errorMessage: (error instanceof Error ? error.message : String(error)).slice(0, 1000),
          }).catch((finishError: unknown) =>
            logger.error({ err: finishError, runId: run.id }, 'crawler run failure not recorded'),
          );
        }
        throw error;
      } finally {
        clearInterval(lease);
      }
    },

    /**
     * Ends FAILED every PROCESSING run whose lease ran out and whose queue job will not resume it
     * (failed for good, or gone), and every QUEUED run whose queue job is gone: no run stays
     * PROCESSING after a crash. A run whose job waits in the queue again is left to resume.
     */
    async sweepInterrupted(): Promise<number> {
      const stale = await db
        .select()
        .from(crawlerRuns)
        .where(
          sql`(${crawlerRuns.status} = 'PROCESSING' and ${lt(crawlerRuns.leaseUntil, new Date())})
            or (${crawlerRuns.status} = 'QUEUED' and ${crawlerRuns.createdAt} < now() - interval '10 minutes')`,
        )
        .limit(100);
      let ended = 0;
      for (const run of stale) {
        const state = run.queueJobId ? await deps.queue.getJobState(run.queueJobId) : 'unknown';
        if (['waiting', 'delayed', 'active', 'prioritized', 'waiting-children'].includes(state)) continue;
        await finish(run, 'FAILED', {
          errorMessage: `interrupted: the worker stopped during the run and its queue job is ${state}`,
        });
        ended += 1;
      }
      if (ended > 0) logger.warn({ ended }, 'interrupted crawler runs ended FAILED');
      return ended;
    },
  };
}

export type CrawlRuns = ReturnType<typeof crawlRuns>;
