import {
  type Database,
  isUniqueViolation,
  notifications,
  postgresError,
  priceAlerts,
  products,
  type Transaction,
} from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, count, desc, eq, isNull, or, sql } from 'drizzle-orm';
import {
  NOTIFICATION_TYPE_PRICE_ALERT,
  NOTIFICATIONS_WRITTEN_CHANNEL,
} from '../../realtime/notifications/service.ts';
import type { AlertKind, CreateAlertBody, PriceAlert } from './schemas.ts';

type Executor = Database | Transaction;
type AlertRow = typeof priceAlerts.$inferSelect;

export { NOTIFICATION_TYPE_PRICE_ALERT };

function toAlert(row: AlertRow, product: { name: string; lowestPrice: number | null }): PriceAlert {
  return {
    id: row.id,
    productId: row.productId,
    productName: product.name,
    kind: row.kind,
    targetPrice: row.targetPrice,
    dropPercent: row.dropPercent,
    currentLowestPrice: product.lowestPrice,
    isTriggered: row.triggeredAt !== null,
    triggeredAt: row.triggeredAt?.toISOString() ?? null,
    triggeredPrice: row.triggeredPrice,
    createdAt: row.createdAt.toISOString(),
  };
}

export interface FiredAlert {
  alertId: number;
  userId: number;
  kind: AlertKind;
}

/**
 * Fires the product's pending alerts that `newLowestPrice` satisfies, INSIDE the prices module's
 * offer transaction (product row locked); once each, with one notification row each. The rules
 * and why a race cannot fire twice: docs/architecture.md, "Price alerts".
 */
export async function fireAlerts(
  tx: Executor,
  productId: number,
  newLowestPrice: number | null,
): Promise<FiredAlert[]> {
  if (newLowestPrice === null) return [];
  const lastWeekLowest = sql`(
    select h.product_lowest_price from price_history h
    where h.product_id = ${productId} and h.recorded_at <= now() - interval '7 days'
    order by h.recorded_at desc, h.id desc
    limit 1
  )`;
  // the lowest ever recorded before this transaction: its own history rows carry its now()
  const previousAllTimeLowest = sql`(
    select min(h.product_lowest_price) from price_history h
    where h.product_id = ${productId} and h.recorded_at < now()
  )`;
  const fired = await tx
    .update(priceAlerts)
    .set({ triggeredAt: sql`now()`, triggeredPrice: newLowestPrice, updatedAt: sql`now()` })
    .where(
      and(
        eq(priceAlerts.productId, productId),
        isNull(priceAlerts.triggeredAt),
        or(
          and(
            eq(priceAlerts.kind, 'TARGET_PRICE'),
            sql`${priceAlerts.targetPrice} >= ${newLowestPrice}::bigint`,
          ),
          and(
            eq(priceAlerts.kind, 'DROP_FROM_LAST_WEEK'),
            sql`${newLowestPrice}::bigint * 100 <= ${lastWeekLowest} * (100 - ${priceAlerts.dropPercent})`,
          ),
          and(
            eq(priceAlerts.kind, 'ALL_TIME_LOW'),
            sql`${newLowestPrice}::bigint < ${previousAllTimeLowest}`,
          ),
        ),
      ),
    )
    .returning();
  if (fired.length === 0) return [];
  const [product] = await tx.select({ name: products.name }).from(products).where(eq(products.id, productId));
  const written = await tx
    .insert(notifications)
    .values(
      fired.map((alert) => ({
        userId: alert.userId,
        type: NOTIFICATION_TYPE_PRICE_ALERT,
        payload: {
          alertId: alert.id,
          productId,
          productName: product?.name ?? '',
          price: newLowestPrice,
          kind: alert.kind,
          targetPrice: alert.targetPrice,
          dropPercent: alert.dropPercent,
        },
      })),
    )
    .returning({ id: notifications.id });
  // delivered (socket, Web Push) once this transaction commits; a rollback notifies nobody
  await tx.execute(
    sql`select pg_notify(${NOTIFICATIONS_WRITTEN_CHANNEL}, ${written.map((row) => row.id).join(',')})`,
  );
  return fired.map((alert) => ({ alertId: alert.id, userId: alert.userId, kind: alert.kind }));
}

/**
 * Members' lowest-price alerts (PRICE-05, ANLY-03); owns `price_alerts` and writes PRICE_ALERT
 * `notifications`. A new alert whose condition already holds does not fire at creation: it fires
 * on the next offer change of the product that finds the condition true (firing is evaluated only
 * inside offer transactions, under the product lock).
 */
export function alertsService(db: Database) {
  return {
    async list(userId: number, pageNumber: number, limit: number) {
      const mine = eq(priceAlerts.userId, userId);
      const [rows, [total]] = await Promise.all([
        db
          .select({ alert: priceAlerts, name: products.name, lowestPrice: products.lowestPrice })
          .from(priceAlerts)
          .innerJoin(products, eq(products.id, priceAlerts.productId))
          .where(mine)
          .orderBy(desc(priceAlerts.createdAt), desc(priceAlerts.id))
          .limit(limit)
          .offset((pageNumber - 1) * limit),
        db.select({ value: count() }).from(priceAlerts).where(mine),
      ]);
      return {
        items: rows.map((row) => toAlert(row.alert, { name: row.name, lowestPrice: row.lowestPrice })),
        totalCount: total?.value ?? 0,
      };
    },

    async create(userId: number, body: CreateAlertBody): Promise<PriceAlert> {
      const [product] = await db
        .select({ id: products.id, name: products.name, lowestPrice: products.lowestPrice })
        .from(products)
        .where(and(eq(products.id, body.productId), isNull(products.deletedAt)));
      if (!product) throw new AppError('PRODUCT_NOT_FOUND');
      try {
        const [row] = await db
          .insert(priceAlerts)
          .values({
            userId,
            productId: body.productId,
            kind: body.kind,
            targetPrice: body.kind === 'TARGET_PRICE' ? (body.targetPrice ?? null) : null,
            dropPercent: body.kind === 'DROP_FROM_LAST_WEEK' ? (body.dropPercent ?? null) : null,
          })
          .returning();
        return toAlert(row!, product);
      } catch (error) {
        // the unique index decides, so two racing requests get one 201 and one 409
        if (isUniqueViolation(error, 'price_alerts_user_product_kind_key')) {
          throw new AppError('ALERT_EXISTS');
        }
        // the product was hard-deleted in between
        if (postgresError(error).code === '23503') throw new AppError('PRODUCT_NOT_FOUND');
        throw error;
      }
    },

    /** Deletes one of the caller's alerts; someone else's is reported as not found. */
    async remove(userId: number, alertId: number): Promise<void> {
      const [deleted] = await db
        .delete(priceAlerts)
        .where(and(eq(priceAlerts.id, alertId), eq(priceAlerts.userId, userId)))
        .returning({ id: priceAlerts.id });
      if (!deleted) throw new AppError('NOT_FOUND');
    },
  };
}

export type AlertsService = ReturnType<typeof alertsService>;
