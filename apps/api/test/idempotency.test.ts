// Idempotency-Key (DESIGN "Writes that a client may retry"): a route that opts in replays its
// first answer, refuses a key in flight (409) or reused with another body (422), frees the key on
// a 5xx, lets a retry take over a key whose lease ran out, and keeps keys in PostgreSQL (another
// app over the same database replays them). Against real PostgreSQL and Redis, through a test
// route registered on the real app.
import { idempotencyKeys } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, eq, sql } from 'drizzle-orm';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { App } from '../src/app.ts';
import type { ApiDeps } from '../src/deps.ts';
import { envelope, errorResponses, ok } from '../src/http/envelope.ts';
import { idempotencyErrors, idempotencyKeyHeaders, requestHash } from '../src/http/idempotency.ts';
import { member } from '../src/http/principal.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { expectError } from './helpers/http.ts';
import { buildTestApp } from './helpers/users.ts';

const api = setupApiTest({ members: { buyer: {}, otherBuyer: {} } });

const SCOPE = 'POST /test/idempotent/:id';
const url = (id = 1) => `/test/idempotent/${id}`;

/** how many times the handler ran, by the body's `label` */
const runs = new Map<string, number>();
/** `held` requests wait here until the test lets them go */
let release: () => void = () => {};
let held = new Promise<void>((resolve) => {
  release = resolve;
});
function holdNext() {
  held = new Promise<void>((resolve) => {
    release = resolve;
  });
}

const testBody = z.object({
  label: z.string(),
  outcome: z.enum(['created', 'refused', 'broken', 'held']),
  amount: z.number().int().optional(),
});

/** The test route over one app's idempotency keys, registered on the app before it is ready. */
async function registerTestRoute(app: App, deps: ApiDeps) {
  await app.register(async (scope) => {
    const routes = scope.withTypeProvider<ZodTypeProvider>();
    routes.post(
      '/test/idempotent/:id',
      {
        config: { access: 'user' },
        schema: {
          params: z.object({ id: z.coerce.number().int() }),
          headers: idempotencyKeyHeaders,
          body: testBody,
          response: {
            201: envelope(z.object({ run: z.number().int(), label: z.string(), id: z.number().int() })),
            ...errorResponses(400, 401, 404, 503),
            ...idempotencyErrors,
          },
        },
        ...deps.idempotency.route(SCOPE),
      },
      async (request, reply) => {
        member(request);
        const { label, outcome } = request.body;
        const run = (runs.get(label) ?? 0) + 1;
        runs.set(label, run);
        if (outcome === 'refused') throw new AppError('ORDER_NOT_FOUND');
        if (outcome === 'broken') throw new AppError('PAYMENT_GATEWAY_UNAVAILABLE');
        if (outcome === 'held') await held;
        return reply.code(201).send(ok({ run, label, id: request.params.id }));
      },
    );
  });
}

beforeAll(() => registerTestRoute(api.app, api.deps));

function post(
  key: string | undefined,
  body: z.input<typeof testBody>,
  id = 1,
  who = api.buyer,
  app = api.app,
) {
  return app.inject({
    method: 'POST',
    url: url(id),
    headers: { ...who.authHeader, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    payload: body,
  });
}

let keySequence = 0;
const newKey = () => `key-${Date.now()}-${++keySequence}`;

async function keyRow(key: string, userId = api.buyer.user.id) {
  const [row] = await api.deps.database.db
    .select()
    .from(idempotencyKeys)
    .where(
      and(eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.scope, SCOPE), eq(idempotencyKeys.key, key)),
    );
  return row;
}

describe('Idempotency-Key', () => {
  it('without the header the route runs every time', async () => {
    const first = await post(undefined, { label: 'plain', outcome: 'created' });
    const second = await post(undefined, { label: 'plain', outcome: 'created' });
    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    expect(runs.get('plain')).toBe(2);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
  });

  it('the same key and body replays the first answer with a fresh request id, running once', async () => {
    const key = newKey();
    const first = await post(key, { label: 'replay', outcome: 'created', amount: 1000 });
    expect(first.statusCode).toBe(201);
    // the same JSON value with its keys in another order is the same request
    const again = await api.app.inject({
      method: 'POST',
      url: url(),
      headers: { ...api.buyer.authHeader, 'idempotency-key': key, 'content-type': 'application/json' },
      payload: '{"amount":1000,"outcome":"created","label":"replay"}',
    });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(runs.get('replay')).toBe(1);
    const [a, b] = [first.json(), again.json()];
    expect(b.data).toEqual(a.data);
    expect(b.success).toBe(true);
    expect(b.requestId).toEqual(expect.any(String));
    expect(b.requestId).not.toBe(a.requestId);
    expect(again.headers['x-request-id']).toBe(b.requestId);
    expect(Object.keys(b)).toEqual(Object.keys(a));
    const row = await keyRow(key);
    expect(row).toMatchObject({ state: 'DONE', responseStatus: 201, lockedUntil: null });
    expect(row!.requestHash).toBe(
      requestHash({ id: 1 }, { label: 'replay', outcome: 'created', amount: 1000 }),
    );
  });

  it('the same key with another body or other path params is 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const key = newKey();
    expect((await post(key, { label: 'reuse', outcome: 'created', amount: 1 })).statusCode).toBe(201);
    const otherBody = await post(key, { label: 'reuse', outcome: 'created', amount: 2 });
    expectError({ status: otherBody.statusCode, body: otherBody.json() }, 422, 'IDEMPOTENCY_KEY_REUSED');
    const otherId = await post(key, { label: 'reuse', outcome: 'created', amount: 1 }, 2);
    expectError({ status: otherId.statusCode, body: otherId.json() }, 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(runs.get('reuse')).toBe(1);
  });

  it('a key still in flight is 409 IDEMPOTENCY_KEY_IN_USE; once answered, it replays', async () => {
    holdNext();
    const key = newKey();
    const first = post(key, { label: 'inflight', outcome: 'held' });
    await expect.poll(async () => (await keyRow(key))?.state).toBe('IN_FLIGHT');
    const during = await post(key, { label: 'inflight', outcome: 'held' });
    expectError({ status: during.statusCode, body: during.json() }, 409, 'IDEMPOTENCY_KEY_IN_USE');
    expect(during.headers['retry-after']).toBe('1');
    release();
    expect((await first).statusCode).toBe(201);
    const after = await post(key, { label: 'inflight', outcome: 'held' });
    expect(after.statusCode).toBe(201);
    expect(after.headers['idempotent-replayed']).toBe('true');
    expect(runs.get('inflight')).toBe(1);
  });

  it('20 concurrent requests with one key run the handler once; each answer is the same or 409', async () => {
    holdNext();
    const key = newKey();
    const answers = Promise.all(
      Array.from({ length: 20 }, () => post(key, { label: 'burst', outcome: 'held' })),
    );
    await expect.poll(async () => (await keyRow(key))?.state).toBe('IN_FLIGHT');
    release();
    const results = await answers;
    expect(runs.get('burst')).toBe(1);
    const created = results.filter((result) => result.statusCode === 201);
    const inUse = results.filter((result) => result.statusCode === 409);
    expect(created.length + inUse.length).toBe(20);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const result of created) expect(result.json().data).toEqual({ run: 1, label: 'burst', id: 1 });
    for (const result of inUse) expect(result.json().error.code).toBe('IDEMPOTENCY_KEY_IN_USE');
  });

  it('a 4xx answer is final and replayed', async () => {
    const key = newKey();
    const first = await post(key, { label: 'refused', outcome: 'refused' });
    expectError({ status: first.statusCode, body: first.json() }, 404, 'ORDER_NOT_FOUND');
    const again = await post(key, { label: 'refused', outcome: 'refused' });
    expectError({ status: again.statusCode, body: again.json() }, 404, 'ORDER_NOT_FOUND');
    expect(again.headers['idempotent-replayed']).toBe('true');
    const body = again.json();
    expect(body).toMatchObject({ statusCode: 404, path: url(), requestId: again.headers['x-request-id'] });
    expect(body.requestId).not.toBe(first.json().requestId);
    expect(runs.get('refused')).toBe(1);
  });

  it('a 5xx frees the key: the retry runs again', async () => {
    const key = newKey();
    const first = await post(key, { label: 'broken', outcome: 'broken' });
    expectError({ status: first.statusCode, body: first.json() }, 503, 'PAYMENT_GATEWAY_UNAVAILABLE');
    expect(await keyRow(key)).toBeUndefined();
    const retry = await post(key, { label: 'broken', outcome: 'broken' });
    expect(retry.statusCode).toBe(503);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(runs.get('broken')).toBe(2);
  });

  it('a key whose lease ran out (its process died) is taken over by the retry', async () => {
    const key = newKey();
    const body = { label: 'orphan', outcome: 'created' as const };
    await api.deps.database.db.insert(idempotencyKeys).values({
      userId: api.buyer.user.id,
      scope: SCOPE,
      key,
      requestHash: requestHash({ id: 1 }, body),
      state: 'IN_FLIGHT',
      lockedUntil: sql`now() - interval '1 second'`,
      expiresAt: sql`now() + interval '1 day'`,
    });
    const retry = await post(key, body);
    expect(retry.statusCode).toBe(201);
    expect(runs.get('orphan')).toBe(1);
    expect(await keyRow(key)).toMatchObject({ state: 'DONE', responseStatus: 201 });
  });

  it('keys are per member', async () => {
    const key = newKey();
    expect((await post(key, { label: 'members', outcome: 'created' })).statusCode).toBe(201);
    const other = await post(key, { label: 'members', outcome: 'created', amount: 5 }, 1, api.otherBuyer);
    expect(other.statusCode).toBe(201);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(runs.get('members')).toBe(2);
  });

  it('a bad key is 400 VALIDATION_ERROR and runs nothing', async () => {
    for (const key of ['', 'x'.repeat(256), 'has space', 'tab\tkey', '한글키']) {
      const result = await api.app.inject({
        method: 'POST',
        url: url(),
        headers: { ...api.buyer.authHeader, 'idempotency-key': key },
        payload: { label: 'badkey', outcome: 'created' },
      });
      expect({ key, status: result.statusCode, code: result.json().error?.code }).toEqual({
        key,
        status: 400,
        code: 'VALIDATION_ERROR',
      });
    }
    expect(runs.get('badkey')).toBeUndefined();
  });

  it('keys live in PostgreSQL: after a Redis flush, another app over the same database replays them', async () => {
    const key = newKey();
    const body = { label: 'durable', outcome: 'created' as const };
    const first = await post(key, body);
    expect(first.statusCode).toBe(201);
    await api.deps.redis.flushdb();
    const second = await buildTestApp(api.ctx);
    try {
      await registerTestRoute(second.app, second.deps);
      const again = await post(key, body, 1, api.buyer, second.app);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json().data).toEqual(first.json().data);
      expect(runs.get('durable')).toBe(1);
    } finally {
      await second.close();
    }
  });

  it('the sweep deletes keys past their 24 hours, and an expired key runs afresh', async () => {
    const key = newKey();
    const body = { label: 'expired', outcome: 'created' as const };
    expect((await post(key, body)).statusCode).toBe(201);
    await api.deps.database.db
      .update(idempotencyKeys)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(idempotencyKeys.key, key));
    const rerun = await post(key, body);
    expect(rerun.headers['idempotent-replayed']).toBeUndefined();
    expect(runs.get('expired')).toBe(2);
    await api.deps.database.db
      .update(idempotencyKeys)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(idempotencyKeys.key, key));
    expect(await api.deps.idempotency.sweepExpired()).toBeGreaterThanOrEqual(1);
    expect(await keyRow(key)).toBeUndefined();
  });
});
