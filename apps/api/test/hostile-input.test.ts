// Hostile and malformed input on every route of the route table: whatever arrives (bad path
// parameters, query strings, bodies, content types, headers), the answer is never a 5xx — a 503
// naming an unreachable dependency aside — and every refusal is the failure envelope with a
// catalog code. Then every route again with PostgreSQL, then Redis, unreachable (a stopped proxy
// in front of the real database; a private Redis stopped): a 503 or a 4xx at once, never a 500. Bodies are built from each route's OpenAPI schema, so a new route or field is
// covered without editing this file. One run reports every offender.
// Every request is an ADMIN's: that role passes every guard, so each probe reaches validation and
// the handler (the refusals of other roles are platform.test.ts's). No route is skipped; the
// social sign-in routes stop at INVALID_PROVIDER here, as no provider is configured, and their
// exchanges with real OAuth servers are social.test.ts's.
import { once } from 'node:events';
import { errorCatalog, isErrorCode } from '@pbshop/errors';
import { ensureProductIndex } from '@pbshop/search';
import {
  createTestContext,
  type PrivateRedis,
  startPrivateRedis,
  type TcpProxy,
  type TestContext,
  waitFor,
} from '@pbshop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.ts';
import type { ApiDeps } from '../src/deps.ts';
import type { RouteAccess } from '../src/plugins/access.ts';
import { createCategory, createSeller, uniqueName } from './helpers/catalog.ts';
import { proxiedDatabase } from './helpers/database-proxy.ts';
import { missingId } from './helpers/http.ts';
import { buildTestApp, createMember } from './helpers/users.ts';

/** The part of JSON Schema the OpenAPI document uses for our zod schemas. */
interface Schema {
  type?: string;
  format?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
}

interface Operation {
  parameters?: { in: 'path' | 'query'; name: string; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}

/** One hostile request: what it is (for the report) and how it is sent. */
interface Probe {
  what: string;
  url: string;
  payload?: string | Buffer;
  headers?: Record<string, string>;
}

let ctx: TestContext;
let databaseProxy: TcpProxy;
let privateRedis: PrivateRedis;
let app: App;
let deps: ApiDeps;
let close: () => Promise<void>;
let operations: Record<string, Record<string, Operation>>;
/** real rows, so hostile values that pass validation reach the handlers and the database */
let ids: { byName: Record<string, string>; byCollection: Record<string, string> };

beforeAll(async () => {
  ctx = await createTestContext();
  // only unhandled errors are logged: their stacks are what a failure here needs
  // the real database behind a proxy and a Redis of its own, so the outage sweeps can stop them
  const database = await proxiedDatabase(ctx.env.DATABASE_URL!);
  databaseProxy = database.proxy;
  privateRedis = await startPrivateRedis();
  ({ app, deps, close } = await buildTestApp(ctx, {
    LOG_LEVEL: 'error',
    DATABASE_URL: database.url,
    REDIS_URL: privateRedis.url,
  }));
  await app.ready();
  // the limiter lets requests through while its Redis connection is still being made
  if (deps.redis.status !== 'ready') await once(deps.redis, 'ready');
  operations = (app.swagger() as { paths: typeof operations }).paths;
  // with the index in place searches reach OpenSearch, not the PostgreSQL fallback
  await ensureProductIndex(deps.search, ctx.indexPrefix);
  ids = await seedRows();
});

afterAll(async () => {
  await close?.();
  await databaseProxy?.close();
  await privateRedis?.stop();
  await ctx?.cleanup();
});

async function seedRows() {
  const admin = await createMember(deps, app, { role: 'ADMIN' });
  const member = await createMember(deps, app);
  const post = async (url: string, payload: object, headers = admin.authHeader): Promise<string> => {
    const response = await app.inject({ method: 'POST', url: `/api/v1${url}`, headers, payload });
    if (response.statusCode !== 201)
      throw new Error(`seeding ${url}: ${response.statusCode} ${response.body}`);
    return response.json().data.id;
  };
  const category = await createCategory(app, admin.authHeader, { name: uniqueName('Probes') });
  const seller = await createSeller(app, admin.authHeader);
  const product = await post('/products', { categoryId: category.id, name: uniqueName('Probe') });
  const otherProduct = await post('/products', { categoryId: category.id, name: uniqueName('Probe') });
  const option = await post(`/products/${product}/options`, { name: 'Colour', values: ['Red'] });
  const image = await post(`/products/${product}/images`, { url: 'https://img.example.com/probe.png' });
  const offer = await post(`/products/${product}/prices`, {
    sellerId: seller.id,
    price: 1000,
    url: 'https://shop.example.com/probe',
  });
  // one definition of each kind a filter, a value or a score can aim at
  const definition = (key: string, type: string, options?: string[]) =>
    post('/specs/definitions', { categoryId: category.id, key, name: key, type, options });
  await definition('weight', 'NUMBER');
  const selectDefinition = await definition('colour', 'SELECT', ['Red', 'Blue']);
  const textDefinition = await definition('note', 'TEXT');
  const alert = await post('/price-alerts', { productId: product, targetPrice: 500 }, member.authHeader);
  const recent = await post('/search/recent', { keyword: 'probe' }, member.authHeader);
  return {
    byName: {
      categoryId: category.id,
      parentId: category.id,
      inheritsFromCategoryId: category.id,
      sellerId: seller.id,
      productId: product,
      optionId: option,
      imageId: image,
      specDefinitionId: textDefinition,
      specDefId: selectDefinition,
      userId: member.user.id,
      ownerUserId: member.user.id,
      productIds: `${product},${otherProduct}`,
    },
    // `:id` names a row of the collection before it: /products/:id, /prices/:id …
    byCollection: {
      products: product,
      categories: category.id,
      sellers: seller.id,
      prices: offer,
      'price-alerts': alert,
      definitions: selectDefinition,
      users: member.user.id,
      recent,
    },
  };
}

/** A valid value for each path parameter: a seeded row, or a well-formed name for the others. */
function existingParam(url: string, name: string): string {
  if (name === 'provider') return 'google';
  if (name === 'key') return 'NOT_FOUND';
  if (name === 'file') return `${'0'.repeat(32)}.webp`;
  if (name === 'id') {
    const collection = url.split('/:id')[0]?.split('/').pop() ?? '';
    return ids.byCollection[collection] ?? missingId;
  }
  return ids.byName[name] ?? missingId;
}

function paramNames(url: string): string[] {
  return [...url.matchAll(/:([A-Za-z]+)/g)].map((match) => match[1] ?? '');
}

function fillPath(url: string, values: Record<string, string> = {}): string {
  return url.replace(/:([A-Za-z]+)/g, (_match, name: string) => values[name] ?? existingParam(url, name));
}

const deeplyNested = (depth: number) => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

/**
 * Field values that fit the format our validation cannot see (patterns, URLs, refinements); a
 * function for a value that must be new each time (a name the first request would take).
 */
const examples: Record<string, unknown> = {
  email: 'hostile-probe@example.com',
  password: 'Str0ng#pass',
  newPassword: 'Str0nger#pass',
  name: () => uniqueName('Probe'),
  phone: '010-1234-5678',
  code: '123456',
  refreshToken: 'a'.repeat(40),
  resetToken: 'a'.repeat(40),
  socialToken: 'probe-token',
  provider: 'google',
  key: 'probe_key',
  url: 'https://shop.example.com/item',
  logoUrl: 'https://shop.example.com/logo.png',
  keyword: 'probe',
  nickname: 'prober',
  targetPrice: 500,
  specs: '{"weight":{"min":1},"colour":"Red"}',
};

/**
 * A plausible value for a field, so that poisoning one field leaves the rest of a body valid.
 * Objects get their required fields; a body also the typed ones with an example (what
 * refinements ask for: a target price, something to change), a list item the rows it refers to
 * (a spec value its definition, and only that: it takes one of definition and key).
 */
function plausible(name: string, schema: Schema, inList = false): unknown {
  if (schema.anyOf?.[0]) return plausible(name, schema.anyOf[0]);
  if (schema.enum) return schema.enum[0];
  if (name in examples) {
    const example = examples[name];
    return typeof example === 'function' ? example() : example;
  }
  if (schema.format === 'uuid') return ids.byName[name] ?? missingId;
  if (schema.type === 'string') return 'probe';
  if (schema.type === 'integer' || schema.type === 'number')
    return Math.min(Math.max(1, schema.minimum ?? 1), schema.maximum ?? 1);
  if (schema.type === 'boolean') return true;
  if (schema.type === 'array') {
    const listed = ids.byName[name]?.split(',');
    if (listed) return listed;
    return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () =>
      plausible(name, schema.items ?? {}, true),
    );
  }
  if (schema.type === 'object') {
    const fields = Object.keys(schema.properties ?? {}).filter(
      (field) =>
        schema.required?.includes(field) ||
        (inList ? field in ids.byName : field in examples && schema.properties?.[field]?.type !== undefined),
    );
    return Object.fromEntries(
      fields.map((field) => [field, plausible(field, schema.properties?.[field] ?? {})]),
    );
  }
  return 'probe';
}

/** Values of the wrong type that every field must refuse or survive. */
const wrongTypes: [string, unknown][] = [
  ['null', null],
  ['{}', {}],
  ['[]', []],
  ['true', true],
  ['12345', 12345],
  ['"text"', 'text'],
  ['a 2,000-deep object', deeplyNested(2000)],
];

const hostileStrings = (maxLength = 100): [string, unknown][] => [
  ['""', ''],
  ['spaces', '    '],
  [`${maxLength + 1} chars`, 'x'.repeat(maxLength + 1)],
  ['10,000 chars', 'x'.repeat(10_000)],
  [`${maxLength} Hangul`, '가'.repeat(maxLength)],
  [`${Math.floor(maxLength / 2)} emoji`, '😀'.repeat(Math.floor(maxLength / 2))],
  ['a NUL byte', 'a\u0000b'],
  ['a lone surrogate', 'a\uD800b'],
  ['RTL override and zero-width', '\u202Eevil\u200Bname'],
  ['SQL', "x' OR 1=1 --"],
  ['a path', '../../etc/passwd'],
  ['a percent-encoded NUL', '%00'],
  ['a script tag', '<script>alert(1)</script>'],
  ['an operator object as text', '{"$gt":""}'],
  ['the nil uuid', '00000000-0000-0000-0000-000000000000'],
  ['the max uuid', 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
  ['an unknown uuid', missingId],
  ['an unknown uuid in capitals', missingId.toUpperCase()],
];

const hostileNumbers = (schema: Schema): [string, unknown][] => [
  ['-1', -1],
  ['0', 0],
  ['-0', -0],
  ['0.5', 0.5],
  ['1e308', 1e308],
  ['-1e308', -1e308],
  ['2**63', 2 ** 63],
  ['MAX_SAFE_INTEGER + 2', Number.MAX_SAFE_INTEGER + 2],
  ['2**31', 2 ** 31],
  ['the maximum', schema.maximum ?? 1e15],
  ['the maximum + 1', (schema.maximum ?? 1e15) + 1],
  ['the minimum', schema.minimum ?? -1e15],
  ['the minimum - 1', (schema.minimum ?? -1e15) - 1],
  ['"1"', '1'],
  ['""', ''],
];

/** Hostile values for one field, by its schema; objects and arrays are poisoned inside too. */
function hostileValues(name: string, schema: Schema, depth = 0): [string, unknown][] {
  const own = schema.anyOf ? schema.anyOf.flatMap((branch) => hostileValues(name, branch, depth + 1)) : [];
  const typed: [string, unknown][] = [];
  if (schema.enum)
    typed.push(
      ['an unknown enum value', 'NOT_A_VALUE'],
      ['a lower-case enum value', String(schema.enum[0]).toLowerCase()],
    );
  if (schema.type === 'string') typed.push(...hostileStrings(schema.maxLength));
  if (schema.type === 'integer' || schema.type === 'number') typed.push(...hostileNumbers(schema));
  if (schema.type === 'boolean') typed.push(['"true"', 'true'], ['1', 1]);
  if (schema.type === 'array' && depth < 3) {
    const item = plausible(name, schema.items ?? {});
    typed.push(
      ['[null]', [null]],
      ['[[]]', [[]]],
      [
        `${(schema.maxItems ?? 100) + 1} items`,
        Array.from({ length: (schema.maxItems ?? 100) + 1 }, () => item),
      ],
      ['duplicated items', [item, item, item]],
      ...hostileValues(name, schema.items ?? {}, depth + 1).map(([label, value]): [string, unknown] => [
        `[${label}]`,
        [value],
      ]),
    );
  }
  if (schema.type === 'object' && depth < 3) {
    const base = plausible(name, schema) as Record<string, unknown>;
    for (const [field, fieldSchema] of Object.entries(schema.properties ?? {})) {
      for (const [label, value] of hostileValues(field, fieldSchema, depth + 1))
        typed.push([`{${field}: ${label}}`, { ...base, [field]: value }]);
    }
    if (typeof schema.additionalProperties === 'object') {
      for (const [label, value] of hostileValues('entry', schema.additionalProperties, depth + 1))
        typed.push([`{entry: ${label}}`, { ...base, entry: value }]);
      typed.push(['10,000 keys', Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 1]))]);
    }
  }
  return [...(depth === 0 ? wrongTypes : []), ...own, ...typed];
}

/** Query string values: every parameter gets all of them, whatever its type. */
const hostileQueryValues: [string, string][] = [
  ['empty', ''],
  ['abc', 'abc'],
  ['-1', '-1'],
  ['0', '0'],
  ['1.5', '1.5'],
  ['1e309', '1e309'],
  ['NaN', 'NaN'],
  ['Infinity', 'Infinity'],
  ['0x10', '0x10'],
  ['2**53 + 1', '9007199254740993'],
  ['400 nines', '9'.repeat(400)],
  ['10,000 chars', 'x'.repeat(10_000)],
  ['%00', '%00'],
  ['a%00b', 'a%00b'],
  ['emoji and RTL', encodeURIComponent('😀\u202Eevil\u200B')],
  ['a lone surrogate as UTF-8', '%ED%A0%80'],
  ['bad percent-encoding', '%'],
  ['bad percent-encoding %ZZ', '%ZZ'],
  ['an unknown sort value', 'not_a_sort'],
  ['search syntax', encodeURIComponent('"\\*?~()[]{}:/^!&&|| AND OR NOT')],
  ['400 OR clauses', encodeURIComponent('a OR '.repeat(300))],
  ['{}', encodeURIComponent('{}')],
  ['[]', encodeURIComponent('[]')],
  ['a __proto__ object', encodeURIComponent('{"__proto__":{"polluted":true}}')],
  ['a range of 1e309', encodeURIComponent('{"weight":{"min":1e309}}')],
  ['a range of text', encodeURIComponent('{"weight":{"min":"a","max":null}}')],
  ['an inverted range', encodeURIComponent('{"weight":{"min":5,"max":-5}}')],
  ['a huge range', encodeURIComponent('{"weight":{"min":-1e308,"max":1e308}}')],
  ['a list value', encodeURIComponent('{"weight":[1,2,3]}')],
  ['a null value', encodeURIComponent('{"weight":null}')],
  ['a NUL key', encodeURIComponent('{"we\u0000ight":1}')],
  ['a NUL in a value', encodeURIComponent('{"colour":"Re\\u0000d"}')],
  ['a lone surrogate in a value', encodeURIComponent('{"colour":"Re\\ud800d"}')],
  ['a lone surrogate in a list', encodeURIComponent('{"colour":["Red","\\ud800"]}')],
  ['broken JSON', encodeURIComponent('{"weight":')],
  ['deep JSON', encodeURIComponent(`${'{"a":'.repeat(300)}1${'}'.repeat(300)}`)],
];

/** Path parameter values, already as they appear in a URL. */
const hostileParams: [string, string][] = [
  ['not a uuid', 'not-a-uuid'],
  ['2,000 chars', 'x'.repeat(2000)],
  ['%00', '%00'],
  ['..%2F', '..%2F..%2Fetc%2Fpasswd'],
  ['..', '..'],
  ['emoji and RTL', encodeURIComponent('😀\u202Eevil')],
  ['bad percent-encoding', '%'],
  ['invalid UTF-8', '%C0%AF'],
  ['a lone surrogate as UTF-8', '%ED%A0%80'],
  ['the nil uuid', '00000000-0000-0000-0000-000000000000'],
  ['the max uuid', 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
  ['an unknown uuid', missingId],
  ['an unknown uuid in capitals', missingId.toUpperCase()],
  ['a uuid with a tail', `${missingId}%20OR%201=1`],
];

const json = { 'content-type': 'application/json' };
const multipartHeaders = { 'content-type': 'multipart/form-data; boundary=x' };
const filePart = (type: string, content: string) =>
  `--x\r\nContent-Disposition: form-data; name="file"; filename="../../a.png"\r\nContent-Type: ${type}\r\n\r\n${content}\r\n--x--\r\n`;

/** Bodies that are not a JSON object of any shape, sent to every route that takes a body. */
function rawBodies(base: unknown): [string, string | Buffer, Record<string, string>][] {
  const baseJson = JSON.stringify(base ?? {});
  const inside = baseJson === '{}' ? '' : `,${baseJson.slice(1, -1)}`;
  return [
    ['invalid JSON', '{"a": ', json],
    ['an empty JSON body', '', json],
    ['JSON null', 'null', json],
    ['a JSON array', '[]', json],
    ['a JSON number', '42', json],
    ['a JSON string', '"text"', json],
    ['JSON true', 'true', json],
    ['a __proto__ key', `{"__proto__":{"role":"ADMIN"}${inside}}`, json],
    ['a constructor.prototype key', `{"constructor":{"prototype":{"role":"ADMIN"}}${inside}}`, json],
    ['5,000-deep arrays', `${'['.repeat(5000)}${']'.repeat(5000)}`, json],
    ['5,000-deep objects', `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`, json],
    ['a byte-order mark', `\uFEFF${baseJson}`, json],
    ['a made-up charset', baseJson, { 'content-type': 'application/json; charset=ebcdic' }],
    ['a body over 1 MB', JSON.stringify({ blob: 'x'.repeat(1_100_000) }), json],
    ['text/plain', baseJson, { 'content-type': 'text/plain' }],
    ['a form', 'a=1&b=2', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['XML', '<a>1</a>', { 'content-type': 'application/xml' }],
    ['multipart with a text file', filePart('image/png', 'not an image'), multipartHeaders],
    ['multipart with an empty file', filePart('image/png', ''), multipartHeaders],
    [
      'multipart with a field only',
      '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n',
      multipartHeaders,
    ],
    [
      'multipart with a broken PNG',
      Buffer.concat([
        Buffer.from(filePart('image/png', '').split('\r\n--x--')[0] ?? ''),
        Buffer.from('89504e470d0a1a0a0000000d49484452ffffffffffffffff', 'hex'),
        Buffer.from('\r\n--x--\r\n'),
      ]),
      multipartHeaders,
    ],
    ['truncated multipart', filePart('image/png', 'x').slice(0, 60), multipartHeaders],
    ['multipart without a boundary', filePart('image/png', 'x'), { 'content-type': 'multipart/form-data' }],
  ];
}

/** Headers anyone can send; each is tried once per route with a valid-looking request. */
const hostileHeaders: [string, Record<string, string>][] = [
  ['a 10,000-char Accept-Language', { 'accept-language': 'x'.repeat(10_000) }],
  ['a broken Accept-Language', { 'accept-language': 'en;q=NaN, ja;q=-1, *;q=1e309' }],
  ['a 10,000-char X-Request-Id', { 'x-request-id': 'x'.repeat(10_000) }],
  ['a hostile X-Request-Id', { 'x-request-id': '../\u202E<script>' }],
  ['a 10,000-char If-None-Match', { 'if-none-match': 'x'.repeat(10_000) }],
];

/** Every hostile request for one route. */
function probesFor(route: RouteAccess): Probe[] {
  const operation =
    operations[route.url.replace(/:([A-Za-z]+)/g, '{$1}')]?.[route.method.toLowerCase()] ?? {};
  const url = fillPath(route.url);
  const probes: Probe[] = [{ what: 'no input', url }];

  for (const name of paramNames(route.url)) {
    for (const [label, value] of hostileParams)
      probes.push({ what: `path ${name} = ${label}`, url: fillPath(route.url, { [name]: value }) });
  }

  // each query parameter is poisoned on top of a plausible query, so the others let it through
  const query = (operation.parameters ?? []).filter((parameter) => parameter.in === 'query');
  const plausibleQuery = (without: string) =>
    new URLSearchParams(
      query
        .filter((parameter) => parameter.name !== without)
        .map((parameter): [string, string] => [
          parameter.name,
          String(plausible(parameter.name, parameter.schema)),
        ]),
    ).toString();
  if (query.length > 0) probes.push({ what: 'a plausible query', url: `${url}?${plausibleQuery('')}` });
  for (const name of [...query.map((parameter) => parameter.name), 'unknownParam']) {
    const withQuery = (raw: string) => `${url}?${[plausibleQuery(name), raw].filter(Boolean).join('&')}`;
    for (const [label, value] of hostileQueryValues)
      probes.push({ what: `query ${name} = ${label}`, url: withQuery(`${name}=${value}`) });
    probes.push(
      { what: `query ${name} repeated`, url: withQuery(`${name}=1&${name}=2`) },
      { what: `query ${name}[]`, url: withQuery(`${name}[]=1`) },
      { what: `query ${name}[a]`, url: withQuery(`${name}[a]=1`) },
    );
  }
  probes.push({
    what: 'query __proto__ keys',
    url: `${url}?__proto__[polluted]=1&constructor[prototype][x]=1`,
  });
  probes.push({
    what: 'query of 5,000 parameters',
    url: `${url}?${Array.from({ length: 5000 }, (_, i) => `p${i}=${i}`).join('&')}`,
  });

  const bodySchema = operation.requestBody?.content['application/json']?.schema;
  // a new base for every probe, so that a name the previous probe took is not a conflict
  const base = () => (bodySchema ? (plausible('body', bodySchema) as object) : undefined);
  const withBody = (what: string, body: unknown): Probe => ({
    what,
    url,
    payload: JSON.stringify(body),
    headers: json,
  });
  if (bodySchema) {
    probes.push(withBody('body: the plausible base', base()), withBody('body: {}', {}));
    for (const [field, schema] of Object.entries(bodySchema.properties ?? {})) {
      for (const [label, value] of hostileValues(field, schema))
        probes.push(withBody(`body ${field} = ${label}`, { ...base(), [field]: value }));
      probes.push(withBody(`body without ${field}`, { ...base(), [field]: undefined }));
    }
    probes.push(withBody('body with an unknown field', { ...base(), unknownField: 'x'.repeat(10_000) }));
  }
  // GET bodies are never read; every other method gets bodies that are not JSON objects
  if (route.method !== 'GET') {
    for (const [label, payload, headers] of rawBodies(base()))
      probes.push({ what: `raw body: ${label}`, url, payload, headers });
  }
  for (const [label, headers] of hostileHeaders) {
    probes.push({
      what: `header: ${label}`,
      url,
      headers: bodySchema ? { ...json, ...headers } : headers,
      ...(bodySchema ? { payload: JSON.stringify(base()) } : {}),
    });
  }
  return probes;
}

const dependencyCodes = ['SERVICE_UNAVAILABLE', 'SEARCH_UNAVAILABLE'];

/** What is wrong with an answer, or undefined when it is an acceptable one. */
function fault(status: number, rawBody: string): string | undefined {
  let body: { success?: unknown; error?: { code?: unknown; message?: unknown }; requestId?: unknown };
  try {
    body = JSON.parse(rawBody);
  } catch {
    body = {};
  }
  const code = typeof body.error?.code === 'string' ? body.error.code : undefined;
  if (status >= 500 && !(status === 503 && code && dependencyCodes.includes(code)))
    return `${status} ${code ?? rawBody.slice(0, 100)}`;
  // success and redirects (a social login sends the browser to its provider) carry no envelope
  if (status < 400) return undefined;
  if (body.success !== false || !code || !isErrorCode(code) || typeof body.error?.message !== 'string')
    return `${status} without the failure envelope: ${rawBody.slice(0, 100)}`;
  if (errorCatalog[code].status !== status)
    return `${status} with ${code}, whose catalog status is ${errorCatalog[code].status}`;
  if (typeof body.requestId !== 'string') return `${status} ${code} without a requestId`;
  return undefined;
}

/** Sends every probe of a route as a fresh ADMIN (past every guard, to validation and handlers). */
async function probeRoute(route: RouteAccess, failures: string[]): Promise<number> {
  let admin = await createMember(deps, app, { role: 'ADMIN' });
  const probes = probesFor(route);
  for (const probe of probes) {
    const response = await send(route, probe, admin.authHeader);
    const problem = fault(response.statusCode, response.body);
    if (problem)
      failures.push(`${route.method} ${route.url} [${probe.what}] → ${problem} (${probe.url.slice(0, 200)})`);
    // withdrawal, logout and password changes end the caller's session: later probes need a new one
    if (response.statusCode === 401 && route.access !== 'public')
      admin = await createMember(deps, app, { role: 'ADMIN' });
  }
  return probes.length;
}

const send = (route: RouteAccess, probe: Probe, authHeader: Record<string, string>) =>
  app.inject({
    method: route.method as 'GET',
    url: probe.url,
    headers: { ...authHeader, ...probe.headers },
    ...(probe.payload === undefined ? {} : { payload: probe.payload }),
  });

/** what a well-meaning client sends: every route gets these during an outage */
const plainProbes = new Set(['no input', 'a plausible query', 'body: the plausible base']);
/** an answer slower than this during an outage is a request left hanging */
const OUTAGE_ANSWER_MS = 3000;

/**
 * Every route's plain requests, as an ADMIN made before the outage: each answered with a 4xx, a
 * success (what needs neither dependency) or a 503 naming the dependency, and within
 * OUTAGE_ANSWER_MS.
 */
async function sweepDuringOutage(outage: {
  begin(): Promise<void>;
  end(): Promise<void>;
}): Promise<string[]> {
  const failures: string[] = [];
  const admin = await createMember(deps, app, { role: 'ADMIN' });
  await outage.begin();
  try {
    for (const route of app.routeAccess) {
      for (const probe of probesFor(route).filter((entry) => plainProbes.has(entry.what))) {
        const started = Date.now();
        const response = await send(route, probe, admin.authHeader);
        const tookMs = Date.now() - started;
        const problem =
          fault(response.statusCode, response.body) ??
          (tookMs > OUTAGE_ANSWER_MS ? `answered after ${tookMs} ms` : undefined);
        if (problem) failures.push(`${route.method} ${route.url} [${probe.what}] → ${problem}`);
      }
    }
  } finally {
    await outage.end();
  }
  return failures;
}

describe('hostile input on every route of the route table', () => {
  it('answers no 5xx but an unreachable dependency, and every refusal is a catalog envelope', async () => {
    const routes = app.routeAccess;
    expect(routes.length).toBeGreaterThan(50);
    const failures: string[] = [];
    const probed = new Set<string>();
    // a few routes at a time (each has its own admin); deletions only once the rest are done,
    // so the seeded rows the other routes aim at still exist while they run
    for (const phase of [false, true]) {
      const queue = routes.filter((route) => (route.method === 'DELETE') === phase);
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let route = queue.shift(); route; route = queue.shift())
            probed.add(`${route.method} ${route.url} (${await probeRoute(route, failures)} probes)`);
        }),
      );
    }
    expect(probed.size).toBe(routes.length);
    expect(failures).toEqual([]);
  });
});

describe('every route during an outage', () => {
  it('PostgreSQL unreachable: a 503 or a 4xx at once, never a 500', async () => {
    const failures = await sweepDuringOutage({
      begin: () => databaseProxy.stop(),
      async end() {
        await databaseProxy.start();
        // queries go through again once one a second finds the server back
        await waitFor('the database to serve again', async () => {
          const response = await app.inject({ method: 'GET', url: '/api/v1/categories' });
          return response.statusCode === 200;
        });
      },
    });
    expect(failures).toEqual([]);
  });

  it('Redis unreachable: a 503, a 4xx or a success at once, never a 500', async () => {
    const failures = await sweepDuringOutage({
      begin: () => privateRedis.stop(),
      end: () => privateRedis.start(),
    });
    expect(failures).toEqual([]);
  });
});
