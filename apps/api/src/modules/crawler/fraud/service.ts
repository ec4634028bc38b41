import type { CrawlCatalog } from '@pbshop/crawler';
import { type Database, fraudAlerts } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, count, desc, eq } from 'drizzle-orm';
import type { FraudAlertResponse } from './schemas.ts';

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

/**
 * Held anomalous prices (FRAUD-01, CRAW-05): worker-crawler records them instead of writing the
 * offer; approving one writes it through the prices module (the crawler's offer path), rejecting
 * one discards it. Owns `fraud_alerts`.
 */
export function fraudAlertsService(db: Database, offers: CrawlCatalog) {
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

    async reject(id: number, reviewerId: number): Promise<void> {
      await review(id, 'REJECTED', reviewerId);
    },
  };
}

export type FraudAlertsService = ReturnType<typeof fraudAlertsService>;
