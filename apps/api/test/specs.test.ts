// SPEC-01..04 and SENG-01..05: spec definitions with template inheritance, product spec values,
// side-by-side and scored comparison, similar products and the product list's spec filter;
// against real PostgreSQL and Redis.
import { products } from '@pbshop/db';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
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
  it('a category gets its own definitions plus the inherited ones; the child overrides a key', async () => {
    const own = await call('GET', `/api/v1/specs/definitions?categoryId=${laptop.id}`);
    expect(own.status).toBe(200);
    expect(own.body.data.map((item: { key: string }) => item.key)).toEqual([
      'ram',
      'cpu_score',
      'weight',
      'screen_size',
      'touch',
      'note',
    ]);
    const result = await call('GET', `/api/v1/specs/definitions?categoryId=${gaming.id}`);
    expect(result.status).toBe(200);
    const byKey = Object.fromEntries(
      result.body.data.map((item: { key: string }) => [item.key, item]),
    ) as Record<string, Record<string, unknown>>;
    expect(Object.keys(byKey)).toEqual(['gpu', 'ram', 'cpu_score', 'weight', 'screen_size', 'touch', 'note']);
    expect(byKey.ram).toMatchObject({
      id: defs.gamingRam!.id,
      name: 'RAM (gaming)',
      options: ['16GB', '32GB', '64GB'],
      inherited: false,
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
    });
    // two levels: ultra → gaming → laptop
    await call('PUT', `/api/v1/specs/templates/${ultra.id}`, {
      headers: api.admin.authHeader,
      body: { inheritsFromCategoryId: gaming.id },
    });
    const deep = await call('GET', `/api/v1/specs/definitions?categoryId=${ultra.id}`);
    expect(deep.body.data).toHaveLength(7);
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
  it('returns the values with group and unit, numbers parsed', async () => {
    const result = await call('GET', `/api/v1/products/${ids.a}/specs`);
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual([
      expect.objectContaining({ key: 'ram', name: 'RAM', group: 'Memory', value: '16GB', unit: null }),
      expect.objectContaining({ key: 'cpu_score', value: 100 }),
      expect.objectContaining({ key: 'weight', value: 1.2, unit: 'kg', group: 'Body' }),
      expect.objectContaining({ key: 'screen_size', value: 14, unit: 'inch' }),
      expect.objectContaining({ key: 'touch', value: true, type: 'BOOLEAN' }),
    ]);
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

  it('the gaming product uses its own RAM options and the inherited specs', async () => {
    const result = await call('GET', `/api/v1/products/${ids.g}/specs`);
    expect(result.body.data.map((item: { key: string; value: unknown }) => [item.key, item.value])).toEqual([
      ['gpu', 'RTX4070'],
      ['ram', '64GB'],
      ['cpu_score', 300],
      ['weight', 2.5],
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

describe('permissions and hostile input', () => {
  it('admin routes refuse anonymous (401) and members (403); reads are public', async () => {
    const adminCalls: [Method, string, unknown][] = [
      ['POST', '/api/v1/specs/definitions', { categoryId: laptop.id, key: 'x', name: 'x', type: 'TEXT' }],
      ['PATCH', `/api/v1/specs/definitions/${defs.note!.id}`, { name: 'x' }],
      ['DELETE', `/api/v1/specs/definitions/${defs.note!.id}`, undefined],
      ['PUT', `/api/v1/specs/templates/${laptop.id}`, { inheritsFromCategoryId: null }],
      ['PUT', `/api/v1/products/${ids.a}/specs`, { values: [] }],
      ['PUT', `/api/v1/specs/scores/${defs.cpu!.id}`, { scores: [] }],
    ];
    for (const [method, url, body] of adminCalls) {
      expectError(await call(method, url, { body }), 401, 'UNAUTHORIZED');
      expectError(await call(method, url, { body, headers: api.user.authHeader }), 403, 'FORBIDDEN');
    }
    expect((await call('GET', `/api/v1/specs/definitions?categoryId=${laptop.id}`)).status).toBe(200);
    expect((await call('GET', `/api/v1/products/${ids.a}/specs`)).status).toBe(200);
  });

  it('hostile input is a 4xx with a code, never a 500', async () => {
    const attempts: [Method, string, unknown][] = [
      ['GET', '/api/v1/specs/definitions', undefined],
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
    ];
    for (const [method, url, body] of admins) {
      const result = await call(method, url, { body, headers: api.admin.authHeader });
      expect(result.status, `${method} ${url} ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
      expect(result.status, `${method} ${url}`).toBeLessThan(500);
      expect(typeof result.body.error.code).toBe('string');
    }
  });
});
