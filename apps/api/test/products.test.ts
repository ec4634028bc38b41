// PROD-01..08: product list (filters, sorts, paging), detail, admin CRUD of products, options and
// images; against real PostgreSQL and Redis.
import { products } from '@pbshop/db';
import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { LIST_COUNT_CAP } from '../src/modules/catalog/products/service.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { type CategoryData, createCategory, createSeller, uniqueName } from './helpers/catalog.ts';
import { expectError, missingId } from './helpers/http.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, user: {} } });
const { call } = api;
let root: CategoryData;
let child: CategoryData;
let other: CategoryData;

beforeAll(async () => {
  root = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Laptops') });
  child = await createCategory(api.app, api.admin.authHeader, {
    name: uniqueName('Gaming'),
    parentId: root.id,
  });
  other = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Phones') });
});

async function createProduct(fields: Record<string, unknown> = {}) {
  const result = await call('POST', '/api/v1/products', {
    headers: api.admin.authHeader,
    body: { categoryId: root.id, name: uniqueName('Product'), ...fields },
  });
  expect(result.status, JSON.stringify(result.body)).toBe(201);
  return result.body.data;
}

describe('admin product CRUD (PROD-03..05)', () => {
  it('creates a product and returns its detail', async () => {
    const result = await call('POST', '/api/v1/products', {
      headers: api.admin.authHeader,
      body: {
        categoryId: child.id,
        name: '  Zenbook 14  ',
        brand: 'ASUS',
        description: 'Light.\nFast.',
        stock: 5,
        unitQuantity: 1,
        unitLabel: 'ea',
      },
    });
    expect(result.status).toBe(201);
    expect(result.body.data).toMatchObject({
      name: 'Zenbook 14',
      brand: 'ASUS',
      description: 'Light.\nFast.',
      stock: 5,
      status: 'ON_SALE',
      version: 1,
      lowestPrice: null,
      highestPrice: null,
      averagePrice: null,
      category: { id: child.id, name: child.name },
      options: [],
      images: [],
      priceEntries: [],
      reviewCount: 0,
      averageRating: 0,
    });
  });

  it('refuses non-admins, unknown categories and bad bodies', async () => {
    expectError(
      await call('POST', '/api/v1/products', { body: { categoryId: root.id, name: 'x' } }),
      401,
      'UNAUTHORIZED',
    );
    expectError(
      await call('POST', '/api/v1/products', {
        headers: api.user.authHeader,
        body: { categoryId: root.id, name: 'x' },
      }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await call('POST', '/api/v1/products', {
        headers: api.admin.authHeader,
        body: { categoryId: missingId, name: 'x' },
      }),
      404,
      'CATEGORY_NOT_FOUND',
    );
    for (const body of [
      { categoryId: root.id },
      { categoryId: root.id, name: '' },
      { categoryId: root.id, name: 'x'.repeat(201) },
      { categoryId: root.id, name: 'a\u0000b' },
      { categoryId: root.id, name: 'ok', stock: -1 },
      { categoryId: root.id, name: 'ok', description: 'd'.repeat(20_001) },
      { categoryId: root.id, name: 'ok', status: 'NOPE' },
      { categoryId: 'not-an-id', name: 'ok' },
      { categoryId: root.id, name: { $gt: '' } },
    ]) {
      expectError(
        await call('POST', '/api/v1/products', { headers: api.admin.authHeader, body }),
        400,
        'VALIDATION_ERROR',
      );
    }
  });

  it('updates at the version read; a stale version is 409 CONFLICT', async () => {
    const product = await createProduct();
    const first = await call('PATCH', `/api/v1/products/${product.id}`, {
      headers: api.admin.authHeader,
      body: { version: 1, name: 'Renamed', status: 'SOLD_OUT', categoryId: other.id },
    });
    expect(first.status).toBe(200);
    expect(first.body.data).toMatchObject({
      name: 'Renamed',
      status: 'SOLD_OUT',
      version: 2,
      category: { id: other.id },
    });
    const stale = await call('PATCH', `/api/v1/products/${product.id}`, {
      headers: api.admin.authHeader,
      body: { version: 1, name: 'Lost update' },
    });
    expectError(stale, 409, 'CONFLICT');
    expect(stale.body.error.details).toMatchObject({ currentVersion: 2 });
    // two concurrent edits at the same version: exactly one wins
    const both = await Promise.all(
      ['A', 'B'].map((name) =>
        call('PATCH', `/api/v1/products/${product.id}`, {
          headers: api.admin.authHeader,
          body: { version: 2, name },
        }),
      ),
    );
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    expectError(
      await call('PATCH', `/api/v1/products/${product.id}`, {
        headers: api.admin.authHeader,
        body: { version: 3 },
      }),
      400,
      'VALIDATION_ERROR',
    );
    expectError(
      await call('PATCH', `/api/v1/products/${product.id}`, {
        headers: api.admin.authHeader,
        body: { version: 3, categoryId: missingId },
      }),
      404,
      'CATEGORY_NOT_FOUND',
    );
    expectError(
      await call('PATCH', `/api/v1/products/${missingId}`, {
        headers: api.admin.authHeader,
        body: { version: 1, name: 'x' },
      }),
      404,
      'PRODUCT_NOT_FOUND',
    );
  });

  it('soft deletes; the product is gone from detail, list and edits', async () => {
    const product = await createProduct({ name: uniqueName('Doomed') });
    const deleted = await call('DELETE', `/api/v1/products/${product.id}`, { headers: api.admin.authHeader });
    expect(deleted.status).toBe(200);
    expect(deleted.body.data.message).toEqual(expect.any(String));
    const [row] = await api.deps.database.db.select().from(products).where(eq(products.id, product.id));
    expect(row?.deletedAt).not.toBeNull();
    expectError(await call('GET', `/api/v1/products/${product.id}`), 404, 'PRODUCT_NOT_FOUND');
    expectError(
      await call('DELETE', `/api/v1/products/${product.id}`, { headers: api.admin.authHeader }),
      404,
      'PRODUCT_NOT_FOUND',
    );
    const list = await call('GET', `/api/v1/products?search=${encodeURIComponent(product.name)}`);
    expect(list.body.data).toEqual([]);
    expectError(
      await call('DELETE', `/api/v1/products/${product.id}`, { headers: api.user.authHeader }),
      403,
      'FORBIDDEN',
    );
  });
});

describe('GET /products/:id (PROD-02)', () => {
  it('returns the detail and counts the views, written in one batch', async () => {
    const product = await createProduct();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => call('GET', `/api/v1/products/${product.id}`)),
    );
    for (const result of results) {
      expect(result.status).toBe(200);
      expect(result.body.data.id).toBe(product.id);
    }
    // an unknown product counts nothing (and fails nothing)
    expectError(await call('GET', `/api/v1/products/${missingId}`), 404, 'PRODUCT_NOT_FOUND');
    await api.deps.productViews.flush();
    const [row] = await api.deps.database.db.select().from(products).where(eq(products.id, product.id));
    expect(row?.viewCount).toBe(5);
    expect(row?.popularityScore).toBe(1.5);
  });

  it('400 for a non-integer id, 404 for an unknown one', async () => {
    expectError(await call('GET', '/api/v1/products/1.5'), 400, 'VALIDATION_ERROR');
    expectError(await call('GET', `/api/v1/products/${missingId}`), 404, 'PRODUCT_NOT_FOUND');
  });
});

describe('options and images (PROD-06, PROD-07)', () => {
  it('adds, updates and deletes options', async () => {
    const product = await createProduct();
    const added = await call('POST', `/api/v1/products/${product.id}/options`, {
      headers: api.admin.authHeader,
      body: { name: 'Color', values: ['Black', 'Silver'] },
    });
    expect(added.status).toBe(201);
    expect(added.body.data).toMatchObject({ name: 'Color', values: ['Black', 'Silver'], sortOrder: 0 });
    const optionId = added.body.data.id;
    const updated = await call('PATCH', `/api/v1/products/${product.id}/options/${optionId}`, {
      headers: api.admin.authHeader,
      body: { values: ['Black'], sortOrder: 2 },
    });
    expect(updated.body.data).toMatchObject({ id: optionId, name: 'Color', values: ['Black'], sortOrder: 2 });
    const detail = await call('GET', `/api/v1/products/${product.id}`);
    expect(detail.body.data.options).toEqual([
      { id: optionId, name: 'Color', values: ['Black'], sortOrder: 2 },
    ]);

    expectError(
      await call('POST', `/api/v1/products/${product.id}/options`, {
        headers: api.admin.authHeader,
        body: { name: 'Too many', values: Array.from({ length: 51 }, (_, i) => `v${i}`) },
      }),
      400,
      'VALIDATION_ERROR',
    );
    expectError(
      await call('POST', `/api/v1/products/${product.id}/options`, {
        headers: api.admin.authHeader,
        body: { name: 'Bad', values: 'not-an-array' },
      }),
      400,
      'VALIDATION_ERROR',
    );
    expectError(
      await call('PATCH', `/api/v1/products/${product.id}/options/${missingId}`, {
        headers: api.admin.authHeader,
        body: { name: 'x' },
      }),
      404,
      'PRODUCT_OPTION_NOT_FOUND',
    );
    expectError(
      await call('POST', `/api/v1/products/${missingId}/options`, {
        headers: api.admin.authHeader,
        body: { name: 'x', values: [] },
      }),
      404,
      'PRODUCT_NOT_FOUND',
    );
    expectError(
      await call('POST', `/api/v1/products/${product.id}/options`, {
        headers: api.user.authHeader,
        body: { name: 'x', values: [] },
      }),
      403,
      'FORBIDDEN',
    );
    const removed = await call('DELETE', `/api/v1/products/${product.id}/options/${optionId}`, {
      headers: api.admin.authHeader,
    });
    expect(removed.status).toBe(200);
    expectError(
      await call('DELETE', `/api/v1/products/${product.id}/options/${optionId}`, {
        headers: api.admin.authHeader,
      }),
      404,
      'PRODUCT_OPTION_NOT_FOUND',
    );
  });

  it('keeps one main image: the first becomes main, a new main clears the others', async () => {
    const product = await createProduct();
    const add = (body: object) =>
      call('POST', `/api/v1/products/${product.id}/images`, { headers: api.admin.authHeader, body });
    const first = await add({ url: 'https://cdn.example.com/1.jpg', sortOrder: 1 });
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({ isMain: true, sortOrder: 1 });
    const second = await add({ url: 'https://cdn.example.com/2.jpg', sortOrder: 2 });
    expect(second.body.data.isMain).toBe(false);
    // concurrent "main" images: still exactly one main afterwards
    const mains = await Promise.all(
      [3, 4, 5].map((n) => add({ url: `https://cdn.example.com/${n}.jpg`, isMain: true, sortOrder: n })),
    );
    expect(mains.every((r) => r.status === 201)).toBe(true);
    let detail = await call('GET', `/api/v1/products/${product.id}`);
    expect(detail.body.data.images).toHaveLength(5);
    expect(detail.body.data.images.filter((image: { isMain: boolean }) => image.isMain)).toHaveLength(1);
    const main = detail.body.data.images.find((image: { isMain: boolean }) => image.isMain);

    const list = await call('GET', `/api/v1/products?search=${encodeURIComponent(product.name)}`);
    expect(list.body.data[0].thumbnailUrl).toBe(main.url);

    // deleting the main image promotes the next by sort order
    expect(
      (
        await call('DELETE', `/api/v1/products/${product.id}/images/${main.id}`, {
          headers: api.admin.authHeader,
        })
      ).status,
    ).toBe(200);
    detail = await call('GET', `/api/v1/products/${product.id}`);
    expect(detail.body.data.images[0]).toMatchObject({ url: 'https://cdn.example.com/1.jpg', isMain: true });
    expectError(
      await call('DELETE', `/api/v1/products/${product.id}/images/${main.id}`, {
        headers: api.admin.authHeader,
      }),
      404,
      'PRODUCT_IMAGE_NOT_FOUND',
    );
    for (const url of ['javascript:alert(1)', 'ftp://x.example.com/a.jpg', 'not a url', '']) {
      expectError(await add({ url }), 400, 'VALIDATION_ERROR');
    }
    expectError(
      await call('DELETE', `/api/v1/products/${product.id}/images/nope`, { headers: api.admin.authHeader }),
      400,
      'VALIDATION_ERROR',
    );
  });
});

describe('GET /products (PROD-01)', () => {
  let listRoot: CategoryData;
  let listChild: CategoryData;
  const ids: Record<string, number> = {};
  const tag = uniqueName('zq').replace(' ', '');

  beforeAll(async () => {
    listRoot = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('ListRoot') });
    listChild = await createCategory(api.app, api.admin.authHeader, {
      name: uniqueName('ListChild'),
      parentId: listRoot.id,
    });
    const grandChild = await createCategory(api.app, api.admin.authHeader, {
      name: uniqueName('ListGrand'),
      parentId: listChild.id,
    });
    const seed = [
      { key: 'a', categoryId: listRoot.id, lowest: 30_000, rating: 4.5, reviews: 10, views: 100 },
      { key: 'b', categoryId: listChild.id, lowest: 10_000, rating: 3.0, reviews: 2, views: 1000 },
      { key: 'c', categoryId: grandChild.id, lowest: null, rating: 4.5, reviews: 20, views: 0 },
      { key: 'd', categoryId: listChild.id, lowest: 20_000, rating: 1.0, reviews: 1, views: 10 },
      { key: 'e', categoryId: other.id, lowest: 5_000, rating: 5.0, reviews: 3, views: 5 },
    ];
    let minute = 0;
    for (const item of seed) {
      const product = await createProduct({
        categoryId: item.categoryId,
        name: `${tag} item ${item.key}`,
        brand: item.key === 'd' ? '100%_Brand' : 'Plain',
      });
      ids[item.key] = product.id;
      minute += 1;
      await api.deps.database.db
        .update(products)
        .set({
          lowestPrice: item.lowest,
          sellerCount: item.lowest === null ? 0 : 1,
          averageRating: item.rating,
          reviewCount: item.reviews,
          viewCount: item.views,
          createdAt: new Date(Date.UTC(2024, 0, 1, 0, minute)),
        })
        .where(eq(products.id, product.id));
    }
    const hidden = await createProduct({ name: `${tag} hidden`, status: 'HIDDEN' });
    ids.hidden = hidden.id;
  });

  const list = async (query: string) => {
    const result = await call('GET', `/api/v1/products?search=${encodeURIComponent(tag)}&${query}`);
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    return result.body as { data: { id: number }[]; meta: Record<string, number> };
  };
  const keys = (body: { data: { id: number }[] }) =>
    body.data.map((item) => Object.keys(ids).find((key) => ids[key] === item.id));

  it('lists newest first by default with the summary shape and meta; HIDDEN is not listed', async () => {
    const body = await list('');
    expect(keys(body)).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(body.meta).toEqual({ page: 1, limit: 20, totalCount: 5, totalPages: 1, totalCountCapped: false });
    expect(body.data[0]).toEqual({
      id: ids.e,
      name: `${tag} item e`,
      brand: 'Plain',
      lowestPrice: 5000,
      sellerCount: 1,
      thumbnailUrl: null,
      reviewCount: 3,
      averageRating: 5,
      createdAt: '2024-01-01T00:05:00.000Z',
    });
  });

  it('sorts by each key; price sorts put products without offers last', async () => {
    expect(keys(await list('sort=newest'))).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(keys(await list('sort=price_asc'))).toEqual(['e', 'b', 'd', 'a', 'c']);
    expect(keys(await list('sort=price_desc'))).toEqual(['a', 'd', 'b', 'e', 'c']);
    // popularity = views*0.3 + reviews*0.5 + sales*0.2
    expect(keys(await list('sort=popularity'))).toEqual(['b', 'a', 'c', 'd', 'e']);
    const ratingDesc = keys(await list('sort=rating_desc'));
    expect(ratingDesc).toEqual(['e', 'c', 'a', 'b', 'd']);
    expect(keys(await list('sort=rating_asc'))).toEqual(['d', 'b', 'c', 'a', 'e']);
  });

  it('filters by category including descendants, price range, seller and search', async () => {
    expect(keys(await list(`categoryId=${listRoot.id}`)).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(keys(await list(`categoryId=${listChild.id}`)).sort()).toEqual(['b', 'c', 'd']);
    expect(keys(await list(`categoryId=${missingId}`))).toEqual([]);
    expect(keys(await list('minPrice=10000&maxPrice=20000')).sort()).toEqual(['b', 'd']);
    expect(keys(await list('minPrice=25000')).sort()).toEqual(['a']);
    expect(keys(await list('maxPrice=5000'))).toEqual(['e']);

    const seller = await createSeller(api.app, api.admin.authHeader);
    const offer = await call('POST', `/api/v1/products/${ids.a}/prices`, {
      headers: api.admin.authHeader,
      body: { sellerId: seller.id, price: 31_000, url: 'https://shop.example.com/a' },
    });
    expect(offer.status).toBe(201);
    const bySeller = await call('GET', `/api/v1/products?sellerId=${seller.id}`);
    expect(bySeller.body.data.map((item: { id: number }) => item.id)).toEqual([ids.a]);

    // case-insensitive on name and brand; % and _ are literal
    const upper = await call('GET', `/api/v1/products?search=${encodeURIComponent(tag.toUpperCase())}`);
    expect(upper.body.meta.totalCount).toBe(5);
    const literal = await call('GET', `/api/v1/products?search=${encodeURIComponent('100%_brand')}`);
    expect(literal.body.data.map((item: { id: number }) => item.id)).toEqual([ids.d]);
    const wildcard = await call('GET', `/api/v1/products?search=${encodeURIComponent('%')}`);
    expect(wildcard.body.data.map((item: { id: number }) => item.id)).toEqual([ids.d]);
  });

  it('pages with meta; limit > 100 and other bad queries are 400', async () => {
    const first = await list('limit=2&page=1');
    const second = await list('limit=2&page=2');
    const third = await list('limit=2&page=3');
    expect(first.meta).toEqual({ page: 1, limit: 2, totalCount: 5, totalPages: 3, totalCountCapped: false });
    expect([...keys(first), ...keys(second), ...keys(third)]).toEqual(['e', 'd', 'c', 'b', 'a']);
    for (const query of [
      'limit=101',
      'limit=0',
      'page=0',
      'sort=cheapest',
      'minPrice=-1',
      'minPrice=abc',
      'minPrice=30000&maxPrice=10000',
      'categoryId=abc',
      'sellerId=1.5',
      `search=${'x'.repeat(101)}`,
      'search=%00',
    ]) {
      expectError(await call('GET', `/api/v1/products?${query}`), 400, 'VALIDATION_ERROR');
    }
  });

  it('returns names and brands that JSON must escape exactly as they were written', async () => {
    const tag = uniqueName('esc');
    // (control characters are refused when written)
    const name = `${tag} "quoted" back\\slash </script> 한글 🚀 \u2028 ﬁ`;
    const brand = `'single' & <b>bold</b> {"json": [1]}`;
    const created = await createProduct({ name, brand });
    const result = await call('GET', `/api/v1/products?search=${encodeURIComponent(tag)}`);
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual([expect.objectContaining({ id: created.id, name, brand })]);
  });

  it('counts matches up to the cap and says when it stopped there', async () => {
    const broad = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Broad') });
    await api.deps.database.db.execute(sql`
      insert into products (category_id, name)
      select ${broad.id}, 'bulk ' || n from generate_series(1, ${LIST_COUNT_CAP + 5}) as n`);
    const result = await call('GET', `/api/v1/products?categoryId=${broad.id}&limit=100&page=2`);
    expect(result.status).toBe(200);
    expect(result.body.data).toHaveLength(100);
    expect(result.body.meta).toEqual({
      page: 2,
      limit: 100,
      totalCount: LIST_COUNT_CAP,
      totalPages: LIST_COUNT_CAP / 100,
      totalCountCapped: true,
    });
  });
});
