// AUTO-01..02: car models, trims with options, rent and lease offers, and the new-car estimate —
// the four taxes at the rates in force on the purchase date (car_tax_rates) and the amortised
// installment — checked against figures computed by hand; against real PostgreSQL.
import { carLeaseOffers, carModels, carOptions, carTaxRates, carTrims } from '@pbshop/db';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { expectError, missingId } from './helpers/http.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' } } });
const { call } = api;

let brand: string;
let avante: { id: number; smart: number; modern: number; smartSense: number; modernSunroof: number };
let g80: { id: number; trim: number; options: number[] };
let suvId: number;

beforeAll(async () => {
  const { db } = api.deps.database;
  brand = `Hyundai ${Math.random().toString(36).slice(2, 8)}`;
  await db.insert(carTaxRates).values([
    {
      code: 'INDIVIDUAL_CONSUMPTION_TAX',
      name: '개별소비세',
      rate: '0.05',
      source: '개별소비세법 제1조제2항제3호',
      validFrom: '2016-01-01',
    },
    {
      code: 'INDIVIDUAL_CONSUMPTION_TAX',
      name: '개별소비세 (한시 인하)',
      rate: '0.035',
      source: '개별소비세법 시행령 제2조의2 탄력세율',
      validFrom: '2025-01-01',
      validUntil: '2025-12-31',
    },
    {
      code: 'EDUCATION_TAX',
      name: '교육세',
      rate: '0.3',
      source: '교육세법 제5조제1항',
      validFrom: '2016-01-01',
    },
    { code: 'VAT', name: '부가가치세', rate: '0.1', source: '부가가치세법 제30조', validFrom: '2016-01-01' },
    {
      code: 'ACQUISITION_TAX',
      name: '취득세',
      rate: '0.07',
      source: '지방세법 제12조제1항제2호',
      validFrom: '2016-01-01',
    },
  ]);
  const [sedan, sedan2, suv, bare] = await db
    .insert(carModels)
    .values([
      { brand, name: 'Avante', type: 'SEDAN', fuelType: 'GASOLINE', releaseYear: 2025 },
      { brand, name: 'G80', type: 'SEDAN', fuelType: 'GASOLINE', releaseYear: 2025 },
      { brand, name: 'Tucson', type: 'SUV', fuelType: 'HYBRID', releaseYear: 2025 },
      { brand, name: 'No trims yet', type: 'SEDAN', fuelType: 'GASOLINE' },
    ])
    .returning({ id: carModels.id });
  suvId = suv!.id;
  expect(bare).toBeDefined();
  const [smart, modern, g80Trim, tucson] = await db
    .insert(carTrims)
    .values([
      { modelId: sedan!.id, name: 'Smart', basePrice: 17_345_670, engineDisplacementCc: 1598 },
      { modelId: sedan!.id, name: 'Modern', basePrice: 19_995_000, engineDisplacementCc: 1598 },
      { modelId: sedan2!.id, name: '2.5T AWD', basePrice: 55_000_000, engineDisplacementCc: 2497 },
      { modelId: suv!.id, name: 'Premium', basePrice: 30_100_000, engineDisplacementCc: 1598 },
    ])
    .returning({ id: carTrims.id });
  const [smartSense, modernSunroof, g80a, g80b] = await db
    .insert(carOptions)
    .values([
      { trimId: smart!.id, name: 'Smart Sense', price: 790_000 },
      { trimId: modern!.id, name: 'Sunroof', price: 450_000 },
      { trimId: g80Trim!.id, name: 'Convenience', price: 2_000_000 },
      { trimId: g80Trim!.id, name: 'Bang & Olufsen', price: 1_500_000 },
    ])
    .returning({ id: carOptions.id });
  avante = {
    id: sedan!.id,
    smart: smart!.id,
    modern: modern!.id,
    smartSense: smartSense!.id,
    modernSunroof: modernSunroof!.id,
  };
  g80 = { id: sedan2!.id, trim: g80Trim!.id, options: [g80a!.id, g80b!.id] };
  expect(tucson).toBeDefined();
  await db.insert(carLeaseOffers).values([
    {
      modelId: sedan!.id,
      provider: '현대캐피탈',
      offerType: 'LEASE',
      monthlyPayment: 389_000,
      termMonths: 48,
      deposit: 6_000_000,
      annualMileageKm: 20_000,
    },
    {
      modelId: sedan!.id,
      trimId: modern!.id,
      provider: 'SK렌터카',
      offerType: 'RENT',
      monthlyPayment: 452_000,
      termMonths: 36,
      deposit: 0,
      annualMileageKm: 30_000,
    },
    {
      modelId: sedan!.id,
      provider: 'KB캐피탈',
      offerType: 'LEASE',
      monthlyPayment: 371_500,
      termMonths: 60,
      deposit: 3_000_000,
    },
  ]);
});

const estimate = (body: unknown) => call('POST', '/api/v1/auto/estimate', { body });

describe('car models, trims and offers (AUTO-01)', () => {
  it('lists models with a trim, from the cheapest trim, filtered by brand and type, paged', async () => {
    const all = await call('GET', `/api/v1/auto/models?brand=${encodeURIComponent(brand.toUpperCase())}`);
    expect(all.status).toBe(200);
    expect(all.body.data.map((model: { name: string }) => model.name)).toEqual(['Avante', 'G80', 'Tucson']);
    expect(all.body.data[0]).toMatchObject({
      id: avante.id,
      brand,
      type: 'SEDAN',
      basePrice: 17_345_670,
      trimCount: 2,
    });
    expect(all.body.meta).toEqual({ page: 1, limit: 20, totalCount: 3, totalPages: 1 });

    const suvs = await call('GET', `/api/v1/auto/models?brand=${encodeURIComponent(brand)}&type=suv`);
    expect(suvs.body.data.map((model: { id: number }) => model.id)).toEqual([suvId]);

    const second = await call('GET', `/api/v1/auto/models?brand=${encodeURIComponent(brand)}&page=2&limit=2`);
    expect(second.body.data.map((model: { name: string }) => model.name)).toEqual(['Tucson']);
    expect(second.body.meta).toEqual({ page: 2, limit: 2, totalCount: 3, totalPages: 2 });
  });

  it("answers a model's trims cheapest first with their options and the delta to the cheapest", async () => {
    const trims = await call('GET', `/api/v1/auto/models/${avante.id}/trims`);
    expect(trims.status).toBe(200);
    expect(trims.body.data).toMatchObject([
      {
        id: avante.smart,
        modelId: avante.id,
        name: 'Smart',
        basePrice: 17_345_670,
        priceDelta: 0,
        options: [{ id: avante.smartSense, trimId: avante.smart, name: 'Smart Sense', price: 790_000 }],
      },
      {
        id: avante.modern,
        name: 'Modern',
        basePrice: 19_995_000,
        priceDelta: 2_649_330,
        options: [{ id: avante.modernSunroof }],
      },
    ]);
  });

  it("answers a model's rent and lease offers, lowest monthly fee first", async () => {
    const offers = await call('GET', `/api/v1/auto/models/${avante.id}/lease-offers`);
    expect(offers.status).toBe(200);
    expect(offers.body.data).toMatchObject([
      {
        provider: 'KB캐피탈',
        offerType: 'LEASE',
        months: 60,
        monthlyFee: 371_500,
        downPayment: 3_000_000,
        trimId: null,
      },
      {
        provider: '현대캐피탈',
        months: 48,
        monthlyFee: 389_000,
        downPayment: 6_000_000,
        annualMileageKm: 20_000,
      },
      {
        provider: 'SK렌터카',
        offerType: 'RENT',
        months: 36,
        monthlyFee: 452_000,
        downPayment: 0,
        trimId: avante.modern,
      },
    ]);
    expect((await call('GET', `/api/v1/auto/models/${g80.id}/lease-offers`)).body.data).toEqual([]);
  });

  it('X-Currency: USD converts every money field of the offers and models, the down payment too', async () => {
    const rate = await call('POST', '/api/v1/i18n/admin/exchange-rates', {
      headers: api.admin.authHeader,
      body: { baseCurrency: 'USD', targetCurrency: 'KRW', rate: 1500 },
    });
    expect(rate.status).toBe(200);
    const offers = await call('GET', `/api/v1/auto/models/${avante.id}/lease-offers`, {
      headers: { 'x-currency': 'USD' },
    });
    // 371,500 / 1,500 = 247.666… → 247.67; 3,000,000 / 1,500 = 2,000
    expect(offers.body.data[0]).toMatchObject({ monthlyFee: 247.67, downPayment: 2000, months: 60 });
    const models = await call('GET', `/api/v1/auto/models?brand=${encodeURIComponent(brand)}&limit=1`, {
      headers: { 'x-currency': 'USD' },
    });
    // 17,345,670 / 1,500 = 11,563.78
    expect(models.body.data[0]).toMatchObject({ basePrice: 11_563.78, trimCount: 2 });
  });

  it('refuses an unknown model (404) and a malformed id or filter (400)', async () => {
    expectError(await call('GET', `/api/v1/auto/models/${missingId}/trims`), 404, 'CAR_MODEL_NOT_FOUND');
    expectError(
      await call('GET', `/api/v1/auto/models/${missingId}/lease-offers`),
      404,
      'CAR_MODEL_NOT_FOUND',
    );
    for (const path of ['/auto/models/abc/trims', '/auto/models/0/lease-offers', '/auto/models/-1/trims']) {
      expectError(await call('GET', `/api/v1${path}`), 400, 'VALIDATION_ERROR');
    }
    for (const query of ['type=%00', `brand=${'x'.repeat(300)}`, 'limit=101', 'page=0']) {
      expectError(await call('GET', `/api/v1/auto/models?${query}`), 400, 'VALIDATION_ERROR');
    }
  });
});

describe('the new-car estimate (AUTO-02)', () => {
  it('Avante Smart + Smart Sense at the standing 5 %: taxes and a 36-month 4.5 % installment by hand', async () => {
    // factory price 17,345,670 + 790,000 = 18,135,670
    // consumption tax 5 % of 18,135,670 = 906,783.5 → 906,783
    // education tax 30 % of 906,783 = 272,034.9 → 272,034
    // supply price 18,135,670 + 906,783 + 272,034 = 19,314,487
    // VAT 10 % of 19,314,487 = 1,931,448.7 → 1,931,448
    // acquisition tax 7 % of 19,314,487 = 1,352,014.09 → 1,352,014
    // tax 906,783 + 272,034 + 1,931,448 + 1,352,014 = 4,462,279
    // vehicle price 19,314,487 + 1,931,448 = 21,245,935; total 21,245,935 + 1,352,014 = 22,597,949
    // installment: P = 21,245,935 − 5,000,000 = 16,245,935, r = 0.045 / 12 = 0.00375, n = 36
    //   M = P·r / (1 − 1.00375^−36) = 483,266.60… → 483,267; interest 36 × 483,267 − P = 1,151,677
    const answer = await estimate({
      modelId: avante.id,
      trimId: avante.smart,
      optionIds: [avante.smartSense],
      downPayment: 5_000_000,
      annualRatePercent: 4.5,
      months: 36,
      purchaseDate: '2026-03-02',
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.data).toMatchObject({
      modelId: avante.id,
      trimId: avante.smart,
      selectedOptionIds: [avante.smartSense],
      basePrice: 17_345_670,
      optionPrice: 790_000,
      factoryPrice: 18_135_670,
      tax: 4_462_279,
      vehiclePrice: 21_245_935,
      totalPrice: 22_597_949,
      monthlyPayment: 483_267,
      installment: {
        downPayment: 5_000_000,
        principal: 16_245_935,
        annualRatePercent: 4.5,
        months: 36,
        monthlyPayment: 483_267,
        totalInterest: 1_151_677,
      },
      purchaseDate: '2026-03-02',
    });
    expect(answer.body.data.taxes).toMatchObject([
      {
        code: 'INDIVIDUAL_CONSUMPTION_TAX',
        rate: 0.05,
        base: 18_135_670,
        amount: 906_783,
        source: '개별소비세법 제1조제2항제3호',
        validFrom: '2016-01-01',
        validUntil: null,
      },
      { code: 'EDUCATION_TAX', rate: 0.3, base: 906_783, amount: 272_034 },
      { code: 'VAT', rate: 0.1, base: 19_314_487, amount: 1_931_448 },
      { code: 'ACQUISITION_TAX', rate: 0.07, base: 19_314_487, amount: 1_352_014 },
    ]);
  });

  it('G80 with two options inside the 3.5 % reduction period, and the same car after it ends', async () => {
    // factory price 55,000,000 + 2,000,000 + 1,500,000 = 58,500,000
    // 2025-05-15 (3.5 %): consumption 2,047,500; education 30 % = 614,250; supply 61,161,750;
    //   VAT 6,116,175; acquisition 7 % of 61,161,750 = 4,281,322.5 → 4,281,322
    //   tax 2,047,500 + 614,250 + 6,116,175 + 4,281,322 = 13,059,247; total 71,559,247
    //   vehicle price 61,161,750 + 6,116,175 = 67,277,925
    //   installment: P = 67,277,925 − 10,000,000 = 57,277,925, r = 0.059 / 12, n = 60
    //   M = 1,104,681.36… → 1,104,682; interest 60 × 1,104,682 − P = 9,002,995
    const reduced = await estimate({
      modelId: g80.id,
      trimId: g80.trim,
      optionIds: g80.options,
      downPayment: 10_000_000,
      annualRatePercent: 5.9,
      months: 60,
      purchaseDate: '2025-05-15',
    });
    expect(reduced.status, JSON.stringify(reduced.body)).toBe(200);
    expect(reduced.body.data).toMatchObject({
      factoryPrice: 58_500_000,
      tax: 13_059_247,
      vehiclePrice: 67_277_925,
      totalPrice: 71_559_247,
      monthlyPayment: 1_104_682,
      installment: { principal: 57_277_925, totalInterest: 9_002_995 },
    });
    expect(reduced.body.data.taxes[0]).toMatchObject({
      rate: 0.035,
      amount: 2_047_500,
      validUntil: '2025-12-31',
    });

    // 2026-01-01 (5 % again): consumption 2,925,000; education 877,500; supply 62,302,500;
    //   VAT 6,230,250; acquisition 4,361,175; tax 14,393,925; total 72,893,925
    const standing = await estimate({ trimId: g80.trim, optionIds: g80.options, purchaseDate: '2026-01-01' });
    expect(standing.body.data).toMatchObject({
      tax: 14_393_925,
      vehiclePrice: 68_532_750,
      totalPrice: 72_893_925,
    });
  });

  it("the storefront's body alone: today's rates, 60 months at 0 % (the vehicle price in equal parts, rounded up)", async () => {
    const answer = await estimate({
      modelId: avante.id,
      trimId: avante.smart,
      optionIds: [avante.smartSense],
    });
    expect(answer.status).toBe(200);
    // 21,245,935 / 60 = 354,098.92 → 354,099 (today's rate is the standing 5 %)
    expect(answer.body.data).toMatchObject({ vehiclePrice: 21_245_935, monthlyPayment: 354_099 });
    expect(answer.body.data.installment).toMatchObject({
      annualRatePercent: 0,
      months: 60,
      totalInterest: 354_099 * 60 - 21_245_935,
    });
  });

  it('refuses an unknown trim, a trim of another model and an option of another trim (404)', async () => {
    expectError(await estimate({ trimId: missingId, optionIds: [] }), 404, 'CAR_TRIM_NOT_FOUND');
    expectError(
      await estimate({ modelId: g80.id, trimId: avante.smart, optionIds: [] }),
      404,
      'CAR_TRIM_NOT_FOUND',
    );
    const foreign = await estimate({
      trimId: avante.smart,
      optionIds: [avante.smartSense, avante.modernSunroof],
    });
    expectError(foreign, 404, 'CAR_OPTION_NOT_FOUND');
    expect(JSON.stringify(foreign.body.error.details)).toContain(String(avante.modernSunroof));
    expectError(
      await estimate({ trimId: avante.smart, optionIds: [missingId] }),
      404,
      'CAR_OPTION_NOT_FOUND',
    );
  });

  it('answers 422 for a date no tax rate covers, and 400 for hostile bodies', async () => {
    expectError(
      await estimate({ trimId: avante.smart, purchaseDate: '2010-06-01' }),
      422,
      'CAR_TAX_RATE_NOT_FOUND',
    );
    const hostile: unknown[] = [
      {},
      { trimId: '1' },
      { trimId: avante.smart, optionIds: [avante.smartSense, avante.smartSense] },
      { trimId: avante.smart, optionIds: 'all' },
      { trimId: avante.smart, optionIds: [-1] },
      { trimId: avante.smart, optionIds: Array.from({ length: 51 }, (_, index) => index + 1) },
      { trimId: avante.smart, months: 0 },
      { trimId: avante.smart, months: 1000 },
      { trimId: avante.smart, months: 12.5 },
      { trimId: avante.smart, annualRatePercent: -1 },
      { trimId: avante.smart, annualRatePercent: 'NaN' },
      { trimId: avante.smart, downPayment: -5 },
      { trimId: avante.smart, downPayment: 30_000_000 },
      { trimId: avante.smart, purchaseDate: '2026-13-01' },
      { trimId: avante.smart, purchaseDate: "2026-01-01'; drop table car_trims; --" },
      { trimId: avante.smart, unknownField: true },
      { trimId: 1e300 },
    ];
    for (const body of hostile) {
      const answer = await estimate(body);
      expect({ body, status: answer.status, code: answer.body.error?.code }).toEqual({
        body,
        status: 400,
        code: 'VALIDATION_ERROR',
      });
    }
  });
});
