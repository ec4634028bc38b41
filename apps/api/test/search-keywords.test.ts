// SRCH-03/04: popular keywords (per-minute Redis buckets over a sliding window, a periodic snapshot
// with rank changes, a real-time ranking) and each member's recent keywords and auto-save
// preference. Against real Redis, PostgreSQL and OpenSearch (an empty index of this file's own).
import { ensureProductIndex } from '@pbshop/search';
import { type PrivateRedis, startPrivateRedis } from '@pbshop/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { popularKeywords } from '../src/modules/search/search/keywords.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { caller, expectError, missingId } from './helpers/http.ts';
import { buildTestApp, createMember, type Member } from './helpers/users.ts';

const api = setupApiTest({
  // every read of the popular ranking recomputes it, so the test sees each change
  env: { SEARCH_POPULAR_REFRESH_MS: '0' },
  members: { user: {}, other: {} },
});
const { call } = api;

beforeAll(async () => {
  await ensureProductIndex(api.deps.search, api.ctx.indexPrefix);
});

const MINUTE = 60_000;

async function searchFor(q: string, headers: object = {}) {
  const result = await call('GET', `/api/v1/search?q=${encodeURIComponent(q)}`, { headers });
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  expect(result.body.meta.degraded).toBe(false);
}

describe('popular keywords (SRCH-03)', () => {
  it('counts normalised keywords and ranks them by count, with rank changes between snapshots', async () => {
    for (const q of [
      '  Galaxy   S24 ',
      'galaxy s24',
      'GALAXY S24',
      'Galaxy\tS24',
      '아이폰',
      '아이폰',
      'lg gram',
    ]) {
      await searchFor(q);
    }
    await vi.waitFor(async () => {
      const realtime = await call('GET', '/api/v1/search/popular?realtime=true');
      expect(realtime.body.data.items).toEqual([
        { rank: 1, keyword: 'galaxy s24', count: 4 },
        { rank: 2, keyword: '아이폰', count: 2 },
        { rank: 3, keyword: 'lg gram', count: 1 },
      ]);
      expect(realtime.body.meta).toMatchObject({ realtime: true, windowMinutes: 60 });
    });
    const first = await call('GET', '/api/v1/search/popular?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.data.items).toEqual([
      { rank: 1, keyword: 'galaxy s24', count: 4 },
      { rank: 2, keyword: '아이폰', count: 2 },
    ]);
    expect(first.body.meta).toEqual({ realtime: false, windowMinutes: 60, computedAt: expect.any(String) });

    for (let index = 0; index < 5; index++) await searchFor('LG gram');
    await searchFor('new keyword');
    await vi.waitFor(async () => {
      const realtime = await call('GET', '/api/v1/search/popular?realtime=true&limit=1');
      expect(realtime.body.data.items).toEqual([{ rank: 1, keyword: 'lg gram', count: 6, rankChange: 2 }]);
    });
    const second = await call('GET', '/api/v1/search/popular');
    expect(second.body.data.items).toEqual([
      { rank: 1, keyword: 'lg gram', count: 6, rankChange: 2 },
      { rank: 2, keyword: 'galaxy s24', count: 4, rankChange: -1 },
      { rank: 3, keyword: '아이폰', count: 2, rankChange: -1 },
      { rank: 4, keyword: 'new keyword', count: 1 },
    ]);
  });

  it('serves one snapshot until SEARCH_POPULAR_REFRESH_MS has passed', async () => {
    const popular = popularKeywords(api.deps.redis, `${api.deps.env.REDIS_KEY_PREFIX}:snapshot-test`, {
      windowMinutes: 60,
      refreshMs: 300_000,
    });
    const start = Date.now();
    await popular.record('alpha', start);
    await popular.record('alpha', start);
    await popular.record('beta', start);
    const first = await popular.ranking(10, start);
    expect(first.items).toEqual([
      { rank: 1, keyword: 'alpha', count: 2 },
      { rank: 2, keyword: 'beta', count: 1 },
    ]);
    for (let index = 0; index < 3; index++) await popular.record('beta', start);

    // four minutes later: the same snapshot, while the real-time ranking already moved
    expect((await popular.ranking(10, start + 4 * MINUTE)).items).toEqual(first.items);
    expect((await popular.ranking(10, start + 4 * MINUTE)).computedAt).toBe(first.computedAt);
    expect((await popular.realtime(10, start + 4 * MINUTE)).items).toEqual([
      { rank: 1, keyword: 'beta', count: 4, rankChange: 1 },
      { rank: 2, keyword: 'alpha', count: 2, rankChange: -1 },
    ]);

    // past five minutes: recomputed, with the rank changes against the snapshot before
    const later = await popular.ranking(10, start + 5 * MINUTE + 1);
    expect(later.items).toEqual([
      { rank: 1, keyword: 'beta', count: 4, rankChange: 1 },
      { rank: 2, keyword: 'alpha', count: 2, rankChange: -1 },
    ]);
    expect(later.computedAt).not.toBe(first.computedAt);
  });

  it('counts only the searches inside the sliding window', async () => {
    const popular = popularKeywords(api.deps.redis, `${api.deps.env.REDIS_KEY_PREFIX}:window-test`, {
      windowMinutes: 5,
      refreshMs: 0,
    });
    const now = Date.now();
    await popular.record('too old', now - 6 * MINUTE);
    await popular.record('at the edge', now - 4 * MINUTE);
    await popular.record('fresh', now);
    await popular.record('fresh', now);
    expect((await popular.realtime(10, now)).items).toEqual([
      { rank: 1, keyword: 'fresh', count: 2 },
      { rank: 2, keyword: 'at the edge', count: 1 },
    ]);
    // five minutes on, only the searches of the last five minutes count
    expect((await popular.realtime(10, now + 5 * MINUTE)).items).toEqual([]);
  });

  it('answers a search with the popular keywords that share a word with it', async () => {
    for (const q of ['tablet pro', 'tablet pro', 'tablet mini', 'desk lamp']) await searchFor(q);
    // the related keywords come from the stored ranking, which a read of it refreshes
    await vi.waitFor(async () => {
      const ranking = await call('GET', '/api/v1/search/popular?limit=50');
      expect(ranking.body.data.items.map((item: { keyword: string }) => item.keyword)).toContain(
        'tablet mini',
      );
    });
    const result = await call('GET', `/api/v1/search?q=${encodeURIComponent(' Tablet ')}`);
    expect(result.status).toBe(200);
    expect(result.body.meta.relatedKeywords).toEqual(['tablet pro', 'tablet mini']);
    const exact = await call('GET', '/api/v1/search?q=tablet%20pro');
    expect(exact.body.meta.relatedKeywords).toEqual(['tablet mini']);
  });

  it('refuses a limit outside 1..50 and a bad realtime flag', async () => {
    for (const query of ['limit=0', 'limit=51', 'limit=x', 'realtime=maybe']) {
      expectError(await call('GET', `/api/v1/search/popular?${query}`), 400, 'VALIDATION_ERROR');
    }
  });
});

describe('recent keywords (SRCH-04)', () => {
  const recentUrl = '/api/v1/search/recent';
  const keywordsOf = async (member: Member) =>
    ((await call('GET', recentUrl, { headers: member.authHeader })).body.data as { keyword: string }[]).map(
      (item) => item.keyword,
    );

  it('needs a signed-in member', async () => {
    expectError(await call('GET', recentUrl), 401, 'UNAUTHORIZED');
    expectError(await call('POST', recentUrl, { body: { keyword: 'x' } }), 401, 'UNAUTHORIZED');
    expectError(await call('DELETE', recentUrl), 401, 'UNAUTHORIZED');
    expectError(await call('DELETE', `${recentUrl}/${missingId}`), 401, 'UNAUTHORIZED');
    expectError(await call('GET', '/api/v1/search/preferences'), 401, 'UNAUTHORIZED');
    expectError(
      await call('PATCH', '/api/v1/search/preferences', { body: { saveRecentSearches: false } }),
      401,
      'UNAUTHORIZED',
    );
    expectError(
      await call('GET', recentUrl, { headers: { authorization: 'Bearer not-a-token' } }),
      401,
      'TOKEN_INVALID',
    );
  });

  it('saves, lists newest first without duplicates, keeps 10, deletes one and all', async () => {
    const saved = await call('POST', recentUrl, {
      headers: api.user.authHeader,
      body: { keyword: '  노트북  ' },
    });
    expect(saved.status).toBe(201);
    expect(saved.body.data).toEqual({
      id: expect.any(Number),
      keyword: '노트북',
      createdAt: expect.any(String),
    });
    await call('POST', recentUrl, { headers: api.user.authHeader, body: { keyword: 'Galaxy S24' } });
    // the same keyword again (other case and spacing) moves to the top instead of repeating
    await call('POST', recentUrl, { headers: api.user.authHeader, body: { keyword: 'galaxy   s24' } });
    await call('POST', recentUrl, { headers: api.user.authHeader, body: { keyword: '노트북' } });
    expect(await keywordsOf(api.user)).toEqual(['노트북', 'galaxy s24']);
    expect(await keywordsOf(api.other)).toEqual([]);

    for (let index = 1; index <= 12; index++) {
      await call('POST', recentUrl, { headers: api.user.authHeader, body: { keyword: `keyword ${index}` } });
    }
    const listed = (await call('GET', recentUrl, { headers: api.user.authHeader })).body.data as {
      id: number;
      keyword: string;
    }[];
    expect(listed.map((item) => item.keyword)).toEqual(
      Array.from({ length: 10 }, (_, index) => `keyword ${12 - index}`),
    );

    const removed = await call('DELETE', `${recentUrl}/${listed[1]!.id}`, { headers: api.user.authHeader });
    expect(removed.status).toBe(200);
    expect(removed.body.data.message).toEqual(expect.any(String));
    expect(await keywordsOf(api.user)).not.toContain('keyword 11');
    expectError(
      await call('DELETE', `${recentUrl}/${listed[1]!.id}`, { headers: api.user.authHeader }),
      404,
      'NOT_FOUND',
    );
    // another member cannot delete this member's entry
    expectError(
      await call('DELETE', `${recentUrl}/${listed[0]!.id}`, { headers: api.other.authHeader }),
      404,
      'NOT_FOUND',
    );

    const cleared = await call('DELETE', recentUrl, { headers: api.user.authHeader });
    expect(cleared.status).toBe(200);
    expect(await keywordsOf(api.user)).toEqual([]);
  });

  it('refuses bad bodies and ids', async () => {
    for (const body of [
      {},
      { keyword: '' },
      { keyword: '   ' },
      { keyword: 'x'.repeat(201) },
      { keyword: 'a', extra: 1 },
    ]) {
      expectError(
        await call('POST', recentUrl, { headers: api.user.authHeader, body }),
        400,
        'VALIDATION_ERROR',
      );
    }
    expectError(
      await call('DELETE', `${recentUrl}/not-an-id`, { headers: api.user.authHeader }),
      400,
      'VALIDATION_ERROR',
    );
    for (const body of [{}, { saveRecentSearches: 'no' }, { saveRecentSearches: true, other: 1 }]) {
      expectError(
        await call('PATCH', '/api/v1/search/preferences', { headers: api.user.authHeader, body }),
        400,
        'VALIDATION_ERROR',
      );
    }
  });

  it("saves a signed-in member's searches unless the preference is off", async () => {
    const preferences = await call('GET', '/api/v1/search/preferences', { headers: api.other.authHeader });
    expect(preferences.body.data).toEqual({ saveRecentSearches: true });

    await searchFor('Auto Saved', api.other.authHeader);
    // an invalid token searches anonymously: nothing is saved, the search still answers
    await searchFor('anonymous', { authorization: 'Bearer not-a-token' });
    await vi.waitFor(async () => expect(await keywordsOf(api.other)).toEqual(['Auto Saved']));

    const off = await call('PATCH', '/api/v1/search/preferences', {
      headers: api.other.authHeader,
      body: { saveRecentSearches: false },
    });
    expect(off.body.data).toEqual({ saveRecentSearches: false });
    await searchFor('not saved', api.other.authHeader);
    await call('PATCH', '/api/v1/search/preferences', {
      headers: api.other.authHeader,
      body: { saveRecentSearches: true },
    });
    await searchFor('saved again', api.other.authHeader);
    await vi.waitFor(async () => expect(await keywordsOf(api.other)).toEqual(['saved again', 'Auto Saved']));
  });
});

describe('Redis down', () => {
  let redis: PrivateRedis;
  let cut: Awaited<ReturnType<typeof buildTestApp>>;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    cut = await buildTestApp(api.ctx, { REDIS_URL: redis.url });
    await redis.stop();
  });

  afterAll(async () => {
    // the app's waiting connections (subscriber, workers) close cleanly only once Redis is back
    await redis?.start();
    await cut?.close();
    await redis?.stop();
  });

  it('still searches (counting, saving and logging are skipped); keyword routes answer 503', async () => {
    const member = await createMember(cut.deps, cut.app);
    const cutCall = caller(() => cut.app);
    const result = await cutCall('GET', '/api/v1/search?q=anything', { headers: member.authHeader });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body.meta.degraded).toBe(false);
    const click = await cutCall('POST', '/api/v1/search/click', {
      body: { keyword: 'x', productId: missingId },
    });
    expect(click.status).toBe(202);
    expectError(await cutCall('GET', '/api/v1/search/popular'), 503, 'SERVICE_UNAVAILABLE');
    expectError(
      await cutCall('GET', '/api/v1/search/recent', { headers: member.authHeader }),
      503,
      'SERVICE_UNAVAILABLE',
    );
  });
});
