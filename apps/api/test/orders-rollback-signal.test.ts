// Order failures in the ops dashboard's payment_order_failures rollback signal (ops runbook §6): a
// 5xx answered while placing, cancelling or changing an order's status counts in its minute, a
// customer's 4xx does not. The failures are real: a trigger in this file's database makes every
// write to `orders` fail, as a broken release or a failing database would. The window is one
// minute here, so the signal raised by them clears on its own once they are a minute old.
import { pollUntil } from '@pbshop/testing';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { expectError } from './helpers/http.ts';
import { addressOf, createShop, type Shop, type StockedOffer, stockedProduct } from './helpers/orders.ts';

const api = setupApiTest({
  env: {
    OPS_DASHBOARD_CACHE_MS: '0',
    LOG_LEVEL: 'fatal',
    OPS_ROLLBACK_PAYMENT_WINDOW_MINUTES: '1',
    OPS_ROLLBACK_PAYMENT_FAILURES_PER_MINUTE: '3',
  },
  members: { admin: { role: 'ADMIN' }, buyer: {} },
});
const { call } = api;

interface Signal {
  key: string;
  firing: boolean;
  evidence: string;
  alerted: boolean;
}

let shop: Shop;
let offer: StockedOffer;
let addressId: number;

beforeAll(async () => {
  shop = await createShop(api.app, api.admin.authHeader);
  offer = await stockedProduct(api.app, api.admin.authHeader, shop, { price: 10_000, stock: 5 });
  addressId = await addressOf(api.deps, api.buyer.user.id);
});

async function signal(): Promise<Signal> {
  const response = await call('GET', '/api/v1/admin/ops-dashboard/summary', {
    headers: api.admin.authHeader,
  });
  expect(response.status).toBe(200);
  const body = response.body.data as {
    rollbackSignals: Omit<Signal, 'alerted'>[];
    alerts: { key: string }[];
  };
  const found = body.rollbackSignals.find((entry) => entry.key === 'payment_order_failures')!;
  return { ...found, alerted: body.alerts.some((alert) => alert.key === 'rollback:payment_order_failures') };
}

const placeOrder = (quantity: number) =>
  call('POST', '/api/v1/orders', {
    headers: api.buyer.authHeader,
    body: { addressId, items: [{ productId: offer.productId, sellerId: offer.sellerId, quantity }] },
  });

/** Every write to `orders` fails (the database raises), until `repair`. */
async function breakOrderWrites() {
  await api.deps.database.db.execute(sql`
    create function refuse_order_write() returns trigger language plpgsql as $$
    begin raise exception 'the orders table refuses writes (test)'; end $$`);
  await api.deps.database.db.execute(sql`
    create trigger refuse_order_write before insert or update on orders
    for each row execute function refuse_order_write()`);
}

async function repairOrderWrites() {
  await api.deps.database.db.execute(sql`drop trigger refuse_order_write on orders`);
  await api.deps.database.db.execute(sql`drop function refuse_order_write()`);
}

describe('order failures in payment_order_failures', () => {
  it("a customer's 4xx is not counted; 5xx placing, cancelling and confirming are, raise the signal and clear as they age", async () => {
    const placed = await placeOrder(1);
    expect(placed.status).toBe(201);
    const delivered = await placeOrder(1);
    expect(delivered.status).toBe(201);
    for (const status of ['PAYMENT_CONFIRMED', 'PREPARING', 'SHIPPING', 'DELIVERED']) {
      await api.deps.database.db.execute(
        sql`update orders set status = ${status} where id = ${delivered.body.data.id}`,
      );
    }

    expectError(await placeOrder(50), 400, 'INSUFFICIENT_STOCK');
    expectError(
      await call('PATCH', `/api/v1/admin/orders/${placed.body.data.id}/status`, {
        headers: api.admin.authHeader,
        body: { status: 'DELIVERED' },
      }),
      400,
      'INVALID_STATUS_TRANSITION',
    );
    const quiet = await signal();
    expect(quiet).toMatchObject({ firing: false, alerted: false });
    expect(quiet.evidence).toContain('oldest first: 0 (');
    expect(quiet.evidence).toContain(
      'order requests answered 5xx (place, cancel, status change) per minute: 0)',
    );

    await breakOrderWrites();
    try {
      expectError(await placeOrder(1), 500, 'INTERNAL_ERROR');
      expectError(
        await call('POST', `/api/v1/orders/${placed.body.data.id}/cancel`, { headers: api.buyer.authHeader }),
        500,
        'INTERNAL_ERROR',
      );
      // below the threshold of 3 in the minute: counted, not firing
      const two = await signal();
      expect(two).toMatchObject({ firing: false, alerted: false });
      expect(two.evidence).toContain('per minute: 2)');
      // purchase confirmation (DELIVERED → CONFIRMED) failing too
      expectError(
        await call('PATCH', `/api/v1/admin/orders/${delivered.body.data.id}/status`, {
          headers: api.admin.authHeader,
          body: { status: 'CONFIRMED' },
        }),
        500,
        'INTERNAL_ERROR',
      );
    } finally {
      await repairOrderWrites();
    }
    // the records are written after the answers: read until all three are in
    const raised = await pollUntil(signal, (value) => value.firing);
    expect(raised).toMatchObject({ firing: true, alerted: true });
    expect(raised.evidence).toContain('oldest first: 3 (');
    expect(raised.evidence).toContain('per minute: 3)');
    // the orders table was left as it was: the failed writes wrote nothing
    const [row] = await api.deps.database.db.execute<{ status: string; stock: number }>(sql`
      select o.status, (select stock from offers where id = ${offer.offerId}) as stock
      from orders o where o.id = ${placed.body.data.id}`);
    expect(row).toEqual({ status: 'ORDER_PLACED', stock: 3 });

    // repaired: orders go through again, and once the failures are a minute old the signal clears
    expect((await placeOrder(1)).status).toBe(201);
    const cleared = await pollUntil(signal, (value) => value.evidence.includes('per minute: 0)'), {
      timeoutMs: 75_000,
      intervalMs: 1000,
    });
    expect(cleared).toMatchObject({ firing: false, alerted: false });
    expect(cleared.evidence).toContain('per minute: 0)');
  }, 120_000);

  it('counts each failure in the minute it happened in, as the payment counts do', async () => {
    // an hour ahead: the failures of the test above are outside every window read here
    const now = Date.now() + 3_600_000;
    for (const secondsAgo of [0, 59, 61, 150, 179, 200, 600]) {
      await api.deps.orderFailures.record('POST /api/v1/orders', now - secondsAgo * 1000);
    }
    // minutes ago 3, 2, 1, 0 (oldest first): 200 s; 150 s and 179 s; 61 s; 0 s and 59 s
    expect(await api.deps.orderFailures.perMinute(4, now)).toEqual([1, 2, 1, 2]);
    // a ten-minute window starts just after now - 600 s
    expect((await api.deps.orderFailures.perMinute(10, now))[0]).toBe(0);
  });
});
