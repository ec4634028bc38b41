// SPEC-01..04 and SENG-01..05: spec definitions with template inheritance, product spec values,
// side-by-side and scored comparison, similar products and the product list's spec filter;
// against real PostgreSQL and Redis.
import { products } from '@pbshop/db';
import { noSearchSync } from '@pbshop/queues';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { effectiveDefinitionsOf } from '../src/modules/catalog/specs/templates.ts';
import { recordCollectedSpecs } from '../src/modules/catalog/specs/values.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { type CategoryData, createCategory, uniqueName } from './helpers/catalog.ts';
import { expectError, type Method, missingId } from './helpers/http.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, user: {} } });
const { call } = api;
let laptop: CategoryData;
let gaming: CategoryData;
let ultra: CategoryData;
const defs: Record<string, { id: number }> = {};
const ids: Record<string, string> = {};
const tag = uniqueName('SpecTag').replace(' ', '');

async function define(categoryId: number, body: Record<string, unknown>) {
  const result = await call('POST', '/api/v1/specs/definitions', {
    headers: api.admin.authHeader,
    body: { categoryId, ...body },
  });
  expect(result.status, JSON.stringify(result.body)).toBe(201);
  return result.body.data;
}

async function product(key: string, categoryId: number, lowestPrice: number | null) {
  const result = await call('POST', '/api/v1/products', {
    headers: api.admin.authHeader,
    body: { categoryId, name: `${tag} ${key}` },
  });
  expect(result.status, JSON.stringify(result.body)).toBe(201);
  ids[key] = result.body.data.id;
  await api.deps.database.db
    .update(products)
    .set({ lowestPrice })
    .where(eq(products.id, result.body.data.id));
}

async function setSpecs(key: string, values: unknown[]) {
  const result = await call('PUT', `/api/v1/products/${ids[key]}/specs`, {
    headers: api.admin.authHeader,
    body: { values },
  });
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  return result.body.data;
}

beforeAll(async () => {
  laptop = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Laptop') });
  gaming = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Gaming laptop') });
  ultra = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Ultra gaming') });

  defs.ram = await define(laptop.id, {
    key: 'ram',
    name: 'RAM',
    group: 'Memory',
    type: 'SELECT',
    options: ['8GB', '16GB', '32GB'],
    sortOrder: 1,
  });
  defs.cpu = await define(laptop.id, {
    key: 'cpu_score',
    name: 'CPU score',
    group: 'Performance',
    type: 'NUMBER',
    direction: 'HIGHER_IS_BETTER',
    sortOrder: 2,
  });
  defs.weight = await define(laptop.id, {
    key: 'weight',
    name: 'Weight',
    group: 'Body',
    type: 'NUMBER',
    unit: 'kg',
    direction: 'LOWER_IS_BETTER',
    sortOrder: 3,
  });
  defs.screen = await define(laptop.id, {
    key: 'screen_size',
    name: 'Screen',
    group: 'Display',
    type: 'NUMBER',
    unit: 'inch',
    sortOrder: 4,
  });
  defs.touch = await define(laptop.id, { key: 'touch', name: 'Touch', type: 'BOOLEAN', sortOrder: 5 });
  defs.note = await define(laptop.id, { key: 'note', name: 'Note', type: 'TEXT', sortOrder: 6 });
  // gaming laptop: own GPU, and its own RAM options override the laptop's
  defs.gpu = await define(gaming.id, {
    key: 'gpu',
    name: 'GPU',
    group: 'Performance',
    type: 'SELECT',
    options: ['RTX4060', 'RTX4070'],
    sortOrder: 0,
  });
  defs.gamingRam = await define(gaming.id, {
    key: 'ram',
    name: 'RAM (gaming)',
    group: 'Memory',
    type: 'SELECT',
    options: ['16GB', '32GB', '64GB'],
    sortOrder: 1,
  });
  const template = await call('PUT', `/api/v1/specs/templates/${gaming.id}`, {
    headers: api.admin.authHeader,
    body: { inheritsFromCategoryId: laptop.id },
  });
  expect(template.status, JSON.stringify(template.body)).toBe(200);

  await product('a', laptop.id, 1_000_000);
  await product('b', laptop.id, 1_500_000);
  await product('c', laptop.id, 900_000);
  await product('d', laptop.id, 2_000_000);
  await product('g', gaming.id, 2_500_000);
  await setSpecs('a', [
    { key: 'ram', value: '16GB' },
    { key: 'cpu_score', value: 100 },
    { key: 'weight', value: '1.2' },
    { key: 'screen_size', value: 14 },
    { key: 'touch', value: true },
  ]);
  await setSpecs('b', [
    { key: 'ram', value: '32GB' },
    { key: 'cpu_score', value: 200 },
    { key: 'weight', value: 2 },
    { key: 'screen_size', value: 16 },
  ]);
  await setSpecs('c', [
    { key: 'ram', value: '16GB' },
    { key: 'cpu_score', value: 120 },
    { key: 'weight', value: 1.3 },
    { key: 'screen_size', value: 14 },
  ]);
  await setSpecs('d', [
    { key: 'ram', value: '8GB' },
    { key: 'cpu_score', value: 100 },
    { key: 'weight', value: 1.2 },
    { key: 'screen_size', value: 13 },
  ]);
  await setSpecs('g', [
    { key: 'ram', value: '64GB' },
    { specDefinitionId: defs.gpu!.id, value: 'RTX4070' },
    { key: 'cpu_score', value: 300 },
    { key: 'weight', value: 2.5 },
  ]);
});

describe('definitions and templates (SPEC-01, SENG-01/02)', () => {
  // the laptop's keys in sort order; the gaming laptop adds its GPU first and overrides RAM
  const laptopKeys = ['ram', 'cpu_score', 'weight', 'screen_size', 'touch', 'note'];
  const gamingKeys = ['gpu', ...laptopKeys];
  it('a category gets its own definitions plus the inherited ones; the child overrides a key', async () => {
    const own = await call('GET', `/api/v1/specs/definitions?categoryId=${laptop.id}`);
    expect(own.status).toBe(200);
    expect(own.body.data.map((item: { key: string }) => item.key)).toEqual(laptopKeys);
    const result = await call('GET', `/api/v1/specs/definitions?categoryId=${gaming.id}`);
    expect(result.status).toBe(200);
    const byKey = Object.fromEntries(
      result.body.data.map((item: { key: string }) => [item.key, item]),
    ) as Record<string, Record<string, unknown>>;
    expect(Object.keys(byKey)).toEqual(gamingKeys);
    // the gaming RAM overrides the laptop's: that is its parentDefinitionId
    expect(byKey.ram).toMatchObject({
      id: defs.gamingRam!.id,
      name: 'RAM (gaming)',
      options: ['16GB', '32GB', '64GB'],
      inherited: false,
      parentDefinitionId: defs.ram!.id,
    });
    expect(byKey.weight).toEqual({
      id: defs.weight!.id,
      categoryId: laptop.id,
      inherited: true,
      key: 'weight',
      name: 'Weight',
      group: 'Body',
      type: 'NUMBER',
      unit: 'kg',
      options: null,
      direction: 'LOWER_IS_BETTER',
      filterable: true,
      sortOrder: 3,
      // the storefront's names (client-shapes.md, SpecDefinition)
      groupName: 'Body',
      parentDefinitionId: null,
      higherIsBetter: false,
      isComparable: true,
      dataType: 'NUMBER',
    });
    expect(byKey.cpu_score).toMatchObject({ higherIsBetter: true, isComparable: true, dataType: 'NUMBER' });
    expect(byKey.screen_size).toMatchObject({ higherIsBetter: false, isComparable: false });
    expect(byKey.gpu).toMatchObject({ groupName: 'Performance', dataType: 'STRING', isComparable: false });
    expect(byKey.touch).toMatchObject({ groupName: null, dataType: 'BOOLEAN' });
    // two levels: ultra → gaming → laptop
    await call('PUT', `/api/v1/specs/templates/${ultra.id}`, {
      headers: api.admin.authHeader,
      body: { inheritsFromCategoryId: gaming.id },
    });
    const deep = await call('GET', `/api/v1/specs/definitions?categoryId=${ultra.id}`);
    expect(deep.body.data).toHaveLength(7);
  });

  it("reads several categories' effective definitions at once, each with its own chain", async () => {
    const read = await effectiveDefinitionsOf(api.deps.database.db, [
      ultra.id,
      laptop.id,
      gaming.id,
      missingId,
    ]);
    const keysOf = (categoryId: number) => read.get(categoryId)?.map((definition) => definition.key);
    expect(keysOf(laptop.id)).toEqual(laptopKeys);
    expect(read.get(laptop.id)?.every((definition) => !definition.inherited)).toBe(true);
    for (const categoryId of [gaming.id, ultra.id]) {
      expect(keysOf(categoryId)).toEqual(gamingKeys);
      const ram = read.get(categoryId)?.find((definition) => definition.key === 'ram');
      // the nearest definition of a key wins: gaming's RAM, for gaming and for ultra
      expect(ram).toMatchObject({ id: defs.gamingRam!.id, inherited: categoryId !== gaming.id });
    }
    expect(read.get(ultra.id)?.every((definition) => definition.inherited)).toBe(true);
    // a category without definitions (or without a row) has none
    expect(read.get(missingId)).toEqual([]);
  });

  it('refuses template cycles, direct and indirect, with 409 SPEC_TEMPLATE_CYCLE', async () => {
    const self = await call('PUT', `/api/v1/specs/templates/${laptop.id}`, {
      headers: api.admin.authHeader,
      body: { inheritsFromCategoryId: laptop.id },
    });
    expectError(self, 409, 'SPEC_TEMPLATE_CYCLE');
    const direct = await call('PUT', `/api/v1/specs/templates/${laptop.id}`, {
      headers: api.admin.authHeader,
      body: { inheritsFromCategoryId: gaming.id },
    });
    expectError(direct, 409, 'SPEC_TEMPLATE_CYCLE');
    const indirect = await call('PUT', `/api/v1/specs/templates/${laptop.id}`, {
      headers: api.admin.authHeader,
      body: { inheritsFromCategoryId: ultra.id },
    });
    expectError(indirect, 409, 'SPEC_TEMPLATE_CYCLE');
    const missing = await call('PUT', `/api/v1/specs/templates/${laptop.id}`, {
      headers: api.admin.authHeader,
      body: { inheritsFromCategoryId: missingId },
    });
    expectError(missing, 404, 'CATEGORY_NOT_FOUND');
    const clear = await call('PUT', `/api/v1/specs/templates/${laptop.id}`, {
      headers: api.admin.authHeader,
      body: { inheritsFromCategoryId: null },
    });
    expect(clear.body.data).toEqual({ categoryId: laptop.id, inheritsFromCategoryId: null });
  });

  it('validates definitions: SELECT needs options, duplicate keys conflict, unknown ids 404', async () => {
    const noOptions = await call('POST', '/api/v1/specs/definitions', {
      headers: api.admin.authHeader,
      body: { categoryId: laptop.id, key: 'panel', name: 'Panel', type: 'SELECT' },
    });
    expectError(noOptions, 400, 'VALIDATION_ERROR');
    const duplicate = await call('POST', '/api/v1/specs/definitions', {
      headers: api.admin.authHeader,
      body: { categoryId: laptop.id, key: 'ram', name: 'RAM again', type: 'TEXT' },
    });
    expectError(duplicate, 409, 'CONFLICT');
    const badKey = await call('POST', '/api/v1/specs/definitions', {
      headers: api.admin.authHeader,
      body: { categoryId: laptop.id, key: '__proto__', name: 'x', type: 'TEXT' },
    });
    expectError(badKey, 400, 'VALIDATION_ERROR');
    expectError(
      await call('PATCH', `/api/v1/specs/definitions/${missingId}`, {
        headers: api.admin.authHeader,
        body: { name: 'x' },
      }),
      404,
      'SPEC_DEFINITION_NOT_FOUND',
    );
    // an option still in use cannot be dropped
    const drop = await call('PATCH', `/api/v1/specs/definitions/${defs.ram!.id}`, {
      headers: api.admin.authHeader,
      body: { options: ['8GB', '16GB'] },
    });
    expectError(drop, 409, 'CONFLICT');
    const rename = await call('PATCH', `/api/v1/specs/definitions/${defs.note!.id}`, {
      headers: api.admin.authHeader,
      body: { name: 'Notes', group: 'Misc' },
    });
    expect(rename.status).toBe(200);
    expect(rename.body.data).toMatchObject({ name: 'Notes', group: 'Misc', key: 'note' });

    const temp = await define(laptop.id, { key: 'temp_spec', name: 'Temp', type: 'TEXT' });
    const removed = await call('DELETE', `/api/v1/specs/definitions/${temp.id}`, {
      headers: api.admin.authHeader,
    });
    expect(removed.status).toBe(200);
    expectError(
      await call('DELETE', `/api/v1/specs/definitions/${temp.id}`, { headers: api.admin.authHeader }),
      404,
      'SPEC_DEFINITION_NOT_FOUND',
    );
  });
});

describe('product spec values (SPEC-02)', () => {
  it('returns the values as text with group and unit, and the number of a NUMBER as numericValue', async () => {
    const result = await call('GET', `/api/v1/products/${ids.a}/specs`);
    expect(result.status).toBe(200);
    // the storefront types `value` a string and reads `numericValue` (client-shapes.md)
    expect(result.body.data).toEqual([
      {
        specDefinitionId: defs.ram!.id,
        key: 'ram',
        name: 'RAM',
        group: 'Memory',
        type: 'SELECT',
        value: '16GB',
        unit: null,
      },
      expect.objectContaining({ key: 'cpu_score', value: '100', numericValue: 100, unit: null }),
      expect.objectContaining({
        key: 'weight',
        value: '1.2 kg',
        numericValue: 1.2,
        unit: 'kg',
        group: 'Body',
      }),
      expect.objectContaining({ key: 'screen_size', value: '14 inch', numericValue: 14, unit: 'inch' }),
      expect.objectContaining({ key: 'touch', value: 'true', type: 'BOOLEAN' }),
    ]);
    expect(result.body.data[4]).not.toHaveProperty('numericValue');
  });

  it('checks each value against its type; one bad value refuses the whole request', async () => {
    const cases: [unknown, string][] = [
      [{ key: 'cpu_score', value: 'fast' }, 'values.0.value'],
      [{ key: 'cpu_score', value: '1e400' }, 'values.0.value'],
      [{ key: 'ram', value: '12GB' }, 'values.0.value'],
      [{ key: 'touch', value: 'yes' }, 'values.0.value'],
      [{ key: 'note', value: 5 }, 'values.0.value'],
      [{ key: 'gpu', value: 'RTX4060' }, 'values.0'],
      [{ specDefinitionId: missingId, value: 'x' }, 'values.0'],
    ];
    for (const [item, field] of cases) {
      const result = await call('PUT', `/api/v1/products/${ids.c}/specs`, {
        headers: api.admin.authHeader,
        body: { values: [item] },
      });
      expectError(result, 400, 'INVALID_SPEC_VALUE');
      expect(result.body.error.details[0].field).toBe(field);
    }
    const twice = await call('PUT', `/api/v1/products/${ids.c}/specs`, {
      headers: api.admin.authHeader,
      body: {
        values: [
          { key: 'note', value: 'x' },
          { specDefinitionId: defs.note!.id, value: 'y' },
        ],
      },
    });
    expectError(twice, 400, 'INVALID_SPEC_VALUE');
    const both = await call('PUT', `/api/v1/products/${ids.c}/specs`, {
      headers: api.admin.authHeader,
      body: { values: [{ key: 'note', specDefinitionId: defs.note!.id, value: 'x' }] },
    });
    expectError(both, 400, 'VALIDATION_ERROR');
    // nothing changed
    const after = await call('GET', `/api/v1/products/${ids.c}/specs`);
    expect(after.body.data.map((item: { key: string }) => item.key)).toEqual([
      'ram',
      'cpu_score',
      'weight',
      'screen_size',
    ]);
    expectError(await call('GET', `/api/v1/products/${missingId}/specs`), 404, 'PRODUCT_NOT_FOUND');
  });

  it("records a crawler batch's collected specs: unchanged counted, changed and new written, a deleted product untouched", async () => {
    const shop = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Collected') });
    await define(shop.id, { key: 'colour', name: '색상', type: 'TEXT' });
    await define(shop.id, { key: 'mass', name: '무게', type: 'NUMBER', unit: 'kg' });
    for (const key of ['kept', 'bare', 'gone']) await product(key, shop.id, null);
    await setSpecs('kept', [
      { key: 'colour', value: '블랙' },
      { key: 'mass', value: 1.2 },
    ]);
    await setSpecs('gone', [{ key: 'colour', value: '블랙' }]);
    const deleted = await call('DELETE', `/api/v1/products/${ids.gone}`, { headers: api.admin.authHeader });
    expect(deleted.status, JSON.stringify(deleted.body)).toBeLessThan(300);
    const page = [
      { name: '색상', value: '블랙' },
      { name: '무게', value: '1.5 kg' },
      { name: '제조국', value: '대한민국' },
    ];
    const { outcomes, changedProductIds } = await recordCollectedSpecs(api.deps.database.db, noSearchSync, [
      { productId: Number(ids.kept), specs: page },
      { productId: Number(ids.bare), specs: page },
      { productId: Number(ids.gone), specs: page },
    ]);
    expect(outcomes).toEqual([
      { written: 1, unchanged: 1, unmatched: ['제조국'], refused: [] },
      { written: 2, unchanged: 0, unmatched: ['제조국'], refused: [] },
      { written: 0, unchanged: 0, unmatched: ['색상', '무게', '제조국'], refused: [] },
    ]);
    expect(changedProductIds.sort()).toEqual([Number(ids.kept), Number(ids.bare)].sort());
    for (const key of ['kept', 'bare']) {
      const stored = await call('GET', `/api/v1/products/${ids[key]}/specs`);
      expect(stored.body.data.map((item: { key: string; value: unknown }) => [item.key, item.value])).toEqual(
        [
          ['colour', '블랙'],
          ['mass', '1.5 kg'],
        ],
      );
    }
    // the same page again (a re-crawl): the stored text and number values read back equal, nothing written
    const again = await recordCollectedSpecs(api.deps.database.db, noSearchSync, [
      { productId: Number(ids.kept), specs: page },
      { productId: Number(ids.bare), specs: page },
    ]);
    expect(again.outcomes).toEqual([
      { written: 0, unchanged: 2, unmatched: ['제조국'], refused: [] },
      { written: 0, unchanged: 2, unmatched: ['제조국'], refused: [] },
    ]);
    expect(again.changedProductIds).toEqual([]);
  });

  it('the gaming product uses its own RAM options and the inherited specs', async () => {
    const result = await call('GET', `/api/v1/products/${ids.g}/specs`);
    expect(result.body.data.map((item: { key: string; value: unknown }) => [item.key, item.value])).toEqual([
      ['gpu', 'RTX4070'],
      ['ram', '64GB'],
      ['cpu_score', '300'],
      ['weight', '2.5 kg'],
    ]);
  });
});

describe('comparison (SPEC-04, SENG-03)', () => {
  it('lines up the values and highlights numeric winners by direction', async () => {
    const result = await call('POST', '/api/v1/specs/compare', {
      body: { productIds: [ids.a, ids.b, ids.d] },
    });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body.data.products).toEqual([
      { id: ids.a, name: `${tag} a`, thumbnailUrl: null, lowestPrice: 1_000_000 },
      { id: ids.b, name: `${tag} b`, thumbnailUrl: null, lowestPrice: 1_500_000 },
      { id: ids.d, name: `${tag} d`, thumbnailUrl: null, lowestPrice: 2_000_000 },
    ]);
    const spec = (key: string) => result.body.data.specs.find((item: { key: string }) => item.key === key);
    expect(spec('cpu_score')).toMatchObject({ values: [100, 200, 100], winnerIndexes: [1] });
    // lower is better, a tie: both win
    expect(spec('weight')).toMatchObject({ values: [1.2, 2, 1.2], winnerIndexes: [0, 2], unit: 'kg' });
    expect(spec('screen_size')).toMatchObject({ values: [14, 16, 13], winnerIndexes: [] });
    expect(spec('ram')).toMatchObject({ values: ['16GB', '32GB', '8GB'], winnerIndexes: [] });
    expect(spec('touch')).toMatchObject({ values: [true, null, null] });
  });

  it('compares across categories by key', async () => {
    const result = await call('POST', '/api/v1/specs/compare', { body: { productIds: [ids.g, ids.b] } });
    const spec = (key: string) => result.body.data.specs.find((item: { key: string }) => item.key === key);
    expect(spec('gpu')).toMatchObject({ values: ['RTX4070', null] });
    expect(spec('cpu_score')).toMatchObject({ values: [300, 200], winnerIndexes: [0] });
    expect(spec('ram')).toMatchObject({ values: ['64GB', '32GB'] });
  });

  it('needs 2..4 distinct existing products', async () => {
    for (const productIds of [
      [ids.a],
      [ids.a, ids.a],
      [ids.a, ids.b, ids.c, ids.d, ids.g],
      'x',
      [0, 1.5],
      ['1', '2'],
    ]) {
      expectError(
        await call('POST', '/api/v1/specs/compare', { body: { productIds } }),
        400,
        'VALIDATION_ERROR',
      );
    }
    expectError(
      await call('POST', '/api/v1/specs/compare', { body: { productIds: [ids.a, missingId] } }),
      404,
      'PRODUCT_NOT_FOUND',
    );
  });
});

describe('scored comparison (SENG-04)', () => {
  it('without weights: every scorable spec weighs the same, normalised min-max by direction', async () => {
    const result = await call('POST', '/api/v1/specs/compare/scored', {
      body: { productIds: [ids.a, ids.b] },
    });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    const { products: ranked, specScores, recommendation } = result.body.data;
    // cpu: a 0, b 100; weight (lower better): a 100, b 0; touch (NONE) is not scored
    expect(specScores.map((item: { key: string }) => item.key)).toEqual(['cpu_score', 'weight']);
    expect(specScores[0]).toMatchObject({ scores: [0, 100], winner: 1, method: 'NORMALIZED', weight: 50 });
    expect(specScores[1]).toMatchObject({ scores: [100, 0], winner: 0 });
    expect(ranked).toEqual([
      { id: ids.a, name: `${tag} a`, totalScore: 50, rank: 1 },
      { id: ids.b, name: `${tag} b`, totalScore: 50, rank: 1 },
    ]);
    expect(recommendation.productId).toBe(ids.a);
  });

  it('weights decide the ranking; a score mapping replaces normalisation', async () => {
    const weighted = await call('POST', '/api/v1/specs/compare/scored', {
      body: { productIds: [ids.a, ids.b, ids.c], weights: { cpu_score: 70, weight: 30 } },
    });
    expect(weighted.status, JSON.stringify(weighted.body)).toBe(200);
    // cpu: a 0, b 100, c 20; weight: a 100, b 0, c 87.5 → a 30, b 70, c 40.3
    expect(
      weighted.body.data.products.map((item: { totalScore: number; rank: number }) => [
        item.totalScore,
        item.rank,
      ]),
    ).toEqual([
      [30, 3],
      [70, 1],
      [40.3, 2],
    ]);
    expect(weighted.body.data.recommendation).toMatchObject({ productId: ids.b, strengths: ['cpu_score'] });

    const mapping = await call('PUT', `/api/v1/specs/scores/${defs.ram!.id}`, {
      headers: api.admin.authHeader,
      body: {
        scores: [
          { optionValue: '8GB', score: 20 },
          { optionValue: '16GB', score: 60 },
          { optionValue: '32GB', score: 100 },
        ],
      },
    });
    expect(mapping.status, JSON.stringify(mapping.body)).toBe(200);
    expect(mapping.body.data).toHaveLength(3);
    const ranges = await call('PUT', `/api/v1/specs/scores/${defs.screen!.id}`, {
      headers: api.admin.authHeader,
      body: {
        scores: [
          { maxValue: 14, score: 30 },
          { minValue: 14, maxValue: 16, score: 70 },
          { minValue: 16, score: 100 },
        ],
      },
    });
    expect(ranges.status, JSON.stringify(ranges.body)).toBe(200);
    const scored = await call('POST', '/api/v1/specs/compare/scored', {
      body: { productIds: [ids.d, ids.a], weights: { ram: 50, screen_size: 50 } },
    });
    expect(scored.status, JSON.stringify(scored.body)).toBe(200);
    expect(scored.body.data.specScores).toEqual([
      { key: 'ram', name: 'RAM', weight: 50, method: 'MAPPING', scores: [20, 60], winner: 1 },
      { key: 'screen_size', name: 'Screen', weight: 50, method: 'MAPPING', scores: [30, 70], winner: 1 },
    ]);
    expect(scored.body.data.products).toEqual([
      { id: ids.d, name: `${tag} d`, totalScore: 25, rank: 2 },
      { id: ids.a, name: `${tag} a`, totalScore: 65, rank: 1 },
    ]);
  });

  it('refuses weights that do not sum to 100, unknown or unscorable keys, and bad mappings', async () => {
    const bad: [unknown, number, string][] = [
      [{ cpu_score: 50, weight: 40 }, 400, 'VALIDATION_ERROR'],
      [{ cpu_score: 150 }, 400, 'VALIDATION_ERROR'],
      [{ nope: 100 }, 400, 'VALIDATION_ERROR'],
      [{ note: 100 }, 400, 'VALIDATION_ERROR'],
      [{ cpu_score: '100' }, 400, 'VALIDATION_ERROR'],
      [[100], 400, 'VALIDATION_ERROR'],
    ];
    for (const [weights, status, code] of bad) {
      expectError(
        await call('POST', '/api/v1/specs/compare/scored', { body: { productIds: [ids.a, ids.b], weights } }),
        status,
        code,
      );
    }
    const mappings: [number, unknown][] = [
      [defs.ram!.id, [{ optionValue: '128GB', score: 10 }]],
      [defs.ram!.id, [{ minValue: 1, score: 10 }]],
      [defs.cpu!.id, [{ optionValue: '1', score: 10 }]],
      [
        defs.cpu!.id,
        [
          { minValue: 0, maxValue: 10, score: 10 },
          { minValue: 5, score: 20 },
        ],
      ],
      [defs.cpu!.id, [{ minValue: 10, maxValue: 5, score: 10 }]],
      [defs.cpu!.id, [{ minValue: 0, score: 101 }]],
    ];
    for (const [id, scores] of mappings) {
      expectError(
        await call('PUT', `/api/v1/specs/scores/${id}`, { headers: api.admin.authHeader, body: { scores } }),
        400,
        'VALIDATION_ERROR',
      );
    }
    expectError(
      await call('PUT', `/api/v1/specs/scores/${missingId}`, {
        headers: api.admin.authHeader,
        body: { scores: [] },
      }),
      404,
      'SPEC_DEFINITION_NOT_FOUND',
    );
  });
});

describe('similar products (SENG-05)', () => {
  it('ranks same-category products by spec similarity, then price closeness', async () => {
    const result = await call('GET', `/api/v1/products/${ids.a}/similar?limit=5`);
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    // c: same RAM and screen, close cpu/weight; d: same cpu/weight, other RAM; b: far; g: other category
    expect(result.body.data.map((item: { id: number }) => item.id)).toEqual([ids.c, ids.d, ids.b]);
    expect(result.body.data[0].similarity).toBeGreaterThan(result.body.data[1].similarity);
    const one = await call('GET', `/api/v1/products/${ids.a}/similar?limit=1`);
    expect(one.body.data).toHaveLength(1);
    expectError(await call('GET', `/api/v1/products/${ids.a}/similar?limit=0`), 400, 'VALIDATION_ERROR');
    expectError(await call('GET', `/api/v1/products/${missingId}/similar`), 404, 'PRODUCT_NOT_FOUND');
  });
});

describe('product list spec filter (SPEC-03)', () => {
  const list = async (specs: unknown) => {
    const query = typeof specs === 'string' ? specs : JSON.stringify(specs);
    return call(
      'GET',
      `/api/v1/products?search=${encodeURIComponent(tag)}&specs=${encodeURIComponent(query)}&sort=price_asc`,
    );
  };
  const names = (result: { body: { data: { name: string }[] } }) =>
    result.body.data.map((item) => item.name.replace(`${tag} `, ''));

  it('filters by SELECT equality and NUMBER ranges, all filters together', async () => {
    expect(names(await list({ ram: '16GB' }))).toEqual(['c', 'a']);
    expect(names(await list({ screen_size: { min: 14 } }))).toEqual(['c', 'a', 'b']);
    expect(names(await list({ screen_size: { min: 14, max: 15 }, ram: '16GB' }))).toEqual(['c', 'a']);
    expect(names(await list({ cpu_score: 100 }))).toEqual(['a', 'd']);
    expect(names(await list({ touch: true }))).toEqual(['a']);
    expect(names(await list({ ram: '64GB' }))).toEqual(['g']);
    const counted = await list({ weight: { max: 1.25 } });
    expect(counted.body.meta.totalCount).toBe(2);
  });

  it('invalid JSON, unknown keys and wrong shapes are 400 VALIDATION_ERROR', async () => {
    for (const specs of [
      'not json',
      '[1,2]',
      '"ram"',
      '{"ram":{"min":1}}',
      '{"nope":"x"}',
      '{"__proto__":{"min":1}}',
      '{"screen_size":{"min":5,"max":1}}',
      '{"screen_size":{"gt":5}}',
      '{"ram":null}',
      `{"ram":"${'x'.repeat(3000)}"}`,
    ]) {
      const result = await list(specs);
      expect(result.status, specs).toBe(400);
      expectError(result, 400, 'VALIDATION_ERROR');
    }
  });
});

describe("the storefront's spec calls (client-shapes.md, Spec)", () => {
  let desk: CategoryData;
  let other: CategoryData;
  const deskIds: Record<string, number> = {};

  /** a product outside the tagged set the list filter tests look at */
  async function untagged(name: string, categoryId: number) {
    const result = await call('POST', '/api/v1/products', {
      headers: api.admin.authHeader,
      body: { categoryId, name: uniqueName(name) },
    });
    expect(result.status, JSON.stringify(result.body)).toBe(201);
    return result.body.data.id as number;
  }

  const create = (body: Record<string, unknown>) =>
    call('POST', '/api/v1/specs/definitions', { headers: api.admin.authHeader, body });

  beforeAll(async () => {
    // a desk-notebook category that inherits the laptop's specs, with two of its own
    desk = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Desk notebook') });
    other = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Other') });
    const template = await call('PUT', `/api/v1/specs/templates/${desk.id}`, {
      headers: api.admin.authHeader,
      body: { inheritsFromCategoryId: laptop.id },
    });
    expect(template.status, JSON.stringify(template.body)).toBe(200);
    defs.panel = await define(desk.id, {
      key: 'panel',
      name: 'Panel',
      type: 'SELECT',
      options: ['IPS', 'OLED', 'VA'],
      sortOrder: 7,
    });
    defs.brightness = await define(desk.id, {
      key: 'brightness',
      name: 'Brightness',
      type: 'NUMBER',
      unit: 'nit',
      direction: 'HIGHER_IS_BETTER',
      sortOrder: 8,
    });
    deskIds.e = await untagged('Desk e', desk.id);
    deskIds.f = await untagged('Desk f', desk.id);
    deskIds.other = await untagged('Elsewhere', other.id);
  });

  describe('definitions', () => {
    it('GET /specs/definitions/resolved/:categoryId is the effective definitions, as ?categoryId= answers', async () => {
      const resolved = await call('GET', `/api/v1/specs/definitions/resolved/${desk.id}`);
      expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
      const byQuery = await call('GET', `/api/v1/specs/definitions?categoryId=${desk.id}`);
      expect(resolved.body.data).toEqual(byQuery.body.data);
      expect(resolved.body.data.map((item: { key: string }) => item.key)).toEqual([
        'ram',
        'cpu_score',
        'weight',
        'screen_size',
        'touch',
        'note',
        'panel',
        'brightness',
      ]);
      // what the page reads, and the client's SpecDefinition fields
      for (const item of resolved.body.data) {
        expect(item).toEqual(
          expect.objectContaining({
            id: expect.any(Number),
            categoryId: expect.any(Number),
            name: expect.any(String),
            type: expect.any(String),
            sortOrder: expect.any(Number),
            higherIsBetter: expect.any(Boolean),
            isComparable: expect.any(Boolean),
            dataType: expect.any(String),
          }),
        );
        expect(item).toHaveProperty('options');
        expect(item).toHaveProperty('unit');
        expect(item).toHaveProperty('groupName');
        expect(item).toHaveProperty('parentDefinitionId');
      }
      expect(resolved.body.data.find((item: { key: string }) => item.key === 'ram')).toMatchObject({
        id: defs.ram!.id,
        inherited: true,
        parentDefinitionId: null,
      });
      expectError(
        await call('GET', `/api/v1/specs/definitions/resolved/${missingId}`),
        404,
        'CATEGORY_NOT_FOUND',
      );
      for (const bad of ['abc', '0', '-1', '1.5', '99999999999999999999']) {
        expectError(await call('GET', `/api/v1/specs/definitions/resolved/${bad}`), 400, 'VALIDATION_ERROR');
      }
    });

    it('GET /specs/definitions without categoryId lists every definition (the page sends none when empty)', async () => {
      const all = await call('GET', '/api/v1/specs/definitions');
      expect(all.status, JSON.stringify(all.body)).toBe(200);
      const ids = all.body.data.map((item: { id: number }) => item.id);
      for (const definition of [defs.ram, defs.gamingRam, defs.gpu, defs.panel]) {
        expect(ids).toContain(definition!.id);
      }
      const gamingRam = all.body.data.find((item: { id: number }) => item.id === defs.gamingRam!.id);
      expect(gamingRam).toMatchObject({ inherited: false, parentDefinitionId: defs.ram!.id });
    });

    it('POST /specs/definitions without a key makes one from the name: a slug, or a hash for what a slug cannot spell', async () => {
      const category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Keys') });
      const keyOf = async (name: string, extra: Record<string, unknown> = {}) => {
        const result = await create({ categoryId: category.id, name, type: 'TEXT', ...extra });
        expect(result.status, `${name}: ${JSON.stringify(result.body)}`).toBe(201);
        return result.body.data.key as string;
      };
      expect(await keyOf('Screen Size')).toBe('screen_size');
      expect(await keyOf('  Écran tactile ')).toBe('ecran_tactile');
      expect(await keyOf('5G Modem')).toBe('spec_5g_modem');
      expect(await keyOf('ＣＰＵ Cores')).toBe('cpu_cores');
      const korean = await keyOf('패널 종류');
      expect(korean).toMatch(/^spec_[0-9a-f]{8}$/);
      const otherKorean = await keyOf('패널 크기');
      expect(otherKorean).toMatch(/^spec_[0-9a-f]{8}$/);
      expect(otherKorean).not.toBe(korean);
      const mixed = await keyOf('RAM 용량');
      expect(mixed).toMatch(/^ram_[0-9a-f]{8}$/);
      expect(await keyOf('!!!')).toMatch(/^spec_[0-9a-f]{8}$/);
      const long = await keyOf('Maximum supported external display resolution at sixty hertz');
      expect(long.length).toBeLessThanOrEqual(50);
      expect(long).toMatch(/^[a-z][a-z0-9_]*[a-z0-9]$/);

      // the same name gives the same key: a clash is 409, as with a key sent
      const again = await create({ categoryId: category.id, name: 'Screen Size', type: 'NUMBER' });
      expectError(again, 409, 'CONFLICT');
      expect(again.body.error.details[0]).toEqual({
        field: 'name',
        message: expect.stringContaining('"screen_size"'),
      });
      expectError(
        await create({ categoryId: category.id, name: '패널 종류', type: 'TEXT' }),
        409,
        'CONFLICT',
      );
      // in another category the key is free
      expect((await create({ categoryId: other.id, name: '패널 종류', type: 'TEXT' })).body.data.key).toBe(
        korean,
      );
      // a key sent is still checked and used
      expect(await keyOf('Whatever', { key: 'own_key' })).toBe('own_key');
      expectError(
        await create({ categoryId: category.id, key: 'Bad Key', name: 'x', type: 'TEXT' }),
        400,
        'VALIDATION_ERROR',
      );
    });

    it("takes the client's create body (SpecApiPage) and its groupName / higherIsBetter / isComparable", async () => {
      const category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Client') });
      const page = await create({
        categoryId: category.id,
        name: '패널',
        type: 'SELECT',
        options: ['IPS', 'OLED'],
      });
      expect(page.status, JSON.stringify(page.body)).toBe(201);
      expect(page.body.data).toMatchObject({
        categoryId: category.id,
        name: '패널',
        type: 'SELECT',
        options: ['IPS', 'OLED'],
        unit: null,
        groupName: null,
        parentDefinitionId: null,
        higherIsBetter: false,
        isComparable: false,
        dataType: 'STRING',
        sortOrder: 0,
      });
      const cases: [Record<string, unknown>, Record<string, unknown>][] = [
        [
          { name: 'Battery', type: 'NUMBER', unit: 'Wh', groupName: 'Power', higherIsBetter: true },
          { direction: 'HIGHER_IS_BETTER', group: 'Power', groupName: 'Power', isComparable: true },
        ],
        [{ name: 'Noise', type: 'NUMBER', higherIsBetter: false }, { direction: 'LOWER_IS_BETTER' }],
        [
          { name: 'Ports', type: 'NUMBER', higherIsBetter: true, isComparable: false },
          { direction: 'NONE', higherIsBetter: false, isComparable: false },
        ],
        [{ name: 'Backlight', type: 'BOOLEAN', isComparable: true }, { direction: 'HIGHER_IS_BETTER' }],
        // direction, when sent, wins
        [{ name: 'Fan', type: 'NUMBER', direction: 'NONE', higherIsBetter: true }, { direction: 'NONE' }],
        [
          { name: 'Colour', type: 'SELECT', options: ['Red'], higherIsBetter: false, isComparable: false },
          { direction: 'NONE' },
        ],
        [{ name: 'Grouped', type: 'TEXT', group: 'G', groupName: 'G' }, { group: 'G' }],
      ];
      for (const [body, expected] of cases) {
        const result = await create({ categoryId: category.id, ...body });
        expect(result.status, JSON.stringify(result.body)).toBe(201);
        expect(result.body.data).toMatchObject(expected);
      }
      const refused: [Record<string, unknown>, string][] = [
        [{ name: 'Colour 2', type: 'SELECT', options: ['Red'], higherIsBetter: true }, 'body.higherIsBetter'],
        [{ name: 'Note 2', type: 'TEXT', isComparable: true }, 'body.isComparable'],
        [{ name: 'Two groups', type: 'TEXT', group: 'A', groupName: 'B' }, 'body.groupName'],
        [{ name: 'No options', type: 'SELECT' }, 'body.options'],
        [{ name: 'Odd type', type: 'RANGE' }, 'body.type'],
        [{ name: 'Odd flag', type: 'NUMBER', higherIsBetter: 'yes' }, 'body.higherIsBetter'],
      ];
      for (const [body, field] of refused) {
        const result = await create({ categoryId: category.id, ...body });
        expectError(result, 400, 'VALIDATION_ERROR');
        expect(result.body.error.details.map((detail: { field: string }) => detail.field)).toContain(field);
        expect(typeof result.body.message).toBe('string');
      }
    });

    it("PATCH takes the client's field names; the type may be sent but not changed", async () => {
      const category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Patch') });
      const created = await create({
        categoryId: category.id,
        name: 'Battery',
        type: 'NUMBER',
        higherIsBetter: true,
      });
      const id = created.body.data.id;
      const patch = (body: Record<string, unknown>) =>
        call('PATCH', `/api/v1/specs/definitions/${id}`, { headers: api.admin.authHeader, body });
      const steps: [Record<string, unknown>, Record<string, unknown>][] = [
        [{ groupName: 'Power' }, { group: 'Power', groupName: 'Power' }],
        [
          { type: 'NUMBER', name: 'Battery capacity' },
          { name: 'Battery capacity', type: 'NUMBER' },
        ],
        [{ higherIsBetter: false }, { direction: 'LOWER_IS_BETTER', isComparable: true }],
        [{ isComparable: false }, { direction: 'NONE', higherIsBetter: false, isComparable: false }],
        [{ isComparable: true }, { direction: 'HIGHER_IS_BETTER' }],
        [{ groupName: null }, { group: null }],
      ];
      for (const [body, expected] of steps) {
        const result = await patch(body);
        expect(result.status, `${JSON.stringify(body)}: ${JSON.stringify(result.body)}`).toBe(200);
        expect(result.body.data).toMatchObject(expected);
      }
      const typeChange = await patch({ type: 'TEXT' });
      expectError(typeChange, 400, 'VALIDATION_ERROR');
      expect(typeChange.body.error.details[0]).toMatchObject({ field: 'body.type' });
      expectError(await patch({ group: 'A', groupName: 'B' }), 400, 'VALIDATION_ERROR');
      const select = await create({
        categoryId: category.id,
        name: 'Colour',
        type: 'SELECT',
        options: ['Red'],
      });
      expectError(
        await call('PATCH', `/api/v1/specs/definitions/${select.body.data.id}`, {
          headers: api.admin.authHeader,
          body: { higherIsBetter: true },
        }),
        400,
        'VALIDATION_ERROR',
      );
    });
  });

  describe('product spec values', () => {
    const put = (productId: number, body: unknown) =>
      call('PUT', `/api/v1/products/${productId}/specs`, { headers: api.admin.authHeader, body });

    it("PUT takes the client's { specs: [{ specDefinitionId, value, numericValue? }] }; GET's answer goes back in", async () => {
      const result = await put(deskIds.e!, {
        specs: [
          { specDefinitionId: defs.ram!.id, value: '16GB' },
          // a number as the display text GET answers
          { specDefinitionId: defs.weight!.id, value: '1.35 kg' },
          // numericValue is the number; value then only display text
          { specDefinitionId: defs.cpu!.id, value: '150 points', numericValue: 150 },
          { specDefinitionId: defs.touch!.id, value: 'false' },
          { specDefinitionId: defs.panel!.id, value: 'OLED' },
          { specDefinitionId: defs.brightness!.id, value: '450' },
        ],
      });
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      expect(
        result.body.data.map((item: { key: string; value: string; numericValue?: number }) => [
          item.key,
          item.value,
          item.numericValue,
        ]),
      ).toEqual([
        ['ram', '16GB', undefined],
        ['cpu_score', '150', 150],
        ['weight', '1.35 kg', 1.35],
        ['touch', 'false', undefined],
        ['panel', 'OLED', undefined],
        ['brightness', '450 nit', 450],
      ]);
      // what GET answers, sent back as the client sends it, changes nothing
      const read = await call('GET', `/api/v1/products/${deskIds.e}/specs`);
      const back = await put(deskIds.e!, {
        specs: read.body.data.map((item: { specDefinitionId: number; value: string }) => ({
          specDefinitionId: item.specDefinitionId,
          value: item.value,
        })),
      });
      expect(back.status, JSON.stringify(back.body)).toBe(200);
      expect(back.body.data).toEqual(read.body.data);
    });

    it('refuses what neither shape allows, with the field it came in', async () => {
      const invalid: [unknown, string, string][] = [
        [
          { specs: [{ specDefinitionId: defs.ram!.id, numericValue: 16 }] },
          'INVALID_SPEC_VALUE',
          'specs.0.value',
        ],
        [
          { specs: [{ specDefinitionId: defs.weight!.id, value: '1.35 lb' }] },
          'INVALID_SPEC_VALUE',
          'specs.0.value',
        ],
        [{ specs: [{ specDefinitionId: defs.gpu!.id, value: 'RTX4070' }] }, 'INVALID_SPEC_VALUE', 'specs.0'],
        [{ specs: [{ specDefinitionId: missingId, value: 'x' }] }, 'INVALID_SPEC_VALUE', 'specs.0'],
        [{ specs: [{ specDefinitionId: defs.ram!.id }] }, 'VALIDATION_ERROR', 'body.specs.0.value'],
        [
          { specs: [{ specDefinitionId: defs.weight!.id, numericValue: 1e300 }] },
          'VALIDATION_ERROR',
          'body.specs.0.numericValue',
        ],
        [
          { specs: [{ specDefinitionId: defs.weight!.id, numericValue: '2' }] },
          'VALIDATION_ERROR',
          'body.specs.0.numericValue',
        ],
        [{ specs: [], values: [] }, 'VALIDATION_ERROR', 'body.values'],
        [{}, 'VALIDATION_ERROR', 'body.values'],
        [{ specs: 'all' }, 'VALIDATION_ERROR', 'body.specs'],
      ];
      for (const [body, code, field] of invalid) {
        const result = await put(deskIds.e!, body);
        expectError(result, 400, code);
        expect(
          result.body.error.details.map((detail: { field: string }) => detail.field),
          JSON.stringify(body),
        ).toContain(field);
      }
      expectError(await put(missingId, { specs: [] }), 404, 'PRODUCT_NOT_FOUND');
      // nothing changed
      const after = await call('GET', `/api/v1/products/${deskIds.e}/specs`);
      expect(after.body.data).toHaveLength(6);
    });

    it('GET /products/:id/specs/grouped: the values by group in spec order, the ungrouped last', async () => {
      const result = await call('GET', `/api/v1/products/${deskIds.e}/specs/grouped`);
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      expect(
        result.body.data.map(
          (group: { groupName: string; group: string | null; specs: { key: string }[] }) => [
            group.groupName,
            group.group,
            group.specs.map((spec) => spec.key),
          ],
        ),
      ).toEqual([
        ['Memory', 'Memory', ['ram']],
        ['Performance', 'Performance', ['cpu_score']],
        ['Body', 'Body', ['weight']],
        ['기타', null, ['touch', 'panel', 'brightness']],
      ]);
      expect(result.body.data[2].specs[0]).toMatchObject({ value: '1.35 kg', numericValue: 1.35 });
      const english = await call('GET', `/api/v1/products/${deskIds.e}/specs/grouped`, {
        headers: { 'accept-language': 'en' },
      });
      expect(english.body.data.at(-1).groupName).toBe('Other');
      // no values, no groups
      const empty = await call('GET', `/api/v1/products/${deskIds.f}/specs/grouped`);
      expect(empty.body.data).toEqual([]);
      expectError(await call('GET', `/api/v1/products/${missingId}/specs/grouped`), 404, 'PRODUCT_NOT_FOUND');
      expectError(await call('GET', '/api/v1/products/abc/specs/grouped'), 400, 'VALIDATION_ERROR');
    });
  });

  describe('comparison and scores', () => {
    const put = (productId: number, body: unknown) =>
      call('PUT', `/api/v1/products/${productId}/specs`, { headers: api.admin.authHeader, body });

    it('POST /specs/compare/numeric: the NUMBER specs side by side, the best value by direction', async () => {
      const result = await call('POST', '/api/v1/specs/compare/numeric', {
        body: { productIds: [ids.a, ids.b, ids.d] },
      });
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      expect(result.body.data.products.map((item: { id: number }) => item.id)).toEqual([ids.a, ids.b, ids.d]);
      expect(result.body.data.specs).toEqual([
        {
          key: 'cpu_score',
          name: 'CPU score',
          group: 'Performance',
          unit: null,
          direction: 'HIGHER_IS_BETTER',
          higherIsBetter: true,
          values: [100, 200, 100],
          winnerIndexes: [1],
          best: 200,
        },
        expect.objectContaining({ key: 'weight', values: [1.2, 2, 1.2], winnerIndexes: [0, 2], best: 1.2 }),
        expect.objectContaining({ key: 'screen_size', values: [14, 16, 13], winnerIndexes: [], best: null }),
      ]);
      const bad: unknown[] = [
        {},
        { productIds: [ids.a] },
        { productIds: [ids.a, ids.a] },
        { productIds: 'x' },
      ];
      for (const body of bad) {
        expectError(await call('POST', '/api/v1/specs/compare/numeric', { body }), 400, 'VALIDATION_ERROR');
      }
      expectError(
        await call('POST', '/api/v1/specs/compare/numeric', { body: { productIds: [ids.a, missingId] } }),
        404,
        'PRODUCT_NOT_FOUND',
      );
    });

    it('POST /specs/score: products of a category (or of one inheriting its specs) scored as the scored comparison', async () => {
      const result = await call('POST', '/api/v1/specs/score', {
        body: { categoryId: laptop.id, productIds: [ids.a, ids.b] },
      });
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      const scored = await call('POST', '/api/v1/specs/compare/scored', {
        body: { productIds: [ids.a, ids.b] },
      });
      expect(result.body.data).toEqual({ categoryId: laptop.id, ...scored.body.data });
      // weights as in the scored comparison; the gaming laptop inherits the laptop's specs
      const weighted = await call('POST', '/api/v1/specs/score', {
        body: { categoryId: laptop.id, productIds: [ids.a, ids.g, deskIds.e], weights: { cpu_score: 100 } },
      });
      expect(weighted.status, JSON.stringify(weighted.body)).toBe(200);
      expect(weighted.body.data.products.map((item: { totalScore: number }) => item.totalScore)).toEqual([
        0, 100, 25,
      ]);
      // one product: every normalised spec is 100
      const one = await call('POST', '/api/v1/specs/score', {
        body: { categoryId: laptop.id, productIds: [ids.d] },
      });
      expect(one.status, JSON.stringify(one.body)).toBe(200);
      expect(one.body.data.products).toEqual([
        { id: ids.d, name: `${tag} d`, totalScore: expect.any(Number), rank: 1 },
      ]);

      const outside = await call('POST', '/api/v1/specs/score', {
        body: { categoryId: gaming.id, productIds: [ids.g, ids.a] },
      });
      expectError(outside, 400, 'VALIDATION_ERROR');
      expect(outside.body.error.details).toEqual([
        { field: 'body.productIds.1', message: expect.stringContaining(`category ${gaming.id}`) },
      ]);
      expectError(
        await call('POST', '/api/v1/specs/score', { body: { categoryId: missingId, productIds: [ids.a] } }),
        404,
        'CATEGORY_NOT_FOUND',
      );
      expectError(
        await call('POST', '/api/v1/specs/score', {
          body: { categoryId: laptop.id, productIds: [missingId] },
        }),
        404,
        'PRODUCT_NOT_FOUND',
      );
      const bad: unknown[] = [
        {},
        { categoryId: laptop.id },
        { categoryId: laptop.id, productIds: [] },
        { categoryId: laptop.id, productIds: [ids.a, ids.a] },
        { categoryId: laptop.id, productIds: Array.from({ length: 21 }, (_, index) => index + 1) },
        { categoryId: String(laptop.id), productIds: [ids.a] },
        { categoryId: laptop.id, productIds: [ids.a], weights: { cpu_score: 50 } },
      ];
      for (const body of bad) {
        expectError(await call('POST', '/api/v1/specs/score', { body }), 400, 'VALIDATION_ERROR');
      }
    });

    it("PUT /specs/scores/:specDefId takes the client's { value, score }: an option, or a NUMBER range up to the next value", async () => {
      const scores = (id: number, body: unknown) =>
        call('PUT', `/api/v1/specs/scores/${id}`, { headers: api.admin.authHeader, body });
      const options = await scores(defs.panel!.id, {
        scores: [
          { value: 'IPS', score: 80 },
          { value: 'OLED', score: 100, benchmarkSource: 'rtings.com' },
        ],
      });
      expect(options.status, JSON.stringify(options.body)).toBe(200);
      expect(options.body.data).toEqual([
        { id: expect.any(Number), optionValue: 'IPS', minValue: null, maxValue: null, score: 80 },
        { id: expect.any(Number), optionValue: 'OLED', minValue: null, maxValue: null, score: 100 },
      ]);
      const ranges = await scores(defs.brightness!.id, {
        scores: [
          { value: '1000 nit', score: 100 },
          { value: '300', score: 40 },
          { value: 500, score: 80 },
        ],
      });
      expect(ranges.status, JSON.stringify(ranges.body)).toBe(200);
      expect(
        ranges.body.data.map((item: { minValue: number; maxValue: number; score: number }) => [
          item.minValue,
          item.maxValue,
          item.score,
        ]),
      ).toEqual([
        [300, 500, 40],
        [500, 1000, 80],
        [1000, null, 100],
      ]);
      // the stored rows score as any mapping does: e has 450 nit and OLED, f 1200 nit and VA
      const f = await put(deskIds.f!, {
        specs: [
          { specDefinitionId: defs.brightness!.id, value: '1200' },
          { specDefinitionId: defs.panel!.id, value: 'VA' },
        ],
      });
      expect(f.status, JSON.stringify(f.body)).toBe(200);
      const compared = await call('POST', '/api/v1/specs/compare/scored', {
        body: { productIds: [deskIds.e, deskIds.f], weights: { brightness: 50, panel: 50 } },
      });
      expect(compared.status, JSON.stringify(compared.body)).toBe(200);
      expect(compared.body.data.specScores).toEqual([
        { key: 'panel', name: 'Panel', weight: 50, method: 'MAPPING', scores: [100, 0], winner: 0 },
        {
          key: 'brightness',
          name: 'Brightness',
          weight: 50,
          method: 'MAPPING',
          scores: [40, 100],
          winner: 1,
        },
      ]);

      const refused: [number, unknown, string][] = [
        [defs.brightness!.id, [{ value: 'bright', score: 10 }], 'scores.0.value'],
        [
          defs.brightness!.id,
          [
            { value: '300', score: 10 },
            { value: 300, score: 20 },
          ],
          'scores.1.value',
        ],
        [
          defs.brightness!.id,
          [
            { minValue: 0, maxValue: 400, score: 10 },
            { value: '300', score: 40 },
          ],
          'scores',
        ],
        [defs.panel!.id, [{ value: 'QLED', score: 10 }], 'scores.0.value'],
        [
          defs.panel!.id,
          [
            { value: 'IPS', score: 10 },
            { optionValue: 'IPS', score: 20 },
          ],
          'scores.1.optionValue',
        ],
        [defs.panel!.id, [{ value: 'IPS', optionValue: 'IPS', score: 10 }], 'body.scores.0'],
        [defs.panel!.id, [{ value: 'IPS', score: 85.5 }], 'body.scores.0.score'],
        [defs.panel!.id, [{ value: 'IPS' }], 'body.scores.0.score'],
        [defs.panel!.id, [{ value: { $ne: null }, score: 10 }], 'body.scores.0.value'],
        [defs.panel!.id, [{ value: '', score: 10 }], 'body.scores.0.value'],
      ];
      for (const [id, items, field] of refused) {
        const result = await scores(id, { scores: items });
        expectError(result, 400, 'VALIDATION_ERROR');
        expect(
          result.body.error.details.map((detail: { field: string }) => detail.field),
          JSON.stringify(items),
        ).toContain(field);
      }
      // the mapping stayed
      const still = await call('POST', '/api/v1/specs/compare/scored', {
        body: { productIds: [deskIds.e, deskIds.f], weights: { brightness: 100 } },
      });
      expect(still.body.data.specScores[0].scores).toEqual([40, 100]);
    });
  });

  describe('similar products', () => {
    it('GET /products/:id/similar-spec-products is /similar under the storefront path, with similarityScore', async () => {
      const alias = await call('GET', `/api/v1/products/${ids.a}/similar-spec-products`);
      expect(alias.status, JSON.stringify(alias.body)).toBe(200);
      const contract = await call('GET', `/api/v1/products/${ids.a}/similar?limit=5`);
      expect(alias.body.data).toEqual(contract.body.data);
      expect(alias.body.data.map((item: { id: number }) => item.id)).toEqual([ids.c, ids.d, ids.b]);
      for (const item of alias.body.data) {
        expect(item.similarityScore).toBe(item.similarity);
        expect(typeof item.name).toBe('string');
      }
      const one = await call('GET', `/api/v1/products/${ids.a}/similar-spec-products?limit=1`);
      expect(one.body.data).toHaveLength(1);
      expectError(
        await call('GET', `/api/v1/products/${ids.a}/similar-spec-products?limit=0`),
        400,
        'VALIDATION_ERROR',
      );
      expectError(
        await call('GET', `/api/v1/products/${missingId}/similar-spec-products`),
        404,
        'PRODUCT_NOT_FOUND',
      );
    });
  });

  it('the OpenAPI document has each storefront path beside the contract one', async () => {
    const paths = (api.app.swagger() as { paths: Record<string, Record<string, unknown>> }).paths;
    const operations: [string, string][] = [
      ['/api/v1/specs/definitions/resolved/{categoryId}', 'get'],
      ['/api/v1/products/{id}/specs/grouped', 'get'],
      ['/api/v1/specs/compare/numeric', 'post'],
      ['/api/v1/specs/score', 'post'],
      ['/api/v1/products/{id}/similar-spec-products', 'get'],
      ['/api/v1/products/{id}/similar', 'get'],
      ['/api/v1/products/{id}/specs', 'put'],
      ['/api/v1/specs/scores/{specDefId}', 'put'],
    ];
    for (const [path, method] of operations) expect(paths[path]?.[method], `${method} ${path}`).toBeDefined();
  });
});

describe('permissions and hostile input', () => {
  it('admin routes refuse anonymous (401) and members (403); reads are public', async () => {
    const adminCalls: [Method, string, unknown][] = [
      ['POST', '/api/v1/specs/definitions', { categoryId: laptop.id, key: 'x', name: 'x', type: 'TEXT' }],
      ['PATCH', `/api/v1/specs/definitions/${defs.note!.id}`, { name: 'x' }],
      ['DELETE', `/api/v1/specs/definitions/${defs.note!.id}`, undefined],
      ['PUT', `/api/v1/specs/templates/${laptop.id}`, { inheritsFromCategoryId: null }],
      ['PUT', `/api/v1/products/${ids.a}/specs`, { values: [] }],
      ['PUT', `/api/v1/products/${ids.a}/specs`, { specs: [] }],
      ['PUT', `/api/v1/specs/scores/${defs.cpu!.id}`, { scores: [] }],
      ['PUT', `/api/v1/specs/scores/${defs.ram!.id}`, { scores: [{ value: '16GB', score: 80 }] }],
    ];
    for (const [method, url, body] of adminCalls) {
      expectError(await call(method, url, { body }), 401, 'UNAUTHORIZED');
      expectError(await call(method, url, { body, headers: api.user.authHeader }), 403, 'FORBIDDEN');
    }
    expect((await call('GET', `/api/v1/specs/definitions?categoryId=${laptop.id}`)).status).toBe(200);
    expect((await call('GET', `/api/v1/products/${ids.a}/specs`)).status).toBe(200);
    // the storefront's reads send no token
    for (const url of [
      `/api/v1/specs/definitions/resolved/${laptop.id}`,
      `/api/v1/products/${ids.a}/specs/grouped`,
      `/api/v1/products/${ids.a}/similar-spec-products`,
    ]) {
      expect((await call('GET', url)).status, url).toBe(200);
    }
    expect(
      (await call('POST', '/api/v1/specs/compare/numeric', { body: { productIds: [ids.a, ids.b] } })).status,
    ).toBe(200);
    expect(
      (await call('POST', '/api/v1/specs/score', { body: { categoryId: laptop.id, productIds: [ids.a] } }))
        .status,
    ).toBe(200);
  });

  it('hostile input is a 4xx with a code, never a 500', async () => {
    const attempts: [Method, string, unknown][] = [
      ['GET', '/api/v1/specs/definitions?categoryId=not-an-id', undefined],
      ['GET', `/api/v1/specs/definitions?categoryId=${missingId}`, undefined],
      ['GET', "/api/v1/products/1' or 1=1--/specs", undefined],
      ['POST', '/api/v1/specs/compare', { productIds: null }],
      ['POST', '/api/v1/specs/compare', { productIds: ["'; drop table products; --", ids.a] }],
      ['POST', '/api/v1/specs/compare/scored', { productIds: [ids.a, ids.b], weights: { __proto__: 100 } }],
      ['POST', '/api/v1/specs/compare/scored', { productIds: [ids.a, ids.b], weights: {} }],
      [
        'POST',
        '/api/v1/specs/compare/scored',
        { productIds: [ids.a, ids.b], weights: { cpu_score: Number.NaN } },
      ],
      ['GET', `/api/v1/products/${ids.a}/similar?limit=1e9`, undefined],
      ['GET', `/api/v1/products?specs=${encodeURIComponent('{"ram":{"min":1e400}}')}`, undefined],
      ['GET', "/api/v1/specs/definitions/resolved/1' or 1=1--", undefined],
      ['GET', '/api/v1/specs/definitions/resolved/', undefined],
      ['GET', `/api/v1/products/${'9'.repeat(30)}/specs/grouped`, undefined],
      ['GET', `/api/v1/products/${ids.a}/similar-spec-products?limit=abc`, undefined],
      ['POST', '/api/v1/specs/compare/numeric', { productIds: [ids.a, { $gt: 0 }] }],
      ['POST', '/api/v1/specs/compare/numeric', null],
      ['POST', '/api/v1/specs/score', { categoryId: { $ne: null }, productIds: [ids.a] }],
      [
        'POST',
        '/api/v1/specs/score',
        { categoryId: laptop.id, productIds: [ids.a], weights: { __proto__: 100 } },
      ],
      ['POST', '/api/v1/specs/score', { categoryId: laptop.id, productIds: [-1] }],
      ['POST', '/api/v1/specs/score', { categoryId: laptop.id, productIds: [2 ** 63] }],
    ];
    for (const [method, url, body] of attempts) {
      const result = await call(method, url, { body });
      expect(result.status, `${method} ${url}`).toBeGreaterThanOrEqual(400);
      expect(result.status, `${method} ${url}`).toBeLessThan(500);
      expect(typeof result.body.error.code).toBe('string');
    }
    const admins: [Method, string, unknown][] = [
      ['PUT', `/api/v1/products/${ids.a}/specs`, { values: [{ key: 'cpu_score', value: 1e300 }] }],
      ['PUT', `/api/v1/products/${ids.a}/specs`, { values: [{ key: 'note', value: 'a\u0000b' }] }],
      ['PUT', `/api/v1/products/${ids.a}/specs`, { values: [{ key: 'ram', value: { $ne: null } }] }],
      ['PUT', `/api/v1/products/${ids.a}/specs`, { values: 'all' }],
      ['PUT', `/api/v1/specs/templates/not-an-id`, { inheritsFromCategoryId: null }],
      ['POST', '/api/v1/specs/definitions', { categoryId: missingId, key: 'x', name: 'x', type: 'TEXT' }],
      ['POST', '/api/v1/specs/definitions', { categoryId: laptop.id, key: 'x', name: 'x', type: 'COLOR' }],
      ['PATCH', `/api/v1/specs/definitions/${defs.note!.id}`, { direction: 'HIGHER_IS_BETTER' }],
      ['PATCH', `/api/v1/specs/definitions/${defs.note!.id}`, { options: ['a'] }],
      ['PATCH', `/api/v1/specs/definitions/${defs.note!.id}`, {}],
      ['PATCH', `/api/v1/specs/definitions/${defs.note!.id}`, { type: 'NUMBER' }],
      ['PATCH', `/api/v1/specs/definitions/${defs.note!.id}`, { isComparable: true }],
      ['POST', '/api/v1/specs/definitions', { categoryId: laptop.id, name: '\u0000', type: 'TEXT' }],
      ['POST', '/api/v1/specs/definitions', { categoryId: laptop.id, name: 'x'.repeat(101), type: 'TEXT' }],
      ['POST', '/api/v1/specs/definitions', { categoryId: laptop.id, name: '   ', type: 'TEXT' }],
      ['POST', '/api/v1/specs/definitions', { categoryId: laptop.id, name: 'a\uD800b', type: 'TEXT' }],
      ['PUT', `/api/v1/products/${ids.a}/specs`, { specs: [{ specDefinitionId: '1', value: 'x' }] }],
      ['PUT', `/api/v1/products/${ids.a}/specs`, { specs: [{ key: 'cpu_score', numericValue: 1e20 }] }],
      ['PUT', `/api/v1/products/${ids.a}/specs`, { specs: [{ key: 'cpu_score', value: 'Infinity' }] }],
      ['PUT', `/api/v1/products/${ids.a}/specs`, { specs: [{ key: 'cpu_score', value: '1e5 ' }] }],
      ['PUT', `/api/v1/specs/scores/${defs.cpu!.id}`, { scores: [{ value: 'NaN', score: 1 }] }],
      ['PUT', `/api/v1/specs/scores/${defs.cpu!.id}`, { scores: [{ value: 1e300, score: 1 }] }],
      ['PUT', `/api/v1/specs/scores/${defs.cpu!.id}`, { scores: [{ value: '1'.repeat(101), score: 1 }] }],
    ];
    for (const [method, url, body] of admins) {
      const result = await call(method, url, { body, headers: api.admin.authHeader });
      expect(result.status, `${method} ${url} ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
      expect(result.status, `${method} ${url}`).toBeLessThan(500);
      expect(typeof result.body.error.code).toBe('string');
    }
  });
});
