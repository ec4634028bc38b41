// WISH-01..03: the wishlist toggle, paged list and removal; against real PostgreSQL.
import { wishlistItems } from '@pbshop/db';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { type CategoryData, createCategory, uniqueName } from './helpers/catalog.ts';
import { expectError, missingId } from './helpers/http.ts';
import type { Member } from './helpers/users.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' } } });
const { call } = api;
let category: CategoryData;

beforeAll(async () => {
  category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Wish') });
});

async function newProduct(name = uniqueName('Monitor')) {
  const created = await call('POST', '/api/v1/products', {
    headers: api.admin.authHeader,
    body: { categoryId: category.id, name },
  });
  expect(created.status).toBe(201);
  return created.body.data as { id: number; name: string };
}

const toggle = (member: Member, productId: number | string) =>
  call('POST', `/api/v1/wishlist/${productId}`, { headers: member.authHeader });

const rowsOf = (member: Member) =>
  api.deps.database.db.select().from(wishlistItems).where(eq(wishlistItems.userId, member.user.id));

describe('wishlist (WISH-01..03)', () => {
  it('toggles in and back out, lists with the product and removes idempotently', async () => {
    const member = await api.member();
    const product = await newProduct();
    await call('POST', `/api/v1/products/${product.id}/images`, {
      headers: api.admin.authHeader,
      body: { url: 'https://img.example.com/monitor.jpg', isMain: true },
    });
    const added = await toggle(member, product.id);
    expect(added.status).toBe(200);
    expect(added.body.data).toEqual({ wishlisted: true });
    const list = await call('GET', '/api/v1/wishlist', { headers: member.authHeader });
    expect(list.body.data).toEqual([
      {
        id: expect.any(Number),
        product: {
          id: product.id,
          name: product.name,
          thumbnailUrl: 'https://img.example.com/monitor.jpg',
          lowestPrice: null,
          averageRating: 0,
          reviewCount: 0,
        },
        createdAt: expect.any(String),
      },
    ]);
    expect((await toggle(member, product.id)).body.data).toEqual({ wishlisted: false });
    expect(await rowsOf(member)).toEqual([]);

    await toggle(member, product.id);
    const removed = await call('DELETE', `/api/v1/wishlist/${product.id}`, { headers: member.authHeader });
    expect(removed.status).toBe(200);
    expect(removed.body.data.message).toEqual(expect.any(String));
    const again = await call('DELETE', `/api/v1/wishlist/${product.id}`, { headers: member.authHeader });
    expect(again.status).toBe(200);
    expect(await rowsOf(member)).toEqual([]);
  });

  it('pages newest first and leaves out deleted products', async () => {
    const member = await api.member();
    const products = [];
    for (let index = 0; index < 5; index++) {
      const product = await newProduct();
      products.push(product);
      await toggle(member, product.id);
    }
    const newestFirst = products.map((product) => product.id).reverse();
    const first = await call('GET', '/api/v1/wishlist?page=1&limit=2', { headers: member.authHeader });
    expect(first.body.data.map((item: { product: { id: number } }) => item.product.id)).toEqual(
      newestFirst.slice(0, 2),
    );
    expect(first.body.meta).toEqual({ page: 1, limit: 2, totalCount: 5, totalPages: 3 });
    const third = await call('GET', '/api/v1/wishlist?page=3&limit=2', { headers: member.authHeader });
    expect(third.body.data.map((item: { product: { id: number } }) => item.product.id)).toEqual(
      newestFirst.slice(4),
    );

    await call('DELETE', `/api/v1/products/${products[0]!.id}`, { headers: api.admin.authHeader });
    const after = await call('GET', '/api/v1/wishlist', { headers: member.authHeader });
    expect(after.body.meta.totalCount).toBe(4);
    expect(after.body.data.map((item: { product: { id: number } }) => item.product.id)).toEqual(
      newestFirst.slice(0, 4),
    );
    expectError(
      await call('GET', '/api/v1/wishlist?limit=101', { headers: member.authHeader }),
      400,
      'VALIDATION_ERROR',
    );
  });

  it('answers 404 PRODUCT_NOT_FOUND for an unknown or deleted product, writing nothing', async () => {
    const member = await api.member();
    expectError(await toggle(member, missingId), 404, 'PRODUCT_NOT_FOUND');
    const product = await newProduct();
    await call('DELETE', `/api/v1/products/${product.id}`, { headers: api.admin.authHeader });
    expectError(await toggle(member, product.id), 404, 'PRODUCT_NOT_FOUND');
    expectError(await toggle(member, 'abc'), 400, 'VALIDATION_ERROR');
    expect(await rowsOf(member)).toEqual([]);
  });

  it('runs concurrent toggles one after the other: an even number leaves it out, never a 500', async () => {
    const member = await api.member();
    const product = await newProduct();
    const answers = await Promise.all(Array.from({ length: 10 }, () => toggle(member, product.id)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(200));
    const wishlisted = answers.filter((answer) => answer.body.data.wishlisted).length;
    expect(wishlisted).toBe(5);
    expect(await rowsOf(member)).toEqual([]);
    const odd = await Promise.all(Array.from({ length: 7 }, () => toggle(member, product.id)));
    expect(odd.every((answer) => answer.status === 200)).toBe(true);
    expect(await rowsOf(member)).toHaveLength(1);
  });

  it("keeps members' wishlists apart", async () => {
    const [one, two] = [await api.member(), await api.member()];
    const product = await newProduct();
    await toggle(one, product.id);
    expect((await call('GET', '/api/v1/wishlist', { headers: two.authHeader })).body.data).toEqual([]);
    await call('DELETE', `/api/v1/wishlist/${product.id}`, { headers: two.authHeader });
    expect(await rowsOf(one)).toHaveLength(1);
  });
});
