// Threaded comments (COMM-07..10) on the real stack: a reply to a reply keeps its thread and the
// list reads in thread order; deleting a comment with replies leaves a tombstone (no content, no
// author), without replies removes it (and a tombstone it leaves without replies); the post's
// comment_count stays exact through writes, deletes, moderation and concurrent comments; XSS
// payloads made harmless; only the author (or an admin, audited) deletes; bad input writes nothing.
import { adminAuditLog, postComments, posts } from '@pbshop/db';
import { count, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { createBoard, expectHarmless, writePost, xssPayloads } from './helpers/community.ts';
import { expectError, missingId } from './helpers/http.ts';

const api = setupApiTest({
  members: { admin: { role: 'ADMIN' }, author: {}, reader: {}, other: {} },
});
const { call } = api;
const db = () => api.deps.database.db;

let boardId: number;
beforeAll(async () => {
  boardId = (await createBoard(api.app, api.admin.authHeader)).id;
});

interface ListedComment {
  id: number;
  parentId: number | null;
  threadId: number;
  depth: number;
  status: string;
  isDeleted: boolean;
  content: string;
  author: { id: number; name: string } | null;
}

async function comment(postId: number, who: { authorization: string }, content: string, parentId?: number) {
  const answer = await call('POST', `/api/v1/posts/${postId}/comments`, {
    headers: who,
    body: { content, ...(parentId === undefined ? {} : { parentId }) },
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.data as ListedComment;
}

async function listed(postId: number): Promise<ListedComment[]> {
  const answer = await call('GET', `/api/v1/posts/${postId}/comments`);
  expect(answer.status).toBe(200);
  return answer.body.data;
}

/** The post's comment_count, and the VISIBLE comments it should equal. */
async function counts(postId: number) {
  const [post] = await db().select({ n: posts.commentCount }).from(posts).where(eq(posts.id, postId));
  const visible = await db()
    .select({ id: postComments.id, status: postComments.status })
    .from(postComments)
    .where(eq(postComments.postId, postId));
  return { commentCount: post!.n, visible: visible.filter((row) => row.status === 'VISIBLE').length };
}

describe('threads', () => {
  it('keeps a reply to a reply in its thread, one level deeper, and lists threads in order', async () => {
    const post = await writePost(api.app, api.author.authHeader, boardId);
    const first = await comment(post.id, api.reader.authHeader, '첫 댓글');
    const second = await comment(post.id, api.other.authHeader, '두 번째 댓글');
    const reply = await comment(post.id, api.author.authHeader, '첫 댓글에 답글', first.id);
    const replyToReply = await comment(post.id, api.reader.authHeader, '답글에 답글', reply.id);
    const lateReply = await comment(post.id, api.other.authHeader, '늦은 답글', first.id);

    expect(first).toMatchObject({ parentId: null, threadId: first.id, depth: 0 });
    expect(reply).toMatchObject({ parentId: first.id, threadId: first.id, depth: 1 });
    expect(replyToReply).toMatchObject({ parentId: reply.id, threadId: first.id, depth: 2 });

    const list = await listed(post.id);
    expect(list.map((item) => item.id)).toEqual([
      first.id,
      reply.id,
      replyToReply.id,
      lateReply.id,
      second.id,
    ]);
    expect(list[0]).toMatchObject({
      content: '첫 댓글',
      author: { id: api.reader.user.id, name: expect.any(String), badges: [] },
    });
    expect(await counts(post.id)).toEqual({ commentCount: 5, visible: 5 });
    expect((await call('GET', `/api/v1/posts/${post.id}`)).body.data.commentCount).toBe(5);
  });

  it("refuses a reply to another post's comment, or to an unknown one, and writes nothing", async () => {
    const post = await writePost(api.app, api.author.authHeader, boardId);
    const elsewhere = await writePost(api.app, api.author.authHeader, boardId);
    const foreign = await comment(elsewhere.id, api.reader.authHeader, '다른 글의 댓글');
    for (const parentId of [foreign.id, missingId]) {
      expectError(
        await call('POST', `/api/v1/posts/${post.id}/comments`, {
          headers: api.reader.authHeader,
          body: { content: '답글', parentId },
        }),
        404,
        'COMMENT_NOT_FOUND',
      );
    }
    expectError(
      await call('POST', `/api/v1/posts/${missingId}/comments`, {
        headers: api.reader.authHeader,
        body: { content: '없는 글' },
      }),
      404,
      'POST_NOT_FOUND',
    );
    expect(await listed(post.id)).toEqual([]);
    expect(await counts(post.id)).toEqual({ commentCount: 0, visible: 0 });
  });
});

describe('deletes and tombstones', () => {
  it('leaves a tombstone for a comment with replies, removes one without, and clears a tombstone left alone', async () => {
    const post = await writePost(api.app, api.author.authHeader, boardId);
    const top = await comment(post.id, api.reader.authHeader, '지울 댓글');
    const reply = await comment(post.id, api.other.authHeader, '남을 답글', top.id);
    const single = await comment(post.id, api.reader.authHeader, '답글 없는 댓글');

    expectError(
      await call('DELETE', `/api/v1/comments/${top.id}`, { headers: api.other.authHeader }),
      404,
      'COMMENT_NOT_FOUND',
    );
    expect(
      (await call('DELETE', `/api/v1/comments/${top.id}`, { headers: api.reader.authHeader })).status,
    ).toBe(200);
    expect(
      (await call('DELETE', `/api/v1/comments/${single.id}`, { headers: api.reader.authHeader })).status,
    ).toBe(200);

    const list = await listed(post.id);
    expect(list.map((item) => item.id)).toEqual([top.id, reply.id]);
    expect(list[0]).toMatchObject({
      status: 'DELETED',
      isDeleted: true,
      content: '',
      author: null,
      threadId: top.id,
    });
    const [stored] = await db().select().from(postComments).where(eq(postComments.id, top.id));
    expect(stored!.content).toBe('');
    expect(await counts(post.id)).toEqual({ commentCount: 1, visible: 1 });
    expectError(
      await call('DELETE', `/api/v1/comments/${top.id}`, { headers: api.reader.authHeader }),
      404,
      'COMMENT_NOT_FOUND',
    );
    expectError(
      await call('POST', `/api/v1/posts/${post.id}/comments`, {
        headers: api.reader.authHeader,
        body: { content: '묘비에 답글', parentId: top.id },
      }),
      404,
      'COMMENT_NOT_FOUND',
    );

    // the last reply goes: the tombstone it held up goes with it
    expect(
      (await call('DELETE', `/api/v1/comments/${reply.id}`, { headers: api.other.authHeader })).status,
    ).toBe(200);
    expect(await listed(post.id)).toEqual([]);
    const [left] = await db()
      .select({ n: count() })
      .from(postComments)
      .where(eq(postComments.postId, post.id));
    expect(left!.n).toBe(0);
    expect(await counts(post.id)).toEqual({ commentCount: 0, visible: 0 });
  });

  it('lets admins hide, unhide and delete any comment, audited, with the count following', async () => {
    const post = await writePost(api.app, api.author.authHeader, boardId);
    const rude = await comment(post.id, api.reader.authHeader, '무례한 댓글');
    const answer = await comment(post.id, api.other.authHeader, '답글', rude.id);
    const moderate = (id: number, status: string) =>
      call('PATCH', `/api/v1/admin/comments/${id}/status`, {
        headers: api.admin.authHeader,
        body: { status },
      });

    expect((await moderate(rude.id, 'HIDDEN')).body.data).toEqual({ id: rude.id, status: 'HIDDEN' });
    let list = await listed(post.id);
    expect(list[0]).toMatchObject({ id: rude.id, status: 'HIDDEN', content: '', author: null });
    expect(await counts(post.id)).toEqual({ commentCount: 1, visible: 1 });
    await moderate(rude.id, 'VISIBLE');
    expect(await counts(post.id)).toEqual({ commentCount: 2, visible: 2 });
    expectError(
      await call('PATCH', `/api/v1/admin/comments/${rude.id}/status`, {
        headers: api.reader.authHeader,
        body: { status: 'HIDDEN' },
      }),
      403,
      'FORBIDDEN',
    );

    expect(
      (await call('DELETE', `/api/v1/comments/${answer.id}`, { headers: api.admin.authHeader })).status,
    ).toBe(200);
    await moderate(rude.id, 'DELETED');
    list = await listed(post.id);
    expect(list).toEqual([]);
    expect(await counts(post.id)).toEqual({ commentCount: 0, visible: 0 });
    expectError(await moderate(rude.id, 'VISIBLE'), 404, 'COMMENT_NOT_FOUND');

    const trail = await db()
      .select({ action: adminAuditLog.action, target: adminAuditLog.target, result: adminAuditLog.result })
      .from(adminAuditLog)
      .orderBy(adminAuditLog.id);
    const mine = trail.filter((row) => [String(rude.id), String(answer.id)].includes(row.target));
    expect(mine.map((row) => [row.action, row.result])).toEqual([
      ['comment.status', 'SUCCEEDED'],
      ['comment.status', 'SUCCEEDED'],
      ['comment.delete', 'SUCCEEDED'],
      ['comment.status', 'SUCCEEDED'],
      ['comment.status', 'FAILED'],
    ]);
  });

  it('keeps comment_count exact under 30 concurrent comments and deletes', async () => {
    const post = await writePost(api.app, api.author.authHeader, boardId);
    const writers = await Promise.all(Array.from({ length: 30 }, () => api.member()));
    const written = await Promise.all(
      writers.map((writer, index) =>
        call('POST', `/api/v1/posts/${post.id}/comments`, {
          headers: writer.authHeader,
          body: { content: `동시 댓글 ${index}` },
        }),
      ),
    );
    expect(written.every((answer) => answer.status === 201)).toBe(true);
    expect(await counts(post.id)).toEqual({ commentCount: 30, visible: 30 });
    await Promise.all(
      writers
        .slice(0, 12)
        .map((writer, index) =>
          call('DELETE', `/api/v1/comments/${written[index]!.body.data.id}`, { headers: writer.authHeader }),
        ),
    );
    expect(await counts(post.id)).toEqual({ commentCount: 18, visible: 18 });
  });
});

describe('safety', () => {
  it('makes XSS payloads in comments harmless', async () => {
    const post = await writePost(api.app, api.author.authHeader, boardId);
    for (const payload of xssPayloads) await comment(post.id, api.reader.authHeader, payload);
    for (const item of await listed(post.id)) {
      expectHarmless(item.content);
      expect(item.content.length).toBeGreaterThan(0);
    }
  });

  it('refuses bad comments with 400 and writes nothing; anonymous writes are 401', async () => {
    const post = await writePost(api.app, api.author.authHeader, boardId);
    for (const body of [
      {},
      { content: '' },
      { content: '<script>x()</script>' },
      { content: 'x'.repeat(2001) },
      { content: 42 },
      { content: '댓\u0000글' },
      { content: '벨\u0007소리' },
      { content: '댓글', parentId: 0 },
      { content: '댓글', parentId: '1' },
    ]) {
      expectError(
        await call('POST', `/api/v1/posts/${post.id}/comments`, { headers: api.reader.authHeader, body }),
        400,
        'VALIDATION_ERROR',
      );
    }
    expect(
      (await call('POST', `/api/v1/posts/${post.id}/comments`, { body: { content: '익명 댓글' } })).status,
    ).toBe(401);
    expect(await counts(post.id)).toEqual({ commentCount: 0, visible: 0 });
    const [stored] = await db()
      .select({ n: count() })
      .from(postComments)
      .where(eq(postComments.postId, post.id));
    expect(stored!.n).toBe(0);
  });
});
