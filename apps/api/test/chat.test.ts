// CHAT-01..06 on one API instance listening on a real port: REST rooms, joining, history (newest
// first, and after an id for a reconnecting client), closing; Socket.IO clients connected as the
// storefront connects: the handshake's token checks, joinRoom/sendMessage acks, newMessage,
// readReceipt, userTyping, a blocked member's socket dropped, hostile payloads and the rate limit.
import { sql } from 'drizzle-orm';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handMadeJwt } from './auth-helpers.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { collect, connectChat, disconnected, emitAck } from './helpers/chat-sockets.ts';
import { expectError, missingId } from './helpers/http.ts';
import type { Member } from './helpers/users.ts';

const api = setupApiTest({ members: { agent: { role: 'ADMIN' } } });
const { call } = api;
let baseUrl: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  baseUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => {
  for (const socket of sockets) socket.close();
});

async function connect(who: Member | string) {
  const socket = await connectChat(baseUrl, typeof who === 'string' ? who : who.token);
  sockets.push(socket);
  return socket;
}

async function openRoom(owner: Member, isPrivate = true): Promise<number> {
  const created = await call('POST', '/api/v1/chat/rooms', {
    headers: owner.authHeader,
    body: { name: 'Where is my order?', isPrivate },
  });
  expect(created.status).toBe(201);
  return created.body.data.id;
}

const history = (who: Member, roomId: number, query = '') =>
  call('GET', `/api/v1/chat/rooms/${roomId}/messages${query}`, { headers: who.authHeader });
const messageCount = async (roomId: number) =>
  Number(
    (
      await api.deps.database.db.execute<{ n: number }>(
        sql`select count(*)::int as n from chat_messages where room_id = ${roomId}`,
      )
    )[0]!.n,
  );

describe('REST rooms and messages (API §20, storefront ChatApiPage)', () => {
  it('creates, lists, joins, sends (message or content), pages history newest first, and after an id', async () => {
    const [ann, ben] = [await api.member(), await api.member()];
    const created = await call('POST', '/api/v1/chat/rooms', {
      headers: ann.authHeader,
      body: { name: 'Delivery question', isPrivate: true },
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      name: 'Delivery question',
      isPrivate: true,
      createdBy: ann.user.id,
      status: 'OPEN',
      createdAt: expect.any(String),
    });
    const roomId = created.body.data.id as number;

    // a private room: listed for its member and the agents, not for another member
    const idsFor = async (who: Member) =>
      (await call('GET', '/api/v1/chat/rooms?page=1&limit=100', { headers: who.authHeader })).body.data.map(
        (room: { id: number }) => room.id,
      );
    expect(await idsFor(ann)).toContain(roomId);
    expect(await idsFor(api.agent)).toContain(roomId);
    expect(await idsFor(ben)).not.toContain(roomId);
    expectError(
      await call('POST', `/api/v1/chat/rooms/${roomId}/join`, { headers: ben.authHeader }),
      403,
      'FORBIDDEN',
    );
    expectError(await history(ben, roomId), 403, 'FORBIDDEN');
    expectError(
      await call('POST', `/api/v1/chat/rooms/${missingId}/join`, { headers: ann.authHeader }),
      404,
      'CHAT_ROOM_NOT_FOUND',
    );

    // a member who is not in the room cannot write to it; an agent may, and is in it as AGENT from then
    expectError(
      await call('POST', `/api/v1/chat/rooms/${roomId}/messages`, {
        headers: ben.authHeader,
        body: { message: 'x' },
      }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await call('POST', `/api/v1/chat/rooms/${missingId}/messages`, {
        headers: ann.authHeader,
        body: { message: 'x' },
      }),
      404,
      'CHAT_ROOM_NOT_FOUND',
    );
    const unjoined = await call('POST', `/api/v1/chat/rooms/${roomId}/messages`, {
      headers: api.agent.authHeader,
      body: { message: 'agent here' },
    });
    expect(unjoined.status).toBe(201);
    const [agentMember] = await api.deps.database.sql<{ role: string }[]>`
      select role from chat_room_members where room_id = ${roomId} and user_id = ${api.agent.user.id}`;
    expect(agentMember?.role).toBe('AGENT');
    // removed again: the history below counts the three messages that follow
    await api.deps.database.sql`delete from chat_messages where id = ${unjoined.body.data.id}`;

    const joined = await call('POST', `/api/v1/chat/rooms/${roomId}/join`, { headers: api.agent.authHeader });
    expect(joined.status).toBe(200);
    const sent: number[] = [];
    for (const [who, body] of [
      [ann, { message: 'first' }],
      [api.agent, { content: 'second' }],
      [ann, { message: 'third' }],
    ] as const) {
      const answer = await call('POST', `/api/v1/chat/rooms/${roomId}/messages`, {
        headers: who.authHeader,
        body,
      });
      expect(answer.status).toBe(201);
      expect(answer.body.data).toMatchObject({ roomId, senderId: who.user.id });
      expect(answer.body.data.message).toBe(answer.body.data.content);
      sent.push(answer.body.data.id);
    }
    const newest = await history(ann, roomId, '?page=1&limit=2');
    expect(newest.body.data.map((m: { message: string }) => m.message)).toEqual(['third', 'second']);
    expect(newest.body.meta).toMatchObject({ totalCount: 3, totalPages: 2 });
    const older = await history(api.agent, roomId, '?page=2&limit=2');
    expect(older.body.data.map((m: { message: string }) => m.message)).toEqual(['first']);
    const missed = await history(ann, roomId, `?afterId=${sent[0]}`);
    expect(missed.body.data.map((m: { id: number }) => m.id)).toEqual(sent.slice(1));
  });

  it('a public room admits any member who joins; the creator or an agent closes it, and it takes no more', async () => {
    const [ann, ben, eve] = [await api.member(), await api.member(), await api.member()];
    const roomId = await openRoom(ann, false);
    expect(
      (await call('POST', `/api/v1/chat/rooms/${roomId}/join`, { headers: ben.authHeader })).status,
    ).toBe(200);
    expect(
      (await call('POST', `/api/v1/chat/rooms/${roomId}/join`, { headers: ben.authHeader })).status,
    ).toBe(200);
    expectError(
      await call('POST', `/api/v1/chat/rooms/${roomId}/messages`, {
        headers: eve.authHeader,
        body: { message: 'hi' },
      }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await call('PATCH', `/api/v1/chat/rooms/${roomId}/close`, { headers: ben.authHeader }),
      403,
      'FORBIDDEN',
    );
    const closed = await call('PATCH', `/api/v1/chat/rooms/${roomId}/close`, { headers: ann.authHeader });
    expect(closed.body.data).toMatchObject({ status: 'CLOSED', closedAt: expect.any(String) });
    expectError(
      await call('POST', `/api/v1/chat/rooms/${roomId}/messages`, {
        headers: ben.authHeader,
        body: { message: 'hi' },
      }),
      409,
      'CHAT_ROOM_CLOSED',
    );
    expect(await messageCount(roomId)).toBe(0);
  });

  it('bad bodies are 400 and store nothing; markup is sanitised', async () => {
    const ann = await api.member();
    const roomId = await openRoom(ann);
    for (const body of [
      {},
      { message: '' },
      { message: 'x'.repeat(9_000) },
      { message: 42 },
      { message: 'a\u0000b' },
    ]) {
      expectError(
        await call('POST', `/api/v1/chat/rooms/${roomId}/messages`, { headers: ann.authHeader, body }),
        400,
        'VALIDATION_ERROR',
      );
    }
    expect(await messageCount(roomId)).toBe(0);
    const xss = await call('POST', `/api/v1/chat/rooms/${roomId}/messages`, {
      headers: ann.authHeader,
      body: { message: 'hi <script>alert(1)</script><img src=x onerror=alert(2)>' },
    });
    expect(xss.status).toBe(201);
    expect(xss.body.data.message).not.toMatch(/<script|onerror/i);
    expectError(
      await call('POST', '/api/v1/chat/rooms', {
        headers: ann.authHeader,
        body: { name: '', isPrivate: 'yes' },
      }),
      400,
      'VALIDATION_ERROR',
    );
  });
});

describe('Socket.IO handshake', () => {
  it('refuses a missing, forged or expired token, and a blocked member', async () => {
    const ann = await api.member();
    await expect(connectChat(baseUrl, undefined)).rejects.toThrow('UNAUTHORIZED');
    await expect(connectChat(baseUrl, 'not-a-jwt')).rejects.toThrow('TOKEN_INVALID');
    const now = Math.floor(Date.now() / 1000);
    const expired = handMadeJwt(
      { sub: String(ann.user.id), role: 'USER', ver: ann.user.tokenVersion, iat: now - 3600, exp: now - 60 },
      api.deps.env.JWT_SECRET,
    );
    const refusal = await connectChat(baseUrl, expired).catch((error: Error & { data?: unknown }) => error);
    expect(refusal).toMatchObject({ message: 'TOKEN_EXPIRED', data: { code: 'TOKEN_EXPIRED' } });
    const blocked = await api.member();
    await call('PATCH', `/api/v1/users/${blocked.user.id}/status`, {
      headers: api.agent.authHeader,
      body: { status: 'BLOCKED' },
    });
    await expect(connectChat(baseUrl, blocked.token)).rejects.toThrow(/USER_BLOCKED|TOKEN_INVALID/);
    const live = await connect(ann);
    expect(live.connected).toBe(true);
  });

  it("drops a live connection when its member is blocked, and keeps the others'", async () => {
    const [ann, ben] = [await api.member(), await api.member()];
    const [annSocket, benSocket] = [await connect(ann), await connect(ben)];
    const gone = disconnected(annSocket);
    const blocked = await call('PATCH', `/api/v1/users/${ann.user.id}/status`, {
      headers: api.agent.authHeader,
      body: { status: 'BLOCKED' },
    });
    expect(blocked.status).toBe(200);
    expect(await gone).toBe('io server disconnect');
    expect(benSocket.connected).toBe(true);
  });
});

describe('Socket.IO events', () => {
  it('joinRoom and sendMessage ack; newMessage, readReceipt and userTyping reach the room; stored first', async () => {
    const ann = await api.member();
    const roomId = await openRoom(ann);
    const [customer, agent] = [await connect(ann), await connect(api.agent)];
    const agentMessages = collect(agent, 'newMessage');
    const customerReceipts = collect(customer, 'readReceipt');
    const customerTyping = collect(customer, 'userTyping');

    const customerJoin = await emitAck(customer, 'joinRoom', { roomId });
    expect(customerJoin).toMatchObject({ ok: true, data: { id: roomId, isPrivate: true } });
    expect((await emitAck(agent, 'joinRoom', { roomId })).ok).toBe(true);

    const sent = await emitAck(customer, 'sendMessage', { roomId, message: 'my parcel is late' });
    expect(sent).toMatchObject({
      ok: true,
      data: { roomId, senderId: ann.user.id, message: 'my parcel is late' },
    });
    const arrived = await agentMessages.until((m) => m.id === sent.data!.id);
    expect(arrived).toEqual({
      id: sent.data!.id,
      roomId,
      senderId: ann.user.id,
      content: 'my parcel is late',
      message: 'my parcel is late',
      createdAt: expect.any(String),
    });
    // stored before it was broadcast
    expect((await history(ann, roomId)).body.data[0].id).toBe(sent.data!.id);

    expect((await emitAck(agent, 'typing', { roomId })).ok).toBe(true);
    expect(await customerTyping.until()).toEqual({ roomId, userId: api.agent.user.id });

    const read = await emitAck(agent, 'messageRead', { roomId, messageId: sent.data!.id });
    expect(read.ok).toBe(true);
    expect(await customerReceipts.until()).toEqual({
      roomId,
      messageId: sent.data!.id,
      readBy: api.agent.user.id,
    });
    const [mark] = await api.deps.database.db.execute<{ last: number }>(
      sql`select last_read_message_id as last from chat_room_members where room_id = ${roomId} and user_id = ${api.agent.user.id}`,
    );
    expect(Number(mark!.last)).toBe(sent.data!.id);

    // sent over REST, it is broadcast the same way
    const viaRest = await call('POST', `/api/v1/chat/rooms/${roomId}/messages`, {
      headers: ann.authHeader,
      body: { message: 'over http' },
    });
    expect((await agentMessages.until((m) => m.id === viaRest.body.data.id)).message).toBe('over http');
  });

  it("refuses joining someone else's private room, and typing or sending there", async () => {
    const [ann, eve] = [await api.member(), await api.member()];
    const roomId = await openRoom(ann);
    const intruder = await connect(eve);
    expect(await emitAck(intruder, 'joinRoom', { roomId })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await emitAck(intruder, 'typing', { roomId })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await emitAck(intruder, 'sendMessage', { roomId, message: 'let me in' })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await emitAck(intruder, 'joinRoom', { roomId: missingId })).toMatchObject({
      ok: false,
      error: { code: 'CHAT_ROOM_NOT_FOUND' },
    });
    expect(await messageCount(roomId)).toBe(0);
  });

  it('hostile payloads get error acks and store nothing harmful; the connection stays', async () => {
    const ann = await api.member();
    const roomId = await openRoom(ann);
    const socket = await connect(ann);
    await emitAck(socket, 'joinRoom', { roomId });
    for (const payload of [
      'just a string',
      42,
      null,
      [roomId, 'x'],
      { roomId: 'one', message: 'x' },
      { roomId: -1, message: 'x' },
      { roomId, message: '' },
      { roomId, message: { $ne: 1 } },
      { roomId, message: 'x'.repeat(20_000) },
      { roomId, message: 'nul\u0000byte' },
    ]) {
      const answer = await emitAck(socket, 'sendMessage', payload);
      expect(answer, JSON.stringify(payload).slice(0, 80)).toMatchObject({
        ok: false,
        error: { code: 'VALIDATION_ERROR' },
      });
    }
    expect(await messageCount(roomId)).toBe(0);
    const xss = await emitAck(socket, 'sendMessage', {
      roomId,
      message: '<img src=x onerror=alert(1)><script>steal()</script><b>bold</b>',
    });
    expect(xss.ok).toBe(true);
    const [stored] = await api.deps.database.db.execute<{ content: string }>(
      sql`select content from chat_messages where room_id = ${roomId}`,
    );
    expect(stored!.content).toBe('<img src="x" /><b>bold</b>');
    // a frame over the size limit closes that connection, not the server
    expect(socket.connected).toBe(true);
  });

  it('over the per-connection rate limit, events are answered TOO_MANY_REQUESTS and the socket stays', async () => {
    const ann = await api.member();
    const roomId = await openRoom(ann);
    const socket = await connect(ann);
    await emitAck(socket, 'joinRoom', { roomId });
    const answers = await Promise.all(
      Array.from({ length: 60 }, () => emitAck(socket, 'typing', { roomId })),
    );
    const refused = answers.filter((answer) => answer.error?.code === 'TOO_MANY_REQUESTS').length;
    expect(refused).toBeGreaterThan(0);
    expect(answers.filter((answer) => answer.ok).length).toBeGreaterThan(0);
    expect(socket.connected).toBe(true);
  });

  it('a reconnecting client asks for what it missed with afterId', async () => {
    const ann = await api.member();
    const roomId = await openRoom(ann);
    await call('POST', `/api/v1/chat/rooms/${roomId}/join`, { headers: api.agent.authHeader });
    const first = await connect(ann);
    await emitAck(first, 'joinRoom', { roomId });
    const seen = await emitAck(first, 'sendMessage', { roomId, message: 'seen' });
    first.close();
    const missed: number[] = [];
    for (const text of ['while away 1', 'while away 2']) {
      const answer = await call('POST', `/api/v1/chat/rooms/${roomId}/messages`, {
        headers: api.agent.authHeader,
        body: { message: text },
      });
      missed.push(answer.body.data.id);
    }
    const again = await connect(ann);
    expect((await emitAck(again, 'joinRoom', { roomId })).ok).toBe(true);
    const caughtUp = await history(ann, roomId, `?afterId=${seen.data!.id}`);
    expect(caughtUp.body.data.map((m: { id: number }) => m.id)).toEqual(missed);
  });
});
