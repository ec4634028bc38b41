// The ops dashboard's payment_order_failures rollback signal (ops runbook §6: payment failures
// sustained 10 minutes) read from the payments table: FAILED payments per minute, and PENDING ones
// the gateway has not settled past PAYMENT_RECONCILE_AFTER_MS, in every minute of the window.
// Payments rows are written as fixtures with the times the signal reads.
import { orders, payments } from '@pbshop/db';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { buildTestApp, createMember } from './helpers/users.ts';

const api = setupApiTest({
  env: { OPS_DASHBOARD_CACHE_MS: '0', LOG_LEVEL: 'fatal' },
  members: { admin: { role: 'ADMIN' }, buyer: {} },
});

interface Signal {
  key: string;
  firing: boolean;
  evidence: string;
}

let orderSequence = 0;
let orderId: number;

/** An order row of the buyer (a fixture of the orders module's table). */
async function orderRow(): Promise<number> {
  orderSequence += 1;
  const [row] = await api.deps.database.db
    .insert(orders)
    .values({
      orderNumber: `ORD-20260101-SIG${String(orderSequence).padStart(3, '0')}`,
      userId: api.buyer.user.id,
      status: 'ORDER_PLACED',
      totalAmount: 10_000,
      finalAmount: 10_000,
      recipientName: '홍길동',
      recipientPhone: '010-1234-5678',
      zipCode: '06236',
      address: '서울 강남구 테헤란로 1',
    })
    .returning({ id: orders.id });
  return row!.id;
}

/** A payment of `status` last changed `secondsAgo` seconds ago. */
async function paymentAt(status: 'FAILED' | 'PENDING', secondsAgo: number, order = orderId) {
  await api.deps.database.db.insert(payments).values({
    orderId: order,
    userId: api.buyer.user.id,
    method: 'CARD',
    amount: 10_000,
    status,
    failureCode: status === 'FAILED' ? 'REJECT_CARD_PAYMENT' : null,
    updatedAt: sql`now() - make_interval(secs => ${secondsAgo})`,
  });
}

async function paymentSignal(
  app: App = api.app,
  headers = api.admin.authHeader,
): Promise<Signal & { alerted: boolean }> {
  const response = await app.inject({ method: 'GET', url: '/api/v1/admin/ops-dashboard/summary', headers });
  expect(response.statusCode).toBe(200);
  const body = response.json().data as {
    rollbackSignals: Signal[];
    alerts: { key: string; severity: string }[];
  };
  const signal = body.rollbackSignals.find((entry) => entry.key === 'payment_order_failures')!;
  const alert = body.alerts.find((entry) => entry.key === 'rollback:payment_order_failures');
  if (alert) expect(alert.severity).toBe('critical');
  return { ...signal, alerted: alert !== undefined };
}

beforeAll(async () => {
  orderId = await orderRow();
});

describe('payment_order_failures', () => {
  it('does not fire without failures', async () => {
    const signal = await paymentSignal();
    expect(signal).toMatchObject({ firing: false, alerted: false });
    expect(signal.evidence).toContain('oldest first: 0, 0, 0, 0, 0, 0, 0, 0, 0, 0');
  });

  it('does not fire while one minute of the ten had no failure; fires once every minute has one', async () => {
    // minutes 0..8 ago (each 30 s into its minute), then the oldest minute too
    for (let minute = 0; minute < 9; minute++) await paymentAt('FAILED', minute * 60 + 30);
    const gap = await paymentSignal();
    expect(gap).toMatchObject({ firing: false, alerted: false });
    expect(gap.evidence).toContain('oldest first: 0, 1, 1, 1, 1, 1, 1, 1, 1, 1');
    await paymentAt('FAILED', 9 * 60 + 30);
    await paymentAt('FAILED', 9 * 60 + 40);
    const sustained = await paymentSignal();
    expect(sustained).toMatchObject({ firing: true, alerted: true });
    expect(sustained.evidence).toContain('oldest first: 2, 1, 1, 1, 1, 1, 1, 1, 1, 1');
    // a failure older than the window counts for nothing
    await paymentAt('FAILED', 11 * 60);
    expect((await paymentSignal()).evidence).toContain('oldest first: 2, 1,');
  });

  it('follows OPS_ROLLBACK_PAYMENT_FAILURES_PER_MINUTE (2: not sustained; 0: disabled)', async () => {
    for (const [threshold, firing, evidence] of [
      ['2', false, 'fires when every minute has at least 2'],
      ['0', false, 'disabled'],
    ] as const) {
      const other = await buildTestApp(api.ctx, {
        OPS_DASHBOARD_CACHE_MS: '0',
        LOG_LEVEL: 'fatal',
        OPS_ROLLBACK_PAYMENT_FAILURES_PER_MINUTE: threshold,
      });
      try {
        const admin = await createMember(other.deps, other.app, { role: 'ADMIN' });
        const signal = await paymentSignal(other.app, admin.authHeader);
        expect(signal.firing).toBe(firing);
        expect(signal.evidence).toContain(evidence);
      } finally {
        await other.close();
      }
    }
  });

  it('a payment the gateway has left PENDING for the whole window fires it alone', async () => {
    await api.deps.database.db.delete(payments);
    const stuckOrder = await orderRow();
    await paymentAt('PENDING', 12 * 60, stuckOrder);
    const signal = await paymentSignal();
    expect(signal).toMatchObject({ firing: true, alerted: true });
    expect(signal.evidence).toContain(
      'oldest first: 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 (FAILED payments, and 1 PENDING',
    );
    // a PENDING payment younger than the reconcile bound is a payment in flight, not a failure
    await api.deps.database.db.delete(payments);
    await paymentAt('PENDING', 5, stuckOrder);
    expect(await paymentSignal()).toMatchObject({ firing: false, alerted: false });
  });
});
