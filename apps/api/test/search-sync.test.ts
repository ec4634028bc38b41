// SRCH index sync (NFR 4.3, "search index synced on DB change, event based"): writes through the
// API record outbox rows in their transaction and wake worker-search, running as its own process,
// which brings OpenSearch in step within seconds. Real PostgreSQL, Redis and OpenSearch.
import { searchOutbox } from '@pbshop/db';
import { waitFor } from '@pbshop/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CategoryData,
  createCategory,
  createSeller,
  type SellerData,
  uniqueName,
} from './helpers/catalog.ts';
import { adminCall, indexedDocument, setupSearchSyncTest, waitForDocument } from './helpers/search-sync.ts';

let parent: CategoryData;
let category: CategoryData;
let seller: SellerData;

const api = setupSearchSyncTest();
const { write } = api;

beforeAll(async () => {
  parent = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('컴퓨터') });
  category = await createCategory(api.app, api.admin.authHeader, {
    name: uniqueName('노트북'),
    parentId: parent.id,
  });
  seller = await createSeller(api.app, api.admin.authHeader);
});

describe('the index follows API writes (worker-search as its own process)', () => {
  let productId: number;

  it('a created product is searchable within seconds', async () => {
    const created = await write<{ id: number }>('POST', '/api/v1/products', {
      categoryId: category.id,
      name: '갤럭시북4 프로 16인치',
      brand: '삼성',
      description: '가벼운 게이밍 노트북',
    });
    productId = created.id;
    const { document, ms } = await waitForDocument(
      api.ctx,
      productId,
      (doc) => doc !== null,
      'the new document',
    );
    expect(ms).toBeLessThan(5000);
    expect(document!._source).toMatchObject({
      productId,
      name: '갤럭시북4 프로 16인치',
      brand: '삼성',
      categoryId: category.id,
      categoryName: category.name,
      categoryPath: [parent.id, category.id],
      status: 'ON_SALE',
      lowestPrice: null,
      sellerIds: [],
      sellerCount: 0,
      rating: 0,
      suggest: ['갤럭시북4 프로 16인치', '삼성'],
    });
    // a real search on the alias finds it by a Korean word of its name
    const base = api.ctx.env.OPENSEARCH_URL!;
    await fetch(`${base}/${api.ctx.indexPrefix}-products/_refresh`, { method: 'POST' });
    const search = await fetch(`${base}/${api.ctx.indexPrefix}-products/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: { match: { description: '노트북' } } }),
    }).then((response) => response.json() as Promise<{ hits: { hits: { _id: string }[] } }>);
    expect(search.hits.hits.map((hit) => Number(hit._id))).toEqual([productId]);
  });

  it('an update, a price, spec values and an image each reach the document', async () => {
    const product = await adminCall<{ version: number }>(
      api.app,
      api.admin.authHeader,
      'GET',
      `/api/v1/products/${productId}`,
    );
    await write('PATCH', `/api/v1/products/${productId}`, {
      name: '갤럭시북4 울트라',
      version: product.version,
    });
    await waitForDocument(
      api.ctx,
      productId,
      (doc) => doc?._source.name === '갤럭시북4 울트라',
      'the renamed document',
    );

    await write('POST', `/api/v1/products/${productId}/prices`, {
      sellerId: seller.id,
      price: 2_190_000,
      url: 'https://shop.example.com/item/1',
    });
    const priced = await waitForDocument(
      api.ctx,
      productId,
      (doc) => doc?._source.lowestPrice === 2_190_000,
      'the priced document',
    );
    expect(priced.document!._source).toMatchObject({ sellerIds: [seller.id], sellerCount: 1 });

    const ram = await write<{ id: number }>('POST', '/api/v1/specs/definitions', {
      categoryId: category.id,
      key: 'ram',
      name: '메모리',
      type: 'NUMBER',
      unit: 'GB',
    });
    await write('PUT', `/api/v1/products/${productId}/specs`, { values: [{ key: 'ram', value: 32 }] });
    const specced = await waitForDocument(
      api.ctx,
      productId,
      (doc) => doc?._source.specsText === '메모리 32GB',
      'the document with its specs',
    );
    expect(specced.document!._source.specs).toEqual([
      { key: 'ram', name: '메모리', value: '32GB', numberValue: 32 },
    ]);
    // renaming the definition reindexes the products that have a value of it
    await write('PATCH', `/api/v1/specs/definitions/${ram.id}`, { name: 'RAM' });
    await waitForDocument(
      api.ctx,
      productId,
      (doc) => doc?._source.specsText === 'RAM 32GB',
      'the renamed spec',
    );

    await write('POST', `/api/v1/products/${productId}/images`, { url: 'https://img.example.com/a.jpg' });
    await waitForDocument(
      api.ctx,
      productId,
      (doc) => doc?._source.thumbnailUrl === 'https://img.example.com/a.jpg',
      'the thumbnail',
    );
  });

  it('purchase options reach the document, and a search by an option value finds the product', async () => {
    const optionsTextBecomes = (text: string, what: string) =>
      waitForDocument(api.ctx, productId, (doc) => doc?._source.optionsText === text, what);
    const option = await write<{ id: number }>('POST', `/api/v1/products/${productId}/options`, {
      name: '색상',
      values: ['미드나이트', 'Starlight'],
    });
    await optionsTextBecomes('색상 미드나이트 Starlight', 'the document with its option');
    await write('PATCH', `/api/v1/products/${productId}/options/${option.id}`, {
      values: ['Starlight', 'Sky Blue'],
    });
    await optionsTextBecomes('색상 Starlight Sky Blue', 'the changed option values');
    await fetch(`${api.ctx.env.OPENSEARCH_URL!}/${api.ctx.indexPrefix}-products/_refresh`, {
      method: 'POST',
    });
    const found = await adminCall<{ id: number }[]>(
      api.app,
      api.admin.authHeader,
      'GET',
      '/api/v1/search?q=starlight',
    );
    expect(found.map((hit) => hit.id)).toContain(productId);
    await write('DELETE', `/api/v1/products/${productId}/options/${option.id}`);
    await optionsTextBecomes('', 'the removed option');
  });

  it("views move the document's popularity in steps, through the outbox", async () => {
    const popularityRows = async () => {
      const [row] = await api.deps.database.sql<{ rows: number }[]>`
        select count(*)::int as rows from search_outbox
        where aggregate_id = ${productId} and payload->>'reason' = 'popularity'`;
      return row!.rows;
    };
    // earlier tests read the detail too: whatever the score is, 3 more views (× 0.3) leave its step
    await api.deps.productViews.flush();
    const [current] = await api.deps.database.sql<{ score: string }[]>`
      select popularity_score as score from products where id = ${productId}`;
    const score = Number(current!.score);
    expect(score).toBeLessThan(1);
    const rowsBefore = await popularityRows();
    // at once, so the three are counted within one of the timer's writes: read one after another on
    // a loaded machine they spanned two writes, and at this score each write moves a step (its row)
    const responses = await Promise.all(
      Array.from({ length: 3 }, () =>
        api.app.inject({ method: 'GET', url: `/api/v1/products/${productId}` }),
      ),
    );
    for (const response of responses) expect(response.statusCode).toBe(200);
    // written within a second by the API's own timer
    await waitForDocument(
      api.ctx,
      productId,
      (doc) => doc?._source.popularityScore === Math.round((score + 0.9) * 100) / 100,
      'the document with the viewed popularity',
    );
    expect(await popularityRows()).toBe(rowsBefore + 1);
  });

  it('a category rename or move reaches the documents of its whole subtree', async () => {
    await write('PATCH', `/api/v1/categories/${category.id}`, { name: '울트라북' });
    await waitForDocument(
      api.ctx,
      productId,
      (doc) => doc?._source.categoryName === '울트라북',
      'the new category name',
    );
    const other = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('가전') });
    await write('PATCH', `/api/v1/categories/${category.id}`, { parentId: other.id });
    await waitForDocument(
      api.ctx,
      productId,
      (doc) => JSON.stringify(doc?._source.categoryPath) === JSON.stringify([other.id, category.id]),
      'the new category path',
    );
  });

  it('an offer removed, then the product hidden and deleted: out of the index within seconds', async () => {
    const withSeller = await indexedDocument(api.ctx, productId);
    expect(withSeller?._source.sellerIds).toEqual([seller.id]);
    await write('DELETE', `/api/v1/sellers/${seller.id}`);
    await waitForDocument(
      api.ctx,
      productId,
      (doc) => Array.isArray(doc?._source.sellerIds) && (doc._source.sellerIds as unknown[]).length === 0,
      'the withdrawn seller',
    );
    const { version } = await adminCall<{ version: number }>(
      api.app,
      api.admin.authHeader,
      'GET',
      `/api/v1/products/${productId}`,
    );
    await write('PATCH', `/api/v1/products/${productId}`, { status: 'HIDDEN', version });
    await waitForDocument(api.ctx, productId, (doc) => doc === null, 'the hidden product to leave');
    const latest = await adminCall<{ version: number }>(
      api.app,
      api.admin.authHeader,
      'GET',
      `/api/v1/products/${productId}`,
    );
    await write('PATCH', `/api/v1/products/${productId}`, { status: 'ON_SALE', version: latest.version });
    await waitForDocument(api.ctx, productId, (doc) => doc !== null, 'the product shown again');

    await write('DELETE', `/api/v1/products/${productId}`);
    const { ms } = await waitForDocument(
      api.ctx,
      productId,
      (doc) => doc === null,
      'the deleted product to leave',
    );
    expect(ms).toBeLessThan(5000);
  });

  it('every outbox row is COMPLETED; the worker logged no error', async () => {
    const rows = await waitFor('the outbox to settle', async () => {
      const all = await api.deps.database.db.select().from(searchOutbox);
      return all.every((row) => row.status === 'COMPLETED') && all;
    });
    expect(rows.length).toBeGreaterThanOrEqual(10);
    expect(rows.every((row) => row.attemptCount === 1 && row.lastError === null)).toBe(true);
    expect(api.worker.logs.filter((line) => (line.level ?? 0) >= 50)).toEqual([]);
    expect(api.worker.logs.some((line) => line.msg === 'outbox batch synced')).toBe(true);
  });
});
