// COMP-01..02: the compare bar for a guest (x-compare-key, Redis) and a member (compare_items, kept
// across devices), capped at 4, merged into the member's at login, and its detail through the spec
// engine's side-by-side comparison; against real PostgreSQL and Redis.
import { compareItems } from '@pbshop/db';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { strongPassword } from './auth-helpers.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { type CategoryData, createCategory, uniqueName } from './helpers/catalog.ts';
import { expectError, missingId } from './helpers/http.ts';
import { uniqueEmail } from './helpers/users.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' } } });
const { call } = api;
let category: CategoryData;

beforeAll(async () => {
  category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Compare') });
  const define = async (body: Record<string, unknown>) => {
    const result = await call('POST', '/api/v1/specs/definitions', {
      headers: api.admin.authHeader,
      body: { categoryId: category.id, ...body },
    });
    expect(result.status, JSON.stringify(result.body)).toBe(201);
  };
  await define({ key: 'ram', name: 'RAM', type: 'SELECT', options: ['8GB', '16GB'], sortOrder: 1 });
  await define({
    key: 'weight',
    name: 'Weight',
    type: 'NUMBER',
    unit: 'kg',
    direction: 'LOWER_IS_BETTER',
    sortOrder: 2,
  });
});

async function newProduct(specs?: { ram: string; weight: number }) {
  const created = await call('POST', '/api/v1/products', {
    headers: api.admin.authHeader,
    body: { categoryId: category.id, name: uniqueName('Laptop') },
  });
  expect(created.status).toBe(201);
  const id = created.body.data.id as number;
  if (specs) {
    const set = await call('PUT', `/api/v1/products/${id}/specs`, {
      headers: api.admin.authHeader,
      body: {
        values: [
          { key: 'ram', value: specs.ram },
          { key: 'weight', value: specs.weight },
        ],
      },
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
  }
  return id;
}

const guestKey = () => `guest_${Date.now()}_${Math.random().toString(36).slice(2, 10)}`;
const asGuest = (key: string) => ({ 'x-compare-key': key });
const idsIn = (answer: { body: { data: { compareList: { productId: number }[] } } }) =>
  answer.body.data.compareList.map((item) => item.productId);

async function memberWithPassword() {
  const email = uniqueEmail('compare');
  const user = await api.deps.users.create({
    email,
    name: 'Compare Member',
    passwordHash: await api.deps.passwords.hash(strongPassword),
    role: 'USER',
    emailVerified: true,
  });
  const token = api.app.signAccessToken({ sub: String(user.id), role: user.role, ver: user.tokenVersion });
  return { user, email, authHeader: { authorization: `Bearer ${token}` } };
}

describe('compare bar (COMP-01..02)', () => {
  it('a guest adds up to 4 (a fifth is COMPARE_LIMIT_EXCEEDED), re-adds idempotently and removes', async () => {
    const key = guestKey();
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await newProduct());
    for (const id of ids.slice(0, 4)) {
      const added = await call('POST', '/api/v1/compare/add', {
        headers: asGuest(key),
        body: { productId: id },
      });
      expect(added.status).toBe(200);
    }
    expectError(
      await call('POST', '/api/v1/compare/add', { headers: asGuest(key), body: { productId: ids[4] } }),
      400,
      'COMPARE_LIMIT_EXCEEDED',
    );
    const again = await call('POST', '/api/v1/compare/add', {
      headers: asGuest(key),
      body: { productId: ids[0] },
    });
    expect(idsIn(again)).toEqual(ids.slice(0, 4));
    const list = await call('GET', '/api/v1/compare', { headers: asGuest(key) });
    expect(list.body.data.compareList[0]).toEqual({
      productId: ids[0],
      name: expect.any(String),
      categoryId: category.id,
      price: null,
      averageRating: 0,
      reviewCount: 0,
      sellerCount: 0,
      salesCount: 0,
      thumbnailUrl: null,
    });
    const removed = await call('DELETE', `/api/v1/compare/${ids[1]}`, { headers: asGuest(key) });
    expect(idsIn(removed)).toEqual([ids[0], ids[2], ids[3]]);
    // another guest's bar is its own
    expect(idsIn(await call('GET', '/api/v1/compare', { headers: asGuest(guestKey()) }))).toEqual([]);
  });

  it('four concurrent adds to a member bar holding 3 leave exactly 4, kept across devices', async () => {
    const member = await api.member();
    const ids = [];
    for (let i = 0; i < 7; i++) ids.push(await newProduct());
    for (const id of ids.slice(0, 3)) {
      await call('POST', '/api/v1/compare/add', { headers: member.authHeader, body: { productId: id } });
    }
    const answers = await Promise.all(
      ids
        .slice(3)
        .map((id) =>
          call('POST', '/api/v1/compare/add', { headers: member.authHeader, body: { productId: id } }),
        ),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    expect(answers.filter((answer) => answer.body.error?.code === 'COMPARE_LIMIT_EXCEEDED')).toHaveLength(3);
    const rows = await api.deps.database.db
      .select()
      .from(compareItems)
      .where(eq(compareItems.userId, member.user.id));
    expect(rows).toHaveLength(4);
    // another device: a fresh token for the same member
    const token = api.app.signAccessToken({
      sub: String(member.user.id),
      role: member.user.role,
      ver: member.user.tokenVersion,
    });
    const elsewhere = await call('GET', '/api/v1/compare', { headers: { authorization: `Bearer ${token}` } });
    expect(idsIn(elsewhere)).toHaveLength(4);
  });

  it("survives a guest's login: merged into the member's bar, capped at 4, the guest bar gone", async () => {
    const member = await memberWithPassword();
    const mine = [await newProduct(), await newProduct()];
    for (const id of mine) {
      await call('POST', '/api/v1/compare/add', { headers: member.authHeader, body: { productId: id } });
    }
    const key = guestKey();
    const guestIds = [mine[0]!, await newProduct(), await newProduct(), await newProduct()];
    for (const id of guestIds) {
      await call('POST', '/api/v1/compare/add', { headers: asGuest(key), body: { productId: id } });
    }
    const login = await call('POST', '/api/v1/auth/login', {
      headers: asGuest(key),
      body: { email: member.email, password: strongPassword },
    });
    expect(login.status).toBe(200);
    const merged = await call('GET', '/api/v1/compare', { headers: member.authHeader });
    expect(idsIn(merged)).toEqual([...mine, guestIds[1], guestIds[2]]);
    expect(idsIn(await call('GET', '/api/v1/compare', { headers: asGuest(key) }))).toEqual([]);
  });

  it('detail: differing fields flagged and the spec engine comparison with differing specs marked', async () => {
    const key = guestKey();
    const a = await newProduct({ ram: '16GB', weight: 1.2 });
    const b = await newProduct({ ram: '16GB', weight: 1.8 });
    for (const id of [a, b]) {
      await call('POST', '/api/v1/compare/add', { headers: asGuest(key), body: { productId: id } });
    }
    const detail = await call('GET', '/api/v1/compare/detail', { headers: asGuest(key) });
    expect(detail.status).toBe(200);
    expect(detail.body.data.differences).toEqual({
      price: false,
      categoryId: false,
      averageRating: false,
      reviewCount: false,
      sellerCount: false,
      salesCount: false,
    });
    const specs = detail.body.data.specs as {
      key: string;
      values: unknown[];
      different: boolean;
      winnerIndexes: number[];
    }[];
    expect(specs.find((spec) => spec.key === 'ram')).toEqual(
      expect.objectContaining({ values: ['16GB', '16GB'], different: false }),
    );
    expect(specs.find((spec) => spec.key === 'weight')).toEqual(
      expect.objectContaining({ values: [1.2, 1.8], different: true, winnerIndexes: [0] }),
    );
  });

  it('refuses hostile input with 4xx and writes nothing', async () => {
    const key = guestKey();
    const id = await newProduct();
    expectError(
      await call('POST', '/api/v1/compare/add', { body: { productId: id } }),
      400,
      'VALIDATION_ERROR',
    );
    expectError(
      await call('POST', '/api/v1/compare/add', { headers: asGuest('bad key!'), body: { productId: id } }),
      400,
      'VALIDATION_ERROR',
    );
    expectError(
      await call('POST', '/api/v1/compare/add', { headers: asGuest(key), body: { productId: missingId } }),
      404,
      'PRODUCT_NOT_FOUND',
    );
    for (const body of [{ productId: 'x' }, { productId: -1 }, {}, { productId: 1.5 }]) {
      const answer = await call('POST', '/api/v1/compare/add', { headers: asGuest(key), body });
      expectError(answer, 400, 'VALIDATION_ERROR');
    }
    expectError(
      await call('DELETE', '/api/v1/compare/abc', { headers: asGuest(key) }),
      400,
      'VALIDATION_ERROR',
    );
    expect(idsIn(await call('GET', '/api/v1/compare', { headers: asGuest(key) }))).toEqual([]);
    expect((await call('GET', '/api/v1/compare')).body.data.compareList).toEqual([]);
  });
});
