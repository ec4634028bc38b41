// USED-01..03: used prices per product and per category from the listings a source delivers, and
// the buy-back estimate of a PC build, against hand-computed figures; real PostgreSQL and Redis.
import { pcPartProductId, pcParts, seedDatabase, seedUsedListings } from '@pbshop/db/seed';
import { beforeAll, describe, expect, it } from 'vitest';
import type { UsedListingInput } from '../src/modules/verticals/used-market/source.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { createCategory, uniqueName } from './helpers/catalog.ts';
import { expectError, missingId } from './helpers/http.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, owner: {} } });
const { call } = api;
const SEED = 1;
const DAY = 86_400_000;

beforeAll(async () => {
  await seedDatabase(api.ctx.env.DATABASE_URL!, { products: 0, seed: SEED, log: () => {} });
});

const daysAgo = (days: number) => new Date(Date.now() - days * DAY);
const listing = (productId: number, externalId: string, price: number, days: number): UsedListingInput => ({
  externalId,
  productId,
  price,
  condition: 'A',
  listedAt: daysAgo(days),
  soldAt: null,
});

async function newProduct(): Promise<{ id: number; categoryId: number }> {
  const category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('중고') });
  const created = await call('POST', '/api/v1/products', {
    headers: api.admin.authHeader,
    body: { categoryId: category.id, name: uniqueName('중고 상품'), description: '중고 시세 테스트' },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { id: created.body.data.id, categoryId: category.id };
}

describe('used prices (USED-01, USED-02)', () => {
  it('averages, ranges, trend and buckets match hand-computed figures', async () => {
    const product = await newProduct();
    const written = await api.deps.usedMarket.ingest({
      name: 'test-feed',
      listings: () => [
        // the last 90 days: 100,000 / 120,000 / 110,000 → 110,000
        listing(product.id, 'a', 100_000, 10),
        listing(product.id, 'b', 120_000, 40),
        listing(product.id, 'c', 110_000, 80),
        // the 90 days before: 90,000 / 95,000 → 92,500; the trend is +18.9 %: UP
        listing(product.id, 'd', 90_000, 100),
        listing(product.id, 'e', 95_000, 140),
        // outside the 180-day window: not counted
        listing(product.id, 'f', 10_000, 200),
      ],
    });
    expect(written).toBe(6);
    const answer = await call('GET', `/api/v1/used-market/products/${product.id}/price`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    // (100,000 + 120,000 + 110,000 + 90,000 + 95,000) / 5
    expect(answer.body.data).toMatchObject({
      productId: product.id,
      averagePrice: 103_000,
      minPrice: 90_000,
      maxPrice: 120_000,
      listingCount: 5,
      trend: 'UP',
    });
    expect(
      answer.body.data.history.map((bucket: { averagePrice: number | null; listingCount: number }) => [
        bucket.averagePrice,
        bucket.listingCount,
      ]),
    ).toEqual([
      [null, 0],
      [95_000, 1],
      [90_000, 1],
      [110_000, 1],
      [120_000, 1],
      [100_000, 1],
    ]);

    // a re-delivered listing updates its row: 120,000 → 60,000 makes the recent average 90,000 (DOWN)
    await api.deps.usedMarket.ingest({
      name: 'test-feed',
      listings: () => [listing(product.id, 'b', 60_000, 40)],
    });
    const after = (await call('GET', `/api/v1/used-market/products/${product.id}/price`)).body.data;
    // (100,000 + 60,000 + 110,000 + 90,000 + 95,000) / 5 = 91,000; recent 90,000 vs 92,500 is −2.7 %: STABLE
    expect(after).toMatchObject({ averagePrice: 91_000, minPrice: 60_000, listingCount: 5, trend: 'STABLE' });

    const category = await call('GET', `/api/v1/used-market/categories/${product.categoryId}/prices`);
    expect(category.status).toBe(200);
    expect(category.body.data).toEqual([
      expect.objectContaining({
        productId: product.id,
        averagePrice: 91_000,
        minPrice: 60_000,
        maxPrice: 110_000,
        trend: 'STABLE',
      }),
    ]);
    expect(category.body.meta).toMatchObject({ totalCount: 1, page: 1 });
  });

  it('the seeded PC parts have used prices, from the seed listing source', async () => {
    const productId = pcPartProductId(SEED, 'gpu-4070s');
    const listings = [...seedUsedListings(SEED, Date.now())].filter((row) => row.productId === productId);
    const answer = (await call('GET', `/api/v1/used-market/products/${productId}/price`)).body.data;
    expect(answer.listingCount).toBe(listings.length);
    expect(answer.minPrice).toBeGreaterThan(0);
    expect(answer.maxPrice).toBeLessThan(pcParts.find((part) => part.key === 'gpu-4070s')!.price);
  });

  it('no listing: USED_PRICE_NOT_FOUND; unknown product or category: 404; bad ids 400', async () => {
    const product = await newProduct();
    expectError(
      await call('GET', `/api/v1/used-market/products/${product.id}/price`),
      404,
      'USED_PRICE_NOT_FOUND',
    );
    expectError(
      await call('GET', `/api/v1/used-market/products/${missingId}/price`),
      404,
      'PRODUCT_NOT_FOUND',
    );
    expectError(
      await call('GET', `/api/v1/used-market/categories/${missingId}/prices`),
      404,
      'CATEGORY_NOT_FOUND',
    );
    const empty = await call('GET', `/api/v1/used-market/categories/${product.categoryId}/prices`);
    expect(empty.body.data).toEqual([]);
    for (const path of [
      '/api/v1/used-market/products/abc/price',
      '/api/v1/used-market/products/-1/price',
      '/api/v1/used-market/categories/1e3/prices',
      `/api/v1/used-market/categories/${product.categoryId}/prices?limit=0`,
    ]) {
      expectError(await call('GET', path), 400, 'VALIDATION_ERROR');
    }
  });
});

describe('buy-back estimate (USED-03)', () => {
  it('prices each part from its used average (or a share of its new price) aged by months', async () => {
    const gpu = pcPartProductId(SEED, 'gpu-4070s');
    const psu = pcPartProductId(SEED, 'psu-850');
    // hand-made listings: the GPU averages 620,000; the PSU has none
    await api.deps.database.sql`delete from used_listings where product_id in (${gpu}, ${psu})`;
    await api.deps.usedMarket.ingest({
      name: 'test-feed',
      listings: () => [listing(gpu, 'gpu-1', 600_000, 5), listing(gpu, 'gpu-2', 640_000, 20)],
    });
    const created = await call('POST', '/api/v1/pc-builds', {
      headers: api.owner.authHeader,
      body: { name: '매입 견적', purpose: 'GAMING' },
    });
    const buildId = created.body.data.id as number;
    const estimate = (path = `/api/v1/used-market/pc-builds/${buildId}/estimate`) =>
      call('POST', path, { headers: api.owner.authHeader });
    expectError(await estimate(), 404, 'USED_PRICE_NOT_FOUND');
    for (const productId of [gpu, psu]) {
      const added = await call('POST', `/api/v1/pc-builds/${buildId}/parts`, {
        headers: api.owner.authHeader,
        body: { productId, partType: productId === gpu ? 'GPU' : 'PSU', quantity: 1 },
      });
      expect(added.status, JSON.stringify(added.body)).toBe(200);
    }

    const fresh = await estimate();
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(200);
    // GPU: 620,000 × 0.9 = 558,000; PSU: 169,000 × 0.58 (fallback share) × 0.9 = 88,218
    expect(fresh.body.data.partBreakdown).toEqual([
      expect.objectContaining({
        partType: 'GPU',
        productId: gpu,
        originalPrice: 849_000,
        usedMarketPrice: 620_000,
        ageMonths: 0,
        estimatedUsedPrice: 558_000,
        depreciationRate: 0.343,
      }),
      expect.objectContaining({
        partType: 'PSU',
        productId: psu,
        originalPrice: 169_000,
        usedMarketPrice: null,
        ageMonths: 0,
        estimatedUsedPrice: 88_218,
      }),
    ]);
    expect(fresh.body.data).toMatchObject({ buildId, estimatedPrice: 646_218 });

    // the GPU bought 100 days ago: 3 months at 2.5 % → 620,000 × 0.975³ × 0.9 = 517,187.5 → 517,188
    await api.deps.database.sql`
      update pc_build_parts set created_at = now() - interval '100 days'
      where build_id = ${buildId} and part_type = 'GPU'`;
    const aged = (await estimate()).body.data;
    expect(aged.partBreakdown[0]).toMatchObject({ ageMonths: 3, estimatedUsedPrice: 517_188 });
    expect(aged.estimatedPrice).toBe(517_188 + 88_218);

    expectError(
      await estimate(`/api/v1/used-market/pc-builds/${missingId}/estimate`),
      404,
      'PC_BUILD_NOT_FOUND',
    );
    expectError(await estimate('/api/v1/used-market/pc-builds/x/estimate'), 400, 'VALIDATION_ERROR');
    expectError(await call('POST', `/api/v1/used-market/pc-builds/${buildId}/estimate`), 401, 'UNAUTHORIZED');
  });
});
