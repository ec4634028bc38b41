// Catalog cache: product list, detail and price comparison in Redis (and in each API process,
// kept current by Redis invalidation messages), invalidated on every API write; never a price older
// than the last completed write, also under concurrency and across two API replicas; Redis or the
// tracking connection down → Redis or the database answers. Against real PostgreSQL and Redis.
import { type PrivateRedis, startPrivateRedis, waitFor } from '@pbshop/testing';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { setupApiTest } from './helpers/api-test.ts';
import {
  type CategoryData,
  createCategory,
  createSeller,
  type SellerData,
  uniqueName,
} from './helpers/catalog.ts';
import { buildTestApp } from './helpers/users.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' } } });
let category: CategoryData;
let shop: SellerData;
let prefix: string;

beforeAll(async () => {
  prefix = api.deps.env.REDIS_KEY_PREFIX;
  category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Laptops') });
  shop = await createSeller(api.app, api.admin.authHeader);
});

async function call(
  target: App,
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  url: string,
  body?: object,
) {
  const response = await target.inject({
    method,
    url,
    headers: method === 'GET' ? {} : api.admin.authHeader,
    ...(body === undefined ? {} : { payload: body }),
  });
  return {
    status: response.statusCode,
    raw: response.body,
    // the body as stored: each answer is stamped with its own requestId and timestamp on the way out
    unstamped: response.body.replace(
      /^\{"success":true,"requestId":"[^"]*","timestamp":"[^"]*",/,
      '{"success":true,',
    ),
    body: response.json(),
  };
}

const get = (url: string) => call(api.app, 'GET', url);

async function productWithOffer(price = 100_000) {
  const product = await call(api.app, 'POST', '/api/v1/products', {
    categoryId: category.id,
    name: uniqueName('Laptop'),
  });
  expect(product.status).toBe(201);
  const id = product.body.data.id as number;
  const offer = await call(api.app, 'POST', `/api/v1/products/${id}/prices`, {
    sellerId: shop.id,
    price,
    url: 'https://shop.example.com/item/1',
  });
  expect(offer.status).toBe(201);
  return { id, offerId: offer.body.data.id as number };
}

const listUrl = () => `/api/v1/products?categoryId=${category.id}&limit=100`;

async function listedPrice(id: number) {
  const list = await get(listUrl());
  expect(list.status).toBe(200);
  return (list.body.data as { id: number; lowestPrice: number | null }[]).find((row) => row.id === id)
    ?.lowestPrice;
}

async function keys(pattern: string) {
  return api.deps.redis.keys(`${prefix}:cache:${pattern}`);
}

describe('catalog cache', () => {
  it('serves the second read from Redis: a raw SQL change stays invisible until an API write', async () => {
    const { id } = await productWithOffer(100_000);
    const first = {
      detail: await get(`/api/v1/products/${id}`),
      prices: await get(`/api/v1/products/${id}/prices`),
      list: await get(listUrl()),
    };
    expect(await keys(`product:${id}:detail:*`)).toHaveLength(1);
    expect(await keys(`product:${id}:prices:*`)).toHaveLength(1);
    // behind the API's back: the cache does not see it
    await api.deps.database.db.execute(sql`update products set name = 'changed by sql' where id = ${id}`);
    await api.deps.database.db.execute(sql`update offers set price = 1 where product_id = ${id}`);
    const second = {
      detail: await get(`/api/v1/products/${id}`),
      prices: await get(`/api/v1/products/${id}/prices`),
      list: await get(listUrl()),
    };
    // byte for byte what the uncached path returned, but for each answer's own stamp
    expect(second.detail.unstamped).toBe(first.detail.unstamped);
    expect(second.prices.unstamped).toBe(first.prices.unstamped);
    expect(second.list.unstamped).toBe(first.list.unstamped);
    expect(second.detail.body.requestId).not.toBe(first.detail.body.requestId);
    // an API write invalidates: the next read is the database's
    const patched = await call(api.app, 'PATCH', `/api/v1/products/${id}`, {
      version: first.detail.body.data.version,
      description: 'new',
    });
    expect(patched.status).toBe(200);
    const detail = await get(`/api/v1/products/${id}`);
    expect(detail.body.data.name).toBe('changed by sql');
    // the views of the reads above are flushed once a second, between the PATCH and this read or not
    expect(detail.unstamped).toBe(
      JSON.stringify({
        success: true,
        data: { ...patched.body.data, viewCount: detail.body.data.viewCount },
      }),
    );
    expect((await get(`/api/v1/products/${id}/prices`)).body.data.entries[0].price).toBe(1);
  });

  it('shares the match count across pages and sorts, and a new product counts at once', async () => {
    const pageOf = (query: string) => get(`/api/v1/products?categoryId=${category.id}&limit=1&${query}`);
    const before = await pageOf('page=1');
    expect(await keys('list:*:count:*')).not.toHaveLength(0);
    const countKeys = (await keys('list:*:count:*')).length;
    // other pages and sorts of the same filters reuse that count
    expect((await pageOf('page=2&sort=price_asc')).body.meta.totalCount).toBe(before.body.meta.totalCount);
    expect(await keys('list:*:count:*')).toHaveLength(countKeys);
    await productWithOffer(123_000);
    expect((await pageOf('page=1')).body.meta.totalCount).toBe(before.body.meta.totalCount + 1);
  });

  it('an offer write shows the new price at once in detail, comparison and list', async () => {
    const { id, offerId } = await productWithOffer(200_000);
    expect(await listedPrice(id)).toBe(200_000);
    expect((await get(`/api/v1/products/${id}`)).body.data.lowestPrice).toBe(200_000);
    expect((await get(`/api/v1/products/${id}/prices`)).body.data.lowestPrice).toBe(200_000);

    expect((await call(api.app, 'PATCH', `/api/v1/prices/${offerId}`, { price: 150_000 })).status).toBe(200);
    expect((await get(`/api/v1/products/${id}`)).body.data.lowestPrice).toBe(150_000);
    expect((await get(`/api/v1/products/${id}/prices`)).body.data.entries[0].price).toBe(150_000);
    expect(await listedPrice(id)).toBe(150_000);

    expect((await call(api.app, 'DELETE', `/api/v1/prices/${offerId}`)).status).toBe(200);
    expect((await get(`/api/v1/products/${id}`)).body.data.lowestPrice).toBeNull();
    expect((await get(`/api/v1/products/${id}/prices`)).body.data.entries).toEqual([]);
    expect(await listedPrice(id)).toBeNull();

    const created = await call(api.app, 'POST', `/api/v1/products/${id}/prices`, {
      sellerId: shop.id,
      price: 120_000,
      url: 'https://shop.example.com/item/2',
    });
    expect(created.status).toBe(201);
    expect((await get(`/api/v1/products/${id}`)).body.data.lowestPrice).toBe(120_000);
    expect((await get(`/api/v1/products/${id}/prices`)).body.data.lowestPrice).toBe(120_000);
    expect(await listedPrice(id)).toBe(120_000);
  });

  it('product, option, image, spec and category writes invalidate', async () => {
    const { id } = await productWithOffer();
    const detail = await get(`/api/v1/products/${id}`);
    await get(listUrl());

    await call(api.app, 'POST', `/api/v1/products/${id}/options`, { name: 'Color', values: ['red'] });
    expect((await get(`/api/v1/products/${id}`)).body.data.options).toHaveLength(1);
    const image = await call(api.app, 'POST', `/api/v1/products/${id}/images`, {
      url: 'https://img.example.com/a.png',
    });
    expect(image.status).toBe(201);
    expect((await get(`/api/v1/products/${id}`)).body.data.images).toHaveLength(1);
    const [listed] = (await get(listUrl())).body.data.filter((row: { id: number }) => row.id === id);
    expect(listed.thumbnailUrl).toBe('https://img.example.com/a.png');

    // a rename of the category reaches the cached detail
    const renamed = uniqueName('Notebooks');
    expect(
      (await call(api.app, 'PATCH', `/api/v1/categories/${category.id}`, { name: renamed })).status,
    ).toBe(200);
    expect((await get(`/api/v1/products/${id}`)).body.data.category.name).toBe(renamed);

    // a spec values write reaches the list (spec filters)
    const definition = await call(api.app, 'POST', '/api/v1/specs/definitions', {
      categoryId: category.id,
      key: `ram${Date.now()}`,
      name: 'RAM',
      type: 'NUMBER',
    });
    expect(definition.status).toBe(201);
    const key = definition.body.data.key as string;
    const filtered = async () => {
      const result = await get(`${listUrl()}&specs=${encodeURIComponent(JSON.stringify({ [key]: 16 }))}`);
      expect(result.status).toBe(200);
      return result.body.data.map((row: { id: number }) => row.id);
    };
    expect(await filtered()).not.toContain(id);
    const put = await call(api.app, 'PUT', `/api/v1/products/${id}/specs`, { values: [{ key, value: 16 }] });
    expect(put.status).toBe(200);
    expect(await filtered()).toContain(id);

    expect((await call(api.app, 'DELETE', `/api/v1/products/${id}`)).status).toBe(200);
    expect((await get(`/api/v1/products/${id}`)).status).toBe(404);
    expect((await get(`/api/v1/products/${id}/prices`)).status).toBe(404);
    expect(await listedPrice(id)).toBeUndefined();
    expect(detail.status).toBe(200);
  });

  it('never serves a price older than the last completed write under concurrency', async () => {
    const { id, offerId } = await productWithOffer(500_000);
    let stop = false;
    const readers = Array.from({ length: 8 }, async (_, index) => {
      while (!stop) {
        const url = [`/api/v1/products/${id}`, `/api/v1/products/${id}/prices`, listUrl()][index % 3]!;
        expect((await get(url)).status).toBe(200);
      }
    });
    try {
      for (let round = 1; round <= 25; round++) {
        const price = 500_000 - round * 1000;
        const write = await call(api.app, 'PATCH', `/api/v1/prices/${offerId}`, { price });
        expect(write.status).toBe(200);
        // the write completed: every read from now on shows its price
        const [detail, prices, listed] = await Promise.all([
          get(`/api/v1/products/${id}`),
          get(`/api/v1/products/${id}/prices`),
          listedPrice(id),
        ]);
        expect(detail.body.data.lowestPrice).toBe(price);
        expect(prices.body.data.entries[0].price).toBe(price);
        expect(listed).toBe(price);
      }
    } finally {
      stop = true;
      await Promise.all(readers);
    }
  });
});

describe('catalog cache with Redis down', () => {
  let redis: PrivateRedis;
  let downApp: App;
  let downClose: () => Promise<void>;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    ({ app: downApp, close: downClose } = await buildTestApp(api.ctx, { REDIS_URL: redis.url }));
  });

  afterAll(async () => {
    await downClose?.();
    await redis?.stop();
  });

  it('reads still answer 200 from the database, and writes still apply', async () => {
    const { id, offerId } = await productWithOffer(300_000);
    expect((await call(downApp, 'GET', `/api/v1/products/${id}`)).status).toBe(200);
    await redis.stop();
    const detail = await call(downApp, 'GET', `/api/v1/products/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.data.lowestPrice).toBe(300_000);
    expect((await call(downApp, 'GET', `/api/v1/products/${id}/prices`)).status).toBe(200);
    const list = await call(downApp, 'GET', listUrl());
    expect(list.status).toBe(200);
    // a write while Redis is down: its INCR fails; this instance must not serve the old entry later
    const write = await call(downApp, 'PATCH', `/api/v1/prices/${offerId}`, { price: 250_000 });
    expect(write.status).toBe(200);
    expect((await call(downApp, 'GET', `/api/v1/products/${id}`)).body.data.lowestPrice).toBe(250_000);
    await redis.start();
    await new Promise((resolve) => setTimeout(resolve, 1500)); // ioredis reconnects
    expect((await call(downApp, 'GET', `/api/v1/products/${id}`)).body.data.lowestPrice).toBe(250_000);
  });
});

describe('catalog cache across two API replicas', () => {
  let redis: PrivateRedis;
  let first: Awaited<ReturnType<typeof buildTestApp>>;
  let second: Awaited<ReturnType<typeof buildTestApp>>;

  beforeAll(async () => {
    // a Redis of their own: the test cuts the tracking connections without touching other tests'
    redis = await startPrivateRedis();
    [first, second] = await Promise.all([
      buildTestApp(api.ctx, { REDIS_URL: redis.url }),
      buildTestApp(api.ctx, { REDIS_URL: redis.url }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
    await redis?.stop();
  });

  const read = async (target: App, url: string) => {
    const response = await call(target, 'GET', url);
    expect(response.status).toBe(200);
    return response.body.data;
  };

  it('a write through one replica is never read stale through the other, also under concurrency', async () => {
    const { id, offerId } = await productWithOffer(700_000);
    expect((await read(second.app, `/api/v1/products/${id}/prices`)).entries[0].price).toBe(700_000);
    let stop = false;
    const readers = Array.from({ length: 6 }, async (_, index) => {
      while (!stop) {
        await read(second.app, index % 2 ? `/api/v1/products/${id}` : `/api/v1/products/${id}/prices`);
      }
    });
    try {
      for (let round = 1; round <= 20; round++) {
        const price = 700_000 - round * 1000;
        expect((await call(first.app, 'PATCH', `/api/v1/prices/${offerId}`, { price })).status).toBe(200);
        const [detail, prices] = await Promise.all([
          read(second.app, `/api/v1/products/${id}`),
          read(second.app, `/api/v1/products/${id}/prices`),
        ]);
        expect(detail.lowestPrice).toBe(price);
        expect(prices.entries[0].price).toBe(price);
      }
    } finally {
      stop = true;
      await Promise.all(readers);
    }
  });

  it('serves repeated reads from the process, and a replica whose tracking connection drops forgets them', async () => {
    const admin = new Redis(redis.url);
    try {
      // behind the API's back: the Redis entry goes and the database changes; the process still
      // holds the body under the current version, so it answers without either. The PING that
      // proves tracking is up is bounded (250 ms): on a loaded machine it can run out, and the read
      // then rightly goes to Redis and the database; so up to three products are tried
      let product: Awaited<ReturnType<typeof productWithOffer>> | undefined;
      let url = '';
      for (let attempt = 1; product === undefined; attempt += 1) {
        const candidate = await productWithOffer(800_000);
        url = `/api/v1/products/${candidate.id}/prices`;
        await read(second.app, url);
        // (the entry is stored once the answer is sent)
        const entries = await waitFor('the entry in Redis', async () => {
          const found = await admin.keys(
            `${second.deps.env.REDIS_KEY_PREFIX}:cache:product:${candidate.id}:prices:*`,
          );
          return found.length === 1 && found;
        });
        await admin.del(...entries);
        await api.deps.database.db.execute(sql`update offers set price = 1 where id = ${candidate.offerId}`);
        const served = (await read(second.app, url)).entries[0].price;
        if (served === 800_000) product = candidate;
        else if (attempt === 3) expect(served, 'served from the process').toBe(800_000);
      }
      const { offerId } = product;

      // the tracking connections drop (and with them any invalidation in flight): what the processes
      // kept is forgotten, reads go to Redis, which has no entry, so to the database
      const clients = (await admin.client('LIST')) as string;
      const tracking = clients
        .split('\n')
        .filter((line) => / flags=\S*t/.test(line))
        .map((line) => line.match(/id=(\d+)/)![1]!);
      expect(tracking.length).toBeGreaterThanOrEqual(2);
      for (const clientId of tracking) await admin.client('KILL', 'ID', clientId);
      await waitFor(
        'a read from the database',
        async () => (await read(second.app, url)).entries[0].price === 1,
      );

      // once tracking is back, writes through the other replica still reach this one at once
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await call(first.app, 'PATCH', `/api/v1/prices/${offerId}`, { price: 790_000 })).status).toBe(
        200,
      );
      expect((await read(second.app, url)).entries[0].price).toBe(790_000);
    } finally {
      admin.disconnect();
    }
  });
});
