// The id rule, over every route the app registers (its route table and OpenAPI document): a path
// or query id that is not a positive safe integer is 400 VALIDATION_ERROR from the one shared
// schema, and — ids being sequential, so guessable — a member's own rows answer 404 to another
// member, on every owner-scoped route with an id.
import { join } from 'node:path';
import { shortforms } from '@pbshop/db';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import { createCategory, uniqueName } from './helpers/catalog.ts';
import { expectError } from './helpers/http.ts';
import { testMedia } from './helpers/media-files.ts';
import { multipartBody } from './helpers/multipart.ts';
import { addressOf, createShop, stockedProduct } from './helpers/orders.ts';
import { type GatewaySimulatorProcess, startGatewaySimulator } from './helpers/payment-gateway.ts';
import { makeClip, uploadShortform } from './shortforms-helpers.ts';

let gateway: GatewaySimulatorProcess;
const api = setupApiTest({
  // payments are made through the payment gateway simulator
  beforeApp: async () => {
    gateway = await startGatewaySimulator();
  },
  env: () => gateway.env,
  afterApp: () => gateway.stop(),
  members: { admin: { role: 'ADMIN' }, owner: {}, other: {} },
});

/** Texts no id may be; each must be refused before a handler runs. */
const notIds = ['abc', '0', '-1', '1.5', '1e3', '0x10', '01', '9007199254740993', '%20 1'];

/**
 * Path parameters that name something other than a row (a provider, an error key, a file name, a
 * BullMQ job: job ids stay strings, api-contract.md "Decisions that override").
 */
const notIdParams = new Set(['provider', 'key', 'file', 'jobId']);

interface Parameter {
  in: 'path' | 'query';
  name: string;
  schema: { type?: string; pattern?: string };
}
type Paths = Record<string, Record<string, { parameters?: Parameter[] }>>;

let paths: Paths;

beforeAll(async () => {
  await api.app.ready();
  paths = (api.app.swagger() as unknown as { paths: Paths }).paths;
});

function parametersOf(method: string, url: string): Parameter[] {
  return paths[url.replace(/:([A-Za-z]+)/g, '{$1}')]?.[method.toLowerCase()]?.parameters ?? [];
}

/** The id parameters of every route: named like ids, typed by the shared id schema. */
function idParameters() {
  return api.app.routeAccess.flatMap((route) =>
    parametersOf(route.method, route.url)
      .filter((parameter) => !notIdParams.has(parameter.name) && /^(id|[a-z]+Id)$/.test(parameter.name))
      .map((parameter) => ({ route, parameter })),
  );
}

describe('ids in paths and queries', () => {
  it('every id parameter uses the shared id schema (digits of a positive safe integer)', () => {
    const found = idParameters();
    expect(found.length).toBeGreaterThan(20);
    const strays = found
      .filter(({ parameter }) => parameter.schema.pattern !== '^[1-9][0-9]{0,15}$')
      .map(({ route, parameter }) => `${route.method} ${route.url} ${parameter.in} ${parameter.name}`);
    expect(strays).toEqual([]);
  });

  it('refuses a path or query id that is not a positive safe integer with 400 VALIDATION_ERROR', async () => {
    const category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Ids') });
    const failures: string[] = [];
    for (const { route, parameter } of idParameters()) {
      for (const bad of notIds) {
        const url =
          parameter.in === 'path'
            ? route.url.replace(/:([A-Za-z]+)/g, (_match, name: string) =>
                name === parameter.name
                  ? bad
                  : name === 'file'
                    ? `${'0'.repeat(32)}.webp`
                    : String(category.id),
              )
            : `${route.url.replace(/:([A-Za-z]+)/g, String(category.id))}?${parameter.name}=${bad}`;
        const response = await api.call(route.method as 'GET', url, {
          headers: api.admin.authHeader,
          ...(['POST', 'PUT', 'PATCH'].includes(route.method) ? { body: {} } : {}),
        });
        if (response.status !== 400 || response.body.error?.code !== 'VALIDATION_ERROR') {
          failures.push(`${route.method} ${url}: ${response.status} ${response.body.error?.code}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});

/**
 * The routes that read or change a member's own rows by id, each with how the owner makes one
 * row and which answer the owner gets. Every `user` route with an id must be listed here.
 * `again`: the owner's answer to a second call (default: the 404 the other member got, as after
 * a delete).
 */
const ownerScoped: Record<
  string,
  {
    create: (headers: { authorization: string }) => Promise<number>;
    /** the owner's list, which must hold the row (or `owned`, for rows without a list) */
    list?: string;
    owned?: (id: number) => Promise<boolean>;
    code: string;
    again?: { status: number; code?: string };
    /** the body each call sends (PATCH routes) */
    body?: object;
  }
> = {
  'DELETE /api/v1/price-alerts/:id': {
    create: async (headers) => {
      const category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Ids') });
      const product = await api.call('POST', '/api/v1/products', {
        headers: api.admin.authHeader,
        body: { categoryId: category.id, name: `Owned ${category.id}` },
      });
      const alert = await api.call('POST', '/api/v1/price-alerts', {
        headers,
        body: { productId: product.body.data.id, targetPrice: 1000 },
      });
      expect(alert.status).toBe(201);
      return alert.body.data.id;
    },
    list: '/api/v1/price-alerts',
    code: 'NOT_FOUND',
  },
  'DELETE /api/v1/search/recent/:id': {
    create: async (headers) => {
      const saved = await api.call('POST', '/api/v1/search/recent', { headers, body: { keyword: '노트북' } });
      expect(saved.status).toBe(201);
      return saved.body.data.id;
    },
    list: '/api/v1/search/recent',
    code: 'NOT_FOUND',
  },
  'GET /api/v1/orders/:id': {
    create: () => ownedOrder(),
    list: '/api/v1/orders',
    code: 'ORDER_NOT_FOUND',
    again: { status: 200 },
  },
  'POST /api/v1/orders/:id/cancel': {
    create: () => ownedOrder(),
    list: '/api/v1/orders',
    code: 'ORDER_NOT_FOUND',
    again: { status: 400, code: 'ORDER_ALREADY_CANCELLED' },
  },
  'PATCH /api/v1/cart/:itemId': {
    create: (headers) => ownedCartLine(headers),
    list: '/api/v1/cart',
    code: 'CART_ITEM_NOT_FOUND',
    body: { quantity: 1 },
    again: { status: 200 },
  },
  'DELETE /api/v1/cart/:itemId': {
    create: (headers) => ownedCartLine(headers),
    list: '/api/v1/cart',
    code: 'CART_ITEM_NOT_FOUND',
  },
  'PATCH /api/v1/addresses/:id': {
    create: (headers) => ownedAddress(headers),
    list: '/api/v1/addresses',
    code: 'ADDRESS_NOT_FOUND',
    body: { recipientName: '다른 사람' },
    again: { status: 200 },
  },
  'DELETE /api/v1/addresses/:id': {
    create: (headers) => ownedAddress(headers),
    list: '/api/v1/addresses',
    code: 'ADDRESS_NOT_FOUND',
  },
  'GET /api/v1/payments/:id': {
    create: (headers) => ownedPayment(headers),
    owned: (id) => paymentReadable(id),
    code: 'PAYMENT_NOT_FOUND',
    again: { status: 200 },
  },
  'POST /api/v1/payments/:id/refund': {
    create: (headers) => ownedPayment(headers),
    owned: (id) => paymentReadable(id),
    code: 'PAYMENT_NOT_FOUND',
    body: {},
    again: { status: 409, code: 'PAYMENT_ALREADY_REFUNDED' },
  },
  'PATCH /api/v1/reviews/:id': {
    create: (headers) => ownedReview(headers),
    owned: (id) => reviewListed(id),
    code: 'REVIEW_NOT_FOUND',
    body: { rating: 3 },
    again: { status: 200 },
  },
  'DELETE /api/v1/reviews/:id': {
    create: (headers) => ownedReview(headers),
    owned: (id) => reviewListed(id),
    code: 'REVIEW_NOT_FOUND',
  },
  'DELETE /api/v1/media/:id': {
    create: (headers) => ownedMedia(headers),
    owned: async (id) => (await api.call('GET', `/api/v1/media/${id}/metadata`)).status === 200,
    code: 'MEDIA_NOT_FOUND',
  },
  'POST /api/v1/shortforms/:id/transcode/retry': {
    create: (headers) => failedShortform(headers),
    owned: (id) => shortformReadable(id),
    code: 'SHORTFORM_NOT_FOUND',
    again: { status: 400, code: 'INVALID_STATUS_TRANSITION' },
  },
  'DELETE /api/v1/shortforms/:id': {
    create: (headers) => ownedShortform(headers),
    owned: (id) => shortformReadable(id),
    code: 'SHORTFORM_NOT_FOUND',
  },
};

/** A file the caller uploaded (a PNG made by sharp); its id. */
async function ownedMedia(headers: { authorization: string }): Promise<number> {
  const form = multipartBody([
    { name: 'files', filename: 'mine.png', value: await testMedia.png() },
    { name: 'ownerType', value: 'USER' },
    { name: 'ownerId', value: '1' },
  ]);
  const uploaded = await api.app.inject({
    method: 'POST',
    url: '/api/v1/media/upload',
    headers: { ...headers, 'content-type': form.contentType },
    payload: form.payload,
  });
  expect(uploaded.statusCode).toBe(201);
  return uploaded.json().data[0].id;
}

/**
 * `user` routes whose id names a public row (a product), not one of the member's: nothing of
 * another member's can be reached through them.
 */
const publicRowIds = new Set([
  'POST /api/v1/wishlist/:productId',
  'DELETE /api/v1/wishlist/:productId',
  // a review of a product: the order it names is checked to be the caller's (404 otherwise)
  'POST /api/v1/products/:id/reviews',
  // any member likes and comments on any short-form
  'POST /api/v1/shortforms/:id/like',
  'POST /api/v1/shortforms/:id/comments',
]);

/** A short-form the caller uploaded (a 1 s vertical clip made with lavfi); its id. */
async function ownedShortform(headers: { authorization: string }): Promise<number> {
  const clip = await makeClip(join(api.ctx.storageDir, 'clips', `${Date.now()}.mp4`), 1);
  const uploaded = await uploadShortform(api.app, headers, clip, { title: 'mine' });
  expect(uploaded.status).toBe(201);
  return uploaded.body.data.id;
}

/** Its transcode failed (no worker runs in this file): what a retry starts from. */
async function failedShortform(headers: { authorization: string }): Promise<number> {
  const id = await ownedShortform(headers);
  await api.deps.database.db
    .update(shortforms)
    .set({ transcodeStatus: 'FAILED', transcodeError: 'FFMPEG_BIN not found: /nonexistent/ffmpeg (ENOENT)' })
    .where(eq(shortforms.id, id));
  return id;
}

/** Short-forms of any status are readable by id. */
async function shortformReadable(id: number): Promise<boolean> {
  return (await api.call('GET', `/api/v1/shortforms/${id}`)).status === 200;
}

/** A line in the caller's cart (two units of a product stocked for it); its id. */
async function ownedCartLine(headers: { authorization: string }): Promise<number> {
  const shop = await createShop(api.app, api.admin.authHeader);
  const offer = await stockedProduct(api.app, api.admin.authHeader, shop, { stock: 5 });
  const added = await api.call('POST', '/api/v1/cart', {
    headers,
    body: { productId: offer.productId, sellerId: offer.sellerId, quantity: 2 },
  });
  expect(added.status).toBe(201);
  return added.body.data.id;
}

/** One of the caller's addresses; its id. */
async function ownedAddress(headers: { authorization: string }): Promise<number> {
  const created = await api.call('POST', '/api/v1/addresses', {
    headers,
    body: { recipientName: '주인', phone: '010-1111-2222', zipCode: '06236', address: '서울시 중구 1' },
  });
  expect(created.status).toBe(201);
  return created.body.data.id;
}

/** A payment of the caller's (an order paid through the gateway simulator); its id. */
async function ownedPayment(headers: { authorization: string }): Promise<number> {
  const orderId = await ownedOrder();
  const order = await api.call('GET', `/api/v1/orders/${orderId}`, { headers });
  const paid = await api.call('POST', '/api/v1/payments', {
    headers,
    body: { orderId, method: 'CARD', amount: order.body.data.finalAmount },
  });
  expect(paid.status).toBe(201);
  return paid.body.data.id;
}

/** Payments have no list: the owner still reads it. */
async function paymentReadable(id: number): Promise<boolean> {
  return (await api.call('GET', `/api/v1/payments/${id}`, { headers: api.owner.authHeader })).status === 200;
}

/** the product of each review `ownedReview` wrote */
const reviewedProducts = new Map<number, number>();

/** A review of the caller's: an order of theirs paid, walked to CONFIRMED and reviewed; its id. */
async function ownedReview(headers: { authorization: string }): Promise<number> {
  const orderId = await ownedOrder();
  const order = await api.call('GET', `/api/v1/orders/${orderId}`, { headers });
  const paid = await api.call('POST', '/api/v1/payments', {
    headers,
    body: { orderId, method: 'CARD', amount: order.body.data.finalAmount },
  });
  expect(paid.status).toBe(201);
  for (const status of ['PREPARING', 'SHIPPING', 'DELIVERED', 'CONFIRMED']) {
    const moved = await api.call('PATCH', `/api/v1/admin/orders/${orderId}/status`, {
      headers: api.admin.authHeader,
      body: { status },
    });
    expect(moved.status).toBe(200);
  }
  const productId = order.body.data.items[0].productId;
  const written = await api.call('POST', `/api/v1/products/${productId}/reviews`, {
    headers,
    body: { orderId, rating: 5, content: '오래 써 보고 남기는 정직한 후기입니다.' },
  });
  expect(written.status).toBe(201);
  reviewedProducts.set(written.body.data.id, productId);
  return written.body.data.id;
}

/** Reviews have no list of one's own: the review is still in its product's list. */
async function reviewListed(id: number): Promise<boolean> {
  const listed = await api.call('GET', `/api/v1/products/${reviewedProducts.get(id)}/reviews`);
  return listed.body.data.some((review: { id: number }) => review.id === id);
}

/** An order of the owner's (one unit of a product stocked for it). */
async function ownedOrder(): Promise<number> {
  const shop = await createShop(api.app, api.admin.authHeader);
  const offer = await stockedProduct(api.app, api.admin.authHeader, shop, { stock: 1 });
  const placed = await api.call('POST', '/api/v1/orders', {
    headers: api.owner.authHeader,
    body: {
      addressId: await addressOf(api.deps, api.owner.user.id),
      items: [{ productId: offer.productId, sellerId: offer.sellerId, quantity: 1 }],
    },
  });
  expect(placed.status).toBe(201);
  return placed.body.data.id;
}

describe("another member's id", () => {
  it('every member route with an id is in the owner-scoped table', () => {
    const memberRoutesWithIds = api.app.routeAccess
      .filter((route) => route.access === 'user' && /:[A-Za-z]*[iI]d\b/.test(route.url))
      .map((route) => `${route.method} ${route.url}`)
      .filter((route) => !publicRowIds.has(route));
    expect(memberRoutesWithIds.sort()).toEqual(Object.keys(ownerScoped).sort());
  });

  it.each(Object.entries(ownerScoped))('%s answers 404 and changes nothing', async (route, scoped) => {
    const [method, url] = route.split(' ') as ['DELETE', string];
    const id = await scoped.create(api.owner.authHeader);
    const target = url.replace(/:[A-Za-z]*[iI]d\b/, String(id));
    const refused = await api.call(method, target, { headers: api.other.authHeader, body: scoped.body });
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toMatch(new RegExp(`${scoped.code}$`));
    if (scoped.owned) {
      expect(await scoped.owned(id)).toBe(true);
    } else {
      const mine = await api.call('GET', scoped.list!, { headers: api.owner.authHeader });
      expect(mine.body.data.map((row: { id: number }) => row.id)).toContain(id);
    }
    const own = await api.call(method, target, { headers: api.owner.authHeader, body: scoped.body });
    expect(own.status).toBe(200);
    const again = await api.call(method, target, { headers: api.owner.authHeader, body: scoped.body });
    if (scoped.again) {
      expect({ status: again.status, code: again.body.error?.code }).toEqual(scoped.again);
    } else {
      expectError(again, 404, refused.body.error.code);
    }
  });
});
