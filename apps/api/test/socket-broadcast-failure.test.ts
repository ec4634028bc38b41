// The Redis adapter publishes each broadcast without awaiting it. A broadcast whose publish fails
// (Redis down, or the connection closed at shutdown while a notification was on its way) is
// logged: it must not reject unhandled, which fails a vitest run and would end an API process.
import { createServer } from 'node:http';
import { createLogger } from '@pbshop/config';
import { createTestContext, type TestContext, waitFor } from '@pbshop/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { accessTokens } from '../src/http/access-token.ts';
import { createSocketServer, memberRoom } from '../src/realtime/socket-server.ts';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx?.cleanup();
});

it('a broadcast whose publish fails is logged, not left to reject unhandled', async () => {
  const logger = createLogger({ LOG_LEVEL: 'silent' }, 'socket-broadcast-test');
  const warn = vi.spyOn(logger, 'warn');
  const notCalled = () => Promise.reject(new Error('no client connects in this test'));
  const sockets = createSocketServer({
    httpServer: createServer(),
    redisUrl: ctx.env.REDIS_URL!,
    keyPrefix: ctx.redisPrefix,
    corsOrigins: [],
    tokens: accessTokens({ JWT_SECRET: 'x'.repeat(32), ACCESS_TOKEN_TTL_SECONDS: 900 }),
    principal: notCalled,
    freshPrincipal: notCalled,
    logger,
  });
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const publisher = (sockets.chat.adapter as unknown as { pubClient: Redis }).pubClient;
    await waitFor('the publisher to connect', () => publisher.status === 'ready');
    publisher.disconnect();
    sockets.chat.to(memberRoom(1)).emit('notification', { id: 1 });
    await waitFor('the failed publish to be logged', () =>
      warn.mock.calls.some(([, message]) => message === 'socket broadcast not published'),
    );
    // a rejection left unhandled is reported after the microtasks of its turn
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await sockets.close();
  }
});
