// The first administrator: `pnpm user:create-admin` as a real process, and ADMIN_EMAIL +
// ADMIN_PASSWORD at API start.
import { spawnSync } from 'node:child_process';
import { createLogger, parseEnv } from '@pbshop/config';
import { createTestContext, type RunningProcess, spawnProcess, type TestContext } from '@pbshop/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApiDeps } from '../src/deps.ts';
import { ensureFirstAdmin } from '../src/modules/identity/auth/admin.ts';
import { buildTestApp, type TestApp } from './auth-helpers.ts';

const cli = new URL('../src/cli/create-admin.ts', import.meta.url).pathname;
const main = new URL('../src/main.ts', import.meta.url).pathname;
const adminPassword = 'Admin#password-2024';

let ctx: TestContext;
let api: TestApp;
const closers: (() => Promise<unknown>)[] = [];
const running: RunningProcess[] = [];

beforeAll(async () => {
  ctx = await createTestContext();
  api = await buildTestApp(ctx, { AUTH_RATE_LIMIT_PER_MINUTE: '10000' }, closers);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((process) => process.stop('SIGKILL')));
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await ctx?.cleanup();
});

function createAdmin(args: string[], env: Record<string, string | undefined> = {}, database = ctx) {
  const result = spawnSync(process.execPath, [cli, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATABASE_URL: database.env.DATABASE_URL,
      ARGON2_MEMORY_KIB: '4096',
      ARGON2_TIME_COST: '1',
      ...env,
    } as Record<string, string>,
    encoding: 'utf8',
    timeout: 90_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function userRow(email: string) {
  const [row] = await api.deps.database.sql`
    select role, status, email_verified_at, name, password_hash from users where email = ${email}`;
  return row;
}

describe('pnpm user:create-admin', () => {
  it('creates a verified ADMIN who can log in; a second run with the e-mail is refused', async () => {
    const email = `Root${Date.now()}@Example.com`;
    const created = createAdmin(['--email', email, '--name', 'Kim Admin'], { ADMIN_PASSWORD: adminPassword });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/created ADMIN .*@example\.com/);
    expect(created.stdout).not.toContain(adminPassword);

    const row = await userRow(email.toLowerCase());
    expect(row).toMatchObject({ role: 'ADMIN', status: 'ACTIVE', name: 'Kim Admin' });
    expect(row!.email_verified_at).not.toBeNull();
    expect(row!.password_hash).toMatch(/^\$argon2id\$/);
    const login = await api.post('/auth/login', { email, password: adminPassword });
    expect(login.status).toBe(200);

    const again = createAdmin([`--email=${email}`], { ADMIN_PASSWORD: 'Another#password-2024' });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already registered; nothing was changed/);
    // nothing changed: the first password still works
    expect((await api.post('/auth/login', { email, password: adminPassword })).status).toBe(200);
  });

  it('refuses an existing member instead of promoting them', async () => {
    const email = `member${Date.now()}@example.com`;
    await api.deps.users.create({ email, name: 'Member', passwordHash: null });
    const result = createAdmin(['--email', email], { ADMIN_PASSWORD: adminPassword });
    expect(result.code).toBe(1);
    expect((await userRow(email))!.role).toBe('USER');
  });

  it('exits 1 with a clear message for a missing, short or weak password and bad arguments', async () => {
    const email = `nobody${Date.now()}@example.com`;
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--email', email], {}, /set ADMIN_PASSWORD or run on a terminal/],
      [['--email', email], { ADMIN_PASSWORD: 'Short#1' }, /at least 12 characters/],
      [
        ['--email', email],
        { ADMIN_PASSWORD: 'longbutnodigits!!' },
        /a letter, a digit and a special character/,
      ],
      [[], { ADMIN_PASSWORD: adminPassword }, /--email is required/],
      [['--email', 'not-an-email'], { ADMIN_PASSWORD: adminPassword }, /invalid email/],
      [['--email', email, '--name', 'x'], { ADMIN_PASSWORD: adminPassword }, /invalid name/],
      [['--email', email, '--role', 'ADMIN'], { ADMIN_PASSWORD: adminPassword }, /Unknown option '--role'/],
      [
        ['--email', email],
        { ADMIN_PASSWORD: adminPassword, DATABASE_URL: 'mysql://nope' },
        /invalid environment: DATABASE_URL/,
      ],
    ];
    for (const [args, env, message] of cases) {
      const result = createAdmin(args, env);
      expect({ args, code: result.code }).toEqual({ args, code: 1 });
      expect(result.stderr).toMatch(message);
      // the password is never echoed
      expect(result.stderr).not.toContain(env.ADMIN_PASSWORD ?? '\u0000');
    }
    expect(await userRow(email)).toBeUndefined();
  }, 180_000);
});

describe('ADMIN_EMAIL and ADMIN_PASSWORD at start', () => {
  it('creates the first admin once; later calls and other addresses change nothing', async () => {
    const fresh = await createTestContext();
    try {
      const env = parseEnv({ ...fresh.env, ADMIN_EMAIL: 'first@example.com', ADMIN_PASSWORD: adminPassword });
      const deps = createApiDeps(env, createLogger(env, 'admin-test'));
      try {
        expect(await ensureFirstAdmin(deps)).toBe('created');
        expect(await ensureFirstAdmin(deps)).toBe('exists');
        expect(await ensureFirstAdmin({ ...deps, env: { ...env, ADMIN_EMAIL: 'second@example.com' } })).toBe(
          'exists',
        );
        expect(
          await ensureFirstAdmin({
            ...deps,
            env: { ...env, ADMIN_EMAIL: undefined, ADMIN_PASSWORD: undefined },
          }),
        ).toBe('not-configured');
        const admins = await deps.database
          .sql`select email, email_verified_at from users where role = 'ADMIN'`;
        expect(admins).toHaveLength(1);
        expect(admins[0]!.email).toBe('first@example.com');
        expect(admins[0]!.email_verified_at).not.toBeNull();
      } finally {
        await deps.close();
      }
    } finally {
      await fresh.cleanup();
    }
  });

  it('does not promote an existing member named by ADMIN_EMAIL', async () => {
    const fresh = await createTestContext();
    try {
      const env = parseEnv({ ...fresh.env, ADMIN_EMAIL: 'taken@example.com', ADMIN_PASSWORD: adminPassword });
      const deps = createApiDeps(env, createLogger(env, 'admin-test'));
      try {
        await deps.users.create({ email: 'taken@example.com', name: 'Taken', passwordHash: null });
        expect(await ensureFirstAdmin(deps)).toBe('refused');
        expect(await deps.users.countAdmins()).toBe(0);
      } finally {
        await deps.close();
      }
    } finally {
      await fresh.cleanup();
    }
  });

  it('the API process creates it at start, and a restart leaves it alone', async () => {
    const fresh = await createTestContext();
    try {
      const env = {
        ...fresh.env,
        LOG_LEVEL: 'info',
        ADMIN_EMAIL: 'boot@example.com',
        ADMIN_PASSWORD: adminPassword,
      };
      const first = spawnProcess(main, env);
      running.push(first);
      const created = await first.waitForLog((line) => line.msg === 'first admin created from ADMIN_EMAIL');
      expect(JSON.stringify(first.logs)).not.toContain(adminPassword);
      expect(created.email).toBe('boot@example.com');
      expect((await first.stop('SIGTERM')).code).toBe(0);

      const second = spawnProcess(main, env);
      running.push(second);
      await second.waitForLog((line) => String(line.msg).startsWith('first admin: an ADMIN exists already'));
      await second.stop('SIGTERM');

      const database = createApiDeps(parseEnv(fresh.env), createLogger(parseEnv(fresh.env), 'admin-test'));
      try {
        expect(await database.users.countAdmins()).toBe(1);
      } finally {
        await database.close();
      }
    } finally {
      await fresh.cleanup();
    }
  });
});
