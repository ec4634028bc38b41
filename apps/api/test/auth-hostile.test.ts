// Hostile input on every auth route (AUTH-01..09): whatever arrives, the answer is a 4xx with a
// catalog code in the error envelope, never a 500, and no row is written.
import { randomBytes } from 'node:crypto';
import { errorCatalog } from '@pbshop/errors';
import { createTestContext, type TestContext } from '@pbshop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, strongPassword, type TestApp } from './auth-helpers.ts';

let ctx: TestContext;
let api: TestApp;
const closers: (() => Promise<unknown>)[] = [];
let registered: string;
let accessToken: string;

beforeAll(async () => {
  ctx = await createTestContext();
  api = await buildTestApp(ctx, { AUTH_RATE_LIMIT_PER_MINUTE: '100000', LOG_LEVEL: 'error' }, closers);
  registered = `registered${Date.now()}@example.com`;
  await api.deps.users.create({
    email: registered,
    name: 'Registered',
    phone: '010-1234-5678',
    passwordHash: await api.deps.passwords.hash(strongPassword),
    emailVerified: true,
  });
  const login = await api.post('/auth/login', { email: registered, password: strongPassword });
  accessToken = login.body.data.accessToken;
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await ctx?.cleanup();
});

const unknownEmail = 'nobody-here@example.com';
const someToken = () => randomBytes(32).toString('base64url');

/**
 * Each route with a base body that cannot succeed in a way that writes a row (a registered
 * e-mail for sign-up, an unknown one elsewhere), so a hostile value that slipped through
 * validation still could not create anything, and the field list to poison one at a time.
 */
const routes: { url: string; base: () => Record<string, unknown>; user?: boolean }[] = [
  {
    url: '/auth/signup',
    base: () => ({ email: registered, password: strongPassword, name: 'Kim Lee', phone: '010-1234-5678' }),
  },
  { url: '/auth/verify-email', base: () => ({ email: unknownEmail, code: '123456' }) },
  { url: '/auth/resend-verification', base: () => ({ email: unknownEmail }) },
  { url: '/auth/login', base: () => ({ email: unknownEmail, password: strongPassword }) },
  { url: '/auth/refresh', base: () => ({ refreshToken: someToken() }) },
  { url: '/auth/logout', base: () => ({ refreshToken: someToken() }), user: true },
  { url: '/auth/password-reset/request', base: () => ({ email: unknownEmail, phone: '010-1234-5678' }) },
  { url: '/auth/password-reset/verify', base: () => ({ email: unknownEmail, code: '123456' }) },
  {
    url: '/auth/password-reset/confirm',
    base: () => ({ resetToken: someToken(), newPassword: 'Newer#pass1' }),
  },
];

const hostileValues: [string, unknown][] = [
  ['a 10 kB string', 'a'.repeat(10 * 1024)],
  ['a 10 kB e-mail', `${'a'.repeat(10 * 1024)}@example.com`],
  ['a number', 12345678],
  ['a huge number', 1e308],
  ['an array', ['a@example.com']],
  ['an object', { $gt: '' }],
  ['null', null],
  ['a boolean', true],
  ['an empty string', ''],
  ['only spaces', '      '],
  ['an RTL override', 'admin\u202E@example.com'],
  ['an RTL override in a name', 'Kim\u202Egnal'],
  ['a zero-width space', 'ad\u200Bmin@example.com'],
  ['a zero-width joiner in a name', 'Kim\u200DLee'],
  ['a NUL byte', 'admin\u0000@example.com'],
  ['a NUL byte in a name', 'Kim\u0000Lee'],
  ['emoji', '😀😀😀@example.com'],
  ['an emoji name', '😀😀'],
  ['a fullwidth @', 'admin＠example.com'],
  ['fullwidth digits', '０１２３４５'],
  ['SQL injection', "' OR 1=1 --"],
  ['SQL injection with a statement', "x'; DROP TABLE users; --"],
  ['a script tag', '<script>alert(1)</script>'],
  ['a script tag e-mail', '<script>@example.com'],
  ['a NoSQL operator string', '{"$gt":""}'],
  ['a mail header injection', 'a@example.com\r\nBcc: victim@example.com'],
  ['a percent-encoded @', 'admin%40example.com'],
  ['a lone surrogate', 'ab\uD800cd'],
];

const rawBodies: [string, { payload?: string; contentType?: string }][] = [
  ['no body at all', {}],
  ['an empty JSON body', { payload: '', contentType: 'application/json' }],
  ['broken JSON', { payload: '{"email": "a@example.com",', contentType: 'application/json' }],
  ['JSON null', { payload: 'null', contentType: 'application/json' }],
  ['a JSON array', { payload: '[]', contentType: 'application/json' }],
  ['a JSON string', { payload: '"a@example.com"', contentType: 'application/json' }],
  ['a JSON number', { payload: '42', contentType: 'application/json' }],
  [
    'a __proto__ key',
    { payload: '{"__proto__":{"role":"ADMIN"},"email":"a@example.com"}', contentType: 'application/json' },
  ],
  [
    'a constructor.prototype key',
    { payload: '{"constructor":{"prototype":{"role":"ADMIN"}}}', contentType: 'application/json' },
  ],
  [
    'deeply nested arrays',
    { payload: `${'['.repeat(5000)}${']'.repeat(5000)}`, contentType: 'application/json' },
  ],
  ['text/plain', { payload: 'email=a@example.com', contentType: 'text/plain' }],
  [
    'a form',
    { payload: 'email=a%40example.com&password=x', contentType: 'application/x-www-form-urlencoded' },
  ],
  ['XML', { payload: '<email>a@example.com</email>', contentType: 'application/xml' }],
  [
    'multipart',
    {
      payload: '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\na@example.com\r\n--x--\r\n',
      contentType: 'multipart/form-data; boundary=x',
    },
  ],
  [
    'a body over 1 MB',
    { payload: JSON.stringify({ email: 'a'.repeat(1_100_000) }), contentType: 'application/json' },
  ],
  ['a made-up JSON charset', { payload: '{}', contentType: 'application/json; charset=ebcdic' }],
];

async function rowCounts() {
  const [row] = await api.deps.database.sql`
    select (select count(*) from users)::int as users,
           (select count(*) from verification_codes)::int as codes,
           (select count(*) from password_reset_tokens)::int as reset_tokens,
           (select count(*) from refresh_tokens)::int as refresh_tokens`;
  return row;
}

interface Sent {
  status: number;
  body: { success?: boolean; error?: { code?: string }; requestId?: string };
}

async function send(
  url: string,
  options: { payload?: string; contentType?: string; headers?: Record<string, string> },
) {
  const response = await api.app.inject({
    method: 'POST',
    url: `/api/v1${url}`,
    headers: {
      ...(options.contentType ? { 'content-type': options.contentType } : {}),
      ...options.headers,
    },
    ...(options.payload === undefined ? {} : { payload: options.payload }),
  });
  let body: Sent['body'];
  try {
    body = response.json();
  } catch {
    body = {};
  }
  return { status: response.statusCode, body };
}

function expectRefused(what: string, sent: Sent) {
  const code = sent.body.error?.code ?? '';
  expect(
    {
      what,
      clientError: sent.status >= 400 && sent.status < 500,
      success: sent.body.success,
      catalogCode: Object.hasOwn(errorCatalog, code),
      statusMatchesCatalog: Object.hasOwn(errorCatalog, code)
        ? errorCatalog[code as keyof typeof errorCatalog].status === sent.status
        : false,
      requestId: typeof sent.body.requestId,
    },
    `${what}: ${sent.status} ${JSON.stringify(sent.body).slice(0, 300)}`,
  ).toEqual({
    what,
    clientError: true,
    success: false,
    catalogCode: true,
    statusMatchesCatalog: true,
    requestId: 'string',
  });
}

describe.each(routes)('POST $url under hostile input', (route) => {
  const headers = (): Record<string, string> =>
    route.user ? { authorization: `Bearer ${accessToken}` } : {};

  it('refuses a hostile value in any field, or a missing field, with a 4xx catalog code and writes nothing', async () => {
    const before = await rowCounts();
    for (const field of Object.keys(route.base())) {
      for (const [label, value] of hostileValues) {
        const body = { ...route.base(), [field]: value };
        const sent = await send(route.url, {
          payload: JSON.stringify(body),
          contentType: 'application/json',
          headers: headers(),
        });
        expectRefused(`${field} = ${label}`, sent);
      }
      const { [field]: _dropped, ...missing } = route.base();
      if (route.url !== '/auth/logout') {
        expectRefused(
          `${field} missing`,
          await send(route.url, {
            payload: JSON.stringify(missing),
            contentType: 'application/json',
            headers: headers(),
          }),
        );
      }
    }
    expect(await rowCounts()).toEqual(before);
  });

  it('refuses bodies that are not a JSON object of the right shape', async () => {
    const before = await rowCounts();
    for (const [label, options] of rawBodies) {
      const sent = await send(route.url, { ...options, headers: headers() });
      // logging out without a body is allowed: it ends every session (`{}` in any charset, and an
      // empty body sent as JSON, are no body)
      const noBody = ['no body at all', 'JSON null', 'a made-up JSON charset', 'an empty JSON body'];
      if (route.url === '/auth/logout' && noBody.includes(label)) {
        expect(sent.status, label).toBe(200);
        continue;
      }
      expectRefused(label, sent);
    }
    expect(await rowCounts()).toEqual(before);
  });
});

describe('POST /auth/logout with hostile credentials', () => {
  it('is 401 with a catalog code for every malformed Authorization header', async () => {
    const headers: Record<string, string>[] = [
      {},
      { authorization: '' },
      { authorization: 'Bearer' },
      { authorization: 'Bearer ' },
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: `Bearer ${'a'.repeat(10 * 1024)}` },
      { authorization: 'Bearer a.b.c' },
      { authorization: `Bearer ${accessToken}x` },
      { authorization: "Bearer ' OR 1=1 --" },
      { authorization: `bearer ${accessToken.split('.').slice(0, 2).join('.')}.` },
    ];
    for (const header of headers) {
      const sent = await send('/auth/logout', {
        payload: '{}',
        contentType: 'application/json',
        headers: header,
      });
      expectRefused(`authorization ${JSON.stringify(header).slice(0, 60)}`, sent);
      expect(sent.status).toBe(401);
    }
  });
});
