// TRUST-01..05: seller reviews (only for one's own paid order with the seller's offer, once per
// order) and the trust score computed from reviews, orders, returns, disputes and collected prices,
// its history, trend, the sellers.trust_score the comparison shows, and the sweep under its lock;
// against real PostgreSQL and Redis.
import { sellerReviews, sellerTrustHistory } from '@pbshop/db';
import { count, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { runTrustSweep, TRUST_SWEEP_LOCK } from '../src/jobs/trust-sweep.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { expectError, missingId } from './helpers/http.ts';
import { addressOf, createShop, type Shop, type StockedOffer, stockedProduct } from './helpers/orders.ts';
import type { Member } from './helpers/users.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' } } });
const { call } = api;
let shop: Shop;

beforeAll(async () => {
  shop = await createShop(api.app, api.admin.authHeader);
});

async function order(member: Member, offer: StockedOffer): Promise<number> {
  const placed = await call('POST', '/api/v1/orders', {
    headers: member.authHeader,
    body: {
      addressId: await addressOf(api.deps, member.user.id),
      items: [{ productId: offer.productId, sellerId: offer.sellerId, quantity: 1 }],
    },
  });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  return placed.body.data.id as number;
}

/** Paid the way the payments module moves an order (pending, then paid). */
async function pay(orderId: number) {
  await api.deps.database.db.transaction(async (tx) => {
    await api.deps.orders.markPaymentPending(tx, orderId);
    await api.deps.orders.markPaid(tx, orderId, new Date());
  });
}

async function paidOrder(member: Member, offer: StockedOffer) {
  const id = await order(member, offer);
  await pay(id);
  return id;
}

const review = (member: Member, sellerId: number, body: Record<string, unknown>) =>
  call('POST', `/api/v1/sellers/${sellerId}/reviews`, { headers: member.authHeader, body });

const trustOf = async (sellerId: number) =>
  (await call('GET', `/api/v1/sellers/${sellerId}/trust`)).body.data;

async function newSellerOffer() {
  const seller = await call('POST', '/api/v1/sellers', {
    headers: api.admin.authHeader,
    body: { name: `Trust shop ${Math.random().toString(36).slice(2, 10)}`, url: 'https://shop.example.com' },
  });
  expect(seller.status, JSON.stringify(seller.body)).toBe(201);
  return stockedProduct(api.app, api.admin.authHeader, shop, {
    price: 10_000,
    stock: 100,
    sellerId: seller.body.data.id,
  });
}

describe('seller trust (TRUST-01..05)', () => {
  it('reviews feed the score, grade, trend, sellers.trust_score and the comparison', async () => {
    const offer = await newSellerOffer();
    const buyer = await api.member();
    const unpaid = await order(buyer, offer);
    expectError(
      await review(buyer, offer.sellerId, { orderId: unpaid, rating: 5, deliveryRating: 5, content: 'fast' }),
      403,
      'SELLER_REVIEW_NOT_ALLOWED',
    );
    await pay(unpaid);
    const first = await review(buyer, offer.sellerId, {
      orderId: unpaid,
      rating: 5,
      deliveryRating: 5,
      content: 'fast',
    });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expectError(
      await review(buyer, offer.sellerId, {
        orderId: unpaid,
        rating: 4,
        deliveryRating: 4,
        content: 'again',
      }),
      409,
      'SELLER_REVIEW_EXISTS',
    );
    // someone else's order is not the caller's to review
    const stranger = await api.member();
    expectError(
      await review(stranger, offer.sellerId, { orderId: unpaid, rating: 1, deliveryRating: 1, content: 'x' }),
      403,
      'SELLER_REVIEW_NOT_ALLOWED',
    );
    const best = await trustOf(offer.sellerId);
    expect(best).toEqual({
      sellerId: offer.sellerId,
      sellerName: expect.any(String),
      overallScore: 100,
      grade: 'A+',
      breakdown: {
        deliveryScore: 100,
        priceAccuracy: 100,
        returnRate: 0,
        responseTime: null,
        reviewScore: 100,
        orderCount: 1,
        disputeRate: 0,
      },
      trend: 'STABLE',
      lastUpdatedAt: expect.any(String),
    });

    const critic = await api.member();
    const criticOrder = await paidOrder(critic, offer);
    const bad = await review(critic, offer.sellerId, {
      orderId: criticOrder,
      rating: 1,
      deliveryRating: 1,
      content: 'late <script>alert(1)</script>and broken',
    });
    expect(bad.status).toBe(201);
    expect(bad.body.data.content).toBe('late and broken');
    // delivery and review 50 each, price accuracy, returns and disputes 100: (25·50+25·50+20·100+10·100+10·100)/90
    const worse = await trustOf(offer.sellerId);
    expect(worse).toEqual(expect.objectContaining({ overallScore: 72, grade: 'C', trend: 'DECLINING' }));
    expect(worse.breakdown).toEqual(
      expect.objectContaining({ deliveryScore: 50, reviewScore: 50, orderCount: 2 }),
    );
    expect((await api.deps.sellers.findById(offer.sellerId))?.trustScore).toBe(72);
    const comparison = await call('GET', `/api/v1/products/${offer.productId}/prices`);
    expect(comparison.body.data.entries[0].seller.trustScore).toBe(72);

    const edited = await call('PATCH', `/api/v1/seller-reviews/${bad.body.data.id}`, {
      headers: critic.authHeader,
      body: { rating: 5, deliveryRating: 5 },
    });
    expect(edited.status).toBe(200);
    expect(await trustOf(offer.sellerId)).toEqual(
      expect.objectContaining({ overallScore: 100, trend: 'IMPROVING' }),
    );
    expectError(
      await call('PATCH', `/api/v1/seller-reviews/${bad.body.data.id}`, {
        headers: buyer.authHeader,
        body: { rating: 1 },
      }),
      404,
      'SELLER_REVIEW_NOT_FOUND',
    );
    expectError(
      await call('DELETE', `/api/v1/seller-reviews/${bad.body.data.id}`, { headers: buyer.authHeader }),
      404,
      'SELLER_REVIEW_NOT_FOUND',
    );
    const removed = await call('DELETE', `/api/v1/seller-reviews/${bad.body.data.id}`, {
      headers: api.admin.authHeader,
    });
    expect(removed.status).toBe(200);
    const list = await call('GET', `/api/v1/sellers/${offer.sellerId}/reviews?sort=rating_high`);
    expect(list.body.data.map((item: { id: number }) => item.id)).toEqual([first.body.data.id]);
    expect(list.body.meta.totalCount).toBe(1);
  });

  it('orders feed it: returns and refunds after payment count, unpaid orders do not', async () => {
    const offer = await newSellerOffer();
    const ids: number[] = [];
    for (let i = 0; i < 4; i++) ids.push(await paidOrder(await api.member(), offer));
    await order(await api.member(), offer);
    for (const next of ['PREPARING', 'SHIPPING', 'DELIVERED', 'RETURN_REQUESTED']) {
      await api.deps.orders.changeStatus(ids[0]!, next);
    }
    await api.deps.database.db.transaction((tx) => api.deps.orders.cancelAfterRefund(tx, ids[1]!));
    const recalculated = await call('POST', `/api/v1/trust/admin/sellers/${offer.sellerId}/recalculate`, {
      headers: api.admin.authHeader,
      body: { deliveryAccuracy: 90, priceAccuracy: 90, customerRating: 90, responseSpeed: 90, returnRate: 5 },
    });
    expect(recalculated.status, JSON.stringify(recalculated.body)).toBe(200);
    // returns 25 % and disputes 25 % score 0, price accuracy 100, no review yet: (20·100)/40
    expect(recalculated.body.data).toEqual(
      expect.objectContaining({ sellerId: offer.sellerId, trustScore: 50, trustGrade: 'F' }),
    );
    expect(recalculated.body.data.history.breakdown).toEqual(
      expect.objectContaining({ orderCount: 4, returnRate: 25, disputeRate: 25, deliveryScore: null }),
    );
    const current = await call('GET', `/api/v1/trust/sellers/${offer.sellerId}`);
    expect(current.body.data).toEqual({
      sellerId: offer.sellerId,
      sellerName: expect.any(String),
      trustScore: 50,
      trustGrade: 'F',
      updatedAt: expect.any(String),
    });
    const history = await call('GET', `/api/v1/trust/sellers/${offer.sellerId}/history?limit=5`);
    expect(history.body.data[0]).toEqual(
      expect.objectContaining({
        sellerId: offer.sellerId,
        trustScore: 50,
        metrics: {
          deliveryAccuracy: null,
          priceAccuracy: 100,
          customerRating: null,
          responseSpeed: null,
          returnRate: 25,
        },
      }),
    );
    const member = await api.member();
    expectError(
      await call('POST', `/api/v1/trust/admin/sellers/${offer.sellerId}/recalculate`, {
        headers: member.authHeader,
        body: {},
      }),
      403,
      'FORBIDDEN',
    );
  });

  it('the sweep recomputes every seller, once at a time under its advisory lock', async () => {
    const offer = await newSellerOffer();
    const rows = async () =>
      (
        await api.deps.database.db
          .select({ value: count() })
          .from(sellerTrustHistory)
          .where(eq(sellerTrustHistory.sellerId, offer.sellerId))
      )[0]!.value;
    const before = await rows();
    const held = await api.deps.database.withSessionLock(TRUST_SWEEP_LOCK, () =>
      runTrustSweep({
        database: api.deps.database,
        recomputeTrust: () => api.deps.trust.recomputeAll(),
        logger: api.deps.logger,
      }),
    );
    expect(held).toMatchObject({ acquired: true, value: { ran: false } });
    const swept = await runTrustSweep({
      database: api.deps.database,
      recomputeTrust: () => api.deps.trust.recomputeAll(),
      logger: api.deps.logger,
    });
    expect(swept).toEqual(expect.objectContaining({ ran: true }));
    expect(await rows()).toBe(before + 1);
    // nothing moved: the next sweep adds no row for this seller, and puts back a score set by hand
    const computed = (await api.deps.sellers.findById(offer.sellerId))!.trustScore;
    await api.deps.sellers.update(offer.sellerId, { trustScore: computed === 99 ? 98 : 99 });
    await runTrustSweep({
      database: api.deps.database,
      recomputeTrust: () => api.deps.trust.recomputeAll(),
      logger: api.deps.logger,
    });
    expect(await rows()).toBe(before + 1);
    expect((await api.deps.sellers.findById(offer.sellerId))!.trustScore).toBe(computed);
  });

  it('refuses hostile input with 4xx and writes nothing', async () => {
    const offer = await newSellerOffer();
    const buyer = await api.member();
    const orderId = await paidOrder(buyer, offer);
    for (const body of [
      { orderId, rating: 6, deliveryRating: 5, content: 'x' },
      { orderId, rating: 0, deliveryRating: 5, content: 'x' },
      { orderId, rating: 5, deliveryRating: 5, content: '' },
      { orderId, rating: 5, deliveryRating: 5, content: '<script></script>' },
      { orderId, rating: 5, deliveryRating: 5, content: 'a\u0000b' },
      { orderId: 'x', rating: 5, deliveryRating: 5, content: 'x' },
      { rating: 5, deliveryRating: 5, content: 'x' },
      { orderId, rating: 4.5, deliveryRating: 5, content: 'x' },
    ]) {
      const answer = await review(buyer, offer.sellerId, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
    }
    expectError(
      await review(buyer, offer.sellerId, { orderId: missingId, rating: 5, deliveryRating: 5, content: 'x' }),
      403,
      'SELLER_REVIEW_NOT_ALLOWED',
    );
    expectError(
      await review(buyer, missingId, { orderId, rating: 5, deliveryRating: 5, content: 'x' }),
      404,
      'SELLER_NOT_FOUND',
    );
    expectError(await call('GET', `/api/v1/sellers/${missingId}/trust`), 404, 'SELLER_NOT_FOUND');
    expectError(await call('GET', '/api/v1/trust/sellers/abc'), 400, 'VALIDATION_ERROR');
    expectError(
      await call('GET', `/api/v1/sellers/${offer.sellerId}/reviews?sort=evil`),
      400,
      'VALIDATION_ERROR',
    );
    expectError(
      await call('POST', `/api/v1/sellers/${offer.sellerId}/reviews`, {
        body: { orderId, rating: 5, deliveryRating: 5, content: 'x' },
      }),
      401,
      'UNAUTHORIZED',
    );
    const written = await api.deps.database.db
      .select({ id: sellerReviews.id })
      .from(sellerReviews)
      .where(eq(sellerReviews.sellerId, offer.sellerId));
    expect(written).toEqual([]);
  });
});
