// defineScript on an auto-pipelining connection (the API's producer): a command defined while a
// pipeline waits for its tick must not join that pipeline, which was built without it — ioredis
// would then pair replies with the wrong callbacks and throw an uncaught TypeError.
import { createTestContext, type TestContext } from '@pbshop/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRedis, defineScript } from '../src/index.ts';

let ctx: TestContext;
let redis: Redis;

beforeAll(async () => {
  ctx = await createTestContext();
  redis = createRedis(ctx.env.REDIS_URL!, 'producer', { enableAutoPipelining: true });
  // a producer refuses commands until it is connected
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
});

afterAll(async () => {
  await redis?.quit();
  await ctx?.cleanup();
});

type Echo = Redis & { echoTwice(key: string, value: string): Promise<string> };

it('a script defined while a pipeline waits is called after it, and both answer', async () => {
  const key = `${ctx.redisPrefix}:define-script`;
  // a command of another request: its pipeline now waits for the next macrotask
  const waiting = redis.set(key, 'before');
  const first = defineScript(redis, 'echoTwice', {
    numberOfKeys: 1,
    lua: "redis.call('SET', KEYS[1], ARGV[1]) return ARGV[1] .. ARGV[1]",
  });
  // a second caller in the same tick gets the same wait, not a command it could call at once
  const second = defineScript(redis, 'echoTwice', { numberOfKeys: 1, lua: 'return 0' });
  expect(second).toBe(first);
  await first;
  expect(await (redis as Echo).echoTwice(key, 'ab')).toBe('abab');
  expect(await waiting).toBe('OK');
  expect(await redis.get(key)).toBe('ab');
  // defined: later calls do not wait a macrotask
  let settled = false;
  void defineScript(redis, 'echoTwice', { numberOfKeys: 1, lua: 'return 0' }).then(() => {
    settled = true;
  });
  await Promise.resolve();
  expect(settled).toBe(true);
});
