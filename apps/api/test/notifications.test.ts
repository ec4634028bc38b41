// Notifications (issue 22 item 2): the owner's list, unread filter and count, mark read; delivery
// once, live over the socket (priceAlert for a price alert fired inside an offer transaction,
// `notification` for the rest) and through the push hook; order status changes and chat messages
// to a member who is not in the room create them. Real PostgreSQL, Redis and Socket.IO clients.
import { notifications } from '@pbshop/db';
import { waitFor } from '@pbshop/testing';
import { eq } from 'drizzle-orm';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredNotification } from '../src/modules/realtime/notifications/service.ts';
import { setupApiTest } from './helpers/api-test.ts';
import {
  type CategoryData,
  createCategory,
  createSeller,
  type SellerData,
  uniqueName,
} from './helpers/catalog.ts';
import { collect, connectChat, emitAck } from './helpers/chat-sockets.ts';
import { expectError, missingId } from './helpers/http.ts';
import { addressOf, createShop, stockedProduct } from './helpers/orders.ts';
import type { Member } from './helpers/users.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' } } });
const { call } = api;
let baseUrl: string;
let category: CategoryData;
let shop: SellerData;
const sockets: Socket[] = [];
/** what the push hook was handed, as the Web Push module would be */
const pushed: StoredNotification[] = [];

beforeAll(async () => {
  baseUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
  api.deps.notifications.setPushDelivery((notification) => {
    pushed.push(notification);
  });
  await api.deps.notifications.listen();
  category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Alerts') });
  shop = await createSeller(api.app, api.admin.authHeader);
});
afterAll(() => {
  for (const socket of sockets) socket.close();
});

async function connect(who: Member) {
  const socket = await connectChat(baseUrl, who.token);
  sockets.push(socket);
  return socket;
}

const rowsOf = (userId: number) =>
  api.deps.database.db
    .select()
    .from(notifications)
    .where(eq(notifications.userId, userId))
    .orderBy(notifications.id);

describe('the owner reads them', () => {
  it('lists newest first, filters unread, counts, marks one and all read; never another member’s', async () => {
    const [ann, ben] = [await api.member(), await api.member()];
    const ids: number[] = [];
    for (const n of [1, 2, 3]) ids.push((await api.deps.notifications.notify(ann.user.id, 'DEAL', { n })).id);
    await api.deps.notifications.notify(ben.user.id, 'DEAL', { n: 9 });

    const listed = await call('GET', '/api/v1/notifications?page=1&limit=2', { headers: ann.authHeader });
    expect(listed.body.data.map((item: { id: number }) => item.id)).toEqual([ids[2], ids[1]]);
    expect(listed.body.data[0]).toEqual({
      id: ids[2],
      type: 'DEAL',
      payload: { n: 3 },
      isRead: false,
      readAt: null,
      createdAt: expect.any(String),
    });
    expect(listed.body.meta).toMatchObject({ totalCount: 3, totalPages: 2 });
    const count = async (who: Member) =>
      (await call('GET', '/api/v1/notifications/unread-count', { headers: who.authHeader })).body.data.count;
    expect(await count(ann)).toBe(3);

    const read = await call('PATCH', `/api/v1/notifications/${ids[0]}/read`, { headers: ann.authHeader });
    expect(read.body.data).toMatchObject({ id: ids[0], isRead: true, readAt: expect.any(String) });
    expect(await count(ann)).toBe(2);
    const unread = await call('GET', '/api/v1/notifications?unread=true', { headers: ann.authHeader });
    expect(unread.body.data.map((item: { id: number }) => item.id)).toEqual([ids[2], ids[1]]);

    expectError(
      await call('PATCH', `/api/v1/notifications/${ids[1]}/read`, { headers: ben.authHeader }),
      404,
      'NOTIFICATION_NOT_FOUND',
    );
    expectError(
      await call('PATCH', `/api/v1/notifications/${missingId}/read`, { headers: ann.authHeader }),
      404,
      'NOTIFICATION_NOT_FOUND',
    );
    expectError(
      await call('PATCH', '/api/v1/notifications/abc/read', { headers: ann.authHeader }),
      400,
      'VALIDATION_ERROR',
    );
    expectError(
      await call('GET', '/api/v1/notifications?unread=maybe', { headers: ann.authHeader }),
      400,
      'VALIDATION_ERROR',
    );
    expectError(await call('GET', '/api/v1/notifications'), 401, 'UNAUTHORIZED');

    const all = await call('PATCH', '/api/v1/notifications/read-all', { headers: ann.authHeader });
    expect(all.body.data).toEqual({ updatedCount: 2 });
    expect(await count(ann)).toBe(0);
    expect(await count(ben)).toBe(1);
  });
});

describe('delivery', () => {
  it('an offer written under a target price reaches the connected member as priceAlert, and the push hook, once', async () => {
    const watcher = await api.member();
    const socket = await connect(watcher);
    const alerts = collect(socket, 'priceAlert');
    const product = (
      await call('POST', '/api/v1/products', {
        headers: api.admin.authHeader,
        body: { categoryId: category.id, name: uniqueName('Monitor') },
      })
    ).body.data as { id: number; name: string };
    const offer = await call('POST', `/api/v1/products/${product.id}/prices`, {
      headers: api.admin.authHeader,
      body: { sellerId: shop.id, price: 300_000, url: 'https://shop.example.com/item/9' },
    });
    const alert = await call('POST', '/api/v1/price-alerts', {
      headers: watcher.authHeader,
      body: { productId: product.id, targetPrice: 250_000 },
    });
    expect(alert.status).toBe(201);
    expect(
      (
        await call('PATCH', `/api/v1/prices/${offer.body.data.id}`, {
          headers: api.admin.authHeader,
          body: { price: 249_000 },
        })
      ).status,
    ).toBe(200);

    expect(await alerts.until()).toMatchObject({
      productId: product.id,
      productName: product.name,
      targetPrice: 250_000,
      currentPrice: 249_000,
    });
    const [row] = await rowsOf(watcher.user.id);
    expect(row).toMatchObject({ type: 'PRICE_ALERT', deliveredAt: expect.any(Date) });
    await waitFor('the push hook', () => pushed.find((item) => item.id === row!.id));
    // a further drop fires nothing (the alert fired once) and nothing is delivered twice
    await call('PATCH', `/api/v1/prices/${offer.body.data.id}`, {
      headers: api.admin.authHeader,
      body: { price: 200_000 },
    });
    const listed = await call('GET', '/api/v1/notifications', { headers: watcher.authHeader });
    expect(listed.body.data).toHaveLength(1);
    expect(alerts.received).toHaveLength(1);
    expect(pushed.filter((item) => item.id === row!.id)).toHaveLength(1);
  });

  it("an order's status change reaches its member as a notification; the member's own steps do not", async () => {
    const buyer = await api.member();
    const socket = await connect(buyer);
    const live = collect(socket, 'notification');
    const orderShop = await createShop(api.app, api.admin.authHeader);
    const offer = await stockedProduct(api.app, api.admin.authHeader, orderShop, { price: 20_000, stock: 3 });
    const placed = await call('POST', '/api/v1/orders', {
      headers: buyer.authHeader,
      body: {
        addressId: await addressOf(api.deps, buyer.user.id),
        items: [{ productId: offer.productId, sellerId: offer.sellerId, quantity: 1 }],
      },
    });
    expect(placed.status).toBe(201);
    const orderId = placed.body.data.id as number;
    expect((await rowsOf(buyer.user.id)).length).toBe(0);
    const cancelled = await call('PATCH', `/api/v1/admin/orders/${orderId}/status`, {
      headers: api.admin.authHeader,
      body: { status: 'CANCELLED' },
    });
    expect(cancelled.status).toBe(200);
    const arrived = await live.until((item) => item.type === 'ORDER_STATUS');
    expect(arrived.payload).toMatchObject({ orderId, status: 'CANCELLED', previousStatus: 'ORDER_PLACED' });
    expect((await rowsOf(buyer.user.id)).map((row) => row.type)).toEqual(['ORDER_STATUS']);
  });

  it('a chat message notifies the members not in the room (connected or not), not those listening', async () => {
    const [ann, ben] = [await api.member(), await api.member()];
    const room = await call('POST', '/api/v1/chat/rooms', {
      headers: ann.authHeader,
      body: { name: 'Public talk', isPrivate: false },
    });
    const roomId = room.body.data.id as number;
    await call('POST', `/api/v1/chat/rooms/${roomId}/join`, { headers: ben.authHeader });
    const carol = await api.member();
    await call('POST', `/api/v1/chat/rooms/${roomId}/join`, { headers: carol.authHeader });
    const annSocket = await connect(ann);
    expect((await emitAck(annSocket, 'joinRoom', { roomId })).ok).toBe(true);
    // ben is connected but not in the room: he gets the notification live
    const benSocket = await connect(ben);
    const benLive = collect(benSocket, 'notification');
    const sent = await call('POST', `/api/v1/chat/rooms/${roomId}/messages`, {
      headers: ann.authHeader,
      body: { message: 'anyone?' },
    });
    const told = await benLive.until((item) => item.type === 'CHAT_MESSAGE');
    expect(told.payload).toMatchObject({
      roomId,
      messageId: sent.body.data.id,
      senderId: ann.user.id,
      preview: 'anyone?',
    });
    // ben answers from inside the room: ann is listening, so she gets no notification
    expect((await emitAck(benSocket, 'joinRoom', { roomId })).ok).toBe(true);
    const answer = await emitAck(benSocket, 'sendMessage', { roomId, message: 'here' });
    expect(answer.ok).toBe(true);
    // carol, a member with no socket, is notified of the same message in the same pass
    await waitFor('carol notified of ben’s message', async () =>
      (await rowsOf(carol.user.id)).find((row) => row.payload.messageId === answer.data!.id),
    );
    expect((await rowsOf(ann.user.id)).filter((row) => row.type === 'CHAT_MESSAGE')).toEqual([]);
    expect((await rowsOf(ben.user.id)).filter((row) => row.type === 'CHAT_MESSAGE')).toHaveLength(1);
  });
});
