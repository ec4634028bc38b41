// The member behind an access token kept briefly in the process (http/principal-cache.ts): a
// block, a withdrawal or ended sessions still bite on the next request, in this replica at once
// and in another (a second app on the same PostgreSQL and Redis) as soon as the Redis message
// lands; the account GET /users/me shows is never the cached one.
import { pollUntil } from '@pbshop/testing';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { expectError } from './helpers/http.ts';
import { buildTestApp, createMember } from './helpers/users.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' } } });
const { call } = api;

const block = (userId: number, status: 'BLOCKED' | 'ACTIVE') =>
  call('PATCH', `/api/v1/users/${userId}/status`, { headers: api.admin.authHeader, body: { status } });

describe('the principal cache', () => {
  it('a block refuses the very next request of a member just served, and the cache serves repeated reads', async () => {
    const member = await createMember(api.deps, api.app);
    for (let index = 0; index < 3; index += 1) {
      expect((await call('GET', '/api/v1/cart', { headers: member.authHeader })).status).toBe(200);
    }
    expect((await block(member.user.id, 'BLOCKED')).status).toBe(200);
    expectError(await call('GET', '/api/v1/cart', { headers: member.authHeader }), 403, 'USER_BLOCKED');
    // unblocked, the old token stays dead (blocking bumped its version)
    expect((await block(member.user.id, 'ACTIVE')).status).toBe(200);
    expectError(await call('GET', '/api/v1/cart', { headers: member.authHeader }), 401, 'TOKEN_INVALID');
  });

  it('serves from the process: a status written around the users service is seen once its sessions are revoked', async () => {
    const member = await createMember(api.deps, api.app);
    expect((await call('GET', '/api/v1/cart', { headers: member.authHeader })).status).toBe(200);
    await api.deps.database.db.execute(sql`update users set status = 'BLOCKED' where id = ${member.user.id}`);
    // kept: the database is not read again within the TTL
    expect((await call('GET', '/api/v1/cart', { headers: member.authHeader })).status).toBe(200);
    await api.deps.tokens.revokeAllOf(member.user.id);
    expectError(await call('GET', '/api/v1/cart', { headers: member.authHeader }), 403, 'USER_BLOCKED');
  });

  it('a withdrawal ends the token on the next request', async () => {
    const member = await createMember(api.deps, api.app);
    expect((await call('GET', '/api/v1/users/me', { headers: member.authHeader })).status).toBe(200);
    expect((await call('DELETE', '/api/v1/users/me', { headers: member.authHeader })).status).toBe(200);
    expectError(await call('GET', '/api/v1/users/me', { headers: member.authHeader }), 401, 'TOKEN_INVALID');
  });

  it('GET /users/me shows the account as it is now, not as the token was first checked', async () => {
    const member = await createMember(api.deps, api.app);
    expect((await call('GET', '/api/v1/users/me', { headers: member.authHeader })).status).toBe(200);
    const renamed = await call('PATCH', '/api/v1/users/me', {
      headers: member.authHeader,
      body: { name: 'Renamed Member' },
    });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    const me = await call('GET', '/api/v1/users/me', { headers: member.authHeader });
    expect(me.body.data.name).toBe('Renamed Member');
  });

  it('a block through one replica reaches another that had the member cached', async () => {
    const other = await buildTestApp(api.ctx, { LOG_LEVEL: 'fatal' });
    try {
      const member = await createMember(api.deps, api.app);
      const onOther = () =>
        other.app.inject({ method: 'GET', url: '/api/v1/cart', headers: member.authHeader });
      // the other replica serves (and keeps) the member once its revocation subscriber is up
      await pollUntil(
        async () => {
          await onOther();
          return (await onOther()).statusCode;
        },
        (status) => status === 200,
      );
      expect((await block(member.user.id, 'BLOCKED')).status).toBe(200);
      const refused = await pollUntil(onOther, (response) => response.statusCode === 403, {
        timeoutMs: 5000,
        intervalMs: 20,
      });
      expect(refused.json().error.code).toBe('USER_BLOCKED');
    } finally {
      await other.close();
    }
  });
});
