// USER-01..07: my account, withdrawal, the admin's member list and status changes, public
// profiles and nicknames; against real PostgreSQL and Redis.
import { refreshTokens, users } from '@pbshop/db';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { tokenService } from '../src/modules/identity/auth/tokens.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { uniqueEmail } from './helpers/users.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN', name: 'Admin Kim' } } });

type Headers = Record<string, string>;

async function call(
  method: 'GET' | 'PATCH' | 'PUT' | 'DELETE' | 'POST',
  url: string,
  options: { headers?: Headers; body?: unknown; payload?: string } = {},
) {
  const response = await api.app.inject({
    method,
    url,
    headers: options.headers,
    ...(options.payload !== undefined
      ? { payload: options.payload }
      : options.body === undefined
        ? {}
        : { payload: options.body as object }),
  });
  return { status: response.statusCode, body: response.json(), headers: response.headers };
}

function expectError(
  result: { status: number; body: { success: boolean; error: { code: string } } },
  status: number,
  code: string,
) {
  expect({ status: result.status, code: result.body.error?.code }).toEqual({ status, code });
  expect(result.body.success).toBe(false);
}

const missingId = 999_999_999;

function refreshTokensOf(userId: number) {
  return api.deps.database.db.select().from(refreshTokens).where(eq(refreshTokens.userId, userId));
}

describe('GET /users/me (USER-01)', () => {
  it('returns my account in the contract shape, without secrets', async () => {
    const member = await api.member({ name: 'Lee Minji', phone: '010-2222-3333' });
    const { status, body } = await call('GET', '/api/v1/users/me', { headers: member.authHeader });
    expect(status).toBe(200);
    expect(body.success).toBe(true);
    expect(body.data).toEqual({
      id: member.user.id,
      email: member.user.email,
      name: 'Lee Minji',
      phone: '010-2222-3333',
      // the storefront types nickname `string` and reads it: '' until one is set
      nickname: '',
      bio: null,
      profileImageUrl: null,
      role: 'USER',
      status: 'ACTIVE',
      point: 0,
      badges: [],
      emailVerified: true,
      createdAt: member.user.createdAt.toISOString(),
    });
    expect(JSON.stringify(body)).not.toMatch(/password|tokenVersion/i);
  });

  it('reports an unverified e-mail as emailVerified false', async () => {
    const member = await api.member({ emailVerified: false });
    const { body } = await call('GET', '/api/v1/users/me', { headers: member.authHeader });
    expect(body.data.emailVerified).toBe(false);
  });

  it('is 401 without a token, with a garbage token or a token of an unknown member', async () => {
    expectError(await call('GET', '/api/v1/users/me'), 401, 'UNAUTHORIZED');
    expectError(
      await call('GET', '/api/v1/users/me', { headers: { authorization: 'Bearer not.a.jwt' } }),
      401,
      'TOKEN_INVALID',
    );
    const ghost = api.app.signAccessToken({ sub: String(missingId), role: 'ADMIN', ver: 0 });
    expectError(
      await call('GET', '/api/v1/users/me', { headers: { authorization: `Bearer ${ghost}` } }),
      401,
      'TOKEN_INVALID',
    );
  });
});

describe('PATCH /users/me (USER-02)', () => {
  it('changes name and phone; the phone is stored canonical', async () => {
    const member = await api.member();
    const { status, body } = await call('PATCH', '/api/v1/users/me', {
      headers: member.authHeader,
      body: { name: '  Park Jisoo ', phone: '01098765432' },
    });
    expect(status).toBe(200);
    expect(body.data).toMatchObject({ id: member.user.id, name: 'Park Jisoo', phone: '010-9876-5432' });
    const again = await call('GET', '/api/v1/users/me', { headers: member.authHeader });
    expect(again.body.data).toMatchObject({ name: 'Park Jisoo', phone: '010-9876-5432' });
  });

  it('changes one field and leaves the other', async () => {
    const member = await api.member({ name: 'Before Name', phone: '010-1111-2222' });
    const { body } = await call('PATCH', '/api/v1/users/me', {
      headers: member.authHeader,
      body: { name: '홍길동' },
    });
    expect(body.data).toMatchObject({ name: '홍길동', phone: '010-1111-2222' });
  });

  it('refuses a password change here, pointing to the password reset', async () => {
    const member = await api.member();
    const result = await call('PATCH', '/api/v1/users/me', {
      headers: member.authHeader,
      body: { name: 'Some Name', password: 'NewPassw0rd!' },
    });
    expectError(result, 400, 'VALIDATION_ERROR');
    expect(result.body.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          field: 'body.password',
          message: expect.stringContaining('password-reset'),
        }),
      ]),
    );
    // nothing changed
    const me = await call('GET', '/api/v1/users/me', { headers: member.authHeader });
    expect(me.body.data.name).toBe('Test Member');
  });

  it.each([
    ['an empty body', {}],
    ['a one-character name', { name: 'A' }],
    ['a 21-character name', { name: 'A'.repeat(21) }],
    ['a huge name', { name: 'x'.repeat(100_000) }],
    ['a name with NUL', { name: 'Kim\u0000Lee' }],
    ['a name with a zero-width space', { name: 'Kim\u200BLee' }],
    ['a name with an RTL override', { name: 'Kim\u202ELee' }],
    ['a name with ESC', { name: 'Kim\u001b[31mLee' }],
    ['an SQL injection name', { name: "Robert'); DROP TABLE users;--" }],
    ['a script tag name', { name: '<script>alert(1)</script>' }],
    ['a numeric name', { name: 12345 }],
    ['a null name', { name: null }],
    ['an array name', { name: ['Kim', 'Lee'] }],
    ['a bad phone', { phone: '02-123-4567' }],
    ['a phone with letters', { phone: '010-abcd-5678' }],
    ['a phone with fullwidth digits', { phone: '０１０-１２３４-５６７８' }],
    ['a numeric phone', { phone: 1012345678 }],
  ])('refuses %s with 400 VALIDATION_ERROR', async (_label, body) => {
    const member = await api.member();
    expectError(
      await call('PATCH', '/api/v1/users/me', { headers: member.authHeader, body }),
      400,
      'VALIDATION_ERROR',
    );
  });

  it('refuses malformed JSON and a non-JSON body with catalog codes', async () => {
    const member = await api.member();
    expectError(
      await call('PATCH', '/api/v1/users/me', {
        headers: { ...member.authHeader, 'content-type': 'application/json' },
        payload: '{"name": "Kim',
      }),
      400,
      'MALFORMED_JSON',
    );
    expectError(
      await call('PATCH', '/api/v1/users/me', {
        headers: { ...member.authHeader, 'content-type': 'application/xml' },
        payload: '<name>Kim</name>',
      }),
      415,
      'MEDIA_TYPE_NOT_ALLOWED',
    );
    // Fastify parses text/plain into a string, which is no object
    expectError(
      await call('PATCH', '/api/v1/users/me', {
        headers: { ...member.authHeader, 'content-type': 'text/plain' },
        payload: 'name=Kim',
      }),
      400,
      'VALIDATION_ERROR',
    );
  });

  it('is 401 anonymously', async () => {
    expectError(
      await call('PATCH', '/api/v1/users/me', { body: { name: 'Nobody Here' } }),
      401,
      'UNAUTHORIZED',
    );
  });
});

describe("PUT /users/me (the storefront's updateMe)", () => {
  it('is the PATCH handler: same changes, same answer, same phone canonicalisation', async () => {
    const member = await api.member({ name: 'Before Put', phone: '010-1111-2222' });
    // MyPage.tsx:63 sends { name, phone }
    const { status, body } = await call('PUT', '/api/v1/users/me', {
      headers: member.authHeader,
      body: { name: '박변경', phone: '01098765432' },
    });
    expect(status).toBe(200);
    expect(body.data).toMatchObject({
      id: member.user.id,
      name: '박변경',
      phone: '010-9876-5432',
      nickname: '',
    });
    const again = await call('GET', '/api/v1/users/me', { headers: member.authHeader });
    expect(again.body.data).toMatchObject({ name: '박변경', phone: '010-9876-5432' });
  });

  it('refuses what PATCH refuses: a password, an empty body, hostile names, anonymous calls', async () => {
    const member = await api.member();
    // UserApiPage.tsx:97 adds password when its input is non-empty: still only through the reset flow
    const withPassword = await call('PUT', '/api/v1/users/me', {
      headers: member.authHeader,
      body: { name: 'Some Name', phone: '010-1234-5678', password: 'NewPassw0rd!' },
    });
    expectError(withPassword, 400, 'VALIDATION_ERROR');
    expect(withPassword.body.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'body.password' })]),
    );
    for (const body of [
      {},
      { name: '<script>alert(1)</script>' },
      { name: ['a', 'b'] },
      { phone: 1012345678 },
    ]) {
      expectError(
        await call('PUT', '/api/v1/users/me', { headers: member.authHeader, body }),
        400,
        'VALIDATION_ERROR',
      );
    }
    expectError(
      await call('PUT', '/api/v1/users/me', {
        headers: { ...member.authHeader, 'content-type': 'application/json' },
        payload: '{"name": ',
      }),
      400,
      'MALFORMED_JSON',
    );
    expectError(
      await call('PUT', '/api/v1/users/me', { body: { name: 'Nobody Here' } }),
      401,
      'UNAUTHORIZED',
    );
    const me = await call('GET', '/api/v1/users/me', { headers: member.authHeader });
    expect(me.body.data.name).toBe('Test Member');
  });

  it('is documented under both methods in OpenAPI', () => {
    const paths = (api.app.swagger() as { paths: Record<string, Record<string, unknown>> }).paths;
    expect(Object.keys(paths['/api/v1/users/me'] ?? {})).toEqual(
      expect.arrayContaining(['get', 'patch', 'put', 'delete']),
    );
    expect(paths['/api/v1/users/{id}/profile']?.get).toBeDefined();
    expect(paths['/api/v1/users/profile/{id}']?.get).toBeDefined();
  });
});

describe('DELETE /users/me (USER-03)', () => {
  it('soft-deletes, ends every session, frees the e-mail and the nickname, hides the profile', async () => {
    const email = uniqueEmail('leaver');
    const member = await api.member({ email });
    const nickname = `leaver_${member.user.id}`;
    expect(
      (await call('PATCH', '/api/v1/users/me/profile', { headers: member.authHeader, body: { nickname } }))
        .status,
    ).toBe(200);
    const tokens = tokenService(api.deps.database.db, api.deps.env, api.app.signAccessToken);
    await tokens.issue({ id: member.user.id, role: 'USER', tokenVersion: member.user.tokenVersion });
    await tokens.issue({ id: member.user.id, role: 'USER', tokenVersion: member.user.tokenVersion });

    const { status, body } = await call('DELETE', '/api/v1/users/me', {
      headers: { ...member.authHeader, 'accept-language': 'en' },
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ success: true, data: { message: expect.stringMatching(/withdrawn/i) } });

    // the very same token is dead
    expectError(await call('GET', '/api/v1/users/me', { headers: member.authHeader }), 401, 'TOKEN_INVALID');
    expectError(
      await call('DELETE', '/api/v1/users/me', { headers: member.authHeader }),
      401,
      'TOKEN_INVALID',
    );

    const [row] = await api.deps.database.db.select().from(users).where(eq(users.id, member.user.id));
    expect(row!.deletedAt).toBeInstanceOf(Date);
    expect(row!.status).toBe('INACTIVE');
    expect(row!.tokenVersion).toBe(member.user.tokenVersion + 1);
    const sessions = await refreshTokensOf(member.user.id);
    expect(sessions).toHaveLength(2);
    expect(sessions.every((session) => session.revokedAt !== null)).toBe(true);

    expectError(await call('GET', `/api/v1/users/${member.user.id}/profile`), 404, 'USER_NOT_FOUND');
    const list = await call('GET', `/api/v1/users?search=${encodeURIComponent(email)}`, {
      headers: api.admin.authHeader,
    });
    expect(list.body.meta.totalCount).toBe(0);

    // the e-mail signs up again, and the nickname is free
    const again = await api.member({ email });
    expect(again.user.id).not.toBe(member.user.id);
    const retaken = await call('PATCH', '/api/v1/users/me/profile', {
      headers: again.authHeader,
      body: { nickname },
    });
    expect(retaken.status).toBe(200);
    expect((await call('GET', '/api/v1/users/me', { headers: again.authHeader })).body.data.email).toBe(
      email,
    );
  });

  it('is 401 anonymously', async () => {
    expectError(await call('DELETE', '/api/v1/users/me'), 401, 'UNAUTHORIZED');
  });
});

describe('GET /users (USER-04, admin)', () => {
  it('is 401 anonymously and 403 for USER and SELLER', async () => {
    expectError(await call('GET', '/api/v1/users'), 401, 'UNAUTHORIZED');
    const member = await api.member();
    const seller = await api.member({ role: 'SELLER' });
    expectError(await call('GET', '/api/v1/users', { headers: member.authHeader }), 403, 'FORBIDDEN');
    expectError(await call('GET', '/api/v1/users', { headers: seller.authHeader }), 403, 'FORBIDDEN');
  });

  it('pages newest first with meta', async () => {
    const created: number[] = [];
    for (let index = 0; index < 25; index += 1) {
      const member = await api.member({ name: `Pager Person ${index}` });
      created.push(member.user.id);
    }
    const seen: number[] = [];
    for (const pageNumber of [1, 2, 3]) {
      const { status, body } = await call(
        'GET',
        `/api/v1/users?search=pager%20person&limit=10&page=${pageNumber}`,
        {
          headers: api.admin.authHeader,
        },
      );
      expect(status).toBe(200);
      expect(body.meta).toEqual({ page: pageNumber, limit: 10, totalCount: 25, totalPages: 3 });
      expect(body.data).toHaveLength(pageNumber === 3 ? 5 : 10);
      seen.push(...body.data.map((user: { id: number }) => user.id));
      const times = body.data.map((user: { createdAt: string }) => Date.parse(user.createdAt));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    }
    expect(new Set(seen).size).toBe(25);
    expect(new Set(seen)).toEqual(new Set(created));
    // newest first: the last created comes first
    expect(seen[0]).toBe(created[24]);
    expect(seen[24]).toBe(created[0]);

    const beyond = await call('GET', '/api/v1/users?search=pager%20person&limit=10&page=9', {
      headers: api.admin.authHeader,
    });
    expect(beyond.body.data).toEqual([]);
    expect(beyond.body.meta).toEqual({ page: 9, limit: 10, totalCount: 25, totalPages: 3 });

    const defaults = await call('GET', '/api/v1/users', { headers: api.admin.authHeader });
    expect(defaults.body.meta).toMatchObject({ page: 1, limit: 20 });
    expect(defaults.body.data.length).toBeLessThanOrEqual(20);
  });

  it('searches e-mail and name case-insensitively, with % and _ taken literally', async () => {
    const marker = `q${Date.now().toString(36)}`;
    const percent = await api.deps.users.create({
      email: `${marker}-percent@example.test`,
      name: `${marker} 100% Kim`,
      passwordHash: null,
    });
    const plain = await api.deps.users.create({
      email: `${marker}-plain@example.test`,
      name: `${marker} 100 Kim`,
      passwordHash: null,
    });
    const underscore = await api.deps.users.create({
      email: `${marker}_under@example.test`,
      name: 'Underscore Park',
      passwordHash: null,
    });
    const dash = await api.deps.users.create({
      email: `${marker}-under@example.test`,
      name: 'Dash Park',
      passwordHash: null,
    });
    const ids = async (query: string) => {
      const { status, body } = await call('GET', `/api/v1/users?limit=100&${query}`, {
        headers: api.admin.authHeader,
      });
      expect(status).toBe(200);
      return new Set(body.data.map((user: { id: number }) => user.id));
    };
    expect(await ids(`search=${encodeURIComponent(marker.toUpperCase())}`)).toEqual(
      new Set([percent.id, plain.id, underscore.id, dash.id]),
    );
    expect(await ids(`search=${encodeURIComponent(`${marker} 100%`)}`)).toEqual(new Set([percent.id]));
    expect(await ids(`search=${encodeURIComponent(`${marker}_`)}`)).toEqual(new Set([underscore.id]));
    expect(await ids(`search=${encodeURIComponent('UNDERSCORE park')}`)).toEqual(new Set([underscore.id]));
    expect(await ids('search=%25')).toEqual(new Set([percent.id]));
    expect(await ids(`search=${encodeURIComponent('\\')}`)).toEqual(new Set());
    expect(await ids(`search=${encodeURIComponent("' OR 1=1 --")}`)).toEqual(new Set());
    expect(await ids(`search=${encodeURIComponent("'; DROP TABLE users; --")}`)).toEqual(new Set());
    // the table is still there
    expect((await call('GET', '/api/v1/users/me', { headers: api.admin.authHeader })).status).toBe(200);
  });

  it('filters by status and role', async () => {
    const marker = `f${Date.now().toString(36)}`;
    const seller = await api.member({ role: 'SELLER', name: `${marker} Seller` });
    const blocked = await api.member({ name: `${marker} Blocked` });
    const active = await api.member({ name: `${marker} Active` });
    await api.deps.users.setStatus(blocked.user.id, 'BLOCKED');
    const ids = async (query: string) => {
      const { body } = await call('GET', `/api/v1/users?search=${marker}&${query}`, {
        headers: api.admin.authHeader,
      });
      return body.data.map((user: { id: number }) => user.id).sort();
    };
    expect(await ids('role=SELLER')).toEqual([seller.user.id]);
    expect(await ids('status=BLOCKED')).toEqual([blocked.user.id]);
    expect(await ids('status=ACTIVE&role=USER')).toEqual([active.user.id]);
    expect(await ids('status=ACTIVE')).toEqual([active.user.id, seller.user.id].sort());
    expect(await ids('role=ADMIN')).toEqual([]);
  });

  it.each([
    ['limit over 100', 'limit=101'],
    ['limit 0', 'limit=0'],
    ['a negative page', 'page=-1'],
    ['page 0', 'page=0'],
    ['a non-numeric page', 'page=abc'],
    ['a fractional limit', 'limit=2.5'],
    ['an unknown status', 'status=DELETED'],
    ['a lowercase role', 'role=admin'],
    ['a 101-character search', `search=${'a'.repeat(101)}`],
    ['a NUL in the search', 'search=ab%00cd'],
    ['an ESC in the search', 'search=%1B%5B31m'],
  ])('refuses %s with 400 VALIDATION_ERROR', async (_label, query) => {
    expectError(
      await call('GET', `/api/v1/users?${query}`, { headers: api.admin.authHeader }),
      400,
      'VALIDATION_ERROR',
    );
  });
});

describe('PATCH /users/:id/status (USER-05, admin)', () => {
  it('blocks: the member is refused with USER_BLOCKED on the very next request, sessions revoked', async () => {
    const member = await api.member();
    expect((await call('GET', '/api/v1/users/me', { headers: member.authHeader })).status).toBe(200);
    const tokens = tokenService(api.deps.database.db, api.deps.env, api.app.signAccessToken);
    const session = await tokens.issue({ id: member.user.id, role: 'USER', tokenVersion: 0 });

    const { status, body } = await call('PATCH', `/api/v1/users/${member.user.id}/status`, {
      headers: api.admin.authHeader,
      body: { status: 'BLOCKED' },
    });
    expect(status).toBe(200);
    expect(body.data).toMatchObject({ id: member.user.id, status: 'BLOCKED', email: member.user.email });

    expectError(await call('GET', '/api/v1/users/me', { headers: member.authHeader }), 403, 'USER_BLOCKED');
    expectError(
      await call('PATCH', '/api/v1/users/me/profile', {
        headers: member.authHeader,
        body: { bio: 'still here?' },
      }),
      403,
      'USER_BLOCKED',
    );
    const sessions = await refreshTokensOf(member.user.id);
    expect(sessions.every((row) => row.revokedAt !== null)).toBe(true);
    await expect(tokens.rotate(session.refreshToken, async () => undefined)).rejects.toMatchObject({
      code: 'TOKEN_INVALID',
    });

    // unblocked: tokens from before the block stay dead, a new one works
    const reactivated = await call('PATCH', `/api/v1/users/${member.user.id}/status`, {
      headers: api.admin.authHeader,
      body: { status: 'ACTIVE' },
    });
    expect(reactivated.body.data.status).toBe('ACTIVE');
    expectError(await call('GET', '/api/v1/users/me', { headers: member.authHeader }), 401, 'TOKEN_INVALID');
    const [row] = await api.deps.database.db.select().from(users).where(eq(users.id, member.user.id));
    const fresh = api.app.signAccessToken({
      sub: String(member.user.id),
      role: 'USER',
      ver: row!.tokenVersion,
    });
    expect(
      (await call('GET', '/api/v1/users/me', { headers: { authorization: `Bearer ${fresh}` } })).status,
    ).toBe(200);
  });

  it('INACTIVE also stops the member at once', async () => {
    const member = await api.member();
    const { body } = await call('PATCH', `/api/v1/users/${member.user.id}/status`, {
      headers: api.admin.authHeader,
      body: { status: 'INACTIVE' },
    });
    expect(body.data.status).toBe('INACTIVE');
    expectError(await call('GET', '/api/v1/users/me', { headers: member.authHeader }), 403, 'USER_BLOCKED');
  });

  it('lets an admin block another admin, who loses admin access at once', async () => {
    const other = await api.member({ role: 'ADMIN' });
    await call('PATCH', `/api/v1/users/${other.user.id}/status`, {
      headers: api.admin.authHeader,
      body: { status: 'BLOCKED' },
    });
    expectError(await call('GET', '/api/v1/users', { headers: other.authHeader }), 403, 'USER_BLOCKED');
  });

  it('refuses an admin blocking or deactivating themself', async () => {
    for (const status of ['BLOCKED', 'INACTIVE']) {
      expectError(
        await call('PATCH', `/api/v1/users/${api.admin.user.id}/status`, {
          headers: api.admin.authHeader,
          body: { status },
        }),
        400,
        'CANNOT_CHANGE_OWN_STATUS',
      );
    }
    const same = await call('PATCH', `/api/v1/users/${api.admin.user.id}/status`, {
      headers: api.admin.authHeader,
      body: { status: 'ACTIVE' },
    });
    expect(same.status).toBe(200);
    expect((await call('GET', '/api/v1/users/me', { headers: api.admin.authHeader })).status).toBe(200);
  });

  it('is 404 USER_NOT_FOUND for an unknown or withdrawn member', async () => {
    expectError(
      await call('PATCH', `/api/v1/users/${missingId}/status`, {
        headers: api.admin.authHeader,
        body: { status: 'BLOCKED' },
      }),
      404,
      'USER_NOT_FOUND',
    );
    const leaver = await api.member();
    await call('DELETE', '/api/v1/users/me', { headers: leaver.authHeader });
    expectError(
      await call('PATCH', `/api/v1/users/${leaver.user.id}/status`, {
        headers: api.admin.authHeader,
        body: { status: 'ACTIVE' },
      }),
      404,
      'USER_NOT_FOUND',
    );
  });

  it.each([
    ['a non-integer id', 'not-an-id', { status: 'BLOCKED' }],
    ['an injection id', "1' OR '1'='1", { status: 'BLOCKED' }],
    ['an unknown status', missingId, { status: 'DELETED' }],
    ['a lowercase status', missingId, { status: 'blocked' }],
    ['a numeric status', missingId, { status: 1 }],
    ['no status', missingId, {}],
  ])('refuses %s with 400 VALIDATION_ERROR', async (_label, id, body) => {
    expectError(
      await call('PATCH', `/api/v1/users/${encodeURIComponent(id)}/status`, {
        headers: api.admin.authHeader,
        body,
      }),
      400,
      'VALIDATION_ERROR',
    );
  });

  it('is 401 anonymously and 403 for a USER', async () => {
    const member = await api.member();
    const target = `/api/v1/users/${member.user.id}/status`;
    expectError(await call('PATCH', target, { body: { status: 'BLOCKED' } }), 401, 'UNAUTHORIZED');
    expectError(
      await call('PATCH', target, { headers: member.authHeader, body: { status: 'BLOCKED' } }),
      403,
      'FORBIDDEN',
    );
    // a USER may not even block themself
    expect((await call('GET', '/api/v1/users/me', { headers: member.authHeader })).body.data.status).toBe(
      'ACTIVE',
    );
  });
});

describe('GET /users/:id/profile (USER-06, public)', () => {
  it('shows nickname, bio, image and join date to anyone, never e-mail or phone', async () => {
    const member = await api.member();
    const nickname = `pub_${member.user.id}`;
    await call('PATCH', '/api/v1/users/me/profile', {
      headers: member.authHeader,
      body: { nickname, bio: 'hello' },
    });
    const { status, body } = await call('GET', `/api/v1/users/${member.user.id}/profile`);
    expect(status).toBe(200);
    expect(body.data).toEqual({
      id: member.user.id,
      nickname,
      bio: 'hello',
      profileImageUrl: null,
      badges: [],
      createdAt: member.user.createdAt.toISOString(),
    });
    expect(JSON.stringify(body)).not.toContain(member.user.email);
    expect(JSON.stringify(body)).not.toContain('010-');
  });

  it('is 404 for an unknown member and 400 for a non-integer id, never 500', async () => {
    expectError(await call('GET', `/api/v1/users/${missingId}/profile`), 404, 'USER_NOT_FOUND');
    for (const id of ['abc', '0', '1.5', "1' OR '1'='1", '..%2F..%2Fetc%2Fpasswd', `${missingId}x`, '%00']) {
      expectError(await call('GET', `/api/v1/users/${id}/profile`), 400, 'VALIDATION_ERROR');
    }
  });
});

describe("GET /users/profile/:userId (the storefront's fetchPublicProfile)", () => {
  it('answers what /users/:id/profile answers; an unset nickname is the empty string', async () => {
    const member = await api.member();
    const before = await call('GET', `/api/v1/users/profile/${member.user.id}`);
    expect(before.status).toBe(200);
    expect(before.body.data).toEqual({
      id: member.user.id,
      nickname: '',
      bio: null,
      profileImageUrl: null,
      badges: [],
      createdAt: member.user.createdAt.toISOString(),
    });
    const nickname = `alias_${member.user.id}`;
    await call('PATCH', '/api/v1/users/me/profile', {
      headers: member.authHeader,
      body: { nickname, bio: 'hi' },
    });
    const viaClientPath = await call('GET', `/api/v1/users/profile/${member.user.id}`);
    const viaContractPath = await call('GET', `/api/v1/users/${member.user.id}/profile`);
    expect(viaClientPath.body.data).toEqual(viaContractPath.body.data);
    expect(viaClientPath.body.data).toMatchObject({ nickname, bio: 'hi' });
    expect(JSON.stringify(viaClientPath.body)).not.toContain(member.user.email);
  });

  it('is 404 for an unknown or withdrawn member and 400 for a non-integer id, never 500', async () => {
    expectError(await call('GET', `/api/v1/users/profile/${missingId}`), 404, 'USER_NOT_FOUND');
    for (const id of ['abc', '0', '-1', '1.5', '1e3', "1' OR '1'='1", '%00', '9007199254740993']) {
      expectError(await call('GET', `/api/v1/users/profile/${id}`), 400, 'VALIDATION_ERROR');
    }
    const leaver = await api.member();
    await call('DELETE', '/api/v1/users/me', { headers: leaver.authHeader });
    expectError(await call('GET', `/api/v1/users/profile/${leaver.user.id}`), 404, 'USER_NOT_FOUND');
  });
});

describe('PATCH /users/me/profile (USER-07)', () => {
  it('sets nickname and bio; clears the bio with null or blanks', async () => {
    const member = await api.member();
    const nickname = `김_${member.user.id}`;
    const { status, body } = await call('PATCH', '/api/v1/users/me/profile', {
      headers: member.authHeader,
      body: { nickname, bio: '  안녕하세요\r\nPC 조립 좋아합니다 🖥️  ' },
    });
    expect(status).toBe(200);
    expect(body.data).toEqual({
      id: member.user.id,
      nickname,
      bio: '안녕하세요\nPC 조립 좋아합니다 🖥️',
      profileImageUrl: null,
      badges: [],
      createdAt: member.user.createdAt.toISOString(),
    });
    const me = await call('GET', '/api/v1/users/me', { headers: member.authHeader });
    expect(me.body.data).toMatchObject({ nickname, bio: '안녕하세요\nPC 조립 좋아합니다 🖥️' });

    const blank = await call('PATCH', '/api/v1/users/me/profile', {
      headers: member.authHeader,
      body: { bio: ' \n ' },
    });
    expect(blank.body.data).toMatchObject({ nickname, bio: null });
    await call('PATCH', '/api/v1/users/me/profile', { headers: member.authHeader, body: { bio: 'x' } });
    const cleared = await call('PATCH', '/api/v1/users/me/profile', {
      headers: member.authHeader,
      body: { bio: null },
    });
    expect(cleared.body.data.bio).toBeNull();
  });

  it('strips control and invisible characters from the bio', async () => {
    const member = await api.member();
    const { status, body } = await call('PATCH', '/api/v1/users/me/profile', {
      headers: member.authHeader,
      body: { bio: 'a\u0000b\u001b[31mc\u202Ed\u200Be\uFEFFf\u2066g\u0007h\ti\nj' },
    });
    expect(status).toBe(200);
    expect(body.data.bio).toBe('ab[31mcdefgh\ti\nj');
    const [row] = await api.deps.database.db
      .select({ bio: users.bio })
      .from(users)
      .where(eq(users.id, member.user.id));
    expect(row!.bio).toBe('ab[31mcdefgh\ti\nj');
  });

  it('takes a 300-character bio (counted in characters) and refuses 301', async () => {
    const member = await api.member();
    const hangul = '가'.repeat(300);
    expect(
      (await call('PATCH', '/api/v1/users/me/profile', { headers: member.authHeader, body: { bio: hangul } }))
        .body.data.bio,
    ).toBe(hangul);
    const emoji = '😀'.repeat(300);
    expect(
      (await call('PATCH', '/api/v1/users/me/profile', { headers: member.authHeader, body: { bio: emoji } }))
        .status,
    ).toBe(200);
    expectError(
      await call('PATCH', '/api/v1/users/me/profile', {
        headers: member.authHeader,
        body: { bio: 'b'.repeat(301) },
      }),
      400,
      'VALIDATION_ERROR',
    );
  });

  it('composes a decomposed (NFD) Hangul nickname', async () => {
    const member = await api.member();
    const composed = `한글_${member.user.id}`;
    const { status, body } = await call('PATCH', '/api/v1/users/me/profile', {
      headers: member.authHeader,
      body: { nickname: composed.normalize('NFD') },
    });
    expect(status).toBe(200);
    expect(body.data.nickname).toBe(composed);
  });

  it.each([
    ['an empty body', {}],
    ['a one-character nickname', { nickname: 'a' }],
    ['a 21-character nickname', { nickname: 'a'.repeat(21) }],
    ['a huge nickname', { nickname: 'a'.repeat(50_000) }],
    ['a nickname with a space', { nickname: 'two words' }],
    ['a nickname with a zero-width space', { nickname: 'ad\u200Bmin' }],
    ['a nickname with a zero-width joiner', { nickname: 'ad\u200Dmin' }],
    ['a nickname with an RTL override', { nickname: 'abc\u202Efdp' }],
    ['a nickname with NUL', { nickname: 'nul\u0000l' }],
    ['a nickname with a Cyrillic look-alike', { nickname: 'аdmin' }],
    ['a fullwidth nickname', { nickname: 'ａｄｍｉｎ' }],
    ['an emoji nickname', { nickname: 'cool😀' }],
    ['an SQL injection nickname', { nickname: "x'; DROP TABLE users;--" }],
    ['an HTML nickname', { nickname: '<b>bold</b>' }],
    ['a numeric nickname', { nickname: 12345 }],
    ['a null nickname', { nickname: null }],
    ['a numeric bio', { bio: 42 }],
    ['an object bio', { bio: { text: 'x' } }],
    ['a 301-character bio', { bio: 'x'.repeat(301) }],
    ['a huge bio', { bio: 'x'.repeat(100_000) }],
  ])('refuses %s with 400 VALIDATION_ERROR', async (_label, body) => {
    const member = await api.member();
    expectError(
      await call('PATCH', '/api/v1/users/me/profile', { headers: member.authHeader, body }),
      400,
      'VALIDATION_ERROR',
    );
    const [row] = await api.deps.database.db
      .select({ nickname: users.nickname, bio: users.bio })
      .from(users)
      .where(eq(users.id, member.user.id));
    expect(row).toEqual({ nickname: null, bio: null });
  });

  it('keeps nicknames unique case-insensitively; my own in another case is fine', async () => {
    const first = await api.member();
    const second = await api.member();
    const nickname = `Case_${first.user.id}`;
    expect(
      (await call('PATCH', '/api/v1/users/me/profile', { headers: first.authHeader, body: { nickname } }))
        .status,
    ).toBe(200);
    expectError(
      await call('PATCH', '/api/v1/users/me/profile', {
        headers: second.authHeader,
        body: { nickname: nickname.toLowerCase(), bio: 'not saved either' },
      }),
      409,
      'NICKNAME_TAKEN',
    );
    const secondRow = await call('GET', '/api/v1/users/me', { headers: second.authHeader });
    expect(secondRow.body.data).toMatchObject({ nickname: '', bio: null });
    const mine = await call('PATCH', '/api/v1/users/me/profile', {
      headers: first.authHeader,
      body: { nickname: nickname.toUpperCase() },
    });
    expect(mine.status).toBe(200);
    expect(mine.body.data.nickname).toBe(nickname.toUpperCase());
  });

  it('lets exactly one of 10 concurrent members take the same nickname', async () => {
    const members = await Promise.all(Array.from({ length: 10 }, () => api.member()));
    const nickname = `race_${members[0]!.user.id}`;
    const results = await Promise.all(
      members.map((member) =>
        call('PATCH', '/api/v1/users/me/profile', { headers: member.authHeader, body: { nickname } }),
      ),
    );
    const statuses = results.map((result) => result.status).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    for (const result of results.filter((r) => r.status === 409))
      expect(result.body.error.code).toBe('NICKNAME_TAKEN');
    const [{ holders }] = (await api.deps.database.db.execute(
      sql`select count(*)::int as holders from users where lower(nickname) = lower(${nickname}) and deleted_at is null`,
    )) as unknown as [{ holders: number }];
    expect(holders).toBe(1);
  });

  it('is 401 anonymously', async () => {
    expectError(
      await call('PATCH', '/api/v1/users/me/profile', { body: { nickname: 'anon_nick' } }),
      401,
      'UNAUTHORIZED',
    );
  });
});

describe('access declarations', () => {
  it('declares the contract roles on every user route', () => {
    const access = Object.fromEntries(
      api.app.routeAccess
        .filter(
          (route) => route.url.startsWith('/api/v1/users') || route.url.startsWith('/media/profile-images'),
        )
        .map((route) => [`${route.method} ${route.url}`, route.access]),
    );
    expect(access).toEqual({
      'GET /api/v1/users/me': 'user',
      'PATCH /api/v1/users/me': 'user',
      'PUT /api/v1/users/me': 'user',
      'DELETE /api/v1/users/me': 'user',
      'GET /api/v1/users': 'admin',
      'PATCH /api/v1/users/:id/status': 'admin',
      'GET /api/v1/users/:id/profile': 'public',
      'GET /api/v1/users/profile/:id': 'public',
      'GET /api/v1/users/:id/badges': 'public',
      'PATCH /api/v1/users/me/profile': 'user',
      'POST /api/v1/users/me/profile-image': 'user',
      'DELETE /api/v1/users/me/profile-image': 'user',
      'GET /media/profile-images/:userId/:file': 'public',
    });
  });
});
