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
  selectTuples,
} from '@pbshop/db';
import type { ResilienceRegistry } from '@pbshop/resilience';
import type { Job, Queue } from 'bullmq';
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import { anomalyReason, anomalySeverity, expectedRange } from './anomaly.ts';
import { CrawlError, type ErrorClass } from './crawl-error.ts';
import { authorityOf, type FetchSettings, fetchPage, type PageConditions } from './fetch.ts';
import { type CollectedItem, type CollectedSpec, parseListingLinks, parseProductPage } from './parse.ts';
import type { HostPoliteness, PoliteRun } from './politeness.ts';
import type { RobotsRules } from './robots.ts';
import { type PageValidators, readingOf, type StoredPage } from './validators.ts';

/** Per-item errors kept on a run: enough to diagnose, bounded so a broken shop cannot bloat a row. */
export const MAX_ITEM_ERRORS = 50;
/**
 * Collected pages recorded together (matching, links, anomaly holds and offer writes in a few
 * statements each) while the run's next pages are fetched; the prices module takes a batch's offers
 * in one transaction.
 */
export const RECORD_BATCH = 250;
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
  /** pages' validators and items: unchanged pages are asked for conditionally (none: always fetched whole) */
  validators?: PageValidators;
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

/** What became of a collected offer: its outcome, or why the catalog refused it. */
export type OfferWriteOutcome = 'created' | 'updated' | 'unchanged' | { error: string };

/**
 * The catalog as the crawler sees it: offers are written only through the prices module's
 * offer-write path (offer, lowest price, history, alerts and search outbox in one transaction);
 * an offer whose price, shipping, stock and URL did not change is not written.
 */
export interface CrawlCatalog {
  writeOffer(offer: CollectedOffer): Promise<'created' | 'updated' | 'unchanged'>;
  /** A run's batch of offers, with the results `writeOffer` would give them one after another. */
  writeOffers(offers: CollectedOffer[]): Promise<OfferWriteOutcome[]>;
  /**
   * Pages' specs recorded on their products through the spec module's write: names matched to the
   * product category's definitions, values checked, merged, search refreshed; per entry what became
   * of them.
   */
  writeSpecs(
    entries: { productId: number; specs: CollectedSpec[] }[],
    /** the run's memo: each category's definitions are read once per run (the run's snapshot) */
    definitions: Map<number, unknown>,
  ): Promise<SpecWriteOutcome[]>;
}

/** What became of one page's specs. */
export interface SpecWriteOutcome {
  written: number;
  unchanged: number;
  /** names without a definition in the product's category */
  unmatched: string[];
  /** values their definition refuses */
  refused: { name: string; message: string }[];
}

type Outcome = 'created' | 'updated' | 'unchanged' | 'unmatched' | 'collected' | 'held';

/** What a stored link identifies a page's product by. */
interface LinkValues {
  sellerProductCode: string | null;
  gtin: string | null;
  mpn: string | null;
  url: string | null;
}

/** (a value missing from a stored item's JSON is null, as it was before it was stored) */
const sameLink = (a: LinkValues, b: LinkValues) =>
  (a.sellerProductCode ?? null) === (b.sellerProductCode ?? null) &&
  (a.gtin ?? null) === (b.gtin ?? null) &&
  (a.mpn ?? null) === (b.mpn ?? null) &&
  (a.url ?? null) === (b.url ?? null);

/** A run's spec recording: its definitions memo, and who is told what became of a page's specs. */
interface SpecsListener {
  definitions: Map<number, unknown>;
  told(url: string, outcome: SpecWriteOutcome | CrawlError): void;
}

/** A run's note on a page's specs that were not (all) recorded; null when all were. */
function specNote(url: string, outcome: SpecWriteOutcome | CrawlError): CrawlerItemError | null {
  if (outcome instanceof CrawlError) {
    return { url, errorClass: outcome.errorClass, kind: 'SPEC', message: outcome.message.slice(0, 500) };
  }
  if (outcome.unmatched.length === 0 && outcome.refused.length === 0) return null;
  // the refusals first: a long list of unknown names is what the bound cuts
  const parts = [
    ...outcome.refused.map(({ name, message }) => `${JSON.stringify(name)} refused (${message})`),
    ...(outcome.unmatched.length > 0
      ? [`no definition named ${outcome.unmatched.map((name) => JSON.stringify(name)).join(', ')}`]
      : []),
  ];
  return {
    url,
    errorClass: 'PARSE',
    kind: 'SPEC',
    message: `specs not recorded: ${parts.join('; ')}`.slice(0, 500),
  };
}

interface Page {
  url: string;
  productId?: number;
}

/** A page's offer, read and waiting to be recorded. */
interface Collected {
  page: Page;
  item: CollectedItem;
  /** the page's validators and item to store; null: forget the stored ones; absent: keep them */
  store?: StoredPage | null;
}

export interface RunOutcome {
  runId: number;
  status: 'SUCCESS' | 'PARTIAL' | 'FAILED' | 'SKIPPED';
  pages?: number;
  failed?: number;
  items?: number;
  /** when the run collects specs: values written, already stored, names unmatched, values refused */
  specs?: { written: number; unchanged: number; unmatchedNames: number; refused: number };
}

/**
 * Crawler runs in worker-crawler: takes a QUEUED (or interrupted PROCESSING) run, or records the
 * run of a scheduled firing, fetches its pages politely (robots.txt, per-host slots in Redis, the
 * `crawler:<host>` breaker), parses the offers on them, records them in batches of RECORD_BATCH
 * while the next pages are fetched, and ends it SUCCESS, PARTIAL or FAILED with the counts, the
 * error class and the first per-item errors. Re-running a run is safe: a job
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

  async function fetchPolitely(
    url: string,
    signal: AbortSignal,
    polite: PoliteRun = deps.politeness.run,
    conditions?: PageConditions,
  ) {
    const verdict = deps.robots.cached(url) ?? (await deps.robots.check(url));
    if (!verdict.allowed) {
      // robots.txt unreachable (network, timeout, 5xx) forbids the page too: reported as that cause
      throw new CrawlError(
        verdict.unreachable ?? 'ROBOTS_DISALLOWED',
        verdict.reason ?? 'robots.txt disallows it',
      );
    }
    const { host } = authorityOf(url);
    return fetchPage(
      deps.resilience,
      url,
      deps.fetch,
      signal,
      (attempt) => polite(host, verdict.crawlDelayMs, signal, attempt),
      conditions,
    );
  }

  /**
   * The page's offer: the stored item when the page answers 304 to its stored validators (read the
   * same way), else the parsed one, with what to store about the page.
   */
  async function collect(
    page: Page,
    selectors: CrawlerSelectors,
    collectSpec: boolean,
    reading: string,
    stored: StoredPage | undefined,
    signal: AbortSignal,
    polite: PoliteRun,
  ): Promise<Collected> {
    const reusable = stored?.reading === reading && (stored.etag !== null || stored.lastModified !== null);
    const fetched = await fetchPolitely(page.url, signal, polite, reusable ? stored : undefined);
    if (fetched.status === 304 && reusable) return { page, item: stored.item };
    const [item] = parseProductPage(fetched.body, selectors, { specs: collectSpec });
    if (!item) {
      throw new CrawlError('PARSE', 'no offer on the page (no JSON-LD Product, microdata or selector match)');
    }
    if (fetched.etag === null && fetched.lastModified === null) {
      return stored ? { page, item, store: null } : { page, item };
    }
    return { page, item, store: { etag: fetched.etag, lastModified: fetched.lastModified, reading, item } };
  }

  /**
   * The catalog product of each item (undefined: none): the page's link (stored when a page tied to
   * a product was collected, or when an admin approved its mapping), the seller's own code, then
   * GTIN, then MPN (any seller's link), in one statement.
   */
  async function matchAll(sellerId: number, entries: Collected[]): Promise<(number | undefined)[]> {
    const rows = await db.execute<{ at: number; product_id: string | null }>(sql`
      select i.at, coalesce(
        (select l.product_id from crawler_product_links l where l.seller_id = ${sellerId} and l.url = i.url limit 1),
        (select l.product_id from crawler_product_links l
          where l.seller_id = ${sellerId} and l.seller_product_code = i.code limit 1),
        (select l.product_id from crawler_product_links l where l.gtin = i.gtin limit 1),
        (select l.product_id from crawler_product_links l where l.mpn = i.mpn limit 1)
      ) as product_id
      from jsonb_to_recordset(${JSON.stringify(
        entries.map(({ page, item }, at) => ({
          at,
          url: page.url,
          code: item.sellerProductCode,
          gtin: item.gtin,
          mpn: item.mpn,
        })),
      )}::jsonb) as i(at int, url text, code text, gtin text, mpn text)`);
    const found = new Map([...rows].map((row) => [row.at, row.product_id]));
    return entries.map((_entry, at) => {
      const productId = found.get(at);
      return productId == null ? undefined : Number(productId);
    });
  }

  /**
   * Remembers what identifies each page's product (its code, GTIN, MPN) for matching later, in
   * one transaction; a link as stored already (the usual case on a re-crawl) is not written. A code
   * now names its page's product: another product's claim on it ends (within the batch, the last
   * page claiming it keeps it, as one page after another would leave it).
   */
  async function linkAll(sellerId: number, entries: Collected[], known: Map<number, LinkValues>) {
    const links = new Map<
      number,
      { sellerProductCode: string | null; gtin: string | null; mpn: string | null; url: string }
    >();
    const claims = new Map<string, number>();
    for (const { page, item } of entries) {
      if (page.productId === undefined) continue;
      const values = {
        sellerProductCode: item.sellerProductCode,
        gtin: item.gtin,
        mpn: item.mpn,
        url: page.url,
      };
      const stored = known.get(page.productId);
      if (stored && sameLink(stored, values)) continue;
      links.set(page.productId, values);
      if (item.sellerProductCode) claims.set(item.sellerProductCode, page.productId);
    }
    if (links.size === 0) return;
    for (const [productId, values] of links) {
      if (values.sellerProductCode && claims.get(values.sellerProductCode) !== productId) {
        links.set(productId, { ...values, sellerProductCode: null });
      }
    }
    await db.transaction(async (tx) => {
      if (claims.size > 0) {
        await tx.execute(sql`
          update crawler_product_links l set seller_product_code = null
          from jsonb_to_recordset(${JSON.stringify(
            [...claims].map(([code, productId]) => ({ code, product_id: productId })),
          )}::jsonb) as c(code text, product_id bigint)
          where l.seller_id = ${sellerId} and l.seller_product_code = c.code and l.product_id <> c.product_id`);
      }
      await tx
        .insert(crawlerProductLinks)
        .values([...links].map(([productId, values]) => ({ sellerId, productId, ...values })))
        .onConflictDoUpdate({
          target: [crawlerProductLinks.sellerId, crawlerProductLinks.productId],
          set: {
            sellerProductCode: sql.raw('excluded.seller_product_code'),
            gtin: sql.raw('excluded.gtin'),
            mpn: sql.raw('excluded.mpn'),
            url: sql.raw('excluded.url'),
            updatedAt: new Date(),
          },
        });
    });
    for (const [productId, values] of links) known.set(productId, values);
  }

  /**
   * Holds each price far from its product's robust centre as a fraud alert: the median of the
   * other sellers' live offers and this seller's prices of the last 30 days (at least two of them;
   * with fewer nothing is judged), for every product of the batch in one statement. Answers the
   * entries it held.
   */
  async function holdAnomalous(
    run: typeof crawlerRuns.$inferSelect,
    entries: { page: Page; item: CollectedItem; productId: number }[],
  ): Promise<Set<number>> {
    const held = new Set<number>();
    if (entries.length === 0) return held;
    const centres = await db.execute<{
      product_id: string;
      n: number;
      median: string | null;
      offer_id: string | null;
    }>(sql`
      select p.id as product_id, c.n, c.median,
             (select o.id from offers o where o.product_id = p.id and o.seller_id = ${run.sellerId}) as offer_id
      from unnest(${sql.param(entries.map((entry) => entry.productId))}::bigint[]) as p(id)
      cross join lateral (
        select count(*)::int as n, percentile_cont(0.5) within group (order by refs.price) as median
        from (
          select price from offers
          where product_id = p.id and seller_id <> ${run.sellerId} and stock_state <> 'OUT_OF_STOCK'
          union all
          select price from price_history
          where product_id = p.id and seller_id = ${run.sellerId} and price is not null
            and recorded_at > now() - interval '30 days'
        ) refs
      ) c`);
    const centreOf = new Map([...centres].map((row) => [Number(row.product_id), row]));
    const holds: Promise<unknown>[] = [];
    entries.forEach(({ page, item, productId }, at) => {
      const centre = centreOf.get(productId);
      if (!centre || centre.n < 2 || centre.median === null) return;
      const median = Math.round(Number(centre.median));
      const range = expectedRange(median, deps.anomaly.lowerRatio, deps.anomaly.upperRatio);
      if (item.price >= range.lower && item.price <= range.upper) return;
      const values = {
        offerId: centre.offer_id === null ? null : Number(centre.offer_id),
        runId: run.id,
        url: page.url,
        reason: anomalyReason(item.price, range, median, centre.n),
        rawPrice: item.price,
        shippingFee: item.shippingFee,
        stockState: item.stockState,
        effectivePrice: item.price + (item.shippingFee ?? 0),
        baselineAverage: median,
        lowerBound: range.lower,
        upperBound: range.upper,
        severity: anomalySeverity(item.price, median),
      } as const;
      held.add(at);
      holds.push(
        db
          .insert(fraudAlerts)
          .values({ productId, sellerId: run.sellerId, ...values })
          .onConflictDoUpdate({
            target: [fraudAlerts.productId, fraudAlerts.sellerId],
            targetWhere: sql`${fraudAlerts.status} = 'PENDING'`,
            set: { ...values, updatedAt: new Date() },
          }),
      );
      logger.warn(
        { runId: run.id, productId, sellerId: run.sellerId, price: item.price, median },
        'anomalous price held',
      );
    });
    await Promise.all(holds);
    return held;
  }

  /** The seller's stored links, by product, as `linkAll` compares them. */
  async function knownLinks(sellerId: number): Promise<Map<number, LinkValues>> {
    // every link of the seller each run
    const links = await selectTuples<
      [productId: number, code: string | null, gtin: string | null, mpn: string | null, url: string | null]
    >(
      db,
      sql`product_id, seller_product_code, gtin, mpn, url`,
      sql`from crawler_product_links where seller_id = ${sellerId}`,
    );
    const known = new Map<number, LinkValues>();
    for (const [productId, sellerProductCode, gtin, mpn, url] of links) {
      known.set(productId, { sellerProductCode, gtin, mpn, url });
    }
    return known;
  }

  /**
   * Records a batch of collected pages: links pages tied to a product, matches the others (no
   * match is kept unmatched, never guessed), holds anomalous prices, and writes the rest through
   * the catalog's batch. A product met twice is recorded once per batch: the later pages of it
   * are answered `deferred`, for the next batch (so each page sees the one before it, as one page
   * after another would). Per entry: its outcome or its failure.
   */
  async function recordBatch(
    run: typeof crawlerRuns.$inferSelect,
    batch: Collected[],
    known: Map<number, LinkValues>,
    onSpecs: SpecsListener,
  ): Promise<(Outcome | 'deferred' | CrawlError)[]> {
    const outcomes: (Outcome | 'deferred' | CrawlError)[] = new Array(batch.length);
    const seen = new Set<number>();
    const tied = batch.map(({ page }, at) => {
      if (page.productId === undefined) return false;
      if (seen.has(page.productId)) outcomes[at] = 'deferred';
      seen.add(page.productId);
      return outcomes[at] === undefined;
    });
    await linkAll(
      run.sellerId,
      batch.filter((_entry, at) => tied[at]),
      known,
    );
    const untied = batch.flatMap((_entry, at) => (outcomes[at] === undefined && !tied[at] ? [at] : []));
    const matched =
      untied.length === 0
        ? []
        : await matchAll(
            run.sellerId,
            untied.map((at) => batch[at] as Collected),
          );
    const productOf = new Map<number, number>();
    batch.forEach(({ page }, at) => {
      if (tied[at]) productOf.set(at, page.productId as number);
    });
    const unmatched: number[] = [];
    untied.forEach((at, index) => {
      const productId = matched[index];
      if (productId === undefined) unmatched.push(at);
      else if (seen.has(productId)) outcomes[at] = 'deferred';
      else {
        seen.add(productId);
        productOf.set(at, productId);
      }
    });
    if (unmatched.length > 0) {
      // one row per URL: the last page of it in the batch, as one write after another would leave it
      const byUrl = new Map(unmatched.map((at) => [(batch[at] as Collected).page.url, at]));
      await db
        .insert(crawlerUnmatchedItems)
        .values(
          [...byUrl.values()].map((at) => {
            const { page, item } = batch[at] as Collected;
            return {
              sellerId: run.sellerId,
              runId: run.id,
              url: page.url,
              title: item.title,
              price: item.price,
              sellerProductCode: item.sellerProductCode,
              gtin: item.gtin,
              mpn: item.mpn,
            };
          }),
        )
        .onConflictDoUpdate({
          target: [crawlerUnmatchedItems.sellerId, crawlerUnmatchedItems.url],
          set: {
            runId: run.id,
            title: sql.raw('excluded.title'),
            price: sql.raw('excluded.price'),
            updatedAt: new Date(),
          },
        });
      for (const at of unmatched) outcomes[at] = 'unmatched';
    }
    const priced = [...productOf.keys()].sort((a, b) => a - b);
    if (run.collectSpec)
      await recordSpecs(
        priced.map((at) => [batch[at] as Collected, productOf.get(at) as number]),
        onSpecs,
      );
    if (!run.collectPrice) {
      for (const at of priced) outcomes[at] = 'collected';
      return outcomes;
    }
    const candidates = priced.map((at) => ({
      ...(batch[at] as Collected),
      productId: productOf.get(at) as number,
    }));
    const held = run.detectAnomaly ? await holdAnomalous(run, candidates) : new Set<number>();
    const toWrite = priced.filter((_at, index) => !held.has(index));
    for (const index of held) outcomes[priced[index] as number] = 'held';
    if (toWrite.length === 0) return outcomes;
    const written = await deps.catalog.writeOffers(
      toWrite.map((at) => {
        const { page, item } = batch[at] as Collected;
        return {
          productId: productOf.get(at) as number,
          sellerId: run.sellerId,
          price: item.price,
          shippingFee: item.shippingFee,
          stockState: item.stockState,
          url: page.url,
        };
      }),
    );
    toWrite.forEach((at, index) => {
      const result = written[index] as OfferWriteOutcome;
      outcomes[at] =
        typeof result === 'string'
          ? result
          : new CrawlError('DATABASE', `offer of product ${productOf.get(at)} not recorded: ${result.error}`);
    });
    return outcomes;
  }

  /**
   * `recordBatch`, halving a batch that fails until the entry that fails it is alone: that entry
   * fails (DATABASE), the rest are recorded.
   */
  async function recordSplitting(
    run: typeof crawlerRuns.$inferSelect,
    batch: Collected[],
    known: Map<number, LinkValues>,
    onSpecs: SpecsListener,
  ): Promise<(Outcome | 'deferred' | CrawlError)[]> {
    try {
      return await recordBatch(run, batch, known, onSpecs);
    } catch (error) {
      // the database's own words (a failed query's wrapper repeats the statement and its parameters)
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      const message = cause instanceof Error ? cause.message : String(cause);
      if (batch.length === 1) {
        const productId = batch[0]?.page.productId;
        return [
          new CrawlError(
            'DATABASE',
            `${productId === undefined ? 'item' : `offer of product ${productId}`} not recorded: ${message}`,
          ),
        ];
      }
      logger.warn({ err: error, runId: run.id, entries: batch.length }, 'crawler batch not recorded; split');
      const half = Math.ceil(batch.length / 2);
      return [
        ...(await recordSplitting(run, batch.slice(0, half), known, onSpecs)),
        ...(await recordSplitting(run, batch.slice(half), known, onSpecs)),
      ];
    }
  }

  /**
   * Records the specs of matched pages through the catalog (one call per batch); a failure of that
   * write is told per page (DATABASE), not held against the offers.
   */
  async function recordSpecs(entries: [Collected, number][], onSpecs: SpecsListener): Promise<void> {
    const withSpecs = entries.filter(([{ item }]) => item.specs !== null && item.specs.length > 0);
    if (withSpecs.length === 0) return;
    try {
      const outcomes = await deps.catalog.writeSpecs(
        withSpecs.map(([{ item }, productId]) => ({ productId, specs: item.specs as CollectedSpec[] })),
        onSpecs.definitions,
      );
      withSpecs.forEach(([{ page }], at) => {
        onSpecs.told(page.url, outcomes[at] as SpecWriteOutcome);
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      for (const [{ page }] of withSpecs) {
        onSpecs.told(page.url, new CrawlError('DATABASE', `specs not recorded: ${message}`));
      }
    }
  }

  /**
   * Stores the batch's pages' validators and items (a failure only costs full fetches next time).
   * A deferred entry is stored again with its next batch: the same value.
   */
  async function storePages(sellerId: number, batch: Collected[]): Promise<void> {
    if (!deps.validators) return;
    const stored = new Map<string, StoredPage>();
    const forgotten: string[] = [];
    for (const entry of batch) {
      if (entry.store) stored.set(entry.page.url, entry.store);
      else if (entry.store === null) forgotten.push(entry.page.url);
    }
    await deps.validators
      .save(sellerId, stored, forgotten)
      .catch((error: unknown) => logger.warn({ err: error, sellerId }, 'crawler page validators not stored'));
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
      // the batch being recorded while the fetch loops go on (one at a time)
      let writer: Promise<void> | undefined;
      try {
        // the seller's links are first needed by the first batch: read while the first pages are fetched
        const knownLoading = knownLinks(started.sellerId);
        // (a failure is thrown where the first batch awaits it)
        knownLoading.catch(() => {});
        const [{ pages, selectors, errors }, storedPage] = await Promise.all([
          pagesOf(started, signal),
          deps.validators
            ? deps.validators.load(started.sellerId)
            : (_url: string): StoredPage | undefined => undefined,
        ]);
        const total = pages.length + errors.length;
        const reading = readingOf(selectors, started.collectSpec);
        const counts = {
          processed: 0,
          items: 0,
          created: 0,
          updated: 0,
          unchanged: 0,
          unmatched: 0,
          held: 0,
        };
        // what became of the pages' specs (notes by page: a batch recorded again repeats them)
        const specs = { written: 0, unchanged: 0, unmatchedNames: 0, refused: 0 };
        const specNotes = new Map<string, CrawlerItemError>();
        const onSpecs: SpecsListener = {
          definitions: new Map(),
          told(url, outcome) {
            if (!(outcome instanceof CrawlError)) {
              specs.written += outcome.written;
              specs.unchanged += outcome.unchanged;
              specs.unmatchedNames += outcome.unmatched.length;
              specs.refused += outcome.refused.length;
            }
            // only the first are kept on the run
            if (specNotes.size >= MAX_ITEM_ERRORS && !specNotes.has(url)) return;
            const note = specNote(url, outcome);
            if (note) specNotes.set(url, note);
          },
        };
        const classes = new Map<ErrorClass, number>();
        for (const error of errors) classes.set(error.errorClass, (classes.get(error.errorClass) ?? 0) + 1);
        const fail = (url: string, failure: CrawlError) => {
          classes.set(failure.errorClass, (classes.get(failure.errorClass) ?? 0) + 1);
          errors.push({ url, errorClass: failure.errorClass, message: failure.message.slice(0, 500) });
        };
        // collected pages wait here and are recorded in batches of RECORD_BATCH
        const waiting: Collected[] = [];
        let writeError: unknown;
        const drain = async (all: boolean) => {
          while (waiting.length >= RECORD_BATCH || (all && waiting.length > 0)) {
            const batch = waiting.splice(0, RECORD_BATCH);
            const outcomes = await recordSplitting(started, batch, await knownLoading, onSpecs);
            await storePages(started.sellerId, batch);
            const deferred: Collected[] = [];
            outcomes.forEach((outcome, at) => {
              const entry = batch[at] as Collected;
              if (outcome === 'deferred') deferred.push(entry);
              else if (outcome instanceof CrawlError) fail(entry.page.url, outcome);
              else if (outcome !== 'collected') counts[outcome] += 1;
            });
            waiting.unshift(...deferred);
          }
        };
        let next = 0;
        const collectPages = async () => {
          // this loop's turn on its current host, kept between its requests when politeness allows
          const polite = deps.politeness.session();
          try {
            while (next < pages.length) {
              const page = pages[next++] as Page;
              try {
                waiting.push(
                  await collect(
                    page,
                    selectors,
                    started.collectSpec,
                    reading,
                    storedPage(page.url),
                    signal,
                    polite.run,
                  ),
                );
                counts.items += 1;
              } catch (error) {
                if (signal.aborted) throw error;
                fail(
                  page.url,
                  error instanceof CrawlError ? error : new CrawlError('NETWORK', String(error)),
                );
              }
              counts.processed += 1;
              if (waiting.length >= RECORD_BATCH && !writer) {
                writer = drain(false)
                  .catch((error: unknown) => {
                    writeError ??= error;
                  })
                  .finally(() => {
                    writer = undefined;
                  });
              }
              // fetching goes on while a batch is written; with another batch waiting, the loop waits
              if (writer && waiting.length >= 2 * RECORD_BATCH) {
                await polite.release();
                await writer;
              }
            }
          } finally {
            await polite.release();
          }
        };
        await Promise.all(Array.from({ length: Math.max(1, deps.pageConcurrency) }, collectPages));
        while (writer) await writer;
        if (writeError) throw writeError;
        await drain(true);
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
          // the failed items first; notes on specs not recorded (not failures) after them
          itemErrors: [...errors, ...specNotes.values()].slice(0, MAX_ITEM_ERRORS),
          errorClass: status === 'SUCCESS' ? null : dominant,
          errorMessage:
            total === 0
              ? 'nothing to collect: the run has no product or listing pages'
              : status === 'SUCCESS'
                ? null
                : `${failed} of ${total} pages failed; first: ${errors[0]?.message ?? ''}`.slice(0, 1000),
        });
        const specCounts = started.collectSpec ? { specs } : {};
        logger.info(
          { runId: run.id, status, pages: pages.length, failed, ...counts, ...specCounts },
          'crawler run finished',
        );
        return { runId: run.id, status, pages: pages.length, failed, items: counts.items, ...specCounts };
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
        // a batch being written when a page's abort ended the run: let it finish (its writes commit or not)
        while (writer) await writer;
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
