// PRICE-05, ANLY-03: members' lowest-price alerts (TARGET_PRICE, DROP_FROM_LAST_WEEK, ALL_TIME_LOW), fired once
// inside the offer transaction with one PRICE_ALERT notification; against real PostgreSQL and Redis.
import { notifications, priceAlerts, priceHistory } from '@pbshop/db';
import { eq, sql } from 'drizzle-orm';
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
import type { Member } from './helpers/users.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, user: {}, otherUser: {} } });
const { call } = api;
let category: CategoryData;
let shop: SellerData;

beforeAll(async () => {
  category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('GPUs') });
  shop = await createSeller(api.app, api.admin.authHeader);
});

const alertsUrl = '/api/v1/price-alerts';

async function createProduct(name = uniqueName('GPU')) {
  const result = await call('POST', '/api/v1/products', {
    headers: api.admin.authHeader,
    body: { categoryId: category.id, name },
  });
  expect(result.status).toBe(201);
  return result.body.data as { id: number; name: string };
}

/** A product with one offer of `shop` at `price`; returns the product and the offer id. */
async function productWithOffer(price: number, sellerId = shop.id) {
  const product = await createProduct();
  const offer = await call('POST', `/api/v1/products/${product.id}/prices`, {
    headers: api.admin.authHeader,
    body: { sellerId, price, url: 'https://shop.example.com/item/1' },
  });
  expect(offer.status).toBe(201);
  return { product, offerId: offer.body.data.id as number };
}

async function setPrice(offerId: number, price: number) {
  const result = await call('PATCH', `/api/v1/prices/${offerId}`, {
    headers: api.admin.authHeader,
    body: { price },
  });
  expect(result.status).toBe(200);
}

async function createAlert(member: Member, body: Record<string, unknown>) {
  const result = await call('POST', alertsUrl, { headers: member.authHeader, body });
  expect(result.status).toBe(201);
  return result.body.data as { id: number; isTriggered: boolean };
}

async function alertRow(id: number) {
  const [row] = await api.deps.database.db.select().from(priceAlerts).where(eq(priceAlerts.id, id));
  return row;
}

async function notificationsFor(alertId: number) {
  return api.deps.database.db
    .select()
    .from(notifications)
    .where(sql`${notifications.payload}->>'alertId' = ${alertId}`);
}

describe('price alert endpoints', () => {
  it('needs a login for every route', async () => {
    expectError(await call('GET', alertsUrl), 401, 'UNAUTHORIZED');
    expectError(
      await call('POST', alertsUrl, { body: { productId: missingId, targetPrice: 1 } }),
      401,
      'UNAUTHORIZED',
    );
    expectError(await call('DELETE', `${alertsUrl}/${missingId}`), 401, 'UNAUTHORIZED');
  });

  it('creates, lists (paginated, own only) and refuses duplicates', async () => {
    const { product } = await productWithOffer(100_000);
    const created = await call('POST', alertsUrl, {
      headers: api.user.authHeader,
      body: { productId: product.id, targetPrice: 90_000 },
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      productId: product.id,
      productName: product.name,
      kind: 'TARGET_PRICE',
      targetPrice: 90_000,
      dropPercent: null,
      currentLowestPrice: 100_000,
      isTriggered: false,
      triggeredAt: null,
      triggeredPrice: null,
    });
    expect(typeof created.body.data.createdAt).toBe('string');

    expectError(
      await call('POST', alertsUrl, {
        headers: api.user.authHeader,
        body: { productId: product.id, targetPrice: 80_000 },
      }),
      409,
      'ALERT_EXISTS',
    );
    // another kind on the same product, and the same kind for another member, are fine
    await createAlert(api.user, { productId: product.id, kind: 'DROP_FROM_LAST_WEEK', dropPercent: 10 });
    await createAlert(api.otherUser, { productId: product.id, targetPrice: 80_000 });

    const firstPage = await call('GET', `${alertsUrl}?limit=1`, { headers: api.user.authHeader });
    expect(firstPage.status).toBe(200);
    expect(firstPage.body.meta).toEqual({ page: 1, limit: 1, totalCount: 2, totalPages: 2 });
    expect(firstPage.body.data).toHaveLength(1);
    expect(firstPage.body.data[0].kind).toBe('DROP_FROM_LAST_WEEK');
    const secondPage = await call('GET', `${alertsUrl}?limit=1&page=2`, { headers: api.user.authHeader });
    expect(secondPage.body.data[0].id).toBe(created.body.data.id);
    const others = await call('GET', alertsUrl, { headers: api.otherUser.authHeader });
    expect(others.body.data.map((a: { targetPrice: number }) => a.targetPrice)).toEqual([80_000]);
  });

  it('concurrent duplicates: exactly one 201, the rest 409 ALERT_EXISTS', async () => {
    const product = await createProduct();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        call('POST', alertsUrl, {
          headers: api.user.authHeader,
          body: { productId: product.id, targetPrice: 5 },
        }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(7).fill(409)]);
    for (const r of results.filter((x) => x.status === 409)) expectError(r, 409, 'ALERT_EXISTS');
  });

  it('404 for a missing or deleted product', async () => {
    expectError(
      await call('POST', alertsUrl, {
        headers: api.user.authHeader,
        body: { productId: missingId, targetPrice: 1 },
      }),
      404,
      'PRODUCT_NOT_FOUND',
    );
    const product = await createProduct();
    expect(
      (await call('DELETE', `/api/v1/products/${product.id}`, { headers: api.admin.authHeader })).status,
    ).toBe(200);
    expectError(
      await call('POST', alertsUrl, {
        headers: api.user.authHeader,
        body: { productId: product.id, targetPrice: 1 },
      }),
      404,
      'PRODUCT_NOT_FOUND',
    );
  });

  it('deletes only own alerts; a deleted alert never fires', async () => {
    const { product, offerId } = await productWithOffer(100_000);
    const alert = await createAlert(api.user, { productId: product.id, targetPrice: 50_000 });
    expectError(
      await call('DELETE', `${alertsUrl}/${alert.id}`, { headers: api.otherUser.authHeader }),
      404,
      'NOT_FOUND',
    );
    expectError(
      await call('DELETE', `${alertsUrl}/${missingId}`, { headers: api.user.authHeader }),
      404,
      'NOT_FOUND',
    );
    const deleted = await call('DELETE', `${alertsUrl}/${alert.id}`, {
      headers: { ...api.user.authHeader, 'accept-language': 'en' },
    });
    expect(deleted.status).toBe(200);
    expect(deleted.body.data).toEqual({ message: 'The price alert has been deleted.' });
    expectError(
      await call('DELETE', `${alertsUrl}/${alert.id}`, { headers: api.user.authHeader }),
      404,
      'NOT_FOUND',
    );
    const list = await call('GET', alertsUrl, { headers: api.user.authHeader });
    expect(list.body.data.map((a: { id: number }) => a.id)).not.toContain(alert.id);
    await setPrice(offerId, 40_000);
    expect(await notificationsFor(alert.id)).toHaveLength(0);
    // the same alert can be created again after deleting it
    await createAlert(api.user, { productId: product.id, targetPrice: 50_000 });
  });

  it('refuses hostile and invalid input with 4xx and a code', async () => {
    const product = await createProduct();
    const bad: unknown[] = [
      {},
      { productId: product.id },
      { productId: product.id, targetPrice: 0 },
      { productId: product.id, targetPrice: -5 },
      { productId: product.id, targetPrice: 10_000_000_001 },
      { productId: product.id, targetPrice: 1.5 },
      { productId: product.id, targetPrice: '1000' },
      { productId: product.id, targetPrice: null },
      { productId: product.id, targetPrice: 1000, dropPercent: 10 },
      { productId: product.id, kind: 'DROP_FROM_LAST_WEEK' },
      { productId: product.id, kind: 'DROP_FROM_LAST_WEEK', dropPercent: 0 },
      { productId: product.id, kind: 'DROP_FROM_LAST_WEEK', dropPercent: 91 },
      { productId: product.id, kind: 'DROP_FROM_LAST_WEEK', dropPercent: 10, targetPrice: 1000 },
      { productId: product.id, kind: 'ALL_TIME_LOW', targetPrice: 1000 },
      { productId: product.id, kind: 'ALL_TIME_LOW', dropPercent: 10 },
      { productId: product.id, kind: 'LOWEST_EVER' },
      { productId: "' or 1=1 --", targetPrice: 1000 },
      { productId: 'x'.repeat(10_000), targetPrice: 1000 },
      { productId: [product.id], targetPrice: 1000 },
      [{ productId: product.id, targetPrice: 1000 }],
    ];
    for (const body of bad) {
      const result = await call('POST', alertsUrl, { headers: api.user.authHeader, body });
      expectError(result, 400, 'VALIDATION_ERROR');
    }
    const raw = await api.app.inject({
      method: 'POST',
      url: alertsUrl,
      headers: { ...api.user.authHeader, 'content-type': 'application/json' },
      payload: '{"productId":',
    });
    expect(raw.statusCode).toBe(400);
    expect(raw.json().error.code).toBe('MALFORMED_JSON');
    const proto = await api.app.inject({
      method: 'POST',
      url: alertsUrl,
      headers: { ...api.user.authHeader, 'content-type': 'application/json' },
      payload: `{"productId":"${product.id}","targetPrice":1000,"__proto__":{"isAdmin":true}}`,
    });
    expect(proto.statusCode).toBeGreaterThanOrEqual(400);
    expect(proto.statusCode).toBeLessThan(500);
    expectError(
      await call('DELETE', `${alertsUrl}/not-an-id`, { headers: api.user.authHeader }),
      400,
      'VALIDATION_ERROR',
    );
    for (const query of ['page=0', 'limit=0', 'limit=101', 'page=abc']) {
      expectError(
        await call('GET', `${alertsUrl}?${query}`, { headers: api.user.authHeader }),
        400,
        'VALIDATION_ERROR',
      );
    }
    // nothing was stored by any of the refused calls
    const list = await call('GET', `${alertsUrl}?limit=100`, { headers: api.user.authHeader });
    expect(list.body.data.filter((a: { productId: number }) => a.productId === product.id)).toHaveLength(0);
  });
});

describe('firing (TARGET_PRICE)', () => {
  it('fires exactly once when an offer change crosses the target, with one notification', async () => {
    const { product, offerId } = await productWithOffer(100_000);
    const alert = await createAlert(api.user, { productId: product.id, targetPrice: 90_000 });
    await setPrice(offerId, 95_000);
    expect((await alertRow(alert.id))?.triggeredAt).toBeNull();
    expect(await notificationsFor(alert.id)).toHaveLength(0);

    await setPrice(offerId, 89_000);
    const fired = await alertRow(alert.id);
    expect(fired?.triggeredAt).toBeInstanceOf(Date);
    expect(fired?.triggeredPrice).toBe(89_000);
    const sent = await notificationsFor(alert.id);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      userId: api.user.user.id,
      type: 'PRICE_ALERT',
      payload: {
        alertId: alert.id,
        productId: product.id,
        productName: product.name,
        price: 89_000,
        kind: 'TARGET_PRICE',
      },
    });

    // a further drop (and a new offer at another shop) does not fire again
    await setPrice(offerId, 70_000);
    const otherShop = await createSeller(api.app, api.admin.authHeader);
    const again = await call('POST', `/api/v1/products/${product.id}/prices`, {
      headers: api.admin.authHeader,
      body: { sellerId: otherShop.id, price: 60_000, url: 'https://shop.example.com/item/2' },
    });
    expect(again.status).toBe(201);
    expect(await notificationsFor(alert.id)).toHaveLength(1);
    expect((await alertRow(alert.id))?.triggeredPrice).toBe(89_000);

    const listed = await call('GET', alertsUrl, { headers: api.user.authHeader });
    const view = listed.body.data.find((a: { id: number }) => a.id === alert.id);
    expect(view).toMatchObject({ isTriggered: true, triggeredPrice: 89_000, currentLowestPrice: 60_000 });
    expect(typeof view.triggeredAt).toBe('string');
  });

  it('fires at exactly the target; an out-of-stock cheaper offer does not count', async () => {
    const { product, offerId } = await productWithOffer(100_000);
    const alert = await createAlert(api.user, { productId: product.id, targetPrice: 80_000 });
    const otherShop = await createSeller(api.app, api.admin.authHeader);
    const outOfStock = await call('POST', `/api/v1/products/${product.id}/prices`, {
      headers: api.admin.authHeader,
      body: {
        sellerId: otherShop.id,
        price: 1000,
        stockState: 'OUT_OF_STOCK',
        url: 'https://a.example.com/x',
      },
    });
    expect(outOfStock.status).toBe(201);
    expect((await alertRow(alert.id))?.triggeredAt).toBeNull();
    await setPrice(offerId, 80_000);
    expect((await alertRow(alert.id))?.triggeredPrice).toBe(80_000);
    expect(await notificationsFor(alert.id)).toHaveLength(1);
  });

  it('an alert already true at creation fires on the next offer change, not before', async () => {
    const { product, offerId } = await productWithOffer(50_000);
    const alert = await createAlert(api.user, { productId: product.id, targetPrice: 60_000 });
    expect(alert.isTriggered).toBe(false);
    expect(await notificationsFor(alert.id)).toHaveLength(0);
    await setPrice(offerId, 55_000);
    expect((await alertRow(alert.id))?.triggeredPrice).toBe(55_000);
    expect(await notificationsFor(alert.id)).toHaveLength(1);
  });

  it('10 concurrent offer updates that all satisfy the alert fire it exactly once', async () => {
    const product = await createProduct();
    const shops = await Promise.all(
      Array.from({ length: 5 }, () => createSeller(api.app, api.admin.authHeader)),
    );
    const offerIds: number[] = [];
    for (const s of shops) {
      const result = await call('POST', `/api/v1/products/${product.id}/prices`, {
        headers: api.admin.authHeader,
        body: { sellerId: s.id, price: 100_000, url: 'https://shop.example.com/item/1' },
      });
      offerIds.push(result.body.data.id as number);
    }
    const alert = await createAlert(api.user, { productId: product.id, targetPrice: 50_000 });
    const other = await createAlert(api.otherUser, { productId: product.id, targetPrice: 45_000 });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call('PATCH', `/api/v1/prices/${offerIds[i % offerIds.length]}`, {
          headers: api.admin.authHeader,
          body: { price: 40_000 + i * 100 },
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    for (const id of [alert.id, other.id]) {
      expect(await notificationsFor(id)).toHaveLength(1);
      const row = await alertRow(id);
      expect(row?.triggeredAt).toBeInstanceOf(Date);
      expect(row?.triggeredPrice).toBeLessThanOrEqual(45_000);
    }
  });
});

describe('firing (DROP_FROM_LAST_WEEK, ANLY-03)', () => {
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);

  async function addHistory(productId: number, lowest: number | null, recordedAt: Date) {
    await api.deps.database.db.insert(priceHistory).values({
      productId,
      sellerId: shop.id,
      price: lowest,
      productLowestPrice: lowest,
      recordedAt,
    });
  }

  it('compares with the last lowest recorded at or before a week ago', async () => {
    const { product, offerId } = await productWithOffer(190_000);
    await addHistory(product.id, 300_000, daysAgo(10));
    await addHistory(product.id, 200_000, daysAgo(8)); // the reference: last at or before now - 7 days
    await addHistory(product.id, 120_000, daysAgo(6)); // too recent to be "last week"
    const half = await createAlert(api.user, {
      productId: product.id,
      kind: 'DROP_FROM_LAST_WEEK',
      dropPercent: 50,
    });
    const sixty = await createAlert(api.otherUser, {
      productId: product.id,
      kind: 'DROP_FROM_LAST_WEEK',
      dropPercent: 60,
    });

    await setPrice(offerId, 100_001); // 200000 x 0.5 = 100000: not yet
    expect((await alertRow(half.id))?.triggeredAt).toBeNull();

    await setPrice(offerId, 100_000);
    expect((await alertRow(half.id))?.triggeredPrice).toBe(100_000);
    expect((await alertRow(sixty.id))?.triggeredAt).toBeNull(); // needs <= 80000
    const sent = await notificationsFor(half.id);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.payload).toMatchObject({
      kind: 'DROP_FROM_LAST_WEEK',
      price: 100_000,
      productId: product.id,
    });

    await setPrice(offerId, 80_000);
    expect((await alertRow(sixty.id))?.triggeredPrice).toBe(80_000);
    expect(await notificationsFor(half.id)).toHaveLength(1);
    expect(await notificationsFor(sixty.id)).toHaveLength(1);
  });

  it('does not fire without history a week old, or when no offer existed then', async () => {
    const fresh = await productWithOffer(100_000);
    await addHistory(fresh.product.id, 500_000, daysAgo(6));
    const noHistory = await createAlert(api.user, {
      productId: fresh.product.id,
      kind: 'DROP_FROM_LAST_WEEK',
      dropPercent: 10,
    });
    await setPrice(fresh.offerId, 1000);
    expect((await alertRow(noHistory.id))?.triggeredAt).toBeNull();

    const withdrawn = await productWithOffer(100_000);
    await addHistory(withdrawn.product.id, null, daysAgo(8));
    const nullReference = await createAlert(api.user, {
      productId: withdrawn.product.id,
      kind: 'DROP_FROM_LAST_WEEK',
      dropPercent: 10,
    });
    await setPrice(withdrawn.offerId, 1000);
    expect((await alertRow(nullReference.id))?.triggeredAt).toBeNull();
    expect(await notificationsFor(noHistory.id)).toHaveLength(0);
    expect(await notificationsFor(nullReference.id)).toHaveLength(0);
  });
});

describe('firing (ALL_TIME_LOW)', () => {
  it('fires once, strictly below every lowest recorded before; its own change does not count as history', async () => {
    const { product, offerId } = await productWithOffer(100_000);
    await api.deps.database.db.insert(priceHistory).values({
      productId: product.id,
      sellerId: shop.id,
      price: null,
      productLowestPrice: null, // a time without a buyable offer is no low
      recordedAt: new Date(Date.now() - 86_400_000),
    });
    const alert = await createAlert(api.user, { productId: product.id, kind: 'ALL_TIME_LOW' });

    await setPrice(offerId, 120_000);
    await setPrice(offerId, 100_000); // equals the old low: not below it
    expect((await alertRow(alert.id))?.triggeredAt).toBeNull();

    // the history row of this very change holds 99,999: were it counted, nothing would be below it
    await setPrice(offerId, 99_999);
    expect((await alertRow(alert.id))?.triggeredPrice).toBe(99_999);
    const sent = await notificationsFor(alert.id);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.payload).toMatchObject({ kind: 'ALL_TIME_LOW', price: 99_999, productId: product.id });

    await setPrice(offerId, 50_000);
    expect(await notificationsFor(alert.id)).toHaveLength(1);
    const listed = await call('GET', alertsUrl, { headers: api.user.authHeader });
    expect(listed.body.data.find((a: { id: number }) => a.id === alert.id)).toMatchObject({
      kind: 'ALL_TIME_LOW',
      targetPrice: null,
      dropPercent: null,
      isTriggered: true,
    });
  });
});
