// The rate-limit store on a real Redis: two stores play two API replicas sharing it. Far from the
// limit a replica counts locally and syncs; from half the limit on every request is counted in
// Redis; a route's own limit (auth) is counted in Redis on every request; windows restart.
import { createTestContext, serviceUrls, type TestContext, waitFor } from '@pbshop/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimitStore } from '../src/plugins/rate-limit-store.ts';

let ctx: TestContext;
let redis: Redis;

beforeAll(async () => {
  ctx = await createTestContext();
  redis = new Redis(serviceUrls.redis);
});

afterAll(async () => {
  redis?.disconnect();
  await ctx?.cleanup();
});

type Store = InstanceType<ReturnType<typeof rateLimitStore>['Store']>;

function replica(prefix: string, syncMs = 50) {
  const counts = rateLimitStore({ redis, prefix, syncMs });
  return { counts, store: new counts.Store({}) };
}

const hit = (store: Store, key: string, max: number, windowMs = 60_000) =>
  new Promise<{ current: number; ttl: number }>((resolve, reject) =>
    store.incr(key, (error, result) => (error ? reject(error) : resolve(result!)), windowMs, max),
  );

describe('rate-limit store', () => {
  it('counts a client far from its limit locally and adds it to Redis within the sync interval', async () => {
    const prefix = `${ctx.redisPrefix}:rate-a:`;
    const { store } = replica(prefix);
    const currents = [];
    for (let call = 0; call < 20; call += 1) currents.push((await hit(store, 'client', 1000)).current);
    expect(currents).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    await waitFor(
      'the local counts to reach Redis',
      async () => (await redis.get(`${prefix}client`)) === '20',
    );
    expect(await redis.pttl(`${prefix}client`)).toBeGreaterThan(50_000);
  });

  it('from half the limit on, counts every request in Redis: two replicas admit exactly the limit', async () => {
    const prefix = `${ctx.redisPrefix}:rate-b:`;
    // a long sync interval: whatever passes here passes through Redis, not through a sync
    const [first, second] = [replica(prefix, 60_000), replica(prefix, 60_000)];
    const admitted: boolean[] = [];
    for (let call = 0; call < 12; call += 1) {
      const { current } = await hit(call % 2 === 0 ? first.store : second.store, 'client', 8);
      admitted.push(current <= 8);
    }
    expect(admitted).toEqual([...Array(8).fill(true), ...Array(4).fill(false)]);
    expect(Number(await redis.get(`${prefix}client`))).toBe(12);
    await Promise.all([first.counts.flush(), second.counts.flush()]);
  });

  it("counts a route's own limit in Redis on every request", async () => {
    const prefix = `${ctx.redisPrefix}:rate-c:`;
    const { store } = replica(prefix, 60_000);
    const route = store.child({ routeInfo: { method: 'POST', url: '/api/v1/auth/login' } } as never);
    for (let call = 1; call <= 3; call += 1) {
      expect((await hit(route as Store, 'client', 1000)).current).toBe(call);
      expect(await redis.get(`${prefix}POST/api/v1/auth/login-client`)).toBe(String(call));
    }
  });

  it('starts a new window when the last one ends, and flush() sends what was kept', async () => {
    const prefix = `${ctx.redisPrefix}:rate-d:`;
    const { counts, store } = replica(prefix, 60_000);
    for (let call = 0; call < 5; call += 1) await hit(store, 'client', 1000, 300);
    await counts.flush();
    expect(await redis.get(`${prefix}client`)).toBe('5');
    await waitFor('the window to end', async () => (await redis.exists(`${prefix}client`)) === 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await hit(store, 'client', 1000, 300)).current).toBe(1);
  });
});
