// Hostile and malformed input on every route of the route table: whatever arrives (bad path
// parameters, query strings, bodies, content types, headers), the answer is never a 5xx (with
// every dependency up, not even a 503) and every refusal is the failure envelope with a catalog
// code. Then every route again with PostgreSQL, then Redis, unreachable (a stopped proxy
// in front of the real database; a private Redis stopped): a 503, a 4xx or a success at once (within
// OUTAGE_ANSWER_MS), never a 500. Bodies are built from each route's OpenAPI schema (see
// helpers/hostile-values.ts), so a new route or field is covered without editing this file. One
// run reports every offender.
// The sweep is cut into slices of every route's probes, one test each, so that each stays far
// inside the test timeout on a loaded machine; the deletions run last, so the seeded rows the
// other routes aim at exist while they run; a last test checks every probe of every route of the
// table was sent.
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
import {
  hostileHeaders,
  hostileParams,
  hostileQueryValues,
  jsonHeaders,
  type Operation,
  rawBodies,
  schemaValues,
} from './helpers/hostile-values.ts';
import { missingId } from './helpers/http.ts';
import { buildTestApp, createMember } from './helpers/users.ts';

/** One hostile request: what it is (for the report) and how it is sent. */
interface Probe {
  what: string;
  url: string;
  payload?: string | Buffer;
  headers?: Record<string, string>;
}

/** An app on real dependencies, and how to close it. */
interface Instance {
  app: App;
  deps: ApiDeps;
  close(): Promise<void>;
}

let ctx: TestContext;
let databaseProxy: TcpProxy;
let privateRedis: PrivateRedis;
/**
 * The sweep's app, on the database and Redis of the test context directly: relaying its tens of
 * thousands of queries through the outage proxy in this process cost seconds of its CPU.
 */
let sweep: Instance;
/** The outage sweeps' app, on the same database behind a proxy and on a Redis of its own: both can stop. */
let outage: Instance;
let operations: Record<string, Record<string, Operation>>;
/** real rows, so hostile values that pass validation reach the handlers and the database */
let ids: { byName: Record<string, number | number[]>; byCollection: Record<string, number> };
let hostile: ReturnType<typeof schemaValues>;

beforeAll(async () => {
  ctx = await createTestContext();
  const database = await proxiedDatabase(ctx.env.DATABASE_URL!);
  databaseProxy = database.proxy;
  privateRedis = await startPrivateRedis();
  // only unhandled errors are logged: their stacks are what a failure here needs
  sweep = await buildTestApp(ctx, { LOG_LEVEL: 'error' });
  outage = await buildTestApp(ctx, {
    LOG_LEVEL: 'error',
    DATABASE_URL: database.url,
    REDIS_URL: privateRedis.url,
  });
  await Promise.all([sweep.app.ready(), outage.app.ready()]);
  // the limiter lets requests through while its Redis connection is still being made
  for (const { deps } of [sweep, outage]) if (deps.redis.status !== 'ready') await once(deps.redis, 'ready');
  operations = (sweep.app.swagger() as { paths: typeof operations }).paths;
  // with the index in place searches reach OpenSearch, not the PostgreSQL fallback
  await ensureProductIndex(sweep.deps.search, ctx.indexPrefix);
  ids = await seedRows(sweep);
  // with every dependency up, the exchange rates are there too (no provider here: an admin's rates)
  for (const [baseCurrency, targetCurrency, rate] of [
    ['USD', 'KRW', 1380],
    ['JPY', 'KRW', 9.2],
    ['USD', 'JPY', 150],
  ] as const) {
    await sweep.deps.i18n.setExchangeRate({ baseCurrency, targetCurrency, rate });
  }
  hostile = schemaValues(ids.byName);
});

afterAll(async () => {
  await sweep?.close();
  await outage?.close();
  await databaseProxy?.close();
  await privateRedis?.stop();
  await ctx?.cleanup();
});

async function seedRows({ app, deps }: Instance) {
  const admin = await createMember(deps, app, { role: 'ADMIN' });
  const member = await createMember(deps, app);
  const post = async (url: string, payload: object, headers = admin.authHeader): Promise<number> => {
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
      productIds: [product, otherProduct],
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
    return String(ids.byCollection[collection] ?? missingId);
  }
  const row = ids.byName[name];
  return String(typeof row === 'number' ? row : missingId);
}

function paramNames(url: string): string[] {
  return [...url.matchAll(/:([A-Za-z]+)/g)].map((match) => match[1] ?? '');
}

function fillPath(url: string, values: Record<string, string> = {}): string {
  return url.replace(/:([A-Za-z]+)/g, (_match, name: string) => values[name] ?? existingParam(url, name));
}

function operationOf(route: RouteAccess): Operation {
  return operations[route.url.replace(/:([A-Za-z]+)/g, '{$1}')]?.[route.method.toLowerCase()] ?? {};
}

/** The query parameters of a route, and a plausible query without one of them (or with all). */
function queryOf(route: RouteAccess) {
  const query = (operationOf(route).parameters ?? []).filter((parameter) => parameter.in === 'query');
  const plausibleQuery = (without: string) =>
    new URLSearchParams(
      query
        .filter((parameter) => parameter.name !== without)
        .map((parameter): [string, string] => [
          parameter.name,
          String(hostile.plausible(parameter.name, parameter.schema)),
        ]),
    ).toString();
  return { names: query.map((parameter) => parameter.name), plausibleQuery };
}

/** The route's JSON body schema, and a new plausible body for every call (a name the previous one took is no conflict). */
function bodyOf(route: RouteAccess) {
  const schema = operationOf(route).requestBody?.content['application/json']?.schema;
  return {
    schema,
    base: () => (schema ? (hostile.plausible('body', schema) as object) : undefined),
  };
}

const withBody = (url: string, what: string, body: unknown): Probe => ({
  what,
  url,
  payload: JSON.stringify(body),
  headers: jsonHeaders,
});

/** What a well-meaning client sends: no input, a plausible query, a plausible body. */
function plainProbesFor(route: RouteAccess): Probe[] {
  const url = fillPath(route.url);
  const query = queryOf(route);
  const body = bodyOf(route);
  return [
    { what: 'no input', url },
    ...(query.names.length > 0
      ? [{ what: 'a plausible query', url: `${url}?${query.plausibleQuery('')}` }]
      : []),
    ...(body.schema ? [withBody(url, 'body: the plausible base', body.base())] : []),
  ];
}

/** Every hostile request for one route, the plain ones first. */
function probesFor(route: RouteAccess): Probe[] {
  const url = fillPath(route.url);
  const probes: Probe[] = plainProbesFor(route);

  for (const name of paramNames(route.url)) {
    for (const [label, value] of hostileParams)
      probes.push({ what: `path ${name} = ${label}`, url: fillPath(route.url, { [name]: value }) });
  }

  // each query parameter is poisoned on top of a plausible query, so the others let it through
  const query = queryOf(route);
  for (const name of [...query.names, 'unknownParam']) {
    const withQuery = (raw: string) =>
      `${url}?${[query.plausibleQuery(name), raw].filter(Boolean).join('&')}`;
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

  const { schema: bodySchema, base } = bodyOf(route);
  if (bodySchema) {
    probes.push(withBody(url, 'body: {}', {}));
    for (const [field, schema] of Object.entries(bodySchema.properties ?? {})) {
      for (const [label, value] of hostile.hostileValues(field, schema))
        probes.push(withBody(url, `body ${field} = ${label}`, { ...base(), [field]: value }));
      probes.push(withBody(url, `body without ${field}`, { ...base(), [field]: undefined }));
    }
    probes.push(withBody(url, 'body with an unknown field', { ...base(), unknownField: 'x'.repeat(10_000) }));
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
      headers: bodySchema ? { ...jsonHeaders, ...headers } : headers,
      ...(bodySchema ? { payload: JSON.stringify(base()) } : {}),
    });
  }
  return probes;
}

const dependencyCodes = ['SERVICE_UNAVAILABLE', 'SEARCH_UNAVAILABLE'];

/**
 * What is wrong with an answer, or undefined when it is an acceptable one. A 503 naming a
 * dependency is acceptable only while `down` names one (the outage sweeps): with everything up,
 * the hostile sweep's input must not make any route report its dependencies unavailable.
 */
function fault(status: number, rawBody: string, down: 'nothing' | 'a dependency'): string | undefined {
  let body: { success?: unknown; error?: { code?: unknown; message?: unknown }; requestId?: unknown };
  try {
    body = JSON.parse(rawBody);
  } catch {
    body = {};
  }
  const code = typeof body.error?.code === 'string' ? body.error.code : undefined;
  const unavailableAllowed =
    down === 'a dependency' && status === 503 && code && dependencyCodes.includes(code);
  if (status >= 500 && !unavailableAllowed) return `${status} ${code ?? rawBody.slice(0, 100)}`;
  // success and redirects (a social login sends the browser to its provider) carry no envelope
  if (status < 400) return undefined;
  if (body.success !== false || !code || !isErrorCode(code) || typeof body.error?.message !== 'string')
    return `${status} without the failure envelope: ${rawBody.slice(0, 100)}`;
  if (errorCatalog[code].status !== status)
    return `${status} with ${code}, whose catalog status is ${errorCatalog[code].status}`;
  if (typeof body.requestId !== 'string') return `${status} ${code} without a requestId`;
  return undefined;
}

const send = (app: App, route: RouteAccess, probe: Probe, authHeader: Record<string, string>) =>
  app.inject({
    method: route.method as 'GET',
    url: probe.url,
    headers: { ...authHeader, ...probe.headers },
    ...(probe.payload === undefined ? {} : { payload: probe.payload }),
  });

/** Runs `work` on every item, at most `limit` at a time, in the items' order. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** routes swept at a time (each with its own admin) */
const ROUTES_AT_ONCE = 4;
/**
 * probes of one read route in flight at a time: a read ends no session and changes no row, and the
 * slowest ones wait more than they compute (/health runs ffmpeg and asks every dependency)
 */
const READ_PROBES_AT_ONCE = 4;

/** A slice of every route's probes: the ones whose index is `index` modulo `of`. */
interface Slice {
  index: number;
  of: number;
}

/**
 * Sends a slice of a route's probes as a fresh ADMIN (past every guard, to validation and
 * handlers); answers how many it sent. Withdrawal, logout and password changes end the caller's
 * session: a probe refused with 401 after one of them is sent again by a new ADMIN, so that it too
 * reaches the handler.
 */
async function probeRoute(route: RouteAccess, slice: Slice, failures: string[]): Promise<number> {
  const { app, deps } = sweep;
  let admin = await createMember(deps, app, { role: 'ADMIN' });
  const report = (probe: Probe, status: number, body: string) => {
    const problem = fault(status, body, 'nothing');
    if (problem)
      failures.push(`${route.method} ${route.url} [${probe.what}] → ${problem} (${probe.url.slice(0, 200)})`);
  };
  const probes = probesFor(route).filter((_probe, index) => index % slice.of === slice.index);
  const reads = route.method === 'GET';
  await eachLimited(probes, reads ? READ_PROBES_AT_ONCE : 1, async (probe) => {
    const sentBy = admin;
    const response = await send(app, route, probe, sentBy.authHeader);
    report(probe, response.statusCode, response.body);
    if (response.statusCode === 401 && route.access !== 'public' && !reads) {
      if (admin === sentBy) admin = await createMember(deps, app, { role: 'ADMIN' });
      const again = await send(app, route, probe, admin.authHeader);
      report(probe, again.statusCode, again.body);
    }
  });
  return probes.length;
}

/**
 * The sweep is cut into slices of every route's probes, one test each, so that each takes a
 * bounded share of the work however the routes grow: some routes cost far more per probe than
 * others (/health runs ffmpeg and asks every dependency on each request), so a cut by route would
 * leave one test with all of theirs.
 */
const SLICES = 24;
/** the deletions run last, in slices of their own */
const DELETION_SLICES = 2;

const routeKey = (route: RouteAccess) => `${route.method} ${route.url}`;
/** probes sent per route, over the sweep's tests */
const sent = new Map<string, number>();

async function sweepSlice(routes: RouteAccess[], slice: Slice) {
  const failures: string[] = [];
  expect(routes.length).toBeGreaterThan(0);
  await eachLimited(routes, ROUTES_AT_ONCE, async (route) => {
    const count = await probeRoute(route, slice, failures);
    sent.set(routeKey(route), (sent.get(routeKey(route)) ?? 0) + count);
  });
  return failures;
}

describe('hostile input on every route of the route table, every dependency up: no 5xx, every refusal a catalog envelope', () => {
  for (let index = 0; index < SLICES; index++) {
    it(`every route but the deletions, probe slice ${index + 1} of ${SLICES}`, async () => {
      const routes = sweep.app.routeAccess.filter((route) => route.method !== 'DELETE');
      expect(await sweepSlice(routes, { index, of: SLICES })).toEqual([]);
    });
  }

  // once the rest are done, so the seeded rows the other routes aim at still existed while they ran
  for (let index = 0; index < DELETION_SLICES; index++) {
    it(`the deletions, probe slice ${index + 1} of ${DELETION_SLICES}`, async () => {
      const routes = sweep.app.routeAccess.filter((route) => route.method === 'DELETE');
      expect(await sweepSlice(routes, { index, of: DELETION_SLICES })).toEqual([]);
    });
  }

  it('sent every probe of every route of the route table', () => {
    const routes = sweep.app.routeAccess;
    expect(routes.length).toBeGreaterThan(50);
    expect(Object.fromEntries(sent)).toEqual(
      Object.fromEntries(routes.map((route) => [routeKey(route), probesFor(route).length])),
    );
  });
});

/** an answer slower than this during an outage is a request left waiting on the dead dependency */
const OUTAGE_ANSWER_MS = 1500;

const isHealth = (route: RouteAccess) => operationOf(route).tags?.includes('health') ?? false;

/**
 * Every route's plain requests, each by an ADMIN of its own made before the outage (one route
 * ending its caller's session must not turn the next routes' requests into 401s): each answered
 * with a 4xx, a success (what needs neither dependency) or a 503 naming the dependency, and within
 * OUTAGE_ANSWER_MS; the health routes give a dependency that is reconnecting their probe timeout
 * to come back, and get it on top.
 */
async function sweepDuringOutage(dependency: { stop(): Promise<void>; start(): Promise<void> }) {
  const { app, deps } = outage;
  const failures: string[] = [];
  const routes = app.routeAccess;
  const admins = await Promise.all(routes.map(() => createMember(deps, app, { role: 'ADMIN' })));
  // the pools hold every connection they may open, as in a process that has been serving for a
  // while: a connection opened during the sweep waits for PostgreSQL to start a backend (up to the
  // 5 s connect timeout on a loaded machine), which is not the wait on the dead dependency measured
  await Promise.all(
    (
      [
        [deps.database, deps.env.DATABASE_POOL_MAX],
        [deps.catalogReads, deps.env.DATABASE_READ_POOL_MAX],
      ] as const
    ).flatMap(([pool, size]) => Array.from({ length: size }, () => pool.sql`select pg_sleep(0.05)`)),
  );
  await dependency.stop();
  try {
    for (const [index, route] of routes.entries()) {
      const boundMs = OUTAGE_ANSWER_MS + (isHealth(route) ? deps.env.HEALTH_PROBE_TIMEOUT_MS : 0);
      for (const probe of plainProbesFor(route)) {
        const started = performance.now();
        const response = await send(app, route, probe, admins[index]!.authHeader);
        const tookMs = Math.round(performance.now() - started);
        const problem =
          fault(response.statusCode, response.body, 'a dependency') ??
          (tookMs > boundMs ? `${response.statusCode} after ${tookMs} ms (bound ${boundMs} ms)` : undefined);
        if (problem) failures.push(`${route.method} ${route.url} [${probe.what}] → ${problem}`);
      }
    }
  } finally {
    await dependency.start();
  }
  return failures;
}

describe('every route during an outage', () => {
  it('PostgreSQL unreachable: a 503 or a 4xx at once, never a 500', async () => {
    const failures = await sweepDuringOutage({
      stop: () => databaseProxy.stop(),
      async start() {
        await databaseProxy.start();
        // queries go through again once one a second finds the server back
        await waitFor('the database to serve again', async () => {
          const response = await outage.app.inject({ method: 'GET', url: '/api/v1/categories' });
          return response.statusCode === 200;
        });
      },
    });
    expect(failures).toEqual([]);
  });

  it('Redis unreachable: a 503, a 4xx or a success at once, never a 500', async () => {
    const failures = await sweepDuringOutage(privateRedis);
    expect(failures).toEqual([]);
  });
});
