// PRED-01..04, ANLY-01/02: the price-trend prediction over synthetic daily series, the all-time-low
// check and unit prices; against real PostgreSQL and Redis.
import { priceHistory, products } from '@pbshop/db';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { type CategoryData, createCategory, uniqueName } from './helpers/catalog.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' } } });
let category: CategoryData;

beforeAll(async () => {
  category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Groceries') });
});

async function get(url: string) {
  const response = await api.app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json() };
}

const missingId = 999_999_999;

async function createProduct(fields: Record<string, unknown> = {}) {
  const response = await api.app.inject({
    method: 'POST',
    url: '/api/v1/products',
    headers: api.admin.authHeader,
    payload: { categoryId: category.id, name: uniqueName('Item'), ...fields },
  });
  expect(response.statusCode).toBe(201);
  return response.json().data as { id: number; name: string };
}

/** The Asia/Seoul calendar date `daysAgo` days before today, as YYYY-MM-DD. */
function seoulDate(daysAgo: number): string {
  const now = new Date(Date.now() + 9 * 3600_000);
  now.setUTCDate(now.getUTCDate() - daysAgo);
  return now.toISOString().slice(0, 10);
}

/**
 * A product whose stored history is `priceOn(daysAgo)` once a day for each day of `daysAgo`
 * (recorded at noon Seoul time), with its current lowest price set to the last value.
 */
async function productWithSeries(points: [daysAgo: number, price: number][], fields = {}) {
  const product = await createProduct(fields);
  const db = api.deps.database.db;
  await db.insert(priceHistory).values(
    points.map(([daysAgo, price]) => ({
      productId: product.id,
      sellerId: missingId,
      price,
      productLowestPrice: price,
      recordedAt: new Date(Date.parse(`${seoulDate(daysAgo)}T12:00:00+09:00`)),
    })),
  );
  const latest = [...points].sort((a, b) => a[0] - b[0])[0];
  await db
    .update(products)
    .set({ lowestPrice: latest?.[1] ?? null })
    .where(eq(products.id, product.id));
  return product;
}

const range = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, i) => from - i);

describe('GET /predictions/products/:productId/price-trend (PRED-01..04)', () => {
  const trendOf = async (id: number | string, query = '') =>
    get(`/api/v1/predictions/products/${id}/price-trend${query}`);

  it('a rising price: RISING, rising predictions, BUY_SOON', async () => {
    const product = await productWithSeries(range(40, 0).map((d) => [d, 100_000 + (40 - d) * 1000]));
    const result = await trendOf(product.id);
    expect(result.status).toBe(200);
    const data = result.body.data;
    expect(data).toMatchObject({
      productId: product.id,
      productName: product.name,
      currentPrice: 140_000,
      trend: 'RISING',
      recommendation: 'BUY_SOON',
      movingAverage7d: 137_000,
    });
    expect(data.trendStrength).toBeGreaterThan(0.5);
    expect(data.trendStrength).toBeLessThanOrEqual(1);
    expect(data.predictions).toHaveLength(30);
    expect(data.predictions[0].date).toBe(seoulDate(-1));
    expect(data.predictions[29].predictedPrice).toBeGreaterThan(data.predictions[0].predictedPrice);
    expect(data.predictions[0].predictedPrice).toBeGreaterThan(140_000);
    // damped: the predicted rise slows down (never more than 10 days' worth of the fitted slope)
    expect(data.predictions[29].predictedPrice).toBeLessThan(140_000 + 10 * 1000);
    // confidence decays with the horizon
    expect(data.predictions[0].confidence).toBeGreaterThan(data.predictions[29].confidence);
    expect(data.expectedLowest14d).toBe(data.predictions[0].predictedPrice);
    expect(data.seasonalityNote).toMatch(/not enough history/i);
    expect(typeof data.recommendationReason).toBe('string');
  });

  it('a strongly falling price: FALLING, falling predictions, WAIT', async () => {
    const product = await productWithSeries(range(40, 0).map((d) => [d, 100_000 + d * 1000]));
    const result = await trendOf(product.id, '?days=7');
    expect(result.status).toBe(200);
    const data = result.body.data;
    expect(data).toMatchObject({ currentPrice: 100_000, trend: 'FALLING', recommendation: 'WAIT' });
    expect(data.trendStrength).toBe(1);
    expect(data.predictions).toHaveLength(7);
    expect(data.predictions[6].predictedPrice).toBeLessThan(data.predictions[0].predictedPrice);
    // the 14-day horizon is forecast even when fewer days are asked for
    expect(data.expectedLowest14d).toBeLessThan(data.predictions[6].predictedPrice);
  });

  it('a fall flattening out at the all-time low: BUY_NOW', async () => {
    const product = await productWithSeries([
      ...range(40, 10).map((d): [number, number] => [d, 100_000 + (d - 10) * 500]),
      ...range(9, 0).map((d): [number, number] => [d, 100_000]),
    ]);
    const data = (await trendOf(product.id)).body.data;
    expect(data).toMatchObject({ trend: 'FALLING', recommendation: 'BUY_NOW' });
    expect(data.trendStrength).toBeLessThan(0.5);
  });

  it('a flat price above its all-time low: STABLE, flat predictions, HOLD', async () => {
    const product = await productWithSeries([
      [60, 90_000],
      ...range(45, 0).map((d): [number, number] => [d, 100_000]),
    ]);
    const result = await trendOf(product.id, '?days=90');
    expect(result.status).toBe(200);
    const data = result.body.data;
    expect(data).toMatchObject({
      trend: 'STABLE',
      trendStrength: 0,
      movingAverage7d: 100_000,
      movingAverage30d: 100_000,
      expectedLowest14d: 100_000,
      recommendation: 'HOLD',
    });
    expect(data.predictions).toHaveLength(90);
    expect(new Set(data.predictions.map((p: { predictedPrice: number }) => p.predictedPrice))).toEqual(
      new Set([100_000]),
    );
    // a flat series has no volatility: confidence only decays with the horizon
    expect(data.predictions[0].confidence).toBeGreaterThan(0.9);
  });

  it('with more than a year of history, a seasonality note', async () => {
    const product = await productWithSeries([
      [400, 100_000],
      [20, 100_000],
    ]);
    const data = (await trendOf(product.id)).body.data;
    expect(data.seasonalityNote).not.toMatch(/not enough history/i);
    expect(data.seasonalityNote).toMatch(/seasonal/i);
  });

  it('a product without history: 200 with nulls and HOLD', async () => {
    const product = await createProduct();
    const result = await trendOf(product.id);
    expect(result.status).toBe(200);
    expect(result.body.data).toMatchObject({
      productId: product.id,
      currentPrice: null,
      predictions: [],
      trend: null,
      trendStrength: null,
      movingAverage7d: null,
      movingAverage30d: null,
      expectedLowest14d: null,
      recommendation: 'HOLD',
    });
    expect(result.body.data.recommendationReason).toMatch(/no price history/i);
  });

  it("takes the storefront's horizonDays for days, and lookbackDays as the window the trend is fitted on", async () => {
    // flat for two months, then rising for the last ten days
    const product = await productWithSeries([
      ...range(70, 10).map((d): [number, number] => [d, 100_000]),
      ...range(9, 0).map((d): [number, number] => [d, 100_000 + (10 - d) * 2000]),
    ]);
    // PredictionApiPage.tsx:37-40: the input defaults
    const client = await trendOf(product.id, '?horizonDays=7&lookbackDays=30');
    expect(client.status).toBe(200);
    expect(client.body.data.predictions).toHaveLength(7);
    const contract = await trendOf(product.id, '?days=7');
    expect(contract.body.data.predictions).toEqual(client.body.data.predictions);
    expect((await trendOf(product.id, '?days=7&horizonDays=7')).body.data.predictions).toHaveLength(7);
    // a short window sees only the rise; a long one mostly the flat months
    const short = (await trendOf(product.id, '?horizonDays=7&lookbackDays=7')).body.data;
    const long = (await trendOf(product.id, '?horizonDays=7&lookbackDays=180')).body.data;
    expect(short.predictions[6].predictedPrice).toBeGreaterThan(long.predictions[6].predictedPrice);
    expect(long.predictions[6].predictedPrice).toBeGreaterThan(120_000);
  });

  it('refuses hostile input', async () => {
    const product = await createProduct();
    for (const query of [
      '?days=0',
      '?days=91',
      '?days=-1',
      '?days=1.5',
      '?days=abc',
      '?days=1e9',
      '?horizonDays=0',
      '?horizonDays=91',
      '?horizonDays=abc',
      '?days=7&horizonDays=8',
      '?lookbackDays=6',
      '?lookbackDays=181',
      '?lookbackDays=1.5',
      '?lookbackDays=%00',
    ]) {
      const result = await trendOf(product.id, query);
      expect({ query, status: result.status }).toEqual({ query, status: 400 });
    }
    for (const id of ['not-an-id', '0', '-1', '1.5', "1'%20or%20'1'='1", '%00', 'x'.repeat(500)]) {
      expect((await trendOf(id)).status).toBe(400);
    }
    const missing = await trendOf(missingId);
    expect({ status: missing.status, code: missing.body.error?.code }).toEqual({
      status: 404,
      code: 'PRODUCT_NOT_FOUND',
    });
  });
});

describe('GET /analytics/products/:id/lowest-ever (ANLY-01)', () => {
  it('false above the all-time low, with the day the low was reached', async () => {
    const product = await productWithSeries([
      [10, 120_000],
      [5, 90_000],
      [3, 90_000],
      [0, 100_000],
    ]);
    const result = await get(`/api/v1/analytics/products/${product.id}/lowest-ever`);
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual({
      isLowestEver: false,
      currentPrice: 100_000,
      lowestPrice: 90_000,
      lowestDate: seoulDate(5),
    });
  });

  it('true at the all-time low', async () => {
    const product = await productWithSeries([
      [10, 120_000],
      [2, 80_000],
    ]);
    const result = await get(`/api/v1/analytics/products/${product.id}/lowest-ever`);
    expect(result.body.data).toEqual({
      isLowestEver: true,
      currentPrice: 80_000,
      lowestPrice: 80_000,
      lowestDate: seoulDate(2),
    });
  });

  it('false with nulls without history; 404 and 400 for bad ids', async () => {
    const product = await createProduct();
    expect((await get(`/api/v1/analytics/products/${product.id}/lowest-ever`)).body.data).toEqual({
      isLowestEver: false,
      currentPrice: null,
      lowestPrice: null,
      lowestDate: null,
    });
    const missing = await get(`/api/v1/analytics/products/${missingId}/lowest-ever`);
    expect({ status: missing.status, code: missing.body.error?.code }).toEqual({
      status: 404,
      code: 'PRODUCT_NOT_FOUND',
    });
    expect((await get('/api/v1/analytics/products/0/lowest-ever')).status).toBe(400);
  });
});

describe('GET /analytics/products/:id/unit-price (ANLY-02)', () => {
  it('a 1 kg coffee is priced per 100 g', async () => {
    const product = await productWithSeries([[1, 25_000]], { unitQuantity: 1, unitLabel: 'kg' });
    const result = await get(`/api/v1/analytics/products/${product.id}/unit-price`);
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual({ unitPrice: 2500, unit: '100g', quantity: 1000 });
  });

  it('a 60-sheet diaper pack is priced per 10 sheets', async () => {
    const product = await productWithSeries([[1, 30_000]], { unitQuantity: 60, unitLabel: '매' });
    const result = await get(`/api/v1/analytics/products/${product.id}/unit-price`);
    expect(result.body.data).toEqual({ unitPrice: 5000, unit: '10매', quantity: 60 });
  });

  it('nulls when the product declares no quantity; 404 and 400 for bad ids', async () => {
    const product = await productWithSeries([[1, 30_000]]);
    expect((await get(`/api/v1/analytics/products/${product.id}/unit-price`)).body.data).toEqual({
      unitPrice: null,
      unit: null,
      quantity: null,
    });
    expect((await get(`/api/v1/analytics/products/${missingId}/unit-price`)).status).toBe(404);
    expect((await get('/api/v1/analytics/products/zzz/unit-price')).status).toBe(400);
  });
});
