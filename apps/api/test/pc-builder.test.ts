// PCBLD-01..11: builds priced from their offers at read time, the compatibility check against the
// rules in compatibility_rules (the seed's defaults and ones an admin adds), share codes, owners'
// edits; against real PostgreSQL and Redis, on the seed's PC parts.
import { pcPartProductId, pcParts, seedDatabase } from '@pbshop/db/seed';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { expectError, missingId } from './helpers/http.ts';
import type { Member } from './helpers/users.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, owner: {}, stranger: {} } });
const { call } = api;
const SEED = 1;

beforeAll(async () => {
  await seedDatabase(api.ctx.env.DATABASE_URL!, { products: 0, seed: SEED, log: () => {} });
});

const idOf = (key: string) => pcPartProductId(SEED, key);
const priceOf = (key: string) => pcParts.find((part) => part.key === key)!.price;

type PartType = 'CPU' | 'MOTHERBOARD' | 'RAM' | 'GPU' | 'SSD' | 'HDD' | 'PSU' | 'CASE' | 'COOLER' | 'MONITOR';
/** A build that works: AM5, DDR5 in 2 of 4 slots, ATX in a case that takes the card and the cooler. */
const goodParts: Record<PartType, string> = {
  CPU: 'cpu-r7-7800x3d',
  MOTHERBOARD: 'mb-b650-tuf',
  RAM: 'ram-ddr5-32-2x16',
  GPU: 'gpu-4070s',
  SSD: 'ssd-990pro-2tb',
  HDD: 'hdd-barracuda-2tb',
  PSU: 'psu-850',
  CASE: 'case-h5-flow',
  COOLER: 'cooler-pa120',
  MONITOR: 'monitor-27gr83q',
};

interface Issue {
  rule: string;
  ruleId: number;
  severity: string;
  type: string;
}
interface Compatibility {
  status: string;
  issues: Issue[];
  errors: Issue[];
  warnings: { type: string; severity: string; rule?: string }[];
  missingParts: string[];
  powerEstimate?: { totalWattage: number; psuWattage: number; requiredWattage: number; sufficient: boolean };
  socketCompatible: boolean;
  ramCompatible: boolean;
  formFactorCompatible: boolean;
}
interface Detail {
  id: number;
  totalPrice: number;
  shareCode: string | null;
  viewCount: number;
  parts: {
    id: number;
    partType: string;
    product: { id: number };
    seller: { id: number; price: number } | null;
  }[];
  compatibility: Compatibility;
}

async function createBuild(as: Member = api.owner, purpose = 'GAMING'): Promise<Detail> {
  const created = await call('POST', '/api/v1/pc-builds', {
    headers: as.authHeader,
    body: { name: '게이밍 견적', description: '1440p 게임용', purpose, budget: 3_000_000 },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.data;
}

async function addPart(buildId: number, partType: string, key: string, extra: object = {}) {
  const added = await call('POST', `/api/v1/pc-builds/${buildId}/parts`, {
    headers: api.owner.authHeader,
    body: { productId: idOf(key), partType, quantity: 1, ...extra },
  });
  expect(added.status, JSON.stringify(added.body)).toBe(200);
  return added.body.data as Detail;
}

async function buildWith(overrides: Partial<Record<PartType, string | null>> = {}): Promise<Detail> {
  const build = await createBuild();
  let detail = build;
  for (const [type, key] of Object.entries({ ...goodParts, ...overrides })) {
    if (key) detail = await addPart(build.id, type, key);
  }
  return detail;
}

const check = async (buildId: number): Promise<Compatibility> => {
  const answer = await call('GET', `/api/v1/pc-builds/${buildId}/compatibility`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.data;
};

const ruleNames = (issues: Issue[]) => issues.map((issue) => issue.rule);

describe('the compatibility check (PCBLD-05..08)', () => {
  it('a known-good 10-part build is OK, with its power estimate and total from the lowest offers', async () => {
    const build = await buildWith();
    expect(build.parts).toHaveLength(10);
    expect(build.compatibility).toMatchObject({
      status: 'OK',
      issues: [],
      errors: [],
      warnings: [],
      missingParts: [],
      socketCompatible: true,
      ramCompatible: true,
      formFactorCompatible: true,
    });
    // 120 + 50 + 10 + 220 + 8 + 6 + 5 W drawn; the default rule asks 30 % more
    expect(build.compatibility.powerEstimate).toEqual({
      totalWattage: 419,
      psuWattage: 850,
      headroom: 103,
      requiredWattage: 545,
      sufficient: true,
    });
    const expected = Object.values(goodParts).reduce((sum, key) => sum + priceOf(key), 0);
    expect(build.totalPrice).toBe(expected);
    expect(await check(build.id)).toEqual(build.compatibility);
  });

  it.for([
    ['CPU', 'cpu-i5-14400f', 'CPU 소켓 ↔ 메인보드 소켓', 'socketCompatible', {}],
    ['RAM', 'ram-ddr4-32-2x16', '메모리 규격 ↔ 메인보드', 'ramCompatible', {}],
    ['RAM', 'ram-ddr5-32-2x16', '메모리 모듈 수 ≤ 메인보드 슬롯', 'ramCompatible', { quantity: 3 }],
    ['CASE', 'case-nr200p', '메인보드 폼팩터 ↔ 케이스', 'formFactorCompatible', {}],
    ['COOLER', 'cooler-darkrock5', 'CPU쿨러 높이 ≤ 케이스 쿨러 장착 높이', null, {}],
  ] as const)(
    'swapping %s for %s breaks the build and names "%s"',
    async ([type, key, rule, flag, extra]) => {
      const build = await buildWith();
      const swapped = await addPart(build.id, type, key, extra);
      const result = swapped.compatibility;
      expect(result.status).toBe('ERROR');
      expect(ruleNames(result.errors)).toEqual([rule]);
      expect(result.errors[0]!.severity).toBe('ERROR');
      if (flag) expect(result[flag]).toBe(false);
      expect(await check(build.id)).toEqual(result);
    },
  );

  it('a graphics card longer than the case takes breaks the GPU length rule', async () => {
    const build = await buildWith({ CASE: 'case-north' });
    expect(build.compatibility.status).toBe('OK');
    const swapped = await addPart(build.id, 'GPU', 'gpu-4090');
    expect(swapped.compatibility.status).toBe('ERROR');
    expect(ruleNames(swapped.compatibility.errors)).toEqual(['그래픽카드 길이 ≤ 케이스 VGA 장착 길이']);
    expect(swapped.parts.filter((part) => part.partType === 'GPU')).toHaveLength(1);
  });

  it('a PSU below the headroom rule warns (and names the rule); the build is not broken', async () => {
    const build = await buildWith({ PSU: 'psu-500' });
    const result = build.compatibility;
    expect(result.status).toBe('WARNING');
    expect(result.errors).toEqual([]);
    expect(ruleNames(result.issues)).toEqual(['파워 용량 여유']);
    expect(result.warnings).toEqual([
      expect.objectContaining({ type: 'POWER', rule: '파워 용량 여유', severity: 'MEDIUM' }),
    ]);
    expect(result.powerEstimate).toMatchObject({ totalWattage: 419, psuWattage: 500, sufficient: false });
  });

  it('lists missing parts and warns of a CPU that holds the GPU back', async () => {
    const build = await buildWith({
      CPU: 'cpu-r5-5600',
      MOTHERBOARD: 'mb-b550m-prime',
      RAM: 'ram-ddr4-32-2x16',
      GPU: 'gpu-4090',
      CASE: 'case-o11-evo',
      PSU: null,
      SSD: null,
      HDD: null,
    });
    const result = build.compatibility;
    expect(result.missingParts.sort()).toEqual(['PSU', 'SSD']);
    expect(result.status).toBe('INCOMPLETE');
    expect(result.warnings).toContainEqual(expect.objectContaining({ type: 'BOTTLENECK', severity: 'HIGH' }));
    const empty = await createBuild(api.owner, 'OFFICE');
    expect(empty.compatibility).toMatchObject({
      status: 'EMPTY',
      issues: [],
      missingParts: expect.arrayContaining(['CPU']),
    });
    expect(empty.compatibility.missingParts).not.toContain('GPU');
  });

  it('a rule an admin adds or disables applies on the next check, without a restart', async () => {
    const build = await buildWith({ MONITOR: null });
    expect((await check(build.id)).status).toBe('OK');

    // the storefront's rule form: a required part
    const required = await call('POST', '/api/v1/admin/compatibility-rules', {
      headers: api.admin.authHeader,
      body: {
        partType: 'MONITOR',
        title: '모니터 필수',
        description: '견적에는 모니터가 있어야 합니다.',
        severity: 'HIGH',
        enabled: true,
        metadata: { required: true },
      },
    });
    expect(required.status, JSON.stringify(required.body)).toBe(201);
    expect(required.body.data).toMatchObject({
      partType: 'MONITOR',
      targetPartType: null,
      title: '모니터 필수',
      severity: 'HIGH',
      enabled: true,
      metadata: { required: true },
    });
    expect(await check(build.id)).toMatchObject({ status: 'INCOMPLETE', missingParts: ['MONITOR'] });

    // a comparison rule: the CPU carries no memory type, so it cannot be verified and warns by name
    const compared = await call('POST', '/api/v1/admin/compatibility-rules', {
      headers: api.admin.authHeader,
      body: {
        partType: 'RAM',
        targetPartType: 'CPU',
        title: '메모리 ↔ CPU 메모리 컨트롤러',
        description: 'CPU가 지원하는 메모리 규격이어야 합니다.',
        severity: 'LOW',
        metadata: { operator: 'EQUALS', sourceSpec: 'memory_type', targetSpec: 'memory_type' },
      },
    });
    expect(compared.status, JSON.stringify(compared.body)).toBe(201);
    expect(compared.body.data.severity).toBe('LOW');
    const patched = await call('PATCH', `/api/v1/admin/compatibility-rules/${required.body.data.id}`, {
      headers: api.admin.authHeader,
      body: { title: '모니터 필수', description: '모니터를 고르세요.', severity: 'HIGH', enabled: false },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body.data).toMatchObject({ enabled: false, description: '모니터를 고르세요.' });
    const after = await check(build.id);
    expect(after.status).toBe('WARNING');
    expect(after.missingParts).toEqual([]);
    expect(after.warnings).toEqual([
      expect.objectContaining({ type: 'UNVERIFIED', rule: '메모리 ↔ CPU 메모리 컨트롤러', severity: 'LOW' }),
    ]);

    const removed = await call('DELETE', `/api/v1/admin/compatibility-rules/${compared.body.data.id}`, {
      headers: api.admin.authHeader,
    });
    expect(removed.status).toBe(200);
    expect((await check(build.id)).status).toBe('OK');
    const listed = await call('GET', '/api/v1/admin/compatibility-rules', { headers: api.admin.authHeader });
    expect(listed.body.data.map((rule: { title: string }) => rule.title)).toContain('파워 용량 여유');
    expect(listed.body.data.map((rule: { id: number }) => rule.id)).not.toContain(compared.body.data.id);
  });

  it('refuses rules that define no valid check with a 4xx, and non-admins', async () => {
    const base = { partType: 'GPU', title: 'Bad rule', description: 'x', severity: 'HIGH' };
    const bad = [
      { ...base, metadata: {} },
      { ...base, metadata: { required: false } },
      { ...base, metadata: { operator: 'DROP TABLE', sourceSpec: 'a', targetSpec: 'b' } },
      {
        ...base,
        targetPartType: 'CASE',
        metadata: { operator: 'LTE', sourceSpec: 'Length MM', targetSpec: 'x' },
      },
      {
        ...base,
        targetPartType: 'CASE',
        metadata: { operator: 'LTE', sourceSpec: 'a', targetSpec: 'b', extra: 1 },
      },
      {
        ...base,
        partType: 'PSU',
        metadata: {
          operator: 'POWER_HEADROOM',
          sourceSpec: 'wattage',
          powerSpec: 'power_draw_w',
          headroomPercent: -5,
        },
      },
      { ...base, severity: 'CRITICAL', metadata: { required: true } },
      { ...base, partType: 'TOASTER', metadata: { required: true } },
    ];
    for (const body of bad) {
      const answer = await call('POST', '/api/v1/admin/compatibility-rules', {
        headers: api.admin.authHeader,
        body,
      });
      expect(answer.status, JSON.stringify(body)).toBe(400);
    }
    const noTarget = await call('POST', '/api/v1/admin/compatibility-rules', {
      headers: api.admin.authHeader,
      body: {
        ...base,
        metadata: { operator: 'LTE', sourceSpec: 'length_mm', targetSpec: 'max_gpu_length_mm' },
      },
    });
    expectError(noTarget, 400, 'COMPATIBILITY_RULE_INVALID');
    const stray = await call('POST', '/api/v1/admin/compatibility-rules', {
      headers: api.admin.authHeader,
      body: {
        ...base,
        partType: 'PSU',
        targetPartType: 'GPU',
        metadata: {
          operator: 'POWER_HEADROOM',
          sourceSpec: 'wattage',
          powerSpec: 'power_draw_w',
          headroomPercent: 20,
        },
      },
    });
    expectError(stray, 400, 'COMPATIBILITY_RULE_INVALID');
    const taken = await call('POST', '/api/v1/admin/compatibility-rules', {
      headers: api.admin.authHeader,
      body: { ...base, title: '파워 용량 여유', metadata: { required: true } },
    });
    expectError(taken, 409, 'COMPATIBILITY_RULE_NAME_TAKEN');
    const [rule] = (await call('GET', '/api/v1/admin/compatibility-rules', { headers: api.admin.authHeader }))
      .body.data;
    // a PATCH that makes the kept check impossible
    expectError(
      await call('PATCH', `/api/v1/admin/compatibility-rules/${rule.id}`, {
        headers: api.admin.authHeader,
        body: { targetPartType: null },
      }),
      400,
      'COMPATIBILITY_RULE_INVALID',
    );
    expectError(
      await call('PATCH', `/api/v1/admin/compatibility-rules/${missingId}`, {
        headers: api.admin.authHeader,
        body: { enabled: false },
      }),
      404,
      'COMPATIBILITY_RULE_NOT_FOUND',
    );
    expectError(
      await call('POST', '/api/v1/admin/compatibility-rules', {
        headers: api.owner.authHeader,
        body: { ...base, metadata: { required: true } },
      }),
      403,
      'FORBIDDEN',
    );
    expectError(await call('GET', '/api/v1/admin/compatibility-rules'), 401, 'UNAUTHORIZED');
    // every rule still checks: nothing bad got in
    const build = await buildWith();
    expect((await check(build.id)).status).toBe('OK');
  });

  it('a spec value change of a part reaches the next check (the cached answer goes)', async () => {
    const build = await buildWith();
    expect((await check(build.id)).status).toBe('OK');
    const caseId = idOf('case-h5-flow');
    const values = await api.deps.database.sql<
      { id: number; key: string; text: string | null; number: string | null }[]
    >`
      select d.id, d.key, v.text_value as text, v.number_value::text as number
      from product_spec_values v join spec_definitions d on d.id = v.spec_definition_id
      where v.product_id = ${caseId}`;
    const put = (gpuLength: number) =>
      call('PUT', `/api/v1/products/${caseId}/specs`, {
        headers: api.admin.authHeader,
        body: {
          values: values.map((row) => ({
            specDefinitionId: Number(row.id),
            value:
              row.key === 'max_gpu_length_mm'
                ? gpuLength
                : row.number === null
                  ? row.text
                  : Number(row.number),
          })),
        },
      });
    try {
      expect((await put(250)).status).toBe(200);
      const shrunk = await check(build.id);
      expect(shrunk.status).toBe('ERROR');
      expect(ruleNames(shrunk.errors)).toEqual(['그래픽카드 길이 ≤ 케이스 VGA 장착 길이']);
    } finally {
      expect((await put(365)).status).toBe(200);
    }
    expect((await check(build.id)).status).toBe('OK');
  });
});

describe('builds, prices and owners (PCBLD-01..04)', () => {
  it('the total follows an offer price change, and a chosen shop keeps its own price', async () => {
    const build = await buildWith();
    const gpu = build.parts.find((part) => part.partType === 'GPU')!;
    const [lowest] = await api.deps.database.sql<{ id: number; seller_id: number; price: number }[]>`
      select id, seller_id, price::int from offers where product_id = ${idOf('gpu-4070s')} order by price, id limit 1`;
    expect(gpu.seller).toEqual(
      expect.objectContaining({ id: Number(lowest!.seller_id), price: lowest!.price }),
    );
    const changed = await call('PATCH', `/api/v1/prices/${lowest!.id}`, {
      headers: api.admin.authHeader,
      body: { price: lowest!.price - 50_000 },
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    const after = (await call('GET', `/api/v1/pc-builds/${build.id}`)).body.data as Detail;
    expect(after.totalPrice).toBe(build.totalPrice - 50_000);
    const mine = (await call('GET', '/api/v1/pc-builds?limit=100', { headers: api.owner.authHeader })).body
      .data;
    expect(mine.find((item: { id: number }) => item.id === build.id).totalPrice).toBe(after.totalPrice);

    // a chosen (dearer) shop prices the part from its offer
    const [dearest] = await api.deps.database.sql<{ seller_id: number; price: number }[]>`
      select seller_id, price::int from offers where product_id = ${idOf('gpu-4070s')} order by price desc limit 1`;
    const chosen = await addPart(build.id, 'GPU', 'gpu-4070s', { sellerId: Number(dearest!.seller_id) });
    expect(chosen.parts.find((part) => part.partType === 'GPU')!.seller).toEqual(
      expect.objectContaining({ id: Number(dearest!.seller_id), price: dearest!.price }),
    );
  });

  it('only the owner edits; others get 403, a missing build 404, no token 401', async () => {
    const build = await buildWith({ MONITOR: null });
    const part = build.parts[0]!;
    const asStranger = { headers: api.stranger.authHeader };
    expectError(
      await call('PATCH', `/api/v1/pc-builds/${build.id}`, { ...asStranger, body: { name: 'mine' } }),
      403,
      'FORBIDDEN',
    );
    expectError(await call('DELETE', `/api/v1/pc-builds/${build.id}`, asStranger), 403, 'FORBIDDEN');
    expectError(
      await call('POST', `/api/v1/pc-builds/${build.id}/parts`, {
        ...asStranger,
        body: { productId: idOf('gpu-4090'), partType: 'GPU', quantity: 1 },
      }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await call('DELETE', `/api/v1/pc-builds/${build.id}/parts/${part.id}`, asStranger),
      403,
      'FORBIDDEN',
    );
    expectError(await call('GET', `/api/v1/pc-builds/${build.id}/share`, asStranger), 403, 'FORBIDDEN');
    expectError(
      await call('PATCH', `/api/v1/pc-builds/${build.id}`, { body: { name: 'x' } }),
      401,
      'UNAUTHORIZED',
    );
    expectError(await call('GET', `/api/v1/pc-builds/${missingId}`), 404, 'PC_BUILD_NOT_FOUND');
    expectError(
      await call('PATCH', `/api/v1/pc-builds/${missingId}`, {
        headers: api.owner.authHeader,
        body: { name: 'x' },
      }),
      404,
      'PC_BUILD_NOT_FOUND',
    );
    expectError(
      await call('DELETE', `/api/v1/pc-builds/${build.id}/parts/${missingId}`, {
        headers: api.owner.authHeader,
      }),
      404,
      'PC_BUILD_PART_NOT_FOUND',
    );
    const unchanged = (await call('GET', `/api/v1/pc-builds/${build.id}`)).body.data as Detail;
    expect(unchanged.parts).toHaveLength(build.parts.length);

    expect((await check(build.id)).status).toBe('OK');
    const renamed = await call('PATCH', `/api/v1/pc-builds/${build.id}`, {
      headers: api.owner.authHeader,
      body: { name: '사무용', purpose: 'OFFICE', budget: null },
    });
    expect(renamed.body.data).toMatchObject({ name: '사무용', purpose: 'OFFICE', budget: null });
    const removedPart = await call('DELETE', `/api/v1/pc-builds/${build.id}/parts/${part.id}`, {
      headers: api.owner.authHeader,
    });
    expect(removedPart.body.data.parts).toHaveLength(build.parts.length - 1);
    expect(await check(build.id)).toMatchObject({ status: 'INCOMPLETE', missingParts: [part.partType] });
    const removed = await call('DELETE', `/api/v1/pc-builds/${build.id}`, { headers: api.owner.authHeader });
    expect(removed.body.data).toMatchObject({ success: true });
    expectError(await call('GET', `/api/v1/pc-builds/${build.id}`), 404, 'PC_BUILD_NOT_FOUND');
    // its cached check went with it
    expectError(await call('GET', `/api/v1/pc-builds/${build.id}/compatibility`), 404, 'PC_BUILD_NOT_FOUND');
  });

  it('answers hostile input with 4xx and a code, never 500', async () => {
    const build = await createBuild();
    const owner = { headers: api.owner.authHeader };
    const parts = `/api/v1/pc-builds/${build.id}/parts`;
    const badParts = [
      { productId: idOf('gpu-4090'), partType: 'TOASTER', quantity: 1 },
      { productId: idOf('gpu-4090'), partType: 'GPU', quantity: 0 },
      { productId: idOf('gpu-4090'), partType: 'GPU', quantity: 9 },
      { productId: idOf('gpu-4090'), partType: 'GPU', quantity: '1' },
      { productId: -1, partType: 'GPU', quantity: 1 },
      { productId: '1 or 1=1', partType: 'GPU', quantity: 1 },
      { productId: 2 ** 60, partType: 'GPU', quantity: 1 },
      { partType: 'GPU', quantity: 1 },
    ];
    for (const body of badParts)
      expectError(await call('POST', parts, { ...owner, body }), 400, 'VALIDATION_ERROR');
    expectError(
      await call('POST', parts, {
        ...owner,
        body: { productId: idOf('cpu-r5-7600'), partType: 'GPU', quantity: 1 },
      }),
      400,
      'PC_PART_TYPE_MISMATCH',
    );
    expectError(
      await call('POST', parts, { ...owner, body: { productId: missingId, partType: 'GPU', quantity: 1 } }),
      404,
      'PRODUCT_NOT_FOUND',
    );
    expectError(
      await call('POST', parts, {
        ...owner,
        body: { productId: idOf('gpu-4090'), partType: 'GPU', sellerId: missingId, quantity: 1 },
      }),
      404,
      'OFFER_NOT_FOUND',
    );
    const badBuilds = [
      { name: '', purpose: 'GAMING' },
      { name: 'x'.repeat(101), purpose: 'GAMING' },
      { name: 'a\u0000b', purpose: 'GAMING' },
      { name: 'ok', purpose: 'MINING' },
      { name: 'ok', purpose: 'GAMING', budget: -1 },
      { name: 'ok', purpose: 'GAMING', budget: 'lots' },
      { name: 'ok', purpose: 'GAMING', description: 'x'.repeat(10_000) },
    ];
    for (const body of badBuilds) {
      expectError(await call('POST', '/api/v1/pc-builds', { ...owner, body }), 400, 'VALIDATION_ERROR');
    }
    expectError(
      await call('PATCH', `/api/v1/pc-builds/${build.id}`, { ...owner, body: {} }),
      400,
      'VALIDATION_ERROR',
    );
    for (const path of [
      '/api/v1/pc-builds/abc',
      '/api/v1/pc-builds/0/compatibility',
      '/api/v1/pc-builds/1.5',
      '/api/v1/pc-builds/-3',
    ]) {
      expectError(await call('GET', path), 400, 'VALIDATION_ERROR');
    }
    expectError(await call('GET', '/api/v1/pc-builds/popular?limit=1000'), 400, 'VALIDATION_ERROR');
    const script = await call('POST', '/api/v1/pc-builds', {
      ...owner,
      body: { name: '견적', description: '<script>alert(1)</script><b>빠름</b>', purpose: 'GAMING' },
    });
    expect(script.status).toBe(201);
    expect(script.body.data.description).not.toContain('<script');
  });
});

describe('share links and popular builds (PCBLD-09, PCBLD-10)', () => {
  it('share codes are random and long, shown once made, and cannot be enumerated', async () => {
    const build = await buildWith();
    const other = await createBuild();
    const first = await call('GET', `/api/v1/pc-builds/${build.id}/share`, { headers: api.owner.authHeader });
    expect(first.status).toBe(200);
    const { shareCode, shareUrl } = first.body.data as { shareCode: string; shareUrl: string };
    // 128 random bits in base64url
    expect(shareCode).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(shareUrl.endsWith(`/pc-builds/shared/${shareCode}`)).toBe(true);
    const again = await call('GET', `/api/v1/pc-builds/${build.id}/share`, { headers: api.owner.authHeader });
    expect(again.body.data.shareCode).toBe(shareCode);
    const otherCode = (
      await call('GET', `/api/v1/pc-builds/${other.id}/share`, { headers: api.owner.authHeader })
    ).body.data.shareCode as string;
    expect(otherCode).not.toBe(shareCode);
    expect(otherCode).toMatch(/^[A-Za-z0-9_-]{22}$/);
    // codes made back to back share no prefix a guesser could walk
    let common = 0;
    while (common < shareCode.length && shareCode[common] === otherCode[common]) common += 1;
    expect(common).toBeLessThan(6);

    const viewed = await call('GET', `/api/v1/pc-builds/shared/${shareCode}`);
    expect(viewed.status).toBe(200);
    expect(viewed.body.data).toMatchObject({ id: build.id, shareCode, viewCount: 1 });
    expect((await call('GET', `/api/v1/pc-builds/shared/${shareCode}`)).body.data.viewCount).toBe(2);

    // sequential guesses around a real code, and codes of other shapes, find nothing
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (const position of [0, 10, 21]) {
      for (const letter of alphabet) {
        const guess = shareCode.slice(0, position) + letter + shareCode.slice(position + 1);
        if (guess === shareCode) continue;
        expectError(await call('GET', `/api/v1/pc-builds/shared/${guess}`), 404, 'PC_BUILD_NOT_FOUND');
      }
    }
    for (const guess of [
      '1',
      String(build.id),
      'AAAAAAAAAAAAAAAAAAAAAA',
      `${shareCode}A`,
      '%27%20or%201%3D1',
    ]) {
      expectError(await call('GET', `/api/v1/pc-builds/shared/${guess}`), 404, 'PC_BUILD_NOT_FOUND');
    }

    const popular = await call('GET', '/api/v1/pc-builds/popular?limit=5');
    expect(popular.status).toBe(200);
    expect(popular.body.data[0]).toMatchObject({ id: build.id, viewCount: 2, shareCode });
    expect(popular.body.data.map((item: { id: number }) => item.id)).toContain(other.id);
    expect(popular.body.meta).toMatchObject({ page: 1, limit: 5 });
  });
});
