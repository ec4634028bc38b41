import { once } from 'node:events';
import { createLogger, parseEnv } from '@pbshop/config';
import { errorCatalog } from '@pbshop/errors';
import { createTestContext, type TestContext } from '@pbshop/testing';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../src/app.ts';
import { type ApiDeps, createApiDeps } from '../src/deps.ts';

let ctx: TestContext;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await ctx.cleanup();
});

async function appWith(overrides: Record<string, string> = {}): Promise<{ app: App; deps: ApiDeps }> {
  const env = parseEnv({
    ...ctx.env,
    RATE_LIMIT_PER_MINUTE: '100000',
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    ...overrides,
  });
  const deps = createApiDeps(env, createLogger(env, 'platform-test'));
  const app = await buildApp(deps);
  await app.ready();
  // the limiter lets requests through while its Redis connection is still being made
  if (deps.redis.status !== 'ready') await once(deps.redis, 'ready');
  closers.push(async () => {
    await app.close();
    await deps.close();
  });
  return { app, deps };
}

async function memberToken(app: App, deps: ApiDeps, role: 'USER' | 'ADMIN', email: string): Promise<string> {
  const user = await deps.users.create({
    email,
    name: 'Member',
    passwordHash: null,
    role,
    emailVerified: true,
  });
  return app.signAccessToken({ sub: String(user.id), role: user.role, ver: user.tokenVersion });
}

// a concrete URL for a route pattern: path parameters get a well-formed but unknown value
function concrete(url: string): string {
  return url.replace(/:([A-Za-z]+)|\*/g, (_match, name: string | undefined) =>
    name === 'provider' ? 'google' : name === 'key' ? 'NOT_FOUND' : '999999999',
  );
}

describe('authorization boundary (every registered route, from the route table)', () => {
  it('every route declares its access', async () => {
    const { app } = await appWith();
    expect(app.routeAccess.length).toBeGreaterThan(5);
    for (const route of app.routeAccess)
      expect(['public', 'optional', 'user', 'seller', 'admin']).toContain(route.access);
  });

  it('admin routes: 401 anonymous, 403 USER, neither for ADMIN; user routes: 401 anonymous', async () => {
    const { app, deps } = await appWith();
    const userToken = await memberToken(app, deps, 'USER', 'boundary-user@example.com');
    const adminToken = await memberToken(app, deps, 'ADMIN', 'boundary-admin@example.com');
    const guarded = app.routeAccess.filter((route) => !['public', 'optional'].includes(route.access));
    expect(guarded.some((route) => route.access === 'admin')).toBe(true);
    for (const route of guarded) {
      const request = {
        method: route.method as 'GET',
        url: concrete(route.url),
        payload: route.method === 'GET' ? undefined : {},
      };
      const anonymous = await app.inject(request);
      expect(anonymous.statusCode, `${route.method} ${route.url} anonymous`).toBe(401);
      expect(anonymous.json().error.code).toBe('UNAUTHORIZED');
      if (route.access !== 'admin') continue;
      const asUser = await app.inject({ ...request, headers: { authorization: `Bearer ${userToken}` } });
      expect(asUser.statusCode, `${route.method} ${route.url} as USER`).toBe(403);
      expect(asUser.json().error.code).toBe('FORBIDDEN');
      const asAdmin = await app.inject({ ...request, headers: { authorization: `Bearer ${adminToken}` } });
      expect([401, 403], `${route.method} ${route.url} as ADMIN got ${asAdmin.statusCode}`).not.toContain(
        asAdmin.statusCode,
      );
    }
  });

  it('optional routes: anonymous and bad-token requests are served as anonymous, never 401', async () => {
    const { app } = await appWith();
    const optional = app.routeAccess.filter((route) => route.access === 'optional');
    expect(optional.length).toBeGreaterThan(0);
    for (const route of optional) {
      for (const headers of [{}, { authorization: 'Bearer not.a.token' }, { authorization: 'Basic abc' }]) {
        const response = await app.inject({
          method: route.method as 'GET',
          url: concrete(route.url),
          headers,
          payload: route.method === 'GET' ? undefined : {},
        });
        expect([401, 403], `${route.method} ${route.url} ${JSON.stringify(headers)}`).not.toContain(
          response.statusCode,
        );
      }
    }
  });

  it('refuses malformed, tampered and foreign tokens with TOKEN_INVALID', async () => {
    const { app, deps } = await appWith();
    const token = await memberToken(app, deps, 'USER', 'boundary-tamper@example.com');
    const route = app.routeAccess.find((entry) => entry.access === 'user');
    expect(route).toBeDefined();
    const [header, payload, signature] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'ADMIN' }),
    ).toString('base64url');
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
    for (const bad of [
      'Bearer nonsense',
      `Bearer ${header}.${forged}.${signature}`,
      `Bearer ${none}`,
      `Bearer ${token}x`,
      'Basic dXNlcjpwYXNz',
    ]) {
      const response = await app.inject({
        method: route!.method as 'GET',
        url: concrete(route!.url),
        headers: { authorization: bad },
      });
      expect(response.statusCode, bad).toBe(401);
      expect(['TOKEN_INVALID', 'UNAUTHORIZED']).toContain(response.json().error.code);
    }
  });
});

describe('rate limits kept in Redis', () => {
  it('hold across two API instances sharing one Redis, with Retry-After', async () => {
    const limits = { RATE_LIMIT_PER_MINUTE: '6', REDIS_KEY_PREFIX: `${ctx.redisPrefix}:shared` };
    const [first, second] = await Promise.all([appWith(limits), appWith(limits)]);
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<App['inject']>> | undefined;
    for (let call = 0; call < 8; call += 1) {
      const response = await (call % 2 === 0 ? first : second).app.inject({
        method: 'GET',
        url: '/api/v1/errors/codes',
      });
      statuses.push(response.statusCode);
      if (response.statusCode === 429) limited ??= response;
    }
    expect(statuses.slice(0, 6)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(statuses.slice(6)).toEqual([429, 429]);
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited?.json()).toMatchObject({ success: false, error: { code: 'TOO_MANY_REQUESTS' } });
  });

  it('health probes are never limited', async () => {
    const { app } = await appWith({
      RATE_LIMIT_PER_MINUTE: '1',
      REDIS_KEY_PREFIX: `${ctx.redisPrefix}:health`,
    });
    for (let call = 0; call < 4; call += 1) {
      expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    }
  });
});

describe('error envelope and catalog', () => {
  it('GET /errors/codes lists the catalog in the asked language', async () => {
    const { app } = await appWith();
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/errors/codes',
      headers: { 'accept-language': 'ja' },
    });
    const body = response.json();
    expect(body.data.total).toBe(Object.keys(errorCatalog).length);
    expect(body.data.items).toContainEqual({
      key: 'NOT_FOUND',
      code: 'NOT_FOUND',
      status: 404,
      message: errorCatalog.NOT_FOUND.message.ja,
    });
  });

  it('GET /errors/codes/:key answers one code or 404', async () => {
    const { app } = await appWith();
    const found = await app.inject({
      method: 'GET',
      url: '/api/v1/errors/codes/TOO_MANY_REQUESTS',
      headers: { 'accept-language': 'en' },
    });
    expect(found.json().data).toEqual({
      key: 'TOO_MANY_REQUESTS',
      code: 'TOO_MANY_REQUESTS',
      status: 429,
      message: errorCatalog.TOO_MANY_REQUESTS.message.en,
    });
    const missing = await app.inject({ method: 'GET', url: '/api/v1/errors/codes/NO_SUCH_CODE' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toMatchObject({
      code: 'NOT_FOUND',
      message: errorCatalog.NOT_FOUND.message.ko,
    });
  });

  it.each([
    ['malformed JSON', { 'content-type': 'application/json' }, '{"email": ', 400, 'MALFORMED_JSON'],
    // an empty body with the JSON type is no body (the storefront sends the type on every call)
    ['empty JSON body', { 'content-type': 'application/json' }, '', 400, 'VALIDATION_ERROR'],
    [
      'a content type nobody parses',
      { 'content-type': 'application/x-evil' },
      'x',
      415,
      'MEDIA_TYPE_NOT_ALLOWED',
    ],
    [
      'an oversized body',
      { 'content-type': 'application/json' },
      JSON.stringify({ blob: 'x'.repeat(1_100_000) }),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'a prototype-pollution body',
      { 'content-type': 'application/json' },
      '{"__proto__": {"admin": true}}',
      400,
      undefined,
    ],
  ])('%s → %s with a code, never 500', async (_name, headers, payload, status, code) => {
    const { app } = await appWith();
    const target = app.routeAccess.find((route) => route.method === 'POST' && route.access === 'public');
    const url = target ? concrete(target.url) : '/api/v1/errors/codes';
    const response = await app.inject({ method: 'POST', url, headers, payload });
    expect(response.statusCode).toBeLessThan(500);
    expect(response.json().success).toBe(false);
    if (code) {
      expect(response.statusCode).toBe(status);
      expect(response.json().error.code).toBe(code);
    }
  });

  it('unknown routes are rate limited too, so nobody enumerates URLs cheaply', async () => {
    const { app } = await appWith({
      RATE_LIMIT_PER_MINUTE: '3',
      REDIS_KEY_PREFIX: `${ctx.redisPrefix}:notfound`,
    });
    const statuses = [];
    for (let call = 0; call < 5; call += 1)
      statuses.push((await app.inject({ method: 'GET', url: `/api/v1/probe-${call}` })).statusCode);
    expect(statuses).toEqual([404, 404, 404, 429, 429]);
  });

  it('serves the OpenAPI document and Swagger UI at /docs with every API route', async () => {
    const { app } = await appWith();
    expect((await app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
    const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    for (const route of app.routeAccess.filter((entry) => entry.url.startsWith('/api/v1'))) {
      const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
      expect(
        document.paths[path]?.[route.method.toLowerCase()],
        `${route.method} ${route.url} in OpenAPI`,
      ).toBeDefined();
    }
  });

  it('sends security headers: a deny-all policy on API responses, the Swagger UI its own', async () => {
    const { app } = await appWith();
    const api = await app.inject({ method: 'GET', url: '/api/v1/errors/codes' });
    expect(api.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    expect(api.headers['x-content-type-options']).toBe('nosniff');
    expect(api.headers['strict-transport-security']).toContain('max-age=');
    expect(api.headers['x-frame-options']).toBe('DENY');
    expect(api.headers['cross-origin-resource-policy']).toBe('same-origin');
    // headers that only steer how a browser treats a document stay on the Swagger UI
    expect(api.headers['x-dns-prefetch-control']).toBeUndefined();
    expect(api.headers['cross-origin-opener-policy']).toBeUndefined();
    const docs = await app.inject({ method: 'GET', url: '/docs/static/index.html' });
    expect(docs.headers['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");
    expect(docs.headers['cross-origin-opener-policy']).toBe('same-origin');
    // errors carry them too
    const missing = await app.inject({ method: 'GET', url: '/api/v1/nowhere' });
    expect(missing.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('CORS', () => {
  it('answers an allowed origin, preflight included; others get no CORS headers, every answer varies by Origin', async () => {
    const { app } = await appWith({ CORS_ORIGINS: 'https://shop.example, https://m.shop.example' });
    const url = '/api/v1/errors/codes';

    const allowed = await app.inject({ method: 'GET', url, headers: { origin: 'https://m.shop.example' } });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://m.shop.example');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    expect(allowed.headers['access-control-expose-headers']).toContain('x-ratelimit-remaining');
    expect(allowed.headers.vary).toContain('Origin');

    const preflight = await app.inject({
      method: 'OPTIONS',
      url,
      headers: {
        origin: 'https://shop.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    expect(preflight.headers['access-control-allow-headers']).toContain('Authorization');
    expect(preflight.headers['access-control-allow-headers']).toContain('Content-Type');

    for (const headers of [{ origin: 'https://evil.example' }, {}]) {
      const response = await app.inject({ method: 'GET', url, headers });
      expect(response.statusCode).toBe(200);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
      expect(response.headers['access-control-allow-credentials']).toBeUndefined();
      expect(response.headers['access-control-expose-headers']).toBeUndefined();
      expect(response.headers.vary).toContain('Origin');
    }
    const refusedPreflight = await app.inject({
      method: 'OPTIONS',
      url,
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'DELETE' },
    });
    expect(refusedPreflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(refusedPreflight.headers['access-control-allow-methods']).toBeUndefined();
  });
});

describe('the storefront as a browser client', () => {
  it('preflights every method and header the storefront uses from its default origins, cached', async () => {
    const { app } = await appWith();
    for (const origin of ['http://localhost:3000', 'http://127.0.0.1:3000']) {
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
        const preflight = await app.inject({
          method: 'OPTIONS',
          url: '/api/v1/users/me',
          headers: {
            origin,
            'access-control-request-method': method,
            'access-control-request-headers': 'authorization, content-type, x-cart-key, idempotency-key',
          },
        });
        expect(preflight.statusCode, `${origin} ${method}`).toBe(204);
        expect(preflight.headers['access-control-allow-origin']).toBe(origin);
        expect(preflight.headers['access-control-allow-credentials']).toBe('true');
        expect(String(preflight.headers['access-control-allow-methods']).split(/,\s*/)).toContain(method);
        const allowedHeaders = String(preflight.headers['access-control-allow-headers']).toLowerCase();
        for (const header of [
          'authorization',
          'content-type',
          'accept-language',
          'x-cart-key',
          'x-compare-key',
          'idempotency-key',
          'x-currency',
        ])
          expect(allowedHeaders).toContain(header);
        expect(preflight.headers['access-control-max-age']).toBe('600');
      }
    }
  });

  it('reads an empty body sent as JSON as no body: bodiless POST and DELETE succeed', async () => {
    const { app, deps } = await appWith();
    const authorization = `Bearer ${await memberToken(app, deps, 'USER', 'bodiless@example.com')}`;
    const headers = { authorization, 'content-type': 'application/json' };
    const cleared = await app.inject({
      method: 'DELETE',
      url: '/api/v1/search/recent',
      headers,
      payload: '',
    });
    expect(cleared.statusCode).toBe(200);
    const loggedOut = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers, payload: '' });
    expect(loggedOut.statusCode).toBe(200);
  });

  it('repeats the error flat beside the nested error, on every kind of refusal', async () => {
    const { app, deps } = await appWith();
    const user = `Bearer ${await memberToken(app, deps, 'USER', 'flat-error@example.com')}`;
    const cases: { status: number; request: InjectOptions & { url: string } }[] = [
      { status: 400, request: { method: 'GET' as const, url: '/api/v1/products?page=0' } },
      { status: 401, request: { method: 'GET' as const, url: '/api/v1/users/me?token=secret' } },
      {
        status: 403,
        request: { method: 'GET' as const, url: '/api/v1/users', headers: { authorization: user } },
      },
      { status: 404, request: { method: 'GET' as const, url: '/api/v1/no-such-route' } },
    ];
    const admin = {
      authorization: `Bearer ${await memberToken(app, deps, 'ADMIN', 'flat-admin@example.com')}`,
    };
    const category = {
      method: 'POST' as const,
      url: '/api/v1/categories',
      headers: admin,
      payload: { name: 'Twice' },
    };
    expect((await app.inject(category)).statusCode).toBe(201);
    cases.push({ status: 409, request: category });
    // one request a minute: the next one is refused
    const limited = await appWith({ RATE_LIMIT_PER_MINUTE: '1' });
    const limitedRequest = { method: 'GET' as const, url: '/api/v1/categories' };
    await limited.app.inject(limitedRequest);
    // a handler that fails unexpectedly: the 500 body says so without the error's own text
    const failing = await buildApp(deps);
    failing.get('/api/v1/test-failure', { config: { access: 'public' } }, async () => {
      throw new Error('secret internals');
    });
    await failing.ready();
    closers.push(() => failing.close());
    const targets = new Map<number, App>([
      [429, limited.app],
      [500, failing],
    ]);
    cases.push({ status: 429, request: limitedRequest });
    cases.push({ status: 500, request: { method: 'GET' as const, url: '/api/v1/test-failure' } });
    for (const { status, request } of cases) {
      const response = await (targets.get(status) ?? app).inject(request);
      const body = response.json();
      expect(response.statusCode, request.url).toBe(status);
      expect(body).toMatchObject({
        success: false,
        errorCode: body.error.code,
        message: body.error.message,
        statusCode: status,
        requestId: response.headers['x-request-id'],
        path: request.url.split('?')[0],
      });
      expect(Number.isNaN(Date.parse(body.timestamp))).toBe(false);
      if (status === 500) expect(JSON.stringify(body)).not.toContain('secret internals');
    }
  });

  it('stamps requestId and timestamp on every success body: built, paged, and served from the cache', async () => {
    const { app, deps } = await appWith();
    const admin = {
      authorization: `Bearer ${await memberToken(app, deps, 'ADMIN', 'stamp-admin@example.com')}`,
    };
    const category = await app.inject({
      method: 'POST',
      url: '/api/v1/categories',
      headers: admin,
      payload: { name: 'Stamped' },
    });
    const product = await app.inject({
      method: 'POST',
      url: '/api/v1/products',
      headers: admin,
      payload: { categoryId: category.json().data.id, name: 'Stamped product' },
    });
    const productUrl = `/api/v1/products/${product.json().data.id}`;
    // the detail twice: the second answer is the cached bytes of the first
    for (const url of ['/api/v1/categories', '/api/v1/products?limit=5', productUrl, productUrl]) {
      const before = Date.now();
      const response = await app.inject({
        method: 'GET',
        url,
        headers: { 'x-request-id': `stamp-${url.length}` },
      });
      const body = response.json();
      expect(response.statusCode, url).toBe(200);
      expect(Object.keys(body).slice(0, 3)).toEqual(['success', 'requestId', 'timestamp']);
      expect(body).toMatchObject({
        success: true,
        requestId: `stamp-${url.length}`,
        data: expect.anything(),
      });
      expect(Date.parse(body.timestamp)).toBeGreaterThanOrEqual(before - 1);
      expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(response.body));
    }
    const document = app.swagger() as unknown as {
      paths: Record<
        string,
        Record<
          string,
          { responses: Record<string, { content: Record<string, { schema: { required?: string[] } }> }> }
        >
      >;
    };
    const listSchema =
      document.paths['/api/v1/products']!.get!.responses['200']!.content['application/json']!.schema;
    expect(listSchema.required).toEqual(
      expect.arrayContaining(['success', 'requestId', 'timestamp', 'data', 'meta']),
    );
  });
});

describe('text with unpaired surrogates', () => {
  it('refuses unpaired surrogates anywhere in a request, and stores nothing', async () => {
    const { app, deps } = await appWith();
    const admin = {
      authorization: `Bearer ${await memberToken(app, deps, 'ADMIN', 'text-admin@example.com')}`,
    };
    // JSON's \uD800 escape is how a lone surrogate arrives: a text column would keep U+FFFD instead
    const cases = [
      { url: '/api/v1/categories', payload: '{"name":"노트북\\uD800"}', field: 'body.name' },
      {
        url: '/api/v1/categories',
        payload: '{"name":"ok","extra":{"\\uDC00":1}}',
        field: 'body.extra.\uFFFD',
      },
      {
        url: '/api/v1/categories',
        payload: '{"name":"ok","list":[["a",["\\uD83D"]]]}',
        field: 'body.list.0.1.0',
      },
    ];
    for (const { url, payload, field } of cases) {
      const response = await app.inject({
        method: 'POST',
        url,
        payload,
        headers: { ...admin, 'content-type': 'application/json' },
      });
      expect(response.statusCode, payload).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field }] });
    }
    const [stored] = await deps.database.sql<{ count: number }[]>`
      select count(*)::int as count from categories where name like '노트북%'`;
    expect(stored?.count).toBe(0);
    // a well-formed pair (an emoji) is text like any other
    const emoji = await app.inject({
      method: 'POST',
      url: '/api/v1/categories',
      payload: { name: '노트북 💻' },
      headers: admin,
    });
    expect(emoji.statusCode).toBe(201);
  });
});
