import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@pbshop/config';
import { type Database, type DatabaseHandle, notifications, type Transaction } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, count, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { NotificationItem } from './schemas.ts';

type NotificationRow = typeof notifications.$inferSelect;

const LISTEN_RETRY_MS = 5_000;

export const NOTIFICATION_TYPE_CHAT_MESSAGE = 'CHAT_MESSAGE';
/** the type price alerts write (catalog/alerts: the catalog imports this module, never the reverse) */
export const NOTIFICATION_TYPE_PRICE_ALERT = 'PRICE_ALERT';

/**
 * The PostgreSQL channel a transaction notifies with the ids of the notification rows it wrote
 * (price alerts, inside the offer transaction): PostgreSQL delivers it only once the transaction
 * commits, and never after a rollback.
 */
export const NOTIFICATIONS_WRITTEN_CHANNEL = 'notifications_written';

/** One stored notification, as delivery hands it on. */
export interface StoredNotification {
  id: number;
  userId: number;
  type: string;
  payload: Record<string, unknown>;
  createdAt: Date;
}

/** A way of reaching the member (the socket, Web Push); its failure never loses the row. */
export type NotificationDelivery = (notification: StoredNotification) => Promise<void> | void;

function toItem(row: NotificationRow): NotificationItem {
  return {
    id: row.id,
    type: row.type,
    payload: row.payload,
    isRead: row.readAt !== null,
    readAt: row.readAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}

/**
 * Members' notifications: a row first (the owner lists it, counts the unread, marks them read),
 * then delivered once — live over the socket and through Web Push. Delivery claims the row
 * (`delivered_at` set where it was null), so of the replicas that hear of a row exactly one
 * delivers it.
 */
export function notificationsService({
  db,
  sql: client,
  logger,
}: {
  db: Database;
  sql: DatabaseHandle['sql'];
  logger: Logger;
}) {
  let live: NotificationDelivery | undefined;
  let push: NotificationDelivery | undefined;
  let listening: Promise<void> | undefined;
  let subscription: Awaited<ReturnType<DatabaseHandle['sql']['listen']>> | undefined;
  let closed = false;

  async function hand(row: StoredNotification) {
    for (const [name, delivery] of [
      ['live', live],
      ['push', push],
    ] as const) {
      if (!delivery) continue;
      try {
        await delivery(row);
      } catch (error) {
        logger.warn({ err: error, notificationId: row.id, delivery: name }, 'notification not delivered');
      }
    }
  }

  /** Claims the rows nobody delivered yet and hands each to live and push delivery. */
  async function deliver(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    const claimed = await db
      .update(notifications)
      .set({ deliveredAt: sql`now()` })
      .where(and(inArray(notifications.id, ids), isNull(notifications.deliveredAt)))
      .returning();
    await Promise.all(claimed.map(hand));
  }

  return {
    /** Live delivery (the socket gateway plugs in here once the server exists). */
    setLiveDelivery(delivery: NotificationDelivery) {
      live = delivery;
    },
    /** Web Push delivery (the push module plugs in here). */
    setPushDelivery(delivery: NotificationDelivery) {
      push = delivery;
    },

    /** Stores a notification for the member and delivers it; call it after the write it reports committed. */
    async notify(
      userId: number,
      type: string,
      payload: Record<string, unknown>,
    ): Promise<StoredNotification> {
      const [row] = await db.insert(notifications).values({ userId, type, payload }).returning();
      const stored = row as NotificationRow;
      await deliver([stored.id]).catch((error: unknown) => {
        logger.warn({ err: error, notificationId: stored.id }, 'notification stored, delivery failed');
      });
      return stored;
    },

    /**
     * Writes a notification inside the caller's transaction (its change and the row commit
     * together); it is delivered once that transaction commits (NOTIFICATIONS_WRITTEN_CHANNEL).
     */
    async writeInTransaction(
      tx: Transaction,
      userId: number,
      type: string,
      payload: Record<string, unknown>,
    ): Promise<void> {
      const [row] = await tx
        .insert(notifications)
        .values({ userId, type, payload })
        .returning({ id: notifications.id });
      await tx.execute(sql`select pg_notify(${NOTIFICATIONS_WRITTEN_CHANNEL}, ${String(row!.id)})`);
    },

    /**
     * Hears the ids other modules' transactions notify on NOTIFICATIONS_WRITTEN_CHANNEL (after they
     * commit) and delivers those rows; every replica listens, the claim makes one deliver. Retried
     * until it holds (PostgreSQL may be down at start); calling it again answers the same promise.
     */
    listen(): Promise<void> {
      listening ??= (async () => {
        while (!closed) {
          try {
            subscription = await client.listen(NOTIFICATIONS_WRITTEN_CHANNEL, (message: string) => {
              const ids = message
                .split(',')
                .map(Number)
                .filter((id) => Number.isSafeInteger(id) && id > 0);
              deliver(ids).catch((error: unknown) => {
                logger.warn({ err: error, ids }, 'written notifications not delivered');
              });
            });
            return;
          } catch (error) {
            logger.warn({ err: error }, 'not listening for written notifications yet; retrying');
            await sleep(LISTEN_RETRY_MS);
          }
        }
      })();
      return listening;
    },

    async list(userId: number, query: { page: number; limit: number; unread?: boolean }) {
      const mine = query.unread
        ? and(eq(notifications.userId, userId), isNull(notifications.readAt))
        : eq(notifications.userId, userId);
      const [rows, [total]] = await Promise.all([
        db
          .select()
          .from(notifications)
          .where(mine)
          .orderBy(desc(notifications.id))
          .limit(query.limit)
          .offset((query.page - 1) * query.limit),
        db.select({ total: count() }).from(notifications).where(mine),
      ]);
      return { items: rows.map(toItem), totalCount: total?.total ?? 0 };
    },

    async unreadCount(userId: number): Promise<number> {
      const [row] = await db
        .select({ total: count() })
        .from(notifications)
        .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)));
      return row?.total ?? 0;
    },

    /** Marks the member's notification read (once: a second call keeps the first time). */
    async markRead(userId: number, id: number): Promise<NotificationItem> {
      const [row] = await db
        .update(notifications)
        .set({ readAt: sql`coalesce(${notifications.readAt}, now())`, updatedAt: sql`now()` })
        .where(and(eq(notifications.id, id), eq(notifications.userId, userId)))
        .returning();
      if (!row) throw new AppError('NOTIFICATION_NOT_FOUND');
      return toItem(row);
    },

    async markAllRead(userId: number): Promise<number> {
      const rows = await db
        .update(notifications)
        .set({ readAt: sql`now()`, updatedAt: sql`now()` })
        .where(and(eq(notifications.userId, userId), isNull(notifications.readAt)))
        .returning({ id: notifications.id });
      return rows.length;
    },

    async close(): Promise<void> {
      closed = true;
      await subscription?.unlisten().catch(() => {});
    },
  };
}

export type NotificationsService = ReturnType<typeof notificationsService>;
