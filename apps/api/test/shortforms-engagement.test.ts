// Short-forms once published (SHRT-02..04): the feed by page and by cursor, views, likes exact
// under concurrency, comments, the day / week / month ranking and a member's list. The short-forms
// are real uploads transcoded by worker-transcode's processors (real FFmpeg).
import { join } from 'node:path';
import { shortformDailyStats, shortformLikes, shortforms } from '@pbshop/db';
import type { RunningWorkers } from '@pbshop/queues';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { expectError, missingId } from './helpers/http.ts';
import type { Member } from './helpers/users.ts';
import { makeClip, startTranscodeWorker, transcodeOutcome, uploadShortform } from './shortforms-helpers.ts';

const api = setupApiTest({
  env: { FFMPEG_PRESET: 'ultrafast' },
  members: { admin: { role: 'ADMIN' }, author: {}, viewer: {} },
});

let worker: RunningWorkers;
let clip: Buffer;
/** published short-forms of `author`, oldest first */
const published: number[] = [];
let pending: number;

const db = () => api.deps.database.db;
const ids = (items: { id: number }[]) => items.map((item) => item.id);

beforeAll(async () => {
  clip = await makeClip(join(api.ctx.storageDir, 'clips', 'clip.mp4'), 1);
  worker = startTranscodeWorker(api.deps);
  for (let index = 0; index < 5; index++) {
    const uploaded = await uploadShortform(api.app, api.author.authHeader, clip, { title: `clip ${index}` });
    expect(uploaded.status).toBe(201);
    published.push(uploaded.body.data.id);
  }
  for (const id of published) {
    expect((await transcodeOutcome(api.call, id)).at(-1)?.transcodeStatus).toBe('COMPLETED');
  }
  await worker.close();
  // one left PENDING: no worker runs any more
  const waiting = await uploadShortform(api.app, api.author.authHeader, clip, { title: 'not yet' });
  pending = waiting.body.data.id;
});

afterAll(() => worker?.close());

describe('GET /shortforms (the feed)', () => {
  it('page&limit as the storefront sends them: published only, newest first, with a total and the next cursor', async () => {
    const first = await api.call('GET', '/api/v1/shortforms?page=1&limit=2', {
      headers: { 'content-type': 'application/json' },
    });
    expect(first.status).toBe(200);
    expect(ids(first.body.data)).toEqual([published[4], published[3]]);
    expect(first.body.meta).toMatchObject({ page: 1, limit: 2, totalCount: 5, totalPages: 3, hasMore: true });
    expect(first.body.meta.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const last = await api.call('GET', '/api/v1/shortforms?page=3&limit=2');
    expect(ids(last.body.data)).toEqual([published[0]]);
    expect(last.body.meta).toMatchObject({ hasMore: false, nextCursor: null });
    for (const item of first.body.data) {
      expect(item).toMatchObject({ transcodeStatus: 'COMPLETED', liked: false, userId: api.author.user.id });
      expect(item.hlsUrl).toMatch(/\/api\/v1\/shortforms\/\d+\/hls\/index\.m3u8$/);
      expect(item.thumbnailUrl).toMatch(/\/poster$/);
    }
    expect(ids((await api.call('GET', '/api/v1/shortforms?limit=100')).body.data)).not.toContain(pending);
  });

  it('cursor&limit walks the same items as the pages, without repeats or gaps, and ends with nextCursor null', async () => {
    const walked: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/v1/shortforms?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await api.call('GET', url);
      expect(response.status).toBe(200);
      walked.push(...ids(response.body.data));
      cursor = response.body.meta.nextCursor;
      expect(response.body.meta.hasMore).toBe(cursor !== null);
      pages += 1;
    } while (cursor && pages < 10);
    expect(walked).toEqual([...published].reverse());
    expect(pages).toBe(3);

    // two at the same created_at (to the microsecond): the cursor goes on by id, as the pages do
    await db()
      .update(shortforms)
      .set({ createdAt: sql`(select s.created_at from shortforms s where s.id = ${published[1]})` })
      .where(eq(shortforms.id, published[2]!));
    const tied: number[] = [];
    cursor = null;
    do {
      const response = await api.call(
        'GET',
        `/api/v1/shortforms?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      tied.push(...ids(response.body.data));
      cursor = response.body.meta.nextCursor;
    } while (cursor && tied.length < 10);
    expect(tied).toEqual([...published].reverse());
    expect(ids((await api.call('GET', '/api/v1/shortforms?page=1&limit=100')).body.data)).toEqual(tied);
  });

  it('refuses a forged cursor, and page with cursor together, with 400 VALIDATION_ERROR', async () => {
    for (const query of [
      'cursor=abc',
      'cursor=%00',
      `cursor=${Buffer.from('["x",1]').toString('base64url')}`,
      'page=1&cursor=WyIyMDI2LTAxLTAxVDAwOjAwOjAwLjAwMDAwMFoiLDFd',
      'limit=101',
      'page=0',
    ]) {
      expectError(await api.call('GET', `/api/v1/shortforms?${query}`), 400, 'VALIDATION_ERROR');
    }
  });
});

describe('GET /shortforms/:id (views)', () => {
  it('counts every read, exactly, in the row and in the day stats (30 at once)', async () => {
    const id = published[0]!;
    const before = (await api.call('GET', `/api/v1/shortforms/${id}`)).body.data.viewCount as number;
    const reads = await Promise.all(
      Array.from({ length: 30 }, () => api.call('GET', `/api/v1/shortforms/${id}`)),
    );
    expect(reads.every((read) => read.status === 200)).toBe(true);
    const after = (await api.call('GET', `/api/v1/shortforms/${id}`)).body.data.viewCount;
    expect(after).toBe(before + 31);
    const [stats] = await db()
      .select({ views: sql<number>`sum(${shortformDailyStats.views})::int` })
      .from(shortformDailyStats)
      .where(eq(shortformDailyStats.shortformId, id));
    expect(stats?.views).toBe(after);
    expectError(await api.call('GET', `/api/v1/shortforms/${missingId}`), 404, 'SHORTFORM_NOT_FOUND');
    // the author's PENDING one is readable by id (its status says where it is)
    expect((await api.call('GET', `/api/v1/shortforms/${pending}`)).body.data.transcodeStatus).toBe(
      'PENDING',
    );
  });
});

describe('POST /shortforms/:id/like', () => {
  it('20 members toggling at once: 20 likes, exactly; again at once: 0; counter, rows and day stats agree', async () => {
    const id = published[1]!;
    const members: Member[] = [];
    for (let index = 0; index < 20; index++) members.push(await api.member());
    const toggle = (member: Member) =>
      api.call('POST', `/api/v1/shortforms/${id}/like`, {
        headers: { ...member.authHeader, 'content-type': 'application/json' },
      });

    const liked = await Promise.all(members.map(toggle));
    expect(liked.map((response) => [response.status, response.body.data.liked])).toEqual(
      members.map(() => [200, true]),
    );
    expect(liked.map((response) => response.body.data.likeCount).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, index) => index + 1),
    );
    const agree = async (expected: number) => {
      const [row] = await db()
        .select({ likeCount: shortforms.likeCount })
        .from(shortforms)
        .where(eq(shortforms.id, id));
      const rows = await db().select().from(shortformLikes).where(eq(shortformLikes.shortformId, id));
      const [stats] = await db()
        .select({ likes: sql<number>`coalesce(sum(${shortformDailyStats.likes}), 0)::int` })
        .from(shortformDailyStats)
        .where(eq(shortformDailyStats.shortformId, id));
      expect({ counter: row?.likeCount, rows: rows.length, stats: stats?.likes }).toEqual({
        counter: expected,
        rows: expected,
        stats: expected,
      });
    };
    await agree(20);
    // the likers see liked: true in the feed and the detail; others false
    const detail = await api.call('GET', `/api/v1/shortforms/${id}`, { headers: members[0]!.authHeader });
    expect(detail.body.data).toMatchObject({ liked: true, likeCount: 20 });
    expect(
      (await api.call('GET', `/api/v1/shortforms/${id}`, { headers: api.viewer.authHeader })).body.data.liked,
    ).toBe(false);

    const unliked = await Promise.all(members.map(toggle));
    expect(unliked.every((response) => response.body.data.liked === false)).toBe(true);
    await agree(0);

    // one member toggling 21 times at once ends liked, once
    const burst = await Promise.all(Array.from({ length: 21 }, () => toggle(api.viewer)));
    expect(burst.filter((response) => response.body.data.liked).length).toBe(11);
    await agree(1);
    const [mine] = await db()
      .select()
      .from(shortformLikes)
      .where(and(eq(shortformLikes.shortformId, id), eq(shortformLikes.userId, api.viewer.user.id)));
    expect(mine).toBeDefined();

    expectError(await api.call('POST', `/api/v1/shortforms/${id}/like`), 401, 'UNAUTHORIZED');
    expectError(
      await api.call('POST', `/api/v1/shortforms/${missingId}/like`, { headers: api.viewer.authHeader }),
      404,
      'SHORTFORM_NOT_FOUND',
    );
  });
});

describe('comments', () => {
  it('POST adds one (the counter follows), GET pages them newest first; empty content 400; unknown short-form 404', async () => {
    const id = published[2]!;
    const written: number[] = [];
    for (const content of ['first!', '  nice case  ', 'where to buy?']) {
      const response = await api.call('POST', `/api/v1/shortforms/${id}/comments`, {
        headers: api.viewer.authHeader,
        body: { content },
      });
      expect(response.status).toBe(201);
      expect(response.body.data).toMatchObject({
        shortformId: id,
        userId: api.viewer.user.id,
        content: content.trim(),
      });
      written.push(response.body.data.id);
    }
    const first = await api.call('GET', `/api/v1/shortforms/${id}/comments?page=1&limit=2`);
    expect(ids(first.body.data)).toEqual([written[2], written[1]]);
    expect(first.body.meta).toEqual({ page: 1, limit: 2, totalCount: 3, totalPages: 2 });
    expect(
      ids((await api.call('GET', `/api/v1/shortforms/${id}/comments?page=2&limit=2`)).body.data),
    ).toEqual([written[0]]);
    expect((await api.call('GET', `/api/v1/shortforms/${id}`)).body.data.commentCount).toBe(3);

    for (const body of [{ content: '   ' }, { content: 'x'.repeat(1001) }, {}]) {
      expectError(
        await api.call('POST', `/api/v1/shortforms/${id}/comments`, { headers: api.viewer.authHeader, body }),
        400,
        'VALIDATION_ERROR',
      );
    }
    expectError(
      await api.call('POST', `/api/v1/shortforms/${missingId}/comments`, {
        headers: api.viewer.authHeader,
        body: { content: 'hi' },
      }),
      404,
      'SHORTFORM_NOT_FOUND',
    );
    expectError(
      await api.call('GET', `/api/v1/shortforms/${missingId}/comments`),
      404,
      'SHORTFORM_NOT_FOUND',
    );
    expectError(
      await api.call('POST', `/api/v1/shortforms/${id}/comments`, { body: { content: 'hi' } }),
      401,
      'UNAUTHORIZED',
    );
  });
});

describe('GET /shortforms/ranking/list', () => {
  it('day, week and month sum the Seoul-day stats: score = views + 5 × likes, published only', async () => {
    await db().delete(shortformDailyStats);
    const day = (daysAgo: number) => sql`(now() at time zone 'Asia/Seoul')::date - ${daysAgo}::int`;
    const stat = (shortformId: number, daysAgo: number, views: number, likes: number) =>
      db()
        .insert(shortformDailyStats)
        .values({ shortformId, day: day(daysAgo), views, likes });
    const [a, b, c, d] = published as [number, number, number, number];
    await stat(a, 0, 10, 0); // today: 10
    await stat(b, 0, 1, 2); // today: 11
    await stat(b, 3, 30, 0); // this week: 41
    await stat(c, 10, 100, 0); // this month only: 100
    await stat(d, 40, 1000, 0); // older than a month: never
    await stat(pending, 0, 500, 0); // not published: never

    const ranking = async (period: string, limit = 20) => {
      const response = await api.call(
        'GET',
        `/api/v1/shortforms/ranking/list?period=${period}&limit=${limit}`,
      );
      expect(response.status).toBe(200);
      return response.body.data as {
        id: number;
        rank: number;
        score: number;
        periodViews: number;
        periodLikes: number;
      }[];
    };
    expect((await ranking('day')).map(({ id, rank, score }) => [id, rank, score])).toEqual([
      [b, 1, 11],
      [a, 2, 10],
    ]);
    expect((await ranking('week')).map(({ id, score }) => [id, score])).toEqual([
      [b, 41],
      [a, 10],
    ]);
    const month = await ranking('month');
    expect(month.map(({ id, score }) => [id, score])).toEqual([
      [c, 100],
      [b, 41],
      [a, 10],
    ]);
    expect(month[1]).toMatchObject({ periodViews: 31, periodLikes: 2, transcodeStatus: 'COMPLETED' });
    expect((await ranking('month', 1)).map(({ id }) => id)).toEqual([c]);
    // the storefront's call: period=day, and the default period is day
    expect(ids((await api.call('GET', '/api/v1/shortforms/ranking/list')).body.data)).toEqual([b, a]);
    for (const query of ['period=year', 'limit=0', 'limit=101']) {
      expectError(await api.call('GET', `/api/v1/shortforms/ranking/list?${query}`), 400, 'VALIDATION_ERROR');
    }
  });
});

describe('GET /shortforms/user/:userId', () => {
  it("a member's published short-forms to everyone, all of them (PENDING too) to the member", async () => {
    const url = `/api/v1/shortforms/user/${api.author.user.id}?page=1&limit=20`;
    const publicList = await api.call('GET', url);
    expect(ids(publicList.body.data)).toEqual([...published].reverse());
    expect(publicList.body.meta).toMatchObject({ totalCount: 5 });
    const own = await api.call('GET', url, { headers: api.author.authHeader });
    expect(ids(own.body.data)).toEqual([pending, ...[...published].reverse()]);
    const paged = await api.call('GET', `/api/v1/shortforms/user/${api.author.user.id}?page=2&limit=2`);
    expect(ids(paged.body.data)).toEqual([published[2], published[1]]);
    expect((await api.call('GET', `/api/v1/shortforms/user/${api.viewer.user.id}`)).body.data).toEqual([]);
    expectError(await api.call('GET', '/api/v1/shortforms/user/abc'), 400, 'VALIDATION_ERROR');
  });
});
