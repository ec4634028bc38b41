// AUTH-04..06: access tokens, rotating refresh tokens with reuse detection, logout.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestContext, type TestContext } from '@pbshop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessTokens } from '../src/http/access-token.ts';
import { buildTestApp, expectError, handMadeJwt, strongPassword, type TestApp } from './auth-helpers.ts';

let ctx: TestContext;
let api: TestApp;
const closers: (() => Promise<unknown>)[] = [];
let serial = 0;

beforeAll(async () => {
  ctx = await createTestContext();
  api = await buildTestApp(ctx, { AUTH_RATE_LIMIT_PER_MINUTE: '10000' }, closers);
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await ctx?.cleanup();
});

const sql = () => api.deps.database.sql;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A verified member, created through the users service. */
async function member() {
  serial += 1;
  const email = `tokens${serial}.${Date.now()}@example.com`;
  const user = await api.deps.users.create({
    email,
    name: 'Token Tester',
    passwordHash: await api.deps.passwords.hash(strongPassword),
    emailVerified: true,
  });
  return { ...user, email };
}

async function login(email: string) {
  const response = await api.post('/auth/login', { email, password: strongPassword });
  expect(response.status).toBe(200);
  return response.body.data as { accessToken: string; refreshToken: string; expiresIn: number };
}

const refresh = (refreshToken: string) => api.post('/auth/refresh', { refreshToken });
/** POST /auth/logout without a body: a member route that says whether the access token is good. */
const probe = (accessToken: string) =>
  api.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(accessToken) });

describe('refresh tokens (AUTH-06)', () => {
  it('rotate: each refresh gives a new pair and spends the old refresh token', async () => {
    const { email } = await member();
    const first = await login(email);
    const second = await refresh(first.refreshToken);
    expect(second.status).toBe(200);
    expect(second.body.data).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 1800,
    });
    expect(second.body.data.refreshToken).not.toBe(first.refreshToken);
    const third = await refresh(second.body.data.refreshToken);
    expect(third.status).toBe(200);
    // only hashes are stored
    const rows = await sql()`select token_hash from refresh_tokens`;
    expect(rows.map((row) => row.token_hash)).not.toContain(third.body.data.refreshToken);
  });

  it('reuse of a spent token revokes its whole family, the newest token included; other sessions live on', async () => {
    const { email } = await member();
    const stolen = await login(email);
    const otherSession = await login(email);
    const rotated = (await refresh(stolen.refreshToken)).body.data;
    const newest = (await refresh(rotated.refreshToken)).body.data;

    const replay = await refresh(stolen.refreshToken);
    expectError(replay, 401, 'TOKEN_INVALID');
    expect(replay.body.error.details.reason).toMatch(/reused/);
    expectError(await refresh(newest.refreshToken), 401, 'TOKEN_INVALID');
    expect((await refresh(otherSession.refreshToken)).status).toBe(200);
  });

  it('of concurrent refreshes with one token at most one wins, and none hangs (pool of 4)', async () => {
    const { email } = await member();
    const session = await login(email);
    const results = await Promise.all(Array.from({ length: 10 }, () => refresh(session.refreshToken)));
    const statuses = results.map((result) => result.status);
    expect(statuses.filter((status) => status === 200).length).toBeLessThanOrEqual(1);
    expect(statuses.every((status) => status === 200 || status === 401)).toBe(true);
  });

  it('an expired refresh token is 401 TOKEN_EXPIRED; an unknown one 401 TOKEN_INVALID', async () => {
    const { email, id } = await member();
    const session = await login(email);
    await sql()`update refresh_tokens set expires_at = now() - interval '1 second' where user_id = ${id}`;
    expectError(await refresh(session.refreshToken), 401, 'TOKEN_EXPIRED');
    expectError(await refresh(randomBytes(32).toString('base64url')), 401, 'TOKEN_INVALID');
  });

  it('a refresh for a member who has gone is 401 TOKEN_INVALID', async () => {
    const { email, id } = await member();
    const session = await login(email);
    await sql()`update users set deleted_at = now() where id = ${id}`;
    expectError(await refresh(session.refreshToken), 401, 'TOKEN_INVALID');
  });
});

describe('access tokens', () => {
  it('a good token opens a member route; none is 401 UNAUTHORIZED', async () => {
    const { email } = await member();
    const session = await login(email);
    expect((await probe(session.accessToken)).statusCode).toBe(200);
    const anonymous = await api.post('/auth/logout', {});
    expectError(anonymous, 401, 'UNAUTHORIZED');
  });

  it('a tampered, foreign, unsigned or malformed token is 401 TOKEN_INVALID', async () => {
    const { email, id } = await member();
    const { accessToken } = await login(email);
    const [header, payload, signature] = accessToken.split('.') as [string, string, string];
    const middle = Math.floor(signature.length / 2);
    const flipped = `${signature.slice(0, middle)}${signature[middle] === 'A' ? 'B' : 'A'}${signature.slice(middle + 1)}`;
    const claims = { sub: id, role: 'USER', ver: 0, iat: Math.floor(Date.now() / 1000) };
    const forged = [
      `${header}.${payload}.${flipped}`,
      // claims changed to ADMIN, old signature kept
      `${header}.${Buffer.from(JSON.stringify({ ...claims, role: 'ADMIN' })).toString('base64url')}.${signature}`,
      handMadeJwt(claims, randomBytes(32).toString('hex')),
      handMadeJwt(claims, null, { alg: 'none', typ: 'JWT' }),
      handMadeJwt(claims, api.env.JWT_SECRET, { alg: 'HS512', typ: 'JWT' }),
      'not-a-jwt',
      `${header}.${payload}`,
    ];
    for (const token of forged) {
      const response = await probe(token);
      expect({ token, status: response.statusCode, code: response.json().error.code }).toEqual({
        token,
        status: 401,
        code: 'TOKEN_INVALID',
      });
    }
  });

  it('an expired token is 401 TOKEN_EXPIRED', async () => {
    const { id } = await member();
    const now = Math.floor(Date.now() / 1000);
    const expired = handMadeJwt(
      { sub: id, role: 'USER', ver: 0, iat: now - 3600, exp: now - 60 },
      api.env.JWT_SECRET,
    );
    expectError(
      { status: (await probe(expired)).statusCode, body: (await probe(expired)).json() },
      401,
      'TOKEN_EXPIRED',
    );
    // and one the app signed itself, with a one-second life
    const shortLived = accessTokens({ JWT_SECRET: api.env.JWT_SECRET, ACCESS_TOKEN_TTL_SECONDS: 1 }).sign({
      sub: String(id),
      role: 'USER',
      ver: 0,
    });
    expect((await probe(shortLived)).statusCode).toBe(200);
    await sleep(2_100);
    const response = await probe(shortLived);
    expect({ status: response.statusCode, code: response.json().error.code }).toEqual({
      status: 401,
      code: 'TOKEN_EXPIRED',
    });
  });

  it('a token of an outdated version (password changed) is 401 TOKEN_INVALID', async () => {
    const { email, id } = await member();
    const { accessToken } = await login(email);
    await api.deps.users.setPasswordHash(id, await api.deps.passwords.hash('Other#pass123'));
    const response = await probe(accessToken);
    expect({ status: response.statusCode, code: response.json().error.code }).toEqual({
      status: 401,
      code: 'TOKEN_INVALID',
    });
  });
});

describe('logout (AUTH-05)', () => {
  it('with a refresh token ends that session only', async () => {
    const { email } = await member();
    const one = await login(email);
    const two = await login(email);
    const rotated = (await refresh(one.refreshToken)).body.data;
    // the family is named by any of its tokens, even a spent one
    const response = await api.post(
      '/auth/logout',
      { refreshToken: one.refreshToken },
      bearer(one.accessToken),
    );
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({ message: expect.any(String) });
    expectError(await refresh(rotated.refreshToken), 401, 'TOKEN_INVALID');
    expect((await refresh(two.refreshToken)).status).toBe(200);
  });

  it('without a body ends every session of the member', async () => {
    const { email } = await member();
    const one = await login(email);
    const two = await login(email);
    expect((await probe(one.accessToken)).statusCode).toBe(200);
    expectError(await refresh(one.refreshToken), 401, 'TOKEN_INVALID');
    expectError(await refresh(two.refreshToken), 401, 'TOKEN_INVALID');
  });

  it('cannot end another member’s session', async () => {
    const alice = await login((await member()).email);
    const bob = await login((await member()).email);
    expect(
      (await api.post('/auth/logout', { refreshToken: bob.refreshToken }, bearer(alice.accessToken))).status,
    ).toBe(200);
    expect((await refresh(bob.refreshToken)).status).toBe(200);
  });
});
