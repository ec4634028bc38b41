// The product read model (CQRS query side, NFR 4.9): `/query/products` reads `product_query_view`,
// which worker-search (its own process here) refreshes from the search outbox's changes; the admin
// projects one product or rebuilds the whole view. Real PostgreSQL, Redis and OpenSearch.
// Rows written straight into `products` below carry no outbox row: only a sync or a rebuild can
// bring them into the view, so those tests cannot pass by the worker's doing.
import { adminAuditLog, productQueryView, products } from '@pbshop/db';
import * as schema from '@pbshop/db/schema';
import { waitFor } from '@pbshop/testing';
import { and, desc, eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { productQueryListQuery } from '../src/modules/catalog/query/schemas.ts';
import { productQueryService } from '../src/modules/catalog/query/service.ts';
import {
  type CategoryData,
  createCategory,
  createSeller,
  type SellerData,
  uniqueName,
} from './helpers/catalog.ts';
import { expectError, missingId } from './helpers/http.ts';
import { setupSearchSyncTest } from './helpers/search-sync.ts';

const api = setupSearchSyncTest();
const { write } = api;

type Item = {
  productId: number;
  categoryId: number;
  name: string;
  thumbnailUrl: string | null;
  status: string;
  basePrice: number | null;
  lowestPrice: number | null;
  sellerCount: number;
  averageRating: number;
  reviewCount: number;
  viewCount: number;
  popularityScore: number;
  syncedAt: string | null;
  updatedAt: string;
};
type ViewRow = typeof productQueryView.$inferSelect;
type ListAnswer = {
  status: number;
  body: {
    data: {
      items: Item[];
      meta: {
        totalItems: number;
        itemCount: number;
        itemsPerPage: number;
        totalPages: number;
        currentPage: number;
        totalItemsCapped: boolean;
      };
    };
    meta: { page: number; limit: number; totalCount: number; totalPages: number; totalCountCapped: boolean };
  };
};

let seller: SellerData;
let parent: CategoryData;
let child: CategoryData;
let other: CategoryData;

const db = () => api.deps.database.db;

async function viewRow(productId: number): Promise<ViewRow | undefined> {
  const [row] = await db().select().from(productQueryView).where(eq(productQueryView.productId, productId));
  return row;
}

/** Waits until the product's view row satisfies `accept` (undefined: no row); the worker writes it. */
function waitForRow(productId: number, accept: (row: ViewRow | undefined) => boolean, what: string) {
  return waitFor(
    what,
    async () => {
      const row = await viewRow(productId);
      return accept(row) ? { row } : undefined;
    },
    15_000,
    50,
  ).then((found) => found.row);
}

function list(query: Record<string, string | number>): Promise<ListAnswer> {
  const search = new URLSearchParams(
    Object.entries(query).map(([key, value]): [string, string] => [key, String(value)]),
  );
  return api.call('GET', `/api/v1/query/products?${search}`) as Promise<ListAnswer>;
}

const idsOf = (answer: ListAnswer) => answer.body.data.items.map((item) => item.productId);

interface ProductFields {
  categoryId: number;
  name: string;
  lowestPrice?: number | null;
  price?: number;
  averageRating?: number;
  reviewCount?: number;
  viewCount?: number;
  status?: 'ON_SALE' | 'SOLD_OUT' | 'DISCONTINUED' | 'HIDDEN';
  createdAt?: Date;
}

/** A product written straight into the catalog table (no outbox row): the view does not know it. */
async function insertProduct(fields: ProductFields): Promise<number> {
  const [row] = await db()
    .insert(products)
    .values({
      categoryId: fields.categoryId,
      name: fields.name,
      lowestPrice: fields.lowestPrice ?? null,
      sellerCount: fields.lowestPrice == null ? 0 : 1,
      price: fields.price ?? 0,
      averageRating: fields.averageRating ?? 0,
      reviewCount: fields.reviewCount ?? 0,
      viewCount: fields.viewCount ?? 0,
      status: fields.status ?? 'ON_SALE',
      createdAt: fields.createdAt ?? new Date(),
    })
    .returning({ id: products.id });
  return row!.id;
}

/** Soft-deletes a product without an outbox row (as if its change had not been drained yet). */
const softDelete = (id: number) =>
  db().update(products).set({ deletedAt: new Date() }).where(eq(products.id, id));

beforeAll(async () => {
  seller = await createSeller(api.app, api.admin.authHeader);
  parent = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('가전') });
  child = await createCategory(api.app, api.admin.authHeader, {
    name: uniqueName('노트북'),
    parentId: parent.id,
  });
  other = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('식품') });
});

describe('the view follows catalog changes through the outbox (worker-search as its own process)', () => {
  let productId: number;
  let offerId: number;

  it('a created product gets its row from the worker, with syncedAt and its fields', async () => {
    const before = Date.now();
    const created = await write<{ id: number }>('POST', '/api/v1/products', {
      categoryId: child.id,
      name: '그램 프로 16',
      price: 2_100_000,
      thumbnailUrl: 'https://img.example.com/gram-front.jpg',
    });
    productId = created.id;
    const row = await waitForRow(productId, (found) => found !== undefined, 'the new product row');
    expect(row).toMatchObject({
      categoryId: child.id,
      name: '그램 프로 16',
      thumbnailUrl: 'https://img.example.com/gram-front.jpg',
      status: 'ON_SALE',
      basePrice: 2_100_000,
      lowestPrice: null,
      sellerCount: 0,
    });
    expect(row!.syncedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  it('a price written through the prices module reaches the row (lowest price, seller count)', async () => {
    const first = await viewRow(productId);
    const offer = await write<{ id: number }>('POST', `/api/v1/products/${productId}/prices`, {
      sellerId: seller.id,
      price: 1_990_000,
      url: 'https://shop.example.com/gram-16',
    });
    offerId = offer.id;
    const priced = await waitForRow(productId, (row) => row?.lowestPrice === 1_990_000, 'the priced row');
    expect(priced).toMatchObject({ sellerCount: 1 });
    expect(priced!.syncedAt!.getTime()).toBeGreaterThan(first!.syncedAt!.getTime());
    expect(priced!.updatedAt.getTime()).toBeGreaterThan(first!.updatedAt.getTime());

    await write('PATCH', `/api/v1/prices/${offerId}`, { price: 1_849_000 });
    await waitForRow(productId, (row) => row?.lowestPrice === 1_849_000, 'the lowered price');
    const listed = await list({ keyword: '그램 프로 16', categoryId: parent.id });
    expect(listed.body.data.items).toEqual([
      expect.objectContaining({ productId, lowestPrice: 1_849_000, sellerCount: 1 }),
    ]);
  });

  it('a rename, a new main image and views reach the row', async () => {
    await write('PATCH', `/api/v1/products/${productId}`, { name: '그램 프로 16 2025' });
    await write('POST', `/api/v1/products/${productId}/images`, {
      url: 'https://img.example.com/gram-side.jpg',
      isMain: true,
    });
    await waitForRow(
      productId,
      (row) =>
        row?.name === '그램 프로 16 2025' && row.thumbnailUrl === 'https://img.example.com/gram-side.jpg',
      'the renamed row with its new main image',
    );
    // a product's first views move its popularity into another step: the counter records a change
    expect((await api.call('GET', `/api/v1/products/${productId}`)).status).toBe(200);
    await api.deps.productViews.flush();
    const viewed = await waitForRow(productId, (row) => row?.viewCount === 1, 'the viewed row');
    expect(viewed!.popularityScore).toBeCloseTo(0.3);
  });

  it('a hidden product keeps its row (status HIDDEN) and leaves the list; a deleted one loses its row', async () => {
    await write('PATCH', `/api/v1/products/${productId}`, { status: 'HIDDEN' });
    await waitForRow(productId, (row) => row?.status === 'HIDDEN', 'the hidden row');
    expect(idsOf(await list({ categoryId: parent.id, limit: 100 }))).not.toContain(productId);
    const detail = await api.call('GET', `/api/v1/query/products/${productId}`);
    expect(detail.body.data).toMatchObject({ productId, status: 'HIDDEN' });

    await write('DELETE', `/api/v1/products/${productId}`);
    await waitForRow(productId, (row) => row === undefined, 'the row of the deleted product gone');
    expectError(await api.call('GET', `/api/v1/query/products/${productId}`), 404, 'PRODUCT_NOT_FOUND');
  });
});

describe('GET /query/products', () => {
  // in `parent` (with `child` below it): a, b, c, e listed; d hidden. f is in another category.
  const token = `qv${Date.now().toString(36)}`;
  const ids: Record<'a' | 'b' | 'c' | 'd' | 'e' | 'f', number> = { a: 0, b: 0, c: 0, d: 0, e: 0, f: 0 };

  beforeAll(async () => {
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
    ids.a = await insertProduct({
      categoryId: child.id,
      name: `${token} Alpha 노트북`,
      lowestPrice: 1000,
      averageRating: 4.5,
      viewCount: 10,
      createdAt: at(50),
    });
    ids.b = await insertProduct({
      categoryId: parent.id,
      name: `${token} Bravo 모니터`,
      lowestPrice: 3000,
      averageRating: 3,
      viewCount: 100,
      createdAt: at(40),
    });
    ids.c = await insertProduct({
      categoryId: child.id,
      name: `${token} Charlie 100% 면`,
      lowestPrice: null,
      averageRating: 5,
      createdAt: at(30),
    });
    ids.d = await insertProduct({
      categoryId: parent.id,
      name: `${token} Delta 숨김`,
      lowestPrice: 2000,
      averageRating: 4,
      viewCount: 50,
      status: 'HIDDEN',
      createdAt: at(20),
    });
    ids.e = await insertProduct({
      categoryId: child.id,
      name: `${token} Echo_노트북`,
      lowestPrice: 500,
      viewCount: 5,
      createdAt: at(10),
    });
    ids.f = await insertProduct({ categoryId: other.id, name: `${token} Foxtrot 커피`, lowestPrice: 1500 });
    await write('POST', '/api/v1/admin/query/products/rebuild');
  });

  it('sorts NEWEST (the default), PRICE_ASC and PRICE_DESC with unpriced products last, POPULARITY and RATING', async () => {
    const { a, b, c, e } = ids;
    const inParent = { categoryId: parent.id, keyword: token };
    expect(idsOf(await list(inParent))).toEqual([e, c, b, a]);
    expect(idsOf(await list({ ...inParent, sort: 'NEWEST' }))).toEqual([e, c, b, a]);
    expect(idsOf(await list({ ...inParent, sort: 'PRICE_ASC' }))).toEqual([e, a, b, c]);
    expect(idsOf(await list({ ...inParent, sort: 'PRICE_DESC' }))).toEqual([b, a, e, c]);
    expect(idsOf(await list({ ...inParent, sort: 'POPULARITY' }))).toEqual([b, a, e, c]);
    expect(idsOf(await list({ ...inParent, sort: 'RATING' }))).toEqual([c, a, b, e]);
  });

  it('filters: a category with its descendants, the name by part in any case, a price range', async () => {
    const { a, b, c, e, f } = ids;
    expect(idsOf(await list({ categoryId: child.id, keyword: token }))).toEqual([e, c, a]);
    expect(idsOf(await list({ keyword: token }))).toEqual([f, e, c, b, a]);
    expect(idsOf(await list({ keyword: `${token} aLPHA` }))).toEqual([a]);
    // LIKE's wildcards are plain characters in a keyword
    expect(idsOf(await list({ keyword: `${token} Charlie 100%` }))).toEqual([c]);
    expect(idsOf(await list({ keyword: '100%' }))).toEqual([c]);
    expect(idsOf(await list({ keyword: `${token} Echo_` }))).toEqual([e]);
    expect(idsOf(await list({ keyword: `${token} Alpha_` }))).toEqual([]);
    expect(idsOf(await list({ keyword: token, minPrice: 900, maxPrice: 2500, sort: 'PRICE_ASC' }))).toEqual([
      a,
      f,
    ]);
    expect(idsOf(await list({ keyword: token, minPrice: 1000, sort: 'PRICE_DESC' }))).toEqual([b, f, a]);
    expect(idsOf(await list({ keyword: token, maxPrice: 500 }))).toEqual([e]);
    // an unknown category lists nothing, as GET /products does
    expect(idsOf(await list({ categoryId: missingId }))).toEqual([]);
  });

  it('pages inside data ({ items, meta }) and in the top-level meta', async () => {
    const { a, b, c, e } = ids;
    const query = { categoryId: parent.id, keyword: token, limit: 3 };
    const first = await list({ ...query, page: 1 });
    expect(first.status).toBe(200);
    expect(idsOf(first)).toEqual([e, c, b]);
    expect(first.body.data.meta).toEqual({
      totalItems: 4,
      itemCount: 3,
      itemsPerPage: 3,
      totalPages: 2,
      currentPage: 1,
      totalItemsCapped: false,
    });
    expect(first.body.meta).toEqual({
      page: 1,
      limit: 3,
      totalCount: 4,
      totalPages: 2,
      totalCountCapped: false,
    });
    const second = await list({ ...query, page: 2 });
    expect(idsOf(second)).toEqual([a]);
    expect(second.body.data.meta).toMatchObject({ itemCount: 1, currentPage: 2, totalItems: 4 });
    const beyond = await list({ ...query, page: 3 });
    expect(beyond.body.data).toEqual({
      items: [],
      meta: expect.objectContaining({ itemCount: 0, currentPage: 3, totalItems: 4 }),
    });
    // PRICE_DESC's pages run from the priced rows into the unpriced ones
    expect(idsOf(await list({ ...query, limit: 2, page: 2, sort: 'PRICE_DESC' }))).toEqual([e, c]);
    expect(idsOf(await list({ ...query, limit: 1, page: 4, sort: 'PRICE_DESC' }))).toEqual([c]);
  });

  it('answers every field of ProductQueryViewItem', async () => {
    const [item] = (await list({ keyword: `${token} Alpha` })).body.data.items;
    expect(item).toEqual({
      productId: ids.a,
      categoryId: child.id,
      name: `${token} Alpha 노트북`,
      thumbnailUrl: null,
      status: 'ON_SALE',
      basePrice: null,
      lowestPrice: 1000,
      sellerCount: 1,
      averageRating: 4.5,
      reviewCount: 0,
      viewCount: 10,
      popularityScore: 3,
      syncedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('counts up to 1,000 matches and says when it stopped', async () => {
    const category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('대량') });
    await db().execute(sql`
      insert into products (category_id, name, lowest_price, seller_count)
      select ${category.id}, 'bulk ' || n, 1000 + n, 1 from generate_series(1, 1001) as n`);
    const { syncedCount } = await write<{ syncedCount: number }>(
      'POST',
      '/api/v1/admin/query/products/rebuild',
    );
    expect(syncedCount).toBeGreaterThan(1001);
    const answer = await list({ categoryId: category.id, limit: 100, page: 11, sort: 'PRICE_ASC' });
    expect(answer.body.data.meta).toEqual({
      totalItems: 1000,
      itemCount: 1,
      itemsPerPage: 100,
      totalPages: 10,
      currentPage: 11,
      totalItemsCapped: true,
    });
    expect(answer.body.data.items.map((item) => item.lowestPrice)).toEqual([2001]);
  });

  it("reads each sort's page in its index's order: no sort of the table's rows", async () => {
    const captured: { query: string; parameters: unknown[] }[] = [];
    const traced = drizzle(api.deps.database.sql, {
      schema,
      casing: 'snake_case',
      logger: { logQuery: (query, parameters) => captured.push({ query, parameters }) },
    });
    const service = productQueryService({ db: traced, reads: traced, categorySubtreeIds: async () => [] });
    const planOf = async (sort: string) => {
      captured.length = 0;
      await service.list(productQueryListQuery.parse({ sort, page: '2' }));
      const page = captured.find((entry) => /order by/i.test(entry.query))!;
      // the table is small here: without scans of the whole table, the planner shows whether an
      // index gives the order or a sort must
      const plan = await api.deps.database.sql.begin(async (tx) => {
        await tx`set local enable_seqscan = off`;
        await tx`set local enable_bitmapscan = off`;
        return tx.unsafe(`explain ${page.query}`, page.parameters as never[]);
      });
      return plan.map((row) => row['QUERY PLAN'] as string).join('\n');
    };
    for (const [sort, index] of [
      ['NEWEST', 'product_query_view_created_idx'],
      ['PRICE_ASC', 'product_query_view_price_idx'],
      ['POPULARITY', 'product_query_view_popularity_idx'],
      ['RATING', 'product_query_view_rating_idx'],
    ]) {
      const plan = await planOf(sort!);
      expect(plan, sort).toContain(`Index Scan using ${index}`);
      expect(plan, sort).not.toContain('Sort');
    }
    // priced rows, then unpriced ones: two backward scans of the price index, only their pages sorted
    const priceDesc = await planOf('PRICE_DESC');
    expect(priceDesc.match(/Index Scan Backward using product_query_view_price_idx/g)).toHaveLength(2);
    expect(priceDesc).toMatch(/Sort Key: "\*SELECT\* 1"\.part/);
  });

  it('refuses bad queries with 400 VALIDATION_ERROR', async () => {
    const bad: Record<string, string>[] = [
      { sort: 'newest' },
      { sort: 'price_asc' },
      { sort: 'CHEAPEST' },
      { sort: '' },
      { categoryId: 'abc' },
      { categoryId: '0' },
      { categoryId: '-1' },
      { categoryId: '1e3' },
      { categoryId: '99999999999999999999' },
      { minPrice: '-1' },
      { maxPrice: '1.5' },
      { minPrice: '3000', maxPrice: '1000' },
      { minPrice: '10000000001' },
      { page: '0' },
      { page: 'x' },
      { limit: '101' },
      { limit: '0' },
      { keyword: 'x'.repeat(101) },
      { keyword: 'a\u0000b' },
      { keyword: 'a\u001bb' },
    ];
    for (const query of bad) {
      const answer = await api.call('GET', `/api/v1/query/products?${new URLSearchParams(query)}`);
      expect({ query, status: answer.status, code: answer.body.error?.code }).toEqual({
        query,
        status: 400,
        code: 'VALIDATION_ERROR',
      });
    }
    // SQL in a keyword is text like any other
    const injected = await list({ keyword: "' or 1=1; drop table product_query_view; --" });
    expect(injected.status).toBe(200);
    expect(injected.body.data.items).toEqual([]);
    expect(await viewRow(ids.a)).toBeDefined();
  });
});

describe('GET /query/products/:productId', () => {
  it('answers a row; a live product missing from the view is projected on the spot', async () => {
    const id = await insertProduct({
      categoryId: child.id,
      name: uniqueName('Missing'),
      lowestPrice: 7700,
      price: 9900,
    });
    expect(await viewRow(id)).toBeUndefined();
    const answer = await api.call('GET', `/api/v1/query/products/${id}`);
    expect(answer.status).toBe(200);
    expect(answer.body.data).toMatchObject({
      productId: id,
      lowestPrice: 7700,
      basePrice: 9900,
      categoryId: child.id,
    });
    expect(await viewRow(id)).toMatchObject({ productId: id, lowestPrice: 7700 });
    const again = await api.call('GET', `/api/v1/query/products/${id}`);
    expect(again.body.data).toEqual(answer.body.data);
  });

  it('is 404 PRODUCT_NOT_FOUND for an unknown or deleted product, 400 for a bad id', async () => {
    expectError(await api.call('GET', `/api/v1/query/products/${missingId}`), 404, 'PRODUCT_NOT_FOUND');
    const id = await insertProduct({ categoryId: child.id, name: uniqueName('Gone') });
    await softDelete(id);
    expectError(await api.call('GET', `/api/v1/query/products/${id}`), 404, 'PRODUCT_NOT_FOUND');
    expect(await viewRow(id)).toBeUndefined();
    for (const bad of ['abc', '0', '-5', '1.5', '9007199254740993']) {
      expectError(await api.call('GET', `/api/v1/query/products/${bad}`), 400, 'VALIDATION_ERROR');
    }
  });
});

describe('POST /admin/query/products/:productId/sync', () => {
  const auditOf = async (action: string) =>
    db()
      .select()
      .from(adminAuditLog)
      .where(and(eq(adminAuditLog.action, action), eq(adminAuditLog.actorId, api.admin.user.id)))
      .orderBy(desc(adminAuditLog.id))
      .limit(1);

  it('projects the product now and answers its fresh row (audited); an unchanged row keeps updatedAt', async () => {
    const id = await insertProduct({ categoryId: child.id, name: uniqueName('Sync'), lowestPrice: 5000 });
    const first = await write<Item>('POST', `/api/v1/admin/query/products/${id}/sync`);
    expect(first).toMatchObject({ productId: id, lowestPrice: 5000 });
    // a change the outbox does not know about: only a sync brings it
    await db().update(products).set({ lowestPrice: 4500, name: 'Synced name' }).where(eq(products.id, id));
    expect((await viewRow(id))!.lowestPrice).toBe(5000);
    const second = await write<Item>('POST', `/api/v1/admin/query/products/${id}/sync`);
    expect(second).toMatchObject({ productId: id, lowestPrice: 4500, name: 'Synced name' });
    expect(Date.parse(second.syncedAt!)).toBeGreaterThan(Date.parse(first.syncedAt!));
    expect(Date.parse(second.updatedAt)).toBeGreaterThan(Date.parse(first.updatedAt));
    const third = await write<Item>('POST', `/api/v1/admin/query/products/${id}/sync`);
    expect(Date.parse(third.syncedAt!)).toBeGreaterThan(Date.parse(second.syncedAt!));
    expect(third.updatedAt).toBe(second.updatedAt);
    const [entry] = await auditOf('query.product.sync');
    expect(entry).toMatchObject({ target: `product/${id}`, result: 'SUCCEEDED' });
  });

  it("removes a deleted product's row (404), is 404 for an unknown product, 401/403 for others", async () => {
    const id = await insertProduct({ categoryId: child.id, name: uniqueName('Deleted'), lowestPrice: 100 });
    await write('POST', `/api/v1/admin/query/products/${id}/sync`);
    await softDelete(id);
    const removed = await api.call('POST', `/api/v1/admin/query/products/${id}/sync`, {
      headers: api.admin.authHeader,
    });
    expectError(removed, 404, 'PRODUCT_NOT_FOUND');
    expect(await viewRow(id)).toBeUndefined();
    const [entry] = await auditOf('query.product.sync');
    expect(entry).toMatchObject({
      target: `product/${id}`,
      result: 'FAILED',
      errorCode: 'PRODUCT_NOT_FOUND',
    });

    expectError(
      await api.call('POST', `/api/v1/admin/query/products/${missingId}/sync`, {
        headers: api.admin.authHeader,
      }),
      404,
      'PRODUCT_NOT_FOUND',
    );
    const user = await api.member();
    for (const url of [
      `/api/v1/admin/query/products/${missingId}/sync`,
      '/api/v1/admin/query/products/rebuild',
    ]) {
      expectError(await api.call('POST', url), 401, 'UNAUTHORIZED');
      expectError(await api.call('POST', url, { headers: user.authHeader }), 403, 'FORBIDDEN');
    }
  });
});

describe('POST /admin/query/products/rebuild', () => {
  it('re-projects every live product, removes the rows of deleted ones, counts both (audited)', async () => {
    const stale = await insertProduct({ categoryId: other.id, name: uniqueName('Stale'), lowestPrice: 800 });
    const missing = await insertProduct({ categoryId: other.id, name: uniqueName('Unprojected') });
    const deleted = await insertProduct({ categoryId: other.id, name: uniqueName('Deleted') });
    await write('POST', `/api/v1/admin/query/products/${stale}/sync`);
    await write('POST', `/api/v1/admin/query/products/${deleted}/sync`);
    await db().update(products).set({ lowestPrice: 750 }).where(eq(products.id, stale));
    await softDelete(deleted);
    const [counts] = await db().execute<{ live: number; deletedRows: number }>(sql`
      select (select count(*)::int from products where deleted_at is null) as live,
             (select count(*)::int from product_query_view view join products on products.id = view.product_id
              where products.deleted_at is not null) as "deletedRows"`);
    const { live, deletedRows } = counts!;
    expect(deletedRows).toBeGreaterThanOrEqual(1);

    const result = await write<{ syncedCount: number; removedCount: number }>(
      'POST',
      '/api/v1/admin/query/products/rebuild',
    );
    expect(result).toEqual({ syncedCount: live, removedCount: deletedRows });
    expect(await viewRow(stale)).toMatchObject({ lowestPrice: 750 });
    expect(await viewRow(missing)).toMatchObject({ productId: missing });
    expect(await viewRow(deleted)).toBeUndefined();
    // the view now holds exactly the live products, each as the catalog has it
    const [drift] = await db().execute<{ missing: number; extra: number; differing: number }>(sql`
      select
        (select count(*)::int from products where deleted_at is null
           and not exists (select 1 from product_query_view view where view.product_id = products.id)) as missing,
        (select count(*)::int from product_query_view view
           where not exists (select 1 from products where products.id = view.product_id and deleted_at is null)) as extra,
        (select count(*)::int from product_query_view view join products on products.id = view.product_id
           where (view.name, view.lowest_price, view.status, view.category_id)
             is distinct from (products.name, products.lowest_price, products.status, products.category_id)) as differing`);
    expect(drift).toEqual({ missing: 0, extra: 0, differing: 0 });

    const [entry] = await db()
      .select()
      .from(adminAuditLog)
      .where(eq(adminAuditLog.action, 'query.products.rebuild'))
      .orderBy(desc(adminAuditLog.id))
      .limit(1);
    expect(entry).toMatchObject({ target: '*', result: 'SUCCEEDED' });
    expect(entry!.details).toMatchObject({ outcome: { syncedCount: live, removedCount: deletedRows } });
  });
});
