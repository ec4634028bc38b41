// NEWS-01..05: tabs with unique slugs, articles with related products (which must exist) read
// through the catalog, list by tab with a derived summary, detail with its view count, admin CRUD
// (audited). Against real PostgreSQL.
import { adminAuditLog, newsArticleProducts, newsArticles, newsCategories } from '@pbshop/db';
import { count, eq, like } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { type CategoryData, createCategory, uniqueName } from './helpers/catalog.ts';
import { expectError, missingId } from './helpers/http.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, user: {} } });
const { call } = api;
const asAdmin = () => ({ headers: api.admin.authHeader });
let category: CategoryData;

beforeAll(async () => {
  category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('News') });
});

async function newProduct(thumbnail?: string) {
  const created = await call('POST', '/api/v1/products', {
    ...asAdmin(),
    body: { categoryId: category.id, name: uniqueName('GPU') },
  });
  expect(created.status).toBe(201);
  const product = created.body.data as { id: number; name: string };
  if (thumbnail) {
    await call('POST', `/api/v1/products/${product.id}/images`, {
      ...asAdmin(),
      body: { url: thumbnail, isMain: true },
    });
  }
  return product;
}

async function newTab(slug: string, name = slug) {
  const created = await call('POST', '/api/v1/news/categories', { ...asAdmin(), body: { name, slug } });
  expect(created.status).toBe(201);
  return created.body.data as { id: number; name: string; slug: string };
}

const tableCounts = async () => {
  const db = api.deps.database.db;
  const [[articles], [links], [tabs]] = await Promise.all([
    db.select({ value: count() }).from(newsArticles),
    db.select({ value: count() }).from(newsArticleProducts),
    db.select({ value: count() }).from(newsCategories),
  ]);
  return { articles: articles!.value, links: links!.value, tabs: tabs!.value };
};

describe('news tabs (NEWS-01)', () => {
  it('adds tabs with a unique slug (409 DUPLICATE_SLUG), lists them, deletes one leaving its articles', async () => {
    const tab = await newTab('hardware', '하드웨어');
    expectError(
      await call('POST', '/api/v1/news/categories', {
        ...asAdmin(),
        body: { name: '다른 이름', slug: 'hardware' },
      }),
      409,
      'DUPLICATE_SLUG',
    );
    const tabs = await call('GET', '/api/v1/news/categories');
    expect(tabs.body.data).toEqual([
      expect.objectContaining({ id: tab.id, name: '하드웨어', slug: 'hardware' }),
    ]);

    const article = await call('POST', '/api/v1/news', {
      ...asAdmin(),
      body: { title: '탭 삭제', content: '본문', categoryId: tab.id, productIds: [] },
    });
    const removed = await call('DELETE', `/api/v1/news/categories/${tab.id}`, asAdmin());
    expect(removed.body.data).toEqual({ success: true, message: expect.any(String) });
    expectError(
      await call('DELETE', `/api/v1/news/categories/${tab.id}`, asAdmin()),
      404,
      'NEWS_CATEGORY_NOT_FOUND',
    );
    const orphan = await call('GET', `/api/v1/news/${article.body.data.id}`);
    expect(orphan.body.data).toMatchObject({ categoryId: null, category: null });
  });

  it('refuses bad slugs and names with 400, writing nothing', async () => {
    const before = await tableCounts();
    for (const body of [
      { name: '대문자', slug: 'Upper' },
      { name: '공백', slug: 'two words' },
      { name: '하이픈', slug: '-edge-' },
      { name: '', slug: 'empty-name' },
      { name: 'x', slug: 'a'.repeat(51) },
      { name: 'x' },
    ]) {
      expectError(
        await call('POST', '/api/v1/news/categories', { ...asAdmin(), body }),
        400,
        'VALIDATION_ERROR',
      );
    }
    expect(await tableCounts()).toEqual(before);
  });
});

describe('news articles (NEWS-02..05)', () => {
  it('creates with related products from the catalog, lists by tab with a derived summary, counts views', async () => {
    const tab = await newTab('reviews');
    const other = await newTab('events');
    const gpu = await newProduct('https://img.example.com/gpu.jpg');
    const cpu = await newProduct();
    const long = `<p>${'그래픽카드 가격이 내려갔습니다. '.repeat(20)}</p>`;
    const created = await call('POST', '/api/v1/news', {
      ...asAdmin(),
      body: {
        title: '그래픽카드 가격 하락',
        content: long,
        categoryId: tab.id,
        thumbnailUrl: 'https://img.example.com/news.jpg',
        productIds: [cpu.id, gpu.id],
      },
    });
    expect(created.status).toBe(201);
    const article = created.body.data;
    expect(article).toMatchObject({
      title: '그래픽카드 가격 하락',
      category: { id: tab.id, name: 'reviews', slug: 'reviews' },
      viewCount: 0,
      relatedProducts: [
        { id: cpu.id, name: cpu.name, thumbnailUrl: null, lowestPrice: null },
        { id: gpu.id, name: gpu.name, thumbnailUrl: 'https://img.example.com/gpu.jpg', lowestPrice: null },
      ],
    });
    expect(article.summary).toMatch(/^그래픽카드 가격이 내려갔습니다\./);
    expect(article.summary).not.toContain('<p>');
    expect([...article.summary].length).toBeLessThanOrEqual(160);

    const inOther = await call('POST', '/api/v1/news', {
      ...asAdmin(),
      body: { title: '이벤트', content: '본문', summary: '직접 쓴 요약', categoryId: other.id },
    });
    expect(inOther.body.data.summary).toBe('직접 쓴 요약');

    const bySlug = await call('GET', '/api/v1/news?category=reviews&page=1&limit=10');
    expect(bySlug.body.data).toEqual([
      expect.objectContaining({
        id: article.id,
        title: article.title,
        summary: article.summary,
        category: 'reviews',
      }),
    ]);
    const byId = await call('GET', `/api/v1/news?category=${other.id}`);
    expect(byId.body.data.map((item: { id: number }) => item.id)).toEqual([inOther.body.data.id]);
    expect((await call('GET', '/api/v1/news?category=nothing-here')).body.data).toEqual([]);
    const all = await call('GET', '/api/v1/news?page=1&limit=1');
    expect(all.body.data.map((item: { id: number }) => item.id)).toEqual([inOther.body.data.id]);
    expect(all.body.meta.totalCount).toBeGreaterThanOrEqual(2);

    expect((await call('GET', `/api/v1/news/${article.id}`)).body.data.viewCount).toBe(1);
    expect((await call('GET', `/api/v1/news/${article.id}`)).body.data.viewCount).toBe(2);

    // a product deleted since leaves the related list
    await call('DELETE', `/api/v1/products/${cpu.id}`, asAdmin());
    const after = await call('GET', `/api/v1/news/${article.id}`);
    expect(after.body.data.relatedProducts.map((product: { id: number }) => product.id)).toEqual([gpu.id]);
  });

  it('refuses related products that do not exist and unknown tabs, writing nothing', async () => {
    const gpu = await newProduct();
    const before = await tableCounts();
    expectError(
      await call('POST', '/api/v1/news', {
        ...asAdmin(),
        body: { title: 't', content: 'c', productIds: [gpu.id, missingId] },
      }),
      404,
      'PRODUCT_NOT_FOUND',
    );
    expectError(
      await call('POST', '/api/v1/news', {
        ...asAdmin(),
        body: { title: 't', content: 'c', categoryId: missingId },
      }),
      404,
      'NEWS_CATEGORY_NOT_FOUND',
    );
    for (const body of [
      { title: 't', content: 'c', productIds: [gpu.id, gpu.id] },
      { title: 't', content: 'c', productIds: ['1'] },
      { title: 't', content: 'c', thumbnailUrl: 'javascript:alert(1)' },
      { title: '', content: 'c' },
      { title: 't', content: '<script>alert(1)</script>' },
      { title: 't', content: 'c', productIds: Array.from({ length: 21 }, (_, index) => index + 1) },
    ]) {
      expectError(await call('POST', '/api/v1/news', { ...asAdmin(), body }), 400, 'VALIDATION_ERROR');
    }
    expect(await tableCounts()).toEqual(before);
  });

  it('updates (productIds replaces the related products), deletes with { success, message }, audited', async () => {
    const first = await newProduct();
    const second = await newProduct();
    const created = await call('POST', '/api/v1/news', {
      ...asAdmin(),
      body: { title: '원래 제목', content: '<p>원래 본문</p>', productIds: [first.id] },
    });
    const id = created.body.data.id as number;
    const updated = await call('PATCH', `/api/v1/news/${id}`, {
      ...asAdmin(),
      body: { title: '바뀐 제목', content: '<p>바뀐 본문</p>', productIds: [second.id, first.id] },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject({
      title: '바뀐 제목',
      summary: '바뀐 본문',
      relatedProducts: [{ id: second.id }, { id: first.id }],
    });
    expectError(
      await call('PATCH', `/api/v1/news/${id}`, { ...asAdmin(), body: { productIds: [missingId] } }),
      404,
      'PRODUCT_NOT_FOUND',
    );
    const untouched = await call('PATCH', `/api/v1/news/${id}`, { ...asAdmin(), body: {} });
    expect(untouched.body.data.relatedProducts).toHaveLength(2);
    expectError(
      await call('PATCH', `/api/v1/news/${missingId}`, { ...asAdmin(), body: { title: 'x' } }),
      404,
      'NEWS_NOT_FOUND',
    );

    const removed = await call('DELETE', `/api/v1/news/${id}`, asAdmin());
    expect(removed.body.data).toEqual({ success: true, message: expect.any(String) });
    expectError(await call('GET', `/api/v1/news/${id}`), 404, 'NEWS_NOT_FOUND');
    expectError(await call('DELETE', `/api/v1/news/${id}`, asAdmin()), 404, 'NEWS_NOT_FOUND');
    const trail = await api.deps.database.db
      .select({ action: adminAuditLog.action })
      .from(adminAuditLog)
      .where(eq(adminAuditLog.target, `news/${id}`));
    expect(trail.map((row) => row.action).sort()).toEqual([
      'news.delete',
      'news.delete',
      'news.update',
      'news.update',
      'news.update',
    ]);
    expectError(
      await call('POST', '/api/v1/news', {
        headers: api.user.authHeader,
        body: { title: 't', content: 'c' },
      }),
      403,
      'FORBIDDEN',
    );
    const [created2] = await api.deps.database.db
      .select({ value: count() })
      .from(adminAuditLog)
      .where(like(adminAuditLog.action, 'news.create'));
    expect(created2!.value).toBeGreaterThan(0);
  });

  it('returns XSS payloads harmless', async () => {
    const created = await call('POST', '/api/v1/news', {
      ...asAdmin(),
      body: {
        title: '보안',
        content:
          '<p onmouseover="x()">본문<script>alert(1)</script></p><a href="javascript:alert(2)">a</a><svg onload="alert(3)"></svg><img src="https://img.example.com/a.png" onerror="alert(4)">',
        summary: '<img src=x onerror=alert(5)>요약',
      },
    });
    const read = await call('GET', `/api/v1/news/${created.body.data.id}`);
    for (const text of [read.body.data.content, read.body.data.summary]) {
      expect(text).not.toMatch(/<script|onmouseover|onerror|onload|javascript:|<svg/i);
    }
    expect(read.body.data.content).toContain('<p>본문</p>');
    expect(read.body.data.content).toContain('<img src="https://img.example.com/a.png" />');
    expect(read.body.data.summary).toBe('요약');
  });
});
