// Stored page validators across processes: each process keeps a copy of a seller's hash and reads
// only the hash's generation while that copy is current; another process's write, a deleted hash
// or a process that never read it make it read the whole hash again.
import { createRedis } from '@pbshop/queues';
import { createTestContext, type TestContext } from '@pbshop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PageValidators, pageValidators, type StoredPage } from '../src/validators.ts';

const item = (price: number): StoredPage['item'] =>
  ({
    title: 'page',
    price,
    shippingFee: 0,
    stockState: 'IN_STOCK',
    sellerProductCode: null,
    gtin: null,
    mpn: null,
    specs: null,
  }) as StoredPage['item'];
const stored = (etag: string, price: number): StoredPage => ({
  etag,
  lastModified: null,
  reading: 'r',
  item: item(price),
});

describe('pageValidators', () => {
  let ctx: TestContext;
  let redis: ReturnType<typeof createRedis>;
  const url = 'https://shop.example/p/1';
  const other = 'https://shop.example/p/2';

  beforeAll(async () => {
    ctx = await createTestContext();
    redis = createRedis(ctx.env.REDIS_URL as string, 'worker');
  });

  afterAll(async () => {
    redis?.disconnect();
    await ctx?.cleanup();
  });

  /**
   * The client with the hash reads asked of it recorded by name (they still run on Redis): what a
   * load sends. (MONITOR would see them too, but on the Redis every test shares, its connection
   * broke under the other suites' traffic.)
   */
  function recorded(client: typeof redis) {
    const sent: string[] = [];
    const reads = new Set<PropertyKey>(['hget', 'hgetall']);
    const proxy = new Proxy(client, {
      get(target, name) {
        const value = Reflect.get(target, name, target);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (reads.has(name)) sent.push(String(name));
          return value.apply(target, args);
        };
      },
    });
    return { client: proxy, sent };
  }

  /** The hash reads one load sends, with its lookup. */
  async function commandsOf(
    validators: PageValidators,
    recorder: ReturnType<typeof recorded>,
    sellerId: number,
  ) {
    recorder.sent.length = 0;
    const lookup = await validators.load(sellerId);
    return { lookup, sent: [...recorder.sent] };
  }

  it("reads only the generation while its copy is current, and the whole hash after another process's write", async () => {
    const firstClient = recorded(redis);
    const first = pageValidators(firstClient.client, ctx.redisPrefix);
    const second = pageValidators(redis, ctx.redisPrefix);
    await first.save(1, new Map([[url, stored('"a"', 100)]]), []);

    // a process that never read the hash reads it whole, then only its generation
    const fresh = await commandsOf(first, firstClient, 1);
    expect(fresh.sent).toEqual(['hget', 'hgetall']);
    expect(fresh.lookup(url)?.etag).toBe('"a"');
    await first.save(1, new Map([[other, stored('"b"', 200)]]), []);
    const current = await commandsOf(first, firstClient, 1);
    expect(current.sent).toEqual(['hget']);
    expect(current.lookup(url)?.etag).toBe('"a"');
    expect(current.lookup(other)?.item.price).toBe(200);

    // another process stores a page again and forgets one: the first reads the hash whole
    await second.load(1);
    await second.save(1, new Map([[url, stored('"c"', 300)]]), [other]);
    const changed = await commandsOf(first, firstClient, 1);
    expect(changed.sent).toEqual(['hget', 'hgetall']);
    expect(changed.lookup(url)).toMatchObject({ etag: '"c"', item: { price: 300 } });
    expect(changed.lookup(other)).toBeUndefined();
  });

  it('keeps the copy current from its first write to a new hash, and forgets it when the hash is deleted', async () => {
    const client = recorded(redis);
    const validators = pageValidators(client.client, ctx.redisPrefix);
    await validators.load(2);
    await validators.save(2, new Map([[url, stored('"a"', 100)]]), []);
    const current = await commandsOf(validators, client, 2);
    expect(current.sent).toEqual(['hget']);
    expect(current.lookup(url)?.etag).toBe('"a"');

    await redis.del(`${ctx.redisPrefix}:crawler:pages:2`);
    expect((await validators.load(2))(url)).toBeUndefined();
  });
});
