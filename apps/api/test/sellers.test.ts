// SELL-01..03 and the SELL-05 link: the public shop list and detail, the admin's create, update
// (owner linking) and soft delete; against real PostgreSQL and Redis.
import { sellers } from '@pbshop/db';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { createSeller, type SellerFields, uniqueName } from './helpers/catalog.ts';
import { expectError, type Method, missingId } from './helpers/http.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, user: { role: 'USER' } } });
const { call } = api;

const make = (input: SellerFields = {}) => createSeller(api.app, api.admin.authHeader, input);

async function rowOf(id: number) {
  const [row] = await api.deps.database.db.select().from(sellers).where(eq(sellers.id, id));
  return row;
}

describe('POST /sellers (SELL-03)', () => {
  it('registers a shop with defaults and returns the contract shape', async () => {
    const name = uniqueName('Coupang');
    const { status, body } = await call('POST', '/api/v1/sellers', {
      headers: api.admin.authHeader,
      body: { name: `  ${name} `, url: 'https://www.coupang.com' },
    });
    expect(status).toBe(201);
    expect(body.data).toEqual({
      id: expect.any(Number),
      name,
      url: 'https://www.coupang.com',
      logoUrl: null,
      description: null,
      trustScore: 50,
      createdAt: expect.any(String),
    });
    expect(new Date(body.data.createdAt).toISOString()).toBe(body.data.createdAt);
  });

  it('takes every field, and links a SELLER member as the owner (SELL-05)', async () => {
    const owner = await api.member({ role: 'SELLER' });
    const shop = await make({
      name: uniqueName('Full'),
      url: 'http://shop.example.com/path?q=1',
      logoUrl: 'https://cdn.example.com/logo.png',
      description: 'Line one\r\nLine two\twith tab',
      trustScore: 100,
      ownerUserId: owner.user.id,
    });
    expect(shop).toMatchObject({
      url: 'http://shop.example.com/path?q=1',
      logoUrl: 'https://cdn.example.com/logo.png',
      description: 'Line one\nLine two\twith tab',
      trustScore: 100,
    });
    expect((await api.deps.sellers.findByOwner(owner.user.id))?.id).toBe(shop.id);
    expect((await rowOf(shop.id))?.ownerUserId).toBe(owner.user.id);
  });

  it('refuses an owner who is missing or not a SELLER with 400 VALIDATION_ERROR and details', async () => {
    const plain = await api.member({ role: 'USER' });
    for (const ownerUserId of [missingId, plain.user.id, api.admin.user.id]) {
      const result = await call('POST', '/api/v1/sellers', {
        headers: api.admin.authHeader,
        body: { name: uniqueName('Owner'), url: 'https://o.example.com', ownerUserId },
      });
      expectError(result, 400, 'VALIDATION_ERROR');
      expect(result.body.error.details).toEqual([expect.objectContaining({ field: 'body.ownerUserId' })]);
    }
  });

  it('409 CONFLICT on a duplicate name (case-insensitive) or an owner of another shop', async () => {
    const name = uniqueName('Unique');
    await make({ name });
    const dup = await call('POST', '/api/v1/sellers', {
      headers: api.admin.authHeader,
      body: { name: name.toUpperCase(), url: 'https://dup.example.com' },
    });
    expectError(dup, 409, 'CONFLICT');
    expect(dup.body.error.details).toEqual([expect.objectContaining({ field: 'name' })]);

    const owner = await api.member({ role: 'SELLER' });
    await make({ ownerUserId: owner.user.id });
    const second = await call('POST', '/api/v1/sellers', {
      headers: api.admin.authHeader,
      body: { name: uniqueName('Second'), url: 'https://second.example.com', ownerUserId: owner.user.id },
    });
    expectError(second, 409, 'CONFLICT');
    expect(second.body.error.details).toEqual([expect.objectContaining({ field: 'ownerUserId' })]);
  });

  it('refuses hostile bodies with a 4xx catalog code, never a 500', async () => {
    const bodies: unknown[] = [
      {},
      { name: 'No url' },
      { url: 'https://no-name.example.com' },
      { name: '', url: 'https://a.example.com' },
      { name: 'x'.repeat(101), url: 'https://a.example.com' },
      { name: 'x'.repeat(100_000), url: 'https://a.example.com' },
      { name: 'nul\u0000', url: 'https://a.example.com' },
      { name: 'bidi\u202E', url: 'https://a.example.com' },
      { name: 42, url: 'https://a.example.com' },
      { name: 'ok', url: 'javascript:alert(1)' },
      { name: 'ok', url: 'ftp://files.example.com' },
      { name: 'ok', url: 'file:///etc/passwd' },
      { name: 'ok', url: 'data:text/html,<script>alert(1)</script>' },
      { name: 'ok', url: 'not a url' },
      { name: 'ok', url: 'https://user:pass@example.com' },
      { name: 'ok', url: `https://example.com/${'a'.repeat(2001)}` },
      { name: 'ok', url: 'https://a.example.com', logoUrl: 'javascript:alert(1)' },
      { name: 'ok', url: 'https://a.example.com', description: 'd'.repeat(2001) },
      { name: 'ok', url: 'https://a.example.com', description: 'bell\u0007' },
      { name: 'ok', url: 'https://a.example.com', description: 7 },
      { name: 'ok', url: 'https://a.example.com', trustScore: 101 },
      { name: 'ok', url: 'https://a.example.com', trustScore: -1 },
      { name: 'ok', url: 'https://a.example.com', trustScore: 50.5 },
      { name: 'ok', url: 'https://a.example.com', trustScore: '50' },
      { name: 'ok', url: 'https://a.example.com', trustScore: 1e308 },
      { name: 'ok', url: 'https://a.example.com', ownerUserId: 'not-an-id' },
      { name: 'ok', url: 'https://a.example.com', ownerUserId: "' OR 1=1 --" },
      { name: 'ok', url: ['https://a.example.com'] },
      null,
      [],
    ];
    for (const body of bodies) {
      const result = await call('POST', '/api/v1/sellers', {
        headers: { ...api.admin.authHeader, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
      expect(result.status, JSON.stringify(body)?.slice(0, 80)).toBe(400);
      expect(result.body.error.code).toBe('VALIDATION_ERROR');
    }
  });

  it('keeps injection strings and unicode verbatim', async () => {
    for (const name of [
      uniqueName("'; DROP TABLE sellers; --"),
      uniqueName('<img src=x onerror=alert(1)>'),
      uniqueName('쿠팡 🛒'),
    ]) {
      const shop = await make({ name, description: '<b>bold</b> 설명' });
      expect(shop.name).toBe(name);
      const { body } = await call('GET', `/api/v1/sellers/${shop.id}`);
      expect(body.data).toMatchObject({ name, description: '<b>bold</b> 설명' });
    }
  });
});

describe('GET /sellers and /sellers/:id (SELL-01, SELL-02)', () => {
  it('lists by name with page meta and searches the name literally', async () => {
    const tag = `zz${Date.now().toString(36)}`;
    const names = [`${tag} Charlie`, `${tag} alpha`, `${tag} Bravo`, `${tag} 50%_off`];
    for (const name of names) await make({ name });
    const first = await call('GET', `/api/v1/sellers?search=${encodeURIComponent(tag)}&limit=2&page=1`);
    expect(first.status).toBe(200);
    expect(first.body.meta).toEqual({ page: 1, limit: 2, totalCount: 4, totalPages: 2 });
    expect(first.body.data).toHaveLength(2);
    const second = await call('GET', `/api/v1/sellers?search=${encodeURIComponent(tag)}&limit=2&page=2`);
    const all = [...first.body.data, ...second.body.data].map((item: { name: string }) => item.name);
    expect(new Set(all)).toEqual(new Set(names));
    // case-insensitive, wildcards literal
    const literal = await call('GET', `/api/v1/sellers?search=${encodeURIComponent(`${tag} 50%_`)}`);
    expect(literal.body.data.map((item: { name: string }) => item.name)).toEqual([`${tag} 50%_off`]);
    const wildcard = await call(
      'GET',
      `/api/v1/sellers?search=${encodeURIComponent(`${tag.toUpperCase()} %`)}`,
    );
    expect(wildcard.body.meta.totalCount).toBe(0);
    const upper = await call(
      'GET',
      `/api/v1/sellers?search=${encodeURIComponent(`${tag.toUpperCase()} ALPHA`)}`,
    );
    expect(upper.body.data.map((item: { name: string }) => item.name)).toEqual([`${tag} alpha`]);
    // past the end: an empty page
    const beyond = await call('GET', `/api/v1/sellers?search=${encodeURIComponent(tag)}&page=99`);
    expect(beyond.body.data).toEqual([]);
    // default paging
    const defaults = await call('GET', '/api/v1/sellers');
    expect(defaults.body.meta).toMatchObject({ page: 1, limit: 20 });
  });

  it('refuses bad paging and search with 400', async () => {
    for (const query of [
      'page=0',
      'page=-1',
      'limit=0',
      'limit=101',
      'page=abc',
      'limit=1.5',
      `search=${'s'.repeat(101)}`,
      'search=%00',
    ]) {
      expectError(await call('GET', `/api/v1/sellers?${query}`), 400, 'VALIDATION_ERROR');
    }
  });

  it('returns one shop; 404 SELLER_NOT_FOUND for unknown ids, 400 for non-integers', async () => {
    const shop = await make();
    const { status, body } = await call('GET', `/api/v1/sellers/${shop.id}`);
    expect(status).toBe(200);
    expect(body.data).toEqual(shop);
    expect(body.data).not.toHaveProperty('ownerUserId');
    expectError(await call('GET', `/api/v1/sellers/${missingId}`), 404, 'SELLER_NOT_FOUND');
    for (const bad of ['abc', '0', '1.5', "1'%20OR%20'1'='1", `${missingId}x`, 'x'.repeat(500)]) {
      expectError(await call('GET', `/api/v1/sellers/${bad}`), 400, 'VALIDATION_ERROR');
    }
  });
});

describe('PATCH /sellers/:id (SELL-03, SELL-05)', () => {
  it('updates some fields and leaves the rest', async () => {
    const shop = await make({ description: 'before', logoUrl: 'https://cdn.example.com/a.png' });
    const { status, body } = await call('PATCH', `/api/v1/sellers/${shop.id}`, {
      headers: api.admin.authHeader,
      body: { trustScore: 0, logoUrl: null },
    });
    expect(status).toBe(200);
    expect(body.data).toEqual({ ...shop, trustScore: 0, logoUrl: null });
    const cleared = await call('PATCH', `/api/v1/sellers/${shop.id}`, {
      headers: api.admin.authHeader,
      body: { description: '   ' },
    });
    expect(cleared.body.data.description).toBeNull();
  });

  it('links, relinks and unlinks the owner; an owner of another shop is a 409', async () => {
    const shop = await make();
    const other = await make();
    const owner = await api.member({ role: 'SELLER' });
    const link = await call('PATCH', `/api/v1/sellers/${shop.id}`, {
      headers: api.admin.authHeader,
      body: { ownerUserId: owner.user.id },
    });
    expect(link.status).toBe(200);
    expect((await api.deps.sellers.findByOwner(owner.user.id))?.id).toBe(shop.id);
    const taken = await call('PATCH', `/api/v1/sellers/${other.id}`, {
      headers: api.admin.authHeader,
      body: { ownerUserId: owner.user.id },
    });
    expectError(taken, 409, 'CONFLICT');
    expect(taken.body.error.details).toEqual([expect.objectContaining({ field: 'ownerUserId' })]);
    const notSeller = await call('PATCH', `/api/v1/sellers/${other.id}`, {
      headers: api.admin.authHeader,
      body: { ownerUserId: api.user.user.id },
    });
    expectError(notSeller, 400, 'VALIDATION_ERROR');
    const unlink = await call('PATCH', `/api/v1/sellers/${shop.id}`, {
      headers: api.admin.authHeader,
      body: { ownerUserId: null },
    });
    expect(unlink.status).toBe(200);
    expect(await api.deps.sellers.findByOwner(owner.user.id)).toBeUndefined();
  });

  it('409 on a name another shop has; 404 for unknown or deleted; 400 for bad input', async () => {
    const a = await make();
    const b = await make();
    expectError(
      await call('PATCH', `/api/v1/sellers/${b.id}`, {
        headers: api.admin.authHeader,
        body: { name: a.name.toLowerCase() },
      }),
      409,
      'CONFLICT',
    );
    // its own name, in another case, is fine
    const own = await call('PATCH', `/api/v1/sellers/${b.id}`, {
      headers: api.admin.authHeader,
      body: { name: b.name.toUpperCase() },
    });
    expect(own.status).toBe(200);
    expectError(
      await call('PATCH', `/api/v1/sellers/${missingId}`, {
        headers: api.admin.authHeader,
        body: { trustScore: 1 },
      }),
      404,
      'SELLER_NOT_FOUND',
    );
    for (const body of [
      {},
      { url: 'ftp://x.example.com' },
      { trustScore: 1000 },
      { name: null },
      { url: null },
    ]) {
      expectError(
        await call('PATCH', `/api/v1/sellers/${a.id}`, { headers: api.admin.authHeader, body }),
        400,
        'VALIDATION_ERROR',
      );
    }
    expectError(
      await call('PATCH', '/api/v1/sellers/nope', { headers: api.admin.authHeader, body: { trustScore: 1 } }),
      400,
      'VALIDATION_ERROR',
    );
  });
});

describe('DELETE /sellers/:id (SELL-03)', () => {
  it('soft-deletes: gone from reads, the row kept, the name and owner free again', async () => {
    const owner = await api.member({ role: 'SELLER' });
    const shop = await make({ ownerUserId: owner.user.id });
    const { status, body } = await call('DELETE', `/api/v1/sellers/${shop.id}`, {
      headers: { ...api.admin.authHeader, 'accept-language': 'en' },
    });
    expect(status).toBe(200);
    expect(body).toEqual({
      success: true,
      requestId: expect.any(String),
      timestamp: expect.any(String),
      data: { message: 'The seller has been deleted.' },
    });
    expect((await rowOf(shop.id))?.deletedAt).toBeInstanceOf(Date);
    expectError(await call('GET', `/api/v1/sellers/${shop.id}`), 404, 'SELLER_NOT_FOUND');
    const list = await call('GET', `/api/v1/sellers?search=${encodeURIComponent(shop.name)}`);
    expect(list.body.meta.totalCount).toBe(0);
    expect(await api.deps.sellers.findById(shop.id)).toBeUndefined();
    expect(await api.deps.sellers.findByOwner(owner.user.id)).toBeUndefined();
    expectError(
      await call('PATCH', `/api/v1/sellers/${shop.id}`, {
        headers: api.admin.authHeader,
        body: { trustScore: 1 },
      }),
      404,
      'SELLER_NOT_FOUND',
    );
    expectError(
      await call('DELETE', `/api/v1/sellers/${shop.id}`, { headers: api.admin.authHeader }),
      404,
      'SELLER_NOT_FOUND',
    );
    const again = await make({ name: shop.name, ownerUserId: owner.user.id });
    expect(again.id).not.toBe(shop.id);
  });

  it('404 for an unknown id, 400 for a non-integer', async () => {
    expectError(
      await call('DELETE', `/api/v1/sellers/${missingId}`, { headers: api.admin.authHeader }),
      404,
      'SELLER_NOT_FOUND',
    );
    expectError(
      await call('DELETE', '/api/v1/sellers/-1', { headers: api.admin.authHeader }),
      400,
      'VALIDATION_ERROR',
    );
  });
});

describe('permissions', () => {
  it('anonymous 401, USER and SELLER 403 on the admin routes; reads are public', async () => {
    const shop = await make();
    const sellerMember = await api.member({ role: 'SELLER' });
    const writes: [Method, string, unknown][] = [
      ['POST', '/api/v1/sellers', { name: 'Nope', url: 'https://nope.example.com' }],
      ['PATCH', `/api/v1/sellers/${shop.id}`, { trustScore: 1 }],
      ['DELETE', `/api/v1/sellers/${shop.id}`, undefined],
    ];
    for (const [method, url, body] of writes) {
      expectError(await call(method, url, { body }), 401, 'UNAUTHORIZED');
      expectError(await call(method, url, { headers: api.user.authHeader, body }), 403, 'FORBIDDEN');
      expectError(await call(method, url, { headers: sellerMember.authHeader, body }), 403, 'FORBIDDEN');
    }
    const { status, body } = await call('GET', `/api/v1/sellers/${shop.id}`);
    expect(status).toBe(200);
    expect(body.data).toEqual(shop);
    expect((await call('GET', '/api/v1/sellers')).status).toBe(200);
  });

  it('declares access on every seller route', () => {
    const routes = api.app.routeAccess.filter((route) => route.url.startsWith('/api/v1/sellers'));
    expect(routes.map((route) => `${route.method} ${route.url} ${route.access}`).sort()).toEqual([
      'DELETE /api/v1/sellers/:id admin',
      'GET /api/v1/sellers public',
      'GET /api/v1/sellers/:id public',
      'GET /api/v1/sellers/:id/reviews public',
      'GET /api/v1/sellers/:id/trust public',
      'PATCH /api/v1/sellers/:id admin',
      'POST /api/v1/sellers admin',
      'POST /api/v1/sellers/:id/reviews user',
    ]);
  });
});
