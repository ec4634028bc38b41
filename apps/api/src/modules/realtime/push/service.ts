import type { Logger } from '@pbshop/config';
import { type Database, pushPreferences, pushSubscriptions, users } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { type JobInput, type JobProducers, pushDeliveryPayload, type pushTypes } from '@pbshop/queues';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type {
  AdminSendBody,
  PreferenceBody,
  PushPreferenceItem,
  PushSubscriptionItem,
  SubscriptionBody,
} from './schemas.ts';
import { endpointProblem, expirationOf, keysProblem } from './subscription-check.ts';

export type PushType = (typeof pushTypes)[number];
export type PushNotification = JobInput<'push-delivery'>['notification'];

/** The VAPID key pair and contact push services see (RFC 8292); absent: nothing is sent. */
export interface VapidDetails {
  publicKey: string;
  privateKey: string;
  subject: string;
}

export interface PushServiceDeps {
  db: Database;
  producers: JobProducers;
  vapid: VapidDetails | undefined;
  allowLoopbackHttp: boolean;
  /** members whose wishlist holds any of the products (the wishlist module's) */
  memberIdsWishingAny(productIds: number[]): Promise<number[]>;
  /** members with a session issued or refreshed since (the auth module's) */
  activeMemberIdsSince(since: Date): Promise<number[]>;
  logger: Logger;
}

type SubscriptionRow = typeof pushSubscriptions.$inferSelect;
type PreferenceRow = typeof pushPreferences.$inferSelect;

const preferenceColumn = {
  PRICE_ALERT: pushPreferences.priceAlertEnabled,
  ORDER_STATUS: pushPreferences.orderStatusEnabled,
  CHAT_MESSAGE: pushPreferences.chatMessageEnabled,
  DEAL: pushPreferences.dealEnabled,
} as const satisfies Record<PushType, unknown>;

// one addBulk per this many jobs, so an ALL send to many subscriptions is not one huge Redis call
const ENQUEUE_BATCH = 500;
const DAY_MS = 24 * 60 * 60 * 1000;

function toSubscription(row: SubscriptionRow): PushSubscriptionItem {
  return {
    id: row.id,
    endpoint: row.endpoint,
    expirationTime: row.expirationTime ? String(row.expirationTime.getTime()) : null,
    isActive: row.isActive,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function toPreference(row: PreferenceRow): PushPreferenceItem {
  return {
    id: row.id,
    userId: row.userId,
    priceAlertEnabled: row.priceAlertEnabled,
    orderStatusEnabled: row.orderStatusEnabled,
    chatMessageEnabled: row.chatMessageEnabled,
    dealEnabled: row.dealEnabled,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** A notifications row as the notifications service hands it on. */
export interface StoredNotificationLike {
  id: number;
  userId: number;
  type: string;
  payload: Record<string, unknown>;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== ''
    ? value
    : typeof value === 'number'
      ? String(value)
      : undefined;

/** The push a notification becomes (Korean, the storefront's first language), or undefined for a type with none. */
export function pushOfNotification(
  stored: StoredNotificationLike,
): { type: PushType; notification: PushNotification } | undefined {
  const payload = stored.payload;
  const data = { notificationId: stored.id, notificationType: stored.type, ...payload };
  switch (stored.type) {
    case 'PRICE_ALERT':
      return {
        type: 'PRICE_ALERT',
        notification: {
          title: '최저가 알림',
          body: `${text(payload.productName) ?? '관심 상품'} ${text(payload.price) ?? ''}원`
            .trim()
            .slice(0, 1000),
          ...(text(payload.productId) ? { url: `/products/${text(payload.productId)}` } : {}),
          data,
        },
      };
    case 'ORDER_STATUS':
    case 'PAYMENT_STATUS':
      return {
        type: 'ORDER_STATUS',
        notification: {
          title: stored.type === 'ORDER_STATUS' ? '주문 상태 변경' : '결제 상태 변경',
          body: (text(payload.message) ?? text(payload.status) ?? '주문 정보가 바뀌었습니다.').slice(0, 1000),
          ...(text(payload.orderId) ? { url: `/orders/${text(payload.orderId)}` } : {}),
          data,
        },
      };
    case 'CHAT_MESSAGE':
      return {
        type: 'CHAT_MESSAGE',
        notification: {
          title: '새 채팅 메시지',
          body: (text(payload.content) ?? text(payload.message) ?? '새 메시지가 있습니다.').slice(0, 1000),
          ...(text(payload.roomId) ? { url: `/chat/${text(payload.roomId)}` } : {}),
          data,
        },
      };
    case 'DEAL':
      return {
        type: 'DEAL',
        notification: {
          title: (text(payload.title) ?? '특가 알림').slice(0, 200),
          body: (text(payload.body) ?? text(payload.message) ?? '새 특가가 열렸습니다.').slice(0, 1000),
          data,
        },
      };
    default:
      return undefined;
  }
}

/**
 * Web Push (API §28, PUSH-01..07): members' subscriptions and per-type preferences, and sending —
 * each push a `push-delivery` job for one subscription (delivery-processor.ts sends it with the
 * VAPID details and reports back here). Preferences filter before anything is queued.
 */
export function pushService(deps: PushServiceDeps) {
  const { db, producers, vapid, logger } = deps;

  /**
   * The active, unexpired subscriptions of the members among `userIds` (all members when
   * undefined) who have not switched `type` off; a member without a preference row wants all.
   */
  async function reachable(type: PushType, userIds: number[] | undefined): Promise<{ id: number }[]> {
    if (userIds?.length === 0) return [];
    return db
      .select({ id: pushSubscriptions.id })
      .from(pushSubscriptions)
      .innerJoin(users, and(eq(users.id, pushSubscriptions.userId), isNull(users.deletedAt)))
      .leftJoin(pushPreferences, eq(pushPreferences.userId, pushSubscriptions.userId))
      .where(
        and(
          eq(pushSubscriptions.isActive, true),
          sql`(${pushSubscriptions.expirationTime} is null or ${pushSubscriptions.expirationTime} > now())`,
          sql`coalesce(${preferenceColumn[type]}, true)`,
          // one array parameter, however large the segment (a list of parameters stops at 65,535)
          userIds ? sql`${pushSubscriptions.userId} = any(${`{${userIds.join(',')}}`}::bigint[])` : undefined,
        ),
      )
      .orderBy(pushSubscriptions.id);
  }

  /** One job per subscription, delayed by `delayMs`; the payload is checked once, as a producer would. */
  async function enqueue(
    subscriptionIds: number[],
    type: PushType,
    notification: PushNotification,
    requestId: string,
    delayMs = 0,
  ): Promise<number> {
    if (subscriptionIds.length === 0) return 0;
    const template = pushDeliveryPayload.parse({
      requestId,
      subscriptionId: subscriptionIds[0],
      type,
      notification,
    });
    const queue = producers.queues['push-delivery'];
    for (let start = 0; start < subscriptionIds.length; start += ENQUEUE_BATCH) {
      await queue.addBulk(
        subscriptionIds.slice(start, start + ENQUEUE_BATCH).map((subscriptionId) => ({
          name: 'push-delivery',
          data: { ...template, subscriptionId },
          opts: delayMs > 0 ? { delay: delayMs } : {},
        })),
      );
    }
    return subscriptionIds.length;
  }

  /**
   * Queues `notification` to every active subscription of the member, unless they switched
   * `type` off. Without VAPID keys nothing is queued (the notification row, if any, stays).
   * Returns how many deliveries were queued.
   */
  async function deliverPush(
    userId: number,
    type: PushType,
    notification: PushNotification,
    requestId: string,
  ): Promise<number> {
    if (!vapid) return 0;
    const targets = await reachable(type, [userId]);
    return enqueue(
      targets.map((target) => target.id),
      type,
      notification,
      requestId,
    );
  }

  return {
    /** the VAPID details deliveries are signed with; undefined: Web Push is not configured */
    vapidDetails: (): VapidDetails | undefined => vapid,

    /** the public key browsers subscribe with (applicationServerKey), or 503 PUSH_NOT_CONFIGURED */
    publicKey(): string {
      if (!vapid) throw new AppError('PUSH_NOT_CONFIGURED');
      return vapid.publicKey;
    },

    /**
     * Registers the browser's subscription; 422 PUSH_SUBSCRIPTION_INVALID, nothing written, when it
     * cannot be used. An endpoint already known (the same browser, perhaps another member signed
     * in now) moves to the caller with the new keys and is active again.
     */
    async subscribe(userId: number, input: SubscriptionBody): Promise<PushSubscriptionItem> {
      const expiration = expirationOf(input.expirationTime);
      const problem =
        endpointProblem(input.endpoint, deps.allowLoopbackHttp) ??
        keysProblem(input.p256dhKey, input.authKey) ??
        (expiration === 'invalid' ? 'expirationTime is not epoch milliseconds' : undefined) ??
        (expiration instanceof Date && expiration.getTime() <= Date.now()
          ? 'expirationTime has passed'
          : undefined);
      if (problem) throw new AppError('PUSH_SUBSCRIPTION_INVALID', { details: [{ message: problem }] });
      const values = {
        userId,
        endpoint: input.endpoint,
        p256dhKey: input.p256dhKey.replace(/=+$/, ''),
        authKey: input.authKey.replace(/=+$/, ''),
        expirationTime: expiration === 'invalid' ? null : expiration,
      };
      const [row] = await db
        .insert(pushSubscriptions)
        .values(values)
        .onConflictDoUpdate({
          target: pushSubscriptions.endpoint,
          set: {
            ...values,
            isActive: true,
            failureCount: 0,
            lastError: null,
            deactivatedAt: null,
            updatedAt: sql`now()`,
          },
        })
        .returning();
      return toSubscription(row as SubscriptionRow);
    },

    /** Forgets the caller's subscription at `endpoint` (another member's is left alone); true when there was one. */
    async unsubscribe(userId: number, endpoint: string): Promise<boolean> {
      const removed = await db
        .delete(pushSubscriptions)
        .where(and(eq(pushSubscriptions.userId, userId), eq(pushSubscriptions.endpoint, endpoint)))
        .returning({ id: pushSubscriptions.id });
      return removed.length > 0;
    },

    /** The caller's active subscriptions, newest first. */
    async list(userId: number): Promise<PushSubscriptionItem[]> {
      const rows = await db
        .select()
        .from(pushSubscriptions)
        .where(and(eq(pushSubscriptions.userId, userId), eq(pushSubscriptions.isActive, true)))
        .orderBy(sql`${pushSubscriptions.id} desc`);
      return rows.map(toSubscription);
    },

    /** The caller's preferences; the first read stores the defaults (every kind on). */
    async preferences(userId: number): Promise<PushPreferenceItem> {
      await db
        .insert(pushPreferences)
        .values({ userId })
        .onConflictDoNothing({ target: pushPreferences.userId });
      const [row] = await db.select().from(pushPreferences).where(eq(pushPreferences.userId, userId));
      return toPreference(row as PreferenceRow);
    },

    /** Sets the kinds given and leaves the others as they were. */
    async updatePreferences(userId: number, changes: PreferenceBody): Promise<PushPreferenceItem> {
      const set = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
      const [row] = await db
        .insert(pushPreferences)
        .values({ userId, ...set })
        .onConflictDoUpdate({ target: pushPreferences.userId, set: { ...set, updatedAt: sql`now()` } })
        .returning();
      return toPreference(row as PreferenceRow);
    },

    deliverPush,

    /**
     * Web Push delivery of a stored notification (the notifications service hands each row here
     * once): its type picks the preference, its payload the text. Types with no push are skipped.
     */
    async deliverNotification(stored: StoredNotificationLike): Promise<number> {
      const push = pushOfNotification(stored);
      if (!push) return 0;
      const requestId = `notification-${stored.id}`;
      return deliverPush(stored.userId, push.type, push.notification, requestId);
    },

    /**
     * POST /admin/push/send: a DEAL push to every member (ALL) or to a segment (members whose
     * wishlist holds any of the products and/or who were active within the days), each filtered by
     * their DEAL preference; `scheduledAt` in the future delays the jobs until then.
     */
    async adminSend(input: AdminSendBody, requestId: string) {
      if (!vapid) throw new AppError('PUSH_NOT_CONFIGURED');
      let userIds: number[] | undefined;
      if (input.target === 'SEGMENT') {
        const filter = input.segmentFilter ?? {};
        const sets: Set<number>[] = [];
        if (filter.hasWishlistIn) sets.push(new Set(await deps.memberIdsWishingAny(filter.hasWishlistIn)));
        if (filter.lastActiveWithin) {
          const days = Number(filter.lastActiveWithin.slice(0, -1));
          sets.push(new Set(await deps.activeMemberIdsSince(new Date(Date.now() - days * DAY_MS))));
        }
        const [first = new Set<number>(), ...rest] = sets;
        userIds = [...first].filter((id) => rest.every((set) => set.has(id)));
      }
      const targets = await reachable('DEAL', userIds);
      const scheduledMs = input.scheduledAt ? Date.parse(input.scheduledAt) : undefined;
      const delayMs = scheduledMs === undefined ? 0 : Math.max(0, scheduledMs - Date.now());
      const notification: PushNotification = {
        title: input.title,
        body: input.body,
        ...(input.url ? { url: input.url } : {}),
        ...(input.iconUrl ? { iconUrl: input.iconUrl } : {}),
      };
      const sentCount = await enqueue(
        targets.map((target) => target.id),
        'DEAL',
        notification,
        requestId,
        delayMs,
      );
      logger.info({ requestId, sentCount, target: input.target, delayMs }, 'admin push queued');
      return {
        sentCount,
        scheduledAt: delayMs > 0 && scheduledMs !== undefined ? new Date(scheduledMs).toISOString() : null,
      };
    },

    /** What the delivery job needs of a subscription; undefined once it is gone. */
    async deliveryTarget(subscriptionId: number) {
      const [row] = await db.select().from(pushSubscriptions).where(eq(pushSubscriptions.id, subscriptionId));
      return row;
    },

    /** A push service took the push: the failures in a row start again. */
    async recordDelivered(subscriptionId: number): Promise<void> {
      await db
        .update(pushSubscriptions)
        .set({ failureCount: 0, lastError: null, updatedAt: sql`now()` })
        .where(and(eq(pushSubscriptions.id, subscriptionId), sql`${pushSubscriptions.failureCount} > 0`));
    },

    /** A send failed (to be retried, or for good): counted and its reason kept. */
    async recordFailure(subscriptionId: number, reason: string): Promise<void> {
      await db
        .update(pushSubscriptions)
        .set({
          failureCount: sql`${pushSubscriptions.failureCount} + 1`,
          lastError: reason.slice(0, 1000),
          updatedAt: sql`now()`,
        })
        .where(eq(pushSubscriptions.id, subscriptionId));
    },

    /** The push service no longer knows the subscription (404/410) or it expired: never sent to again. */
    async deactivate(subscriptionId: number, reason: string): Promise<void> {
      await db
        .update(pushSubscriptions)
        .set({
          isActive: false,
          deactivatedAt: sql`now()`,
          lastError: reason.slice(0, 1000),
          failureCount: sql`${pushSubscriptions.failureCount} + 1`,
          updatedAt: sql`now()`,
        })
        .where(and(eq(pushSubscriptions.id, subscriptionId), eq(pushSubscriptions.isActive, true)));
    },
  };
}

export type PushService = ReturnType<typeof pushService>;
