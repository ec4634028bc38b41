// AUTH-01..09 end to end: real PostgreSQL, Redis and a real SMTP server the codes are read from.
import { createTestContext, freePort, median, type TestContext } from '@pbshop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTestApp,
  codeOf,
  expectError,
  startSmtpServer,
  strongPassword,
  type TestApp,
  type TestSmtpServer,
} from './auth-helpers.ts';

let ctx: TestContext;
let smtp: TestSmtpServer;
let api: TestApp;
const closers: (() => Promise<unknown>)[] = [];
let serial = 0;

beforeAll(async () => {
  ctx = await createTestContext();
  smtp = await startSmtpServer();
  api = await buildTestApp(
    ctx,
    { MAIL_TRANSPORT: 'smtp', SMTP_URL: smtp.url, AUTH_RATE_LIMIT_PER_MINUTE: '10000' },
    closers,
  );
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await smtp?.close();
  await ctx?.cleanup();
});

function newMember(overrides: Record<string, string> = {}) {
  serial += 1;
  return {
    email: `member${serial}.${Date.now()}@example.com`,
    password: strongPassword,
    name: '홍길동',
    phone: '010-1234-5678',
    ...overrides,
  };
}

const sql = () => api.deps.database.sql;

/** Signs up and returns the member with the code read from the mail. */
async function signup(member = newMember()) {
  const before = smtp.mails.length;
  const response = await api.post('/auth/signup', member);
  expect(response.status).toBe(201);
  const mail = await smtp.waitForMail(member.email, before);
  return { member, response, mail, code: codeOf(mail) };
}

async function verifiedMember(member = newMember()) {
  const { code } = await signup(member);
  expect((await api.post('/auth/verify-email', { email: member.email, code })).status).toBe(200);
  return member;
}

async function login(email: string, password: string) {
  return api.post('/auth/login', { email, password });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('sign-up, e-mail verification and login (AUTH-01, -02, -04)', () => {
  it('mails a 6-digit code on sign-up; login is refused until the code is confirmed', async () => {
    const member = newMember({ email: `  Mixed.Case${Date.now()}@Example.COM ` });
    const normalized = member.email.trim().toLowerCase();
    const { response, mail, code } = await signup(member);
    expect(response.body).toEqual({
      success: true,
      requestId: expect.any(String),
      timestamp: expect.any(String),
      data: {
        id: expect.any(Number),
        email: normalized,
        name: '홍길동',
        message: expect.any(String),
      },
    });
    expect(mail.subject).toContain('인증');
    expect(mail.subject).toContain('verification');
    expect(mail.text).toContain('인증 코드');
    expect(mail.text).toContain('10 minutes');
    expect(code).toMatch(/^\d{6}$/);

    // the code is stored hashed, never in clear
    const [row] =
      await sql()`select code_hash, attempts from verification_codes where user_id = ${response.body.data.id}`;
    expect(row!.code_hash).not.toContain(code);
    expect(row!.attempts).toBe(0);

    expectError(await login(normalized, strongPassword), 403, 'EMAIL_NOT_VERIFIED');
    // a wrong password says nothing about the verification state
    expectError(await login(normalized, 'Wrong#pass1'), 401, 'INVALID_CREDENTIALS');

    const verified = await api.post('/auth/verify-email', { email: normalized, code });
    expect(verified.status).toBe(200);
    expect(verified.body.data).toEqual({ message: expect.any(String), verified: true });
    expectError(await api.post('/auth/verify-email', { email: normalized, code }), 409, 'ALREADY_VERIFIED');

    const loggedIn = await login(member.email, strongPassword);
    expect(loggedIn.status).toBe(200);
    expect(loggedIn.body.data).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 1800,
    });
    // the access token opens a member route
    const logout = await api.post('/auth/logout', {}, bearer(loggedIn.body.data.accessToken));
    expect(logout.status).toBe(200);
  });

  it('answers in the caller’s language', async () => {
    const member = newMember();
    const response = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      headers: { 'accept-language': 'en-US,en;q=0.9' },
      payload: member,
    });
    expect(response.json().data.message).toMatch(/e-mailed/);
  });

  it('refuses a second account for the same e-mail in any letter case (409 DUPLICATE_EMAIL)', async () => {
    const { member } = await signup();
    expectError(
      await api.post('/auth/signup', { ...member, email: member.email.toUpperCase() }),
      409,
      'DUPLICATE_EMAIL',
    );
    const [counted] = await sql()<
      { count: number }[]
    >`select count(*)::int as count from users where email = ${member.email}`;
    expect(counted!.count).toBe(1);
  });

  it('validates every sign-up field and names the offending ones', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ password: 'short1!' }, 'body.password'],
      [{ password: 'nodigits!!' }, 'body.password'],
      [{ password: 'nospecial123' }, 'body.password'],
      [{ password: '12345678!!' }, 'body.password'],
      [{ name: '김' }, 'body.name'],
      [{ name: 'a'.repeat(21) }, 'body.name'],
      [{ phone: '02-123-4567' }, 'body.phone'],
      [{ phone: '010-1234-567' }, 'body.phone'],
      [{ email: 'not-an-email' }, 'body.email'],
      [{ email: `${'a'.repeat(250)}@example.com` }, 'body.email'],
    ];
    for (const [overrides, field] of cases) {
      const response = await api.post('/auth/signup', newMember(overrides));
      expectError(response, 400, 'VALIDATION_ERROR');
      expect(response.body.error.details.map((issue: { field: string }) => issue.field)).toContain(field);
    }
    // both phone spellings are accepted and stored alike
    const plain = await api.post('/auth/signup', newMember({ phone: '01098765432' }));
    expect(plain.status).toBe(201);
    const [row] = await sql()`select phone from users where id = ${plain.body.data.id}`;
    expect(row!.phone).toBe('010-9876-5432');
  });

  it('treats social-only members (no password) and unknown e-mails as wrong credentials', async () => {
    const social = await api.deps.users.create({
      email: `social${Date.now()}@example.com`,
      name: 'Social',
      passwordHash: null,
      emailVerified: true,
    });
    expectError(await login(social.email, strongPassword), 401, 'INVALID_CREDENTIALS');
    expectError(await login(`nobody${Date.now()}@example.com`, strongPassword), 401, 'INVALID_CREDENTIALS');
  });

  it('refuses blocked and inactive members at login and stops their live tokens at once', async () => {
    for (const status of ['BLOCKED', 'INACTIVE']) {
      const member = await verifiedMember();
      const session = (await login(member.email, strongPassword)).body.data;
      await sql()`update users set status = ${status} where email = ${member.email}`;

      expectError(await login(member.email, strongPassword), 403, 'USER_BLOCKED');
      // wrong password: nothing is revealed about the account
      expectError(await login(member.email, 'Wrong#pass1'), 401, 'INVALID_CREDENTIALS');
      expectError(await api.post('/auth/logout', {}, bearer(session.accessToken)), 403, 'USER_BLOCKED');
      expectError(
        await api.post('/auth/refresh', { refreshToken: session.refreshToken }),
        403,
        'USER_BLOCKED',
      );
    }
  });
});

describe('resending the verification code (AUTH-03)', () => {
  it('allows one code a minute; a new code replaces the old one and resets the attempts', async () => {
    const { member, code: first } = await signup();
    const early = await api.post('/auth/resend-verification', { email: member.email });
    expectError(early, 429, 'RESEND_RATE_LIMITED');
    expect(Number(early.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(early.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(early.body.error.details.retryAfterSeconds).toBe(Number(early.headers['retry-after']));

    // two wrong guesses, then the minute passes
    const wrong = first === '000000' ? '000001' : '000000';
    for (let i = 0; i < 2; i++) {
      expectError(
        await api.post('/auth/verify-email', { email: member.email, code: wrong }),
        400,
        'INVALID_VERIFICATION_CODE',
      );
    }
    await sql()`update verification_codes set sent_at = sent_at - interval '61 seconds'`;

    const before = smtp.mails.length;
    const resent = await api.post('/auth/resend-verification', { email: member.email.toUpperCase() });
    expect(resent.status).toBe(200);
    expect(resent.body.data).toEqual({ message: expect.any(String) });
    const second = codeOf(await smtp.waitForMail(member.email, before));
    const [row] = await sql()`
      select attempts from verification_codes v join users u on u.id = v.user_id where u.email = ${member.email}`;
    expect(row!.attempts).toBe(0);

    if (second !== first) {
      expectError(
        await api.post('/auth/verify-email', { email: member.email, code: first }),
        400,
        'INVALID_VERIFICATION_CODE',
      );
    }
    expect((await api.post('/auth/verify-email', { email: member.email, code: second })).status).toBe(200);
    expectError(
      await api.post('/auth/resend-verification', { email: member.email }),
      409,
      'ALREADY_VERIFIED',
    );
  });

  it('is 404 USER_NOT_FOUND for an unknown e-mail', async () => {
    expectError(
      await api.post('/auth/resend-verification', { email: `ghost${Date.now()}@example.com` }),
      404,
      'USER_NOT_FOUND',
    );
    expectError(
      await api.post('/auth/verify-email', { email: `ghost${Date.now()}@example.com`, code: '123456' }),
      404,
      'USER_NOT_FOUND',
    );
  });

  it('keeps the member when SMTP fails at sign-up; a resend is allowed at once and works once SMTP is back', async () => {
    const member = newMember();
    smtp.refuse = true;
    try {
      const created = await api.post('/auth/signup', member);
      expect(created.status).toBe(201);
      expect(created.body.data.message).toMatch(/재전송|new code/);
      // still failing: the resend says so instead of pretending
      const failed = await api.post('/auth/resend-verification', { email: member.email });
      expectError(failed, 503, 'SERVICE_UNAVAILABLE');
    } finally {
      smtp.refuse = false;
    }
    const before = smtp.mails.length;
    expect((await api.post('/auth/resend-verification', { email: member.email })).status).toBe(200);
    const code = codeOf(await smtp.waitForMail(member.email, before));
    expect((await api.post('/auth/verify-email', { email: member.email, code })).status).toBe(200);
  });

  it('signs up when the SMTP server cannot be reached at all, within the SMTP timeouts', async () => {
    const unreachable = await buildTestApp(
      ctx,
      {
        MAIL_TRANSPORT: 'smtp',
        SMTP_URL: `smtp://127.0.0.1:${await freePort()}`,
        AUTH_RATE_LIMIT_PER_MINUTE: '10000',
      },
      closers,
    );
    const started = Date.now();
    const created = await unreachable.post('/auth/signup', newMember());
    expect(created.status).toBe(201);
    expect(Date.now() - started).toBeLessThan(8_000);
  });
});

describe('password reset (AUTH-07, -08, -09)', () => {
  it('mails a code only when e-mail and phone match, then code → reset token → new password ends every session', async () => {
    const member = await verifiedMember(newMember({ phone: '01055556666' }));
    const old = (await login(member.email, strongPassword)).body.data;

    expectError(
      await api.post('/auth/password-reset/request', { email: member.email, phone: '010-1111-2222' }),
      400,
      'PHONE_MISMATCH',
    );
    expectError(
      await api.post('/auth/password-reset/request', {
        email: `ghost${Date.now()}@example.com`,
        phone: '010-5555-6666',
      }),
      404,
      'USER_NOT_FOUND',
    );

    const before = smtp.mails.length;
    // either phone spelling matches
    const requested = await api.post('/auth/password-reset/request', {
      email: member.email,
      phone: '010-5555-6666',
    });
    expect(requested.status).toBe(200);
    const mail = await smtp.waitForMail(member.email, before);
    expect(mail.subject).toContain('비밀번호');
    expect(mail.subject).toContain('Password reset');
    const code = codeOf(mail);
    expectError(
      await api.post('/auth/password-reset/request', { email: member.email, phone: '01055556666' }),
      429,
      'RESEND_RATE_LIMITED',
    );

    const wrong = code === '000000' ? '000001' : '000000';
    expectError(
      await api.post('/auth/password-reset/verify', { email: member.email, code: wrong }),
      400,
      'INVALID_VERIFICATION_CODE',
    );
    const verified = await api.post('/auth/password-reset/verify', { email: member.email, code });
    expect(verified.status).toBe(200);
    const { resetToken } = verified.body.data;
    expect(resetToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // the code is spent
    expectError(
      await api.post('/auth/password-reset/verify', { email: member.email, code }),
      400,
      'INVALID_VERIFICATION_CODE',
    );

    expectError(
      await api.post('/auth/password-reset/confirm', { resetToken, newPassword: strongPassword }),
      400,
      'SAME_PASSWORD',
    );
    expectError(
      await api.post('/auth/password-reset/confirm', { resetToken, newPassword: 'weak' }),
      400,
      'VALIDATION_ERROR',
    );
    const newPassword = 'Brand-new#pw9';
    const confirmed = await api.post('/auth/password-reset/confirm', { resetToken, newPassword });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.data).toEqual({ message: expect.any(String) });
    expectError(
      await api.post('/auth/password-reset/confirm', { resetToken, newPassword: 'Another#pw10' }),
      401,
      'INVALID_RESET_TOKEN',
    );

    // every old session is dead: the refresh token, and the access token at once
    expectError(await api.post('/auth/refresh', { refreshToken: old.refreshToken }), 401, 'TOKEN_INVALID');
    expectError(await api.post('/auth/logout', {}, bearer(old.accessToken)), 401, 'TOKEN_INVALID');
    expectError(await login(member.email, strongPassword), 401, 'INVALID_CREDENTIALS');
    const fresh = await login(member.email, newPassword);
    expect(fresh.status).toBe(200);
    expect((await api.post('/auth/logout', {}, bearer(fresh.body.data.accessToken))).status).toBe(200);
  });

  /** A member with a fresh reset token. */
  async function resetToken(member: { email: string; phone: string }) {
    await sql()`update verification_codes set sent_at = sent_at - interval '61 seconds'`;
    const before = smtp.mails.length;
    expect(
      (await api.post('/auth/password-reset/request', { email: member.email, phone: member.phone })).status,
    ).toBe(200);
    const code = codeOf(await smtp.waitForMail(member.email, before));
    const verified = await api.post('/auth/password-reset/verify', { email: member.email, code });
    expect(verified.status).toBe(200);
    return verified.body.data.resetToken as string;
  }

  it('lets only one of several concurrent confirms with one token succeed', async () => {
    const member = await verifiedMember();
    const token = await resetToken(member);
    const passwords = Array.from({ length: 6 }, (_, i) => `Concurrent#${i}pw`);
    const results = await Promise.all(
      passwords.map((newPassword) =>
        api.post('/auth/password-reset/confirm', { resetToken: token, newPassword }),
      ),
    );
    const statuses = results.map((result) => result.status).sort();
    expect(statuses).toEqual([200, 401, 401, 401, 401, 401]);
    const winner = passwords[results.findIndex((result) => result.status === 200)]!;
    expect((await login(member.email, winner)).status).toBe(200);
    for (const loser of passwords.filter((password) => password !== winner)) {
      expectError(await login(member.email, loser), 401, 'INVALID_CREDENTIALS');
    }
  });

  it('refuses an expired reset token and an older token once a newer one is issued', async () => {
    const member = await verifiedMember();
    const first = await resetToken(member);
    const second = await resetToken(member);
    expectError(
      await api.post('/auth/password-reset/confirm', { resetToken: first, newPassword: 'Newer#pass1' }),
      401,
      'INVALID_RESET_TOKEN',
    );
    await sql()`update password_reset_tokens set expires_at = now() - interval '1 second' where used_at is null`;
    expectError(
      await api.post('/auth/password-reset/confirm', { resetToken: second, newPassword: 'Newer#pass1' }),
      401,
      'INVALID_RESET_TOKEN',
    );
    expect((await login(member.email, strongPassword)).status).toBe(200);
  });

  it('takes as long for a mismatch as for a match (a fixed floor; the mail goes out in the background)', async () => {
    const member = await verifiedMember();
    await sql()`update verification_codes set sent_at = sent_at - interval '61 seconds'`;
    const time = async (body: object) => {
      const started = performance.now();
      const response = await api.post('/auth/password-reset/request', body);
      return { ms: performance.now() - started, status: response.status };
    };
    const match = await time({ email: member.email, phone: member.phone });
    const mismatch = await time({ email: member.email, phone: '010-0000-0000' });
    const unknown = await time({ email: `ghost${Date.now()}@example.com`, phone: member.phone });
    expect([match.status, mismatch.status, unknown.status]).toEqual([200, 400, 404]);
    for (const { ms } of [match, mismatch, unknown]) {
      expect(ms).toBeGreaterThanOrEqual(240);
      expect(ms).toBeLessThan(1_500);
    }
  });
});

describe('login timing (AUTH-04)', () => {
  it('takes as long for an unknown e-mail as for a wrong password (both run argon2)', async () => {
    // a realistic argon2 cost, so the hash dominates and the comparison means something
    const timed = await buildTestApp(
      ctx,
      { AUTH_RATE_LIMIT_PER_MINUTE: '10000', ARGON2_MEMORY_KIB: '19456', ARGON2_TIME_COST: '2' },
      closers,
    );
    const email = `timing${Date.now()}@example.com`;
    await timed.deps.users.create({
      email,
      name: 'Timing',
      passwordHash: await timed.deps.passwords.hash(strongPassword),
      emailVerified: true,
    });
    const time = async (body: object) => {
      const started = performance.now();
      const response = await timed.post('/auth/login', body);
      expect(response.status).toBe(401);
      return performance.now() - started;
    };
    // warm up the dummy hash and the connections
    await time({ email: `ghost@example.com`, password: 'Wrong#pass1' });
    await time({ email, password: 'Wrong#pass1' });
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 11; i++) {
      unknown.push(await time({ email: `ghost${i}@example.com`, password: 'Wrong#pass1' }));
      wrong.push(await time({ email, password: `Wrong#pass${i}` }));
    }
    const ratio = median(unknown) / median(wrong);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});
