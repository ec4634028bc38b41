// Reviews (REV-01..08) on the real stack: orders walked to CONFIRMED through the API (paid through
// the payment gateway simulator process, then the admin status route), only such an order's items
// reviewed, one review per order item (also under a concurrent double submit), the product's
// rating, review count and search outbox row following every write in its transaction (and its
// cached detail after it), the 500 P reward earned once and what is left of it taken back on
// delete, sorts, paging and the rating filter, placeholders for withdrawn or nameless authors,
// owner scoping, the admin's delete and best mark (audited), and bad input writing nothing.
import { adminAuditLog, pointTransactions, products, reviews, searchOutbox, users } from '@pbshop/db';
import { and, count, eq, gt, isNull, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { expectError, missingId } from './helpers/http.ts';
import { addressOf, addSeller, createShop, type Shop, stockedProduct } from './helpers/orders.ts';
import { type GatewaySimulatorProcess, startGatewaySimulator } from './helpers/payment-gateway.ts';
import type { Member } from './helpers/users.ts';

let gateway: GatewaySimulatorProcess;
const api = setupApiTest({
  beforeApp: async () => {
    gateway = await startGatewaySimulator();
  },
  env: () => ({ ...gateway.env, RESILIENCE_AUTO_TUNE_ENABLED: 'false' }),
  afterApp: () => gateway.stop(),
  members: { admin: { role: 'ADMIN' }, buyer: {}, other: {} },
});
const { call } = api;
const db = () => api.deps.database.db;
let shop: Shop;

beforeAll(async () => {
  shop = await createShop(api.app, api.admin.authHeader);
  const named = await call('PATCH', '/api/v1/users/me/profile', {
    headers: api.buyer.authHeader,
    body: { nickname: `리뷰어${api.buyer.user.id}` },
  });
  expect(named.status).toBe(200);
});

const content = '배송이 빠르고 화면이 선명해서 아주 만족합니다.';

interface OrderLine {
  productId: number;
  sellerId: number;
  quantity?: number;
  selectedOptions?: string;
}

/** A product with one offer from the shop's seller (stock 500 at `price`). */
async function product(price = 30_000) {
  return stockedProduct(api.app, api.admin.authHeader, shop, { price, stock: 500 });
}

const addresses = new Map<number, number>();
async function addressFor(buyer: Member) {
  let address = addresses.get(buyer.user.id);
  if (address === undefined) {
    address = await addressOf(api.deps, buyer.user.id);
    addresses.set(buyer.user.id, address);
  }
  return address;
}

/** Moves an order through the admin status route, one step after another. */
async function walk(orderId: number, ...steps: string[]) {
  for (const status of steps) {
    const moved = await call('PATCH', `/api/v1/admin/orders/${orderId}/status`, {
      headers: api.admin.authHeader,
      body: { status },
    });
    expect(moved.status, `${status}: ${JSON.stringify(moved.body)}`).toBe(200);
  }
}

/** An order of `lines`, placed and paid through the gateway simulator (PAYMENT_CONFIRMED); its id. */
async function paidOrder(buyer: Member, lines: OrderLine[], usePoint?: number): Promise<number> {
  const placed = await call('POST', '/api/v1/orders', {
    headers: buyer.authHeader,
    body: {
      addressId: await addressFor(buyer),
      items: lines.map((line) => ({ quantity: 1, ...line })),
      ...(usePoint ? { usePoint } : {}),
    },
  });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  const { id, finalAmount } = placed.body.data;
  const paid = await call('POST', '/api/v1/payments', {
    headers: buyer.authHeader,
    body: { orderId: id, method: 'CARD', amount: finalAmount },
  });
  expect(paid.status, JSON.stringify(paid.body)).toBe(201);
  return id;
}

/** An order of `lines` walked to CONFIRMED (purchase confirmed): paid, prepared, shipped, delivered, confirmed. */
async function confirmedOrder(buyer: Member, lines: OrderLine[], usePoint?: number): Promise<number> {
  const id = await paidOrder(buyer, lines, usePoint);
  await walk(id, 'PREPARING', 'SHIPPING', 'DELIVERED', 'CONFIRMED');
  return id;
}

function postReview(buyer: Member, productId: number, body: object, headers: object = {}) {
  return call('POST', `/api/v1/products/${productId}/reviews`, {
    headers: { ...buyer.authHeader, ...headers },
    body,
  });
}

async function productStats(productId: number) {
  const [row] = await db()
    .select({ reviewCount: products.reviewCount, averageRating: products.averageRating })
    .from(products)
    .where(eq(products.id, productId));
  return { reviewCount: row!.reviewCount, averageRating: Number(row!.averageRating) };
}

/** The product's outbox rows, but those of the view counter (the tests read the product page, and
 * its buffered views write a popularity row whenever they flush) */
/** outbox rows other than the view counts' flush (popularity), which comes when it comes */
const notPopularity = sql`coalesce(${searchOutbox.payload}->>'reason', '') <> 'popularity'`;

async function outboxRowsOf(productId: number) {
  const [row] = await db()
    .select({ value: count() })
    .from(searchOutbox)
    .where(and(eq(searchOutbox.aggregateId, productId), notPopularity));
  return row!.value;
}

async function reviewRows(productId: number) {
  return db()
    .select()
    .from(reviews)
    .where(and(eq(reviews.productId, productId), isNull(reviews.deletedAt)));
}

async function balanceOf(userId: number) {
  const [row] = await db().select({ point: users.point }).from(users).where(eq(users.id, userId));
  return row!.point;
}

async function ledgerOfReview(reviewId: number) {
  return db()
    .select()
    .from(pointTransactions)
    .where(eq(pointTransactions.reviewId, reviewId))
    .orderBy(pointTransactions.id);
}

async function listOf(productId: number, query = '', headers: object = {}) {
  const listed = await call('GET', `/api/v1/products/${productId}/reviews${query}`, { headers });
  expect(listed.status, JSON.stringify(listed.body)).toBe(200);
  return listed.body as {
    data: { id: number; rating: number; isBest: boolean; user: { id: number; nickname: string } }[];
    meta: { page: number; limit: number; totalCount: number; totalPages: number; totalCountCapped: boolean };
  };
}

describe('who may review what', () => {
  it("reviews only a product of the member's own purchase-confirmed order", async () => {
    const offer = await product();
    const elsewhere = await product();
    const orderId = await paidOrder(api.buyer, [offer]);
    const body = { orderId, rating: 5, content };

    // every step before purchase confirmation is refused, and nothing is written
    for (const next of ['PREPARING', 'SHIPPING', 'DELIVERED']) {
      expectError(await postReview(api.buyer, offer.productId, body), 403, 'REVIEW_NOT_ALLOWED');
      await walk(orderId, next);
    }
    expectError(await postReview(api.buyer, offer.productId, body), 403, 'REVIEW_NOT_ALLOWED');
    expect(await reviewRows(offer.productId)).toEqual([]);
    await walk(orderId, 'CONFIRMED');

    expectError(await postReview(api.other, offer.productId, body), 404, 'ORDER_NOT_FOUND');
    expectError(
      await postReview(api.buyer, offer.productId, { ...body, orderId: missingId }),
      404,
      'ORDER_NOT_FOUND',
    );
    expectError(await postReview(api.buyer, elsewhere.productId, body), 403, 'REVIEW_NOT_ALLOWED');
    expectError(await postReview(api.buyer, missingId, body), 404, 'PRODUCT_NOT_FOUND');
    const anonymous = await call('POST', `/api/v1/products/${offer.productId}/reviews`, { body });
    expectError(anonymous, 401, 'UNAUTHORIZED');
    expect(await reviewRows(offer.productId)).toEqual([]);
    expect(await reviewRows(elsewhere.productId)).toEqual([]);

    const created = await postReview(api.buyer, offer.productId, {
      ...body,
      tags: ['배송빠름', '화질좋음', '배송빠름'],
      imageUrls: ['https://img.example.com/review/1.jpg'],
    });
    expect(created.status).toBe(201);
    const review = created.body.data;
    expect(review).toEqual({
      id: expect.any(Number),
      productId: offer.productId,
      orderId,
      rating: 5,
      content,
      tags: ['배송빠름', '화질좋음'],
      imageUrls: ['https://img.example.com/review/1.jpg'],
      images: [],
      isBest: false,
      user: { id: api.buyer.user.id, nickname: `리뷰어${api.buyer.user.id}` },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(new Date(review.createdAt).toISOString()).toBe(review.createdAt);
    const listed = await listOf(offer.productId);
    expect(listed.data).toEqual([review]);
    expect(listed.meta).toEqual({
      page: 1,
      limit: 20,
      totalCount: 1,
      totalPages: 1,
      totalCountCapped: false,
    });
  });

  it('an order that never reached CONFIRMED (cancelled, returned) cannot be reviewed', async () => {
    const offer = await product();
    const cancelled = await call('POST', '/api/v1/orders', {
      headers: api.buyer.authHeader,
      body: { addressId: await addressFor(api.buyer), items: [{ ...offer, quantity: 1 }] },
    });
    const cancelledId = cancelled.body.data.id;
    await walk(cancelledId, 'CANCELLED');
    expectError(
      await postReview(api.buyer, offer.productId, { orderId: cancelledId, rating: 4, content }),
      403,
      'REVIEW_NOT_ALLOWED',
    );
    const returning = await paidOrder(api.buyer, [offer]);
    await walk(returning, 'PREPARING', 'SHIPPING', 'DELIVERED', 'RETURN_REQUESTED');
    const refused = await postReview(api.buyer, offer.productId, { orderId: returning, rating: 4, content });
    expectError(refused, 403, 'REVIEW_NOT_ALLOWED');
    expect(refused.body.error.details).toMatchObject({ status: 'RETURN_REQUESTED' });
    expect(await reviewRows(offer.productId)).toEqual([]);
  });
});

describe('one review per order item', () => {
  it('a second review of the item is 409 REVIEW_ALREADY_EXISTS; two lines of the product take two', async () => {
    const offer = await product();
    const secondSeller = await addSeller(api.app, api.admin.authHeader);
    await call('POST', `/api/v1/products/${offer.productId}/prices`, {
      headers: api.admin.authHeader,
      body: { sellerId: secondSeller, price: 31_000, stock: 10, url: 'https://shop.example.com/other' },
    });
    const single = await confirmedOrder(api.buyer, [offer]);
    expect(
      (await postReview(api.buyer, offer.productId, { orderId: single, rating: 4, content })).status,
    ).toBe(201);
    expectError(
      await postReview(api.buyer, offer.productId, { orderId: single, rating: 2, content }),
      409,
      'REVIEW_ALREADY_EXISTS',
    );

    const twoLines = await confirmedOrder(api.buyer, [
      offer,
      { productId: offer.productId, sellerId: secondSeller },
    ]);
    const first = await postReview(api.buyer, offer.productId, { orderId: twoLines, rating: 5, content });
    const second = await postReview(api.buyer, offer.productId, { orderId: twoLines, rating: 3, content });
    expect([first.status, second.status]).toEqual([201, 201]);
    expectError(
      await postReview(api.buyer, offer.productId, { orderId: twoLines, rating: 1, content }),
      409,
      'REVIEW_ALREADY_EXISTS',
    );
    const rows = await reviewRows(offer.productId);
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((row) => row.orderItemId)).size).toBe(3);
    expect(await productStats(offer.productId)).toEqual({ reviewCount: 3, averageRating: 4 });
  });

  it('a concurrent double submit: one 201, one 409, one review, one reward', async () => {
    const buyer = await api.member();
    for (let round = 0; round < 3; round++) {
      const offer = await product();
      const orderId = await confirmedOrder(buyer, [offer]);
      const before = await balanceOf(buyer.user.id);
      const answers = await Promise.all(
        [5, 4].map((rating) => postReview(buyer, offer.productId, { orderId, rating, content })),
      );
      expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409]);
      expect(answers.find((answer) => answer.status === 409)!.body.error.code).toBe('REVIEW_ALREADY_EXISTS');
      const rows = await reviewRows(offer.productId);
      expect(rows).toHaveLength(1);
      expect(await ledgerOfReview(rows[0]!.id)).toHaveLength(1);
      expect(await balanceOf(buyer.user.id)).toBe(before + 500);
      expect(await productStats(offer.productId)).toEqual({ reviewCount: 1, averageRating: rows[0]!.rating });
    }
  });

  it('concurrent reviews of one product by many orders all count (count and average exact)', async () => {
    const offer = await product();
    const buyer = await api.member();
    const ratings = [5, 4, 4, 3, 5, 1, 2, 5, 4, 3];
    const orderIds: number[] = [];
    for (const _ of ratings) orderIds.push(await confirmedOrder(buyer, [offer]));
    const answers = await Promise.all(
      ratings.map((rating, index) =>
        postReview(buyer, offer.productId, { orderId: orderIds[index], rating, content }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(ratings.map(() => 201));
    const average =
      Math.round((ratings.reduce((sum, rating) => sum + rating, 0) / ratings.length) * 100) / 100;
    expect(await productStats(offer.productId)).toEqual({
      reviewCount: ratings.length,
      averageRating: average,
    });
    const rewards = await db()
      .select({ amount: pointTransactions.amount })
      .from(pointTransactions)
      .where(and(eq(pointTransactions.userId, buyer.user.id), gt(pointTransactions.reviewId, 0)));
    expect(rewards.map((reward) => reward.amount)).toEqual(ratings.map(() => 500));
  });
});

describe("the product's rating, review count and search outbox row follow every write", () => {
  it('create, a new rating and delete recompute them in the same transaction; the cached detail follows', async () => {
    const offer = await product();
    const second = await api.member();
    const detail = async () => {
      const answer = await call('GET', `/api/v1/products/${offer.productId}`);
      return { reviewCount: answer.body.data.reviewCount, averageRating: answer.body.data.averageRating };
    };
    // read once, so the detail is in the catalog cache
    expect(await detail()).toEqual({ reviewCount: 0, averageRating: 0 });
    const firstOrder = await confirmedOrder(api.buyer, [offer]);
    const secondOrder = await confirmedOrder(second, [offer]);

    let outbox = await outboxRowsOf(offer.productId);
    const first = await postReview(api.buyer, offer.productId, { orderId: firstOrder, rating: 5, content });
    expect(await productStats(offer.productId)).toEqual({ reviewCount: 1, averageRating: 5 });
    expect(await outboxRowsOf(offer.productId)).toBe(outbox + 1);
    expect(await detail()).toEqual({ reviewCount: 1, averageRating: 5 });

    const other = await postReview(second, offer.productId, { orderId: secondOrder, rating: 2, content });
    expect(await productStats(offer.productId)).toEqual({ reviewCount: 2, averageRating: 3.5 });
    expect(await outboxRowsOf(offer.productId)).toBe(outbox + 2);
    // the detail reads above count views, whose flush may write a popularity row at any time
    const [latest] = await db()
      .select({ eventType: searchOutbox.eventType, payload: searchOutbox.payload })
      .from(searchOutbox)
      .where(and(eq(searchOutbox.aggregateId, offer.productId), notPopularity))
      .orderBy(searchOutbox.id)
      .limit(1)
      .offset(outbox + 1);
    expect(latest).toEqual({ eventType: 'PRODUCT_UPSERT', payload: { reason: 'reviews' } });

    outbox = await outboxRowsOf(offer.productId);
    const rated = await call('PATCH', `/api/v1/reviews/${first.body.data.id}`, {
      headers: api.buyer.authHeader,
      body: { rating: 4 },
    });
    expect(rated.body.data.rating).toBe(4);
    expect(await productStats(offer.productId)).toEqual({ reviewCount: 2, averageRating: 3 });
    expect(await outboxRowsOf(offer.productId)).toBe(outbox + 1);
    expect(await detail()).toEqual({ reviewCount: 2, averageRating: 3 });

    // text alone moves neither the stats nor the search document
    const reworded = await call('PATCH', `/api/v1/reviews/${first.body.data.id}`, {
      headers: api.buyer.authHeader,
      body: { content: `${content} 재구매 의사 있습니다.`, tags: ['재구매'] },
    });
    expect(reworded.status).toBe(200);
    expect(reworded.body.data).toMatchObject({ rating: 4, tags: ['재구매'] });
    expect(await outboxRowsOf(offer.productId)).toBe(outbox + 1);

    const removed = await call('DELETE', `/api/v1/reviews/${other.body.data.id}`, {
      headers: second.authHeader,
    });
    expect(removed.status).toBe(200);
    expect(removed.body.data.message).toEqual(expect.any(String));
    expect(await productStats(offer.productId)).toEqual({ reviewCount: 1, averageRating: 4 });
    expect(await outboxRowsOf(offer.productId)).toBe(outbox + 2);
    expect(await detail()).toEqual({ reviewCount: 1, averageRating: 4 });
    expect((await listOf(offer.productId)).data.map((review) => review.id)).toEqual([first.body.data.id]);
  });

  it('recomputes from the reviews themselves: a count written by hand is corrected by the next write', async () => {
    const offer = await product();
    await db()
      .update(products)
      .set({ reviewCount: 1234, averageRating: 4.9 })
      .where(eq(products.id, offer.productId));
    const orderId = await confirmedOrder(api.buyer, [offer]);
    expect((await postReview(api.buyer, offer.productId, { orderId, rating: 3, content })).status).toBe(201);
    expect(await productStats(offer.productId)).toEqual({ reviewCount: 1, averageRating: 3 });
  });
});

describe('the 500 P reward', () => {
  it('is earned once per review, named after it, and taken back on delete; a review written again earns nothing', async () => {
    const buyer = await api.member();
    const offer = await product();
    const orderId = await confirmedOrder(buyer, [offer]);
    const before = await balanceOf(buyer.user.id);
    const created = await postReview(buyer, offer.productId, { orderId, rating: 5, content });
    const reviewId = created.body.data.id;
    expect(await balanceOf(buyer.user.id)).toBe(before + 500);
    const [earned] = await ledgerOfReview(reviewId);
    expect(earned).toMatchObject({ type: 'EARN', amount: 500, remainingAmount: 500, userId: buyer.user.id });
    expect(earned!.description).toContain(`review #${reviewId}`);
    const history = await call('GET', '/api/v1/points/transactions?type=EARN', { headers: buyer.authHeader });
    expect(history.body.data[0]).toMatchObject({ type: 'EARN', amount: 500 });

    expect((await call('DELETE', `/api/v1/reviews/${reviewId}`, { headers: buyer.authHeader })).status).toBe(
      200,
    );
    expect(await balanceOf(buyer.user.id)).toBe(before);
    const ledger = await ledgerOfReview(reviewId);
    expect(ledger.map((row) => [row.type, row.amount, row.remainingAmount])).toEqual([
      ['EARN', 500, 0],
      ['USE', -500, null],
    ]);

    const again = await postReview(buyer, offer.productId, { orderId, rating: 4, content });
    expect(again.status).toBe(201);
    expect(await ledgerOfReview(again.body.data.id)).toEqual([]);
    expect(await balanceOf(buyer.user.id)).toBe(before);
  });

  it('takes back only what is left unspent of the reward, so the balance never goes below zero', async () => {
    const buyer = await api.member();
    const offer = await product(100_000);
    // 1% of 100,000: 1,000 P earned on confirmation, a lot that expires before the review's
    const orderId = await confirmedOrder(buyer, [offer]);
    const created = await postReview(buyer, offer.productId, { orderId, rating: 5, content });
    expect(await balanceOf(buyer.user.id)).toBe(1500);
    // 1,200 P used: the 1,000 P lot first, then 200 P of the reward
    const spending = await call('POST', '/api/v1/orders', {
      headers: buyer.authHeader,
      body: { addressId: await addressFor(buyer), items: [{ ...offer, quantity: 1 }], usePoint: 1200 },
    });
    expect(spending.status).toBe(201);
    expect(await balanceOf(buyer.user.id)).toBe(300);

    expect(
      (await call('DELETE', `/api/v1/reviews/${created.body.data.id}`, { headers: buyer.authHeader })).status,
    ).toBe(200);
    expect(await balanceOf(buyer.user.id)).toBe(0);
    const ledger = await ledgerOfReview(created.body.data.id);
    expect(ledger.map((row) => [row.type, row.amount, row.balanceAfter])).toEqual([
      ['EARN', 500, 1500],
      ['USE', -300, 0],
    ]);
  });
});

describe('GET /products/:productId/reviews: sorts, paging and the rating filter', () => {
  const ratings = [5, 3, 4, 1, 5, 2, 4, 3];
  /** in creation order */
  let written: { id: number; rating: number; isBest: boolean }[];
  let productId: number;

  beforeAll(async () => {
    const offer = await product();
    productId = offer.productId;
    const buyer = await api.member();
    const orderId = await confirmedOrder(
      buyer,
      ratings.map((_, index) => ({ ...offer, selectedOptions: `옵션 ${index + 1}` })),
    );
    written = [];
    for (const rating of ratings) {
      const created = await postReview(buyer, productId, { orderId, rating, content });
      expect(created.status).toBe(201);
      written.push({ id: created.body.data.id, rating, isBest: false });
    }
    for (const index of [1, 4]) {
      const marked = await call('PATCH', `/api/v1/admin/reviews/${written[index]!.id}/best`, {
        headers: api.admin.authHeader,
        body: { isBest: true },
      });
      expect(marked.body.data.isBest).toBe(true);
      written[index]!.isBest = true;
    }
  });

  /** `written` in the sort's order (newest first within each part), of one rating when given. */
  function expected(sort: string, rating?: number): number[] {
    const newestFirst = written
      .map((review, position) => ({ ...review, position }))
      .filter((review) => rating === undefined || review.rating === rating)
      .reverse();
    const key = (review: { rating: number; isBest: boolean }) =>
      sort === 'RATING_DESC'
        ? -review.rating
        : sort === 'RATING_ASC'
          ? review.rating
          : sort === 'BEST'
            ? review.isBest
              ? 0
              : 1
            : 0;
    // Array.prototype.sort is stable: newest first stays within equal keys
    return newestFirst.sort((a, b) => key(a) - key(b)).map((review) => review.id);
  }

  it.each(['NEWEST', 'RATING_DESC', 'RATING_ASC', 'BEST'])('%s: whole list and pages of 3', async (sort) => {
    const whole = await listOf(productId, `?sort=${sort}&limit=100`);
    expect(whole.data.map((review) => review.id)).toEqual(expected(sort));
    expect(whole.meta).toEqual({
      page: 1,
      limit: 100,
      totalCount: 8,
      totalPages: 1,
      totalCountCapped: false,
    });
    const paged: number[] = [];
    for (const page of [1, 2, 3]) {
      const part = await listOf(productId, `?sort=${sort.toLowerCase()}&page=${page}&limit=3`);
      expect(part.meta).toEqual({ page, limit: 3, totalCount: 8, totalPages: 3, totalCountCapped: false });
      paged.push(...part.data.map((review) => review.id));
    }
    expect(paged).toEqual(expected(sort));
    expect((await listOf(productId, `?sort=${sort}&page=4&limit=3`)).data).toEqual([]);
  });

  it.each(['NEWEST', 'RATING_DESC', 'RATING_ASC', 'BEST'])('%s of one rating', async (sort) => {
    for (const rating of [1, 3, 4, 5]) {
      const listed = await listOf(productId, `?sort=${sort}&rating=${rating}`);
      expect(listed.data.map((review) => review.id)).toEqual(expected(sort, rating));
      expect(listed.data.every((review) => review.rating === rating)).toBe(true);
      expect(listed.meta.totalCount).toBe(ratings.filter((value) => value === rating).length);
    }
  });

  it('defaults to NEWEST, 20 a page; refuses unknown sorts, ratings and pages with 400; 404 for no product', async () => {
    const listed = await listOf(productId);
    expect(listed.data.map((review) => review.id)).toEqual(expected('NEWEST'));
    expect(listed.meta.limit).toBe(20);
    for (const query of [
      'sort=POPULAR',
      'sort=',
      'rating=0',
      'rating=6',
      'rating=4.5',
      'rating=x',
      'page=0',
      'limit=101',
    ]) {
      expectError(
        await call('GET', `/api/v1/products/${productId}/reviews?${query}`),
        400,
        'VALIDATION_ERROR',
      );
    }
    expectError(await call('GET', `/api/v1/products/${missingId}/reviews`), 404, 'PRODUCT_NOT_FOUND');
    const gone = await product();
    expect(
      (await call('DELETE', `/api/v1/products/${gone.productId}`, { headers: api.admin.authHeader })).status,
    ).toBe(200);
    expectError(await call('GET', `/api/v1/products/${gone.productId}/reviews`), 404, 'PRODUCT_NOT_FOUND');
  });
  it('counts up to 1,000 (meta.totalCountCapped past it) and still pages past it', async () => {
    const offer = await product();
    const buyer = await api.member();
    const orderId = await confirmedOrder(buyer, [offer]);
    // 1,000 more lines of the confirmed order and a review of each, written as fixtures
    await api.deps.database.sql`
      with line as (
        insert into order_items (order_id, product_id, seller_id, product_name, seller_name, quantity, unit_price, total_price)
        select ${orderId}, ${offer.productId}, ${offer.sellerId}, 'fixture', 'fixture', 1, 1000, 1000
        from generate_series(1, 1000)
        returning id
      )
      insert into reviews (user_id, product_id, order_id, order_item_id, rating, content)
      select ${buyer.user.id}, ${offer.productId}, ${orderId}, id, 3, 'a review written as a fixture' from line`;
    const created = await postReview(buyer, offer.productId, { orderId, rating: 5, content });
    expect(created.status).toBe(201);
    // recomputed over every live review: (1,000 × 3 + 5) / 1,001
    expect(await productStats(offer.productId)).toEqual({ reviewCount: 1001, averageRating: 3 });
    const first = await listOf(offer.productId, '?limit=5');
    expect(first.data[0]!.id).toBe(created.body.data.id);
    expect(first.meta).toEqual({
      page: 1,
      limit: 5,
      totalCount: 1000,
      totalPages: 200,
      totalCountCapped: true,
    });
    const last = await listOf(offer.productId, '?sort=rating_asc&page=51&limit=20');
    expect(last.data.map((review) => review.id)).toEqual([created.body.data.id]);
    expect((await listOf(offer.productId, '?rating=5')).meta).toMatchObject({
      totalCount: 1,
      totalCountCapped: false,
    });
  });
});

describe('authors', () => {
  it('a member without a nickname and a withdrawn member show placeholders, never a null user', async () => {
    const offer = await product();
    const unnamed = await api.member();
    const leaving = await api.member();
    for (const author of [unnamed, leaving]) {
      const orderId = await confirmedOrder(author, [offer]);
      expect((await postReview(author, offer.productId, { orderId, rating: 4, content })).status).toBe(201);
    }
    expect((await call('DELETE', '/api/v1/users/me', { headers: leaving.authHeader })).status).toBe(200);

    const korean = await listOf(offer.productId);
    expect(korean.data.map((review) => review.user)).toEqual([
      { id: leaving.user.id, nickname: '탈퇴한 회원' },
      { id: unnamed.user.id, nickname: '구매자' },
    ]);
    const english = await listOf(offer.productId, '', { 'accept-language': 'en' });
    expect(english.data.map((review) => review.user.nickname)).toEqual(['Former member', 'Buyer']);
    expect(await productStats(offer.productId)).toEqual({ reviewCount: 2, averageRating: 4 });
  });
});

describe('edit, delete and the best mark', () => {
  async function ownReview(author: Member = api.buyer) {
    const offer = await product();
    const orderId = await confirmedOrder(author, [offer]);
    const created = await postReview(author, offer.productId, { orderId, rating: 4, content });
    expect(created.status).toBe(201);
    return created.body.data as { id: number; productId: number; updatedAt: string; createdAt: string };
  }

  it('PATCH: the author only (REVIEW_NOT_FOUND for others, an ADMIN included); bad bodies change nothing', async () => {
    const review = await ownReview();
    const patch = (who: Member, body: object, id = review.id) =>
      call('PATCH', `/api/v1/reviews/${id}`, { headers: who.authHeader, body });
    expectError(await patch(api.other, { rating: 1 }), 404, 'REVIEW_NOT_FOUND');
    expectError(await patch(api.admin, { rating: 1 }), 404, 'REVIEW_NOT_FOUND');
    expectError(await patch(api.buyer, { rating: 1 }, missingId), 404, 'REVIEW_NOT_FOUND');
    const images = (n: number) => Array.from({ length: n }, (_, i) => `https://img.example.com/r/${i}.jpg`);
    for (const body of [
      {},
      { rating: 0 },
      { rating: 6 },
      { rating: 4.5 },
      { content: '짧아요' },
      { content: 'x'.repeat(2001) },
      { content: `${content}\u0000` },
      { imageUrls: images(11) },
      { imageUrls: ['ftp://img.example.com/a.jpg'] },
      { imageUrls: ['javascript:alert(1)'] },
      { tags: Array.from({ length: 11 }, (_, i) => `태그${i}`) },
      { tags: [''] },
      { tags: ['x'.repeat(21)] },
    ]) {
      expectError(await patch(api.buyer, body), 400, 'VALIDATION_ERROR');
    }
    const [unchanged] = await db().select().from(reviews).where(eq(reviews.id, review.id));
    expect(unchanged).toMatchObject({ rating: 4, content, tags: [], imageUrls: [] });

    const changed = await patch(api.buyer, {
      rating: 2,
      content: `  두 번째 사용 후기입니다.\r\n조금 아쉬워요.  `,
      imageUrls: images(10),
    });
    expect(changed.status).toBe(200);
    expect(changed.body.data).toMatchObject({
      id: review.id,
      rating: 2,
      content: '두 번째 사용 후기입니다.\n조금 아쉬워요.',
      imageUrls: images(10),
      createdAt: review.createdAt,
    });
    expect(changed.body.data.updatedAt >= review.updatedAt).toBe(true);
    expect(await productStats(review.productId)).toEqual({ reviewCount: 1, averageRating: 2 });
  });

  it('DELETE: the author or an ADMIN (audited); anyone else gets REVIEW_NOT_FOUND; a deleted review is gone', async () => {
    const review = await ownReview();
    expectError(
      await call('DELETE', `/api/v1/reviews/${review.id}`, { headers: api.other.authHeader }),
      404,
      'REVIEW_NOT_FOUND',
    );
    expect(await productStats(review.productId)).toEqual({ reviewCount: 1, averageRating: 4 });
    const removed = await call('DELETE', `/api/v1/reviews/${review.id}`, { headers: api.buyer.authHeader });
    expect(removed.status).toBe(200);
    expectError(
      await call('DELETE', `/api/v1/reviews/${review.id}`, { headers: api.buyer.authHeader }),
      404,
      'REVIEW_NOT_FOUND',
    );
    expectError(
      await call('PATCH', `/api/v1/reviews/${review.id}`, {
        headers: api.buyer.authHeader,
        body: { rating: 5 },
      }),
      404,
      'REVIEW_NOT_FOUND',
    );
    expect((await listOf(review.productId)).data).toEqual([]);

    const moderated = await ownReview(api.other);
    const byAdmin = await call('DELETE', `/api/v1/reviews/${moderated.id}`, {
      headers: api.admin.authHeader,
    });
    expect(byAdmin.status).toBe(200);
    expect(await productStats(moderated.productId)).toEqual({ reviewCount: 0, averageRating: 0 });
    const [audit] = await db()
      .select()
      .from(adminAuditLog)
      .where(and(eq(adminAuditLog.action, 'review.delete'), eq(adminAuditLog.target, String(moderated.id))));
    expect(audit).toMatchObject({ actorId: api.admin.user.id, result: 'SUCCEEDED' });
    expect(audit!.details).toMatchObject({
      outcome: { productId: moderated.productId, pointsTakenBack: 500 },
    });
  });

  it('the best mark: ADMIN only, audited, on live reviews', async () => {
    const review = await ownReview();
    const mark = (who: Member, isBest: unknown, id = review.id) =>
      call('PATCH', `/api/v1/admin/reviews/${id}/best`, { headers: who.authHeader, body: { isBest } });
    expectError(await mark(api.buyer, true), 403, 'FORBIDDEN');
    expectError(await mark(api.admin, 'yes'), 400, 'VALIDATION_ERROR');
    expectError(await mark(api.admin, true, missingId), 404, 'REVIEW_NOT_FOUND');
    const marked = await mark(api.admin, true);
    expect(marked.body.data).toMatchObject({ id: review.id, isBest: true });
    expect((await listOf(review.productId)).data[0]!.isBest).toBe(true);
    expect((await mark(api.admin, false)).body.data.isBest).toBe(false);
    const trail = await db()
      .select({ result: adminAuditLog.result, details: adminAuditLog.details })
      .from(adminAuditLog)
      .where(and(eq(adminAuditLog.action, 'review.best.mark'), eq(adminAuditLog.target, String(review.id))))
      .orderBy(adminAuditLog.id);
    expect(trail).toEqual([
      {
        result: 'SUCCEEDED',
        details: { request: { isBest: true }, outcome: { productId: review.productId, isBest: true } },
      },
      {
        result: 'SUCCEEDED',
        details: { request: { isBest: false }, outcome: { productId: review.productId, isBest: false } },
      },
    ]);
    expect(
      await call('DELETE', `/api/v1/reviews/${review.id}`, { headers: api.buyer.authHeader }),
    ).toMatchObject({
      status: 200,
    });
    expectError(await mark(api.admin, true), 404, 'REVIEW_NOT_FOUND');
  });
});
