// Members with a valid access token, without going through the auth routes: for any API test
// that needs a logged-in USER, SELLER or ADMIN.
import { randomBytes } from 'node:crypto';
import { createLogger, parseEnv } from '@pbshop/config';
import type { TestContext } from '@pbshop/testing';
import { type App, buildApp } from '../../src/app.ts';
import { type ApiDeps, createApiDeps } from '../../src/deps.ts';
import type { Role } from '../../src/http/principal.ts';
import type { UserRow } from '../../src/modules/identity/users/service.ts';

export interface Member {
  user: UserRow;
  token: string;
  authHeader: { authorization: string };
}

export interface MemberOptions {
  role?: Role;
  email?: string;
  name?: string;
  phone?: string | null;
  emailVerified?: boolean;
}

let sequence = 0;

/** A unique e-mail per call, so tests in one file never collide. */
export function uniqueEmail(label = 'member'): string {
  sequence += 1;
  return `${label}-${sequence}-${randomBytes(3).toString('hex')}@example.test`;
}

/** Creates a member (e-mail verified unless told) and signs an access token for it. */
export async function createMember(deps: ApiDeps, app: App, options: MemberOptions = {}): Promise<Member> {
  const user = await deps.users.create({
    email: options.email ?? uniqueEmail((options.role ?? 'USER').toLowerCase()),
    name: options.name ?? 'Test Member',
    passwordHash: null,
    phone: options.phone === undefined ? '010-1234-5678' : options.phone,
    role: options.role ?? 'USER',
    emailVerified: options.emailVerified ?? true,
  });
  const token = app.signAccessToken({ sub: String(user.id), role: user.role, ver: user.tokenVersion });
  return { user, token, authHeader: { authorization: `Bearer ${token}` } };
}

/**
 * The app on real dependencies from a test context; rate limits raised so a test file's many
 * requests from 127.0.0.1 are not throttled (unless the overrides set them). Returns a closer.
 */
export async function buildTestApp(
  ctx: TestContext,
  overrides: Record<string, string> = {},
): Promise<{ app: App; deps: ApiDeps; close(): Promise<void> }> {
  const env = parseEnv({
    ...ctx.env,
    RATE_LIMIT_PER_MINUTE: '100000',
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    MEMBER_WRITE_RATE_LIMIT_PER_MINUTE: '100000',
    ...overrides,
  });
  const deps = createApiDeps(env, createLogger(env, 'api-test'));
  const app = await buildApp(deps);
  return {
    app,
    deps,
    async close() {
      await app.close();
      await deps.close();
    },
  };
}
