// AUCT-01..02: reverse auctions on the real stack — a member posts wanted specs and a budget, SELLER
// members bid for their shops (one live bid each), edit and withdraw their own bids while the
// auction is open, the owner selects exactly one bid even when two selections race, or cancels; the
// deadline sweep expires what is overdue; every change is a notification row for whom it concerns.
import { auctionBids, notifications, reverseAuctions } from '@pbshop/db';
import { asc, eq, inArray } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { AUCTION_SWEEP_LOCK, runAuctionSweep } from '../src/jobs/auction-sweep.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { createCategory, createSeller, uniqueName } from './helpers/catalog.ts';
import { expectError, missingId } from './helpers/http.ts';
import type { Member } from './helpers/users.ts';

const api = setupApiTest({
  members: {
    admin: { role: 'ADMIN' },
    owner: {},
    stranger: {},
    sellerA: { role: 'SELLER' },
    sellerB: { role: 'SELLER' },
    shopless: { role: 'SELLER' },
  },
});
const { call } = api;
let categoryId: number;
let shopA: number;
let shopB: number;

beforeAll(async () => {
  categoryId = (await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Laptops') })).id;
  shopA = (await createSeller(api.app, api.admin.authHeader, { ownerUserId: api.sellerA.user.id })).id;
  shopB = (await createSeller(api.app, api.admin.authHeader, { ownerUserId: api.sellerB.user.id })).id;
});

const auctionBody = (fields: Record<string, unknown> = {}) => ({
  title: 'Gaming laptop, RTX 4070 or better',
  description: 'For a student: 16 GB RAM at least, delivered to Seoul.',
  categoryId,
  specs: { gpu: 'RTX 4070', ram: '32GB', screen: 16, oled: true },
  budget: 2_000_000,
  ...fields,
});

async function openAuction(owner: Member = api.owner, fields: Record<string, unknown> = {}): Promise<number> {
  const created = await call('POST', '/api/v1/auctions', {
    headers: owner.authHeader,
    body: auctionBody(fields),
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.data.id as number;
}

const bid = (seller: Member, auctionId: number, body: Record<string, unknown> = {}) =>
  call('POST', `/api/v1/auctions/${auctionId}/bids`, {
    headers: seller.authHeader,
    body: { price: 1_890_000, description: 'ASUS ROG Strix G16, in stock', deliveryDays: 2, ...body },
  });

async function bidId(seller: Member, auctionId: number, price = 1_890_000): Promise<number> {
  const placed = await bid(seller, auctionId, { price });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  return placed.body.data.id as number;
}

const select = (owner: Member, auctionId: number, id: number) =>
  call('PATCH', `/api/v1/auctions/${auctionId}/bids/${id}/select`, { headers: owner.authHeader });

/** The notifications a member got about an auction, oldest first: [type, bidId]. */
async function notified(member: Member, auctionId: number) {
  const rows = await api.deps.database.db
    .select({ type: notifications.type, payload: notifications.payload })
    .from(notifications)
    .where(eq(notifications.userId, member.user.id))
    .orderBy(asc(notifications.id));
  return rows
    .filter((row) => row.payload.auctionId === auctionId)
    .map((row) => [row.type, row.payload.bidId ?? null]);
}

async function bidStatuses(auctionId: number) {
  const rows = await api.deps.database.db
    .select({ id: auctionBids.id, status: auctionBids.status })
    .from(auctionBids)
    .where(eq(auctionBids.auctionId, auctionId))
    .orderBy(asc(auctionBids.id));
  return Object.fromEntries(rows.map((row) => [row.id, row.status]));
}

describe('posting and reading auctions (AUCT-01)', () => {
  it('a member posts an auction with specs, budget and a default deadline; anyone reads it', async () => {
    const before = Date.now();
    const created = await call('POST', '/api/v1/auctions', {
      headers: api.owner.authHeader,
      body: auctionBody({ description: 'Needs <b>Thunderbolt</b><script>alert(1)</script>' }),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const auction = created.body.data;
    expect(auction).toMatchObject({
      ownerId: api.owner.user.id,
      title: 'Gaming laptop, RTX 4070 or better',
      description: 'Needs <b>Thunderbolt</b>',
      categoryId,
      specs: { gpu: 'RTX 4070', ram: '32GB', screen: 16, oled: true },
      budget: 2_000_000,
      status: 'OPEN',
      selectedBidId: null,
      bidCount: 0,
      bids: [],
    });
    const days = (Date.parse(auction.deadline) - before) / 86_400_000;
    expect(days).toBeGreaterThan(6.99);
    expect(days).toBeLessThan(7.01);
    const read = await call('GET', `/api/v1/auctions/${auction.id}`);
    expect(read.body.data).toEqual(auction);
  });

  it('lists newest first, filtered by status and category, paged', async () => {
    const otherCategory = (
      await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Phones') })
    ).id;
    const first = await openAuction(api.owner, { categoryId: otherCategory });
    const second = await openAuction(api.stranger, { categoryId: otherCategory });
    await call('DELETE', `/api/v1/auctions/${second}`, { headers: api.stranger.authHeader });
    const list = await call('GET', `/api/v1/auctions?categoryId=${otherCategory}`);
    expect(list.status).toBe(200);
    expect(list.body.data.map((row: { id: number }) => row.id)).toEqual([second, first]);
    expect(list.body.meta).toEqual({ page: 1, limit: 20, totalCount: 2, totalPages: 1 });
    const open = await call('GET', `/api/v1/auctions?categoryId=${otherCategory}&status=open`);
    expect(open.body.data.map((row: { id: number; status: string }) => [row.id, row.status])).toEqual([
      [first, 'OPEN'],
    ]);
    const cancelled = await call(
      'GET',
      `/api/v1/auctions?categoryId=${otherCategory}&status=CANCELLED&limit=1`,
    );
    expect(cancelled.body.data.map((row: { id: number }) => row.id)).toEqual([second]);
  });

  it('refuses hostile bodies, queries and ids with 4xx', async () => {
    const hostile: [Record<string, unknown>, number, string][] = [
      [auctionBody({ budget: 0 }), 400, 'VALIDATION_ERROR'],
      [auctionBody({ budget: '2000000' }), 400, 'VALIDATION_ERROR'],
      [auctionBody({ budget: 1e15 }), 400, 'VALIDATION_ERROR'],
      [auctionBody({ title: '' }), 400, 'VALIDATION_ERROR'],
      [auctionBody({ title: 'x'.repeat(201) }), 400, 'VALIDATION_ERROR'],
      [auctionBody({ title: 'bad\u0000title' }), 400, 'VALIDATION_ERROR'],
      [auctionBody({ description: '<script>only script</script>' }), 400, 'VALIDATION_ERROR'],
      [auctionBody({ specs: { nested: { deep: true } } }), 400, 'VALIDATION_ERROR'],
      [
        auctionBody({ specs: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) }),
        400,
        'VALIDATION_ERROR',
      ],
      [auctionBody({ specs: [1, 2] }), 400, 'VALIDATION_ERROR'],
      [auctionBody({ categoryId: 'abc' }), 400, 'VALIDATION_ERROR'],
      [auctionBody({ deadline: 'tomorrow' }), 400, 'VALIDATION_ERROR'],
      [auctionBody({ deadline: new Date(Date.now() - 60_000).toISOString() }), 400, 'VALIDATION_ERROR'],
      [
        auctionBody({ deadline: new Date(Date.now() + 91 * 86_400_000).toISOString() }),
        400,
        'VALIDATION_ERROR',
      ],
      [auctionBody({ ownerId: api.stranger.user.id }), 400, 'VALIDATION_ERROR'],
      [auctionBody({ categoryId: missingId }), 404, 'CATEGORY_NOT_FOUND'],
    ];
    for (const [body, status, code] of hostile) {
      const answer = await call('POST', '/api/v1/auctions', { headers: api.owner.authHeader, body });
      expect({ body, status: answer.status, code: answer.body.error?.code }).toEqual({ body, status, code });
    }
    expectError(await call('POST', '/api/v1/auctions', { body: auctionBody() }), 401, 'UNAUTHORIZED');
    for (const url of [
      '/auctions/abc',
      '/auctions/0',
      '/auctions/1.5',
      '/auctions?status=WON',
      '/auctions?categoryId=-1',
      '/auctions?limit=1000',
    ]) {
      expectError(await call('GET', `/api/v1${url}`), 400, 'VALIDATION_ERROR');
    }
    expectError(await call('GET', `/api/v1/auctions/${missingId}`), 404, 'AUCTION_NOT_FOUND');
  });
});

describe('bids (AUCT-02)', () => {
  it('a seller bids for its shop once, edits and withdraws its bid, may bid again; the owner is notified', async () => {
    const auctionId = await openAuction();
    const placed = await bid(api.sellerA, auctionId, { description: undefined });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    expect(placed.body.data).toMatchObject({
      auctionId,
      sellerId: shopA,
      price: 1_890_000,
      description: null,
      deliveryDays: 2,
      status: 'ACTIVE',
    });
    const first = placed.body.data.id as number;
    expectError(await bid(api.sellerA, auctionId, { price: 1_800_000 }), 409, 'BID_EXISTS');

    const edited = await call('PATCH', `/api/v1/auctions/${auctionId}/bids/${first}`, {
      headers: api.sellerA.authHeader,
      body: { price: 1_750_000, description: 'With a 2-year warranty', deliveryDays: 3 },
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body.data).toMatchObject({
      id: first,
      price: 1_750_000,
      description: 'With a 2-year warranty',
      deliveryDays: 3,
    });

    const withdrawn = await call('DELETE', `/api/v1/auctions/${auctionId}/bids/${first}`, {
      headers: api.sellerA.authHeader,
    });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.data).toMatchObject({ success: true });
    expectError(
      await call('DELETE', `/api/v1/auctions/${auctionId}/bids/${first}`, {
        headers: api.sellerA.authHeader,
      }),
      404,
      'BID_NOT_FOUND',
    );
    const again = await bidId(api.sellerA, auctionId, 1_700_000);
    const detail = (await call('GET', `/api/v1/auctions/${auctionId}`)).body.data;
    expect(detail.bids.map((row: { id: number }) => row.id)).toEqual([again]);
    expect(detail.bidCount).toBe(1);
    expect(await notified(api.owner, auctionId)).toEqual([
      ['AUCTION_BID_PLACED', first],
      ['AUCTION_BID_PLACED', again],
    ]);
  });

  it("a non-seller cannot bid, nor a seller without a shop, nor the owner; a seller cannot touch another seller's bid", async () => {
    const auctionId = await openAuction(api.sellerB);
    expectError(await bid(api.stranger, auctionId), 403, 'FORBIDDEN');
    expectError(await bid(api.shopless, auctionId), 403, 'FORBIDDEN');
    expectError(await bid(api.admin, auctionId), 403, 'FORBIDDEN');
    expectError(await bid(api.sellerB, auctionId), 403, 'FORBIDDEN');
    expectError(
      await call('POST', `/api/v1/auctions/${auctionId}/bids`, { body: { price: 1, deliveryDays: 1 } }),
      401,
      'UNAUTHORIZED',
    );
    const theirs = await bidId(api.sellerA, auctionId);
    const other = await openAuction();
    const onOther = await bidId(api.sellerB, other);
    expectError(
      await call('PATCH', `/api/v1/auctions/${auctionId}/bids/${theirs}`, {
        headers: api.sellerB.authHeader,
        body: { price: 1 },
      }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await call('DELETE', `/api/v1/auctions/${auctionId}/bids/${theirs}`, {
        headers: api.sellerB.authHeader,
      }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await call('DELETE', `/api/v1/auctions/${auctionId}/bids/${theirs}`, {
        headers: api.stranger.authHeader,
      }),
      403,
      'FORBIDDEN',
    );
    // a bid is addressed under its own auction only
    expectError(
      await call('PATCH', `/api/v1/auctions/${auctionId}/bids/${onOther}`, {
        headers: api.sellerB.authHeader,
        body: { price: 1 },
      }),
      404,
      'BID_NOT_FOUND',
    );
    expect(await bidStatuses(auctionId)).toEqual({ [theirs]: 'ACTIVE' });
    expect((await call('GET', `/api/v1/auctions/${auctionId}`)).body.data.bids[0]).toMatchObject({
      price: 1_890_000,
    });
  });

  it('refuses hostile bid bodies and ids with 4xx', async () => {
    const auctionId = await openAuction();
    const mine = await bidId(api.sellerA, auctionId);
    const bodies: Record<string, unknown>[] = [
      { price: 0, deliveryDays: 1 },
      { price: -1, deliveryDays: 1 },
      { price: '100', deliveryDays: 1 },
      { price: 1.5, deliveryDays: 1 },
      { price: 100, deliveryDays: 366 },
      { price: 100 },
      { price: 100, deliveryDays: 1, description: 'x'.repeat(20_000) },
      { price: 100, deliveryDays: 1, sellerId: shopB },
    ];
    for (const body of bodies) {
      const answer = await call('POST', `/api/v1/auctions/${auctionId}/bids`, {
        headers: api.sellerB.authHeader,
        body,
      });
      expect({ body, status: answer.status, code: answer.body.error?.code }).toEqual({
        body,
        status: 400,
        code: 'VALIDATION_ERROR',
      });
    }
    for (const body of [{}, { price: 0 }, { status: 'SELECTED' }, { deliveryDays: -1 }]) {
      const answer = await call('PATCH', `/api/v1/auctions/${auctionId}/bids/${mine}`, {
        headers: api.sellerA.authHeader,
        body,
      });
      expect({ body, status: answer.status, code: answer.body.error?.code }).toEqual({
        body,
        status: 400,
        code: 'VALIDATION_ERROR',
      });
    }
    expectError(await bid(api.sellerB, missingId), 404, 'AUCTION_NOT_FOUND');
    expectError(
      await call('PATCH', `/api/v1/auctions/${auctionId}/bids/abc/select`, { headers: api.owner.authHeader }),
      400,
      'VALIDATION_ERROR',
    );
    expectError(await select(api.owner, auctionId, missingId), 404, 'BID_NOT_FOUND');
    expectError(
      await call('DELETE', '/api/v1/auctions/0', { headers: api.owner.authHeader }),
      400,
      'VALIDATION_ERROR',
    );
    expect(await bidStatuses(auctionId)).toEqual({ [mine]: 'ACTIVE' });
  });
});

describe('selection, cancel and the deadline (AUCT-02)', () => {
  it('two selections racing: exactly one winner, the other refused; the auction closes once', async () => {
    for (let round = 0; round < 5; round += 1) {
      const auctionId = await openAuction();
      const a = await bidId(api.sellerA, auctionId, 1_800_000);
      const b = await bidId(api.sellerB, auctionId, 1_750_000);
      const answers = await Promise.all([select(api.owner, auctionId, a), select(api.owner, auctionId, b)]);
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses, JSON.stringify(answers.map((answer) => answer.body))).toEqual([200, 400]);
      expect(answers.find((answer) => answer.status === 400)!.body.error.code).toBe('AUCTION_CLOSED');
      const winner = answers[0]!.status === 200 ? a : b;
      const loser = winner === a ? b : a;
      const [row] = await api.deps.database.db
        .select()
        .from(reverseAuctions)
        .where(eq(reverseAuctions.id, auctionId));
      expect(row).toMatchObject({ status: 'CLOSED', winningBidId: winner });
      expect(row!.closedAt).not.toBeNull();
      expect(await bidStatuses(auctionId)).toEqual({ [winner]: 'SELECTED', [loser]: 'LOST' });
      const [winnerSeller, loserSeller] =
        winner === a ? [api.sellerA, api.sellerB] : [api.sellerB, api.sellerA];
      expect(await notified(winnerSeller, auctionId)).toEqual([['AUCTION_BID_SELECTED', winner]]);
      expect(await notified(loserSeller, auctionId)).toEqual([['AUCTION_BID_LOST', loser]]);
    }
  });

  it('a closed auction takes no bid, edit, withdrawal, second selection or cancel', async () => {
    const auctionId = await openAuction();
    const a = await bidId(api.sellerA, auctionId);
    const b = await bidId(api.sellerB, auctionId);
    expectError(await select(api.stranger, auctionId, a), 403, 'FORBIDDEN');
    expectError(
      await call('DELETE', `/api/v1/auctions/${auctionId}`, { headers: api.stranger.authHeader }),
      403,
      'FORBIDDEN',
    );
    const chosen = await select(api.owner, auctionId, a);
    expect(chosen.status).toBe(200);
    expect(chosen.body.data).toMatchObject({ success: true });
    expectError(await bid(api.sellerB, auctionId, { price: 1_000_000 }), 400, 'AUCTION_CLOSED');
    await call('DELETE', `/api/v1/auctions/${auctionId}/bids/${b}`, { headers: api.sellerB.authHeader }).then(
      (answer) => expectError(answer, 400, 'AUCTION_CLOSED'),
    );
    expectError(
      await call('PATCH', `/api/v1/auctions/${auctionId}/bids/${a}`, {
        headers: api.sellerA.authHeader,
        body: { price: 1 },
      }),
      400,
      'AUCTION_CLOSED',
    );
    expectError(await select(api.owner, auctionId, b), 400, 'AUCTION_CLOSED');
    expectError(
      await call('DELETE', `/api/v1/auctions/${auctionId}`, { headers: api.owner.authHeader }),
      400,
      'AUCTION_CLOSED',
    );
    const detail = (await call('GET', `/api/v1/auctions/${auctionId}`)).body.data;
    expect(detail).toMatchObject({ status: 'CLOSED', selectedBidId: a, bidCount: 1 });
  });

  it('the owner cancels: the bids are LOST and their sellers notified', async () => {
    const auctionId = await openAuction();
    const a = await bidId(api.sellerA, auctionId);
    const b = await bidId(api.sellerB, auctionId);
    const cancelled = await call('DELETE', `/api/v1/auctions/${auctionId}`, {
      headers: api.owner.authHeader,
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data).toMatchObject({ success: true });
    expect((await call('GET', `/api/v1/auctions/${auctionId}`)).body.data.status).toBe('CANCELLED');
    expect(await bidStatuses(auctionId)).toEqual({ [a]: 'LOST', [b]: 'LOST' });
    expect(await notified(api.sellerA, auctionId)).toEqual([['AUCTION_CANCELLED', a]]);
    expect(await notified(api.sellerB, auctionId)).toEqual([['AUCTION_CANCELLED', b]]);
    expectError(await select(api.owner, auctionId, a), 400, 'AUCTION_CLOSED');
  });

  it('past its deadline an auction takes nothing, and the sweep expires it under its lock and notifies', async () => {
    const overdue = await openAuction();
    const running = await openAuction();
    const a = await bidId(api.sellerA, overdue);
    const { db } = api.deps.database;
    await db
      .update(reverseAuctions)
      .set({ deadline: new Date(Date.now() - 1000) })
      .where(eq(reverseAuctions.id, overdue));
    expectError(await bid(api.sellerB, overdue), 400, 'AUCTION_CLOSED');
    expectError(await select(api.owner, overdue, a), 400, 'AUCTION_CLOSED');

    const sweepDeps = {
      database: api.deps.database,
      expireAuctions: () => api.deps.auctions.expireOverdue(),
      logger: api.deps.logger,
    };
    // another process holding the lock: this one skips
    const held = await api.deps.database.withSessionLock(AUCTION_SWEEP_LOCK, () =>
      runAuctionSweep(sweepDeps),
    );
    expect(held).toEqual({ acquired: true, value: { ran: false, reason: 'another process is sweeping' } });
    expect(await runAuctionSweep(sweepDeps)).toMatchObject({ ran: true, expired: 1 });
    const rows = await db
      .select({ id: reverseAuctions.id, status: reverseAuctions.status })
      .from(reverseAuctions)
      .where(inArray(reverseAuctions.id, [overdue, running]))
      .orderBy(asc(reverseAuctions.id));
    expect(rows).toEqual([
      { id: overdue, status: 'EXPIRED' },
      { id: running, status: 'OPEN' },
    ]);
    expect(await bidStatuses(overdue)).toEqual({ [a]: 'LOST' });
    expect(await notified(api.sellerA, overdue)).toEqual([['AUCTION_EXPIRED', a]]);
    expect(await notified(api.owner, overdue)).toEqual([
      ['AUCTION_BID_PLACED', a],
      ['AUCTION_EXPIRED', null],
    ]);
    expect(await runAuctionSweep(sweepDeps)).toMatchObject({ ran: true, expired: 0 });
  });
});
