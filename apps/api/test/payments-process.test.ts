// The API as a real process killed (SIGKILL) after the payment gateway (the simulator, a real
// process) recorded the charge but before the API committed it: the payment is left PENDING, and
// the next API process's reconciler settles it COMPLETED with the order PAYMENT_CONFIRMED, charged once.
import { pollUntil, type RunningProcess, spawnProcess } from '@pbshop/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { addressOf, createShop, stockedProduct } from './helpers/orders.ts';
import { type GatewaySimulatorProcess, startGatewaySimulator } from './helpers/payment-gateway.ts';

const entry = new URL('../src/main.ts', import.meta.url).pathname;
let gateway: GatewaySimulatorProcess;
const api = setupApiTest({
  beforeApp: async () => {
    gateway = await startGatewaySimulator();
  },
  env: () => gateway.env,
  afterApp: () => gateway.stop(),
  members: { admin: { role: 'ADMIN' }, buyer: {} },
});
const running: RunningProcess[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((child) => child.stop('SIGKILL')));
});

function startApi(): RunningProcess {
  const child = spawnProcess(entry, {
    ...api.ctx.env,
    ...gateway.env,
    LOG_LEVEL: 'info',
    // the held answer must outlast the kill; the restarted process asks about PENDING payments at once
    PAYMENT_GATEWAY_TIMEOUT_MS: '60000',
    IDEMPOTENCY_LEASE_MS: '120000',
    PAYMENT_RECONCILE_AFTER_MS: '1000',
    PAYMENT_RECONCILE_INTERVAL_MS: '500',
  });
  running.push(child);
  return child;
}

async function listening(child: RunningProcess): Promise<string> {
  const line = await child.waitForLog(
    (log) => typeof log.msg === 'string' && log.msg.startsWith('Server listening at'),
  );
  return String(line.msg).replace('Server listening at ', '');
}

/** The order's and its payments' statuses in one snapshot (the reconciler settles both in one transaction). */
async function state(orderId: number) {
  const [row] = await api.deps.database.sql<{ order: string; payments: string[] }[]>`
    select o.status as order,
           array(select p.status::text from payments p where p.order_id = o.id order by p.id) as payments
    from orders o where o.id = ${orderId}`;
  return { order: row!.order, payments: row!.payments };
}

describe('the API killed between the gateway approval and the commit', () => {
  it('leaves the payment PENDING; the restarted API reconciles it COMPLETED, charged once', async () => {
    const shop = await createShop(api.app, api.admin.authHeader);
    const offer = await stockedProduct(api.app, api.admin.authHeader, shop, { price: 77_000, stock: 3 });
    const placed = await api.call('POST', '/api/v1/orders', {
      headers: api.buyer.authHeader,
      body: {
        addressId: await addressOf(api.deps, api.buyer.user.id),
        items: [{ productId: offer.productId, sellerId: offer.sellerId, quantity: 1 }],
      },
    });
    expect(placed.status).toBe(201);
    const order = placed.body.data as { id: number; orderNumber: string; finalAmount: number };
    // the gateway charges at once and holds its answer: the API is waiting when it is killed
    await gateway.rule({
      orderId: order.orderNumber,
      operation: 'confirm',
      behaviour: { kind: 'answer-late' },
    });

    const first = startApi();
    const base = await listening(first);
    const request = fetch(`${base}/api/v1/payments`, {
      method: 'POST',
      headers: { ...api.buyer.authHeader, 'content-type': 'application/json', 'idempotency-key': 'kill-1' },
      body: JSON.stringify({ orderId: order.id, method: 'CARD', amount: order.finalAmount }),
    }).catch((error: unknown) => error);
    await pollUntil(
      () => gateway.ledger(order.orderNumber),
      (ledger) => ledger.length === 1,
    );
    expect(await state(order.id)).toEqual({ order: 'PAYMENT_PENDING', payments: ['PENDING'] });
    await first.stop('SIGKILL');
    expect(await request).toBeInstanceOf(Error);
    expect(await state(order.id)).toEqual({ order: 'PAYMENT_PENDING', payments: ['PENDING'] });

    const second = startApi();
    await listening(second);
    const settled = await pollUntil(
      () => state(order.id),
      (now) => now.payments[0] !== 'PENDING',
      { timeoutMs: 30_000 },
    );
    expect(settled).toEqual({ order: 'PAYMENT_CONFIRMED', payments: ['COMPLETED'] });
    expect(await gateway.ledger(order.orderNumber)).toHaveLength(1);
    const confirms = (await gateway.calls(order.orderNumber)).filter((call) => call.operation === 'confirm');
    expect(confirms).toHaveLength(1);
    await second.waitForLog((log) => log.msg === 'pending payment reconciled' && log.settled === 'completed');
    expect((await second.stop('SIGTERM')).code).toBe(0);
  });
});
