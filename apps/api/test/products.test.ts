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
      price: 0,
      discountPrice: null,
      viewCount: 0,
      thumbnailUrl: null,
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

describe("list and sale price, options and images on create (the storefront's POST /products)", () => {
  it('keeps the price, sale price and thumbnail the storefront sends; the thumbnail is the main image', async () => {
    const name = uniqueName('Zenbook');
    // ProductApiPage.tsx:156-165: name, description, price, stock, categoryId, status, plus
    // discountPrice and thumbnailUrl when set
    const created = await call('POST', '/api/v1/products', {
      headers: api.admin.authHeader,
      body: {
        name,
        description: '가볍고 오래가는 노트북',
        price: 1_190_000,
        discountPrice: 1_090_000,
        stock: 10,
        categoryId: root.id,
        status: 'ON_SALE',
        thumbnailUrl: 'https://img.example.com/zenbook.jpg',
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.data).toMatchObject({
      name,
      price: 1_190_000,
      discountPrice: 1_090_000,
      stock: 10,
      status: 'ON_SALE',
      thumbnailUrl: 'https://img.example.com/zenbook.jpg',
      images: [{ url: 'https://img.example.com/zenbook.jpg', isMain: true, sortOrder: 0 }],
      options: [],
    });
    const { id } = created.body.data;
    const detail = await call('GET', `/api/v1/products/${id}`);
    expect(detail.body.data).toMatchObject({ price: 1_190_000, discountPrice: 1_090_000, viewCount: 0 });
    const [row] = await api.deps.database.db.select().from(products).where(eq(products.id, id));
    expect({ price: row?.price, discountPrice: row?.discountPrice }).toEqual({
      price: 1_190_000,
      discountPrice: 1_090_000,
    });
    const list = await call('GET', `/api/v1/products?search=${encodeURIComponent(name)}`);
    expect(list.body.data[0]).toMatchObject({ id, thumbnailUrl: 'https://img.example.com/zenbook.jpg' });
    // the list's covering-index query does not carry the product's own price
    expect(list.body.data[0]).not.toHaveProperty('price');
  });

  it('takes options and images; the isMain image (else the first) is main, and thumbnailUrl then changes nothing', async () => {
    const created = await createProduct({
      price: 50_000,
      thumbnailUrl: 'https://img.example.com/ignored.jpg',
      options: [
        { name: 'Color', values: ['Black', 'White'] },
        { name: 'Size', values: ['S', 'M'] },
      ],
      images: [
        { url: 'https://img.example.com/side.jpg' },
        { url: 'https://img.example.com/front.jpg', isMain: true },
      ],
    });
    expect(created.options).toMatchObject([
      { name: 'Color', values: ['Black', 'White'], sortOrder: 0 },
      { name: 'Size', values: ['S', 'M'], sortOrder: 1 },
    ]);
    expect(created.images).toMatchObject([
      { url: 'https://img.example.com/front.jpg', isMain: true, sortOrder: 1 },
      { url: 'https://img.example.com/side.jpg', isMain: false, sortOrder: 0 },
    ]);
    expect(created.thumbnailUrl).toBe('https://img.example.com/front.jpg');
    const firstIsMain = await createProduct({
      images: [{ url: 'https://img.example.com/a.jpg' }, { url: 'https://img.example.com/b.jpg' }],
    });
    expect(firstIsMain.images.map((image: { isMain: boolean }) => image.isMain)).toEqual([true, false]);
    // an empty images list leaves the thumbnail to thumbnailUrl
    const emptyImages = await createProduct({ images: [], thumbnailUrl: 'https://img.example.com/t.jpg' });
    expect(emptyImages.images).toMatchObject([{ url: 'https://img.example.com/t.jpg', isMain: true }]);
    // no price sent: 0, no sale price
    const unpriced = await createProduct();
    expect({ price: unpriced.price, discountPrice: unpriced.discountPrice }).toEqual({
      price: 0,
      discountPrice: null,
    });
  });

  it('refuses bad prices, thumbnails, options and images with 400 VALIDATION_ERROR and creates nothing', async () => {
    const name = uniqueName('Refused');
    const base = { categoryId: root.id, name };
    const refused: [string, Record<string, unknown>][] = [
      ['a negative price', { price: -1 }],
      ['a fractional price', { price: 1.5 }],
      ['a price as text', { price: '1000' }],
      ['a null price', { price: null }],
      ['a price past 10 billion won', { price: 10_000_000_001 }],
      ['an unsafe integer price', { price: 2 ** 53 + 2 }],
      ['a price as an object', { price: { $gt: 0 } }],
      ['a discount above the price', { price: 1000, discountPrice: 1001 }],
      ['a discount without a price', { discountPrice: 500 }],
      ['a negative discount', { price: 1000, discountPrice: -1 }],
      ['a javascript: thumbnail', { thumbnailUrl: 'javascript:alert(1)' }],
      ['a data: thumbnail', { thumbnailUrl: 'data:image/png;base64,AAAA' }],
      ['a relative thumbnail', { thumbnailUrl: '/img/a.jpg' }],
      ['a huge thumbnail', { thumbnailUrl: `https://img.example.com/${'a'.repeat(3000)}.jpg` }],
      [
        'two main images',
        {
          images: [
            { url: 'https://a.example.com/1.jpg', isMain: true },
            { url: 'https://a.example.com/2.jpg', isMain: true },
          ],
        },
      ],
      [
        '21 images',
        { images: Array.from({ length: 21 }, (_, n) => ({ url: `https://a.example.com/${n}.jpg` })) },
      ],
      ['an image with a bad URL', { images: [{ url: 'ftp://a.example.com/1.jpg' }] }],
      ['images as an object', { images: { url: 'https://a.example.com/1.jpg' } }],
      ['51 options', { options: Array.from({ length: 51 }, (_, n) => ({ name: `o${n}`, values: [] })) }],
      ['an option without values', { options: [{ name: 'Color' }] }],
      ['an option with a NUL name', { options: [{ name: 'Co\u0000lor', values: [] }] }],
    ];
    for (const [label, fields] of refused) {
      const result = await call('POST', '/api/v1/products', {
        headers: api.admin.authHeader,
        body: { ...base, ...fields },
      });
      expect({ label, status: result.status, code: result.body.error?.code }).toEqual({
        label,
        status: 400,
        code: 'VALIDATION_ERROR',
      });
    }
    const discount = await call('POST', '/api/v1/products', {
      headers: api.admin.authHeader,
      body: { ...base, price: 1000, discountPrice: 1001 },
    });
    expect(discount.body.error.details).toEqual([
      expect.objectContaining({ field: 'body.discountPrice', message: expect.stringContaining('1000') }),
    ]);
    const [made] = await api.deps.database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(products)
      .where(eq(products.name, name));
    expect(made?.n).toBe(0);
  });

  it('holds discount ≤ price in the database too (products_price_check)', async () => {
    const product = await createProduct({ price: 1000 });
    for (const change of [
      sql`update products set discount_price = 1001 where id = ${product.id}`,
      sql`update products set price = -1 where id = ${product.id}`,
    ]) {
      await expect(api.deps.database.db.execute(change)).rejects.toMatchObject({
        cause: expect.objectContaining({ code: '23514' }),
      });
    }
  });
});

describe("PATCH /products/:id without version, prices and thumbnail (the storefront's updateProductAdmin)", () => {
  const patch = (id: number, body: unknown) =>
    call('PATCH', `/api/v1/products/${id}`, { headers: api.admin.authHeader, body });

  it('applies a body without version (last write wins) and still bumps the version', async () => {
    const product = await createProduct({ price: 1_190_000, stock: 10 });
    // ProductApiPage.tsx:216-220: a subset of name, price, stock
    const first = await patch(product.id, { name: 'Zenbook S', price: 1_090_000, stock: 7 });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.data).toMatchObject({ name: 'Zenbook S', price: 1_090_000, stock: 7, version: 2 });
    const second = await patch(product.id, { stock: 3 });
    expect(second.body.data).toMatchObject({ name: 'Zenbook S', stock: 3, version: 3 });
    // concurrent unversioned writes all apply, one after the other
    const all = await Promise.all([1, 2, 3, 4, 5].map((stock) => patch(product.id, { stock })));
    expect(all.map((result) => result.status)).toEqual([200, 200, 200, 200, 200]);
    const detail = await call('GET', `/api/v1/products/${product.id}`);
    expect(detail.body.data.version).toBe(8);
    // a versioned write still checks: the version the client read is stale now
    const stale = await patch(product.id, { version: 3, stock: 99 });
    expectError(stale, 409, 'CONFLICT');
    expect(stale.body.error.details).toMatchObject({ currentVersion: 8 });
    expect((await patch(product.id, { version: 8, stock: 99 })).body.data).toMatchObject({
      stock: 99,
      version: 9,
    });
  });

  it('changes the price and sale price; a sale price above the resulting price is refused whichever side moves', async () => {
    const product = await createProduct({ price: 100_000, discountPrice: 90_000 });
    // read once so the detail is cached: the write must reach it
    expect((await call('GET', `/api/v1/products/${product.id}`)).body.data.price).toBe(100_000);

    const lowered = await patch(product.id, { price: 80_000 });
    expectError(lowered, 400, 'VALIDATION_ERROR');
    expect(lowered.body.error.details).toEqual([
      expect.objectContaining({ field: 'body.price', message: expect.stringContaining('90000') }),
    ]);
    const raised = await patch(product.id, { discountPrice: 100_001 });
    expectError(raised, 400, 'VALIDATION_ERROR');
    expect(raised.body.error.details).toEqual([expect.objectContaining({ field: 'body.discountPrice' })]);
    expectError(await patch(product.id, { price: 10, discountPrice: 11 }), 400, 'VALIDATION_ERROR');
    // nothing changed, version included
    let detail = await call('GET', `/api/v1/products/${product.id}`);
    expect(detail.body.data).toMatchObject({ price: 100_000, discountPrice: 90_000, version: 1 });

    expect((await patch(product.id, { price: 80_000, discountPrice: 75_000 })).status).toBe(200);
    detail = await call('GET', `/api/v1/products/${product.id}`);
    expect(detail.body.data).toMatchObject({ price: 80_000, discountPrice: 75_000 });
    expect((await patch(product.id, { discountPrice: null })).body.data.discountPrice).toBeNull();
    expect((await patch(product.id, { price: 0 })).body.data).toMatchObject({
      price: 0,
      discountPrice: null,
    });

    for (const body of [
      {},
      { version: 5 },
      { price: -1 },
      { price: '80000' },
      { price: 1e11 },
      { discountPrice: 'cheap' },
      { version: 0, price: 1 },
      { version: '1', price: 1 },
      { version: 2 ** 31, price: 1 },
      { thumbnailUrl: 'javascript:alert(1)' },
      { thumbnailUrl: null },
      [],
    ]) {
      expectError(await patch(product.id, body), 400, 'VALIDATION_ERROR');
    }
    expectError(await patch(missingId, { price: 1 }), 404, 'PRODUCT_NOT_FOUND');
    expectError(
      await call('PATCH', `/api/v1/products/${product.id}`, {
        headers: api.user.authHeader,
        body: { price: 1 },
      }),
      403,
      'FORBIDDEN',
    );
  });

  it('makes thumbnailUrl the main image: an image with that URL is promoted, else one is added', async () => {
    const product = await createProduct({
      images: [{ url: 'https://img.example.com/1.jpg' }, { url: 'https://img.example.com/2.jpg' }],
    });
    const promoted = await patch(product.id, { thumbnailUrl: 'https://img.example.com/2.jpg' });
    expect(promoted.status).toBe(200);
    expect(promoted.body.data.images).toMatchObject([
      { url: 'https://img.example.com/2.jpg', isMain: true },
      { url: 'https://img.example.com/1.jpg', isMain: false },
    ]);
    const added = await patch(product.id, { thumbnailUrl: 'https://img.example.com/3.jpg' });
    expect(added.body.data.thumbnailUrl).toBe('https://img.example.com/3.jpg');
    expect(added.body.data.images).toHaveLength(3);
    // the same again adds nothing
    const again = await patch(product.id, { thumbnailUrl: 'https://img.example.com/3.jpg' });
    expect(again.body.data.images).toHaveLength(3);
    expect(again.body.data.images.filter((image: { isMain: boolean }) => image.isMain)).toHaveLength(1);
    const list = await call('GET', `/api/v1/products?search=${encodeURIComponent(product.name)}`);
    expect(list.body.data[0].thumbnailUrl).toBe('https://img.example.com/3.jpg');
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
    // the detail shows the count once its cached body is replaced (here by a write)
    await call('PATCH', `/api/v1/products/${product.id}`, {
      headers: api.admin.authHeader,
      body: { stock: 1 },
    });
    expect((await call('GET', `/api/v1/products/${product.id}`)).body.data.viewCount).toBe(5);
  });

  it("answers every field the storefront's ProductDetail reads, with its types", async () => {
    const product = await createProduct({ price: 25_000, stock: 4 });
    await api.deps.database.db
      .update(products)
      .set({ averageRating: 4.25, reviewCount: 12 })
      .where(eq(products.id, product.id));
    const { body } = await call('GET', `/api/v1/products/${product.id}`);
    const data = body.data;
    for (const field of ['price', 'stock', 'viewCount', 'reviewCount', 'averageRating']) {
      expect(typeof data[field], field).toBe('number');
    }
    expect(data).toMatchObject({
      price: 25_000,
      discountPrice: null,
      stock: 4,
      status: 'ON_SALE',
      category: { id: root.id, name: root.name },
      options: [],
      images: [],
      reviewCount: 12,
      averageRating: 4.25,
    });
    expect(typeof data.description).toBe('string');
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

  it('answers reviewCount and averageRating as JSON numbers on every item, never null or text', async () => {
    await api.deps.database.db.update(products).set({ averageRating: 3.75 }).where(eq(products.id, ids.b!));
    const body = (await call('GET', `/api/v1/products?search=${encodeURIComponent(tag)}&sort=popularity`))
      .body as { data: { id: number; reviewCount: unknown; averageRating: unknown }[] };
    expect(body.data).toHaveLength(5);
    for (const item of body.data) {
      expect(typeof item.reviewCount).toBe('number');
      expect(typeof item.averageRating).toBe('number');
      expect(Number.isInteger(item.reviewCount)).toBe(true);
    }
    expect(body.data.find((item) => item.id === ids.b)?.averageRating).toBe(3.75);
    // a product nobody reviewed answers 0 and 0
    const fresh = await createProduct({ name: `${tag} fresh` });
    const again = (await call('GET', `/api/v1/products?search=${encodeURIComponent(`${tag} fresh`)}`)).body;
    expect(again.data).toEqual([expect.objectContaining({ id: fresh.id, reviewCount: 0, averageRating: 0 })]);
    await call('DELETE', `/api/v1/products/${fresh.id}`, { headers: api.admin.authHeader });
    await api.deps.database.db.update(products).set({ averageRating: 3.0 }).where(eq(products.id, ids.b!));
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
