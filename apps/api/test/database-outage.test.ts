// PostgreSQL unreachable (a TCP proxy in front of the real server, stopped and started again):
// requests that need it answer 503 SERVICE_UNAVAILABLE with Retry-After, not a 500, at once even
// in a burst, and the API serves again within seconds of the database's return, without a restart.
import { type TcpProxy, waitFor } from '@pbshop/testing';
import { describe, expect, it } from 'vitest';
import { unreachableDependency } from '../src/plugins/errors.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { proxiedDatabase } from './helpers/database-proxy.ts';
import { missingId } from './helpers/http.ts';

let proxy: TcpProxy;
let proxiedUrl: string;
const api = setupApiTest({
  beforeApp: async (ctx) => {
    ({ proxy, url: proxiedUrl } = await proxiedDatabase(ctx.env.DATABASE_URL!));
  },
  env: () => ({ DATABASE_URL: proxiedUrl }),
  afterApp: () => proxy?.close(),
});

const get = (url: string) => api.app.inject({ method: 'GET', url });

/** Polls a database read until it succeeds; how long that took. */
async function msUntilServing(): Promise<number> {
  const started = Date.now();
  await waitFor(
    'a database read to succeed',
    async () => (await get('/api/v1/categories')).statusCode === 200,
    10_000,
    50,
  );
  return Date.now() - started;
}

describe('with PostgreSQL unreachable', () => {
  it('answers 503 SERVICE_UNAVAILABLE with Retry-After, then serves again once it is back', async () => {
    expect((await get('/api/v1/categories')).statusCode).toBe(200);

    await proxy.stop();
    for (const url of ['/api/v1/categories', `/api/v1/products/${missingId}`, `/api/v1/products?page=2`]) {
      const response = await get(url);
      expect({ url, status: response.statusCode }).toEqual({ url, status: 503 });
      expect(response.headers['retry-after']).toBe('5');
      expect(response.json()).toMatchObject({
        success: false,
        error: { code: 'SERVICE_UNAVAILABLE', details: { dependency: 'database' } },
      });
    }
    // a write in a transaction too: its BEGIN finds no server
    const signup = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: {
        email: 'outage@example.com',
        password: 'Outage!Pass2026',
        name: '장애',
        phone: '010-1234-5678',
      },
    });
    expect(signup.statusCode).toBe(503);
    expect(signup.json().error.code).toBe('SERVICE_UNAVAILABLE');

    await proxy.start();
    await msUntilServing();
    expect((await get(`/api/v1/products/${missingId}`)).statusCode).toBe(404);
  });
});

describe('a burst of requests while PostgreSQL is unreachable', () => {
  it('fails at once, not one connection attempt after another, and serves again soon after it is back', async () => {
    await msUntilServing();
    await proxy.stop();
    // more requests than the pools have connections (postgres.js queues the rest)
    const started = Date.now();
    const burst = await Promise.all(
      Array.from({ length: 60 }, (_, index) =>
        get(index % 2 === 0 ? '/api/v1/categories' : `/api/v1/products/${missingId}`),
      ),
    );
    const tookMs = Date.now() - started;
    expect(burst.map((response) => response.statusCode)).toEqual(burst.map(() => 503));
    // queued one connection attempt after another, this burst took 20 s and more
    expect(tookMs).toBeLessThan(5000);

    await proxy.start();
    // one query a second goes through while it is down, and reconnects wait at most 1 s
    expect(await msUntilServing()).toBeLessThan(4000);
  });
});

describe('unreachableDependency', () => {
  const withCode = (code: string, name = 'Error') =>
    Object.assign(new Error(code), { code, ...(name === 'Error' ? {} : { name }) });

  it('tells an outage from a fault of ours', () => {
    expect(unreachableDependency(withCode('CONNECTION_ENDED'))).toBe('database');
    expect(unreachableDependency(withCode('57P01', 'PostgresError'))).toBe('database');
    expect(unreachableDependency(withCode('08006', 'PostgresError'))).toBe('database');
    expect(unreachableDependency(new Error('fetch failed', { cause: withCode('ECONNREFUSED') }))).toBe(
      'unknown',
    );
    // a statement the database refused is ours to fix, not an outage
    expect(unreachableDependency(withCode('23505', 'PostgresError'))).toBeUndefined();
    expect(unreachableDependency(new TypeError('x is undefined'))).toBeUndefined();
    expect(unreachableDependency('not an error')).toBeUndefined();
  });
});
