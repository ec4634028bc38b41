// RANK-01..07: popular products from real signals (member views through GET /products/:id and the
// real activity-log worker, paid orders, reviews, wishlist adds), per period and per category
// subtree, with rank changes across two recalculations; keyword rankings from searches; price
// drops from the price history; the hourly job scheduler on activity-log; refusals.
import { waitFor } from '@pbshop/testing';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  RANKINGS_JOB_TYPE,
  RANKINGS_PATTERN,
  RANKINGS_SCHEDULER_ID,
  scheduleRankings,
} from '../src/jobs/rankings-schedule.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { createSeller } from './helpers/catalog.ts';
import { category, paidOrder, productsIn, withActivityWorker } from './helpers/discovery.ts';
import { expectError, missingId } from './helpers/http.ts';
import { addOffer } from './helpers/orders.ts';
import type { Member } from './helpers/users.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, ann: {}, bob: {}, cho: {} } });
const { call } = api;
const db = () => api.deps.database.db;
withActivityWorker(api);

async function loggedViews(productIds: number[]) {
  const [row] = await db().execute<{ views: number }>(sql`
    select count(*)::int as views from activity_logs
    where type = 'product_view' and (payload->>'productId')::bigint = any(${`{${productIds.join(',')}}`}::bigint[])`);
  return row!.views;
}

/** Views of each product by each member through the product detail; waits until the worker stored them. */
async function view(viewers: Member[], productIds: number[]) {
  const before = await loggedViews(productIds);
  for (const viewer of viewers) {
    for (const productId of productIds) {
      const detail = await call('GET', `/api/v1/products/${productId}`, { headers: viewer.authHeader });
      expect(detail.status).toBe(200);
    }
  }
  const expected = before + viewers.length * productIds.length;
  await waitFor('the views in the activity log', async () => (await loggedViews(productIds)) === expected);
}

async function recalculate() {
  const result = await call('POST', '/api/v1/rankings/admin/recalculate', { headers: api.admin.authHeader });
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  expect(result.body.data.updatedCount).toBeGreaterThan(0);
  return result.body.data.updatedCount as number;
}

async function ranking(query: string) {
  const result = await call('GET', `/api/v1/rankings/products/popular?${query}`);
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  return result.body.data as {
    rank: number;
    rankChange: number | null;
    productId: number;
    score: number;
    popularityScore: number;
    name: string;
    product: { id: number; name: string };
    signals: Record<string, number>;
  }[];
}

describe('popular products (RANK-01..02)', () => {
  it('follow views, sales and wishlist adds, with rank changes across two recalculations and the category subtree', async () => {
    const parent = await category(api, api.admin.authHeader);
    const child = await category(api, api.admin.authHeader, parent);
    const [first, second] = await productsIn(api, api.admin.authHeader, child, 2);
    const [third] = await productsIn(api, api.admin.authHeader, parent, 1);

    // round one: first viewed by two members, second by one
    await view([api.ann, api.bob], [first!]);
    await view([api.ann], [second!]);
    // cached before the recalculation: the recalculation must refresh it
    expect(await ranking(`categoryId=${parent}`)).toEqual([]);
    await recalculate();
    const one = await ranking(`categoryId=${parent}&period=daily`);
    expect(one.map((row) => [row.rank, row.productId, row.score, row.rankChange])).toEqual([
      [1, first, 2, null],
      [2, second, 1, null],
    ]);
    expect(one[0]).toMatchObject({
      popularityScore: 2,
      product: { id: first, name: one[0]!.name },
      signals: { views: 2, sales: 0, reviews: 0, wishlists: 0 },
    });

    // round two: second sells one unit (5), third is wishlisted (2): second overtakes first
    await paidOrder(api, api.cho.user.id, [second!]);
    const wished = await call('POST', `/api/v1/wishlist/${third}`, { headers: api.cho.authHeader });
    expect(wished.status).toBe(200);
    await recalculate();
    const two = await ranking(`categoryId=${parent}`);
    expect(two.map((row) => [row.rank, row.productId, row.score, row.rankChange])).toEqual([
      [1, second, 6, 1],
      [2, first, 2, -1],
      [3, third, 2, null],
    ]);
    // the child category holds its own products only; the whole catalogue holds all three
    expect((await ranking(`categoryId=${child}`)).map((row) => row.productId)).toEqual([second, first]);
    const everywhere = (await ranking('limit=100')).map((row) => row.productId);
    expect(everywhere).toEqual(expect.arrayContaining([first, second, third]));

    // a third recalculation with nothing new: same order, no change
    await recalculate();
    expect((await ranking(`categoryId=${parent}`)).map((row) => row.rankChange)).toEqual([0, 0, 0]);
  });

  it('counts a sale in the periods that hold it, and not a cancelled order', async () => {
    const scope = await category(api, api.admin.authHeader);
    const [older, cancelled] = await productsIn(api, api.admin.authHeader, scope, 2);
    const threeDaysAgo = new Date(Date.now() - 3 * 24 * 60 * 60 * 1000);
    await paidOrder(api, api.ann.user.id, [older!], { quantity: 2, paidAt: threeDaysAgo });
    await paidOrder(api, api.ann.user.id, [cancelled!], { status: 'CANCELLED' });
    await recalculate();
    expect(await ranking(`categoryId=${scope}&period=daily`)).toEqual([]);
    const weekly = await ranking(`categoryId=${scope}&period=weekly`);
    expect(weekly.map((row) => [row.productId, row.score, row.signals.sales])).toEqual([[older, 10, 2]]);
    expect((await ranking(`categoryId=${scope}&period=monthly`)).map((row) => row.productId)).toEqual([
      older,
    ]);
  });

  it('refuses bad queries with 400 and an unknown category with 404, writing nothing', async () => {
    for (const query of [
      'period=yearly',
      'limit=0',
      'limit=101',
      'categoryId=abc',
      'categoryId=-1',
      'limit=1e9',
    ]) {
      expectError(await call('GET', `/api/v1/rankings/products/popular?${query}`), 400, 'VALIDATION_ERROR');
    }
    expectError(
      await call('GET', `/api/v1/rankings/products/popular?categoryId=${missingId}`),
      404,
      'CATEGORY_NOT_FOUND',
    );
    expectError(
      await call('GET', `/api/v1/rankings/price-drops?categoryId=${missingId}`),
      404,
      'CATEGORY_NOT_FOUND',
    );
    const [before] = await db().execute<{ n: number }>(sql`select count(*)::int as n from product_rankings`);
    expectError(await call('POST', '/api/v1/rankings/admin/recalculate'), 401, 'UNAUTHORIZED');
    expectError(
      await call('POST', '/api/v1/rankings/admin/recalculate', { headers: api.ann.authHeader }),
      403,
      'FORBIDDEN',
    );
    const [after] = await db().execute<{ n: number }>(sql`select count(*)::int as n from product_rankings`);
    expect(after!.n).toBe(before!.n);
  });
});

describe('keyword rankings (RANK-04)', () => {
  it('rank searches by count, with the rank change at both paths', async () => {
    const tag = Math.random().toString(36).slice(2, 8);
    const often = `laptop-${tag}`;
    const later = `Mouse-${tag}`;
    const search = async (who: Member, keyword: string) => {
      const queued = await call('POST', '/api/v1/activities/searches', {
        headers: who.authHeader,
        body: { keyword },
      });
      expect(queued.status).toBe(200);
      expect(queued.body.data).toMatchObject({ queued: true, event: 'search', keyword });
    };
    const counted = async (expected: number) =>
      waitFor('the searches in the activity log', async () => {
        const [row] = await db().execute<{ n: number }>(
          sql`select count(*)::int as n from activity_logs where type = 'search' and payload->>'keyword' like ${`%-${tag}`}`,
        );
        return row!.n === expected;
      });
    await search(api.ann, often);
    await search(api.bob, often);
    await search(api.ann, later);
    await counted(3);
    await recalculate();
    type Keyword = {
      rank: number;
      keyword: string;
      searchCount: number;
      count: number;
      rankChange: number | null;
    };
    const mine = (rows: Keyword[]) => rows.filter((row) => row.keyword.endsWith(tag));
    const one = mine((await call('GET', '/api/v1/rankings/searches?limit=100')).body.data);
    expect(one.map((row) => [row.keyword, row.searchCount, row.count, row.rankChange])).toEqual([
      [often, 2, 2, null],
      [later.toLowerCase(), 1, 1, null],
    ]);
    for (const who of [api.ann, api.bob, api.cho]) await search(who, later);
    await counted(6);
    await recalculate();
    const two = mine((await call('GET', '/api/v1/rankings/keywords/popular?limit=100')).body.data);
    expect(two.map((row) => [row.keyword, row.count])).toEqual([
      [later.toLowerCase(), 4],
      [often, 2],
    ]);
    const [up, down] = two as { rankChange: number }[];
    expect(up!.rankChange).toBeGreaterThan(0);
    expect(down!.rankChange).toBeLessThan(0);
    expect(up!.rankChange + down!.rankChange).toBe(0);
  });
});

describe('price drops (RANK-03)', () => {
  it('rank the drop of the lowest price against the lowest price when the period began', async () => {
    const scope = await category(api, api.admin.authHeader);
    const [dropped, steady] = await productsIn(api, api.admin.authHeader, scope, 2);
    const shop = (await createSeller(api.app, api.admin.authHeader)).id;
    const cheaper = (await createSeller(api.app, api.admin.authHeader)).id;
    await addOffer(api.app, api.admin.authHeader, dropped!, { price: 20_000, stock: 5, sellerId: shop });
    await addOffer(api.app, api.admin.authHeader, steady!, { price: 9_000, stock: 5, sellerId: shop });
    // both first priced two days ago: before the daily period, inside the weekly one
    await db().execute(sql`update price_history set recorded_at = now() - interval '2 days'
      where product_id in (${dropped}, ${steady})`);
    await addOffer(api.app, api.admin.authHeader, dropped!, { price: 15_000, stock: 5, sellerId: cheaper });
    await addOffer(api.app, api.admin.authHeader, steady!, { price: 9_500, stock: 5, sellerId: cheaper });
    const daily = await call('GET', `/api/v1/rankings/price-drops?categoryId=${scope}&period=daily`);
    expect(daily.status).toBe(200);
    expect(daily.body.data).toEqual([
      expect.objectContaining({
        rank: 1,
        productId: dropped,
        referencePrice: 20_000,
        lowestPrice: 15_000,
        dropAmount: 5_000,
        dropRate: 0.25,
      }),
    ]);
  });
});

describe('the hourly job', () => {
  it('is a job scheduler on activity-log whose job recalculates', async () => {
    const queue = api.deps.producers.queues['activity-log'];
    await scheduleRankings(queue, api.deps.logger);
    expect(await queue.getJobScheduler(RANKINGS_SCHEDULER_ID)).toMatchObject({ pattern: RANKINGS_PATTERN });
    await db().execute(sql`delete from product_rankings`);
    await api.deps.producers.enqueue('activity-log', {
      requestId: 'rankings-test',
      type: RANKINGS_JOB_TYPE,
      occurredAt: new Date().toISOString(),
    });
    await waitFor('rankings written by the job', async () => {
      const [row] = await db().execute<{ n: number }>(sql`select count(*)::int as n from product_rankings`);
      return row!.n > 0;
    });
    await queue.removeJobScheduler(RANKINGS_SCHEDULER_ID);
  });
});
