import type { Server as HttpServer } from 'node:http';
import type { Logger } from '@pbshop/config';
import { entityIdText } from '@pbshop/config';
import { type ErrorCode, errorCatalog } from '@pbshop/errors';
import { createRedis } from '@pbshop/queues';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { type DefaultEventsMap, type Namespace, Server, type Socket } from 'socket.io';
import type { AccessTokens } from '../http/access-token.ts';
import type { Principal, PrincipalLookup } from '../http/principal.ts';

/** What a connected socket carries: the member its handshake authenticated. */
export interface SocketData {
  principal: Pick<Principal, 'id' | 'role' | 'tokenVersion'>;
}

export type ChatNamespace = Namespace<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, SocketData>;
export type ChatSocket = Socket<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, SocketData>;

/** The room every socket of a member is in: personal notifications go there. */
export const memberRoom = (userId: number) => `user:${userId}`;

/** A handshake refusal the client reads as `err.message` (the code) and `err.data` (code and text). */
function refusal(code: ErrorCode): Error {
  return Object.assign(new Error(code), { data: { code, message: errorCatalog[code].message.en } });
}

export interface SocketServerOptions {
  httpServer: HttpServer;
  redisUrl: string;
  keyPrefix: string;
  corsOrigins: string[];
  tokens: AccessTokens;
  /** the principal as HTTP reads it (cached, revoked through Redis) */
  principal: PrincipalLookup;
  /** the principal read from the database, to re-check a live connection after a revocation */
  freshPrincipal: PrincipalLookup;
  logger: Logger;
}

/**
 * Socket.IO on the API's HTTP server: namespace `/chat`, WebSocket transport only (so a load
 * balancer needs no sticky sessions), the Redis adapter carrying rooms and broadcasts across
 * replicas. The handshake's `auth.token` is the HTTP access token, checked the same way (expired,
 * invalid, blocked or withdrawn → refused). A member's sessions revoked (block, withdrawal,
 * password change: the principal cache's `<prefix>:principal-revoked` message) re-checks their
 * live sockets on every replica and drops those no longer valid.
 */
export function createSocketServer(options: SocketServerOptions) {
  const { redisUrl, keyPrefix, logger } = options;
  // the adapter's publisher (fails fast while Redis is down, like every request path) and its
  // subscriber, and the revocation listener: connections of their own; subscribers wait out an outage
  const adapterPub = createRedis(redisUrl, 'producer');
  catchPublishFailures(adapterPub, logger);
  const adapterSub = createRedis(redisUrl, 'worker');
  const revocations = createRedis(redisUrl, 'worker');
  const io = new Server(options.httpServer, {
    transports: ['websocket'],
    cors: { origin: options.corsOrigins, credentials: true },
    // one message is far below this: a bigger frame is refused before it is parsed
    maxHttpBufferSize: 64 * 1024,
    serveClient: false,
    adapter: createAdapter(adapterPub, adapterSub, { key: `${keyPrefix}:socket.io` }),
  });
  const chat: ChatNamespace = io.of('/chat');

  chat.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token === '') return next(refusal('UNAUTHORIZED'));
    const claims = options.tokens.verify(token.replace(/^Bearer\s+/i, ''));
    if (claims === 'expired') return next(refusal('TOKEN_EXPIRED'));
    const subject = claims === 'invalid' ? undefined : entityIdText.safeParse(claims.sub).data;
    if (claims === 'invalid' || subject === undefined || typeof claims.ver !== 'number') {
      return next(refusal('TOKEN_INVALID'));
    }
    options.principal(subject, claims.ver).then(
      (principal) => {
        if (principal === 'blocked') return next(refusal('USER_BLOCKED'));
        if (!principal) return next(refusal('TOKEN_INVALID'));
        socket.data.principal = {
          id: principal.id,
          role: principal.role,
          tokenVersion: principal.tokenVersion,
        };
        socket.join(memberRoom(principal.id));
        next();
      },
      (error: unknown) => {
        logger.warn({ err: error }, 'socket handshake: principal not read');
        next(refusal('SERVICE_UNAVAILABLE'));
      },
    );
  });

  const revokedChannel = `${keyPrefix}:principal-revoked`;
  revocations.on('message', (channel: string, message: string) => {
    if (channel !== revokedChannel) return;
    const userId = Number(message);
    const socketIds = chat.adapter.rooms.get(memberRoom(userId));
    if (!socketIds) return;
    for (const socketId of [...socketIds]) {
      const socket = chat.sockets.get(socketId);
      if (!socket) continue;
      const { id, tokenVersion } = socket.data.principal;
      options.freshPrincipal(id, tokenVersion).then(
        (principal) => {
          if (typeof principal !== 'object') socket.disconnect(true);
        },
        (error: unknown) => {
          logger.warn({ err: error, userId }, 'revoked member not re-read; socket dropped');
          socket.disconnect(true);
        },
      );
    }
  });
  revocations.on('error', (error: Error) =>
    logger.debug({ err: error }, 'socket revocation subscriber error'),
  );
  revocations.subscribe(revokedChannel).catch((error: unknown) => {
    logger.error({ err: error }, 'socket revocations not subscribed; a blocked member keeps a live socket');
  });

  return {
    io,
    chat,
    /** Drops this replica's sockets (their clients reconnect to another replica) and stops accepting new ones. */
    disconnectAll() {
      chat.local.disconnectSockets(true);
      io.engine.close();
    },
    async close() {
      // the adapter subscribes and unsubscribes without awaiting: a command still queued when its
      // connection closes rejects unhandled (a SIGTERM right after start exited 1). So the
      // subscriber gets to connect first (bounded), and a connected client ends with QUIT, which
      // is answered after every command sent before it; one that is not connected (Redis down)
      // is dropped, as QUIT would wait in its offline queue for a Redis that may never return
      await Promise.all([whenReady(adapterSub), whenReady(revocations)]);
      await chat.adapter.close();
      await Promise.all([endConnection(revocations), endConnection(adapterPub), endConnection(adapterSub)]);
    },
  };
}

export type SocketServer = ReturnType<typeof createSocketServer>;

/** QUIT when connected (bounded: Redis may die meanwhile), otherwise drop the connection. */
async function endConnection(client: Redis, timeoutMs = 2_000): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([
    client.quit().then(
      () => undefined,
      () => undefined,
    ),
    gaveUp,
  ]);
  clearTimeout(timer);
  client.disconnect();
}

/** Resolves once the connection is ready, or after `timeoutMs` (Redis may be down at shutdown). */
function whenReady(client: Redis, timeoutMs = 2_000): Promise<void> {
  if (client.status === 'ready' || client.status === 'end') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    client.once('ready', done);
  });
}

/**
 * The Redis adapter publishes every broadcast without awaiting it: a publish that fails (Redis
 * down, or the connection closed while a notification was on its way at shutdown) would reject
 * unhandled. Each publish gets a handler that logs it; the promise itself is returned unchanged,
 * so the adapter's own awaits still see the failure. Nothing is lost: messages and notifications
 * are stored before they are broadcast, and a client that reconnects asks for what it missed.
 */
function catchPublishFailures(client: Redis, logger: Logger): void {
  const publish = client.publish.bind(client) as (...args: unknown[]) => Promise<number>;
  client.publish = ((...args: unknown[]) => {
    const sent = publish(...args);
    sent.catch((error: unknown) => logger.warn({ err: error }, 'socket broadcast not published'));
    return sent;
  }) as Redis['publish'];
}
