// The id rule, over every route the app registers (its route table and OpenAPI document): a path
// or query id that is not a positive safe integer is 400 VALIDATION_ERROR from the one shared
// schema, and — ids being sequential, so guessable — a member's own rows answer 404 to another
// member, on every owner-scoped route with an id.
import { join } from 'node:path';
import { shortforms } from '@pbshop/db';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordInHistory } from '../src/modules/discovery/activity/service.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { createCategory, uniqueName } from './helpers/catalog.ts';
import { createBoard, writePost } from './helpers/community.ts';
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
    /** the owner's answer to the first call (default 200) */
    ownStatus?: number;
  }
> = {
  'GET /api/v1/support/tickets/:id': {
    create: (headers) => ownedTicket(headers),
    list: '/api/v1/support/tickets',
    code: 'TICKET_NOT_FOUND',
    again: { status: 200 },
  },
  'GET /api/v1/support/tickets/me/:id': {
    create: (headers) => ownedTicket(headers),
    list: '/api/v1/support/tickets/me',
    code: 'TICKET_NOT_FOUND',
    again: { status: 200 },
  },
  'POST /api/v1/support/tickets/:id/reply': {
    create: (headers) => ownedTicket(headers),
    list: '/api/v1/support/tickets/me',
    code: 'TICKET_NOT_FOUND',
    body: { content: '답변 기다립니다' },
    ownStatus: 201,
    again: { status: 201 },
  },
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
  'DELETE /api/v1/activity/searches/:id': {
    create: () => ownedSearch(),
    list: '/api/v1/activity/searches',
    code: 'SEARCH_HISTORY_NOT_FOUND',
  },
  'DELETE /api/v1/activities/searches/:id': {
    create: () => ownedSearch(),
    list: '/api/v1/activities/searches',
    code: 'SEARCH_HISTORY_NOT_FOUND',
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
  'PATCH /api/v1/posts/:id': {
    create: (headers) => ownedPost(headers),
    owned: (id) => postReadable(id),
    code: 'POST_NOT_FOUND',
    body: { title: '고친 제목' },
    again: { status: 200 },
  },
  'DELETE /api/v1/posts/:id': {
    create: (headers) => ownedPost(headers),
    owned: (id) => postReadable(id),
    code: 'POST_NOT_FOUND',
  },
  'DELETE /api/v1/comments/:id': {
    create: (headers) => ownedComment(headers),
    owned: (id) => commentListed(id),
    code: 'COMMENT_NOT_FOUND',
  },
  'DELETE /api/v1/inquiries/:id': {
    create: async (headers) => {
      const shop = await createShop(api.app, api.admin.authHeader);
      const offer = await stockedProduct(api.app, api.admin.authHeader, shop, { stock: 1 });
      const asked = await api.call('POST', `/api/v1/products/${offer.productId}/inquiries`, {
        headers,
        body: { title: '문의', content: '내용', isSecret: true },
      });
      expect(asked.status).toBe(201);
      return asked.body.data.id;
    },
    list: '/api/v1/inquiries/me',
    code: 'INQUIRY_NOT_FOUND',
  },
  // a notification is read only by its member (the owner here); reading it twice keeps it read
  'PATCH /api/v1/notifications/:id/read': {
    create: async () => (await api.deps.notifications.notify(api.owner.user.id, 'DEAL', { id: 'rule' })).id,
    list: '/api/v1/notifications?limit=100',
    code: 'NOTIFICATION_NOT_FOUND',
    again: { status: 200 },
  },
  // a friend request is answered only by its addressee (the owner here)
  'PATCH /api/v1/friends/request/:friendshipId/accept': {
    create: () => requestToOwner(),
    owned: requestPending,
    code: 'FRIEND_REQUEST_NOT_FOUND',
  },
  'PATCH /api/v1/friends/request/:friendshipId/reject': {
    create: () => requestToOwner(),
    owned: requestPending,
    code: 'FRIEND_REQUEST_NOT_FOUND',
  },
  'PATCH /api/v1/seller-reviews/:id': {
    create: (headers) => ownedSellerReview(headers),
    owned: (id) => sellerReviewListed(id),
    code: 'SELLER_REVIEW_NOT_FOUND',
    body: { rating: 3 },
    again: { status: 200 },
  },
  'DELETE /api/v1/seller-reviews/:id': {
    create: (headers) => ownedSellerReview(headers),
    owned: (id) => sellerReviewListed(id),
    code: 'SELLER_REVIEW_NOT_FOUND',
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

/** A support ticket the caller opened; its id. */
async function ownedTicket(headers: { authorization: string }): Promise<number> {
  const opened = await api.call('POST', '/api/v1/support/tickets', {
    headers,
    body: { category: 'ORDER', title: '내 문의', content: '내용' },
  });
  expect(opened.status).toBe(201);
  return opened.body.data.id;
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
  // any member writes on any active board, comments on and likes any published post, asks about any product
  'POST /api/v1/boards/:boardId/posts',
  'POST /api/v1/posts/:id/comments',
  'POST /api/v1/posts/:id/like',
  'POST /api/v1/products/:id/inquiries',
  // friend requests, removals and blocks name another member, not a row of mine
  'POST /api/v1/friends/request/:userId',
  'DELETE /api/v1/friends/:userId',
  'POST /api/v1/friends/block/:userId',
  'DELETE /api/v1/friends/block/:userId',
  // a chat room is shared by its members: any member joins a public one; another member's private
  // room answers 403 FORBIDDEN to everything (chat.test.ts), a room id is no row of one member
  'POST /api/v1/chat/rooms/:roomId/join',
  'GET /api/v1/chat/rooms/:roomId/messages',
  'POST /api/v1/chat/rooms/:roomId/messages',
  'PATCH /api/v1/chat/rooms/:roomId/close',
  // a review of a seller: the order it names is checked to be the caller's (403 otherwise)
  'POST /api/v1/sellers/:id/reviews',
  // a reverse auction is public (GET /auctions/:id shows it and its bids): another member's cancel
  // or selection answers 403 FORBIDDEN and changes nothing (auctions.test.ts)
  'DELETE /api/v1/auctions/:id',
  'PATCH /api/v1/auctions/:id/bids/:bidId/select',
  // a product viewed, or taken out of the caller's own recent views (only the caller's rows are touched)
  'POST /api/v1/activities/recent-products/:productId',
  'DELETE /api/v1/activities/recent-products/:productId',
  'DELETE /api/v1/activity/views/:productId',
  // a PC build is public by id (the storefront reads any build without a token): another member's
  // build answers 403 FORBIDDEN to its writes (pc-builder.test.ts), and any member may price one used
  'PATCH /api/v1/pc-builds/:id',
  'DELETE /api/v1/pc-builds/:id',
  'POST /api/v1/pc-builds/:id/parts',
  'DELETE /api/v1/pc-builds/:id/parts/:partId',
  'GET /api/v1/pc-builds/:id/share',
  'POST /api/v1/used-market/pc-builds/:buildId/estimate',
]);

/** A search-history entry of the owner, written as the activity-log processor writes one (no worker runs here). */
async function ownedSearch(): Promise<number> {
  const keyword = uniqueName('검색');
  await api.deps.database.db.transaction((tx) =>
    recordInHistory(tx, {
      type: 'search',
      userId: api.owner.user.id,
      data: { keyword },
      occurredAt: new Date(),
    }),
  );
  const listed = await api.call('GET', '/api/v1/activity/searches', { headers: api.owner.authHeader });
  return listed.body.data.find((row: { keyword: string }) => row.keyword === keyword).id;
}

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

const reviewedSellers = new Map<number, number>();

/** A review of the seller of a paid order of the owner's; its id. */
async function ownedSellerReview(headers: { authorization: string }): Promise<number> {
  const orderId = await ownedOrder();
  const order = await api.call('GET', `/api/v1/orders/${orderId}`, { headers });
  const paid = await api.call('POST', '/api/v1/payments', {
    headers,
    body: { orderId, method: 'CARD', amount: order.body.data.finalAmount },
  });
  expect(paid.status).toBe(201);
  const sellerId = order.body.data.items[0].sellerId;
  const written = await api.call('POST', `/api/v1/sellers/${sellerId}/reviews`, {
    headers,
    body: { orderId, rating: 5, deliveryRating: 5, content: '빠른 배송, 꼼꼼한 포장' },
  });
  expect(written.status).toBe(201);
  reviewedSellers.set(written.body.data.id, sellerId);
  return written.body.data.id;
}

/** Seller reviews have no list of one's own: the review is still in its seller's list. */
async function sellerReviewListed(id: number): Promise<boolean> {
  const listed = await api.call('GET', `/api/v1/sellers/${reviewedSellers.get(id)}/reviews?limit=100`);
  return listed.body.data.some((review: { id: number }) => review.id === id);
}

/** Reviews have no list of one's own: the review is still in its product's list. */
async function reviewListed(id: number): Promise<boolean> {
  const listed = await api.call('GET', `/api/v1/products/${reviewedProducts.get(id)}/reviews`);
  return listed.body.data.some((review: { id: number }) => review.id === id);
}

/** A post of the caller's on a board made for this file; its id. */
let boardId: number | undefined;
async function ownedPost(headers: { authorization: string }): Promise<number> {
  boardId ??= (await createBoard(api.app, api.admin.authHeader)).id;
  return (await writePost(api.app, headers, boardId)).id;
}

const postReadable = async (id: number) => (await api.call('GET', `/api/v1/posts/${id}`)).status === 200;

/** the post of each comment `ownedComment` wrote */
const commentedPosts = new Map<number, number>();

/** A comment of the caller's on another member's post; its id. */
async function ownedComment(headers: { authorization: string }): Promise<number> {
  const postId = await ownedPost(api.admin.authHeader);
  const written = await api.call('POST', `/api/v1/posts/${postId}/comments`, {
    headers,
    body: { content: '댓글' },
  });
  expect(written.status).toBe(201);
  commentedPosts.set(written.body.data.id, postId);
  return written.body.data.id;
}

async function commentListed(id: number): Promise<boolean> {
  const listed = await api.call('GET', `/api/v1/posts/${commentedPosts.get(id)}/comments`);
  return listed.body.data.some((comment: { id: number }) => comment.id === id);
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

/** A friend request from a new member to the owner; its friendship id. */
async function requestToOwner(): Promise<number> {
  const asker = await api.member();
  const sent = await api.call('POST', `/api/v1/friends/request/${api.owner.user.id}`, {
    headers: asker.authHeader,
  });
  expect(sent.status).toBe(200);
  const received = await api.call('GET', '/api/v1/friends/requests/received?limit=100', {
    headers: api.owner.authHeader,
  });
  return received.body.data.find((row: { userId: number }) => row.userId === asker.user.id).friendshipId;
}

/** The request is still pending in the owner's received list. */
async function requestPending(id: number): Promise<boolean> {
  const received = await api.call('GET', '/api/v1/friends/requests/received?limit=100', {
    headers: api.owner.authHeader,
  });
  return received.body.data.some((row: { friendshipId: number }) => row.friendshipId === id);
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
    expect(own.status).toBe(scoped.ownStatus ?? 200);
    const again = await api.call(method, target, { headers: api.owner.authHeader, body: scoped.body });
    if (scoped.again) {
      expect({ status: again.status, code: again.body.error?.code }).toEqual(scoped.again);
    } else {
      expectError(again, 404, refused.body.error.code);
    }
  });
});
