// CAT-01..04: the category tree, one category with its breadcrumb, and the admin's create, update
// (rename, reorder, move with the subtree's paths), and delete rules; against real PostgreSQL and Redis.
import { categories, products } from '@pbshop/db';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { buildTree } from '../src/modules/catalog/categories/service.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { type CategoryData, createCategory, uniqueName } from './helpers/catalog.ts';
import { expectError, type Method, missingId } from './helpers/http.ts';

const api = setupApiTest({
  members: { admin: { role: 'ADMIN' }, user: { role: 'USER' }, seller: { role: 'SELLER' } },
});
const { call } = api;

const create = (input: { name: string; parentId?: number | null; sortOrder?: number }) =>
  createCategory(api.app, api.admin.authHeader, input);

async function pathOf(id: number): Promise<string | undefined> {
  const [row] = await api.deps.database.db.select().from(categories).where(eq(categories.id, id));
  return row?.path;
}

interface TreeNode {
  id: number;
  name: string;
  sortOrder: number;
  children: TreeNode[];
}

function findNode(nodes: TreeNode[], id: number): TreeNode | undefined {
  for (const node of nodes) {
    if (node.id === id) return node;
    const found = findNode(node.children, id);
    if (found) return found;
  }
  return undefined;
}

async function addProduct(categoryId: number, deleted = false) {
  await api.deps.database.db
    .insert(products)
    .values({ categoryId, name: uniqueName('Product'), deletedAt: deleted ? new Date() : null });
}

describe('GET /categories (CAT-01)', () => {
  it('returns the whole tree, siblings by sortOrder then name, children nested', async () => {
    const root = await create({ name: uniqueName('Root'), sortOrder: -100 });
    const b = await create({ name: 'Beta', parentId: root.id, sortOrder: 1 });
    const a = await create({ name: 'Alpha', parentId: root.id, sortOrder: 1 });
    const z = await create({ name: 'Zulu', parentId: root.id, sortOrder: 0 });
    const leaf = await create({ name: 'Leaf', parentId: a.id });
    const { status, body } = await call('GET', '/api/v1/categories');
    expect(status).toBe(200);
    expect(body.success).toBe(true);
    const node = findNode(body.data, root.id)!;
    expect(node).toEqual({
      id: root.id,
      name: root.name,
      sortOrder: -100,
      children: [
        { id: z.id, name: 'Zulu', sortOrder: 0, children: [] },
        {
          id: a.id,
          name: 'Alpha',
          sortOrder: 1,
          children: [{ id: leaf.id, name: 'Leaf', sortOrder: 0, children: [] }],
        },
        { id: b.id, name: 'Beta', sortOrder: 1, children: [] },
      ],
    });
    // roots are in order too, and no child appears at the top level
    const rootOrders = body.data.map((item: TreeNode) => item.sortOrder);
    expect(rootOrders).toEqual([...rootOrders].sort((x, y) => x - y));
    expect(body.data.map((item: TreeNode) => item.id)).not.toContain(a.id);
  });

  it('is public', async () => {
    expect((await call('GET', '/api/v1/categories')).status).toBe(200);
  });

  it('buildTree keeps the input order and drops orphans', () => {
    const rows = [
      { id: 1, name: 'R', sortOrder: 0, parentId: null },
      { id: 2, name: 'C2', sortOrder: 0, parentId: 1 },
      { id: 3, name: 'C1', sortOrder: 1, parentId: 1 },
      { id: 4, name: 'O', sortOrder: 0, parentId: 99 },
    ];
    expect(buildTree(rows)).toEqual([
      {
        id: 1,
        name: 'R',
        sortOrder: 0,
        children: [
          { id: 2, name: 'C2', sortOrder: 0, children: [] },
          { id: 3, name: 'C1', sortOrder: 1, children: [] },
        ],
      },
    ]);
  });
});

describe('GET /categories/:id (CAT-02)', () => {
  it('returns the category with its breadcrumb (root first, itself last) and ordered children', async () => {
    const root = await create({ name: uniqueName('Electronics') });
    const mid = await create({ name: 'Computers', parentId: root.id });
    const self = await create({ name: 'Laptops', parentId: mid.id, sortOrder: 3 });
    const c2 = await create({ name: 'Ultrabooks', parentId: self.id, sortOrder: 2 });
    const c1 = await create({ name: 'Gaming', parentId: self.id, sortOrder: 2 });
    const c0 = await create({ name: 'Workstations', parentId: self.id, sortOrder: 1 });
    const { status, body } = await call('GET', `/api/v1/categories/${self.id}`);
    expect(status).toBe(200);
    expect(body.data).toEqual({
      id: self.id,
      name: 'Laptops',
      parentId: mid.id,
      sortOrder: 3,
      path: [
        { id: root.id, name: root.name },
        { id: mid.id, name: 'Computers' },
        { id: self.id, name: 'Laptops' },
      ],
      children: [
        { id: c0.id, name: 'Workstations', sortOrder: 1 },
        { id: c1.id, name: 'Gaming', sortOrder: 2 },
        { id: c2.id, name: 'Ultrabooks', sortOrder: 2 },
      ],
    });
  });

  it('404 CATEGORY_NOT_FOUND for an unknown id, 400 for a non-integer', async () => {
    expectError(await call('GET', `/api/v1/categories/${missingId}`), 404, 'CATEGORY_NOT_FOUND');
    for (const bad of [
      'abc',
      '0',
      '-1',
      '1.5',
      "1'%20OR%20'1'='1",
      '..%2F..%2Fetc',
      `${missingId}x`,
      'x'.repeat(300),
    ]) {
      expectError(await call('GET', `/api/v1/categories/${bad}`), 400, 'VALIDATION_ERROR');
    }
  });
});

describe('POST /categories (CAT-03)', () => {
  it('creates a root and a child; the stored path is parent.path/id', async () => {
    const { status, body } = await call('POST', '/api/v1/categories', {
      headers: api.admin.authHeader,
      body: { name: '  Home Appliances  ', sortOrder: 5 },
    });
    expect(status).toBe(201);
    const root: CategoryData = body.data;
    expect(root).toMatchObject({ name: 'Home Appliances', parentId: null, sortOrder: 5, children: [] });
    expect(root.path).toEqual([{ id: root.id, name: 'Home Appliances' }]);
    expect(await pathOf(root.id)).toBe(String(root.id));
    const child = await create({ name: 'Fridges', parentId: root.id });
    expect(child.sortOrder).toBe(0);
    expect(await pathOf(child.id)).toBe(`${root.id}/${child.id}`);
    expect(await api.deps.categories.selfAndDescendantIds(root.id)).toEqual(
      expect.arrayContaining([root.id, child.id]),
    );
  });

  it('404 CATEGORY_NOT_FOUND for an unknown parent', async () => {
    const result = await call('POST', '/api/v1/categories', {
      headers: api.admin.authHeader,
      body: { name: 'Orphan', parentId: missingId },
    });
    expectError(result, 404, 'CATEGORY_NOT_FOUND');
  });

  it('409 CONFLICT for a duplicate name under the same parent (case-insensitive), fine elsewhere', async () => {
    const rootName = uniqueName('Dup');
    const root = await create({ name: rootName });
    expectError(
      await call('POST', '/api/v1/categories', {
        headers: api.admin.authHeader,
        body: { name: rootName.toUpperCase() },
      }),
      409,
      'CONFLICT',
    );
    await create({ name: 'Phones', parentId: root.id });
    const duplicate = await call('POST', '/api/v1/categories', {
      headers: api.admin.authHeader,
      body: { name: 'phones', parentId: root.id },
    });
    expectError(duplicate, 409, 'CONFLICT');
    expect(duplicate.body.error.details).toEqual([expect.objectContaining({ field: 'name' })]);
    // the same name under another parent is fine
    const other = await create({ name: uniqueName('Other') });
    await create({ name: 'Phones', parentId: other.id });
  });

  it('refuses bad names and bodies with 400 VALIDATION_ERROR', async () => {
    const bodies: unknown[] = [
      {},
      { name: '' },
      { name: '    ' },
      { name: 'x'.repeat(51) },
      { name: 'x'.repeat(100_000) },
      { name: 'bad\u0000name' },
      { name: 'bad\u001bname' },
      { name: 'right\u202Eleft' },
      { name: 'zero\u200Bwidth' },
      { name: 42 },
      { name: ['a'] },
      { name: { $ne: null } },
      { name: 'ok', parentId: 'not-an-id' },
      { name: 'ok', parentId: 0 },
      { name: 'ok', parentId: 1.5 },
      { name: 'ok', parentId: '7' },
      { name: 'ok', sortOrder: 1.5 },
      { name: 'ok', sortOrder: '1' },
      { name: 'ok', sortOrder: 1e20 },
      null,
      [],
      'name',
    ];
    for (const body of bodies) {
      const result = await call('POST', '/api/v1/categories', {
        headers: { ...api.admin.authHeader, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
      expect(result.status, JSON.stringify(body)?.slice(0, 80)).toBe(400);
      expect(['VALIDATION_ERROR', 'MALFORMED_JSON']).toContain(result.body.error.code);
    }
    expectError(
      await call('POST', '/api/v1/categories', {
        headers: { ...api.admin.authHeader, 'content-type': 'application/json' },
        payload: '{"name":',
      }),
      400,
      'MALFORMED_JSON',
    );
  });

  it('stores injection strings and unicode verbatim (NFC), 50 code points allowed', async () => {
    for (const name of [
      uniqueName("'; DROP TABLE categories; --"),
      uniqueName('<script>alert(1)</script>'),
      uniqueName('%_\\ like'),
      uniqueName('노트북 🍎'),
      'é'.repeat(50),
      '\u0065\u0301 composed',
    ]) {
      const created = await create({ name });
      expect(created.name).toBe(name.normalize('NFC').trim());
      const { body } = await call('GET', `/api/v1/categories/${created.id}`);
      expect(body.data.name).toBe(name.normalize('NFC').trim());
    }
  });
});

describe('PATCH /categories/:id (CAT-03)', () => {
  it('renames and reorders', async () => {
    const category = await create({ name: uniqueName('Old') });
    const { status, body } = await call('PATCH', `/api/v1/categories/${category.id}`, {
      headers: api.admin.authHeader,
      body: { name: 'Renamed Category', sortOrder: 9 },
    });
    expect(status).toBe(200);
    expect(body.data).toMatchObject({
      id: category.id,
      name: 'Renamed Category',
      sortOrder: 9,
      parentId: null,
    });
    expect(await pathOf(category.id)).toBe(String(category.id));
  });

  it('moves a category with its subtree and rewrites every descendant path', async () => {
    const a = await create({ name: uniqueName('A') });
    const b = await create({ name: uniqueName('B') });
    const a1 = await create({ name: 'A1', parentId: a.id });
    const a11 = await create({ name: 'A11', parentId: a1.id });
    const a111 = await create({ name: 'A111', parentId: a11.id });
    const a12 = await create({ name: 'A12', parentId: a1.id });
    // a sibling whose id prefix-matches nothing: untouched
    const a2 = await create({ name: 'A2', parentId: a.id });

    const { status, body } = await call('PATCH', `/api/v1/categories/${a1.id}`, {
      headers: api.admin.authHeader,
      body: { parentId: b.id },
    });
    expect(status).toBe(200);
    expect(body.data.parentId).toBe(b.id);
    expect(body.data.path.map((item: { id: number }) => item.id)).toEqual([b.id, a1.id]);
    expect(await pathOf(a1.id)).toBe(`${b.id}/${a1.id}`);
    expect(await pathOf(a11.id)).toBe(`${b.id}/${a1.id}/${a11.id}`);
    expect(await pathOf(a111.id)).toBe(`${b.id}/${a1.id}/${a11.id}/${a111.id}`);
    expect(await pathOf(a12.id)).toBe(`${b.id}/${a1.id}/${a12.id}`);
    expect(await pathOf(a2.id)).toBe(`${a.id}/${a2.id}`);
    expect((await api.deps.categories.selfAndDescendantIds(a.id)).sort()).toEqual([a.id, a2.id].sort());
    expect((await api.deps.categories.selfAndDescendantIds(b.id)).sort()).toEqual(
      [b.id, a1.id, a11.id, a111.id, a12.id].sort(),
    );
    const crumbs = (await call('GET', `/api/v1/categories/${a111.id}`)).body.data.path;
    expect(crumbs.map((item: { id: number }) => item.id)).toEqual([b.id, a1.id, a11.id, a111.id]);

    // and back to the root
    const toRoot = await call('PATCH', `/api/v1/categories/${a1.id}`, {
      headers: api.admin.authHeader,
      body: { parentId: null },
    });
    expect(toRoot.status).toBe(200);
    expect(toRoot.body.data.parentId).toBeNull();
    expect(await pathOf(a1.id)).toBe(String(a1.id));
    expect(await pathOf(a111.id)).toBe(`${a1.id}/${a11.id}/${a111.id}`);
    const tree = (await call('GET', '/api/v1/categories')).body.data;
    expect(findNode(tree, a1.id)?.children.map((node) => node.name)).toEqual(['A11', 'A12']);
  });

  it('refuses moving under itself or a descendant (400), leaving the tree as it was', async () => {
    const a = await create({ name: uniqueName('Cycle') });
    const child = await create({ name: 'Child', parentId: a.id });
    const grandchild = await create({ name: 'Grandchild', parentId: child.id });
    for (const parentId of [a.id, child.id, grandchild.id]) {
      const result = await call('PATCH', `/api/v1/categories/${a.id}`, {
        headers: api.admin.authHeader,
        body: { parentId },
      });
      expectError(result, 400, 'VALIDATION_ERROR');
    }
    expect(await pathOf(a.id)).toBe(String(a.id));
    expect(await pathOf(grandchild.id)).toBe(`${a.id}/${child.id}/${grandchild.id}`);
  });

  it('rejects crossing moves made at the same time without ever forming a cycle', async () => {
    const x = await create({ name: uniqueName('X') });
    const y = await create({ name: uniqueName('Y') });
    const results = await Promise.all([
      call('PATCH', `/api/v1/categories/${x.id}`, {
        headers: api.admin.authHeader,
        body: { parentId: y.id },
      }),
      call('PATCH', `/api/v1/categories/${y.id}`, {
        headers: api.admin.authHeader,
        body: { parentId: x.id },
      }),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual([200, 400]);
    const [px, py] = [await pathOf(x.id), await pathOf(y.id)];
    expect(px === `${y.id}/${x.id}` || py === `${x.id}/${y.id}`).toBe(true);
  });

  it('404 for an unknown category or new parent; 409 on a duplicate name after rename or move', async () => {
    expectError(
      await call('PATCH', `/api/v1/categories/${missingId}`, {
        headers: api.admin.authHeader,
        body: { name: 'x' },
      }),
      404,
      'CATEGORY_NOT_FOUND',
    );
    const root = await create({ name: uniqueName('P') });
    const one = await create({ name: 'One', parentId: root.id });
    await create({ name: 'Two', parentId: root.id });
    expectError(
      await call('PATCH', `/api/v1/categories/${one.id}`, {
        headers: api.admin.authHeader,
        body: { parentId: missingId },
      }),
      404,
      'CATEGORY_NOT_FOUND',
    );
    expectError(
      await call('PATCH', `/api/v1/categories/${one.id}`, {
        headers: api.admin.authHeader,
        body: { name: 'TWO' },
      }),
      409,
      'CONFLICT',
    );
    const elsewhere = await create({ name: uniqueName('Q') });
    const clash = await create({ name: 'One', parentId: elsewhere.id });
    expectError(
      await call('PATCH', `/api/v1/categories/${clash.id}`, {
        headers: api.admin.authHeader,
        body: { parentId: root.id },
      }),
      409,
      'CONFLICT',
    );
    // nothing moved
    expect(await pathOf(clash.id)).toBe(`${elsewhere.id}/${clash.id}`);
  });

  it('refuses an empty or malformed body and a non-integer id', async () => {
    const category = await create({ name: uniqueName('Body') });
    for (const body of [{}, { name: '' }, { sortOrder: 'x' }, { parentId: 'nope' }, { name: 'a\u0007' }]) {
      expectError(
        await call('PATCH', `/api/v1/categories/${category.id}`, { headers: api.admin.authHeader, body }),
        400,
        'VALIDATION_ERROR',
      );
    }
    expectError(
      await call('PATCH', '/api/v1/categories/not-an-id', {
        headers: api.admin.authHeader,
        body: { name: 'x' },
      }),
      400,
      'VALIDATION_ERROR',
    );
  });
});

describe('DELETE /categories/:id (CAT-04)', () => {
  it('deletes a leaf without products', async () => {
    const category = await create({ name: uniqueName('Gone') });
    const { status, body } = await call('DELETE', `/api/v1/categories/${category.id}`, {
      headers: { ...api.admin.authHeader, 'accept-language': 'en' },
    });
    expect(status).toBe(200);
    expect(body).toEqual({
      success: true,
      requestId: expect.any(String),
      timestamp: expect.any(String),
      data: { message: 'The category has been deleted.' },
    });
    expect(await pathOf(category.id)).toBeUndefined();
    expectError(await call('GET', `/api/v1/categories/${category.id}`), 404, 'CATEGORY_NOT_FOUND');
    expectError(
      await call('DELETE', `/api/v1/categories/${category.id}`, { headers: api.admin.authHeader }),
      404,
      'CATEGORY_NOT_FOUND',
    );
  });

  it('409 CATEGORY_HAS_CHILDREN while it has subcategories', async () => {
    const parent = await create({ name: uniqueName('Parent') });
    await create({ name: 'Kid', parentId: parent.id });
    expectError(
      await call('DELETE', `/api/v1/categories/${parent.id}`, { headers: api.admin.authHeader }),
      409,
      'CATEGORY_HAS_CHILDREN',
    );
    expect(await pathOf(parent.id)).toBe(String(parent.id));
  });

  it('409 CATEGORY_HAS_PRODUCTS while products (even soft-deleted ones) reference it', async () => {
    const live = await create({ name: uniqueName('Live') });
    await addProduct(live.id);
    expect(await api.deps.categories.activeProductCount(live.id)).toBe(1);
    const refused = await call('DELETE', `/api/v1/categories/${live.id}`, { headers: api.admin.authHeader });
    expectError(refused, 409, 'CATEGORY_HAS_PRODUCTS');
    expect(refused.body.error.details).toEqual({ productCount: 1 });

    const deletedOnly = await create({ name: uniqueName('Deleted') });
    await addProduct(deletedOnly.id, true);
    expect(await api.deps.categories.activeProductCount(deletedOnly.id)).toBe(0);
    expectError(
      await call('DELETE', `/api/v1/categories/${deletedOnly.id}`, { headers: api.admin.authHeader }),
      409,
      'CATEGORY_HAS_PRODUCTS',
    );
  });
});

describe('permissions', () => {
  const writes = (id: number): [Method, string, unknown][] => [
    ['POST', '/api/v1/categories', { name: 'Nope' }],
    ['PATCH', `/api/v1/categories/${id}`, { name: 'Nope' }],
    ['DELETE', `/api/v1/categories/${id}`, undefined],
  ];

  it('anonymous 401, USER and SELLER 403 on the admin routes; reads are public', async () => {
    const category = await create({ name: uniqueName('Guarded') });
    for (const [method, url, body] of writes(category.id)) {
      expectError(await call(method, url, { body }), 401, 'UNAUTHORIZED');
      expectError(await call(method, url, { headers: api.user.authHeader, body }), 403, 'FORBIDDEN');
      expectError(await call(method, url, { headers: api.seller.authHeader, body }), 403, 'FORBIDDEN');
      expectError(
        await call(method, url, { headers: { authorization: 'Bearer not.a.token' }, body }),
        401,
        'TOKEN_INVALID',
      );
    }
    expect((await call('GET', `/api/v1/categories/${category.id}`)).status).toBe(200);
    expect(await pathOf(category.id)).toBe(String(category.id));
    const { body } = await call('GET', `/api/v1/categories/${category.id}`);
    expect(body.data.name).toBe(category.name);
  });

  it('declares access on every category route', () => {
    const routes = api.app.routeAccess.filter((route) => route.url.startsWith('/api/v1/categories'));
    expect(routes.map((route) => `${route.method} ${route.url} ${route.access}`).sort()).toEqual([
      'DELETE /api/v1/categories/:id admin',
      'GET /api/v1/categories public',
      'GET /api/v1/categories/:id public',
      'PATCH /api/v1/categories/:id admin',
      'POST /api/v1/categories admin',
    ]);
  });
});
