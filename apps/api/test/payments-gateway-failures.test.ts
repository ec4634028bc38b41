// Payments when the gateway (the simulator, a real process) misbehaves: a confirm that times out
// after the gateway charged is left PENDING and settled by asking (never charged again), a retry
// of it confirms the same payment, a confirm the gateway never took ends FAILED, a lookup the
// gateway cannot answer waits for the next round, and repeated 5xx open the `payment` breaker:
// 503 PAYMENT_GATEWAY_UNAVAILABLE with nothing written, the breaker listed OPEN.
import { payments } from '@pbshop/db';
import { count, eq } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runPaymentReconciliation } from '../src/jobs/payment-reconciler.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { expectError } from './helpers/http.ts';
import { addressOf, createShop, type Shop, stockedProduct } from './helpers/orders.ts';
import { type GatewaySimulatorProcess, startGatewaySimulator } from './helpers/payment-gateway.ts';

let gateway: GatewaySimulatorProcess;
const api = setupApiTest({
  beforeApp: async () => {
    gateway = await startGatewaySimulator();
  },
  env: () => ({
    ...gateway.env,
    // a held answer is given up after 3 s; PENDING payments are asked about after 1 s
    PAYMENT_GATEWAY_TIMEOUT_MS: '3000',
    PAYMENT_RECONCILE_AFTER_MS: '1000',
    RESILIENCE_AUTO_TUNE_ENABLED: 'false',
  }),
  afterApp: () => gateway.stop(),
  members: { admin: { role: 'ADMIN' }, buyer: {} },
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
}

async function placeOrder(): Promise<PlacedOrder> {
  const offer = await stockedProduct(api.app, api.admin.authHeader, shop, { price: 30_000, stock: 5 });
  const placed = await call('POST', '/api/v1/orders', {
    headers: api.buyer.authHeader,
    body: {
      addressId: await addressOf(api.deps, api.buyer.user.id),
      items: [{ productId: offer.productId, sellerId: offer.sellerId, quantity: 1 }],
    },
  });
  expect(placed.status).toBe(201);
  return placed.body.data;
}

function pay(order: PlacedOrder, key?: string) {
  return api.app.inject({
    method: 'POST',
    url: '/api/v1/payments',
    headers: { ...api.buyer.authHeader, ...(key ? { 'idempotency-key': key } : {}) },
    payload: { orderId: order.id, method: 'CARD', amount: order.finalAmount },
  });
}

async function paymentOf(orderId: number) {
  const rows = await api.deps.database.db.select().from(payments).where(eq(payments.orderId, orderId));
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

async function orderStatus(orderId: number) {
  const result = await call('GET', `/api/v1/orders/${orderId}`, { headers: api.buyer.authHeader });
  return result.body.data.status as string;
}

const reconcile = () =>
  runPaymentReconciliation({
    database: api.deps.database,
    reconcilePayments: () => api.deps.payments.reconcile(),
    sweepExpiredKeys: () => api.deps.idempotency.sweepExpired(),
    logger: api.deps.logger,
  });

/** Reconciliation rounds until the order's payment leaves `status` (it must first be old enough). */
async function reconciledFrom(orderId: number, status: string) {
  await expect
    .poll(
      async () => {
        await reconcile();
        return (await paymentOf(orderId)).status;
      },
      { timeout: 15_000, interval: 300 },
    )
    .not.toBe(status);
  return paymentOf(orderId);
}

describe('gateway timeouts and unknown outcomes', () => {
  it('a confirm charged at the gateway but answered too late: PENDING, 503, then reconciled to COMPLETED by asking', async () => {
    const order = await placeOrder();
    await gateway.rule({
      orderId: order.orderNumber,
      operation: 'confirm',
      behaviour: { kind: 'answer-late' },
    });
    const result = await pay(order);
    expectError({ status: result.statusCode, body: result.json() }, 503, 'PAYMENT_GATEWAY_UNAVAILABLE');
    expect(result.json().error.details).toMatchObject({ status: 'PENDING' });
    expect(result.headers['retry-after']).toEqual(expect.any(String));
    expect((await paymentOf(order.id)).status).toBe('PENDING');
    expect(await orderStatus(order.id)).toBe('PAYMENT_PENDING');
    // the member cannot cancel the order underneath a payment in flight
    const cancel = await call('POST', `/api/v1/orders/${order.id}/cancel`, { headers: api.buyer.authHeader });
    expectError(cancel, 400, 'ORDER_CANNOT_CANCEL');
    expect(await gateway.ledger(order.orderNumber)).toHaveLength(1);

    const settled = await reconciledFrom(order.id, 'PENDING');
    expect(settled).toMatchObject({ status: 'COMPLETED', gatewayPaymentKey: expect.any(String) });
    expect(await orderStatus(order.id)).toBe('PAYMENT_CONFIRMED');
    const ledger = await gateway.ledger(order.orderNumber);
    expect(ledger).toHaveLength(1);
    expect(ledger[0]!.type).toBe('CHARGE');
    // it was settled by asking: a lookup, and no second confirm
    const calls = await gateway.calls(order.orderNumber);
    expect(calls.filter((entry) => entry.operation === 'confirm')).toHaveLength(1);
    expect(calls.filter((entry) => entry.operation === 'lookup').length).toBeGreaterThanOrEqual(1);
  });

  it('a retry with the same Idempotency-Key after a timeout confirms the same payment: one charge', async () => {
    const order = await placeOrder();
    await gateway.rule({
      orderId: order.orderNumber,
      operation: 'confirm',
      times: 1,
      behaviour: { kind: 'answer-late' },
    });
    const first = await pay(order, 'retry-after-timeout');
    expect(first.statusCode).toBe(503);
    const retry = await pay(order, 'retry-after-timeout');
    expect(retry.statusCode).toBe(201);
    expect(retry.json().data).toMatchObject({ status: 'COMPLETED', orderStatus: 'PAYMENT_CONFIRMED' });
    expect(retry.json().data.id).toBe(first.json().error.details.paymentId);
    expect(await gateway.ledger(order.orderNumber)).toHaveLength(1);
    // both confirms carried the payment's one gateway key
    const keys = (await gateway.calls(order.orderNumber)).map((entry) => entry.idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(1);
  });

  it('a connection reset after the charge: PENDING, and the retry without a key gets the same payment', async () => {
    const order = await placeOrder();
    await gateway.rule({
      orderId: order.orderNumber,
      operation: 'confirm',
      times: 1,
      behaviour: { kind: 'answer-reset' },
    });
    const first = await pay(order);
    expectError({ status: first.statusCode, body: first.json() }, 503, 'PAYMENT_GATEWAY_UNAVAILABLE');
    const retry = await pay(order);
    expect(retry.statusCode).toBe(201);
    expect(await gateway.ledger(order.orderNumber)).toHaveLength(1);
    expect((await paymentOf(order.id)).status).toBe('COMPLETED');
  });

  it('a confirm the gateway never took: PENDING, then FAILED when the gateway says it has none; the order is payable again', async () => {
    const order = await placeOrder();
    await gateway.rule({
      orderId: order.orderNumber,
      operation: 'confirm',
      times: 1,
      behaviour: { kind: 'timeout' },
    });
    expect((await pay(order)).statusCode).toBe(503);
    const settled = await reconciledFrom(order.id, 'PENDING');
    expect(settled).toMatchObject({ status: 'FAILED', failureCode: 'NOT_FOUND_AT_GATEWAY' });
    expect(await orderStatus(order.id)).toBe('ORDER_PLACED');
    expect(await gateway.ledger(order.orderNumber)).toHaveLength(0);
    const again = await pay(order);
    expect(again.statusCode).toBe(201);
    expect(await gateway.ledger(order.orderNumber)).toHaveLength(1);
  });

  it('a lookup the gateway cannot answer leaves the payment PENDING for the next round', async () => {
    const order = await placeOrder();
    await gateway.rule({
      orderId: order.orderNumber,
      operation: 'confirm',
      times: 1,
      behaviour: { kind: 'answer-late' },
    });
    await gateway.rule({
      orderId: order.orderNumber,
      operation: 'lookup',
      times: 1,
      behaviour: { kind: 'error', status: 502 },
    });
    expect((await pay(order)).statusCode).toBe(503);
    // rounds until the failing lookup was used: it settled nothing
    await expect
      .poll(
        async () => {
          const round = await reconcile();
          return round.ran && round.payments.unresolved > 0;
        },
        { timeout: 15_000, interval: 300 },
      )
      .toBe(true);
    expect((await paymentOf(order.id)).status).toBe('PENDING');
    const settled = await reconciledFrom(order.id, 'PENDING');
    expect(settled.status).toBe('COMPLETED');
    expect(await gateway.ledger(order.orderNumber)).toHaveLength(1);
  });

  it('one replica reconciles at a time', async () => {
    const rounds = await Promise.all([reconcile(), reconcile(), reconcile()]);
    expect(rounds.filter((round) => round.ran).length).toBeGreaterThanOrEqual(1);
    for (const round of rounds.filter((entry) => !entry.ran)) {
      expect(round).toEqual({ ran: false, reason: 'another process is reconciling' });
    }
  });
});

describe('the payment circuit breaker', () => {
  it('opens after repeated 5xx: 503 with its code, nothing written, and GET /resilience/circuit-breakers lists it OPEN', async () => {
    await gateway.rule({ operation: 'confirm', behaviour: { kind: 'error', status: 500 } });
    const failing = await Promise.all(Array.from({ length: 5 }, () => placeOrder()));
    for (const order of failing) {
      const result = await pay(order);
      expectError({ status: result.statusCode, body: result.json() }, 503, 'PAYMENT_GATEWAY_UNAVAILABLE');
    }
    const order = await placeOrder();
    const [before] = await api.deps.database.db.select({ value: count() }).from(payments);
    const callsBefore = (await gateway.calls()).length;
    const refused = await pay(order);
    expectError({ status: refused.statusCode, body: refused.json() }, 503, 'PAYMENT_GATEWAY_UNAVAILABLE');
    expect(refused.json().error.details).toEqual({ reason: 'the payment circuit breaker is open' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const [after] = await api.deps.database.db.select({ value: count() }).from(payments);
    expect(after!.value).toBe(before!.value);
    expect(await orderStatus(order.id)).toBe('ORDER_PLACED');
    expect((await gateway.calls()).length).toBe(callsBefore);

    await expect
      .poll(
        async () => {
          const list = await call('GET', '/api/v1/resilience/circuit-breakers', {
            headers: api.admin.authHeader,
          });
          return list.body.data.items.find((breaker: { name: string }) => breaker.name === 'payment')?.status;
        },
        { timeout: 10_000, interval: 200 },
      )
      .toBe('OPEN');
    // the five payments whose confirm failed stay PENDING: only the gateway can say how they ended
    for (const failed of failing) expect((await paymentOf(failed.id)).status).toBe('PENDING');
  });
});
