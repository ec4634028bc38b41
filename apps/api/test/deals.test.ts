// DEAL-01..05: deals listed only inside their window, the deal price in the cached price comparison
// until the deal ends, deal stock taken atomically by orders and given back by a cancel; against
// real PostgreSQL and Redis.
import { adminAuditLog, dealProducts, deals } from '@pbshop/db';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { expectError, missingId } from './helpers/http.ts';
import { addressOf, createShop, type Shop, stockedProduct } from './helpers/orders.ts';
import type { Member } from './helpers/users.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' } } });
const { call } = api;
let shop: Shop;

beforeAll(async () => {
  shop = await createShop(api.app, api.admin.authHeader);
});

const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

async function createDeal(body: Record<string, unknown>, url = '/api/v1/deals') {
  const created = await call('POST', url, { headers: api.admin.authHeader, body });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.data as { id: number; products: { productId: number; dealPrice: number }[] };
}

/** Polls `read` until `done` holds (state, not sleeps), failing after `timeoutMs`. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const publicIds = async () =>
  ((await call('GET', '/api/v1/deals?limit=100&activeOnly=true')).body.data as { id: number }[]).map(
    (deal) => deal.id,
  );
const comparison = async (productId: number) =>
  (await call('GET', `/api/v1/products/${productId}/prices`)).body.data as {
    deal: { dealId: number; dealPrice: number } | null;
  };

describe('deals (DEAL-01..05)', () => {
  it('appears when its window opens and disappears when it closes, in the list and the comparison', async () => {
    const offer = await stockedProduct(api.app, api.admin.authHeader, shop, { price: 20_000, stock: 50 });
    // both reads cached before the deal starts
    expect((await comparison(offer.productId)).deal).toBeNull();
    const deal = await createDeal({
      title: 'Two-second sale',
      discountRate: 25,
      startDate: inMs(2000),
      endDate: inMs(6000),
      products: [{ productId: offer.productId, stock: 10 }],
    });
    // no deal price given: the lowest price less the rate
    expect(deal.products).toEqual([
      expect.objectContaining({ productId: offer.productId, dealPrice: 15_000 }),
    ]);
    expect(await publicIds()).not.toContain(deal.id);
    expect((await comparison(offer.productId)).deal).toBeNull();
    expectError(await call('GET', `/api/v1/deals/${deal.id}`), 404, 'DEAL_NOT_FOUND');

    await until(publicIds, (ids) => ids.includes(deal.id));
    const running = await until(
      () => comparison(offer.productId),
      (value) => value.deal !== null,
    );
    expect(running.deal).toEqual(expect.objectContaining({ dealId: deal.id, dealPrice: 15_000 }));
    const detail = await call('GET', `/api/v1/deals/${deal.id}`);
    expect(detail.body.data).toEqual(
      expect.objectContaining({ id: deal.id, productId: offer.productId, discountRate: 25, isActive: true }),
    );

    await until(publicIds, (ids) => !ids.includes(deal.id));
    await until(
      () => comparison(offer.productId),
      (value) => value.deal === null,
    );
  }, 30_000);

  it('serves the storefront shapes at /deals/admin, lists inactive deals to admins only, audits writes', async () => {
    const offer = await stockedProduct(api.app, api.admin.authHeader, shop, { price: 10_000, stock: 5 });
    const deal = await createDeal(
      {
        productId: offer.productId,
        title: 'Storefront deal',
        description: 'one product',
        discountRate: 10,
        startAt: inMs(-60_000),
        endAt: inMs(3_600_000),
      },
      '/api/v1/deals/admin',
    );
    expect(await publicIds()).toContain(deal.id);
    const paused = await call('PATCH', `/api/v1/deals/admin/${deal.id}`, {
      headers: api.admin.authHeader,
      body: { isActive: false, title: 'Paused' },
    });
    expect(paused.status).toBe(200);
    expect(paused.body.data).toEqual(
      expect.objectContaining({ title: 'Paused', isActive: false, productId: offer.productId }),
    );
    expect(await publicIds()).not.toContain(deal.id);
    const adminList = await call('GET', '/api/v1/deals/admin?limit=100', { headers: api.admin.authHeader });
    expect((adminList.body.data as { id: number }[]).map((item) => item.id)).toContain(deal.id);
    const member = await api.member();
    expectError(await call('GET', '/api/v1/deals/admin', { headers: member.authHeader }), 403, 'FORBIDDEN');
    expectError(
      await call('POST', '/api/v1/deals', {
        headers: member.authHeader,
        body: { title: 'x', discountRate: 1 },
      }),
      403,
      'FORBIDDEN',
    );
    const removed = await call('DELETE', `/api/v1/deals/${deal.id}`, { headers: api.admin.authHeader });
    expect(removed.status).toBe(200);
    expectError(
      await call('DELETE', `/api/v1/deals/${deal.id}`, { headers: api.admin.authHeader }),
      404,
      'DEAL_NOT_FOUND',
    );
    const trail = await api.deps.database.db
      .select({ action: adminAuditLog.action })
      .from(adminAuditLog)
      .where(and(eq(adminAuditLog.target, `deal/${deal.id}`), eq(adminAuditLog.result, 'SUCCEEDED')));
    expect(trail.map((row) => row.action).sort()).toEqual(['deal.delete', 'deal.update']);
  });

  it('refuses hostile input with 4xx and writes nothing', async () => {
    const before = await api.deps.database.db.select({ id: deals.id }).from(deals);
    const offer = await stockedProduct(api.app, api.admin.authHeader, shop, { price: 10_000, stock: 5 });
    const base = {
      title: 'Bad',
      discountRate: 10,
      startAt: inMs(0),
      endAt: inMs(60_000),
      productId: offer.productId,
    };
    for (const body of [
      { ...base, endAt: inMs(-60_000) },
      { ...base, discountRate: 101 },
      { ...base, discountRate: -1 },
      { ...base, startAt: 'yesterday' },
      { ...base, title: '\u0000' },
      { ...base, bannerUrl: 'javascript:alert(1)' },
      { ...base, products: [{ productId: offer.productId, dealPrice: 0 }] },
      { ...base, products: [{ productId: offer.productId, stock: -1 }] },
      { ...base, products: [{ productId: offer.productId }, { productId: offer.productId }] },
      { ...base, productId: undefined, startAt: undefined, startDate: undefined },
      { ...base, unknown: true },
    ]) {
      const answer = await call('POST', '/api/v1/deals', { headers: api.admin.authHeader, body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
    }
    expectError(
      await call('POST', '/api/v1/deals', {
        headers: api.admin.authHeader,
        body: { ...base, productId: missingId },
      }),
      404,
      'PRODUCT_NOT_FOUND',
    );
    expectError(await call('GET', '/api/v1/deals/abc'), 400, 'VALIDATION_ERROR');
    expectError(await call('GET', `/api/v1/deals/${missingId}`), 404, 'DEAL_NOT_FOUND');
    expectError(
      await call('PATCH', `/api/v1/deals/${missingId}`, {
        headers: api.admin.authHeader,
        body: { title: 'x' },
      }),
      404,
      'DEAL_NOT_FOUND',
    );
    expectError(await call('GET', '/api/v1/deals?limit=1000'), 400, 'VALIDATION_ERROR');
    expect(await api.deps.database.db.select({ id: deals.id }).from(deals)).toEqual(before);
  });

  it('20 concurrent orders on a deal stock of 5: exactly 5 at the deal price, the rest INSUFFICIENT_STOCK; a cancel gives one back', async () => {
    const offer = await stockedProduct(api.app, api.admin.authHeader, shop, { price: 30_000, stock: 100 });
    const deal = await createDeal({
      title: 'Five units',
      discountRate: 50,
      startDate: inMs(-1000),
      endDate: inMs(3_600_000),
      products: [{ productId: offer.productId, dealPrice: 12_345, stock: 5 }],
    });
    // cached now, before the orders
    expect((await comparison(offer.productId)).deal).toEqual(
      expect.objectContaining({ dealPrice: 12_345, stock: 5 }),
    );
    const buyers: { member: Member; addressId: number }[] = [];
    for (let i = 0; i < 20; i++) {
      const member = await api.member();
      buyers.push({ member, addressId: await addressOf(api.deps, member.user.id) });
    }
    const answers = await Promise.all(
      buyers.map((buyer) =>
        call('POST', '/api/v1/orders', {
          headers: buyer.member.authHeader,
          body: {
            addressId: buyer.addressId,
            items: [{ productId: offer.productId, sellerId: offer.sellerId, quantity: 1 }],
          },
        }),
      ),
    );
    const placed = answers.filter((answer) => answer.status === 201);
    expect(placed).toHaveLength(5);
    for (const answer of placed) expect(answer.body.data.items[0].unitPrice).toBe(12_345);
    for (const answer of answers.filter((item) => item.status !== 201)) {
      expectError(answer, 400, 'INSUFFICIENT_STOCK');
    }
    const line = async () =>
      (
        await api.deps.database.db
          .select()
          .from(dealProducts)
          .where(and(eq(dealProducts.dealId, deal.id), eq(dealProducts.productId, offer.productId)))
      )[0]!;
    expect(await line()).toEqual(expect.objectContaining({ dealStock: 0, soldCount: 5 }));
    // the cached comparison follows the deal's stock
    expect((await comparison(offer.productId)).deal).toEqual(
      expect.objectContaining({ dealId: deal.id, stock: 0 }),
    );

    const first = placed[0]!;
    const owner = buyers[answers.indexOf(first)]!;
    const cancelled = await call('POST', `/api/v1/orders/${first.body.data.id}/cancel`, {
      headers: owner.member.authHeader,
    });
    expect(cancelled.status).toBe(200);
    expect(await line()).toEqual(expect.objectContaining({ dealStock: 1, soldCount: 4 }));
    expect((await comparison(offer.productId)).deal).toEqual(expect.objectContaining({ stock: 1 }));
  }, 60_000);
});
