// ACT-01..05: recently viewed products and search history written by the real activity-log worker
// (a member's GET /products/:id, the explicit POSTs, searches), 50 kept per member newest first, a
// repeat moving the entry up; delete-all and delete-one at the contract's and the storefront's
// paths; the summary; refusals that write nothing. Real PostgreSQL and Redis (BullMQ).
import { waitFor } from '@pbshop/testing';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { recordInHistory } from '../src/modules/discovery/activity/service.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { category, productsIn, withActivityWorker } from './helpers/discovery.ts';
import { expectError, missingId } from './helpers/http.ts';
import type { Member } from './helpers/users.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, ann: {}, bob: {} } });
const { call } = api;
const db = () => api.deps.database.db;
withActivityWorker(api);

type Page<T> = { body: { data: T[]; meta: { totalCount: number } } };
type Viewed = { id: number; product: { id: number; name: string }; viewedAt: string };
type Searched = { id: number; keyword: string; createdAt: string };

const recent = async (who: Member, query = 'limit=100') =>
  (await call('GET', `/api/v1/activities/recent-products?${query}`, {
    headers: who.authHeader,
  })) as Page<Viewed>;
const searches = async (who: Member) =>
  (await call('GET', '/api/v1/activity/searches?limit=100', { headers: who.authHeader })) as Page<Searched>;

/** Logged activity entries of a member: what the worker has stored so far. */
async function logged(who: Member, type: string) {
  const [row] = await db().execute<{ n: number }>(
    sql`select count(*)::int as n from activity_logs where user_id = ${who.user.id} and type = ${type}`,
  );
  return row!.n;
}

async function track(who: Member, productId: number) {
  const result = await call('POST', `/api/v1/activities/recent-products/${productId}`, {
    headers: who.authHeader,
  });
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  expect(result.body.data).toEqual({ queued: true, event: 'product_view', userId: who.user.id, productId });
}

describe('recently viewed products (ACT-01..02)', () => {
  it('keeps the newest 50, moves a re-viewed product up, and records a member’s product detail views', async () => {
    const scope = await category(api, api.admin.authHeader);
    const ids = await productsIn(api, api.admin.authHeader, scope, 52);
    for (const id of ids) await track(api.ann, id);
    await waitFor('52 views stored', async () => (await logged(api.ann, 'product_view')) === 52);
    const capped = await recent(api.ann);
    expect(capped.body.meta.totalCount).toBe(50);
    // newest first; the first two viewed were trimmed
    expect(capped.body.data.map((row) => row.product.id)).toEqual(ids.slice(2).reverse());

    // a re-view through the product detail (a member's GET) moves the product to the top
    const again = ids[10]!;
    expect((await call('GET', `/api/v1/products/${again}`, { headers: api.ann.authHeader })).status).toBe(
      200,
    );
    await waitFor('the detail view stored', async () => (await logged(api.ann, 'product_view')) === 53);
    const moved = await recent(api.ann);
    expect(moved.body.meta.totalCount).toBe(50);
    expect(moved.body.data[0]!.product.id).toBe(again);
    expect(moved.body.data.filter((row) => row.product.id === again)).toHaveLength(1);
    // the contract's path, paged
    const paged = await call('GET', '/api/v1/activity/views?page=2&limit=20', {
      headers: api.ann.authHeader,
    });
    expect(paged.status).toBe(200);
    expect(paged.body.data.map((row: Viewed) => row.product.id)).toEqual(
      moved.body.data.slice(20, 40).map((row) => row.product.id),
    );

    // a guest's detail view is no member's history and no logged view
    const before = await db().execute(
      sql`select count(*)::int as n from activity_logs where type = 'product_view'`,
    );
    expect((await call('GET', `/api/v1/products/${ids[0]}`)).status).toBe(200);
    const after = await db().execute(
      sql`select count(*)::int as n from activity_logs where type = 'product_view'`,
    );
    expect(after).toEqual(before);

    // bob's history is his own
    expect((await recent(api.bob)).body.data).toEqual([]);

    // delete one, then all
    const removed = await call('DELETE', `/api/v1/activities/recent-products/${again}`, {
      headers: api.ann.authHeader,
    });
    expect(removed.status).toBe(200);
    expect(removed.body.data).toMatchObject({ deleted: true, id: again });
    expect((await recent(api.ann)).body.meta.totalCount).toBe(49);
    expectError(
      await call('DELETE', `/api/v1/activity/views/${again}`, { headers: api.ann.authHeader }),
      404,
      'PRODUCT_NOT_FOUND',
    );
    const cleared = await call('DELETE', '/api/v1/activity/views', { headers: api.ann.authHeader });
    expect(cleared.status).toBe(200);
    expect(cleared.body.data).toMatchObject({ deleted: true, affected: 49 });
    expect((await recent(api.ann)).body.meta.totalCount).toBe(0);
  });
});

describe('search history (ACT-03..05)', () => {
  it('keeps one entry per keyword (case-folded), newest first; deletes one of mine and all', async () => {
    const who = await api.member();
    for (const keyword of ['Laptop', 'mouse', 'LAPTOP']) {
      const queued = await call('POST', '/api/v1/activities/searches', {
        headers: who.authHeader,
        body: { keyword },
      });
      expect(queued.status).toBe(200);
      expect(queued.body.data).toEqual({ queued: true, event: 'search', userId: who.user.id, keyword });
    }
    // a search through the search API is history too
    expect((await call('GET', '/api/v1/search?q=keyboard', { headers: who.authHeader })).status).toBe(200);
    await waitFor('four searches stored', async () => (await logged(who, 'search')) === 4);
    const listed = await searches(who);
    expect(listed.body.data.map((row) => row.keyword)).toEqual(['keyboard', 'LAPTOP', 'mouse']);
    const storefront = await call('GET', '/api/v1/activities/searches?page=1&limit=30', {
      headers: who.authHeader,
    });
    expect(storefront.body.data).toEqual(listed.body.data);

    const mouse = listed.body.data.find((row) => row.keyword === 'mouse')!;
    // another member's entry is not found for me, and stays
    expectError(
      await call('DELETE', `/api/v1/activities/searches/${mouse.id}`, { headers: api.bob.authHeader }),
      404,
      'SEARCH_HISTORY_NOT_FOUND',
    );
    const removed = await call('DELETE', `/api/v1/activities/searches/${mouse.id}`, {
      headers: who.authHeader,
    });
    expect(removed.status).toBe(200);
    expect(removed.body.data).toMatchObject({ deleted: true, id: mouse.id });
    expectError(
      await call('DELETE', `/api/v1/activity/searches/${mouse.id}`, { headers: who.authHeader }),
      404,
      'SEARCH_HISTORY_NOT_FOUND',
    );

    const summary = await call('GET', '/api/v1/activities', { headers: who.authHeader });
    expect(summary.status).toBe(200);
    expect(summary.body.data.recentSearches.map((row: Searched) => row.keyword)).toEqual([
      'keyboard',
      'LAPTOP',
    ]);
    expect(summary.body.data.orderSummary).toEqual({ totalOrderCount: 0 });

    const cleared = await call('DELETE', '/api/v1/activities/searches', { headers: who.authHeader });
    expect(cleared.body.data).toMatchObject({ deleted: true, affected: 2 });
    expect((await searches(who)).body.data).toEqual([]);
  });

  it('keeps the spelling of the newest search when entries are recorded out of order', async () => {
    const who = await api.member();
    const search = (keyword: string, occurredAt: Date) =>
      api.deps.database.db.transaction((tx) =>
        recordInHistory(tx, { type: 'search', userId: who.user.id, data: { keyword }, occurredAt }),
      );
    const now = Date.now();
    await search('TABLET', new Date(now));
    // an older search of the same keyword, recorded later (a retried job)
    await search('tablet', new Date(now - 60_000));
    expect((await searches(who)).body.data.map((row) => row.keyword)).toEqual(['TABLET']);
  });

  it('keeps the newest 50 keywords', async () => {
    const who = await api.member();
    for (let index = 0; index < 51; index += 1) {
      await call('POST', '/api/v1/activities/searches', {
        headers: who.authHeader,
        body: { keyword: `kw-${index}` },
      });
    }
    await waitFor('51 searches stored', async () => (await logged(who, 'search')) === 51);
    const listed = await searches(who);
    expect(listed.body.meta.totalCount).toBe(50);
    expect(listed.body.data[0]!.keyword).toBe('kw-50');
    expect(listed.body.data.map((row) => row.keyword)).not.toContain('kw-0');
  });
});

describe('refusals', () => {
  it('answers bad input with 4xx and writes nothing', async () => {
    const who = await api.member();
    const bodies: unknown[] = [
      {},
      { keyword: '' },
      { keyword: '   ' },
      { keyword: 'x'.repeat(101) },
      { keyword: 7 },
    ];
    for (const body of bodies) {
      expectError(
        await call('POST', '/api/v1/activities/searches', { headers: who.authHeader, body }),
        400,
        'VALIDATION_ERROR',
      );
    }
    for (const id of ['abc', '0', '-1', '1.5', '99999999999999999999']) {
      expectError(
        await call('POST', `/api/v1/activities/recent-products/${id}`, { headers: who.authHeader }),
        400,
        'VALIDATION_ERROR',
      );
      expectError(
        await call('DELETE', `/api/v1/activities/searches/${id}`, { headers: who.authHeader }),
        400,
        'VALIDATION_ERROR',
      );
    }
    expectError(
      await call('POST', `/api/v1/activities/recent-products/${missingId}`, { headers: who.authHeader }),
      404,
      'PRODUCT_NOT_FOUND',
    );
    for (const [method, url] of [
      ['GET', '/api/v1/activities'],
      ['GET', '/api/v1/activity/views'],
      ['DELETE', '/api/v1/activities/searches'],
      ['POST', '/api/v1/activities/recent-products/1'],
    ] as const) {
      expectError(await call(method, url), 401, 'UNAUTHORIZED');
    }
    expectError(
      await call('GET', '/api/v1/activity/views?limit=101', { headers: who.authHeader }),
      400,
      'VALIDATION_ERROR',
    );
    expect(await logged(who, 'search')).toBe(0);
    expect(await logged(who, 'product_view')).toBe(0);
  });
});
