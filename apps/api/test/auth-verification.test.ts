// AUTH-02/-08 code checks: 5 attempts, counted atomically; expiry. Mail goes through the file
// transport here, so the codes are read from the .eml files it writes.
import { createTestContext, type TestContext, waitFor } from '@pbshop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTestApp,
  codeOf,
  expectError,
  mailsInDirectory,
  strongPassword,
  type TestApp,
} from './auth-helpers.ts';

let ctx: TestContext;
let api: TestApp;
const closers: (() => Promise<unknown>)[] = [];
let serial = 0;

beforeAll(async () => {
  ctx = await createTestContext();
  api = await buildTestApp(ctx, { MAIL_TRANSPORT: 'file', AUTH_RATE_LIMIT_PER_MINUTE: '10000' }, closers);
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await ctx?.cleanup();
});

const sql = () => api.deps.database.sql;

async function latestCode(email: string, subject: RegExp): Promise<string> {
  const mail = await waitFor(`a mail to ${email}`, async () =>
    (await mailsInDirectory(api.env.MAIL_DIR)).findLast(
      (candidate) => candidate.to.includes(email) && subject.test(candidate.subject),
    ),
  );
  return codeOf(mail);
}

async function signup() {
  serial += 1;
  const email = `verify${serial}.${Date.now()}@example.com`;
  const response = await api.post('/auth/signup', {
    email,
    password: strongPassword,
    name: 'Kim Lee',
    phone: '010-2222-3333',
  });
  expect(response.status).toBe(201);
  return { email, code: await latestCode(email, /verification/) };
}

const wrongFor = (code: string) => (code === '999999' ? '999998' : '999999');
const verify = (email: string, code: string) => api.post('/auth/verify-email', { email, code });

async function attemptsOf(email: string, purpose: string): Promise<number> {
  const [row] = await sql()`
    select v.attempts from verification_codes v join users u on u.id = v.user_id
    where u.email = ${email} and v.purpose = ${purpose}`;
  return row!.attempts;
}

describe('e-mail verification attempts (AUTH-02)', () => {
  it('counts down the remaining attempts; after 5 wrong codes even the right one is 429', async () => {
    const { email, code } = await signup();
    for (let i = 1; i <= 5; i++) {
      const response = await verify(email, wrongFor(code));
      expectError(response, 400, 'INVALID_VERIFICATION_CODE');
      expect(response.body.error.details).toEqual({ remainingAttempts: 5 - i });
    }
    expectError(await verify(email, code), 429, 'VERIFICATION_ATTEMPT_EXCEEDED');
    expect(await attemptsOf(email, 'EMAIL_VERIFY')).toBe(5);
    expectError(
      await api.post('/auth/login', { email, password: strongPassword }),
      403,
      'EMAIL_NOT_VERIFIED',
    );

    // a new code starts over
    await sql()`update verification_codes set sent_at = sent_at - interval '61 seconds'`;
    expect((await api.post('/auth/resend-verification', { email })).status).toBe(200);
    const fresh = await waitFor('a new code', async () => {
      const latest = await latestCode(email, /verification/);
      const [row] = await sql()`
        select v.attempts from verification_codes v join users u on u.id = v.user_id where u.email = ${email}`;
      return row!.attempts === 0 ? latest : undefined;
    });
    expect((await verify(email, fresh)).status).toBe(200);
  });

  it('never allows more than 5 guesses, however many arrive at once', async () => {
    const { email, code } = await signup();
    const results = await Promise.all(Array.from({ length: 12 }, () => verify(email, wrongFor(code))));
    const codes = results.map((result) => result.body.error.code);
    expect(codes.filter((value) => value === 'INVALID_VERIFICATION_CODE')).toHaveLength(5);
    expect(codes.filter((value) => value === 'VERIFICATION_ATTEMPT_EXCEEDED')).toHaveLength(7);
    expect(await attemptsOf(email, 'EMAIL_VERIFY')).toBe(5);
    expectError(await verify(email, code), 429, 'VERIFICATION_ATTEMPT_EXCEEDED');
  });

  it('an expired code is 410, right or wrong', async () => {
    const { email, code } = await signup();
    await sql()`
      update verification_codes set expires_at = now() - interval '1 second'
      where user_id = (select id from users where email = ${email})`;
    expectError(await verify(email, code), 410, 'VERIFICATION_CODE_EXPIRED');
    expectError(await verify(email, wrongFor(code)), 410, 'VERIFICATION_CODE_EXPIRED');
  });

  it('the file transport writes an .eml with the Korean and English text', async () => {
    const { email } = await signup();
    const mails = (await mailsInDirectory(api.env.MAIL_DIR)).filter((mail) => mail.to.includes(email));
    expect(mails).toHaveLength(1);
    expect(mails[0]!.from).toContain('no-reply@pbshop.local');
    expect(mails[0]!.text).toContain('인증 코드:');
    expect(mails[0]!.text).toContain('Verification code:');
  });
});

describe('password reset code attempts (AUTH-08)', () => {
  async function requestReset() {
    const { email, code } = await signup();
    expect((await verify(email, code)).status).toBe(200);
    expect((await api.post('/auth/password-reset/request', { email, phone: '01022223333' })).status).toBe(
      200,
    );
    return { email, code: await latestCode(email, /Password reset/) };
  }

  it('5 wrong codes lock the code; the reset token is never issued', async () => {
    const { email, code } = await requestReset();
    for (let i = 0; i < 5; i++) {
      expectError(
        await api.post('/auth/password-reset/verify', { email, code: wrongFor(code) }),
        400,
        'INVALID_VERIFICATION_CODE',
      );
    }
    expectError(
      await api.post('/auth/password-reset/verify', { email, code }),
      429,
      'VERIFICATION_ATTEMPT_EXCEEDED',
    );
    const [counted] = await sql()<
      { count: number }[]
    >`select count(*)::int as count from password_reset_tokens`;
    expect(counted!.count).toBe(0);
  });

  it('concurrent guesses are capped at 5 here too', async () => {
    const { email, code } = await requestReset();
    const results = await Promise.all(
      Array.from({ length: 9 }, () =>
        api.post('/auth/password-reset/verify', { email, code: wrongFor(code) }),
      ),
    );
    expect(results.filter((result) => result.status === 400)).toHaveLength(5);
    expect(results.filter((result) => result.status === 429)).toHaveLength(4);
    expect(await attemptsOf(email, 'PASSWORD_RESET')).toBe(5);
  });

  it('an expired code is 410; an unknown e-mail is an invalid code (the step names no member errors)', async () => {
    const { email, code } = await requestReset();
    await sql()`update verification_codes set expires_at = now() - interval '1 second' where purpose = 'PASSWORD_RESET'`;
    expectError(
      await api.post('/auth/password-reset/verify', { email, code }),
      410,
      'VERIFICATION_CODE_EXPIRED',
    );
    expectError(
      await api.post('/auth/password-reset/verify', { email: `ghost${Date.now()}@example.com`, code }),
      400,
      'INVALID_VERIFICATION_CODE',
    );
  });

  it('the e-mail verification code cannot be used as a reset code, nor the other way round', async () => {
    const { email, code } = await signup();
    // the member has an e-mail code but asked for no reset: nothing to check against
    expectError(
      await api.post('/auth/password-reset/verify', { email, code }),
      400,
      'INVALID_VERIFICATION_CODE',
    );
    expect((await verify(email, code)).status).toBe(200);
  });
});
