// REC-01..06: personalized recommendations from views (co-viewed), wishlist, cart and orders
// (same category), never a bought product, with a cold-start answer; today's picks with the
// admin's slots first inside their window; related products; repurchase reminders from repeat
// purchases; admin slot CRUD, audited; refusals. Real PostgreSQL and Redis (BullMQ worker).
import { waitFor } from '@pbshop/testing';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { category, paidOrder, productsIn, withActivityWorker } from './helpers/discovery.ts';
import { expectError, missingId } from './helpers/http.ts';
import type { Member } from './helpers/users.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, ann: {}, bob: {}, peer1: {}, peer2: {} } });
const { call } = api;
const db = () => api.deps.database.db;
withActivityWorker(api);

type Item = {
  rank: number;
  productId: number;
  id: number;
  name: string;
  reason: string;
  averageRating: number;
};

let xs: number[] = [];
let ys: number[] = [];

async function viewAll(who: Member, productIds: number[]) {
  for (const productId of productIds) {
    const tracked = await call('POST', `/api/v1/activities/recent-products/${productId}`, {
      headers: who.authHeader,
    });
    expect(tracked.status).toBe(200);
  }
  // (a worker whose fetch of the next job failed tries again after BullMQ's runRetryDelay, 15 s)
  await waitFor(
    'the views in the history',
    async () => {
      const [row] = await db().execute<{ n: number }>(
        sql`select count(*)::int as n from recent_views where user_id = ${who.user.id}`,
      );
      return row!.n === productIds.length;
    },
    45_000,
  );
}

const personalized = async (who: Member, limit = 20) => {
  const result = await call('GET', `/api/v1/recommendations/personalized?limit=${limit}`, {
    headers: who.authHeader,
  });
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  return result.body.data as Item[];
};

beforeAll(async () => {
  xs = await productsIn(api, api.admin.authHeader, await category(api, api.admin.authHeader), 5);
  ys = await productsIn(api, api.admin.authHeader, await category(api, api.admin.authHeader), 4);
  await viewAll(api.peer1, [xs[0]!, xs[1]!, ys[0]!]);
  await viewAll(api.peer2, [xs[0]!, xs[2]!]);
});

describe('personalized (REC-02..03)', () => {
  it('co-viewed first, then the seeds’ categories; never a bought product; different members differ', async () => {
    await viewAll(api.ann, [xs[0]!]);
    await paidOrder(api, api.ann.user.id, [xs[3]!]);
    const wished = await call('POST', `/api/v1/wishlist/${ys[1]}`, { headers: api.bob.authHeader });
    expect(wished.status).toBe(200);

    const anns = await personalized(api.ann);
    const annIds = anns.map((item) => item.productId);
    // what the two peers viewed besides x0, then x's other product; then the catalogue
    expect(new Set(anns.filter((item) => item.reason === 'CO_VIEWED').map((item) => item.productId))).toEqual(
      new Set([xs[1], xs[2], ys[0]]),
    );
    expect(anns.slice(0, 3).every((item) => item.reason === 'CO_VIEWED')).toBe(true);
    expect(anns[3]).toMatchObject({ productId: xs[4], reason: 'SAME_CATEGORY' });
    expect(annIds).not.toContain(xs[3]); // bought
    expect(annIds).not.toContain(xs[0]); // viewed already
    expect(anns.map((item) => item.rank)).toEqual(anns.map((_, index) => index + 1));

    const bobs = await personalized(api.bob);
    expect(bobs.slice(0, 3).map((item) => item.reason)).toEqual([
      'SAME_CATEGORY',
      'SAME_CATEGORY',
      'SAME_CATEGORY',
    ]);
    expect(new Set(bobs.slice(0, 3).map((item) => item.productId))).toEqual(new Set([ys[0], ys[2], ys[3]]));
    expect(bobs.map((item) => item.productId)).not.toContain(ys[1]);
    expect(bobs.slice(0, 4).map((item) => item.productId)).not.toEqual(annIds.slice(0, 4));

    // the storefront's path: the method that answered and the items
    const personal = await call('GET', '/api/v1/recommendations/personal?limit=5', {
      headers: api.ann.authHeader,
    });
    expect(personal.status).toBe(200);
    expect(personal.body.data.source).toBe('personalized');
    expect(personal.body.data.items.map((item: Item) => item.productId)).toEqual(annIds.slice(0, 5));
  });

  it('answers a member with no history from the popular products, and never with what they bought', async () => {
    const fresh = await api.member();
    const cold = await call('GET', '/api/v1/recommendations/personal?limit=10', {
      headers: fresh.authHeader,
    });
    expect(cold.status).toBe(200);
    expect(cold.body.data.source).toBe('popular');
    expect(cold.body.data.items.length).toBeGreaterThan(0);

    // a purchase is history: the same category first, the product itself never
    const buyer = await api.member();
    await paidOrder(api, buyer.user.id, [ys[0]!]);
    const recalculated = await call('POST', '/api/v1/rankings/admin/recalculate', {
      headers: api.admin.authHeader,
    });
    expect(recalculated.status).toBe(200);
    const items = await personalized(buyer, 100);
    expect(items.map((item) => item.productId)).not.toContain(ys[0]);
    expect(items[0]!.reason).toBe('SAME_CATEGORY');
  });
});

describe("today's picks and slots (REC-01, REC-05)", () => {
  it('show live slots by position first, then the computed picks; slot writes are audited and refresh the cache', async () => {
    const today = async () => {
      const result = await call('GET', '/api/v1/recommendations/today?limit=10');
      expect(result.status).toBe(200);
      return result.body.data as Item[];
    };
    const before = await today();
    expect(before.every((item) => item.reason !== 'SLOT')).toBe(true);
    const slot = async (body: Record<string, unknown>) => {
      const created = await call('POST', '/api/v1/admin/recommendations', {
        headers: api.admin.authHeader,
        body,
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      return created.body.data as { id: number; productId: number; isLive: boolean; placement: string };
    };
    const hour = 60 * 60 * 1000;
    const second = await slot({ productId: xs[4], position: 2, reason: 'editor' });
    const first = await slot({
      productId: ys[3],
      position: 1,
      startsAt: new Date(Date.now() - hour).toISOString(),
      endsAt: new Date(Date.now() + hour).toISOString(),
    });
    const later = await slot({
      productId: ys[2],
      position: 0,
      startsAt: new Date(Date.now() + 24 * hour).toISOString(),
    });
    expect([first.isLive, second.isLive, later.isLive]).toEqual([true, true, false]);
    expect(first.placement).toBe('TODAY');

    const picks = await today();
    expect(picks.slice(0, 2).map((item) => [item.productId, item.reason])).toEqual([
      [ys[3], 'SLOT'],
      [xs[4], 'SLOT'],
    ]);
    // the slot not open yet is no slot (the product may still come as a computed pick)
    expect(picks.filter((item) => item.reason === 'SLOT').map((item) => item.productId)).toEqual([
      ys[3],
      xs[4],
    ]);
    expect(picks.length).toBeGreaterThan(2);
    expect(picks.slice(2).every((item) => item.reason === 'RANKING' || item.reason === 'POPULAR')).toBe(true);

    const listed = await call('GET', '/api/v1/admin/recommendations', { headers: api.admin.authHeader });
    expect(listed.body.data.map((row: { id: number }) => row.id)).toEqual(
      expect.arrayContaining([first.id, second.id, later.id]),
    );
    const removed = await call('DELETE', `/api/v1/admin/recommendations/${first.id}`, {
      headers: api.admin.authHeader,
    });
    expect(removed.status).toBe(200);
    expect((await today())[0]).toMatchObject({ productId: xs[4], reason: 'SLOT' });
    const audited = await db().execute<{ action: string }>(
      sql`select action from admin_audit_log where action like 'recommendation.%' order by id`,
    );
    expect(audited.map((row) => row.action)).toEqual([
      'recommendation.set',
      'recommendation.set',
      'recommendation.set',
      'recommendation.delete',
    ]);

    const trending = await call('GET', '/api/v1/recommendations/trending?limit=5');
    expect(trending.status).toBe(200);
    expect(trending.body.data.source).toBe('ranking');
    expect(trending.body.data.items.length).toBeGreaterThan(0);
  });

  it('refuses bad slots and non-admins, writing nothing', async () => {
    const [before] = await db().execute<{ n: number }>(
      sql`select count(*)::int as n from recommendation_slots`,
    );
    const now = Date.now();
    for (const body of [
      {},
      { productId: 'abc' },
      { productId: xs[0], position: -1 },
      { productId: xs[0], placement: 'has space' },
      { productId: xs[0], startsAt: new Date(now).toISOString(), endsAt: new Date(now - 1000).toISOString() },
      { productId: xs[0], startsAt: 'tomorrow' },
    ]) {
      expectError(
        await call('POST', '/api/v1/admin/recommendations', { headers: api.admin.authHeader, body }),
        400,
        'VALIDATION_ERROR',
      );
    }
    expectError(
      await call('POST', '/api/v1/admin/recommendations', {
        headers: api.admin.authHeader,
        body: { productId: missingId },
      }),
      404,
      'PRODUCT_NOT_FOUND',
    );
    expectError(
      await call('POST', '/api/v1/admin/recommendations', {
        headers: api.ann.authHeader,
        body: { productId: xs[0] },
      }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await call('DELETE', `/api/v1/admin/recommendations/${missingId}`, { headers: api.admin.authHeader }),
      404,
      'RECOMMENDATION_NOT_FOUND',
    );
    expectError(await call('GET', '/api/v1/recommendations/personalized'), 401, 'UNAUTHORIZED');
    expectError(await call('GET', '/api/v1/recommendations/today?limit=0'), 400, 'VALIDATION_ERROR');
    expectError(await call('GET', `/api/v1/products/${missingId}/related`), 404, 'PRODUCT_NOT_FOUND');
    const [after] = await db().execute<{ n: number }>(
      sql`select count(*)::int as n from recommendation_slots`,
    );
    expect(after!.n).toBe(before!.n);
  });
});

describe('related products (REC-04)', () => {
  it('lists what the viewers of a product viewed, then its category', async () => {
    const result = await call('GET', `/api/v1/products/${xs[0]}/related?limit=10`);
    expect(result.status).toBe(200);
    const items = result.body.data as Item[];
    const coViewed = items.filter((item) => item.reason === 'CO_VIEWED').map((item) => item.productId);
    expect(coViewed.slice(0, 3)).toEqual(expect.arrayContaining([xs[1], xs[2], ys[0]]));
    expect(items.map((item) => item.productId)).not.toContain(xs[0]);
    expect(items.map((item) => item.productId)).toEqual(expect.arrayContaining([xs[3], xs[4]]));
  });
});

describe('repurchase reminders (REC-06)', () => {
  it('remind of a product once its typical repurchase interval has passed', async () => {
    const day = 24 * 60 * 60 * 1000;
    const ago = (days: number) => new Date(Date.now() - days * day);
    const [consumable, durable] = await productsIn(
      api,
      api.admin.authHeader,
      await category(api, api.admin.authHeader),
      2,
    );
    const regular = await api.member();
    const once = await api.member();
    const recent = await api.member();
    // regular buys the consumable every 10 days: the typical interval is 10 days
    await paidOrder(api, regular.user.id, [consumable!], { paidAt: ago(30) });
    await paidOrder(api, regular.user.id, [consumable!], { paidAt: ago(20) });
    await paidOrder(api, regular.user.id, [consumable!, durable!], { paidAt: ago(11) });
    await paidOrder(api, once.user.id, [consumable!, durable!], { paidAt: ago(15) });
    await paidOrder(api, recent.user.id, [consumable!], { paidAt: ago(2) });
    const reminders = async (who: Member) => {
      const result = await call('GET', '/api/v1/recommendations/repurchase', { headers: who.authHeader });
      expect(result.status).toBe(200);
      return result.body.data as (Item & { typicalIntervalDays: number; lastPurchasedAt: string })[];
    };
    const regulars = await reminders(regular);
    expect(regulars.map((item) => [item.productId, item.reason])).toEqual([[consumable, 'REPURCHASE']]);
    expect(regulars[0]!.typicalIntervalDays).toBeCloseTo(9.5, 0);
    // a member who bought it once learns from the others; a durable nobody rebuys is never due
    expect((await reminders(once)).map((item) => item.productId)).toEqual([consumable]);
    expect(await reminders(recent)).toEqual([]);
  });
});
