// The storefront client (spec/client-shapes.md) against our API, on the real stack: which of its
// 291 calls we serve, read from the OpenAPI document, and whether each served call of the areas
// we have answers in the shape its pages read. The calls, schemas, fixtures and request builders
// live in test/client-contract/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { startSmtpServer, type TestSmtpServer } from './auth-helpers.ts';
import {
  type Area,
  type ClientCall,
  clientCalls,
  documentedAreaCounts,
  documentedMethodCounts,
  documentedTotal,
  keyOf,
} from './client-contract/calls.ts';
import { createFixtures, type Fixtures } from './client-contract/fixtures.ts';
import { type ClientAnswer, clientRequests, send } from './client-contract/requests.ts';
import { clientSchemas } from './client-contract/schemas.ts';
import { isServed, type OpenApiPaths, servedOperations } from './client-contract/served.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { type GatewaySimulatorProcess, startGatewaySimulator } from './helpers/payment-gateway.ts';

/** The areas our API has today: each of their calls must be served. */
const builtAreas: readonly Area[] = [
  'Chat',
  'Auth',
  'User',
  'Category',
  'Product',
  'Spec',
  'Seller',
  'Price',
  'Search',
  'Queue Admin',
  'Price Prediction',
  'Price Analytics',
  'Health',
  'Error codes',
  'Observability',
  'Ops Dashboard',
  'Resilience',
  'Crawler',
  'Product Matching',
  'Fraud Detection',
  'Other (query read model)',
  'Cart',
  'Address',
  'Wishlist',
  'Order',
  'Point',
  'Payment',
  'Review',
  'Media',
  'Admin Settings',
  'Image',
  'Shortform',
  'Community',
  'Inquiry',
  'Support',
  'Help (FAQ/Notice)',
  'News',
  'Badge',
  'Friend',
  'Deal',
  'Compare Bar',
  'Trust Score',
  'Web Push',
  'i18n',
  'Activity',
  'Ranking',
  'Recommendation',
  'Auto',
  'Reverse Auction',
  'PC Builder',
  'Used Market',
];
const builtCalls = clientCalls.filter((call) => builtAreas.includes(call.area));

let smtp: TestSmtpServer;
/** the payment gateway simulator the Payment calls pay through */
let gateway: GatewaySimulatorProcess;
const api = setupApiTest({
  beforeApp: async () => {
    smtp = await startSmtpServer();
    gateway = await startGatewaySimulator();
  },
  env: () => ({ MAIL_TRANSPORT: 'smtp', SMTP_URL: smtp.url, ...gateway.env }),
  afterApp: async () => {
    await smtp?.close();
    await gateway?.stop();
  },
  members: { admin: { role: 'ADMIN' }, user: {} },
});

let served: Set<string>;

beforeAll(async () => {
  await api.app.ready();
  served = servedOperations(api.app.swagger() as OpenApiPaths);
});

const countBy = <T>(items: readonly T[], keyOfItem: (item: T) => string) => {
  const counts: Record<string, number> = {};
  for (const item of items) counts[keyOfItem(item)] = (counts[keyOfItem(item)] ?? 0) + 1;
  return counts;
};

describe('the storefront calls our API serves', () => {
  it("holds client-shapes.md's calls: §3's counts by area, in total and by method", () => {
    const byArea = countBy(clientCalls, (call) => call.area);
    expect(byArea).toEqual(
      Object.fromEntries(Object.entries(documentedAreaCounts).filter(([, count]) => count > 0)),
    );
    expect(clientCalls).toHaveLength(documentedTotal);
    expect(new Set(clientCalls.map(keyOf)).size).toBe(documentedTotal);
    expect(countBy(clientCalls, (call) => call.method)).toEqual(documentedMethodCounts);
    for (const call of clientCalls) {
      expect(call.path, keyOf(call)).toMatch(/^\/[a-z0-9/:{}A-Z-]+$/);
      for (const read of call.reads) expect(read, keyOf(call)).toMatch(/^(data|meta)([.[]|$)/);
    }
  });

  it('compares path templates with parameter names ignored, under the API base only', () => {
    const document = {
      paths: {
        '/api/v1/products/{productId}': { get: {} },
        '/api/v1/products/{id}/prices': { post: {} },
        '/health': { get: {} },
      },
    };
    const operations = servedOperations(document);
    expect(isServed(operations, { method: 'GET', path: '/products/:id' })).toBe(true);
    expect(isServed(operations, { method: 'POST', path: '/products/:productId/prices' })).toBe(true);
    expect(isServed(operations, { method: 'DELETE', path: '/products/:id' })).toBe(false);
    expect(isServed(operations, { method: 'GET', path: '/products/popular' })).toBe(false);
    expect(isServed(operations, { method: 'GET', path: '/health' })).toBe(false);
  });

  it('has a schema and a request builder for every call of the areas we have, and for no other', () => {
    const built = builtCalls.map(keyOf).sort();
    expect(Object.keys(clientSchemas).sort()).toEqual(built);
    expect(Object.keys(clientRequests).sort()).toEqual(built);
  });

  it('serves every call of the areas we have (a call is served when the OpenAPI document has its method on its path template)', () => {
    const isOurs = (call: ClientCall) => isServed(served, call);
    const lines = [`client calls served: ${clientCalls.filter(isOurs).length}/${clientCalls.length}`];
    for (const area of Object.keys(documentedAreaCounts) as Area[]) {
      const calls = clientCalls.filter((call) => call.area === area);
      if (calls.length === 0) continue;
      const mark = builtAreas.includes(area) ? '' : '  (not built yet)';
      lines.push(`  ${area}: ${calls.filter(isOurs).length}/${calls.length}${mark}`);
    }
    const missing = builtCalls.filter((call) => !isOurs(call)).map(keyOf);
    lines.push(`missing in the areas we have (${missing.length}):`, ...missing.map((key) => `  ${key}`));
    console.log(lines.join('\n'));
    expect(missing).toEqual([]);
  });

  it('lists the areas not built yet', () => {
    const notBuilt = (Object.keys(documentedAreaCounts) as Area[]).filter(
      (area) => !builtAreas.includes(area) && documentedAreaCounts[area] > 0,
    );
    const calls = clientCalls.filter((call) => notBuilt.includes(call.area));
    console.log(
      [
        `areas not built yet: ${notBuilt.length}, with ${calls.length} calls (${calls.filter((call) => isServed(served, call)).length} of them served anyway)`,
        ...notBuilt.map((area) => `  ${area} (${documentedAreaCounts[area]})`),
      ].join('\n'),
    );
    expect(notBuilt.length + builtAreas.length).toBe(
      Object.values(documentedAreaCounts).filter((count) => count > 0).length,
    );
  });
});

interface Outcome {
  key: string;
  kind: 'answered in shape' | 'not served' | 'refused' | 'id type' | 'shape mismatch';
  detail: string;
}

/** `data.entries[].seller.name` (the notation of calls.ts) from a zod issue path. */
function fieldOf(root: 'data' | 'meta', path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, segment) => (typeof segment === 'number' ? `${text}[]` : `${text}.${String(segment)}`),
    root,
  );
}

function shapeProblems(call: ClientCall, answer: ClientAnswer): { field: string; problem: string }[] {
  const shape = clientSchemas[keyOf(call)]!;
  const problems: { field: string; problem: string }[] = [];
  const check = (root: 'data' | 'meta', schema: z.ZodType, value: unknown) => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return;
    for (const issue of parsed.error.issues) {
      problems.push({ field: fieldOf(root, issue.path), problem: issue.message });
    }
  };
  check('data', shape.data, answer.data);
  if (shape.meta) check('meta', shape.meta, answer.meta);
  return problems;
}

/** An id field (`id`, `productId`, `parentId`) that came as something else than a number. */
const isIdProblem = ({ field, problem }: { field: string; problem: string }) =>
  /(^|\.)(id|[a-z]+Id)$/.test(field) && /expected number/.test(problem);

function describeRefusal(answer: ClientAnswer): string {
  const body = answer.body as {
    error?: { code?: string; message?: string; details?: unknown };
    message?: unknown;
  };
  const details = body.error?.details === undefined ? '' : ` ${JSON.stringify(body.error.details)}`;
  return `${answer.status} ${body.error?.code ?? ''}: ${String(body.message ?? body.error?.message ?? '')}${details}`.slice(
    0,
    600,
  );
}

describe("every served client call answers in the client's shape", () => {
  let fx: Fixtures;
  const outcomes: Outcome[] = [];

  beforeAll(async () => {
    fx = await createFixtures(api, smtp);
  });

  afterAll(() => {
    const kinds: Outcome['kind'][] = [
      'refused',
      'shape mismatch',
      'id type',
      'not served',
      'answered in shape',
    ];
    const lines = [
      `client calls of the areas we have, called as the storefront calls them: ${outcomes.length}`,
    ];
    for (const kind of kinds) {
      const some = outcomes.filter((outcome) => outcome.kind === kind);
      if (some.length === 0) continue;
      lines.push(`${kind} (${some.length}):`);
      for (const outcome of some)
        lines.push(`  ${outcome.key}${outcome.detail ? ` — ${outcome.detail}` : ''}`);
    }
    console.log(lines.join('\n'));
  });

  it.for(builtCalls.map((call) => [keyOf(call), call] as const))('%s', async ([key, call], context) => {
    if (!isServed(served, call)) {
      outcomes.push({ key, kind: 'not served', detail: '' });
      context.skip('not served: no such route in the OpenAPI document');
    }
    const request = await clientRequests[key]!(fx);
    const answer = await send(fx.app, call, request);
    if (answer.status < 200 || answer.status > 299) {
      const detail = describeRefusal(answer);
      outcomes.push({ key, kind: 'refused', detail });
      expect.fail(`${key} answered ${detail}`);
    }
    const problems = shapeProblems(call, answer);
    const idOnly = problems.length > 0 && problems.every(isIdProblem);
    const fields = [...new Set(problems.map(({ field, problem }) => `${field}: ${problem}`))];
    outcomes.push({
      key,
      kind: problems.length === 0 ? 'answered in shape' : idOnly ? 'id type' : 'shape mismatch',
      detail: fields.slice(0, 8).join('; ') + (fields.length > 8 ? `; … ${fields.length - 8} more` : ''),
    });
    expect(fields, `${key}: what the storefront reads`).toEqual([]);
  });
});
