import { anomalyReason, anomalySeverity, type CrawlCatalog, expectedRange } from '@pbshop/crawler';
import { type Database, fraudAlerts, offers as offerTable, products } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, count, desc, eq, isNull, sql } from 'drizzle-orm';
import type { PriceEntry } from '../../catalog/prices/schemas.ts';
import type { PricesService } from '../../catalog/prices/service.ts';
import type {
  AnomalyQuery,
  AnomalyResult,
  EffectivePriceItem,
  FraudAlertResponse,
  ScanResult,
} from './schemas.ts';

type AlertRow = typeof fraudAlerts.$inferSelect;
type StockState = 'IN_STOCK' | 'LOW_STOCK' | 'OUT_OF_STOCK';

function toAlert(row: AlertRow): FraudAlertResponse {
  return {
    id: row.id,
    productId: row.productId,
    priceEntryId: row.offerId,
    sellerId: row.sellerId,
    runId: row.runId,
    url: row.url,
    reason: row.reason,
    rawPrice: row.rawPrice,
    shippingFee: row.shippingFee,
    effectivePrice: row.effectivePrice,
    baselineAverage: row.baselineAverage,
    lowerBound: row.lowerBound,
    upperBound: row.upperBound,
    severity: row.severity,
    status: row.status,
    reviewedBy: row.reviewedBy,
    reviewedAt: row.reviewedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/** A scan alert names a live offer and no crawler run; every other alert holds a collected price. */
function isScanAlert(alert: AlertRow): boolean {
  return alert.runId === null && alert.offerId !== null;
}

/** The shipping rule of an offer in words (what the effective price adds and when). */
function shippingInfoOf(entry: PriceEntry): string | null {
  if (entry.shippingRule === 'FREE') return 'free shipping';
  if (entry.shippingRule === 'FREE_OVER') {
    return `free shipping from ${entry.freeShippingThreshold ?? 0} KRW, else ${entry.shippingCost} KRW`;
  }
  return `shipping ${entry.shippingCost} KRW`;
}

function toEffectivePrice(entry: PriceEntry): EffectivePriceItem {
  return {
    priceEntryId: entry.id,
    sellerId: entry.seller.id,
    sellerName: entry.seller.name,
    productPrice: entry.price,
    shippingFee: entry.realPrice - entry.price,
    shippingType: entry.shippingRule,
    effectivePrice: entry.realPrice,
    shippingInfo: shippingInfoOf(entry),
    productUrl: entry.productUrl,
    stockState: entry.stockState,
  };
}

/** The median of `values` (the mean of the two middle ones for an even count), 0 without any. */
function medianOf(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

interface JudgedOffer {
  entry: EffectivePriceItem;
  anomaly: AnomalyResult['anomalies'][number];
}

/**
 * Judges a product's in-stock offers by their effective prices against the median of them, with
 * the crawler's rule (`@pbshop/crawler` anomaly.ts: range, severity, reason). With fewer than two
 * offers nothing is judged, as the crawler's hold does. Anomalies are ordered furthest first.
 */
function judge(productId: number, entries: PriceEntry[], query: AnomalyQuery) {
  const buyable = entries.filter((entry) => entry.stockState !== 'OUT_OF_STOCK').map(toEffectivePrice);
  const baseline = Math.round(medianOf(buyable.map((entry) => entry.effectivePrice)));
  const range = expectedRange(baseline, query.lowerBoundRatio, query.upperBoundRatio);
  const judged: JudgedOffer[] =
    buyable.length < 2
      ? []
      : buyable
          .filter((entry) => entry.effectivePrice < range.lower || entry.effectivePrice > range.upper)
          .map((entry) => ({
            entry,
            anomaly: {
              priceEntryId: entry.priceEntryId,
              sellerId: entry.sellerId,
              sellerName: entry.sellerName,
              rawPrice: entry.productPrice,
              effectivePrice: entry.effectivePrice,
              baselineAverage: baseline,
              lowerBound: range.lower,
              upperBound: range.upper,
              severity: anomalySeverity(entry.effectivePrice, baseline),
              reason: anomalyReason(entry.effectivePrice, range, baseline, buyable.length),
            },
          }))
          .sort(
            (a, b) =>
              Math.abs(Math.log(b.entry.effectivePrice / baseline)) -
              Math.abs(Math.log(a.entry.effectivePrice / baseline)),
          );
  const listed = judged.slice(0, query.limit);
  const result: AnomalyResult = {
    productId,
    baselineAverage: baseline,
    lowerBound: range.lower,
    upperBound: range.upper,
    scannedCount: buyable.length,
    anomalyCount: judged.length,
    anomalies: listed.map((item) => item.anomaly),
  };
  return { result, listed };
}

/**
 * Anomalous prices (FRAUD-01, FRAUD-02). Two kinds of alert share `fraud_alerts` (one PENDING per
 * product and seller):
 * - a crawler hold (`runId` set, or no offer named): worker-crawler records the collected price instead of writing
 *   the offer; approving writes it through the prices module (the crawler's offer path),
 *   rejecting discards it;
 * - a scan alert (`runId` null, `offerId` set; from POST /fraud/admin/products/:id/scan): a live offer far from
 *   the product's median; approving keeps the offer as it is, rejecting withdraws it through the
 *   prices service, when it still has the flagged price (a repriced or removed offer is left alone).
 * Owns `fraud_alerts`.
 */
export function fraudAlertsService(db: Database, offers: CrawlCatalog, prices: PricesService) {
  /** Moves a PENDING alert to `status`; 404 when there is none, 409 when it was reviewed already. */
  async function review(id: number, status: 'APPROVED' | 'REJECTED', reviewerId: number): Promise<AlertRow> {
    const [row] = await db
      .update(fraudAlerts)
      .set({ status, reviewedBy: reviewerId, reviewedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(fraudAlerts.id, id), eq(fraudAlerts.status, 'PENDING')))
      .returning();
    if (row) return row;
    const [existing] = await db
      .select({ status: fraudAlerts.status })
      .from(fraudAlerts)
      .where(eq(fraudAlerts.id, id));
    if (!existing) throw new AppError('FRAUD_ALERT_NOT_FOUND');
    throw new AppError('CONFLICT', { details: { reason: `the alert is ${existing.status} already` } });
  }

  return {
    async list(query: { page: number; limit: number; status?: AlertRow['status'] }) {
      const where = query.status ? eq(fraudAlerts.status, query.status) : undefined;
      const [rows, [total]] = await Promise.all([
        db
          .select()
          .from(fraudAlerts)
          .where(where)
          .orderBy(desc(fraudAlerts.createdAt), desc(fraudAlerts.id))
          .limit(query.limit)
          .offset((query.page - 1) * query.limit),
        db.select({ value: count() }).from(fraudAlerts).where(where),
      ]);
      return { rows: rows.map(toAlert), totalCount: total?.value ?? 0 };
    },

    /** Approves the held price: it is written as the seller's offer (lowest price, history, search follow). */
    async approve(id: number, reviewerId: number): Promise<void> {
      const alert = await review(id, 'APPROVED', reviewerId);
      if (isScanAlert(alert)) return; // the live offer stays as it is
      try {
        await offers.writeOffer({
          productId: alert.productId,
          sellerId: alert.sellerId,
          price: alert.rawPrice,
          shippingFee: alert.shippingFee,
          stockState: alert.stockState as StockState,
          url: alert.url,
        });
      } catch (error) {
        // not written: the alert waits again
        await db
          .update(fraudAlerts)
          .set({ status: 'PENDING', reviewedBy: null, reviewedAt: null })
          .where(eq(fraudAlerts.id, id));
        throw error;
      }
    },

    /** Rejects a held price (discarded) or a scan alert (its offer withdrawn while it has the flagged price). */
    async reject(id: number, reviewerId: number): Promise<void> {
      const alert = await review(id, 'REJECTED', reviewerId);
      if (!isScanAlert(alert) || alert.offerId === null) return;
      const [live] = await db
        .select({ id: offerTable.id })
        .from(offerTable)
        .where(and(eq(offerTable.id, alert.offerId), eq(offerTable.price, alert.rawPrice)));
      if (!live) return;
      try {
        await prices.remove(live.id);
      } catch (error) {
        if (error instanceof AppError && error.code === 'OFFER_NOT_FOUND') return; // withdrawn meanwhile
        // not withdrawn: the alert waits again
        await db
          .update(fraudAlerts)
          .set({ status: 'PENDING', reviewedBy: null, reviewedAt: null })
          .where(eq(fraudAlerts.id, id));
        throw error;
      }
    },

    /** Every offer of the product with its effective price, cheapest delivered first; 404 PRODUCT_NOT_FOUND. */
    async effectivePrices(productId: number): Promise<EffectivePriceItem[]> {
      const comparison = await prices.comparison(productId);
      return comparison.entries.map(toEffectivePrice);
    },

    /** The product's in-stock offers judged against their median (`judge`); 404 PRODUCT_NOT_FOUND. */
    async anomalies(productId: number, query: AnomalyQuery): Promise<AnomalyResult> {
      return judge(productId, (await prices.comparison(productId)).entries, query).result;
    },

    /**
     * `anomalies`, and each listed anomaly becomes a PENDING scan alert unless its product and
     * seller have a PENDING alert already (a crawler hold or an earlier scan): scanning again
     * opens none.
     */
    async scan(productId: number, query: AnomalyQuery): Promise<ScanResult> {
      const { result, listed } = judge(productId, (await prices.comparison(productId)).entries, query);
      if (listed.length === 0) return { ...result, newAlertCount: 0 };
      const opened = await db
        .insert(fraudAlerts)
        .values(
          listed.map(({ entry, anomaly }) => ({
            productId,
            sellerId: entry.sellerId,
            offerId: entry.priceEntryId,
            runId: null,
            url: entry.productUrl,
            reason: anomaly.reason,
            rawPrice: entry.productPrice,
            shippingFee: entry.shippingFee,
            stockState: entry.stockState,
            effectivePrice: entry.effectivePrice,
            baselineAverage: anomaly.baselineAverage,
            lowerBound: anomaly.lowerBound,
            upperBound: anomaly.upperBound,
            severity: anomaly.severity,
          })),
        )
        .onConflictDoNothing({
          target: [fraudAlerts.productId, fraudAlerts.sellerId],
          where: sql`${fraudAlerts.status} = 'PENDING'`,
        })
        .returning({ id: fraudAlerts.id });
      return { ...result, newAlertCount: opened.length };
    },

    /** The alerts of one product, every status, newest first; 404 PRODUCT_NOT_FOUND. */
    async flags(productId: number, query: { page: number; limit: number }) {
      const [product] = await db
        .select({ id: products.id })
        .from(products)
        .where(and(eq(products.id, productId), isNull(products.deletedAt)));
      if (!product) throw new AppError('PRODUCT_NOT_FOUND');
      const where = eq(fraudAlerts.productId, productId);
      const [rows, [total]] = await Promise.all([
        db
          .select()
          .from(fraudAlerts)
          .where(where)
          .orderBy(desc(fraudAlerts.createdAt), desc(fraudAlerts.id))
          .limit(query.limit)
          .offset((query.page - 1) * query.limit),
        db.select({ value: count() }).from(fraudAlerts).where(where),
      ]);
      return { rows: rows.map(toAlert), totalCount: total?.value ?? 0 };
    },
  };
}

export type FraudAlertsService = ReturnType<typeof fraudAlertsService>;
