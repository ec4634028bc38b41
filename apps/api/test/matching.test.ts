// The product matching queue (API §38, MATCH-01/02) over the crawler's unmatched items: pending
// list, approve (the page is linked to the product and its price written through the prices
// module), reject, auto-match (near-certain name matches only; a suggestion with its confidence
// otherwise) and stats; against real PostgreSQL and Redis.
import { categories, crawlerProductLinks, crawlerUnmatchedItems, offers, products } from '@pbshop/db';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { createSeller, uniqueName } from './helpers/catalog.ts';
import { expectError, missingId } from './helpers/http.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, user: { role: 'USER' } } });
const { call } = api;
const db = () => api.deps.database.db;

async function catalogue(name: string) {
  const [category] = await db()
    .insert(categories)
    .values({ name: uniqueName('카테고리'), path: '' })
    .returning();
  const [product] = await db().insert(products).values({ categoryId: category!.id, name }).returning();
  return product!.id;
}

async function unmatched(sellerId: number, title: string, price = 500_000) {
  const [row] = await db()
    .insert(crawlerUnmatchedItems)
    .values({
      sellerId,
      url: `https://shop.example.com/${uniqueName('p').replace(/\s/g, '-')}`,
      title,
      price,
    })
    .returning();
  return row!;
}

describe('matching queue', () => {
  it('approve links the page to the product and writes its price; once only', async () => {
    const shop = await createSeller(api.app, api.admin.authHeader);
    const productId = await catalogue(uniqueName('울트라 노트북 14'));
    const item = await unmatched(shop.id, '울트라북 14인치 신형', 1_234_000);
    const pending = await call('GET', '/api/v1/matching/pending?page=1&limit=100', {
      headers: api.admin.authHeader,
    });
    expect(pending.status).toBe(200);
    expect(pending.body.data).toContainEqual(
      expect.objectContaining({
        id: item.id,
        sourceName: '울트라북 14인치 신형',
        status: 'PENDING',
        confidence: 0,
      }),
    );
    const approved = await call('PATCH', `/api/v1/matching/${item.id}/approve`, {
      headers: api.admin.authHeader,
      body: { productId },
    });
    expect(approved.status).toBe(200);
    expect(approved.body.data).toMatchObject({
      id: item.id,
      status: 'APPROVED',
      productId,
      confidence: 1,
      reviewedBy: api.admin.user.id,
      sourceSeller: shop.name,
    });
    const [link] = await db()
      .select()
      .from(crawlerProductLinks)
      .where(and(eq(crawlerProductLinks.sellerId, shop.id), eq(crawlerProductLinks.productId, productId)));
    expect(link?.url).toBe(item.url);
    const [offer] = await db()
      .select()
      .from(offers)
      .where(and(eq(offers.sellerId, shop.id), eq(offers.productId, productId)));
    expect(offer).toMatchObject({ price: 1_234_000, url: item.url });
    expectError(
      await call('PATCH', `/api/v1/matching/${item.id}/reject`, {
        headers: api.admin.authHeader,
        body: { reason: 'x' },
      }),
      409,
      'CONFLICT',
    );
    expectError(
      await call('PATCH', `/api/v1/matching/${missingId}/approve`, {
        headers: api.admin.authHeader,
        body: { productId },
      }),
      404,
      'MAPPING_NOT_FOUND',
    );
    const other = await unmatched(shop.id, '다른 상품');
    expectError(
      await call('PATCH', `/api/v1/matching/${other.id}/approve`, {
        headers: api.admin.authHeader,
        body: { productId: missingId },
      }),
      404,
      'PRODUCT_NOT_FOUND',
    );
  });

  it('reject keeps the reason; unknown ids are 404; admins only', async () => {
    const shop = await createSeller(api.app, api.admin.authHeader);
    const item = await unmatched(shop.id, '사은품 증정 이벤트');
    const rejected = await call('PATCH', `/api/v1/matching/${item.id}/reject`, {
      headers: api.admin.authHeader,
      body: { reason: '상품이 아님' },
    });
    expect(rejected.body.data).toMatchObject({ status: 'REJECTED', reason: '상품이 아님' });
    expectError(
      await call('PATCH', `/api/v1/matching/${missingId}/reject`, {
        headers: api.admin.authHeader,
        body: { reason: 'x' },
      }),
      404,
      'MAPPING_NOT_FOUND',
    );
    expectError(
      await call('GET', '/api/v1/matching/stats', { headers: api.user.authHeader }),
      403,
      'FORBIDDEN',
    );
  });

  it('auto-match approves near-certain names only, suggests the rest; stats count them', async () => {
    const shop = await createSeller(api.app, api.admin.authHeader);
    const name = `갤럭시 탭 S10 울트라 256GB ${uniqueName('그레이')}`;
    const productId = await catalogue(name);
    const exact = await unmatched(shop.id, name, 1_100_000);
    const vague = await unmatched(shop.id, `탭 S10 ${name.slice(-6)} 케이스`);
    const before = (await call('GET', '/api/v1/matching/stats', { headers: api.admin.authHeader })).body.data;
    const result = await call('POST', '/api/v1/matching/auto-match', { headers: api.admin.authHeader });
    expect(result.status).toBe(200);
    expect(result.body.data.matchedCount).toBeGreaterThanOrEqual(1);
    const [matched] = await db()
      .select()
      .from(crawlerUnmatchedItems)
      .where(eq(crawlerUnmatchedItems.id, exact.id));
    expect(matched).toMatchObject({ status: 'APPROVED', productId, reason: 'auto-matched by name' });
    const [left] = await db()
      .select()
      .from(crawlerUnmatchedItems)
      .where(eq(crawlerUnmatchedItems.id, vague.id));
    expect(left?.status).toBe('PENDING');
    expect(left?.confidence).toBeLessThan(0.75);
    const after = (await call('GET', '/api/v1/matching/stats', { headers: api.admin.authHeader })).body.data;
    expect(after.approved).toBe(before.approved + result.body.data.matchedCount);
    expect(after.total).toBe(after.pending + after.approved + after.rejected);
    expect(result.body.data.pendingCount).toBe(after.pending);
  });
});
