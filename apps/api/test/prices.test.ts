// PRICE-01/02, SELL-04/05: seller prices, their consistency with the product's price aggregates
// under concurrency, and the Asia/Seoul bucketed price history; against real PostgreSQL and Redis.
import { offers, priceHistory, products } from '@pbshop/db';
import { asc, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import {
  type CategoryData,
  createCategory,
  createSeller,
  type SellerData,
  uniqueName,
} from './helpers/catalog.ts';
import { expectError, missingId } from './helpers/http.ts';

const api = setupApiTest({
  members: {
    admin: { role: 'ADMIN' },
    sellerMember: { role: 'SELLER' },
    otherSellerMember: { role: 'SELLER' },
    user: {},
  },
});
const { call } = api;
let category: CategoryData;
let ownShop: SellerData;
let otherShop: SellerData;

beforeAll(async () => {
  category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Monitors') });
  ownShop = await createSeller(api.app, api.admin.authHeader, {
    ownerUserId: api.sellerMember.user.id,
    trustScore: 80,
  });
  otherShop = await createSeller(api.app, api.admin.authHeader, {
    ownerUserId: api.otherSellerMember.user.id,
  });
});

async function createProduct(name = uniqueName('Monitor')) {
  const result = await call('POST', '/api/v1/products', {
    headers: api.admin.authHeader,
    body: { categoryId: category.id, name },
  });
  expect(result.status).toBe(201);
  return result.body.data as { id: number; name: string };
}

async function productRow(id: number) {
  const [row] = await api.deps.database.db.select().from(products).where(eq(products.id, id));
  return row!;
}

async function historyOf(id: number) {
  return api.deps.database.db
    .select()
    .from(priceHistory)
    .where(eq(priceHistory.productId, id))
    .orderBy(asc(priceHistory.id));
}

const offer = (sellerId: number | string, fields: Record<string, unknown> = {}) => ({
  sellerId,
  price: 100_000,
  url: 'https://shop.example.com/item/1',
  ...fields,
});

describe('seller prices (PRICE-01, SELL-04/05)', () => {
  it('registers, compares by delivered price and keeps the product aggregates and history', async () => {
    const product = await createProduct();
    const url = `/api/v1/products/${product.id}/prices`;
    const own = await call('POST', url, {
      headers: api.sellerMember.authHeader,
      body: offer(ownShop.id, { price: 100_000, shippingRule: 'PAID', shippingCost: 3000 }),
    });
    expect(own.status).toBe(201);
    expect(own.body.data).toMatchObject({
      seller: { id: ownShop.id, name: ownShop.name, logoUrl: null, trustScore: 80 },
      price: 100_000,
      shippingRule: 'PAID',
      shippingCost: 3000,
      freeShippingThreshold: null,
      realPrice: 103_000,
      stockState: 'IN_STOCK',
      productUrl: 'https://shop.example.com/item/1',
    });
    const byAdmin = await call('POST', url, {
      headers: api.admin.authHeader,
      body: offer(otherShop.id, {
        price: 101_000,
        shippingRule: 'FREE_OVER',
        shippingCost: 2500,
        freeShippingThreshold: 50_000,
      }),
    });
    expect(byAdmin.status).toBe(201);
    expect(byAdmin.body.data.realPrice).toBe(101_000);
    const outOfStockShop = await createSeller(api.app, api.admin.authHeader);
    await call('POST', url, {
      headers: api.admin.authHeader,
      body: offer(outOfStockShop.id, { price: 50_000, stockState: 'OUT_OF_STOCK' }),
    });

    const comparison = await call('GET', url);
    expect(comparison.status).toBe(200);
    // the out-of-stock offer is listed, but does not count for lowest/average/highest
    expect(comparison.body.data).toMatchObject({
      lowestPrice: 100_000,
      highestPrice: 101_000,
      averagePrice: 100_500,
      lowestRealPrice: 101_000,
    });
    expect(comparison.body.data.entries.map((entry: { realPrice: number }) => entry.realPrice)).toEqual([
      50_000, 101_000, 103_000,
    ]);
    const row = await productRow(product.id);
    expect({ lowest: row.lowestPrice, sellers: row.sellerCount }).toEqual({ lowest: 100_000, sellers: 2 });
    const detail = await call('GET', `/api/v1/products/${product.id}`);
    expect(detail.body.data.priceEntries).toHaveLength(3);
    expect((await historyOf(product.id)).map((h) => [h.price, h.productLowestPrice])).toEqual([
      [100_000, 100_000],
      [101_000, 100_000],
      [50_000, 100_000],
    ]);

    // a second offer of the same shop is a conflict
    expectError(
      await call('POST', url, { headers: api.sellerMember.authHeader, body: offer(ownShop.id) }),
      409,
      'CONFLICT',
    );

    // update: own shop only; the aggregates follow
    const updated = await call('PATCH', `/api/v1/prices/${own.body.data.id}`, {
      headers: api.sellerMember.authHeader,
      body: { price: 90_000, shippingRule: 'FREE' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject({
      price: 90_000,
      shippingRule: 'FREE',
      shippingCost: 0,
      realPrice: 90_000,
    });
    expect((await productRow(product.id)).lowestPrice).toBe(90_000);
    expectError(
      await call('PATCH', `/api/v1/prices/${byAdmin.body.data.id}`, {
        headers: api.sellerMember.authHeader,
        body: { price: 1 },
      }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await call('PATCH', `/api/v1/prices/${own.body.data.id}`, {
        headers: api.sellerMember.authHeader,
        body: { shippingRule: 'FREE_OVER' },
      }),
      400,
      'VALIDATION_ERROR',
    );

    // delete: admin only; history records the withdrawal with price null
    expectError(
      await call('DELETE', `/api/v1/prices/${own.body.data.id}`, { headers: api.sellerMember.authHeader }),
      403,
      'FORBIDDEN',
    );
    expect(
      (await call('DELETE', `/api/v1/prices/${own.body.data.id}`, { headers: api.admin.authHeader })).status,
    ).toBe(200);
    expectError(
      await call('DELETE', `/api/v1/prices/${own.body.data.id}`, { headers: api.admin.authHeader }),
      404,
      'OFFER_NOT_FOUND',
    );
    const after = await productRow(product.id);
    expect({ lowest: after.lowestPrice, highest: after.highestPrice, sellers: after.sellerCount }).toEqual({
      lowest: 101_000,
      highest: 101_000,
      sellers: 1,
    });
    expect((await historyOf(product.id)).at(-1)).toMatchObject({ price: null, productLowestPrice: 101_000 });
  });

  it('enforces who may register: SELLER only for their own shop, USER never', async () => {
    const product = await createProduct();
    const url = `/api/v1/products/${product.id}/prices`;
    expectError(
      await call('POST', url, { headers: api.sellerMember.authHeader, body: offer(otherShop.id) }),
      403,
      'FORBIDDEN',
    );
    const shopless = await api.member({ role: 'SELLER' });
    expectError(
      await call('POST', url, { headers: shopless.authHeader, body: offer(ownShop.id) }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await call('POST', url, { headers: api.user.authHeader, body: offer(ownShop.id) }),
      403,
      'FORBIDDEN',
    );
    expectError(await call('POST', url, { body: offer(ownShop.id) }), 401, 'UNAUTHORIZED');
    expectError(
      await call('POST', url, { headers: api.admin.authHeader, body: offer(missingId) }),
      404,
      'SELLER_NOT_FOUND',
    );
    expectError(
      await call('POST', `/api/v1/products/${missingId}/prices`, {
        headers: api.admin.authHeader,
        body: offer(ownShop.id),
      }),
      404,
      'PRODUCT_NOT_FOUND',
    );
    expectError(
      await call('PATCH', `/api/v1/prices/${missingId}`, {
        headers: api.admin.authHeader,
        body: { price: 5 },
      }),
      404,
      'OFFER_NOT_FOUND',
    );
    expectError(await call('GET', `/api/v1/products/${missingId}/prices`), 404, 'PRODUCT_NOT_FOUND');
  });

  it('refuses hostile input with 4xx codes', async () => {
    const product = await createProduct();
    const url = `/api/v1/products/${product.id}/prices`;
    for (const body of [
      offer(ownShop.id, { price: 0 }),
      offer(ownShop.id, { price: 10_000_000_001 }),
      offer(ownShop.id, { price: 1.5 }),
      offer(ownShop.id, { price: '1000' }),
      offer(ownShop.id, { price: 1e308 }),
      offer(ownShop.id, { shippingRule: 'FREE_OVER' }),
      offer(ownShop.id, { shippingRule: 'PAID', freeShippingThreshold: 10 }),
      offer(ownShop.id, { shippingRule: 'FREE', shippingCost: 100 }),
      offer(ownShop.id, { shippingCost: -1 }),
      offer(ownShop.id, { stockState: 'MAYBE' }),
      offer(ownShop.id, { url: 'javascript:alert(1)' }),
      offer(ownShop.id, { url: 'file:///etc/passwd' }),
      offer('not-an-id'),
      offer(0),
      offer(1.5),
      {},
    ]) {
      expectError(await call('POST', url, { headers: api.admin.authHeader, body }), 400, 'VALIDATION_ERROR');
    }
    expectError(
      await call('PATCH', '/api/v1/prices/x', { headers: api.admin.authHeader, body: { price: 5 } }),
      400,
      'VALIDATION_ERROR',
    );
    expectError(await call('GET', '/api/v1/products/not-an-id/prices'), 400, 'VALIDATION_ERROR');
    const raw = await api.app.inject({
      method: 'POST',
      url,
      headers: { ...api.admin.authHeader, 'content-type': 'application/json' },
      payload: '{"price":',
    });
    expect(raw.statusCode).toBe(400);
  });

  it('20 concurrent offer updates on one product leave the right lowest price', async () => {
    const product = await createProduct();
    const shops = await Promise.all(
      Array.from({ length: 5 }, () => createSeller(api.app, api.admin.authHeader)),
    );
    const created: number[] = [];
    for (const shop of shops) {
      const result = await call('POST', `/api/v1/products/${product.id}/prices`, {
        headers: api.admin.authHeader,
        body: offer(shop.id, { price: 50_000 }),
      });
      created.push(result.body.data.id as number);
    }
    const updates = Array.from({ length: 20 }, (_, i) => ({
      id: created[i % created.length]!,
      price: 10_000 + ((i * 7919) % 40_000),
      stockState: i % 6 === 5 ? 'OUT_OF_STOCK' : 'IN_STOCK',
    }));
    const results = await Promise.all(
      updates.map((u) =>
        call('PATCH', `/api/v1/prices/${u.id}`, {
          headers: api.admin.authHeader,
          body: { price: u.price, stockState: u.stockState },
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    const rows = await api.deps.database.db.select().from(offers).where(eq(offers.productId, product.id));
    const counting = rows.filter((row) => row.stockState !== 'OUT_OF_STOCK').map((row) => row.price);
    const row = await productRow(product.id);
    expect(row.lowestPrice).toBe(counting.length ? Math.min(...counting) : null);
    expect(row.highestPrice).toBe(counting.length ? Math.max(...counting) : null);
    expect(row.sellerCount).toBe(counting.length);
    const history = await historyOf(product.id);
    expect(history).toHaveLength(25);
    expect(history.at(-1)?.productLowestPrice).toBe(row.lowestPrice);
  });
});

describe("the storefront's price bodies (PriceApiPage: productUrl, shippingInfo, a fee without a rule)", () => {
  it('takes productUrl for url, ignores shippingInfo, and makes a fee without a rule PAID', async () => {
    const product = await createProduct();
    const url = `/api/v1/products/${product.id}/prices`;
    // PriceApiPage.tsx:145-152: shippingCost always (input default '0'), shippingInfo when set
    const free = await call('POST', url, {
      headers: api.admin.authHeader,
      body: {
        sellerId: ownShop.id,
        price: 1_310_000,
        shippingCost: 0,
        shippingInfo: '무료배송',
        productUrl: 'https://mall.example.com/items/1',
      },
    });
    expect(free.status, JSON.stringify(free.body)).toBe(201);
    expect(free.body.data).toMatchObject({
      price: 1_310_000,
      shippingRule: 'FREE',
      shippingCost: 0,
      realPrice: 1_310_000,
      productUrl: 'https://mall.example.com/items/1',
    });
    expect(free.body.data).not.toHaveProperty('shippingInfo');
    const [stored] = await api.deps.database.db.select().from(offers).where(eq(offers.id, free.body.data.id));
    expect(stored?.url).toBe('https://mall.example.com/items/1');

    const paid = await call('POST', url, {
      headers: api.admin.authHeader,
      body: {
        sellerId: otherShop.id,
        price: 1_300_000,
        shippingCost: 3000,
        productUrl: 'https://other.example.com/items/2',
      },
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    expect(paid.body.data).toMatchObject({ shippingRule: 'PAID', shippingCost: 3000, realPrice: 1_303_000 });
    // url and productUrl alike are one URL
    const shop = await createSeller(api.app, api.admin.authHeader);
    const both = await call('POST', url, {
      headers: api.admin.authHeader,
      body: offer(shop.id, { productUrl: 'https://shop.example.com/item/1' }),
    });
    expect(both.status).toBe(201);
  });

  it('refuses a missing or contradictory URL, a hostile shippingInfo and a FREE rule with a fee', async () => {
    const product = await createProduct();
    const url = `/api/v1/products/${product.id}/prices`;
    const body = { sellerId: ownShop.id, price: 1000 };
    for (const [label, fields] of [
      ['no url at all', {}],
      [
        'url and productUrl differing',
        { url: 'https://a.example.com/1', productUrl: 'https://b.example.com/1' },
      ],
      ['a javascript: productUrl', { productUrl: 'javascript:alert(1)' }],
      ['a file: productUrl', { productUrl: 'file:///etc/passwd' }],
      ['a numeric productUrl', { productUrl: 42 }],
      ['a null productUrl', { productUrl: null }],
      ['shippingInfo as a number', { productUrl: 'https://a.example.com/1', shippingInfo: 3000 }],
      ['shippingInfo as an object', { productUrl: 'https://a.example.com/1', shippingInfo: { $ne: null } }],
      ['a huge shippingInfo', { productUrl: 'https://a.example.com/1', shippingInfo: 'x'.repeat(501) }],
      [
        'FREE with a fee',
        { productUrl: 'https://a.example.com/1', shippingRule: 'FREE', shippingCost: 3000 },
      ],
      ['a fee as text', { productUrl: 'https://a.example.com/1', shippingCost: '3000' }],
      [
        'a FREE_OVER fee without threshold',
        { productUrl: 'https://a.example.com/1', shippingRule: 'FREE_OVER', shippingCost: 3000 },
      ],
    ] as const) {
      const result = await call('POST', url, { headers: api.admin.authHeader, body: { ...body, ...fields } });
      expect({ label, status: result.status, code: result.body.error?.code }).toEqual({
        label,
        status: 400,
        code: 'VALIDATION_ERROR',
      });
    }
    const missing = await call('POST', url, { headers: api.admin.authHeader, body });
    expect(missing.body.error.details).toEqual([expect.objectContaining({ field: 'body.url' })]);
    expect(await historyOf(product.id)).toEqual([]);
  });

  it('PATCH: a fee without a rule makes a FREE offer PAID; FREE_OVER keeps its rule; productUrl updates the url', async () => {
    const product = await createProduct();
    const create = async (shop: SellerData, fields: Record<string, unknown>) => {
      const result = await call('POST', `/api/v1/products/${product.id}/prices`, {
        headers: api.admin.authHeader,
        body: offer(shop.id, fields),
      });
      expect(result.status).toBe(201);
      return result.body.data.id as number;
    };
    const freeId = await create(ownShop, { price: 990_000 });
    const overId = await create(otherShop, {
      price: 40_000,
      shippingRule: 'FREE_OVER',
      shippingCost: 2500,
      freeShippingThreshold: 50_000,
    });
    const patch = (id: number, body: unknown) =>
      call('PATCH', `/api/v1/prices/${id}`, { headers: api.admin.authHeader, body });
    // the comparison is cached before the write: the write must reach it
    await call('GET', `/api/v1/products/${product.id}/prices`);

    // PriceApiPage.tsx:174-179 sends the non-empty fields: { price, shippingCost }
    const paid = await patch(freeId, { price: 970_000, shippingCost: 3000 });
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    expect(paid.body.data).toMatchObject({
      price: 970_000,
      shippingRule: 'PAID',
      shippingCost: 3000,
      realPrice: 973_000,
    });
    const comparison = await call('GET', `/api/v1/products/${product.id}/prices`);
    expect(comparison.body.data.entries.find((entry: { id: number }) => entry.id === freeId)).toMatchObject({
      shippingRule: 'PAID',
      shippingCost: 3000,
    });

    const over = await patch(overId, { shippingCost: 3000 });
    expect(over.body.data).toMatchObject({
      shippingRule: 'FREE_OVER',
      shippingCost: 3000,
      freeShippingThreshold: 50_000,
      realPrice: 43_000,
    });

    const moved = await patch(freeId, {
      productUrl: 'https://shop.example.com/item/moved',
      shippingInfo: '오늘출발',
    });
    expect(moved.body.data.productUrl).toBe('https://shop.example.com/item/moved');

    for (const body of [
      { shippingRule: 'FREE', shippingCost: 3000 },
      { shippingInfo: '무료배송' },
      { url: 'https://a.example.com/1', productUrl: 'https://b.example.com/1' },
      { productUrl: 'javascript:alert(1)' },
      { shippingCost: -1 },
      { shippingCost: 1.5 },
      {},
    ]) {
      expectError(await patch(freeId, body), 400, 'VALIDATION_ERROR');
    }
    // a FREE offer sent a 0 fee stays FREE
    const stillFree = await create(await createSeller(api.app, api.admin.authHeader), { price: 1000 });
    expect((await patch(stillFree, { shippingCost: 0, price: 900 })).body.data).toMatchObject({
      shippingRule: 'FREE',
      shippingCost: 0,
    });
  });
});

describe('GET /products/:id/real-price (FRAUD-02)', () => {
  it("gives a shop's delivered price, or the cheapest in stock, and follows every rule", async () => {
    const product = await createProduct();
    const shops = await Promise.all(
      Array.from({ length: 3 }, () => createSeller(api.app, api.admin.authHeader)),
    );
    const [paid, freeOver, soldOut] = shops as [SellerData, SellerData, SellerData];
    for (const [shop, fields] of [
      [paid, { price: 30_000, shippingRule: 'PAID', shippingCost: 3_000 }],
      [
        freeOver,
        { price: 31_000, shippingRule: 'FREE_OVER', shippingCost: 2_500, freeShippingThreshold: 50_000 },
      ],
      [soldOut, { price: 10_000, shippingRule: 'FREE', stockState: 'OUT_OF_STOCK' }],
    ] as const) {
      const result = await call('POST', `/api/v1/products/${product.id}/prices`, {
        headers: api.admin.authHeader,
        body: offer(shop.id, fields),
      });
      expect(result.status, JSON.stringify(result.body)).toBe(201);
    }
    const realPrice = (query = '') => call('GET', `/api/v1/products/${product.id}/real-price${query}`);
    // 30,000 + 3,000 = 33,000 beats 31,000 + 2,500 (below the free-shipping threshold); the sold-out
    // shop's 10,000 cannot be bought
    const cheapest = await realPrice();
    expect(cheapest.status).toBe(200);
    expect(cheapest.body.data).toMatchObject({
      sellerId: paid.id,
      productPrice: 30_000,
      shippingFee: 3_000,
      totalPrice: 33_000,
      shippingType: 'PAID',
    });
    expect((await realPrice(`?sellerId=${freeOver.id}`)).body.data).toMatchObject({
      productPrice: 31_000,
      shippingFee: 2_500,
      totalPrice: 33_500,
      shippingType: 'FREE_OVER',
      freeShippingThreshold: 50_000,
    });
    expect((await realPrice(`?sellerId=${soldOut.id}`)).body.data).toMatchObject({
      totalPrice: 10_000,
      shippingFee: 0,
      stockState: 'OUT_OF_STOCK',
    });
    // a price change shows at once (the comparison cache is invalidated by the write)
    const offerId = (await call('GET', `/api/v1/products/${product.id}/prices`)).body.data.entries.find(
      (entry: { seller: { id: number } }) => entry.seller.id === freeOver.id,
    ).id;
    await call('PATCH', `/api/v1/prices/${offerId}`, {
      headers: api.admin.authHeader,
      body: { price: 50_000 },
    });
    expect((await realPrice(`?sellerId=${freeOver.id}`)).body.data).toMatchObject({
      productPrice: 50_000,
      shippingFee: 0,
      totalPrice: 50_000,
    });

    expectError(await realPrice(`?sellerId=${otherShop.id}`), 404, 'OFFER_NOT_FOUND');
    expectError(await realPrice('?sellerId=abc'), 400, 'VALIDATION_ERROR');
    expectError(await call('GET', `/api/v1/products/${missingId}/real-price`), 404, 'PRODUCT_NOT_FOUND');
    expectError(
      await call('GET', `/api/v1/products/${(await createProduct()).id}/real-price`),
      404,
      'OFFER_NOT_FOUND',
    );
  });
});

describe('a deleted shop', () => {
  it('leaves the price aggregates, the comparison and the cached detail at once', async () => {
    const product = await createProduct();
    const url = `/api/v1/products/${product.id}/prices`;
    const cheap = await createSeller(api.app, api.admin.authHeader, { trustScore: 10 });
    const dear = await createSeller(api.app, api.admin.authHeader);
    expect(
      (await call('POST', url, { headers: api.admin.authHeader, body: offer(cheap.id, { price: 50_000 }) }))
        .status,
    ).toBe(201);
    expect(
      (await call('POST', url, { headers: api.admin.authHeader, body: offer(dear.id, { price: 70_000 }) }))
        .status,
    ).toBe(201);
    // warm the caches
    expect((await call('GET', url)).body.data.lowestPrice).toBe(50_000);
    expect((await call('GET', `/api/v1/products/${product.id}`)).body.data.lowestPrice).toBe(50_000);

    expect(
      (await call('DELETE', `/api/v1/sellers/${cheap.id}`, { headers: api.admin.authHeader })).status,
    ).toBe(200);

    const comparison = await call('GET', url);
    expect(comparison.body.data.lowestPrice).toBe(70_000);
    expect(comparison.body.data.entries.map((entry: { seller: { id: number } }) => entry.seller.id)).toEqual([
      dear.id,
    ]);
    expect((await call('GET', `/api/v1/products/${product.id}`)).body.data.lowestPrice).toBe(70_000);
    expect((await productRow(product.id)).sellerCount).toBe(1);
  });

  it('shows a renamed shop in the cached comparison at once', async () => {
    const product = await createProduct();
    const url = `/api/v1/products/${product.id}/prices`;
    const shop = await createSeller(api.app, api.admin.authHeader);
    await call('POST', url, { headers: api.admin.authHeader, body: offer(shop.id, { price: 12_000 }) });
    expect((await call('GET', url)).body.data.entries[0].seller.name).toBe(shop.name);
    const renamed = uniqueName('Renamed shop');
    expect(
      (
        await call('PATCH', `/api/v1/sellers/${shop.id}`, {
          headers: api.admin.authHeader,
          body: { name: renamed },
        })
      ).status,
    ).toBe(200);
    expect((await call('GET', url)).body.data.entries[0].seller.name).toBe(renamed);
  });
});

describe('GET /products/:id/price-history (PRICE-02)', () => {
  /** The Asia/Seoul calendar date `daysAgo` days before today, as YYYY-MM-DD. */
  function seoulDate(daysAgo: number): string {
    const now = new Date(Date.now() + 9 * 3600_000);
    now.setUTCDate(now.getUTCDate() - daysAgo);
    return now.toISOString().slice(0, 10);
  }
  /** A moment on that Seoul date (hour in Seoul time). */
  function at(date: string, seoulHour: number): Date {
    return new Date(Date.parse(`${date}T00:00:00+09:00`) + seoulHour * 3600_000);
  }
  async function record(productId: number, recordedAt: Date, lowest: number | null) {
    await api.deps.database.db
      .insert(priceHistory)
      .values({ productId, sellerId: missingId, price: lowest, productLowestPrice: lowest, recordedAt });
  }

  it('daily buckets carry the last known lowest forward, also from before the period', async () => {
    const product = await createProduct();
    await record(product.id, at(seoulDate(40), 12), 1200);
    await record(product.id, at(seoulDate(10), 9), 1000);
    await record(product.id, at(seoulDate(5), 1), 900);
    // 23:30 Seoul time is still the same Seoul day (14:30 UTC)
    await record(product.id, at(seoulDate(5), 23.5), 950);
    const result = await call('GET', `/api/v1/products/${product.id}/price-history?period=1m`);
    expect(result.status).toBe(200);
    const data = result.body.data;
    expect(data).toMatchObject({
      productId: product.id,
      productName: product.name,
      allTimeLowest: 900,
      allTimeHighest: 1200,
      isAllTimeLow: false,
    });
    const byDate = new Map(data.history.map((h: { date: string }) => [h.date, h]));
    expect(data.history.at(-1).date).toBe(seoulDate(0));
    expect(data.history[0].lowestPrice).toBe(1200);
    expect(byDate.get(seoulDate(11))).toEqual({ date: seoulDate(11), lowestPrice: 1200, averagePrice: 1200 });
    expect(byDate.get(seoulDate(10))).toEqual({ date: seoulDate(10), lowestPrice: 1000, averagePrice: 1000 });
    expect(byDate.get(seoulDate(7))).toEqual({ date: seoulDate(7), lowestPrice: 1000, averagePrice: 1000 });
    expect(byDate.get(seoulDate(5))).toEqual({ date: seoulDate(5), lowestPrice: 900, averagePrice: 925 });
    expect(byDate.get(seoulDate(0))).toEqual({ date: seoulDate(0), lowestPrice: 950, averagePrice: 950 });
    // consecutive days, no gaps
    const dates = data.history.map((h: { date: string }) => Date.parse(h.date));
    for (let i = 1; i < dates.length; i++) expect(dates[i] - dates[i - 1]).toBe(86_400_000);
  });

  it('leaves out buckets before the first recorded price; monthly and weekly buckets cross month boundaries', async () => {
    const product = await createProduct();
    const firstOfMonth = `${seoulDate(0).slice(0, 8)}01`;
    const lastOfPrevious = new Date(Date.parse(`${firstOfMonth}T00:00:00Z`) - 86_400_000)
      .toISOString()
      .slice(0, 10);
    await record(product.id, at(lastOfPrevious, 10), 500);
    await record(product.id, at(lastOfPrevious, 20), 700);
    await record(product.id, at(firstOfMonth, 0.25), 600);

    const monthly = (await call('GET', `/api/v1/products/${product.id}/price-history?period=3m&type=monthly`))
      .body.data;
    // the two months before the first record are left out (the storefront would chart them as 0)
    expect(monthly.history).toEqual([
      { date: `${lastOfPrevious.slice(0, 8)}01`, lowestPrice: 500, averagePrice: 600 },
      { date: firstOfMonth, lowestPrice: 600, averagePrice: 600 },
    ]);

    const daily = (await call('GET', `/api/v1/products/${product.id}/price-history?period=1m&type=daily`))
      .body.data;
    const byDate = new Map(daily.history.map((h: { date: string }) => [h.date, h]));
    expect(byDate.get(lastOfPrevious)).toEqual({ date: lastOfPrevious, lowestPrice: 500, averagePrice: 600 });
    expect(byDate.get(firstOfMonth)).toEqual({ date: firstOfMonth, lowestPrice: 600, averagePrice: 600 });
    // the first bucket is the first record's day; none is null
    expect(daily.history[0]).toEqual({ date: lastOfPrevious, lowestPrice: 500, averagePrice: 600 });
    expect(daily.history.at(-1).date).toBe(seoulDate(0));
    expect(daily.history.filter((h: { lowestPrice: number | null }) => h.lowestPrice === null)).toEqual([]);

    const weekly = (await call('GET', `/api/v1/products/${product.id}/price-history?period=1m&type=weekly`))
      .body.data;
    for (const bucket of weekly.history) expect(new Date(`${bucket.date}T00:00:00Z`).getUTCDay()).toBe(1);
    expect(weekly.history.at(-1).lowestPrice).not.toBeNull();
    expect(weekly.history.every((h: { lowestPrice: number | null }) => h.lowestPrice !== null)).toBe(true);
    expect(weekly.history.length).toBeLessThanOrEqual(2);
  });

  it('answers no buckets for a product never priced, and starts at the first lowest price that was not null', async () => {
    const never = await createProduct();
    const none = await call('GET', `/api/v1/products/${never.id}/price-history?period=3m&type=daily`);
    expect(none.status).toBe(200);
    expect(none.body.data).toMatchObject({ allTimeLowest: null, allTimeHighest: null, history: [] });

    // an offer first registered out of stock records no lowest price: the history starts when one is
    const product = await createProduct();
    await record(product.id, at(seoulDate(6), 12), null);
    await record(product.id, at(seoulDate(4), 12), 8000);
    // then every offer is withdrawn: those days are null (no offer was live), not left out
    await record(product.id, at(seoulDate(2), 12), null);
    await record(product.id, at(seoulDate(1), 12), 7500);
    const { history } = (
      await call('GET', `/api/v1/products/${product.id}/price-history?period=1w&type=daily`)
    ).body.data;
    expect(history.map((h: { date: string; lowestPrice: number | null }) => [h.date, h.lowestPrice])).toEqual(
      [
        [seoulDate(4), 8000],
        [seoulDate(3), 8000],
        [seoulDate(2), null],
        [seoulDate(1), 7500],
        [seoulDate(0), 7500],
      ],
    );
  });

  it('isAllTimeLow follows the current lowest; defaults; bad queries are 400', async () => {
    const product = await createProduct();
    const shop = await createSeller(api.app, api.admin.authHeader);
    await call('POST', `/api/v1/products/${product.id}/prices`, {
      headers: api.admin.authHeader,
      body: offer(shop.id, { price: 700 }),
    });
    const result = await call('GET', `/api/v1/products/${product.id}/price-history`);
    expect(result.body.data).toMatchObject({ allTimeLowest: 700, allTimeHighest: 700, isAllTimeLow: true });
    // default 3m daily, ending today: priced today for the first time, so today's bucket only
    expect(result.body.data.history).toEqual([{ date: seoulDate(0), lowestPrice: 700, averagePrice: 700 }]);
    for (const query of ['period=2y', 'type=hourly', 'period=', "type=daily'--"]) {
      expectError(
        await call('GET', `/api/v1/products/${product.id}/price-history?${query}`),
        400,
        'VALIDATION_ERROR',
      );
    }
    expectError(await call('GET', `/api/v1/products/${missingId}/price-history`), 404, 'PRODUCT_NOT_FOUND');
    for (const period of ['1w', '1y']) {
      for (const type of ['daily', 'weekly', 'monthly']) {
        const ok = await call(
          'GET',
          `/api/v1/products/${product.id}/price-history?period=${period}&type=${type}`,
        );
        expect(ok.status).toBe(200);
      }
    }
  });
});
