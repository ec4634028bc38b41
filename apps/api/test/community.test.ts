// Community boards and posts (COMM-01..06) on the real stack: boards and their admin CRUD, the post
// list's search (Korean and English substrings), sorts and paging, post detail with its batched
// view count and image attachments (only one's own uploads), author-only edits and deletes, admin
// moderation with its audit trail, like toggles exact under 50 concurrent members, XSS payloads
// made harmless on write, bad input writing nothing, and the per-member write limit.
import { adminAuditLog, postAttachments, postLikes, posts } from '@pbshop/db';
import * as schema from '@pbshop/db/schema';
import { waitFor } from '@pbshop/testing';
import { and, count, eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOARD_SEARCH_WINDOW_SECONDS } from '../src/catalog-cache/cache.ts';
import { postListQuery } from '../src/modules/community/posts/schemas.ts';
import { postsService } from '../src/modules/community/posts/service.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { createBoard, expectHarmless, writePost, xssPayloads } from './helpers/community.ts';
import { expectError, missingId } from './helpers/http.ts';
import { multipartBody } from './helpers/multipart.ts';
import { buildTestApp, createMember, type Member } from './helpers/users.ts';

const api = setupApiTest({
  members: { admin: { role: 'ADMIN' }, author: {}, other: {} },
});
const { call } = api;
const db = () => api.deps.database.db;

let boardId: number;

beforeAll(async () => {
  boardId = (await createBoard(api.app, api.admin.authHeader)).id;
  const named = await call('PATCH', '/api/v1/users/me/profile', {
    headers: api.author.authHeader,
    body: { nickname: `글쓴이${api.author.user.id}` },
  });
  expect(named.status).toBe(200);
});

const postCount = async () => (await db().select({ n: count() }).from(posts))[0]!.n;

/** An image the member uploaded through POST /images/upload (a PNG made by sharp); its id. */
async function uploadImage(member: Member): Promise<number> {
  const png = await sharp({
    create: { width: 320, height: 240, channels: 3, background: { r: 20, g: 120, b: 200 } },
  })
    .png()
    .toBuffer();
  const form = multipartBody([
    { name: 'category', value: 'community' },
    { name: 'file', filename: 'photo.png', value: png, contentType: 'image/png' },
  ]);
  const response = await api.app.inject({
    method: 'POST',
    url: '/api/v1/images/upload',
    headers: { ...member.authHeader, 'content-type': form.contentType },
    payload: form.payload,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().data.id;
}

describe('boards (COMM-01) and their admin CRUD', () => {
  it('lists active boards in their order; admins create, change and take one down (audited)', async () => {
    const made = await call('POST', '/api/v1/admin/boards', {
      headers: api.admin.authHeader,
      body: { slug: 'Notice-Board', name: '공지 게시판', description: '운영 소식', sortOrder: 1 },
    });
    expect(made.status).toBe(201);
    expect(made.body.data).toMatchObject({ slug: 'notice-board', name: '공지 게시판', isActive: true });
    const id = made.body.data.id;

    const listed = await call('GET', '/api/v1/boards');
    expect(listed.body.data.map((board: { id: number }) => board.id)).toContain(id);
    expect(listed.body.data[0]).toMatchObject({ slug: expect.any(String), name: expect.any(String) });

    expectError(
      await call('POST', '/api/v1/admin/boards', {
        headers: api.admin.authHeader,
        body: { slug: 'notice-board', name: '또 다른 공지' },
      }),
      409,
      'DUPLICATE_SLUG',
    );
    expectError(
      await call('POST', '/api/v1/admin/boards', {
        headers: api.author.authHeader,
        body: { slug: 'mine', name: '내 게시판' },
      }),
      403,
      'FORBIDDEN',
    );

    const renamed = await call('PATCH', `/api/v1/admin/boards/${id}`, {
      headers: api.admin.authHeader,
      body: { name: '공지사항' },
    });
    expect(renamed.body.data.name).toBe('공지사항');

    const post = await writePost(api.app, api.author.authHeader, id);
    const down = await call('DELETE', `/api/v1/admin/boards/${id}`, { headers: api.admin.authHeader });
    expect(down.status).toBe(200);
    const after = await call('GET', '/api/v1/boards');
    expect(after.body.data.map((board: { id: number }) => board.id)).not.toContain(id);
    expectError(await call('GET', `/api/v1/boards/${id}/posts`), 404, 'BOARD_NOT_FOUND');
    expectError(await call('GET', `/api/v1/posts/${post.id}`), 404, 'POST_NOT_FOUND');
    expectError(
      await call('POST', `/api/v1/boards/${id}/posts`, {
        headers: api.author.authHeader,
        body: { title: '닫힌 게시판', content: '글' },
      }),
      404,
      'BOARD_NOT_FOUND',
    );

    const trail = await db()
      .select({ action: adminAuditLog.action, result: adminAuditLog.result })
      .from(adminAuditLog)
      .where(
        sql`${adminAuditLog.action} like 'board.%' and ${adminAuditLog.target} in (${String(id)}, 'notice-board')`,
      );
    expect(
      trail
        .filter((row) => row.result === 'SUCCEEDED')
        .map((row) => row.action)
        .sort(),
    ).toEqual(['board.create', 'board.deactivate', 'board.update']);
  });
});

describe('the post list (COMM-02): search, sorts, paging', () => {
  let listBoard: number;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    listBoard = (await createBoard(api.app, api.admin.authHeader, '목록')).id;
    const texts = {
      gpu: ['그래픽카드 RTX 4070 후기', '<p>발열이 적고 조용합니다.</p>'],
      ssd: ['NVMe SSD 추천', '<p>읽기 속도 7000MB/s, 가성비 좋은 모델</p>'],
      cpu: ['라이젠 CPU 질문', '<p>그래픽카드와 궁합이 궁금합니다</p>'],
      pct: ['할인율 100% 이벤트', '<p>진짜 100%?</p>'],
    };
    for (const [key, [title, content]] of Object.entries(texts)) {
      ids[key] = (await writePost(api.app, api.author.authHeader, listBoard, { title, content })).id;
    }
    // counters as likes, comments and views would leave them (their own tests check those paths)
    const counters: Record<string, [number, number, number]> = {
      gpu: [5, 1, 300],
      ssd: [9, 0, 10],
      cpu: [1, 7, 50],
      pct: [0, 3, 1000],
    };
    for (const [key, [likes, comments, views]] of Object.entries(counters)) {
      await db()
        .update(posts)
        .set({ likeCount: likes, commentCount: comments, viewCount: views })
        .where(eq(posts.id, ids[key]!));
    }
  });

  const listed = async (query: string) => {
    const response = await call('GET', `/api/v1/boards/${listBoard}/posts${query}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body as { data: { id: number }[]; meta: Record<string, number> };
  };
  const order = (body: { data: { id: number }[] }) =>
    body.data.map((post) => Object.entries(ids).find(([, id]) => id === post.id)?.[0]);

  it('sorts newest by default, and by likes (popular), views and comments', async () => {
    expect(order(await listed(''))).toEqual(['pct', 'cpu', 'ssd', 'gpu']);
    expect(order(await listed('?sort=popular'))).toEqual(['ssd', 'gpu', 'cpu', 'pct']);
    expect(order(await listed('?sort=likes'))).toEqual(['ssd', 'gpu', 'cpu', 'pct']);
    expect(order(await listed('?sort=views'))).toEqual(['pct', 'gpu', 'cpu', 'ssd']);
    expect(order(await listed('?sort=most_commented'))).toEqual(['cpu', 'pct', 'gpu', 'ssd']);
    expect(order(await listed('?sort=COMMENTS'))).toEqual(['cpu', 'pct', 'gpu', 'ssd']);
    expectError(await call('GET', `/api/v1/boards/${listBoard}/posts?sort=random`), 400, 'VALIDATION_ERROR');
  });

  it('finds Korean and English substrings in title or content; % is a character, not a wildcard', async () => {
    expect(order(await listed(`?search=${encodeURIComponent('그래픽')}`)).sort()).toEqual(['cpu', 'gpu']);
    expect(order(await listed('?search=nvme'))).toEqual(['ssd']);
    expect(order(await listed(`?search=${encodeURIComponent('7000MB')}`))).toEqual(['ssd']);
    expect(order(await listed(`?search=${encodeURIComponent('100%')}`))).toEqual(['pct']);
    expect(order(await listed(`?search=${encodeURIComponent('0% 이')}`))).toEqual(['pct']);
    expect(order(await listed(`?search=${encodeURIComponent('_')}`))).toEqual([]);
    const none = await listed(`?search=${encodeURIComponent('없는단어')}`);
    expect(none.data).toEqual([]);
    expect(none.meta.totalCount).toBe(0);
  });

  it('pages with meta, and shows each author as the storefront reads them', async () => {
    const first = await listed('?limit=3');
    const second = await listed('?limit=3&page=2');
    expect(first.meta).toMatchObject({ page: 1, limit: 3, totalCount: 4, totalPages: 2 });
    expect([...order(first), ...order(second)]).toEqual(['pct', 'cpu', 'ssd', 'gpu']);
    expect(first.data[0]).toMatchObject({
      title: '할인율 100% 이벤트',
      viewCount: 1000,
      likeCount: 0,
      commentCount: 3,
      createdAt: expect.stringMatching(/Z$/),
      author: {
        id: api.author.user.id,
        name: `글쓴이${api.author.user.id}`,
        nickname: `글쓴이${api.author.user.id}`,
        badges: [],
      },
    });
    expectError(await call('GET', `/api/v1/boards/${missingId}/posts`), 404, 'BOARD_NOT_FOUND');
  });
});

describe('the search holds its text as a literal', () => {
  it('finds quotes and backslashes as characters; an injection attempt is only text', async () => {
    const board = (await createBoard(api.app, api.admin.authHeader, '따옴표')).id;
    const quoted = await writePost(api.app, api.author.authHeader, board, { title: "it's 작은따옴표 \\n" });
    const other = await writePost(api.app, api.author.authHeader, board, { title: '평범한 제목' });
    const search = async (text: string) => {
      const answer = await call('GET', `/api/v1/boards/${board}/posts?search=${encodeURIComponent(text)}`);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer.body.data.map((post: { id: number }) => post.id);
    };
    expect(await search("it's")).toEqual([quoted.id]);
    expect(await search('\\n')).toEqual([quoted.id]);
    expect(await search("'; delete from posts; --")).toEqual([]);
    expect(await search("' or ''='")).toEqual([]);
    expect((await search('제목')).sort()).toEqual([other.id]);
    const [kept] = await db().select({ n: count() }).from(posts).where(eq(posts.boardId, board));
    expect(kept!.n).toBe(2);
  });
});

describe('post detail (COMM-03): views in batches, attachments of my own uploads', () => {
  it('counts each read as a view, written in one batch', async () => {
    const post = await writePost(api.app, api.author.authHeader, boardId);
    for (let read = 0; read < 3; read++) {
      const detail = await call('GET', `/api/v1/posts/${post.id}`);
      expect(detail.status).toBe(200);
    }
    await api.deps.postViews.flush();
    const [row] = await db().select({ views: posts.viewCount }).from(posts).where(eq(posts.id, post.id));
    expect(row!.views).toBe(3);
    expect((await call('GET', `/api/v1/posts/${post.id}`)).body.data.viewCount).toBe(3);
  });

  it("attaches the author's own images with their variant URLs; another's image is 400 and writes nothing", async () => {
    const [first, second] = [await uploadImage(api.author), await uploadImage(api.author)];
    const post = await writePost(api.app, api.author.authHeader, boardId, { imageIds: [second, first] });
    const detail = await call('GET', `/api/v1/posts/${post.id}`);
    const attachments = detail.body.data.attachments;
    expect(attachments.map((item: { imageId: number }) => item.imageId)).toEqual([second, first]);
    expect(attachments[0].variants.map((variant: { type: string }) => variant.type)).toEqual([
      'THUMBNAIL',
      'MEDIUM',
      'LARGE',
    ]);
    const image = await api.app.inject({
      method: 'GET',
      url: new URL(attachments[0].variants[0].url).pathname,
    });
    expect(image.statusCode).toBe(200);

    const theirs = await uploadImage(api.other);
    const before = await postCount();
    expectError(
      await call('POST', `/api/v1/boards/${boardId}/posts`, {
        headers: api.author.authHeader,
        body: { title: '남의 사진', content: '본문', imageIds: [first, theirs] },
      }),
      400,
      'ATTACHMENT_NOT_ALLOWED',
    );
    expectError(
      await call('PATCH', `/api/v1/posts/${post.id}`, {
        headers: api.author.authHeader,
        body: { imageIds: [theirs] },
      }),
      400,
      'ATTACHMENT_NOT_ALLOWED',
    );
    expect(await postCount()).toBe(before);
    const kept = await db()
      .select({ imageId: postAttachments.imageId })
      .from(postAttachments)
      .where(eq(postAttachments.postId, post.id));
    expect(kept.map((row) => row.imageId).sort()).toEqual([first, second].sort());

    const cleared = await call('PATCH', `/api/v1/posts/${post.id}`, {
      headers: api.author.authHeader,
      body: { imageIds: [] },
    });
    expect(cleared.body.data.attachments).toEqual([]);
  });
});

describe('author edits and deletes (COMM-04, COMM-05), admin moderation', () => {
  it("lets only the author edit; another member's edit and delete are 404 and change nothing", async () => {
    const post = await writePost(api.app, api.author.authHeader, boardId, { title: '원래 제목' });
    expectError(
      await call('PATCH', `/api/v1/posts/${post.id}`, {
        headers: api.other.authHeader,
        body: { title: '가로챈 제목' },
      }),
      404,
      'POST_NOT_FOUND',
    );
    expectError(
      await call('DELETE', `/api/v1/posts/${post.id}`, { headers: api.other.authHeader }),
      404,
      'POST_NOT_FOUND',
    );
    expect((await call('GET', `/api/v1/posts/${post.id}`)).body.data.title).toBe('원래 제목');

    const edited = await call('PATCH', `/api/v1/posts/${post.id}`, {
      headers: api.author.authHeader,
      body: { title: '고친 제목' },
    });
    expect(edited.body.data).toMatchObject({ title: '고친 제목', content: post.content });
    const removed = await call('DELETE', `/api/v1/posts/${post.id}`, { headers: api.author.authHeader });
    expect(removed.status).toBe(200);
    expect(removed.body.data.message).toEqual(expect.any(String));
    expectError(await call('GET', `/api/v1/posts/${post.id}`), 404, 'POST_NOT_FOUND');
    expectError(
      await call('DELETE', `/api/v1/posts/${post.id}`, { headers: api.author.authHeader }),
      404,
      'POST_NOT_FOUND',
    );
  });

  it('hides a post from everyone but its author and admins, unhides it, and deletes any post; each audited', async () => {
    const post = await writePost(api.app, api.author.authHeader, boardId);
    const hide = await call('PATCH', `/api/v1/admin/posts/${post.id}/status`, {
      headers: api.admin.authHeader,
      body: { status: 'HIDDEN' },
    });
    expect(hide.body.data).toEqual({ id: post.id, status: 'HIDDEN' });
    expectError(await call('GET', `/api/v1/posts/${post.id}`), 404, 'POST_NOT_FOUND');
    expectError(
      await call('GET', `/api/v1/posts/${post.id}`, { headers: api.other.authHeader }),
      404,
      'POST_NOT_FOUND',
    );
    const own = await call('GET', `/api/v1/posts/${post.id}`, { headers: api.author.authHeader });
    expect(own.body.data.status).toBe('HIDDEN');
    const listed = await call('GET', `/api/v1/boards/${boardId}/posts?limit=100`);
    expect(listed.body.data.map((item: { id: number }) => item.id)).not.toContain(post.id);
    expectError(
      await call('POST', `/api/v1/posts/${post.id}/like`, { headers: api.other.authHeader }),
      404,
      'POST_NOT_FOUND',
    );

    await call('PATCH', `/api/v1/admin/posts/${post.id}/status`, {
      headers: api.admin.authHeader,
      body: { status: 'PUBLISHED' },
    });
    expect((await call('GET', `/api/v1/posts/${post.id}`)).status).toBe(200);
    expectError(
      await call('PATCH', `/api/v1/admin/posts/${post.id}/status`, {
        headers: api.author.authHeader,
        body: { status: 'HIDDEN' },
      }),
      403,
      'FORBIDDEN',
    );

    expect((await call('DELETE', `/api/v1/posts/${post.id}`, { headers: api.admin.authHeader })).status).toBe(
      200,
    );
    expectError(
      await call('PATCH', `/api/v1/admin/posts/${post.id}/status`, {
        headers: api.admin.authHeader,
        body: { status: 'PUBLISHED' },
      }),
      404,
      'POST_NOT_FOUND',
    );
    const trail = await db()
      .select({ action: adminAuditLog.action, result: adminAuditLog.result, details: adminAuditLog.details })
      .from(adminAuditLog)
      .where(eq(adminAuditLog.target, String(post.id)))
      .orderBy(adminAuditLog.id);
    expect(
      trail.filter((row) => row.action.startsWith('post.')).map((row) => [row.action, row.result]),
    ).toEqual([
      ['post.status', 'SUCCEEDED'],
      ['post.status', 'SUCCEEDED'],
      ['post.delete', 'SUCCEEDED'],
      ['post.status', 'FAILED'],
    ]);
  });
});

describe('searched lists come from the cache', () => {
  it('a change behind the API is not seen; every post write and moderation through it shows at once', async () => {
    const board = (await createBoard(api.app, api.admin.authHeader, '캐시')).id;
    const search = async () => {
      const answer = await call(
        'GET',
        `/api/v1/boards/${board}/posts?search=${encodeURIComponent('캐시검색')}`,
      );
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer.body as { data: { id: number; likeCount: number }[]; meta: { totalCount: number } };
    };
    const ids = async () => (await search()).data.map((post) => post.id);
    const first = await writePost(api.app, api.author.authHeader, board, { title: '캐시검색 하나' });
    expect(await ids()).toEqual([first.id]);
    const entryKeys = () =>
      api.deps.redis.keys(`${api.deps.env.REDIS_KEY_PREFIX}:community:cache:board:${board}:search:*`);
    // stored for its window only: a counter changed behind the API shows within BOARD_SEARCH_WINDOW_SECONDS
    await waitFor('the entry to be stored', async () => (await entryKeys()).length > 0);
    for (const key of await entryKeys()) {
      expect(await api.deps.redis.ttl(key)).toBeLessThanOrEqual(BOARD_SEARCH_WINDOW_SECONDS);
    }

    await db().update(posts).set({ likeCount: 7 }).where(eq(posts.id, first.id));
    expect((await search()).data[0]!.likeCount).toBe(0);

    const second = await writePost(api.app, api.author.authHeader, board, { title: '캐시검색 둘' });
    const afterWrite = await search();
    expect(afterWrite.data.map((post) => post.id)).toEqual([second.id, first.id]);
    expect(afterWrite.data[1]!.likeCount).toBe(7);
    expect(afterWrite.meta.totalCount).toBe(2);

    const edited = await call('PATCH', `/api/v1/posts/${second.id}`, {
      headers: api.author.authHeader,
      body: { title: '다른 제목' },
    });
    expect(edited.status).toBe(200);
    expect(await ids()).toEqual([first.id]);

    const moderate = (status: string) =>
      call('PATCH', `/api/v1/admin/posts/${first.id}/status`, {
        headers: api.admin.authHeader,
        body: { status },
      });
    expect((await moderate('HIDDEN')).status).toBe(200);
    expect(await ids()).toEqual([]);
    expect((await moderate('PUBLISHED')).status).toBe(200);
    expect(await ids()).toEqual([first.id]);
    expect(
      (await call('DELETE', `/api/v1/posts/${first.id}`, { headers: api.author.authHeader })).status,
    ).toBe(200);
    expect(await ids()).toEqual([]);

    const third = await writePost(api.app, api.author.authHeader, board, { title: '캐시검색 셋' });
    expect(await ids()).toEqual([third.id]);
    const down = await call('DELETE', `/api/v1/admin/boards/${board}`, { headers: api.admin.authHeader });
    expect(down.status).toBe(200);
    expectError(
      await call('GET', `/api/v1/boards/${board}/posts?search=${encodeURIComponent('캐시검색')}`),
      404,
      'BOARD_NOT_FOUND',
    );
  });
});

describe("the list's total is the board's counter", () => {
  it('follows every post write: API writes, moderation, deletes, bulk SQL, a move between boards', async () => {
    const board = (await createBoard(api.app, api.admin.authHeader, '카운터')).id;
    const other = (await createBoard(api.app, api.admin.authHeader, '다른 카운터')).id;
    const totalOf = async (id: number) => {
      const listed = await call('GET', `/api/v1/boards/${id}/posts`);
      const [published] = await api.deps.database.sql<{ n: number }[]>`
        select count(*)::int as n from posts where board_id = ${id} and status = 'PUBLISHED'`;
      expect(listed.body.meta.totalCount, `board ${id}`).toBe(published!.n);
      return published!.n;
    };
    const [first, second] = [
      await writePost(api.app, api.author.authHeader, board),
      await writePost(api.app, api.author.authHeader, board),
    ];
    expect(await totalOf(board)).toBe(2);
    const setStatus = (id: number, status: string) =>
      call('PATCH', `/api/v1/admin/posts/${id}/status`, { headers: api.admin.authHeader, body: { status } });
    await setStatus(first!.id, 'HIDDEN');
    expect(await totalOf(board)).toBe(1);
    await setStatus(first!.id, 'HIDDEN');
    expect(await totalOf(board)).toBe(1);
    await setStatus(first!.id, 'PUBLISHED');
    expect(await totalOf(board)).toBe(2);
    await call('DELETE', `/api/v1/posts/${second!.id}`, { headers: api.author.authHeader });
    expect(await totalOf(board)).toBe(1);
    await api.deps.database.sql`
      insert into posts (board_id, user_id, title, content, status)
      select case when n % 2 = 0 then ${board}::bigint else ${other}::bigint end, ${api.author.user.id}, 't' || n, 'c',
             (case when n % 3 = 0 then 'HIDDEN' else 'PUBLISHED' end)::post_status
      from generate_series(1, 30) as n`;
    expect([await totalOf(board), await totalOf(other)]).toEqual([11, 10]);
    await api.deps.database.sql`update posts set board_id = ${other} where id = ${first!.id}`;
    expect([await totalOf(board), await totalOf(other)]).toEqual([10, 11]);
    await api.deps.database.sql`delete from posts where board_id in (${board}, ${other}) and title like 't%'`;
    expect([await totalOf(board), await totalOf(other)]).toEqual([0, 1]);
  });
});

describe('like toggles (COMM-06)', () => {
  it('50 members liking at once give exactly 50; each toggling again brings it back to 0', async () => {
    const post = await writePost(api.app, api.author.authHeader, boardId);
    const likers = await Promise.all(Array.from({ length: 50 }, () => api.member()));
    const toggleAll = () =>
      Promise.all(
        likers.map((liker) => call('POST', `/api/v1/posts/${post.id}/like`, { headers: liker.authHeader })),
      );

    const liked = await toggleAll();
    expect(liked.every((answer) => answer.status === 200 && answer.body.data.liked === true)).toBe(true);
    expect(Math.max(...liked.map((answer) => answer.body.data.likeCount))).toBe(50);
    const rows = async () =>
      (await db().select({ n: count() }).from(postLikes).where(eq(postLikes.postId, post.id)))[0]!.n;
    expect(await rows()).toBe(50);
    expect((await call('GET', `/api/v1/posts/${post.id}`)).body.data.likeCount).toBe(50);

    const unliked = await toggleAll();
    expect(unliked.every((answer) => answer.body.data.liked === false)).toBe(true);
    expect(await rows()).toBe(0);
    expect((await call('GET', `/api/v1/posts/${post.id}`)).body.data.likeCount).toBe(0);
  });

  it("one member's double click sent twice at once leaves the count equal to the rows", async () => {
    const post = await writePost(api.app, api.author.authHeader, boardId);
    const [a, b] = await Promise.all([
      call('POST', `/api/v1/posts/${post.id}/like`, { headers: api.other.authHeader }),
      call('POST', `/api/v1/posts/${post.id}/like`, { headers: api.other.authHeader }),
    ]);
    expect([a.body.data.liked, b.body.data.liked].sort()).toEqual([false, true]);
    const [row] = await db().select({ likes: posts.likeCount }).from(posts).where(eq(posts.id, post.id));
    const liked = await db()
      .select({ n: count() })
      .from(postLikes)
      .where(and(eq(postLikes.postId, post.id), eq(postLikes.userId, api.other.user.id)));
    expect(row!.likes).toBe(0);
    expect(liked[0]!.n).toBe(0);
    expectError(
      await call('POST', `/api/v1/posts/${missingId}/like`, { headers: api.other.authHeader }),
      404,
      'POST_NOT_FOUND',
    );
  });
});

describe('XSS payloads come back harmless (Safety)', () => {
  it('sanitises post titles and bodies on write; links get rel="nofollow ugc"', async () => {
    for (const payload of xssPayloads) {
      const post = await writePost(api.app, api.author.authHeader, boardId, { content: payload });
      const detail = (await call('GET', `/api/v1/posts/${post.id}`)).body.data;
      expectHarmless(detail.content);
      expect(detail.content.length).toBeGreaterThan(0);
    }
    const linked = await writePost(api.app, api.author.authHeader, boardId, {
      content: '<a href="https://example.com" target="_blank">좋은 링크</a>',
    });
    expect(linked.content).toBe('<a href="https://example.com" rel="nofollow ugc">좋은 링크</a>');
    // a title is one line of text: markup in it is kept as text, which JSON clients show as text
    const titled = await writePost(api.app, api.author.authHeader, boardId, { title: '<b>굵게</b>' });
    expect(titled.title).toBe('<b>굵게</b>');
  });
});

describe('bad input writes nothing', () => {
  it('refuses bad bodies with 400 VALIDATION_ERROR and leaves the posts as they were', async () => {
    const post = await writePost(api.app, api.author.authHeader, boardId);
    const before = await postCount();
    const bad: unknown[] = [
      {},
      { title: '', content: '본문' },
      { title: '제목' },
      { title: '제목', content: '<script>only()</script>' },
      { title: 'x'.repeat(201), content: '본문' },
      { title: '제\u0000목', content: '본문' },
      { title: '제목', content: '본\u0000문' },
      { title: '제목', content: 'x'.repeat(20_001) },
      { title: '제목', content: '본문', imageIds: ['1'] },
      { title: '제목', content: '본문', imageIds: Array.from({ length: 11 }, (_, i) => i + 1) },
      { title: 42, content: '본문' },
    ];
    for (const body of bad) {
      const answer = await call('POST', `/api/v1/boards/${boardId}/posts`, {
        headers: api.author.authHeader,
        body,
      });
      expectError(answer, 400, 'VALIDATION_ERROR');
      // a title alone is a valid edit
      if (JSON.stringify(body) === '{"title":"제목"}') continue;
      const edit = await call('PATCH', `/api/v1/posts/${post.id}`, { headers: api.author.authHeader, body });
      expectError(edit, 400, 'VALIDATION_ERROR');
    }
    expect(await postCount()).toBe(before);
    const [kept] = await db().select().from(posts).where(eq(posts.id, post.id));
    expect({ title: kept!.title, content: kept!.content }).toEqual({
      title: post.title,
      content: post.content,
    });
    expect(
      (await call('POST', `/api/v1/boards/${boardId}/posts`, { body: { title: '익명', content: '글' } }))
        .status,
    ).toBe(401);
  });
});

describe('the per-member write limit (Safety)', () => {
  let limited: Awaited<ReturnType<typeof buildTestApp>>;
  afterAll(() => limited?.close());

  it('answers 429 TOO_MANY_REQUESTS past MEMBER_WRITE_RATE_LIMIT_PER_MINUTE, per member, and writes nothing more', async () => {
    limited = await buildTestApp(api.ctx, { MEMBER_WRITE_RATE_LIMIT_PER_MINUTE: '3' });
    const writer = await createMember(limited.deps, limited.app);
    const neighbour = await createMember(limited.deps, limited.app);
    const write = (member: Member) =>
      limited.app.inject({
        method: 'POST',
        url: `/api/v1/boards/${boardId}/posts`,
        headers: member.authHeader,
        payload: { title: '도배', content: '같은 글' },
      });
    const answers = [];
    for (let attempt = 0; attempt < 4; attempt++) answers.push((await write(writer)).statusCode);
    expect(answers).toEqual([201, 201, 201, 429]);
    const refused = (await write(writer)).json();
    expect(refused.error.code).toBe('TOO_MANY_REQUESTS');
    expect((await write(neighbour)).statusCode).toBe(201);
    const [written] = await db().select({ n: count() }).from(posts).where(eq(posts.userId, writer.user.id));
    expect(written!.n).toBe(3);
  });
});

describe('the list reads its indexes', () => {
  it("pages each sort in its partial index's order (the generic plan of its prepared statement), and searches through the trigram indexes", async () => {
    const board = (await createBoard(api.app, api.admin.authHeader, '색인')).id;
    await api.deps.database.sql`
      insert into posts (board_id, user_id, title, content, view_count, like_count, comment_count, created_at)
      select ${board}, ${api.author.user.id},
             '게시글 ' || n || case when n % 5000 = 0 then ' 수랭쿨러' else ' graphics card' end,
             '<p>본문 ' || n || case when n % 7000 = 0 then ' 수랭쿨러 추천' else '' end || '</p>',
             n % 500, n % 70, n % 30, now() - n * interval '1 minute'
      from generate_series(1, 20000) as n`;
    await api.deps.database.sql`analyze posts`;
    const captured: { query: string; parameters: unknown[] }[] = [];
    const traced = drizzle(api.deps.database.sql, {
      schema,
      casing: 'snake_case',
      logger: { logQuery: (query, parameters) => captured.push({ query, parameters }) },
    });
    // the list reads neither images nor views
    const service = postsService({
      db: traced,
      images: { uploadedBy: async () => [], variantsOf: async () => new Map() },
      searches: api.deps.communityCache,
      views: { count: () => {} },
    });
    const planOf = async (query: Record<string, string>, settings: string[]) => {
      captured.length = 0;
      await service.list(board, postListQuery.parse({ page: '3', ...query }), {
        withdrawn: '-',
        unnamed: '-',
      });
      const list = captured.find((entry) => /order by/i.test(entry.query))!;
      const plan = await api.deps.database.sql.begin(async (tx) => {
        for (const setting of settings) await tx.unsafe(`set local ${setting} = off`);
        if (list.parameters.length === 0) return tx.unsafe(`explain ${list.query}`);
        // a prepared list: the generic plan PostgreSQL keeps for it
        await tx.unsafe(`prepare list as ${list.query}`);
        await tx.unsafe('set local plan_cache_mode = force_generic_plan');
        const values = list.parameters.map((value) =>
          typeof value === 'number' ? String(value) : `'${String(value).replaceAll("'", "''")}'`,
        );
        const generic = await tx.unsafe(`explain execute list(${values.join(', ')})`);
        await tx.unsafe('deallocate list');
        return generic;
      });
      return plan.map((row) => row['QUERY PLAN'] as string).join('\n');
    };
    // the table is small here: without whole-table scans, the plan shows whether an index gives the order
    for (const [sort, index] of [
      ['newest', 'posts_board_newest_idx'],
      ['views', 'posts_board_views_idx'],
      ['likes', 'posts_board_likes_idx'],
      ['most_commented', 'posts_board_comments_idx'],
    ]) {
      const plan = await planOf({ sort: sort! }, ['enable_seqscan', 'enable_bitmapscan']);
      expect(plan, sort).toMatch(new RegExp(`Index (Only )?Scan using ${index} `));
      expect(plan, sort).not.toMatch(/\n\s*->\s+Sort\b/);
    }
    // a rare word: the trigram indexes find its few posts, which are then sorted
    const searched = await planOf({ search: '수랭쿨러' }, ['enable_seqscan']);
    expect(searched).toContain('posts_title_trgm_idx');
    expect(searched).toContain('posts_content_trgm_idx');
  });
});
