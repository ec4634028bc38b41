// Held anomalous prices (API §39, FRAUD-01): the list (status in any case), approve (the held price
// becomes the seller's offer through the prices module: lowest price and history follow), reject
// (discarded), one review only; against real PostgreSQL and Redis.
import { categories, fraudAlerts, offers, priceHistory, products } from '@pbshop/db';
import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { createSeller, uniqueName } from './helpers/catalog.ts';
import { expectError, missingId } from './helpers/http.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, user: { role: 'USER' } } });
const { call } = api;

async function heldPrice(rawPrice: number) {
  const db = api.deps.database.db;
  const [category] = await db
    .insert(categories)
    .values({ name: uniqueName('카테고리'), path: '' })
    .returning();
  const [product] = await db
    .insert(products)
    .values({ categoryId: category!.id, name: uniqueName('상품'), lowestPrice: 1_000_000 })
    .returning();
  const shop = await createSeller(api.app, api.admin.authHeader);
  const [alert] = await db
    .insert(fraudAlerts)
    .values({
      productId: product!.id,
      sellerId: shop.id,
      url: 'https://shop.example.com/p/1',
      reason: 'below the expected range 500000..1800000 (median 1000000 of 3 prices)',
      rawPrice,
      shippingFee: 0,
      effectivePrice: rawPrice,
      baselineAverage: 1_000_000,
      lowerBound: 500_000,
      upperBound: 1_800_000,
      severity: 'HIGH',
    })
    .returning();
  return { alert: alert!, productId: product!.id, sellerId: shop.id };
}

describe('fraud alerts', () => {
  it('lists held prices as the storefront reads them, by status in any case', async () => {
    const { alert } = await heldPrice(100_000);
    const listed = await call('GET', '/api/v1/fraud/alerts?status=pending&page=1&limit=100', {
      headers: api.admin.authHeader,
    });
    expect(listed.status).toBe(200);
    expect(listed.body.data).toContainEqual(
      expect.objectContaining({
        id: alert.id,
        productId: alert.productId,
        priceEntryId: null,
        sellerId: alert.sellerId,
        rawPrice: 100_000,
        effectivePrice: 100_000,
        baselineAverage: 1_000_000,
        severity: 'HIGH',
        status: 'PENDING',
        reviewedBy: null,
        reviewedAt: null,
      }),
    );
    expect(listed.body.meta).toMatchObject({ page: 1, limit: 100 });
    expectError(
      await call('GET', '/api/v1/fraud/alerts?status=LOST', { headers: api.admin.authHeader }),
      400,
      'VALIDATION_ERROR',
    );
    expectError(
      await call('GET', '/api/v1/fraud/alerts', { headers: api.user.authHeader }),
      403,
      'FORBIDDEN',
    );
  });

  it('approve writes the held price as the offer (lowest price and history follow); once only', async () => {
    const { alert, productId, sellerId } = await heldPrice(120_000);
    const approved = await call('PATCH', `/api/v1/fraud/alerts/${alert.id}/approve`, {
      headers: api.admin.authHeader,
    });
    expect(approved.status).toBe(200);
    expect(approved.body.data).toEqual({ success: true, message: expect.any(String) });
    const db = api.deps.database.db;
    const [offer] = await db
      .select()
      .from(offers)
      .where(and(eq(offers.productId, productId), eq(offers.sellerId, sellerId)));
    expect(offer).toMatchObject({ price: 120_000, url: 'https://shop.example.com/p/1' });
    const [product] = await db.select().from(products).where(eq(products.id, productId));
    expect(product?.lowestPrice).toBe(120_000);
    const [history] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(priceHistory)
      .where(eq(priceHistory.productId, productId));
    expect(history?.n).toBe(1);
    const [row] = await db.select().from(fraudAlerts).where(eq(fraudAlerts.id, alert.id));
    expect(row).toMatchObject({ status: 'APPROVED', reviewedBy: api.admin.user.id });
    expectError(
      await call('PATCH', `/api/v1/fraud/alerts/${alert.id}/approve`, { headers: api.admin.authHeader }),
      409,
      'CONFLICT',
    );
  });

  it('reject discards the held price; unknown alerts are 404', async () => {
    const { alert, productId, sellerId } = await heldPrice(90_000);
    const rejected = await call('PATCH', `/api/v1/fraud/alerts/${alert.id}/reject`, {
      headers: api.admin.authHeader,
    });
    expect(rejected.status).toBe(200);
    const db = api.deps.database.db;
    const written = await db
      .select()
      .from(offers)
      .where(and(eq(offers.productId, productId), eq(offers.sellerId, sellerId)));
    expect(written).toEqual([]);
    const [row] = await db.select().from(fraudAlerts).where(eq(fraudAlerts.id, alert.id));
    expect(row?.status).toBe('REJECTED');
    expectError(
      await call('PATCH', `/api/v1/fraud/alerts/${missingId}/reject`, { headers: api.admin.authHeader }),
      404,
      'FRAUD_ALERT_NOT_FOUND',
    );
  });
});
