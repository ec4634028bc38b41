// BADGE-01..06: audited definitions with an exact holder count, manual grants and revokes, mine and
// a member's badges, badges in the member responses, and the AUTO grants: once per member when
// many cross a threshold at the same moment, again-safe sweeps, and each metric counted from its
// real source (reviews, confirmed orders, points, posts, login days); real PostgreSQL and Redis.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { BADGE_SWEEP_LOCK, runBadgeSweep } from '../src/jobs/badge-sweep.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { createBoard, writePost } from './helpers/community.ts';
import { expectError, missingId } from './helpers/http.ts';
import { createShop, stockedProduct } from './helpers/orders.ts';
import type { Member } from './helpers/users.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, user: {} } });
const { call } = api;
const db = () => api.deps.database.db;

let badgeNames = 0;
/** A badge created through the admin API; its body. */
async function createBadge(body: Record<string, unknown>) {
  badgeNames += 1;
  const created = await call('POST', '/api/v1/admin/badges', {
    headers: api.admin.authHeader,
    body: { name: `Badge ${badgeNames}`, description: 'test', iconUrl: '', rarity: 'COMMON', ...body },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.data as { id: number; name: string; holderCount: number };
}

async function holdings(badgeId: number) {
  const [row] = await db().execute<{ rows: number; holder_count: number }>(sql`
    select (select count(*)::int from user_badges where badge_id = ${badgeId}) as rows,
           (select holder_count from badges where id = ${badgeId}) as holder_count`);
  return { rows: row!.rows, holderCount: row!.holder_count };
}

const sweep = () =>
  runBadgeSweep({
    database: api.deps.database,
    sweepBadges: () => api.deps.badges.sweep(),
    logger: api.deps.logger,
  });

async function auditActions(target: string) {
  const rows = await db().execute<{ action: string; result: string }>(
    sql`select action, result from admin_audit_log where target = ${target} order by id`,
  );
  return rows.map((row) => `${row.action}:${row.result}`);
}

describe('definitions (BADGE-01)', () => {
  it('creates, lists, changes and deletes badges, audited; the list is public', async () => {
    const auto = await createBadge({
      name: 'Definition Reviewer',
      type: 'AUTO',
      condition: { metric: 'review_count', threshold: 10 },
      rarity: 'RARE',
      iconUrl: 'https://cdn.example.com/review.png',
    });
    expect(auto).toEqual({
      id: expect.any(Number),
      name: 'Definition Reviewer',
      description: 'test',
      iconUrl: 'https://cdn.example.com/review.png',
      type: 'AUTO',
      condition: { metric: 'review_count', threshold: 10 },
      rarity: 'RARE',
      holderCount: 0,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const listed = await call('GET', '/api/v1/badges');
    expect(listed.status).toBe(200);
    expect(listed.body.data.find((item: { id: number }) => item.id === auto.id)).toEqual(auto);

    const manual = await call('PATCH', `/api/v1/admin/badges/${auto.id}`, {
      headers: api.admin.authHeader,
      body: { type: 'MANUAL', rarity: 'EPIC' },
    });
    expect(manual.status).toBe(200);
    expect(manual.body.data).toMatchObject({ type: 'MANUAL', condition: null, rarity: 'EPIC' });
    expectError(
      await call('PATCH', `/api/v1/admin/badges/${auto.id}`, {
        headers: api.admin.authHeader,
        body: { type: 'AUTO' },
      }),
      400,
      'VALIDATION_ERROR',
    );
    const back = await call('PATCH', `/api/v1/admin/badges/${auto.id}`, {
      headers: api.admin.authHeader,
      body: { type: 'AUTO', condition: { metric: 'login_streak', threshold: 3 } },
    });
    expect(back.body.data).toMatchObject({
      type: 'AUTO',
      condition: { metric: 'login_streak', threshold: 3 },
    });

    const removed = await call('DELETE', `/api/v1/admin/badges/${auto.id}`, {
      headers: api.admin.authHeader,
    });
    expect(removed.status).toBe(200);
    expectError(
      await call('DELETE', `/api/v1/admin/badges/${auto.id}`, { headers: api.admin.authHeader }),
      404,
      'BADGE_NOT_FOUND',
    );
    expect(await auditActions(String(auto.id))).toEqual([
      'badge.update:SUCCEEDED',
      'badge.update:FAILED',
      'badge.update:SUCCEEDED',
      'badge.delete:SUCCEEDED',
      'badge.delete:FAILED',
    ]);
    expect(await auditActions('Definition Reviewer')).toEqual(['badge.create:SUCCEEDED']);
  });

  it('refuses bad definitions with 400 (or 409 for a taken name) and writes nothing', async () => {
    const [before] = await db().execute<{ badges: number }>(sql`select count(*)::int as badges from badges`);
    const taken = await createBadge({ name: 'Taken Name', type: 'MANUAL' });
    const bad: [Record<string, unknown>, number][] = [
      [{ name: 'x', type: 'AUTO' }, 400],
      [{ name: 'x', type: 'MANUAL', condition: { metric: 'review_count', threshold: 1 } }, 400],
      [{ name: 'x', type: 'AUTO', condition: { metric: 'likes', threshold: 1 } }, 400],
      [{ name: 'x', type: 'AUTO', condition: { metric: 'review_count', threshold: 0 } }, 400],
      [{ name: 'x', type: 'AUTO', condition: { metric: 'review_count', threshold: 1.5 } }, 400],
      [{ name: '', type: 'MANUAL' }, 400],
      [{ name: 'x\u0000y', type: 'MANUAL' }, 400],
      [{ name: 'x', type: 'SPECIAL' }, 400],
      [{ name: 'x', type: 'MANUAL', rarity: 'MYTHIC' }, 400],
      [{ name: 'x', type: 'MANUAL', iconUrl: 'javascript:alert(1)' }, 400],
      [{ name: 'taken name', type: 'MANUAL' }, 409],
    ];
    for (const [body, status] of bad) {
      const answer = await call('POST', '/api/v1/admin/badges', { headers: api.admin.authHeader, body });
      expect({ body, status: answer.status }).toEqual({ body, status });
    }
    const [after] = await db().execute<{ badges: number }>(sql`select count(*)::int as badges from badges`);
    expect(after!.badges).toBe(before!.badges + 1);
    expectError(
      await call('PATCH', `/api/v1/admin/badges/${taken.id}`, { headers: api.admin.authHeader, body: {} }),
      400,
      'VALIDATION_ERROR',
    );
    expectError(
      await call('PATCH', `/api/v1/admin/badges/${missingId}`, {
        headers: api.admin.authHeader,
        body: { rarity: 'RARE' },
      }),
      404,
      'BADGE_NOT_FOUND',
    );
  });

  it('admin writes need an ADMIN', async () => {
    const answer = await call('POST', '/api/v1/admin/badges', {
      headers: api.user.authHeader,
      body: { name: 'Not Mine', type: 'MANUAL' },
    });
    expect(answer.status).toBe(403);
    expect((await call('POST', '/api/v1/admin/badges', { body: { name: 'x', type: 'MANUAL' } })).status).toBe(
      401,
    );
  });
});

describe('manual grants (BADGE-03/04)', () => {
  it('grants once, revokes, keeps the holder count exact and shows the badge wherever the member is', async () => {
    const badge = await createBadge({ name: 'Helper of the Month', type: 'MANUAL', rarity: 'LEGENDARY' });
    const member = await api.member();
    const grant = (userId: number, badgeId = badge.id) =>
      call('POST', `/api/v1/admin/badges/${badgeId}/grant`, {
        headers: api.admin.authHeader,
        body: { userId, reason: 'answered 50 questions' },
      });
    const granted = await grant(member.user.id);
    expect(granted.status).toBe(201);
    expect(granted.body.data).toEqual({
      id: expect.any(Number),
      userId: member.user.id,
      badgeId: badge.id,
      grantedByAdminId: api.admin.user.id,
      reason: 'answered 50 questions',
      grantedAt: expect.any(String),
      badge: {
        id: badge.id,
        name: 'Helper of the Month',
        description: 'test',
        iconUrl: '',
        type: 'MANUAL',
        rarity: 'LEGENDARY',
      },
    });
    expectError(await grant(member.user.id), 409, 'BADGE_ALREADY_GRANTED');
    expectError(await grant(missingId), 404, 'USER_NOT_FOUND');
    expectError(await grant(member.user.id, missingId), 404, 'BADGE_NOT_FOUND');
    expect(await holdings(badge.id)).toEqual({ rows: 1, holderCount: 1 });

    const mine = await call('GET', '/api/v1/badges/me', { headers: member.authHeader });
    expect(mine.body.data).toEqual([granted.body.data]);
    const theirs = await call('GET', `/api/v1/users/${member.user.id}/badges`);
    expect(theirs.body.data).toEqual([granted.body.data]);
    expectError(await call('GET', `/api/v1/users/${missingId}/badges`), 404, 'USER_NOT_FOUND');
    const held = [{ id: badge.id, name: 'Helper of the Month', iconUrl: null }];
    expect((await call('GET', '/api/v1/users/me', { headers: member.authHeader })).body.data.badges).toEqual(
      held,
    );
    expect((await call('GET', `/api/v1/users/profile/${member.user.id}`)).body.data.badges).toEqual(held);
    const adminList = await call('GET', `/api/v1/users?search=${encodeURIComponent(member.user.email)}`, {
      headers: api.admin.authHeader,
    });
    expect(adminList.body.data.map((row: { badges: unknown }) => row.badges)).toEqual([held]);

    // concurrent grants of one badge to one member: one wins
    const other = await api.member();
    const raced = await Promise.all(Array.from({ length: 5 }, () => grant(other.user.id)));
    expect(raced.map((answer) => answer.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(await holdings(badge.id)).toEqual({ rows: 2, holderCount: 2 });

    const revoke = (userId: number) =>
      call('DELETE', `/api/v1/admin/badges/${badge.id}/revoke/${userId}`, { headers: api.admin.authHeader });
    expect((await revoke(member.user.id)).status).toBe(200);
    expectError(await revoke(member.user.id), 404, 'BADGE_NOT_FOUND');
    expect(await holdings(badge.id)).toEqual({ rows: 1, holderCount: 1 });
    expect((await call('GET', '/api/v1/badges/me', { headers: member.authHeader })).body.data).toEqual([]);
    expect((await grant(member.user.id)).status).toBe(201);
    expect(await holdings(badge.id)).toEqual({ rows: 2, holderCount: 2 });
    expect(await auditActions(`${badge.id}/${member.user.id}`)).toEqual([
      'badge.grant:SUCCEEDED',
      'badge.grant:FAILED',
      'badge.revoke:SUCCEEDED',
      'badge.revoke:FAILED',
      'badge.grant:SUCCEEDED',
    ]);
  });
});

describe('badges beside the author in the community', () => {
  it("a post's and a comment's author carry the badges held, in the lists and the detail; none once withdrawn", async () => {
    const badge = await createBadge({ name: 'Community Star', type: 'MANUAL' });
    const writer = await api.member();
    const board = await createBoard(api.app, api.admin.authHeader);
    const post = await writePost(api.app, writer.authHeader, board.id);
    const commented = await call('POST', `/api/v1/posts/${post.id}/comments`, {
      headers: writer.authHeader,
      body: { content: 'my own comment' },
    });
    expect(commented.status, JSON.stringify(commented.body)).toBe(201);
    const authorBadges = async () => {
      const listed = await call('GET', `/api/v1/boards/${board.id}/posts`);
      const detail = await call('GET', `/api/v1/posts/${post.id}`);
      const comments = await call('GET', `/api/v1/posts/${post.id}/comments`);
      return [
        listed.body.data[0].author.badges,
        detail.body.data.author.badges,
        comments.body.data[0].author.badges,
      ];
    };
    expect(await authorBadges()).toEqual([[], [], []]);
    await call('POST', `/api/v1/admin/badges/${badge.id}/grant`, {
      headers: api.admin.authHeader,
      body: { userId: writer.user.id },
    });
    const held = [{ id: badge.id, name: 'Community Star' }];
    expect(await authorBadges()).toEqual([held, held, held]);
    await db().execute(sql`update users set deleted_at = now() where id = ${writer.user.id}`);
    expect(await authorBadges()).toEqual([[], [], []]);
  });
});

describe('AUTO grants (BADGE-02/05)', () => {
  it('ten members crossing a threshold at the same moment are granted once each, and a sweep adds none', async () => {
    const badge = await createBadge({ type: 'AUTO', condition: { metric: 'point_total', threshold: 1000 } });
    const members: Member[] = [];
    for (let index = 0; index < 10; index++) members.push(await api.member());
    const grantPoints = (member: Member, amount: number) =>
      call('POST', '/api/v1/admin/points/grant', {
        headers: api.admin.authHeader,
        body: { userId: member.user.id, amount },
      });
    for (const member of members) expect((await grantPoints(member, 900)).status).toBe(201);
    expect(await holdings(badge.id)).toEqual({ rows: 0, holderCount: 0 });

    // every member's crossing write, two writes each, and two sweeps, all at once
    const answers = await Promise.all([
      ...members.flatMap((member) => [grantPoints(member, 100), grantPoints(member, 50)]),
      sweep(),
      sweep(),
    ]);
    expect(answers.slice(0, 20).every((answer) => 'status' in answer && answer.status === 201)).toBe(true);
    expect(await holdings(badge.id)).toEqual({ rows: 10, holderCount: 10 });
    const rerun = await sweep();
    expect(rerun).toMatchObject({ ran: true, granted: 0 });
    expect(await holdings(badge.id)).toEqual({ rows: 10, holderCount: 10 });
    const listed = await call('GET', '/api/v1/badges');
    expect(listed.body.data.find((item: { id: number }) => item.id === badge.id).holderCount).toBe(10);
    // a revoked AUTO badge whose condition still holds comes back with the next sweep, once
    await call('DELETE', `/api/v1/admin/badges/${badge.id}/revoke/${members[0]!.user.id}`, {
      headers: api.admin.authHeader,
    });
    expect(await holdings(badge.id)).toEqual({ rows: 9, holderCount: 9 });
    expect(await sweep()).toMatchObject({ ran: true, granted: 1 });
    expect(await holdings(badge.id)).toEqual({ rows: 10, holderCount: 10 });
  });

  it('counts reviews and confirmed orders from their modules, granted right after the write', async () => {
    const reviewer = await createBadge({ type: 'AUTO', condition: { metric: 'review_count', threshold: 1 } });
    const buyer = await createBadge({ type: 'AUTO', condition: { metric: 'order_count', threshold: 1 } });
    const member = await api.member();
    const shop = await createShop(api.app, api.admin.authHeader);
    const offer = await stockedProduct(api.app, api.admin.authHeader, shop, { price: 20_000, stock: 5 });
    // a delivered order as a fixture of the orders module's tables; the API confirms it
    const [order] = await db().execute<{ id: number }>(sql`
      insert into orders (order_number, user_id, status, total_amount, final_amount, recipient_name, recipient_phone, zip_code, address)
      values (${`ORD-BADGE-${member.user.id}`}, ${member.user.id}, 'DELIVERED', 20000, 20000, 'r', 'p', 'z', 'a')
      returning id`);
    await db().execute(sql`
      insert into order_items (order_id, product_id, seller_id, product_name, seller_name, quantity, unit_price, total_price)
      values (${order!.id}, ${offer.productId}, ${offer.sellerId}, 'p', 's', 1, 20000, 20000)`);
    const confirmed = await call('PATCH', `/api/v1/admin/orders/${order!.id}/status`, {
      headers: api.admin.authHeader,
      body: { status: 'CONFIRMED' },
    });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(await holdings(buyer.id)).toEqual({ rows: 1, holderCount: 1 });
    expect(await holdings(reviewer.id)).toEqual({ rows: 0, holderCount: 0 });

    const reviewed = await call('POST', `/api/v1/products/${offer.productId}/reviews`, {
      headers: member.authHeader,
      body: { orderId: order!.id, rating: 5, content: 'works as described, would buy again' },
    });
    expect(reviewed.status, JSON.stringify(reviewed.body)).toBe(201);
    expect(await holdings(reviewer.id)).toEqual({ rows: 1, holderCount: 1 });
    const mine = await call('GET', '/api/v1/badges/me', { headers: member.authHeader });
    expect(mine.body.data.map((item: { badgeId: number }) => item.badgeId).sort()).toEqual(
      [reviewer.id, buyer.id].sort(),
    );
    expect(mine.body.data.every((item: { grantedByAdminId: null }) => item.grantedByAdminId === null)).toBe(
      true,
    );
  });

  it('counts consecutive Seoul login days up to today, recorded by POST /auth/login', async () => {
    const streak = await createBadge({ type: 'AUTO', condition: { metric: 'login_streak', threshold: 3 } });
    const password = 'Correct-Horse-42!';
    const member = await api.member();
    await db().execute(sql`update users set password_hash = ${await api.deps.passwords.hash(password)}
      where id = ${member.user.id}`);
    const login = () => call('POST', '/api/v1/auth/login', { body: { email: member.user.email, password } });
    // yesterday and three days ago: a gap, so today makes a streak of 2
    await db().execute(sql`insert into user_login_days (user_id, day) values
      (${member.user.id}, (now() at time zone 'Asia/Seoul')::date - 1),
      (${member.user.id}, (now() at time zone 'Asia/Seoul')::date - 3)`);
    expect((await login()).status).toBe(200);
    expect(await holdings(streak.id)).toEqual({ rows: 0, holderCount: 0 });
    const [today] = await db().execute<{ days: number }>(sql`
      select count(*)::int as days from user_login_days
      where user_id = ${member.user.id} and day = (now() at time zone 'Asia/Seoul')::date`);
    expect(today!.days).toBe(1);
    // the gap filled: 3 days up to today
    await db().execute(sql`insert into user_login_days (user_id, day)
      values (${member.user.id}, (now() at time zone 'Asia/Seoul')::date - 2)`);
    expect((await login()).status).toBe(200);
    expect((await login()).status).toBe(200);
    expect(await holdings(streak.id)).toEqual({ rows: 1, holderCount: 1 });
  });

  it('counts published posts through the sweep, which runs on one replica at a time', async () => {
    const poster = await createBadge({ type: 'AUTO', condition: { metric: 'post_count', threshold: 2 } });
    const member = await api.member();
    // posts as a fixture of the community module's tables: two published, one hidden
    const [board] = await db().execute<{ id: number }>(sql`
      insert into boards (slug, name) values (${`badge-${member.user.id}`}, 'badge test') returning id`);
    await db().execute(sql`
      insert into posts (board_id, user_id, title, content, status) values
        (${board!.id}, ${member.user.id}, 'one', 'c', 'PUBLISHED'),
        (${board!.id}, ${member.user.id}, 'two', 'c', 'HIDDEN')`);
    await sweep();
    expect(await holdings(poster.id)).toEqual({ rows: 0, holderCount: 0 });
    await db().execute(sql`
      insert into posts (board_id, user_id, title, content, status)
      values (${board!.id}, ${member.user.id}, 'three', 'c', 'PUBLISHED')`);

    // another process holding the sweep lock: this one skips
    const held = await api.deps.database.withSessionLock(BADGE_SWEEP_LOCK, sweep);
    expect(held).toEqual({ acquired: true, value: { ran: false, reason: 'another process is sweeping' } });
    expect(await holdings(poster.id)).toEqual({ rows: 0, holderCount: 0 });
    expect(await sweep()).toMatchObject({ ran: true });
    expect(await holdings(poster.id)).toEqual({ rows: 1, holderCount: 1 });
  });

  it('a new badge goes to every member who already qualifies, never to a withdrawn one', async () => {
    const badge = await createBadge({ type: 'AUTO', condition: { metric: 'point_total', threshold: 10 } });
    const member = await api.member();
    await call('POST', '/api/v1/admin/points/grant', {
      headers: api.admin.authHeader,
      body: { userId: member.user.id, amount: 5 },
    });
    await db().execute(sql`update users set deleted_at = now() where id = ${member.user.id}`);
    await db().execute(sql`insert into point_transactions (user_id, type, amount, balance_after)
      values (${member.user.id}, 'EARN', 100, 105)`);
    await sweep();
    // the members of the earlier tests with their points got the new badge; the withdrawn one did not
    const held = await holdings(badge.id);
    expect(held.rows).toBeGreaterThan(0);
    expect(held.holderCount).toBe(held.rows);
    const [mine] = await db().execute<{ held: number }>(sql`
      select count(*)::int as held from user_badges where badge_id = ${badge.id} and user_id = ${member.user.id}`);
    expect(mine!.held).toBe(0);
  });
});
