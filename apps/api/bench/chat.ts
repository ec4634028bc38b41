// bench:chat — 1,000 Socket.IO clients across two API replicas (processes on one Redis), in rooms
// of ten members: a room message's delivery latency (send → each other member's newMessage, p50/p99)
// and messages per second, in bursts (every room at once: the throughput) and paced at
// BENCH_CHAT_RATE msg/s (the latency at that load), after warm-up rounds; next to a bare Socket.IO
// server (no auth, no database, no Redis adapter) measured in the same run with the same client
// code; and each replica's memory per idle connection (RSS growth / connections). Prints
// os.loadavg() with the figures.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import { createLogger, parseEnv } from '@pbshop/config';
import { createTestContext, type RunningProcess, spawnProcess } from '@pbshop/testing';
import { Server } from 'socket.io';
import { io as connectClient, type Socket } from 'socket.io-client';
import { createApiDeps } from '../src/deps.ts';

const SOCKETS = Number(process.env.BENCH_CHAT_SOCKETS ?? 1000);
const ROOM_SIZE = 10;
const ROUNDS = Number(process.env.BENCH_CHAT_ROUNDS ?? 10);
/** rounds run and discarded first: the replicas' code is cold at start (10 cold rounds read ~1.5× slower) */
const WARMUP_ROUNDS = Number(process.env.BENCH_CHAT_WARMUP_ROUNDS ?? 20);
/** the paced phase: messages a second across all rooms, spread evenly, and for how long */
const PACED_RATE = Number(process.env.BENCH_CHAT_RATE ?? 300);
const PACED_SECONDS = Number(process.env.BENCH_CHAT_PACED_SECONDS ?? 10);
const BARE_SOCKETS = 200;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const rssOf = (pid: number) => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return Number(line?.[1] ?? 0) * 1024;
};

function connect(url: string, auth: Record<string, string>): Promise<Socket> {
  const socket = connectClient(`${url}/chat`, {
    transports: ['websocket'],
    auth,
    reconnection: false,
    forceNew: true,
    timeout: 20_000,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

interface Member {
  socket: Socket;
  room: number;
}

/**
 * Sends one message from `sender` and resolves with each other member's delivery latency once all
 * received it (receive time − send time: one clock, this process).
 */
async function sendAndAwait(room: Member[], sender: Member, tag: string): Promise<number[]> {
  const marker = `${tag}-${sender.room}-${Math.random()}`;
  const latencies: number[] = [];
  const waits = room
    .filter((member) => member !== sender)
    .map(
      (member) =>
        new Promise<void>((resolve) => {
          const onMessage = (payload: { message?: string }) => {
            if (payload.message !== marker) return;
            latencies.push(performance.now() - sentAt);
            member.socket.off('newMessage', onMessage);
            resolve();
          };
          member.socket.on('newMessage', onMessage);
        }),
    );
  const sentAt = performance.now();
  const ack = await sender.socket
    .timeout(20_000)
    .emitWithAck('sendMessage', { roomId: sender.room, message: marker });
  if (ack && typeof ack === 'object' && 'ok' in ack && ack.ok === false) throw new Error(JSON.stringify(ack));
  await Promise.all(waits);
  return latencies;
}

const summary = (latencies: number[], sent: number, seconds: number) => {
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    sentPerSecond: sent / seconds,
    deliveredPerSecond: latencies.length / seconds,
  };
};

/**
 * Bursts: `rounds` rounds; in each, one member of every room sends at once, and a round ends when
 * every other member of every room received it — the most a burst of one message per room costs.
 */
async function measureBursts(members: Member[][], rounds: number) {
  const latencies: number[] = [];
  const started = performance.now();
  for (let round = 0; round < rounds; round++) {
    const perRoom = await Promise.all(
      members.map((room) => sendAndAwait(room, room[round % room.length]!, `r${round}`)),
    );
    for (const each of perRoom) latencies.push(...each);
  }
  return summary(latencies, members.length * rounds, (performance.now() - started) / 1000);
}

/**
 * Paced: `rate` messages a second for `seconds`, spread evenly over time and rooms (room k % n,
 * its members in turn), the way a chat's traffic arrives — the latency a member sees at that load.
 */
async function measurePaced(members: Member[][], rate: number, seconds: number) {
  const total = Math.round(rate * seconds);
  const sends: Promise<number[]>[] = [];
  const started = performance.now();
  for (let k = 0; k < total; k++) {
    const due = started + (k * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const room = members[k % members.length]!;
    const sender = room[Math.floor(k / members.length) % room.length]!;
    sends.push(sendAndAwait(room, sender, `p${k}`));
  }
  const latencies = (await Promise.all(sends)).flat();
  return summary(latencies, total, (performance.now() - started) / 1000);
}

/** Warm-up rounds (discarded), the bursts, then the paced phase, on the same clients. */
async function measureRooms(members: Member[][]) {
  await measureBursts(members, WARMUP_ROUNDS);
  const bursts = await measureBursts(members, ROUNDS);
  const paced = await measurePaced(members, PACED_RATE, PACED_SECONDS);
  return { bursts, paced };
}

/** The baseline: Socket.IO alone, broadcasting to a room, with the same clients. */
async function bareBaseline() {
  const http = createServer();
  const server = new Server(http, { transports: ['websocket'] });
  server.of('/chat').on('connection', (socket) => {
    socket.on('joinRoom', ({ roomId }: { roomId: number }, ack: (a: unknown) => void) => {
      void socket.join(`room:${roomId}`);
      ack({ ok: true });
    });
    socket.on('sendMessage', (payload: { roomId: number; message: string }, ack: (a: unknown) => void) => {
      server
        .of('/chat')
        .to(`room:${payload.roomId}`)
        .emit('newMessage', { ...payload, id: 1, createdAt: new Date().toISOString() });
      ack({ ok: true });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  const rooms: Member[][] = [];
  for (let r = 0; r < BARE_SOCKETS / ROOM_SIZE; r++) {
    const room: Member[] = [];
    for (let m = 0; m < ROOM_SIZE; m++) {
      const socket = await connect(url, {});
      await socket.emitWithAck('joinRoom', { roomId: r + 1 });
      room.push({ socket, room: r + 1 });
    }
    rooms.push(room);
  }
  const figures = await measureRooms(rooms);
  for (const room of rooms) for (const member of room) member.socket.close();
  server.close();
  return figures;
}

const ctx = await createTestContext();
const env = parseEnv({ ...ctx.env, LOG_LEVEL: 'warn' });
const deps = createApiDeps(env, createLogger(env, 'bench-chat'));
const replicas: RunningProcess[] = [];
const sockets: Socket[] = [];
try {
  const entry = new URL('../src/main.ts', import.meta.url).pathname;
  const urls: string[] = [];
  for (let i = 0; i < 2; i++) {
    const child = spawnProcess(entry, { ...ctx.env, LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1' });
    replicas.push(child);
    const line = await child.waitForLog(
      (log) => typeof log.msg === 'string' && log.msg.startsWith('Server listening at'),
    );
    urls.push(String(line.msg).replace('Server listening at ', ''));
  }
  const rssBefore = replicas.map((replica) => rssOf(replica.child.pid!));

  // members, rooms of ROOM_SIZE (one opens it, the others join), tokens as the API signs them
  const rooms: Member[][] = [];
  for (let r = 0; r < SOCKETS / ROOM_SIZE; r++) {
    const users = await Promise.all(
      Array.from({ length: ROOM_SIZE }, (_, m) =>
        deps.users.create({
          email: `chat-bench-${r}-${m}@example.com`,
          name: 'Chat bench',
          passwordHash: null,
          role: 'USER',
          emailVerified: true,
        }),
      ),
    );
    const room = await deps.chat.createRoom(users[0]!, { name: `bench ${r}`, isPrivate: false });
    const members: Member[] = [];
    for (const [m, user] of users.entries()) {
      if (m > 0) await deps.chat.join(user, room.id);
      const token = deps.accessTokens.sign({ sub: String(user.id), role: user.role, ver: user.tokenVersion });
      // members of one room spread over both replicas: every message crosses the adapter
      const socket = await connect(urls[(r + m) % 2]!, { token });
      sockets.push(socket);
      const joined = await socket.emitWithAck('joinRoom', { roomId: room.id });
      if (!joined.ok) throw new Error(JSON.stringify(joined));
      members.push({ socket, room: room.id });
    }
    rooms.push(members);
  }
  // a settled reading of the idle replicas with every client connected and joined
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const rssIdle = replicas.map((replica) => rssOf(replica.child.pid!));
  const perConnection = rssIdle.map((rss, i) => (rss - rssBefore[i]!) / (SOCKETS / 2));

  const api = await measureRooms(rooms);
  const bare = await bareBaseline();
  const load = os.loadavg().map((value) => value.toFixed(2));
  const line = (name: string, figures: ReturnType<typeof summary>) =>
    `${name} p50 ${figures.p50.toFixed(1)} ms, p99 ${figures.p99.toFixed(1)} ms, sent ${figures.sentPerSecond.toFixed(0)} msg/s, delivered ${figures.deliveredPerSecond.toFixed(0)} msg/s`;
  console.log(
    `chat bench: ${SOCKETS} sockets over 2 API replicas, rooms of ${ROOM_SIZE}; after ${WARMUP_ROUNDS} warm-up rounds, ` +
      `${ROUNDS} burst rounds (every room sends at once) and ${PACED_SECONDS} s paced at ${PACED_RATE} msg/s; ` +
      `bare: Socket.IO alone, ${BARE_SOCKETS} sockets, one process, the same phases`,
  );
  console.log(line('API  bursts ', api.bursts));
  console.log(line('bare bursts ', bare.bursts));
  console.log(line(`API  paced  `, api.paced), '(goal p99 ≤ 50)');
  console.log(line(`bare paced  `, bare.paced));
  console.log(
    `ratio API/bare: burst p99 ×${(api.bursts.p99 / bare.bursts.p99).toFixed(1)}, burst msg/s ×${(api.bursts.sentPerSecond / bare.bursts.sentPerSecond).toFixed(2)}, paced p99 ×${(api.paced.p99 / bare.paced.p99).toFixed(1)}`,
  );
  console.log(
    `memory per idle connection: ${perConnection.map((bytes) => `${(bytes / 1024).toFixed(1)} KiB`).join(', ')} (RSS ${rssBefore.map((b) => (b / 2 ** 20).toFixed(0)).join('/')} → ${rssIdle.map((b) => (b / 2 ** 20).toFixed(0)).join('/')} MiB)`,
  );
  console.log(`load average (1/5/15 min): ${load.join(' ')} on ${os.cpus().length} cores`);
} finally {
  for (const socket of sockets) socket.close();
  await Promise.all(replicas.map((replica) => replica.stop('SIGKILL')));
  await deps.close();
  await ctx.cleanup();
}
