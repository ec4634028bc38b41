// Fraud detection (API §39, FRAUD-01..02): the effective prices of a product's offers (price plus
// the shipping its rule charges), the anomalies against their median (the crawler's rule), the
// admin's scan opening PENDING alerts once, the flags of a product, and what approving and
// rejecting a scan alert does to the live offer; against real PostgreSQL and Redis.
import { adminAuditLog } from '@pbshop/db';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { createCategory, createSeller, uniqueName } from './helpers/catalog.ts';
import { expectError, missingId } from './helpers/http.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, user: { role: 'USER' } } });
const { call } = api;

interface OfferInput {
  price: number;
  shippingRule?: 'FREE' | 'PAID' | 'FREE_OVER';
  shippingCost?: number;
  freeShippingThreshold?: number;
  stockState?: 'IN_STOCK' | 'OUT_OF_STOCK';
}

/** A product with one offer per input, each at its own shop; the offer ids in input order. */
async function productWithOffers(inputs: OfferInput[]) {
  const category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('사기탐지') });
  const product = await call('POST', '/api/v1/products', {
    headers: api.admin.authHeader,
    body: { categoryId: category.id, name: uniqueName('모니터') },
  });
  expect(product.status).toBe(201);
  const productId = product.body.data.id as number;
  const offerIds: number[] = [];
  for (const input of inputs) {
    const shop = await createSeller(api.app, api.admin.authHeader);
    const offer = await call('POST', `/api/v1/products/${productId}/prices`, {
      headers: api.admin.authHeader,
      body: {
        sellerId: shop.id,
        url: `https://shop.example.com/${uniqueName('p').replace(' ', '-')}`,
        ...input,
      },
    });
    expect(offer.status).toBe(201);
    offerIds.push(offer.body.data.id);
  }
  return { productId, offerIds };
}

// around 100,000 delivered, one at 10,000 and one at 500,000, and one out of stock (never judged)
const offerInputs: OfferInput[] = [
  { price: 98_000 },
  { price: 100_000, shippingRule: 'PAID', shippingCost: 3_000 },
  { price: 101_000, shippingRule: 'FREE_OVER', shippingCost: 2_500, freeShippingThreshold: 50_000 },
  { price: 99_000, shippingRule: 'FREE_OVER', shippingCost: 2_500, freeShippingThreshold: 200_000 },
  { price: 10_000 },
  { price: 500_000 },
  { price: 1_000, stockState: 'OUT_OF_STOCK' },
];
// effective: 98,000 · 103,000 · 101,000 · 101,500 · 10,000 · 500,000 → median (101,000 + 101,500) / 2
const median = 101_250;

let productId: number;
let offerIds: number[];

beforeAll(async () => {
  ({ productId, offerIds } = await productWithOffers(offerInputs));
});

describe('effective prices', () => {
  it('lists every offer with the shipping that applies added, cheapest delivered first', async () => {
    const result = await call('GET', `/api/v1/fraud/products/${productId}/effective-prices`);
    expect(result.status).toBe(200);
    const byOffer = new Map(
      (result.body.data as { priceEntryId: number }[]).map((item) => [item.priceEntryId, item]),
    );
    expect(byOffer.size).toBe(7);
    expect(byOffer.get(offerIds[1]!)).toMatchObject({
      productPrice: 100_000,
      shippingFee: 3_000,
      shippingType: 'PAID',
      effectivePrice: 103_000,
      shippingInfo: 'shipping 3000 KRW',
      sellerName: expect.any(String),
      productUrl: expect.stringContaining('https://shop.example.com/'),
    });
    // over the threshold: free; under it: the cost is added
    expect(byOffer.get(offerIds[2]!)).toMatchObject({ shippingFee: 0, effectivePrice: 101_000 });
    expect(byOffer.get(offerIds[3]!)).toMatchObject({ shippingFee: 2_500, effectivePrice: 101_500 });
    expect(byOffer.get(offerIds[0]!)).toMatchObject({ shippingFee: 0, effectivePrice: 98_000 });
    const effective = (result.body.data as { effectivePrice: number }[]).map((item) => item.effectivePrice);
    expect(effective).toEqual([...effective].sort((a, b) => a - b));
  });

  it('answers 404 PRODUCT_NOT_FOUND for a product that does not exist', async () => {
    expectError(
      await call('GET', `/api/v1/fraud/products/${missingId}/effective-prices`),
      404,
      'PRODUCT_NOT_FOUND',
    );
  });
});

describe('anomalies', () => {
  it('flags exactly the two far offers against the median of the in-stock effective prices', async () => {
    const result = await call('GET', `/api/v1/fraud/products/${productId}/anomalies`);
    expect(result.status).toBe(200);
    const data = result.body.data;
    expect(data).toMatchObject({
      productId,
      baselineAverage: median,
      lowerBound: Math.round(median * 0.5),
      upperBound: Math.round(median * 1.8),
      scannedCount: 6,
      anomalyCount: 2,
    });
    expect(data.anomalies).toHaveLength(2);
    const byOffer = new Map(
      (data.anomalies as { priceEntryId: number }[]).map((item) => [item.priceEntryId, item]),
    );
    expect(byOffer.get(offerIds[4]!)).toMatchObject({
      rawPrice: 10_000,
      effectivePrice: 10_000,
      baselineAverage: median,
      severity: 'HIGH',
      reason: expect.stringContaining('below the expected range'),
    });
    expect(byOffer.get(offerIds[5]!)).toMatchObject({
      rawPrice: 500_000,
      severity: 'HIGH',
      reason: expect.stringContaining('above the expected range'),
    });
  });

  it('takes the ratios and the limit from the query: a near offer outside tight bounds is LOW', async () => {
    const result = await call(
      'GET',
      `/api/v1/fraud/products/${productId}/anomalies?lowerBoundRatio=0.99&upperBoundRatio=1.01&limit=1`,
    );
    expect(result.status).toBe(200);
    const data = result.body.data;
    // 10,000, 98,000, 103,000 (1.017× the median) and 500,000 are out; the furthest is listed
    expect(data).toMatchObject({ anomalyCount: 4, upperBound: Math.round(median * 1.01) });
    expect(data.anomalies).toHaveLength(1);
    expect(data.anomalies[0]).toMatchObject({ priceEntryId: offerIds[4], severity: 'HIGH' });
    const all = await call(
      'GET',
      `/api/v1/fraud/products/${productId}/anomalies?lowerBoundRatio=0.99&upperBoundRatio=1.01`,
    );
    const near = (all.body.data.anomalies as { priceEntryId: number; severity: string }[]).find(
      (item) => item.priceEntryId === offerIds[1],
    );
    expect(near).toMatchObject({ severity: 'LOW', effectivePrice: 103_000 });
  });

  it('refuses ratios outside 0 < lower < 1 < upper ≤ 10 and limits outside 1..500 with 400', async () => {
    for (const query of [
      'lowerBoundRatio=0',
      'lowerBoundRatio=1',
      'lowerBoundRatio=-0.5',
      'lowerBoundRatio=abc',
      'upperBoundRatio=1',
      'upperBoundRatio=10.5',
      'upperBoundRatio=Infinity',
      'limit=0',
      'limit=501',
      'limit=2.5',
    ]) {
      expectError(
        await call('GET', `/api/v1/fraud/products/${productId}/anomalies?${query}`),
        400,
        'VALIDATION_ERROR',
      );
    }
    expect(
      (await call('GET', `/api/v1/fraud/products/${productId}/anomalies?upperBoundRatio=10`)).status,
    ).toBe(200);
  });

  it('judges nothing with fewer than two offers, and 404s a missing product', async () => {
    const single = await productWithOffers([{ price: 5_000 }]);
    const result = await call('GET', `/api/v1/fraud/products/${single.productId}/anomalies`);
    expect(result.body.data).toMatchObject({
      baselineAverage: 5_000,
      scannedCount: 1,
      anomalyCount: 0,
      anomalies: [],
    });
    expectError(await call('GET', `/api/v1/fraud/products/${missingId}/anomalies`), 404, 'PRODUCT_NOT_FOUND');
  });
});

describe('the admin scan and the flags', () => {
  it('opens one PENDING alert per anomaly, once: a second scan opens none; audited', async () => {
    const { productId: scanned, offerIds: ids } = await productWithOffers(offerInputs);
    const scanUrl = `/api/v1/fraud/admin/products/${scanned}/scan?lowerBoundRatio=0.5&upperBoundRatio=1.8&limit=100`;
    const first = await call('POST', scanUrl, { headers: api.admin.authHeader });
    expect(first.status).toBe(200);
    expect(first.body.data).toMatchObject({ productId: scanned, anomalyCount: 2, newAlertCount: 2 });
    const second = await call('POST', scanUrl, { headers: api.admin.authHeader });
    expect(second.body.data).toMatchObject({ anomalyCount: 2, newAlertCount: 0 });

    const flags = await call('GET', `/api/v1/fraud/admin/products/${scanned}/flags`, {
      headers: api.admin.authHeader,
    });
    expect(flags.status).toBe(200);
    expect(flags.body.meta).toMatchObject({ totalCount: 2 });
    const flagged = flags.body.data as { id: number; priceEntryId: number; status: string }[];
    expect(flagged.map((item) => item.priceEntryId).sort()).toEqual([ids[4], ids[5]].sort());
    expect(flagged[0]).toMatchObject({
      productId: scanned,
      status: 'PENDING',
      severity: 'HIGH',
      baselineAverage: median,
      reviewedBy: null,
    });

    const pending = await call('GET', '/api/v1/fraud/alerts?status=PENDING&limit=100', {
      headers: api.admin.authHeader,
    });
    const pendingIds = (pending.body.data as { id: number }[]).map((item) => item.id);
    for (const alert of flagged) expect(pendingIds).toContain(alert.id);

    const audited = await api.deps.database.db
      .select()
      .from(adminAuditLog)
      .where(
        and(eq(adminAuditLog.action, 'fraud.product.scan'), eq(adminAuditLog.target, `product/${scanned}`)),
      );
    expect(audited).toHaveLength(2);
    expect(audited.every((row) => row.result === 'SUCCEEDED')).toBe(true);
    expect(
      audited
        .map((row) => (row.details as { outcome: { newAlertCount: number } }).outcome.newAlertCount)
        .sort(),
    ).toEqual([0, 2]);
  });

  it('approve keeps the scanned offer; reject withdraws it; both show in the flags', async () => {
    const { productId: scanned, offerIds: ids } = await productWithOffers(offerInputs);
    await call('POST', `/api/v1/fraud/admin/products/${scanned}/scan`, { headers: api.admin.authHeader });
    const flags = await call('GET', `/api/v1/fraud/admin/products/${scanned}/flags`, {
      headers: api.admin.authHeader,
    });
    const alertOf = (offerId: number) =>
      (flags.body.data as { id: number; priceEntryId: number }[]).find(
        (item) => item.priceEntryId === offerId,
      )!.id;

    const approved = await call('PATCH', `/api/v1/fraud/alerts/${alertOf(ids[4]!)}/approve`, {
      headers: api.admin.authHeader,
    });
    expect(approved.status).toBe(200);
    const rejected = await call('PATCH', `/api/v1/fraud/alerts/${alertOf(ids[5]!)}/reject`, {
      headers: api.admin.authHeader,
    });
    expect(rejected.status).toBe(200);

    const prices = await call('GET', `/api/v1/fraud/products/${scanned}/effective-prices`);
    const listed = (prices.body.data as { priceEntryId: number; productPrice: number }[]).map(
      (item) => item.priceEntryId,
    );
    expect(listed).toContain(ids[4]);
    expect(listed).not.toContain(ids[5]);

    const after = await call('GET', `/api/v1/fraud/admin/products/${scanned}/flags`, {
      headers: api.admin.authHeader,
    });
    const statuses = Object.fromEntries(
      (after.body.data as { priceEntryId: number; status: string }[]).map((item) => [
        item.priceEntryId,
        item.status,
      ]),
    );
    expect(statuses).toEqual({ [ids[4]!]: 'APPROVED', [ids[5]!]: 'REJECTED' });
    // a reviewed alert does not block the next scan: the approved offer is flagged again
    const again = await call('POST', `/api/v1/fraud/admin/products/${scanned}/scan`, {
      headers: api.admin.authHeader,
    });
    expect(again.body.data).toMatchObject({ newAlertCount: 1 });
  });

  it('answers 400 for bad ratios and 404 for a missing product, writing nothing', async () => {
    expectError(
      await call('POST', `/api/v1/fraud/admin/products/${productId}/scan?lowerBoundRatio=1.5`, {
        headers: api.admin.authHeader,
      }),
      400,
      'VALIDATION_ERROR',
    );
    const flags = await call('GET', `/api/v1/fraud/admin/products/${productId}/flags`, {
      headers: api.admin.authHeader,
    });
    expect(flags.body.data).toEqual([]);
    expectError(
      await call('POST', `/api/v1/fraud/admin/products/${missingId}/scan`, { headers: api.admin.authHeader }),
      404,
      'PRODUCT_NOT_FOUND',
    );
    expectError(
      await call('GET', `/api/v1/fraud/admin/products/${missingId}/flags`, { headers: api.admin.authHeader }),
      404,
      'PRODUCT_NOT_FOUND',
    );
  });

  it('keeps the scan and the flags to admins: 401 anonymous, 403 USER', async () => {
    for (const [method, url] of [
      ['POST', `/api/v1/fraud/admin/products/${productId}/scan`],
      ['GET', `/api/v1/fraud/admin/products/${productId}/flags`],
    ] as const) {
      expectError(await call(method, url), 401, 'UNAUTHORIZED');
      expectError(await call(method, url, { headers: api.user.authHeader }), 403, 'FORBIDDEN');
    }
  });
});
