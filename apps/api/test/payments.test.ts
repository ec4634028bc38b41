// Payments (PAY-01..03) through the payment gateway simulator, a real process: paying an order
// (one charge however often it is retried, with or without one Idempotency-Key), amount and status
// checks, declines, refunds by the member and by an admin (stock and points given back once, also
// for two refunds at the same moment), reading, and hostile input writing nothing.
import { adminAuditLog, idempotencyKeys, orders, payments } from '@pbshop/db';
import { and, count, eq } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { expectError, missingId } from './helpers/http.ts';
import { addressOf, createShop, offerRow, type Shop, stockedProduct } from './helpers/orders.ts';
import { type GatewaySimulatorProcess, startGatewaySimulator } from './helpers/payment-gateway.ts';
import type { Member } from './helpers/users.ts';

let gateway: GatewaySimulatorProcess;
const api = setupApiTest({
  beforeApp: async () => {
    gateway = await startGatewaySimulator();
  },
  env: () => ({ ...gateway.env, RESILIENCE_AUTO_TUNE_ENABLED: 'false' }),
  afterApp: () => gateway.stop(),
  members: { admin: { role: 'ADMIN' }, buyer: {}, otherBuyer: {} },
});
const { call } = api;
let shop: Shop;

beforeAll(async () => {
  shop = await createShop(api.app, api.admin.authHeader);
});

afterEach(async () => {
  await gateway.clearRules();
});

interface PlacedOrder {
  id: number;
  orderNumber: string;
  finalAmount: number;
  offerId: number;
}

/** An order of `quantity` units at `price` (10 in stock), paying `usePoint` points (granted first). */
async function placeOrder(
  buyer: Member = api.buyer,
  options: { price?: number; quantity?: number; usePoint?: number } = {},
): Promise<PlacedOrder> {
  const offer = await stockedProduct(api.app, api.admin.authHeader, shop, {
    price: options.price ?? 50_000,
    stock: 10,
  });
  if (options.usePoint) {
    const granted = await call('POST', '/api/v1/admin/points/grant', {
      headers: api.admin.authHeader,
      body: { userId: buyer.user.id, amount: options.usePoint },
    });
    expect(granted.status).toBe(201);
  }
  const placed = await call('POST', '/api/v1/orders', {
    headers: buyer.authHeader,
    body: {
      addressId: await addressOf(api.deps, buyer.user.id),
      items: [{ productId: offer.productId, sellerId: offer.sellerId, quantity: options.quantity ?? 1 }],
      ...(options.usePoint ? { usePoint: options.usePoint } : {}),
    },
  });
  expect(placed.status).toBe(201);
  const { id, orderNumber, finalAmount } = placed.body.data;
  return { id, orderNumber, finalAmount, offerId: offer.offerId };
}

function pay(
  order: PlacedOrder,
  buyer: Member = api.buyer,
  extra: { key?: string; amount?: number; method?: string } = {},
) {
  return api.app.inject({
    method: 'POST',
    url: '/api/v1/payments',
    headers: { ...buyer.authHeader, ...(extra.key ? { 'idempotency-key': extra.key } : {}) },
    payload: { orderId: order.id, method: extra.method ?? 'CARD', amount: extra.amount ?? order.finalAmount },
  });
}

async function orderStatus(orderId: number) {
  const [row] = await api.deps.database.db
    .select({ status: orders.status })
    .from(orders)
    .where(eq(orders.id, orderId));
  return row?.status;
}

async function paymentsOf(orderId: number) {
  return api.deps.database.db
    .select()
    .from(payments)
    .where(eq(payments.orderId, orderId))
    .orderBy(payments.id);
}

async function balanceOf(buyer: Member): Promise<number> {
  const result = await call('GET', '/api/v1/points/balance', { headers: buyer.authHeader });
  expect(result.status).toBe(200);
  return result.body.data.balance;
}

/** An order paid in full: its payment id. */
async function paidOrder(buyer: Member = api.buyer, options: { usePoint?: number; quantity?: number } = {}) {
  const order = await placeOrder(buyer, options);
  const paid = await pay(order, buyer);
  expect(paid.statusCode).toBe(201);
  return { order, paymentId: paid.json().data.id as number };
}

async function setOrderStatus(orderId: number, ...steps: string[]) {
  for (const status of steps) {
    const result = await call('PATCH', `/api/v1/admin/orders/${orderId}/status`, {
      headers: api.admin.authHeader,
      body: { status },
    });
    expect(result.status).toBe(200);
  }
}

describe('POST /payments', () => {
  it('pays the order in full: 201 Payment, the order PAYMENT_CONFIRMED, one charge at the gateway', async () => {
    const order = await placeOrder();
    const result = await pay(order);
    expect(result.statusCode).toBe(201);
    const body = result.json();
    expect(body.data).toMatchObject({
      orderId: order.id,
      orderStatus: 'PAYMENT_CONFIRMED',
      method: 'CARD',
      amount: order.finalAmount,
      status: 'COMPLETED',
      refundedAt: null,
      failureCode: null,
    });
    expect(body.data.paidAt).toEqual(expect.any(String));
    expect(body.requestId).toEqual(expect.any(String));
    expect(await orderStatus(order.id)).toBe('PAYMENT_CONFIRMED');
    const ledger = await gateway.ledger(order.orderNumber);
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ type: 'CHARGE', amount: order.finalAmount });
    const [row] = await paymentsOf(order.id);
    expect(row?.gatewayPaymentKey).toBe(ledger[0]!.paymentKey);
  });

  it('20 concurrent requests with one Idempotency-Key: one charge, every answer the same payment or 409', async () => {
    const order = await placeOrder();
    // the first confirm is held a moment at the gateway, so the others arrive while it runs
    await gateway.rule({ orderId: order.orderNumber, times: 1, behaviour: { kind: 'timeout', ms: 300 } });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => pay(order, api.buyer, { key: 'pay-burst-1' })),
    );
    const created = results.filter((result) => result.statusCode === 201);
    const inUse = results.filter((result) => result.statusCode === 409);
    expect(created.length + inUse.length).toBe(20);
    expect(created.length).toBeGreaterThanOrEqual(1);
    const ids = new Set(created.map((result) => result.json().data.id));
    expect(ids.size).toBe(1);
    for (const result of inUse) expect(result.json().error.code).toBe('IDEMPOTENCY_KEY_IN_USE');
    expect(await gateway.ledger(order.orderNumber)).toHaveLength(1);
    expect(await paymentsOf(order.id)).toHaveLength(1);
    // afterwards, the key replays the payment
    const replay = await pay(order, api.buyer, { key: 'pay-burst-1' });
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json().data.id).toBe([...ids][0]);
  });

  it('20 concurrent requests without a key: one payment row, one charge; late ones find the order paid', async () => {
    const order = await placeOrder();
    const results = await Promise.all(Array.from({ length: 20 }, () => pay(order)));
    const created = results.filter((result) => result.statusCode === 201);
    const refused = results.filter((result) => result.statusCode !== 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((result) => result.json().data.id)).size).toBe(1);
    for (const result of refused) {
      expectError({ status: result.statusCode, body: result.json() }, 400, 'INVALID_STATUS_TRANSITION');
    }
    expect(await paymentsOf(order.id)).toHaveLength(1);
    expect(await gateway.ledger(order.orderNumber)).toHaveLength(1);
  });

  it('the same key with another body is 422 IDEMPOTENCY_KEY_REUSED and charges nothing more', async () => {
    const order = await placeOrder();
    expect((await pay(order, api.buyer, { key: 'pay-reuse-1' })).statusCode).toBe(201);
    const other = await pay(order, api.buyer, { key: 'pay-reuse-1', method: 'TRANSFER' });
    expectError({ status: other.statusCode, body: other.json() }, 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(await gateway.ledger(order.orderNumber)).toHaveLength(1);
  });

  it('another amount than the order total is 400 AMOUNT_MISMATCH, nothing written or sent', async () => {
    const order = await placeOrder();
    for (const amount of [order.finalAmount - 1, order.finalAmount + 1, 1]) {
      const result = await pay(order, api.buyer, { amount });
      expectError({ status: result.statusCode, body: result.json() }, 400, 'AMOUNT_MISMATCH');
      expect(result.json().error.details).toEqual({ amount, expected: order.finalAmount });
    }
    expect(await paymentsOf(order.id)).toHaveLength(0);
    expect(await orderStatus(order.id)).toBe('ORDER_PLACED');
    expect(await gateway.calls(order.orderNumber)).toHaveLength(0);
  });

  it("another member's order or a missing one is 404 ORDER_NOT_FOUND; a paid one 400 INVALID_STATUS_TRANSITION", async () => {
    const order = await placeOrder();
    const foreign = await pay(order, api.otherBuyer);
    expectError({ status: foreign.statusCode, body: foreign.json() }, 404, 'ORDER_NOT_FOUND');
    const missing = await pay({ ...order, id: missingId });
    expectError({ status: missing.statusCode, body: missing.json() }, 404, 'ORDER_NOT_FOUND');
    expect(await paymentsOf(order.id)).toHaveLength(0);
    expect((await pay(order)).statusCode).toBe(201);
    const again = await pay(order);
    expectError({ status: again.statusCode, body: again.json() }, 400, 'INVALID_STATUS_TRANSITION');
    const cancelled = await placeOrder();
    expect(
      (await call('POST', `/api/v1/orders/${cancelled.id}/cancel`, { headers: api.buyer.authHeader })).status,
    ).toBe(200);
    const late = await pay(cancelled);
    expectError({ status: late.statusCode, body: late.json() }, 400, 'INVALID_STATUS_TRANSITION');
  });

  it('a decline is 402 PAYMENT_FAILED with the gateway code; the order is payable again and a new payment follows', async () => {
    const order = await placeOrder();
    await gateway.rule({ orderId: order.orderNumber, times: 1, behaviour: { kind: 'decline' } });
    const declined = await pay(order);
    expectError({ status: declined.statusCode, body: declined.json() }, 402, 'PAYMENT_FAILED');
    expect(declined.json().error.details).toMatchObject({ gatewayCode: 'REJECT_CARD_PAYMENT' });
    expect(await orderStatus(order.id)).toBe('ORDER_PLACED');
    const [failed] = await paymentsOf(order.id);
    expect(failed).toMatchObject({ status: 'FAILED', failureCode: 'REJECT_CARD_PAYMENT' });
    const paid = await pay(order);
    expect(paid.statusCode).toBe(201);
    expect(paid.json().data.id).not.toBe(failed!.id);
    expect((await paymentsOf(order.id)).map((row) => row.status)).toEqual(['FAILED', 'COMPLETED']);
    expect(await gateway.ledger(order.orderNumber)).toHaveLength(1);
    // the failed payment reads as such
    const read = await call('GET', `/api/v1/payments/${failed!.id}`, { headers: api.buyer.authHeader });
    expect(read.body.data).toMatchObject({
      status: 'FAILED',
      failureCode: 'REJECT_CARD_PAYMENT',
      orderStatus: 'PAYMENT_CONFIRMED',
    });
  });
});

describe('GET /payments/:id', () => {
  it('the owner and admins read it; another member gets 404 PAYMENT_NOT_FOUND', async () => {
    const { order, paymentId } = await paidOrder();
    const own = await call('GET', `/api/v1/payments/${paymentId}`, { headers: api.buyer.authHeader });
    expect(own.status).toBe(200);
    expect(own.body.data).toMatchObject({ id: paymentId, orderId: order.id, status: 'COMPLETED' });
    const admin = await call('GET', `/api/v1/payments/${paymentId}`, { headers: api.admin.authHeader });
    expect(admin.body.data).toEqual(own.body.data);
    expectError(
      await call('GET', `/api/v1/payments/${paymentId}`, { headers: api.otherBuyer.authHeader }),
      404,
      'PAYMENT_NOT_FOUND',
    );
    expectError(
      await call('GET', `/api/v1/payments/${missingId}`, { headers: api.buyer.authHeader }),
      404,
      'PAYMENT_NOT_FOUND',
    );
  });
});

describe('refunds', () => {
  it('a member refund cancels at the gateway, cancels the order and gives stock and points back', async () => {
    const { order, paymentId } = await paidOrder(api.buyer, { usePoint: 5000, quantity: 2 });
    expect((await offerRow(api.deps, order.offerId)).stock).toBe(8);
    const pointsBefore = await balanceOf(api.buyer);
    const refunded = await call('POST', `/api/v1/payments/${paymentId}/refund`, {
      headers: api.buyer.authHeader,
      body: { reason: '단순 변심' },
    });
    expect(refunded.status).toBe(200);
    expect(refunded.body.data).toMatchObject({
      id: paymentId,
      status: 'REFUNDED',
      orderStatus: 'CANCELLED',
      refundReason: '단순 변심',
    });
    expect(refunded.body.data.refundedAt).toEqual(expect.any(String));
    expect((await offerRow(api.deps, order.offerId)).stock).toBe(10);
    expect(await balanceOf(api.buyer)).toBe(pointsBefore + 5000);
    expect((await gateway.ledger(order.orderNumber)).map((entry) => entry.type)).toEqual([
      'CHARGE',
      'CANCEL',
    ]);
    const again = await call('POST', `/api/v1/payments/${paymentId}/refund`, {
      headers: api.buyer.authHeader,
      body: {},
    });
    expectError(again, 409, 'PAYMENT_ALREADY_REFUNDED');
    expect((await offerRow(api.deps, order.offerId)).stock).toBe(10);
    expect(await balanceOf(api.buyer)).toBe(pointsBefore + 5000);
  });

  it('two refunds at the same moment: one cancel at the gateway, stock and points given back once', async () => {
    const { order, paymentId } = await paidOrder(api.buyer, { usePoint: 3000 });
    const pointsBefore = await balanceOf(api.buyer);
    const refund = () =>
      call('POST', `/api/v1/payments/${paymentId}/refund`, { headers: api.buyer.authHeader, body: {} });
    const results = await Promise.all([refund(), refund()]);
    expect(results.map((result) => result.status).sort()).toEqual([200, 409]);
    expect(results.find((result) => result.status === 409)?.body.error.code).toBe('PAYMENT_ALREADY_REFUNDED');
    expect((await gateway.ledger(order.orderNumber)).filter((entry) => entry.type === 'CANCEL')).toHaveLength(
      1,
    );
    expect((await offerRow(api.deps, order.offerId)).stock).toBe(10);
    expect(await balanceOf(api.buyer)).toBe(pointsBefore + 3000);
  });

  it('a refund with an Idempotency-Key replays its answer', async () => {
    const { order, paymentId } = await paidOrder();
    const refund = () =>
      api.app.inject({
        method: 'POST',
        url: `/api/v1/payments/${paymentId}/refund`,
        headers: { ...api.buyer.authHeader, 'idempotency-key': `refund-${paymentId}` },
        payload: {},
      });
    const first = await refund();
    expect(first.statusCode).toBe(200);
    const again = await refund();
    expect(again.statusCode).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().data).toEqual(first.json().data);
    expect((await gateway.ledger(order.orderNumber)).filter((entry) => entry.type === 'CANCEL')).toHaveLength(
      1,
    );
  });

  it('members refund only orders not shipped yet; another member gets 404', async () => {
    const { order, paymentId } = await paidOrder();
    expectError(
      await call('POST', `/api/v1/payments/${paymentId}/refund`, {
        headers: api.otherBuyer.authHeader,
        body: {},
      }),
      404,
      'PAYMENT_NOT_FOUND',
    );
    await setOrderStatus(order.id, 'PREPARING', 'SHIPPING');
    const shipped = await call('POST', `/api/v1/payments/${paymentId}/refund`, {
      headers: api.buyer.authHeader,
      body: {},
    });
    expectError(shipped, 400, 'ORDER_CANNOT_CANCEL');
    expect(shipped.body.error.details).toMatchObject({ orderStatus: 'SHIPPING' });
    const admin = await call('POST', `/api/v1/admin/payments/${paymentId}/refund`, {
      headers: api.admin.authHeader,
      body: {},
    });
    expectError(admin, 400, 'ORDER_CANNOT_CANCEL');
    expect(await gateway.ledger(order.orderNumber)).toHaveLength(1);
  });

  it('an admin refunds a returned order (RETURN_REQUESTED → RETURNED, stock back), audited; a member may not', async () => {
    const { order, paymentId } = await paidOrder();
    await setOrderStatus(order.id, 'PREPARING', 'SHIPPING', 'DELIVERED', 'RETURN_REQUESTED');
    const byMember = await call('POST', `/api/v1/payments/${paymentId}/refund`, {
      headers: api.buyer.authHeader,
      body: {},
    });
    expectError(byMember, 400, 'ORDER_CANNOT_CANCEL');
    const refunded = await call('POST', `/api/v1/admin/payments/${paymentId}/refund`, {
      headers: api.admin.authHeader,
      body: { reason: '반품 입고 확인' },
    });
    expect(refunded.status).toBe(200);
    expect(refunded.body.data).toMatchObject({
      status: 'REFUNDED',
      orderStatus: 'RETURNED',
      refundReason: '반품 입고 확인',
    });
    expect((await offerRow(api.deps, order.offerId)).stock).toBe(10);
    const [audit] = await api.deps.database.db
      .select()
      .from(adminAuditLog)
      .where(and(eq(adminAuditLog.action, 'payment.refund'), eq(adminAuditLog.target, String(paymentId))));
    expect(audit).toMatchObject({
      action: 'payment.refund',
      actorId: api.admin.user.id,
      result: 'SUCCEEDED',
    });
  });

  it('a payment that is not COMPLETED cannot be refunded', async () => {
    const order = await placeOrder();
    await gateway.rule({ orderId: order.orderNumber, times: 1, behaviour: { kind: 'decline' } });
    const declined = await pay(order);
    const failedId = declined.json().error.details.paymentId;
    const result = await call('POST', `/api/v1/payments/${failedId}/refund`, {
      headers: api.buyer.authHeader,
      body: {},
    });
    expectError(result, 400, 'INVALID_STATUS_TRANSITION');
  });
});

describe('hostile input on the payment routes', () => {
  it('is refused with 4xx, writing no payment, no key and no gateway call', async () => {
    const order = await placeOrder();
    const { paymentId } = await paidOrder();
    const countOf = async () => {
      const [p] = await api.deps.database.db.select({ value: count() }).from(payments);
      const [k] = await api.deps.database.db.select({ value: count() }).from(idempotencyKeys);
      return { payments: p!.value, keys: k!.value, calls: (await gateway.calls()).length };
    };
    const before = await countOf();
    const bodies: unknown[] = [
      {},
      { orderId: order.id },
      { orderId: order.id, amount: order.finalAmount, method: '' },
      { orderId: order.id, amount: -1 },
      { orderId: order.id, amount: 1.5 },
      { orderId: order.id, amount: '50000' },
      { orderId: '1', amount: order.finalAmount },
      { orderId: 0, amount: order.finalAmount },
      { orderId: order.id, amount: Number.MAX_SAFE_INTEGER },
      { orderId: order.id, amount: order.finalAmount, method: 'x'.repeat(500) },
      { orderId: order.id, amount: order.finalAmount, method: 'CARD\u0000' },
      [],
      'null',
    ];
    for (const body of bodies) {
      const result = await api.app.inject({
        method: 'POST',
        url: '/api/v1/payments',
        headers: {
          ...api.buyer.authHeader,
          'content-type': 'application/json',
          'idempotency-key': 'hostile-1',
        },
        payload: typeof body === 'string' ? body : JSON.stringify(body),
      });
      expect(result.statusCode, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(result.statusCode, JSON.stringify(body)).toBeLessThan(500);
      expect(result.json().success).toBe(false);
    }
    for (const key of ['', ' ', 'x'.repeat(256), '키']) {
      const result = await api.app.inject({
        method: 'POST',
        url: '/api/v1/payments',
        headers: { ...api.buyer.authHeader, 'idempotency-key': key },
        payload: { orderId: order.id, amount: order.finalAmount, method: 'CARD' },
      });
      expect({ key, status: result.statusCode }).toEqual({ key, status: 400 });
    }
    for (const url of [
      `/api/v1/payments/abc/refund`,
      `/api/v1/payments/0/refund`,
      `/api/v1/admin/payments/-1/refund`,
    ]) {
      const result = await call('POST', url, { headers: api.admin.authHeader, body: {} });
      expectError(result, 400, 'VALIDATION_ERROR');
    }
    for (const body of [
      { reason: '' },
      { reason: 'x'.repeat(1000) },
      { reason: 5 },
      { reason: 'a\u0007b' },
    ]) {
      const result = await call('POST', `/api/v1/payments/${paymentId}/refund`, {
        headers: api.buyer.authHeader,
        body,
      });
      expectError(result, 400, 'VALIDATION_ERROR');
    }
    expect(await countOf()).toEqual(before);
    expect(await orderStatus(order.id)).toBe('ORDER_PLACED');
  });
});
