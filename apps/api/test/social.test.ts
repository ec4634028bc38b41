import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createLogger, parseEnv } from '@pbshop/config';
import { createTestContext, startFixtureServer, startPrivateRedis, type TestContext } from '@pbshop/testing';
import { Events } from 'oauth2-mock-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../src/app.ts';
import { type ApiDepsOptions, createApiDeps } from '../src/deps.ts';
import {
  CLIENT,
  type FixtureUser,
  type OidcIdentity,
  type OidcProvider,
  type ProviderFixture,
  type SocialProviders,
  startSocialProviders,
  type TokenMode,
  type UserinfoMode,
} from './helpers/oauth-provider.ts';

// AUTH-10..14 against real providers: Google is an OpenID Connect server (oauth2-mock-server),
// Kakao and Naver are HTTP fixture servers that speak their OAuth 2.0 dialects (helpers/oauth-provider.ts).

const PUBLIC_BASE_URL = 'http://pbshop.test';

let ctx: TestContext;
let providers: SocialProviders;
let google: OidcProvider;
let kakao: ProviderFixture;
let naver: ProviderFixture;
const closers: (() => Promise<unknown>)[] = [];

function providerEnv(): Record<string, string> {
  return {
    PUBLIC_BASE_URL,
    // the provider failures these tests provoke are logged as warnings
    LOG_LEVEL: 'error',
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    RATE_LIMIT_PER_MINUTE: '100000',
    ...providers.env(),
    // an id without a secret: not enabled
    OAUTH_FACEBOOK_CLIENT_ID: 'facebook-client-without-secret',
  };
}

async function appWith(overrides: Record<string, string> = {}, options: ApiDepsOptions = {}) {
  const env = parseEnv({ ...ctx.env, ...providerEnv(), ...overrides });
  const deps = createApiDeps(env, createLogger(env, 'api-test'), options);
  const app = await buildApp(deps);
  // request paths fail fast while Redis connects: start testing once it is there
  if (deps.redis.status !== 'ready') await once(deps.redis, 'ready');
  closers.push(async () => {
    await app.close();
    await deps.close();
  });
  return { app, deps };
}

let app: App;
let deps: ReturnType<typeof createApiDeps>;

beforeAll(async () => {
  ctx = await createTestContext();
  providers = await startSocialProviders();
  ({ google, kakao, naver } = providers);
  ({ app, deps } = await appWith());
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await providers?.close();
  await ctx?.cleanup();
});

beforeEach(async () => {
  kakao.mode = { token: 'ok', userinfo: 'ok' };
  naver.mode = { token: 'ok', userinfo: 'ok' };
  for (const name of ['social:google', 'social:kakao', 'social:naver']) await deps.resilience.reset(name);
});

const unique = () => randomBytes(5).toString('hex');

/** The access token's claims, its subject read as the member id it is. */
function claimsOf(accessToken: string): { sub: number; ver: number } {
  const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString('utf8'));
  return { ...claims, sub: Number(claims.sub) };
}

async function call(
  target: App,
  options: { method?: string; url: string; token?: string; body?: unknown; headers?: Record<string, string> },
) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (typeof options.body === 'string') headers['content-type'] = 'application/json';
  const response = await target.inject({
    method: (options.method ?? 'GET') as 'GET',
    url: options.url,
    headers,
    ...(options.body === undefined ? {} : { payload: options.body as string | object }),
  });
  // every answer of the API is JSON except the redirect
  const body = response.body ? response.json() : undefined;
  return { status: response.statusCode, body, headers: response.headers };
}

/** GET /auth/login/<provider> → the provider's /authorize (a real HTTP round trip) → the callback URL. */
async function authorize(target: App, provider: string): Promise<URL> {
  const start = await target.inject({ method: 'GET', url: `/api/v1/auth/login/${provider}` });
  expect(start.statusCode).toBe(302);
  const back = await fetch(String(start.headers.location), { redirect: 'manual' });
  expect(back.status).toBe(302);
  const callback = new URL(back.headers.get('location')!);
  expect(`${callback.origin}${callback.pathname}`).toBe(
    `${PUBLIC_BASE_URL}/api/v1/auth/callback/${provider}`,
  );
  return callback;
}

async function socialLogin(target: App, provider: string) {
  const callback = await authorize(target, provider);
  return call(target, { url: `${callback.pathname}${callback.search}` });
}

async function googleLogin(identity: OidcIdentity, target: App = app) {
  google.next = identity;
  return socialLogin(target, 'google');
}

async function kakaoLogin(user: FixtureUser, target: App = app) {
  kakao.next = user;
  return socialLogin(target, 'kakao');
}

async function passwordMember(email = `member-${unique()}@example.com`) {
  const user = await deps.users.create({
    email,
    name: 'Password Member',
    passwordHash: 'argon2id$not-used-here',
  });
  return {
    user,
    token: app.signAccessToken({ sub: String(user.id), role: user.role, ver: user.tokenVersion }),
  };
}

async function userRow(id: number) {
  const [row] = await deps.database.sql<
    {
      email: string;
      password_hash: string | null;
      email_verified_at: Date | null;
      name: string;
      phone: string | null;
      nickname: string | null;
    }[]
  >`select email, password_hash, email_verified_at, name, phone, nickname from users where id = ${id}`;
  return row;
}

async function socialRows(userId: number) {
  return deps.database.sql<{ provider: string; provider_user_id: string; email: string | null }[]>`
    select provider, provider_user_id, email from social_accounts where user_id = ${userId} order by provider`;
}

describe('GET /auth/login/:provider (AUTH-10)', () => {
  it('redirects to the provider with code flow parameters, PKCE and a state kept 10 minutes in Redis', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/v1/auth/login/google' });
    expect(response.statusCode).toBe(302);
    expect(response.headers['cache-control']).toBe('no-store');
    const location = new URL(String(response.headers.location));
    expect(`${location.origin}${location.pathname}`).toBe(`${google.url}/authorize`);
    const params = location.searchParams;
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe(CLIENT.id);
    expect(params.get('redirect_uri')).toBe(`${PUBLIC_BASE_URL}/api/v1/auth/callback/google`);
    expect(params.get('scope')).toBe('openid email profile');
    expect(params.get('code_challenge_method')).toBe('S256');
    const state = params.get('state')!;
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 random bits
    const key = `${ctx.redisPrefix}:oauth:state:${state}`;
    const ttl = await deps.redis.ttl(key);
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
    const stored = JSON.parse((await deps.redis.get(key))!);
    expect(stored.provider).toBe('google');
    expect(createHash('sha256').update(stored.codeVerifier).digest('base64url')).toBe(
      params.get('code_challenge'),
    );
    // the client secret never travels through the browser
    expect(location.toString()).not.toContain(CLIENT.secret);
  });

  it('issues a different state on every login', async () => {
    const states = new Set<string>();
    for (let i = 0; i < 5; i += 1) {
      const response = await app.inject({ method: 'GET', url: '/api/v1/auth/login/kakao' });
      states.add(new URL(String(response.headers.location)).searchParams.get('state')!);
    }
    expect(states.size).toBe(5);
  });

  it('refuses unknown and unconfigured providers with 400 INVALID_PROVIDER', async () => {
    for (const provider of [
      'twitter',
      'facebook',
      'instagram',
      'GOOGLE',
      '%EA%B5%AC%EA%B8%80',
      "google'%20OR%201=1--",
      '..%2F..%2Fetc',
      'google%00',
    ]) {
      const { status, body } = await call(app, { url: `/api/v1/auth/login/${provider}` });
      expect(status, provider).toBe(400);
      expect(body.error.code, provider).toBe('INVALID_PROVIDER');
      expect(body.error.details.supported).toEqual(['google', 'naver', 'kakao']);
    }
    const long = await call(app, { url: `/api/v1/auth/login/${'g'.repeat(40)}` });
    expect(long.status).toBe(400);
    expect(long.body.error.code).toBe('VALIDATION_ERROR');
    // past Fastify's maxParamLength (100) the router refuses before any route runs: still our envelope
    const tooLong = await call(app, { url: `/api/v1/auth/login/${'g'.repeat(5000)}` });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.code).toBe('VALIDATION_ERROR');
  });

  it('counts against the auth rate limit', async () => {
    // counters live in Redis under the key prefix: a prefix of its own, or the other tests' calls count
    const { app: limited } = await appWith({
      AUTH_RATE_LIMIT_PER_MINUTE: '2',
      REDIS_KEY_PREFIX: `${ctx.redisPrefix}:limited`,
    });
    const statuses = [];
    for (let i = 0; i < 3; i += 1)
      statuses.push((await call(limited, { url: '/api/v1/auth/login/google' })).status);
    expect(statuses).toEqual([302, 302, 429]);
    const refused = await call(limited, { url: '/api/v1/auth/login/google' });
    expect(refused.body.error.code).toBe('TOO_MANY_REQUESTS');
  });
});

describe('GET /auth/callback/:provider (AUTH-11)', () => {
  it('signs a new member up, completes the sign-up, and logs the same member in the next time', async () => {
    const email = `alice-${unique()}@example.com`;
    const identity = { sub: `g-${unique()}`, email, email_verified: true, name: 'Alice Kim' };
    google.tokenRequests.length = 0;
    const first = await googleLogin(identity);
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.body.success).toBe(true);
    expect(first.body.data).toMatchObject({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 1800,
      isNewUser: true,
    });
    // the code went to the token endpoint form-encoded with the secret, redirect URI and PKCE verifier
    expect(google.tokenRequests.at(-1)).toMatchObject({
      grant_type: 'authorization_code',
      client_id: CLIENT.id,
      client_secret: CLIENT.secret,
      redirect_uri: `${PUBLIC_BASE_URL}/api/v1/auth/callback/google`,
      code_verifier: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    const userId = claimsOf(first.body.data.accessToken).sub;
    const row = await userRow(userId);
    expect(row).toMatchObject({ email, password_hash: null, name: 'Alice Kim', phone: null, nickname: null });
    expect(row?.email_verified_at).not.toBeNull();
    expect(await socialRows(userId)).toEqual([{ provider: 'google', provider_user_id: identity.sub, email }]);

    const nickname = `alice${unique()}`;
    const completed = await call(app, {
      method: 'POST',
      url: '/api/v1/auth/social/complete',
      token: first.body.data.accessToken,
      body: { phone: '010-1234-5678', nickname },
    });
    expect(completed.status).toBe(200);
    expect(completed.body.data).toMatchObject({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
    });
    expect(completed.body.data.refreshToken).not.toBe(first.body.data.refreshToken);
    expect(claimsOf(completed.body.data.accessToken).sub).toBe(userId);
    expect(await userRow(userId)).toMatchObject({ phone: '010-1234-5678', nickname });

    const again = await googleLogin(identity);
    expect(again.status).toBe(200);
    expect(again.body.data.isNewUser).toBe(false);
    expect(claimsOf(again.body.data.accessToken).sub).toBe(userId);
    const [counted] = await deps.database.sql<{ count: number }[]>`
      select count(*)::int as count from users where email = ${email}`;
    expect(counted?.count).toBe(1);
  });

  it('refuses a state used twice (replay) with 400 INVALID_STATE', async () => {
    google.next = { sub: `g-${unique()}` };
    // real providers append parameters of their own; they are ignored
    google.server.service.once(Events.BeforeAuthorizeRedirect, (redirect) => {
      redirect.url.searchParams.set('scope', 'openid email profile');
      redirect.url.searchParams.set('authuser', '0');
      redirect.url.searchParams.set('error_description', 'x'.repeat(3000));
    });
    const callback = await authorize(app, 'google');
    expect(callback.searchParams.get('authuser')).toBe('0');
    const url = `${callback.pathname}${callback.search}`;
    expect((await call(app, { url })).status).toBe(200);
    const replay = await call(app, { url });
    expect(replay.status).toBe(400);
    expect(replay.body.error.code).toBe('INVALID_STATE');
  });

  it('refuses forged, missing and malformed states with 400 INVALID_STATE', async () => {
    const forged = randomBytes(32).toString('base64url');
    for (const query of [
      `code=abc&state=${forged}`,
      'code=abc',
      'code=abc&state=',
      'code=abc&state=short',
      `code=abc&state=${encodeURIComponent("' OR '1'='1")}`,
      `code=abc&state=${encodeURIComponent('状態'.repeat(10))}`,
      `code=abc&state=${encodeURIComponent('*')}`,
    ]) {
      const { status, body } = await call(app, { url: `/api/v1/auth/callback/google?${query}` });
      expect(status, query).toBe(400);
      expect(body.error.code, query).toBe('INVALID_STATE');
    }
  });

  it('refuses a state issued for another provider, and that state is spent', async () => {
    google.next = { sub: `g-${unique()}` };
    const callback = await authorize(app, 'google');
    const crossed = await call(app, { url: `/api/v1/auth/callback/kakao${callback.search}` });
    expect(crossed.status).toBe(400);
    expect(crossed.body.error.code).toBe('INVALID_STATE');
    const original = await call(app, { url: `${callback.pathname}${callback.search}` });
    expect(original.status).toBe(400);
    expect(original.body.error.code).toBe('INVALID_STATE');
  });

  it('refuses an expired state', async () => {
    google.next = { sub: `g-${unique()}` };
    const callback = await authorize(app, 'google');
    const state = callback.searchParams.get('state')!;
    await deps.redis.pexpire(`${ctx.redisPrefix}:oauth:state:${state}`, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const { status, body } = await call(app, { url: `${callback.pathname}${callback.search}` });
    expect(status).toBe(400);
    expect(body.error.code).toBe('INVALID_STATE');
  });

  it('answers 401 SOCIAL_AUTH_FAILED when the member refused consent, spending the state', async () => {
    const start = await app.inject({ method: 'GET', url: '/api/v1/auth/login/google' });
    const state = new URL(String(start.headers.location)).searchParams.get('state')!;
    const url = `/api/v1/auth/callback/google?error=access_denied&error_description=${encodeURIComponent('User denied <script>')}&state=${state}`;
    const refused = await call(app, { url });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toMatchObject({
      code: 'SOCIAL_AUTH_FAILED',
      details: { reason: 'consent refused' },
    });
    expect((await call(app, { url })).body.error.code).toBe('INVALID_STATE');
  });

  it('answers 401 SOCIAL_AUTH_FAILED when the provider refuses the code or the token', async () => {
    google.next = { sub: `g-${unique()}` };
    google.server.service.once(Events.BeforeResponse, (response) => {
      response.statusCode = 400;
      response.body = { error: 'invalid_grant' };
    });
    const refusedCode = await googleLogin({ sub: `g-${unique()}` });
    expect(refusedCode.status).toBe(401);
    expect(refusedCode.body.error).toMatchObject({
      code: 'SOCIAL_AUTH_FAILED',
      details: { reason: 'rejected' },
    });

    google.server.service.once(Events.BeforeUserinfo, (response) => {
      response.statusCode = 401;
      response.body = { error: 'invalid_token' };
    });
    const refusedToken = await googleLogin({ sub: `g-${unique()}` });
    expect(refusedToken.status).toBe(401);
    expect(refusedToken.body.error.code).toBe('SOCIAL_AUTH_FAILED');

    // a forged code with a valid state: the provider does not know it
    const start = await app.inject({ method: 'GET', url: '/api/v1/auth/login/google' });
    const state = new URL(String(start.headers.location)).searchParams.get('state')!;
    const forgedCode = await call(app, {
      url: `/api/v1/auth/callback/google?code=${encodeURIComponent("'; drop table users;--")}&state=${state}`,
    });
    expect(forgedCode.status).toBe(401);
    expect(forgedCode.body.error.code).toBe('SOCIAL_AUTH_FAILED');
  });

  it('refuses hostile query strings with a 4xx catalog code', async () => {
    const start = await app.inject({ method: 'GET', url: '/api/v1/auth/login/google' });
    const state = new URL(String(start.headers.location)).searchParams.get('state')!;
    for (const query of [
      `code=${'a'.repeat(5000)}&state=${state}`,
      `code=a&code=b&state=${state}`,
      `code=a&state=${state}&state=${state}`,
      `code=a&state=${'s'.repeat(600)}`,
      `code[$ne]=1&state=${state}`,
    ]) {
      const { status, body } = await call(app, { url: `/api/v1/auth/callback/google?${query}` });
      expect(status, query).toBeGreaterThanOrEqual(400);
      expect(status, query).toBeLessThan(500);
      expect(['VALIDATION_ERROR', 'INVALID_STATE', 'SOCIAL_AUTH_FAILED'], query).toContain(body.error.code);
    }
    expect((await call(app, { url: '/api/v1/auth/callback/twitter?code=a&state=b' })).body.error.code).toBe(
      'INVALID_PROVIDER',
    );
  });

  it('signs a provider account up once when two callbacks race', async () => {
    const identity = { sub: `g-${unique()}`, email: `race-${unique()}@example.com`, email_verified: true };
    google.next = identity;
    const callbacks = [await authorize(app, 'google'), await authorize(app, 'google')];
    const results = await Promise.all(
      callbacks.map((callback) => call(app, { url: `${callback.pathname}${callback.search}` })),
    );
    expect(results.map((result) => result.status)).toEqual([200, 200]);
    expect(results.map((result) => result.body.data.isNewUser).sort()).toEqual([false, true]);
    const ids = new Set(results.map((result) => claimsOf(result.body.data.accessToken).sub));
    expect(ids.size).toBe(1);
  });

  it('signs a provider account up again after its member withdrew', async () => {
    const identity = { sub: `g-${unique()}`, email: `gone-${unique()}@example.com`, email_verified: true };
    const first = await googleLogin(identity);
    const formerId = claimsOf(first.body.data.accessToken).sub;
    await deps.database.sql`update users set deleted_at = now() where id = ${formerId}`;
    const again = await googleLogin(identity);
    expect(again.status).toBe(200);
    expect(again.body.data.isNewUser).toBe(true);
    expect(claimsOf(again.body.data.accessToken).sub).not.toBe(formerId);
    expect(await socialRows(formerId)).toEqual([]);
  });

  it('answers 503 SERVICE_UNAVAILABLE while the state store (Redis) is down', async () => {
    const redis = await startPrivateRedis();
    closers.push(() => redis.stop()); // runs after the app below is closed
    const { app: isolated } = await appWith({ REDIS_URL: redis.url });
    google.next = { sub: `g-${unique()}` };
    const callback = await authorize(isolated, 'google');
    await redis.stop();
    try {
      for (const url of ['/api/v1/auth/login/google', `${callback.pathname}${callback.search}`]) {
        const down = await call(isolated, { url });
        expect(down.status, url).toBe(503);
        expect(down.body.error.code, url).toBe('SERVICE_UNAVAILABLE');
      }
    } finally {
      // the app's connections close cleanly only with their Redis back
      await redis.start();
    }
  });

  it('refuses a blocked member with 403 USER_BLOCKED', async () => {
    const identity = { sub: `g-${unique()}`, name: 'Soon Blocked' };
    const first = await googleLogin(identity);
    const userId = claimsOf(first.body.data.accessToken).sub;
    await deps.database.sql`update users set status = 'BLOCKED' where id = ${userId}`;
    const blocked = await googleLogin(identity);
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.code).toBe('USER_BLOCKED');
  });

  it('never merges into an existing member by e-mail: 409 DUPLICATE_EMAIL until the member links the provider', async () => {
    const { user, token } = await passwordMember();
    const identity = { sub: `g-${unique()}`, email: user.email, email_verified: true, name: 'Same Mail' };
    const collision = await googleLogin(identity);
    expect(collision.status).toBe(409);
    expect(collision.body.error.code).toBe('DUPLICATE_EMAIL');
    expect(await socialRows(user.id)).toEqual([]);
    const [counted] = await deps.database.sql<{ count: number }[]>`
      select count(*)::int as count from social_accounts where provider_user_id = ${identity.sub}`;
    expect(counted?.count).toBe(0);

    const linked = await call(app, {
      method: 'POST',
      url: '/api/v1/auth/social/link',
      token,
      body: { provider: 'google', socialToken: await google.accessToken(identity) },
    });
    expect(linked.status).toBe(200);
    const login = await googleLogin(identity);
    expect(login.status).toBe(200);
    expect(login.body.data.isNewUser).toBe(false);
    expect(claimsOf(login.body.data.accessToken).sub).toBe(user.id);
  });

  it('does not take an e-mail the provider does not vouch for: the member gets a placeholder address', async () => {
    const { user } = await passwordMember();
    const unverified = await googleLogin({
      sub: `g-${unique()}`,
      email: user.email,
      email_verified: false,
      name: 'X',
    });
    expect(unverified.status).toBe(200);
    expect(unverified.body.data.isNewUser).toBe(true);
    const id = claimsOf(unverified.body.data.accessToken).sub;
    expect(id).not.toBe(user.id);
    const row = await userRow(id);
    expect(row?.email).toMatch(/^google_[0-9a-f]{24}@social\.pbshop\.invalid$/);
    expect(row?.email_verified_at).toBeNull();
    expect(row?.name).toBe('Google User'); // a one-letter name is too short
    expect((await socialRows(id))[0]?.email).toBe(user.email);

    const noMail = await googleLogin({ sub: `g-${unique()}` });
    expect((await userRow(claimsOf(noMail.body.data.accessToken).sub))?.email).toMatch(
      /@social\.pbshop\.invalid$/,
    );
  });

  it('cleans hostile profile names: control and bidi characters dropped, cut to 20 characters', async () => {
    const login = await googleLogin({
      sub: `g-${unique()}`,
      name: '\u202eevil\u0000\n  name 👩‍💻 with a very long tail that goes on',
    });
    expect(login.status).toBe(200);
    const name = (await userRow(claimsOf(login.body.data.accessToken).sub))?.name ?? '';
    expect(name).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect([...name].length).toBeLessThanOrEqual(20);
    expect(name).toBe('evil name with a ver'); // the emoji is no name character
  });

  it('refuses provider user ids it cannot trust (missing, empty, with spaces, too long)', async () => {
    for (const sub of ['', 'with space', 'x'.repeat(300)]) {
      const login = await googleLogin({ sub });
      expect(login.status, sub).toBe(401);
      expect(login.body.error).toMatchObject({
        code: 'SOCIAL_AUTH_FAILED',
        details: { reason: 'no user id' },
      });
    }
  });
});

describe('non-OIDC providers: Kakao and Naver profiles', () => {
  it('maps a Kakao profile (numeric id, kakao_account.email, properties.nickname) and uses PKCE', async () => {
    const id = 3_000_000_000 + Math.floor(Math.random() * 1_000_000);
    const email = `kakao-${unique()}@example.kr`;
    kakao.tokenRequests.length = 0;
    const login = await kakaoLogin({ id, email, verified: true, name: '카카오친구' });
    expect(login.status).toBe(200);
    expect(login.body.data.isNewUser).toBe(true);
    const form = kakao.tokenRequests.at(-1)!;
    expect(form.get('client_secret')).toBe(CLIENT.secret);
    expect(form.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const userId = claimsOf(login.body.data.accessToken).sub;
    expect(await userRow(userId)).toMatchObject({ email, name: '카카오친구', password_hash: null });
    expect(await socialRows(userId)).toEqual([{ provider: 'kakao', provider_user_id: String(id), email }]);
  });

  it('keeps an unverified Kakao e-mail off the member', async () => {
    const login = await kakaoLogin({
      id: Date.now(),
      email: `kakao-${unique()}@example.kr`,
      verified: false,
      name: 'K',
    });
    expect(login.status).toBe(200);
    expect((await userRow(claimsOf(login.body.data.accessToken).sub))?.email).toMatch(
      /^kakao_.*@social\.pbshop\.invalid$/,
    );
  });

  it('maps a Naver profile (response.id/email/name) and sends the state with the code', async () => {
    const email = `naver-${unique()}@example.kr`;
    naver.next = { id: `nv-${unique()}`, email, name: '네이버 회원' };
    const login = await socialLogin(app, 'naver');
    expect(login.status).toBe(200);
    const form = naver.tokenRequests.at(-1)!;
    expect(form.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(form.get('code_verifier')).toBeNull(); // no PKCE for Naver
    const userId = claimsOf(login.body.data.accessToken).sub;
    expect(await userRow(userId)).toMatchObject({ email, name: '네이버 회원' });
  });

  it('treats Naver’s 200-with-error token answer as a failed login', async () => {
    naver.mode.token = 'error-200';
    naver.next = { id: `nv-${unique()}` };
    const login = await socialLogin(app, 'naver');
    expect(login.status).toBe(401);
    expect(login.body.error).toMatchObject({
      code: 'SOCIAL_AUTH_FAILED',
      details: { reason: 'no access token' },
    });
  });
});

describe('provider failures are 401 SOCIAL_AUTH_FAILED, quickly, never 500', () => {
  const cases: { name: string; token?: TokenMode; userinfo?: UserinfoMode; reason: string }[] = [
    { name: 'token endpoint answers 500', token: '500', reason: 'provider error' },
    { name: 'token endpoint hangs', token: 'hang', reason: 'timeout' },
    { name: 'token endpoint answers garbage', token: 'garbage', reason: 'malformed response' },
    { name: 'token endpoint answers 200 without a token', token: 'no-token', reason: 'no access token' },
    { name: 'token endpoint answers an oversized body', token: 'huge', reason: 'malformed response' },
    { name: 'profile API answers garbage', userinfo: 'garbage', reason: 'malformed response' },
    { name: 'profile API answers 500', userinfo: '500', reason: 'provider error' },
    { name: 'profile has no id', userinfo: 'no-id', reason: 'no user id' },
  ];
  // an app of its own with a short provider timeout; its breaker is closed again before each case
  let failing: Awaited<ReturnType<typeof appWith>>;
  beforeAll(async () => {
    failing = await appWith({}, { resilienceOverrides: { social: { timeoutMs: 700 } } });
  });
  beforeEach(async () => {
    await failing.deps.resilience.reset('social:kakao');
  });

  for (const scenario of cases) {
    it(scenario.name, async () => {
      kakao.mode = { token: scenario.token ?? 'ok', userinfo: scenario.userinfo ?? 'ok' };
      const started = Date.now();
      const login = await kakaoLogin({ id: Date.now() }, failing.app);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(login.status).toBe(401);
      expect(login.body.error).toMatchObject({
        code: 'SOCIAL_AUTH_FAILED',
        details: { provider: 'kakao', reason: scenario.reason },
      });
    });
  }

  it('answers 401 when the provider is unreachable', async () => {
    const closed = await startFixtureServer(() => {});
    const port = closed.port;
    await closed.close();
    const { app: isolated } = await appWith({ OAUTH_KAKAO_TOKEN_URL: `http://127.0.0.1:${port}/token` });
    const login = await kakaoLogin({ id: Date.now() }, isolated);
    expect(login.status).toBe(401);
    expect(login.body.error.details.reason).toBe('unreachable');
  });

  it('opens the social:<provider> breaker after 5 provider failures, failing fast without calling it', async () => {
    const { app: isolated } = await appWith();
    kakao.mode.token = '500';
    for (let i = 0; i < 5; i += 1) {
      expect((await kakaoLogin({ id: Date.now() }, isolated)).body.error.details.reason).toBe(
        'provider error',
      );
    }
    const before = kakao.hits.token;
    const open = await kakaoLogin({ id: Date.now() }, isolated);
    expect(open.status).toBe(401);
    expect(open.body.error.details.reason).toBe('circuit open');
    expect(kakao.hits.token).toBe(before);
    // other providers are not affected
    expect((await googleLogin({ sub: `g-${unique()}` }, isolated)).status).toBe(200);
  });

  it('does not let clients open the breaker with bad codes (provider 4xx)', async () => {
    const { app: isolated } = await appWith();
    for (let i = 0; i < 7; i += 1) {
      const start = await isolated.inject({ method: 'GET', url: '/api/v1/auth/login/kakao' });
      const state = new URL(String(start.headers.location)).searchParams.get('state')!;
      const bad = await call(isolated, { url: `/api/v1/auth/callback/kakao?code=bogus${i}&state=${state}` });
      expect(bad.body.error).toMatchObject({ code: 'SOCIAL_AUTH_FAILED', details: { reason: 'rejected' } });
    }
    expect((await kakaoLogin({ id: Date.now() }, isolated)).status).toBe(200);
  });
});

describe('POST /auth/social/complete (AUTH-12)', () => {
  async function newSocialMember() {
    const login = await googleLogin({ sub: `g-${unique()}`, name: 'New Member' });
    return login.body.data.accessToken as string;
  }

  it('needs the access token of the callback', async () => {
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/v1/auth/social/complete',
      body: { phone: '010-1234-5678', nickname: 'anon' },
    });
    expect(status).toBe(401);
    expect(body.error.code).toBe('UNAUTHORIZED');
    const forged = await call(app, {
      method: 'POST',
      url: '/api/v1/auth/social/complete',
      token: 'not.a.jwt',
      body: { phone: '010-1234-5678', nickname: 'anon' },
    });
    expect(forged.status).toBe(401);
  });

  it('answers 409 NICKNAME_TAKEN for a nickname in use, in any letter case', async () => {
    const nickname = `Taken${unique()}`;
    const first = await newSocialMember();
    expect(
      (
        await call(app, {
          method: 'POST',
          url: '/api/v1/auth/social/complete',
          token: first,
          body: { phone: '01012345678', nickname },
        })
      ).status,
    ).toBe(200);
    const second = await newSocialMember();
    const taken = await call(app, {
      method: 'POST',
      url: '/api/v1/auth/social/complete',
      token: second,
      body: { phone: '010-9999-8888', nickname: nickname.toLowerCase() },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('NICKNAME_TAKEN');
    expect((await userRow(claimsOf(second).sub))?.phone).toBeNull();
  });

  it('accepts a Korean nickname and refuses members who did not sign up socially', async () => {
    const token = await newSocialMember();
    const korean = await call(app, {
      method: 'POST',
      url: '/api/v1/auth/social/complete',
      token,
      body: { phone: '01022223333', nickname: `홍길동${unique().slice(0, 4)}` },
    });
    expect(korean.status).toBe(200);
    // stored in the sign-up's canonical form, which the password-reset phone match compares
    expect((await userRow(claimsOf(token).sub))?.phone).toBe('010-2222-3333');
    const { token: passwordToken } = await passwordMember();
    const refused = await call(app, {
      method: 'POST',
      url: '/api/v1/auth/social/complete',
      token: passwordToken,
      body: { phone: '010-2222-3333', nickname: `pw${unique()}` },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
  });

  it('refuses hostile bodies with a 4xx catalog code', async () => {
    const token = await newSocialMember();
    const bodies: unknown[] = [
      {},
      { phone: 1012345678, nickname: 'numeric' },
      { phone: '010-1234-5678' },
      { phone: '010-1234-5678', nickname: ['array'] },
      { phone: '010-1234-5678', nickname: { $ne: null } },
      { phone: '010-1234-5678', nickname: "'; drop table users;--" },
      { phone: '010-1234-5678', nickname: '<script>alert(1)</script>' },
      { phone: '010-1234-5678', nickname: 'a' },
      { phone: '010-1234-5678', nickname: 'n'.repeat(21) },
      { phone: '010-1234-5678', nickname: '😀😀😀' },
      { phone: '010-1234-5678', nickname: 'zero\u200bwidth' },
      { phone: '+1 (555) 123', nickname: 'okname' },
      { phone: '010-1234\n-5678', nickname: 'okname2' },
      { phone: '0'.repeat(10_000), nickname: 'okname3' },
      'not json{',
      JSON.stringify({ phone: '010-1234-5678', nickname: 'x'.repeat(2 * 1024 * 1024) }),
    ];
    for (const body of bodies) {
      const response = await call(app, { method: 'POST', url: '/api/v1/auth/social/complete', token, body });
      const label = JSON.stringify(body).slice(0, 80);
      expect(response.status, label).toBeGreaterThanOrEqual(400);
      expect(response.status, label).toBeLessThan(500);
      expect(['VALIDATION_ERROR', 'MALFORMED_JSON', 'PAYLOAD_TOO_LARGE'], label).toContain(
        response.body.error.code,
      );
    }
    // the phone is stored without the trailing newline only when it is valid; nothing was stored here
    expect((await userRow(claimsOf(token).sub))?.nickname).toBeNull();
  });
});

describe('POST /auth/social/link and DELETE /auth/social/unlink/:provider (AUTH-13, AUTH-14)', () => {
  async function googleMember() {
    const identity = { sub: `g-${unique()}`, name: 'Linker' };
    const login = await googleLogin(identity);
    return {
      identity,
      token: login.body.data.accessToken as string,
      id: claimsOf(login.body.data.accessToken).sub,
    };
  }
  const link = (token: string, body: unknown) =>
    call(app, { method: 'POST', url: '/api/v1/auth/social/link', token, body });
  const unlink = (token: string, provider: string) =>
    call(app, { method: 'DELETE', url: `/api/v1/auth/social/unlink/${provider}`, token });

  it('links a second provider with its access token; that provider then logs the member in', async () => {
    const member = await googleMember();
    const kakaoUser = { id: Date.now() + 17, name: 'Linked Kakao' };
    const linked = await link(member.token, { provider: 'kakao', socialToken: kakao.issueToken(kakaoUser) });
    expect(linked.status).toBe(200);
    expect(linked.body.data).toEqual({ message: expect.any(String), linkedProvider: 'kakao' });
    expect((await socialRows(member.id)).map((row) => row.provider)).toEqual(['google', 'kakao']);
    const login = await kakaoLogin(kakaoUser);
    expect(login.body.data.isNewUser).toBe(false);
    expect(claimsOf(login.body.data.accessToken).sub).toBe(member.id);

    const english = await call(app, {
      method: 'POST',
      url: '/api/v1/auth/social/link',
      token: member.token,
      body: { provider: 'naver', socialToken: naver.issueToken({ id: `nv-${unique()}` }) },
      headers: { 'accept-language': 'en' },
    });
    expect(english.body.data).toEqual({ message: 'The social account is linked.', linkedProvider: 'naver' });
  });

  it('answers 409 PROVIDER_ALREADY_LINKED when the member already has that provider', async () => {
    const member = await googleMember();
    const same = await link(member.token, {
      provider: 'google',
      socialToken: await google.accessToken(member.identity),
    });
    expect(same.status).toBe(409);
    expect(same.body.error.code).toBe('PROVIDER_ALREADY_LINKED');
    const other = await link(member.token, {
      provider: 'google',
      socialToken: await google.accessToken({ sub: `g-${unique()}` }),
    });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('PROVIDER_ALREADY_LINKED');
  });

  it('answers 409 SOCIAL_ALREADY_LINKED when the provider account belongs to another member', async () => {
    const owner = await googleMember();
    const { token } = await passwordMember();
    const stolen = await link(token, {
      provider: 'google',
      socialToken: await google.accessToken(owner.identity),
    });
    expect(stolen.status).toBe(409);
    expect(stolen.body.error.code).toBe('SOCIAL_ALREADY_LINKED');
    expect((await socialRows(owner.id)).length).toBe(1);
  });

  it('answers 401 SOCIAL_AUTH_FAILED for a token the provider does not accept', async () => {
    const { token } = await passwordMember();
    for (const provider of ['google', 'kakao']) {
      const refused = await link(token, { provider, socialToken: `fake-${unique()}` });
      expect(refused.status, provider).toBe(401);
      expect(refused.body.error.code, provider).toBe('SOCIAL_AUTH_FAILED');
    }
  });

  it('refuses hostile link requests with a 4xx catalog code', async () => {
    const { token } = await passwordMember();
    const cases: [unknown, string][] = [
      [{ provider: 'twitter', socialToken: 'x' }, 'INVALID_PROVIDER'],
      [{ provider: 'facebook', socialToken: 'x' }, 'INVALID_PROVIDER'],
      [{ provider: "kakao' OR 1=1", socialToken: 'x' }, 'INVALID_PROVIDER'],
      [{ provider: 'kakao', socialToken: 'abc\r\nx-injected: 1' }, 'VALIDATION_ERROR'],
      [{ provider: 'kakao', socialToken: 'with space' }, 'VALIDATION_ERROR'],
      [{ provider: 'kakao', socialToken: '토큰' }, 'VALIDATION_ERROR'],
      [{ provider: 'kakao', socialToken: 't'.repeat(5000) }, 'VALIDATION_ERROR'],
      [{ provider: 'kakao', socialToken: '' }, 'VALIDATION_ERROR'],
      [{ provider: 'kakao', socialToken: 42 }, 'VALIDATION_ERROR'],
      [{ provider: ['kakao'], socialToken: 'x' }, 'VALIDATION_ERROR'],
      [{ provider: 'p'.repeat(100), socialToken: 'x' }, 'VALIDATION_ERROR'],
      [{}, 'VALIDATION_ERROR'],
      ['{"provider":', 'MALFORMED_JSON'],
    ];
    for (const [body, code] of cases) {
      const response = await link(token, body);
      expect(response.status, JSON.stringify(body)).toBeLessThan(500);
      expect(response.body.error.code, JSON.stringify(body)).toBe(code);
    }
    expect(
      (
        await call(app, {
          method: 'POST',
          url: '/api/v1/auth/social/link',
          body: { provider: 'kakao', socialToken: 'x' },
        })
      ).status,
    ).toBe(401);
  });

  it('unlinks; 404 SOCIAL_NOT_LINKED when not linked; 400 CANNOT_UNLINK for the last login of a member without password', async () => {
    const member = await googleMember();
    await link(member.token, { provider: 'kakao', socialToken: kakao.issueToken({ id: Date.now() + 33 }) });
    const removed = await unlink(member.token, 'kakao');
    expect(removed.status).toBe(200);
    expect(removed.body.data.message).toEqual(expect.any(String));
    const again = await unlink(member.token, 'kakao');
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('SOCIAL_NOT_LINKED');
    const last = await unlink(member.token, 'google');
    expect(last.status).toBe(400);
    expect(last.body.error.code).toBe('CANNOT_UNLINK');
    expect((await socialRows(member.id)).map((row) => row.provider)).toEqual(['google']);
    // a provider the operator has not enabled can still be unlinked; it is just not linked here
    expect((await unlink(member.token, 'facebook')).body.error.code).toBe('SOCIAL_NOT_LINKED');
  });

  it('lets a member with a password unlink the only provider', async () => {
    const { user, token } = await passwordMember();
    const identity = { sub: `g-${unique()}` };
    expect(
      (await link(token, { provider: 'google', socialToken: await google.accessToken(identity) })).status,
    ).toBe(200);
    expect((await unlink(token, 'google')).status).toBe(200);
    expect(await socialRows(user.id)).toEqual([]);
  });

  it('never lets two concurrent unlinks remove both logins of a member without password', async () => {
    const member = await googleMember();
    await link(member.token, { provider: 'kakao', socialToken: kakao.issueToken({ id: Date.now() + 55 }) });
    const results = await Promise.all([unlink(member.token, 'google'), unlink(member.token, 'kakao')]);
    expect(results.map((result) => result.status).sort()).toEqual([200, 400]);
    expect((await socialRows(member.id)).length).toBe(1);
  });

  it('refuses hostile unlink requests with a 4xx catalog code', async () => {
    const member = await googleMember();
    for (const [provider, code] of [
      ['twitter', 'INVALID_PROVIDER'],
      ['GOOGLE', 'INVALID_PROVIDER'],
      ['%EA%B5%AC%EA%B8%80', 'INVALID_PROVIDER'],
      ["google'%3B--", 'INVALID_PROVIDER'],
      ['g'.repeat(40), 'VALIDATION_ERROR'],
    ] as const) {
      const response = await unlink(member.token, provider);
      expect(response.status, provider).toBe(400);
      expect(response.body.error.code, provider).toBe(code);
    }
    expect((await call(app, { method: 'DELETE', url: '/api/v1/auth/social/unlink/google' })).status).toBe(
      401,
    );
    expect((await socialRows(member.id)).length).toBe(1);
  });

  it('declares the access of every social route', () => {
    const social = app.routeAccess.filter(
      (route) => route.url.includes('/auth/') && /social|login|callback/.test(route.url),
    );
    expect(social).toEqual(
      expect.arrayContaining([
        { method: 'GET', url: '/api/v1/auth/login/:provider', access: 'public' },
        { method: 'GET', url: '/api/v1/auth/callback/:provider', access: 'public' },
        { method: 'POST', url: '/api/v1/auth/social/complete', access: 'user' },
        { method: 'POST', url: '/api/v1/auth/social/link', access: 'user' },
        { method: 'DELETE', url: '/api/v1/auth/social/unlink/:provider', access: 'user' },
      ]),
    );
  });
});
