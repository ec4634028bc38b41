// Several API replicas (CHAT-01..06, issue 22): two API processes on one Redis and one database,
// a real Socket.IO client connected to each, in one room. A message sent to one replica reaches
// the member connected to the other; read receipts and typing cross too; the handshake and the
// room rules hold on every replica; a member blocked through one replica loses their socket on
// the other; a replica's SIGTERM closes its sockets (the client may reconnect to the other).
import { type RunningProcess, spawnProcess } from '@pbshop/testing';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handMadeJwt } from './auth-helpers.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { collect, connectChat, disconnected, emitAck } from './helpers/chat-sockets.ts';
import type { Member } from './helpers/users.ts';

const entry = new URL('../src/main.ts', import.meta.url).pathname;
const api = setupApiTest({ members: { agent: { role: 'ADMIN' } } });
const replicas: { process: RunningProcess; url: string }[] = [];
const sockets: Socket[] = [];

async function startReplica() {
  const child = spawnProcess(entry, {
    ...api.ctx.env,
    LOG_LEVEL: 'info',
    PORT: '0',
    HOST: '127.0.0.1',
    RATE_LIMIT_PER_MINUTE: '100000',
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
  });
  const line = await child.waitForLog(
    (log) => typeof log.msg === 'string' && log.msg.startsWith('Server listening at'),
  );
  const replica = { process: child, url: String(line.msg).replace('Server listening at ', '') };
  replicas.push(replica);
  return replica;
}

beforeAll(async () => {
  await Promise.all([startReplica(), startReplica()]);
}, 60_000);

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await Promise.all(replicas.map((replica) => replica.process.stop('SIGKILL')));
});

async function connect(replica: number, who: Member) {
  const socket = await connectChat(replicas[replica]!.url, who.token);
  sockets.push(socket);
  return socket;
}

async function sharedRoom(customer: Member) {
  const created = await api.call('POST', '/api/v1/chat/rooms', {
    headers: customer.authHeader,
    body: { name: 'Across replicas', isPrivate: true },
  });
  return created.body.data.id as number;
}

describe('two API processes on one Redis', () => {
  it('a message, a read receipt and typing sent to one replica reach the member on the other', async () => {
    const ann = await api.member();
    const roomId = await sharedRoom(ann);
    const onA = await connect(0, ann);
    const onB = await connect(1, api.agent);
    const [aMessages, aReceipts, aTyping] = [
      collect(onA, 'newMessage'),
      collect(onA, 'readReceipt'),
      collect(onA, 'userTyping'),
    ];
    const bMessages = collect(onB, 'newMessage');
    expect((await emitAck(onA, 'joinRoom', { roomId })).ok).toBe(true);
    expect((await emitAck(onB, 'joinRoom', { roomId })).ok).toBe(true);

    const fromA = await emitAck(onA, 'sendMessage', { roomId, message: 'hello from replica A' });
    expect(fromA.ok).toBe(true);
    const arrivedOnB = await bMessages.until((m) => m.id === fromA.data!.id);
    expect(arrivedOnB).toMatchObject({ roomId, senderId: ann.user.id, content: 'hello from replica A' });

    const fromB = await emitAck(onB, 'sendMessage', { roomId, content: 'agent on replica B' });
    expect((await aMessages.until((m) => m.id === fromB.data!.id)).message).toBe('agent on replica B');

    expect((await emitAck(onB, 'typing', { roomId })).ok).toBe(true);
    expect(await aTyping.until()).toEqual({ roomId, userId: api.agent.user.id });
    expect((await emitAck(onB, 'messageRead', { roomId, messageId: fromA.data!.id })).ok).toBe(true);
    expect(await aReceipts.until()).toEqual({ roomId, messageId: fromA.data!.id, readBy: api.agent.user.id });

    // a member who left the room on one replica no longer hears it from the other
    expect((await emitAck(onA, 'leaveRoom', { roomId })).ok).toBe(true);
    const after = await emitAck(onB, 'sendMessage', { roomId, message: 'are you there?' });
    const aCount = aMessages.received.length;
    // the sender's own copy proves the broadcast went out before we look at A
    await bMessages.until((m) => m.id === after.data!.id);
    expect(aMessages.received.filter((m) => m.id === after.data!.id)).toEqual([]);
    expect(aMessages.received.length).toBe(aCount);
  });

  it('every replica refuses an expired token and a private room of someone else', async () => {
    const [ann, eve] = [await api.member(), await api.member()];
    const roomId = await sharedRoom(ann);
    const now = Math.floor(Date.now() / 1000);
    const expired = handMadeJwt(
      { sub: String(eve.user.id), role: 'USER', ver: eve.user.tokenVersion, iat: now - 3600, exp: now - 1 },
      api.deps.env.JWT_SECRET,
    );
    for (const replica of replicas) {
      await expect(connectChat(replica.url, expired)).rejects.toThrow('TOKEN_EXPIRED');
    }
    const intruder = await connect(1, eve);
    expect(await emitAck(intruder, 'joinRoom', { roomId })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
  });

  it('a member blocked through one replica loses the socket held on the other', async () => {
    const ann = await api.member();
    const onB = await connect(1, ann);
    const gone = disconnected(onB);
    const blocked = await fetch(`${replicas[0]!.url}/api/v1/users/${ann.user.id}/status`, {
      method: 'PATCH',
      headers: { ...api.agent.authHeader, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'BLOCKED' }),
    });
    expect(blocked.status).toBe(200);
    expect(await gone).toBe('io server disconnect');
  });

  it("a replica's SIGTERM closes its sockets and it exits; the other replica keeps serving", async () => {
    const ann = await api.member();
    const roomId = await sharedRoom(ann);
    const leaving = await startReplica();
    const onLeaving = await connectChat(leaving.url, ann.token);
    sockets.push(onLeaving);
    const gone = disconnected(onLeaving, 15_000);
    leaving.process.stop('SIGTERM');
    expect(await gone).toMatch(/io server disconnect|transport close/);
    expect((await leaving.process.exited).code).toBe(0);
    const onA = await connect(0, ann);
    expect((await emitAck(onA, 'joinRoom', { roomId })).ok).toBe(true);
  }, 30_000);
});
