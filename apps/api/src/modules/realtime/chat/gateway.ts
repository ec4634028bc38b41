import type { Logger } from '@pbshop/config';
import { AppError, errorCatalog } from '@pbshop/errors';
import type { z } from 'zod';
import { type ChatNamespace, type ChatSocket, memberRoom } from '../../../realtime/socket-server.ts';
import {
  NOTIFICATION_TYPE_CHAT_MESSAGE,
  NOTIFICATION_TYPE_PRICE_ALERT,
  type NotificationsService,
  type StoredNotification,
} from '../notifications/service.ts';
import { type ChatMessage, messageReadEvent, roomEvent, sendMessageEvent } from './schemas.ts';
import type { ChatService } from './service.ts';

/** Events a connection may send in a burst, and how many a second it earns back. */
export const SOCKET_EVENT_BURST = 20;
export const SOCKET_EVENTS_PER_SECOND = 10;

const roomKey = (roomId: number) => `room:${roomId}`;

type Ack = (answer: unknown) => void;

/** A token bucket per connection: over the limit an event is answered TOO_MANY_REQUESTS, not dropped silently. */
function eventBucket() {
  let tokens = SOCKET_EVENT_BURST;
  let at = Date.now();
  return () => {
    const now = Date.now();
    tokens = Math.min(SOCKET_EVENT_BURST, tokens + ((now - at) / 1000) * SOCKET_EVENTS_PER_SECOND);
    at = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

export interface ChatGatewayDeps {
  chat: ChatService;
  notifications: NotificationsService;
  namespace: ChatNamespace;
  logger: Logger;
}

/**
 * The chat's Socket.IO events (API §20): joinRoom, leaveRoom, sendMessage → newMessage,
 * messageRead → readReceipt, typing → userTyping; and the member's notifications delivered live
 * (priceAlert for price alerts, notification for the rest). Every event is checked like a request
 * body and answered on its ack, if it has one: `{ ok: true, data }` or `{ ok: false, error: { code, message } }`.
 */
export function chatGateway({ chat, notifications, namespace, logger }: ChatGatewayDeps) {
  function failure(error: unknown) {
    if (error instanceof AppError) {
      return { ok: false, error: { code: error.code, message: errorCatalog[error.code].message.en } };
    }
    logger.error({ err: error }, 'chat event failed');
    return { ok: false, error: { code: 'INTERNAL_ERROR', message: errorCatalog.INTERNAL_ERROR.message.en } };
  }

  function refused(code: 'VALIDATION_ERROR' | 'TOO_MANY_REQUESTS', details?: unknown) {
    return {
      ok: false,
      error: { code, message: errorCatalog[code].message.en, ...(details ? { details } : {}) },
    };
  }

  /** After a message is stored: to everyone in the room, and a notification to members not listening. */
  function delivered(message: ChatMessage, recipients: number[]) {
    namespace.to(roomKey(message.roomId)).emit('newMessage', message);
    if (recipients.length === 0) return;
    void (async () => {
      const listening = new Set(
        (await namespace.in(roomKey(message.roomId)).fetchSockets()).map(
          (socket) => socket.data.principal.id,
        ),
      );
      await Promise.all(
        recipients
          .filter((userId) => !listening.has(userId))
          .map((userId) =>
            notifications.notify(userId, NOTIFICATION_TYPE_CHAT_MESSAGE, {
              roomId: message.roomId,
              messageId: message.id,
              senderId: message.senderId,
              preview: message.content.slice(0, 100),
            }),
          ),
      );
    })().catch((error: unknown) => {
      logger.warn({ err: error, messageId: message.id }, 'offline chat notifications not written');
    });
  }

  function deliverLive(notification: StoredNotification) {
    const to = namespace.to(memberRoom(notification.userId));
    const { payload } = notification;
    if (notification.type === NOTIFICATION_TYPE_PRICE_ALERT) {
      to.emit('priceAlert', {
        notificationId: notification.id,
        productId: payload.productId,
        productName: payload.productName,
        targetPrice: payload.targetPrice ?? null,
        currentPrice: payload.price,
        kind: payload.kind,
      });
    } else {
      to.emit('notification', {
        id: notification.id,
        type: notification.type,
        payload,
        createdAt: notification.createdAt.toISOString(),
      });
    }
  }
  notifications.setLiveDelivery(deliverLive);

  function handle<S extends z.ZodType>(
    socket: ChatSocket,
    allow: () => boolean,
    event: string,
    schema: S,
    run: (input: z.output<S>) => Promise<unknown>,
  ) {
    socket.on(event, (raw: unknown, maybeAck?: unknown) => {
      const ack: Ack = typeof maybeAck === 'function' ? (maybeAck as Ack) : () => {};
      if (!allow()) return ack(refused('TOO_MANY_REQUESTS'));
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        return ack(
          refused(
            'VALIDATION_ERROR',
            parsed.error.issues
              .slice(0, 5)
              .map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
          ),
        );
      }
      run(parsed.data).then(
        (data) => ack({ ok: true, data }),
        (error: unknown) => ack(failure(error)),
      );
    });
  }

  namespace.on('connection', (socket) => {
    const caller = socket.data.principal;
    const allow = eventBucket();

    handle(socket, allow, 'joinRoom', roomEvent, async ({ roomId }) => {
      const room = await chat.join(caller, roomId);
      await socket.join(roomKey(roomId));
      return room;
    });

    handle(socket, allow, 'leaveRoom', roomEvent, async ({ roomId }) => {
      await socket.leave(roomKey(roomId));
      return { roomId };
    });

    handle(socket, allow, 'sendMessage', sendMessageEvent, async ({ roomId, text }) => {
      const { message, recipients } = await chat.send(caller, roomId, text);
      delivered(message, recipients);
      return message;
    });

    handle(socket, allow, 'messageRead', messageReadEvent, async ({ roomId, messageId }) => {
      await chat.markRead(caller, roomId, messageId);
      const receipt = { roomId, messageId, readBy: caller.id };
      namespace.to(roomKey(roomId)).emit('readReceipt', receipt);
      return receipt;
    });

    handle(socket, allow, 'typing', roomEvent, async ({ roomId }) => {
      // only to a room this connection joined (joining checked membership)
      if (!socket.rooms.has(roomKey(roomId))) throw new AppError('FORBIDDEN');
      const typing = { roomId, userId: caller.id };
      socket.to(roomKey(roomId)).emit('userTyping', typing);
      return typing;
    });
  });

  return { delivered };
}
