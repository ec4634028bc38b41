// FRND-01..05: friend requests from both sides, accept, reject, remove, blocks (which cancel and
// hide), and the friends' activity feed read from the activity log the real activity-log worker
// writes; against real PostgreSQL and Redis (BullMQ).
import { createLogger } from '@pbshop/config';
import { type RunningWorkers, startWorkers } from '@pbshop/queues';
import { waitFor } from '@pbshop/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activityLogProcessor } from '../src/jobs/activity-log.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { expectError, missingId } from './helpers/http.ts';
import type { Member } from './helpers/users.ts';

const api = setupApiTest();
const { call } = api;
const db = () => api.deps.database.db;
let activityWorker: RunningWorkers;

beforeAll(async () => {
  const logger = createLogger({ LOG_LEVEL: 'silent' }, 'activity-log-test');
  activityWorker = startWorkers(
    'activity-log-test',
    { env: api.deps.env, logger, redis: api.deps.workerRedis },
    { processors: [activityLogProcessor(db())] },
  );
});
afterAll(async () => {
  await activityWorker?.close();
});

let nicknames = 0;
/** A member with a nickname of its own. */
async function person(): Promise<Member> {
  const created = await api.member();
  nicknames += 1;
  const nickname = `friend-${nicknames}-${created.user.id}`;
  await db().execute(sql`update users set nickname = ${nickname} where id = ${created.user.id}`);
  created.user.nickname = nickname;
  return created;
}

const request = (from: Member, to: number) =>
  call('POST', `/api/v1/friends/request/${to}`, { headers: from.authHeader });
const list = (who: Member, path: string) =>
  call('GET', `/api/v1/friends${path}`, { headers: who.authHeader });
const idsOf = (body: { data: { userId: number }[] }) => body.data.map((item) => item.userId);

/** The pending request from `from` to `to`, as the addressee lists it. */
async function pendingId(from: Member, to: Member): Promise<number> {
  const received = await list(to, '/requests/received');
  const item = received.body.data.find((row: { userId: number }) => row.userId === from.user.id);
  expect(item, `a request from ${from.user.id} to ${to.user.id}`).toBeDefined();
  return item.friendshipId;
}

async function befriend(a: Member, b: Member) {
  expect((await request(a, b.user.id)).status).toBe(200);
  const accepted = await call('PATCH', `/api/v1/friends/request/${await pendingId(a, b)}/accept`, {
    headers: b.authHeader,
  });
  expect(accepted.status).toBe(200);
}

describe('requests (FRND-01..02)', () => {
  it('sends, lists on both sides, and accepts only as the addressee', async () => {
    const [ann, ben, eve] = [await person(), await person(), await person()];
    const sent = await request(ann, ben.user.id);
    expect(sent.status).toBe(200);
    expect(sent.body.data.message).toEqual(expect.any(String));

    const outgoing = await list(ann, '/requests/sent');
    expect(outgoing.body.data).toEqual([
      {
        friendshipId: expect.any(Number),
        userId: ben.user.id,
        nickname: ben.user.nickname,
        profileImageUrl: null,
        status: 'PENDING',
        since: null,
        requestedAt: expect.any(String),
      },
    ]);
    expect(outgoing.body.meta).toMatchObject({ page: 1, limit: 20, totalCount: 1, totalPages: 1 });
    const friendshipId = await pendingId(ann, ben);
    expect(idsOf((await list(ben, '/requests/sent')).body)).toEqual([]);

    // the requester and a third member cannot answer it
    for (const who of [ann, eve]) {
      for (const action of ['accept', 'reject']) {
        expectError(
          await call('PATCH', `/api/v1/friends/request/${friendshipId}/${action}`, {
            headers: who.authHeader,
          }),
          404,
          'FRIEND_REQUEST_NOT_FOUND',
        );
      }
    }
    const accepted = await call('PATCH', `/api/v1/friends/request/${friendshipId}/accept`, {
      headers: ben.authHeader,
    });
    expect(accepted.status).toBe(200);
    expectError(
      await call('PATCH', `/api/v1/friends/request/${friendshipId}/accept`, { headers: ben.authHeader }),
      404,
      'FRIEND_REQUEST_NOT_FOUND',
    );

    const annFriends = await list(ann, '');
    expect(annFriends.body.data).toEqual([
      expect.objectContaining({
        friendshipId,
        userId: ben.user.id,
        nickname: ben.user.nickname,
        status: 'ACCEPTED',
        since: expect.any(String),
      }),
    ]);
    expect(idsOf((await list(ben, '')).body)).toEqual([ann.user.id]);
    expect((await list(ben, '/requests/received')).body.data).toEqual([]);
    expect((await list(eve, '')).body.data).toEqual([]);
  });

  it('refuses myself (400), unknown and withdrawn members (404), duplicates and friends (409)', async () => {
    const [ann, ben, gone] = [await person(), await person(), await person()];
    expectError(await request(ann, ann.user.id), 400, 'VALIDATION_ERROR');
    expectError(await request(ann, missingId), 404, 'USER_NOT_FOUND');
    await db().execute(sql`update users set deleted_at = now() where id = ${gone.user.id}`);
    expectError(await request(ann, gone.user.id), 404, 'USER_NOT_FOUND');

    expect((await request(ann, ben.user.id)).status).toBe(200);
    expectError(await request(ann, ben.user.id), 409, 'FRIEND_REQUEST_EXISTS');
    // ben asking back accepts ann's request: both asked
    const back = await request(ben, ann.user.id);
    expect(back.status).toBe(200);
    expect(idsOf((await list(ann, '')).body)).toEqual([ben.user.id]);
    expectError(await request(ann, ben.user.id), 409, 'FRIEND_REQUEST_EXISTS');
    expectError(await request(ben, ann.user.id), 409, 'FRIEND_REQUEST_EXISTS');
    const [rows] = await db().execute<{ live: number }>(sql`
      select count(*)::int as live from friendships
      where ${ann.user.id} in (requester_id, addressee_id) and ${ben.user.id} in (requester_id, addressee_id)`);
    expect(rows!.live).toBe(1);
  });

  it('two members asking each other at the same moment end up friends once', async () => {
    const [ann, ben] = [await person(), await person()];
    const answers = await Promise.all([request(ann, ben.user.id), request(ben, ann.user.id)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(idsOf((await list(ann, '')).body)).toEqual([ben.user.id]);
    expect(idsOf((await list(ben, '')).body)).toEqual([ann.user.id]);
  });

  it('a rejected request leaves no friendship, and the requester may ask again', async () => {
    const [ann, ben] = [await person(), await person()];
    await request(ann, ben.user.id);
    const rejected = await call('PATCH', `/api/v1/friends/request/${await pendingId(ann, ben)}/reject`, {
      headers: ben.authHeader,
    });
    expect(rejected.status).toBe(200);
    expect((await list(ann, '')).body.data).toEqual([]);
    expect((await list(ann, '/requests/sent')).body.data).toEqual([]);
    expect((await request(ann, ben.user.id)).status).toBe(200);
    expect(idsOf((await list(ben, '/requests/received')).body)).toEqual([ann.user.id]);
  });

  it('pages the lists, newest first', async () => {
    const me = await person();
    const askers = [await person(), await person(), await person()];
    for (const asker of askers) await request(asker, me.user.id);
    const first = await list(me, '/requests/received?page=1&limit=2');
    expect(idsOf(first.body)).toEqual([askers[2]!.user.id, askers[1]!.user.id]);
    expect(first.body.meta).toEqual({ page: 1, limit: 2, totalCount: 3, totalPages: 2 });
    const second = await list(me, '/requests/received?page=2&limit=2');
    expect(idsOf(second.body)).toEqual([askers[0]!.user.id]);
    const beyond = await list(me, '/requests/received?page=5&limit=2');
    expect(beyond.body.data).toEqual([]);
    expect(beyond.body.meta.totalCount).toBe(3);
  });
});

describe('remove (FRND-03)', () => {
  it('either friend ends the friendship; removing a non-friend is FRIEND_NOT_FOUND', async () => {
    const [ann, ben, eve] = [await person(), await person(), await person()];
    await befriend(ann, ben);
    expectError(
      await call('DELETE', `/api/v1/friends/${eve.user.id}`, { headers: ann.authHeader }),
      404,
      'FRIEND_NOT_FOUND',
    );
    const removed = await call('DELETE', `/api/v1/friends/${ann.user.id}`, { headers: ben.authHeader });
    expect(removed.status).toBe(200);
    expect((await list(ann, '')).body.data).toEqual([]);
    expect((await list(ben, '')).body.data).toEqual([]);
    expectError(
      await call('DELETE', `/api/v1/friends/${ben.user.id}`, { headers: ann.authHeader }),
      404,
      'FRIEND_NOT_FOUND',
    );
    // a pending request is not a friendship
    await request(ann, eve.user.id);
    expectError(
      await call('DELETE', `/api/v1/friends/${eve.user.id}`, { headers: ann.authHeader }),
      404,
      'FRIEND_NOT_FOUND',
    );
  });
});

describe('blocks (FRND-04)', () => {
  it('a block ends the friendship and pending requests both ways, and stops requests either way', async () => {
    const [me, friend, asker, asked] = [await person(), await person(), await person(), await person()];
    await befriend(me, friend);
    await request(asker, me.user.id);
    await request(me, asked.user.id);

    for (const other of [friend, asker, asked]) {
      const blocked = await call('POST', `/api/v1/friends/block/${other.user.id}`, {
        headers: me.authHeader,
      });
      expect(blocked.status).toBe(200);
    }
    // blocking again changes nothing
    expect(
      (await call('POST', `/api/v1/friends/block/${friend.user.id}`, { headers: me.authHeader })).status,
    ).toBe(200);
    expect((await list(me, '')).body.data).toEqual([]);
    expect((await list(friend, '')).body.data).toEqual([]);
    expect((await list(me, '/requests/received')).body.data).toEqual([]);
    expect((await list(me, '/requests/sent')).body.data).toEqual([]);
    expect((await list(asker, '/requests/sent')).body.data).toEqual([]);
    expect((await list(asked, '/requests/received')).body.data).toEqual([]);

    for (const other of [friend, asker, asked]) {
      expectError(await request(me, other.user.id), 403, 'USER_BLOCKED_BY_MEMBER');
      expectError(await request(other, me.user.id), 403, 'USER_BLOCKED_BY_MEMBER');
    }

    // only the blocker lifts a block; after it, requests flow again
    expectError(
      await call('DELETE', `/api/v1/friends/block/${me.user.id}`, { headers: friend.authHeader }),
      404,
      'USER_NOT_FOUND',
    );
    const unblocked = await call('DELETE', `/api/v1/friends/block/${friend.user.id}`, {
      headers: me.authHeader,
    });
    expect(unblocked.status).toBe(200);
    expect((await request(friend, me.user.id)).status).toBe(200);
    expectError(
      await call('DELETE', `/api/v1/friends/block/${friend.user.id}`, { headers: me.authHeader }),
      404,
      'USER_NOT_FOUND',
    );
  });

  it('refuses to block myself (400) or an unknown member (404)', async () => {
    const me = await person();
    expectError(
      await call('POST', `/api/v1/friends/block/${me.user.id}`, { headers: me.authHeader }),
      400,
      'VALIDATION_ERROR',
    );
    expectError(
      await call('POST', `/api/v1/friends/block/${missingId}`, { headers: me.authHeader }),
      404,
      'USER_NOT_FOUND',
    );
    const [rows] = await db().execute<{ blocks: number }>(
      sql`select count(*)::int as blocks from user_blocks where blocker_id = ${me.user.id}`,
    );
    expect(rows!.blocks).toBe(0);
  });

  it('needs a member: no token is 401', async () => {
    const answer = await call('GET', '/api/v1/friends');
    expect(answer.status).toBe(401);
  });
});

describe("friends' activity feed (FRND-05)", () => {
  /** An activity entry through the real queue and worker, as the API's producers write it. */
  async function logged(userId: number, type: string, data: Record<string, unknown>, occurredAt: string) {
    await api.deps.producers.enqueue('activity-log', {
      requestId: 'friends-test',
      userId,
      type,
      data,
      occurredAt,
    });
  }

  it("shows friends' public entries newest first, never a stranger's, a private one or a blocked member's", async () => {
    const [me, ben, cat, stranger] = [await person(), await person(), await person(), await person()];
    await befriend(me, ben);
    await befriend(cat, me);
    await logged(
      ben.user.id,
      'badge_granted',
      { badgeId: 1, badgeName: 'Review Master' },
      '2026-01-02T00:00:00Z',
    );
    await logged(
      cat.user.id,
      'badge_granted',
      { badgeId: 2, badgeName: 'First Post' },
      '2026-01-03T00:00:00Z',
    );
    await logged(ben.user.id, 'search', { keyword: 'private' }, '2026-01-04T00:00:00Z');
    await logged(stranger.user.id, 'badge_granted', { badgeId: 3, badgeName: 'x' }, '2026-01-05T00:00:00Z');

    // the accepts logged friend_added for both sides of each friendship (now); the four above follow
    const feed = await waitFor('the feed to show the friendships and both badges', async () => {
      const answer = await call('GET', '/api/v1/friends/feed', {
        headers: { ...me.authHeader, 'accept-language': 'en' },
      });
      return answer.body.data.length >= 4 ? answer : undefined;
    });
    expect(feed.status).toBe(200);
    expect(feed.body.data.map((item: { userId: number; type: string }) => [item.userId, item.type])).toEqual([
      [cat.user.id, 'friend_added'],
      [ben.user.id, 'friend_added'],
      [cat.user.id, 'badge_granted'],
      [ben.user.id, 'badge_granted'],
    ]);
    const catBadge = feed.body.data[2];
    expect(catBadge).toEqual({
      id: expect.any(Number),
      userId: cat.user.id,
      nickname: cat.user.nickname,
      profileImageUrl: null,
      type: 'badge_granted',
      message: 'earned the badge "First Post".',
      metadata: { badgeId: 2, badgeName: 'First Post' },
      createdAt: '2026-01-03T00:00:00.000Z',
    });
    expect(feed.body.data[0].message).toBe(`became friends with ${me.user.nickname}.`);
    // Korean by default
    const korean = await list(me, '/feed');
    expect(korean.body.data[2].message).toBe('배지 "First Post"을(를) 획득했습니다.');

    // blocking cat removes cat's entries (and the friendship); ben's stay
    await call('POST', `/api/v1/friends/block/${cat.user.id}`, { headers: me.authHeader });
    const afterBlock = await list(me, '/feed');
    expect(afterBlock.body.data.map((item: { userId: number }) => item.userId)).toEqual([
      ben.user.id,
      ben.user.id,
    ]);
    expect(afterBlock.body.meta.totalCount).toBe(2);
    // and cat sees nothing of me either
    const catFeed = await list(cat, '/feed');
    expect(catFeed.body.data.filter((item: { userId: number }) => item.userId === me.user.id)).toEqual([]);
    // a stranger's feed has no one
    expect((await list(stranger, '/feed')).body.data).toEqual([]);
  });
});
