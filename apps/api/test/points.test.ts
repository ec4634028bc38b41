// PNT-01..06: the points ledger (balance, history, the admin grant), its exactness under
// concurrent grants and uses, lot expiry and what expires soon; against real PostgreSQL and Redis.
import { pointTransactions, users } from '@pbshop/db';
import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { runCommerceSweep } from '../src/jobs/commerce-sweeps.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { expectError, missingId } from './helpers/http.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, user: {} } });
const { call } = api;
const db = () => api.deps.database.db;

/** The member's balance, the ledger's sum and what is left of the lots: always one number. */
async function books(userId: number) {
  const [row] = await db().execute<{
    point: number;
    ledger: string | null;
    lots: string | null;
    lowest: string | null;
  }>(sql`
    select u.point,
           (select sum(amount) from point_transactions where user_id = u.id) as ledger,
           (select sum(remaining_amount) from point_transactions where user_id = u.id and remaining_amount > 0) as lots,
           (select min(balance_after) from point_transactions where user_id = u.id) as lowest
    from users u where u.id = ${userId}`);
  return {
    balance: row!.point,
    ledger: Number(row!.ledger ?? 0),
    lots: Number(row!.lots ?? 0),
    lowest: Number(row!.lowest ?? 0),
  };
}

/** Spends points on a stand-in order id (the ledger's order id is nullable and not needed here). */
function spend(userId: number, amount: number) {
  return db().transaction(async (tx) => {
    const [order] = await tx.execute<{ id: number }>(sql`
      insert into orders (order_number, user_id, total_amount, point_used, final_amount, recipient_name, recipient_phone, zip_code, address)
      values (${`ORD-TEST-${Math.random().toString(36).slice(2, 10)}`}, ${userId}, ${amount * 2}, ${amount}, ${amount}, 'r', 'p', 'z', 'a')
      returning id`);
    return api.deps.points.use(tx, userId, amount, order!.id);
  });
}

describe('balance and history (PNT-01/02)', () => {
  it('starts empty, shows grants and uses newest first, filters by type', async () => {
    const member = await api.member();
    expect((await call('GET', '/api/v1/points/balance', { headers: member.authHeader })).body.data).toEqual({
      balance: 0,
      expiringSoon: 0,
    });
    const granted = await call('POST', '/api/v1/admin/points/grant', {
      headers: api.admin.authHeader,
      body: { userId: member.user.id, amount: 5000, description: '가입 축하' },
    });
    expect(granted.status).toBe(201);
    expect(granted.body.data).toEqual({
      userId: member.user.id,
      grantedAmount: 5000,
      balance: 5000,
      transactionId: expect.any(Number),
    });
    await spend(member.user.id, 1200);
    const history = await call('GET', '/api/v1/points/transactions', { headers: member.authHeader });
    expect(history.status).toBe(200);
    expect(
      history.body.data.map((row: { type: string; amount: number; balance: number }) => [
        row.type,
        row.amount,
        row.balance,
      ]),
    ).toEqual([
      ['USE', -1200, 3800],
      ['ADMIN_GRANT', 5000, 5000],
    ]);
    expect(history.body.data[1]).toMatchObject({ description: '가입 축하', balanceAfter: 5000 });
    expect(history.body.meta).toMatchObject({ totalCount: 2, page: 1, limit: 20 });
    const grants = await call('GET', '/api/v1/points/transactions?type=ADMIN_GRANT&limit=1', {
      headers: member.authHeader,
    });
    expect(grants.body.data).toHaveLength(1);
    expect(grants.body.meta.totalCount).toBe(1);
    expectError(
      await call('GET', '/api/v1/points/transactions?type=BONUS', { headers: member.authHeader }),
      400,
      'VALIDATION_ERROR',
    );
    expect(
      (await call('GET', '/api/v1/points/balance', { headers: member.authHeader })).body.data.balance,
    ).toBe(3800);
  });
});

describe('the admin grant (PNT-06)', () => {
  it('is for admins, audited, within 1..10,000,000, for members who exist', async () => {
    const body = { userId: api.user.user.id, amount: 1000 };
    expectError(
      await call('POST', '/api/v1/admin/points/grant', { headers: api.user.authHeader, body }),
      403,
      'FORBIDDEN',
    );
    expectError(await call('POST', '/api/v1/admin/points/grant', { body }), 401, 'UNAUTHORIZED');
    for (const amount of [0, -5, 10_000_001, 1.5, '1000']) {
      expectError(
        await call('POST', '/api/v1/admin/points/grant', {
          headers: api.admin.authHeader,
          body: { ...body, amount },
        }),
        400,
        'VALIDATION_ERROR',
      );
    }
    expectError(
      await call('POST', '/api/v1/admin/points/grant', {
        headers: api.admin.authHeader,
        body: { userId: missingId, amount: 1000 },
      }),
      404,
      'USER_NOT_FOUND',
    );
    expect((await books(api.user.user.id)).balance).toBe(0);
    const max = await call('POST', '/api/v1/admin/points/grant', {
      headers: api.admin.authHeader,
      body: { ...body, amount: 10_000_000 },
    });
    expect(max.body.data.balance).toBe(10_000_000);
    const trail = await api.deps.database.sql<{ target: string; result: string }[]>`
      select target, result from admin_audit_log where action = 'point.grant'
      and target in (${String(api.user.user.id)}, ${String(missingId)}) order by id`;
    expect(trail).toEqual([
      { target: String(missingId), result: 'FAILED' },
      { target: String(api.user.user.id), result: 'SUCCEEDED' },
    ]);
  });
});

describe('exactness under concurrency (PNT-03)', () => {
  it('50 concurrent grants and uses: the balance is the ledger sum and never negative', async () => {
    const member = await api.member();
    await api.deps.points.grant(member.user.id, 3000, 'seed');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        i % 2 === 0 ? api.deps.points.grant(member.user.id, 1000, `grant ${i}`) : spend(member.user.id, 1500),
      ),
    );
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    for (const outcome of refused) {
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: 'INSUFFICIENT_POINT' });
    }
    const uses = 25 - refused.length;
    const state = await books(member.user.id);
    expect(state.balance).toBe(3000 + 25 * 1000 - uses * 1500);
    expect(state.ledger).toBe(state.balance);
    expect(state.lots).toBe(state.balance);
    expect(state.lowest).toBeGreaterThanOrEqual(0);
    const rows = await db()
      .select()
      .from(pointTransactions)
      .where(eq(pointTransactions.userId, member.user.id));
    expect(rows).toHaveLength(1 + 25 + uses);
  });
});

describe('lots and expiry (PNT-05)', () => {
  it('a use takes the soonest-expiring lot first; expiry takes exactly what is left of an expired lot', async () => {
    const member = await api.member();
    const early = await api.deps.points.grant(member.user.id, 3000, 'early');
    const late = await api.deps.points.grant(member.user.id, 4000, 'late');
    await db()
      .update(pointTransactions)
      .set({ expiresAt: sql`now() + interval '10 days'` })
      .where(eq(pointTransactions.id, early.transactionId));
    await spend(member.user.id, 1000);
    const lot = async (id: number) =>
      (await db().select().from(pointTransactions).where(eq(pointTransactions.id, id)))[0]!;
    expect((await lot(early.transactionId)).remainingAmount).toBe(2000);
    expect((await lot(late.transactionId)).remainingAmount).toBe(4000);

    const balance = await call('GET', '/api/v1/points/balance', { headers: member.authHeader });
    expect(balance.body.data).toMatchObject({ balance: 6000, expiringSoon: 2000 });
    const expiringDate = new Date(balance.body.data.expiringDate).getTime();
    expect(Math.round((expiringDate - Date.now()) / 86_400_000)).toBe(10);

    await db()
      .update(pointTransactions)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(pointTransactions.id, early.transactionId));
    const result = await runCommerceSweep({
      database: api.deps.database,
      expireUnpaidOrders: () => api.deps.orders.expireUnpaid(),
      expirePoints: () => api.deps.points.expireDue(),
      logger: api.deps.logger,
    });
    expect(result).toMatchObject({ ran: true });
    const [expired] = await db()
      .select()
      .from(pointTransactions)
      .where(and(eq(pointTransactions.userId, member.user.id), eq(pointTransactions.type, 'EXPIRE')));
    expect(expired).toMatchObject({ amount: -2000, balanceAfter: 4000 });
    expect((await lot(early.transactionId)).remainingAmount).toBe(0);
    expect(await books(member.user.id)).toMatchObject({ balance: 4000, ledger: 4000, lots: 4000 });
    // a second sweep finds nothing more to expire
    await api.deps.points.expireDue();
    const expiries = await db()
      .select()
      .from(pointTransactions)
      .where(and(eq(pointTransactions.userId, member.user.id), eq(pointTransactions.type, 'EXPIRE')));
    expect(expiries).toHaveLength(1);
    expect((await call('GET', '/api/v1/points/balance', { headers: member.authHeader })).body.data).toEqual({
      balance: 4000,
      expiringSoon: 0,
    });
  });

  it('a use expires overdue lots first, so it cannot spend them', async () => {
    const member = await api.member();
    const grant = await api.deps.points.grant(member.user.id, 2000, 'overdue');
    await db()
      .update(pointTransactions)
      .set({ expiresAt: sql`now() - interval '1 day'` })
      .where(eq(pointTransactions.id, grant.transactionId));
    await expect(spend(member.user.id, 1000)).rejects.toMatchObject({ code: 'INSUFFICIENT_POINT' });
    // the refused use rolled back, the expiry with it: the sweep still finds the lot
    expect((await books(member.user.id)).balance).toBe(2000);
    await api.deps.points.expireDue();
    expect(await books(member.user.id)).toMatchObject({ balance: 0, ledger: 0, lots: 0 });
    const [row] = await db().select({ point: users.point }).from(users).where(eq(users.id, member.user.id));
    expect(row!.point).toBe(0);
  });
});
