// How the storefront sends each call of the areas our API has today: the path parameters, the
// query and the body client-shapes.md says a page sends, and who is logged in. A builder may
// first make what its call changes or deletes (through the API), so every call stands alone and
// the shared fixtures stay as they were.
//
// `send` then goes over the wire as the client's `request()` does (§1.1, §1.2): the ids put into
// the path as they are, the query without empty values, `Content-Type: application/json` on every
// call, a body only when there is one, Bearer only for calls that send it, and `data`/`meta`
// unwrapped only from a body with both `success` and `data`.
import { createECDH, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { activityLogs } from '@pbshop/db';
import { waitFor } from '@pbshop/testing';
import { recordInHistory } from '../../src/modules/discovery/activity/service.ts';
import { uniqueName } from '../helpers/catalog.ts';
import { testMedia } from '../helpers/media-files.ts';
import { type FormPart, multipartBody } from '../helpers/multipart.ts';
import type { Member } from '../helpers/users.ts';
import { makeClip, startTranscodeWorker } from '../shortforms-helpers.ts';
import type { CallKey, ClientCall } from './calls.ts';
import type { Fixtures, Id } from './fixtures.ts';
import { apiBase } from './served.ts';

type QueryValue = string | number | boolean | null | undefined;

export interface ClientRequest {
  /** values for the path's `:name` parameters */
  params?: Record<string, Id>;
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** who is logged in; a call whose auth is `none` sends no token anyway */
  as?: Member;
  /** headers the page adds (the guest cart's `x-cart-key`) */
  headers?: Record<string, string>;
  /**
   * A FormData body (the three multipart uploads, §1.8): sent with Bearer only, no Content-Type
   * set by hand (the browser's multipart boundary instead)
   */
  multipart?: FormPart[];
}

export type RequestBuilder = (fx: Fixtures) => Promise<ClientRequest> | ClientRequest;

let serial = 0;
const unique = (label: string) => {
  serial += 1;
  return `${label}${serial}${Date.now().toString(36)}`;
};

export const clientRequests: Partial<Record<CallKey, RequestBuilder>> = {
  // Auth (SignupPage, VerifyEmailPage, PasswordResetPage, LoginPage, apiClient's refresh, App's logout)
  'POST /auth/signup': () => ({
    body: {
      email: `${unique('signup')}@example.com`,
      password: 'Storefront#2025',
      name: '이등록',
      phone: '010-3456-7890',
    },
  }),
  'POST /auth/verify-email': async ({ auth }) => {
    const member = await auth.signedUp();
    return { body: { email: member.email, code: member.code } };
  },
  'POST /auth/resend-verification': async ({ auth }) => {
    const member = await auth.signedUp();
    await auth.codesAreOld(member.email);
    return { body: { email: member.email } };
  },
  'POST /auth/password-reset/request': async ({ auth }) => {
    const member = await auth.verified();
    return { body: { email: member.email, phone: member.phone } };
  },
  'POST /auth/password-reset/verify': async ({ auth }) => {
    const member = await auth.verified();
    return { body: { email: member.email, code: await auth.resetCode(member) } };
  },
  'POST /auth/password-reset/confirm': async ({ auth }) => {
    const member = await auth.verified();
    return { body: { resetToken: await auth.resetToken(member), newPassword: 'Renewed#2025pw' } };
  },
  'POST /auth/refresh': async ({ auth }) => ({
    body: { refreshToken: (await auth.loggedIn()).refreshToken },
  }),
  'POST /auth/login': async ({ auth }) => {
    const member = await auth.verified();
    return { body: { email: member.email, password: member.password } };
  },
  // no body; the member's sessions end, so not a shared member
  'POST /auth/logout': async ({ member }) => ({ as: await member() }),

  // User (MyPage, UserApiPage)
  'GET /users/me': ({ user }) => ({ as: user }),
  'PUT /users/me': async ({ member }) => ({
    as: await member(),
    body: { name: '박변경', phone: '010-9876-5432' },
  }),
  'DELETE /users/me': async ({ member }) => ({ as: await member() }),
  'GET /users/profile/:userId': ({ user }) => ({ params: { userId: user.user.id } }),
  // both keys always sent (UserApiPage.tsx:143)
  'PATCH /users/me/profile': async ({ member }) => ({
    as: await member(),
    body: { nickname: unique('nick_').slice(0, 20), bio: '가성비 노트북을 찾습니다' },
  }),
  'DELETE /users/me/profile-image': async ({ member }) => ({ as: await member() }),
  'GET /users': ({ admin }) => ({ as: admin, query: { page: 1, limit: 10 } }),
  'PATCH /users/:userId/status': async ({ admin, member }) => ({
    as: admin,
    params: { userId: (await member()).user.id },
    body: { status: 'BLOCKED' },
  }),

  // Category (HomePage, CategoryApiPage)
  'GET /categories': () => ({}),
  'GET /categories/:id': ({ category }) => ({ params: { id: category.id } }),
  'POST /categories': ({ admin, category }) => ({
    as: admin,
    body: { name: uniqueName('Gaming'), parentId: category.id },
  }),
  'PATCH /categories/:id': async ({ admin, make }) => ({
    as: admin,
    params: { id: await make.category() },
    body: { name: uniqueName('Renamed'), sortOrder: 3 },
  }),
  'DELETE /categories/:id': async ({ admin, make }) => ({ as: admin, params: { id: await make.category() } }),

  // Product (ProductsPage, ProductDetailPage, ProductApiPage)
  'GET /products': ({ category }) => ({
    query: { page: 1, limit: 20, categoryId: category.id, search: undefined, sort: 'newest' },
  }),
  'GET /products/:id': ({ product }) => ({ params: { id: product.id } }),
  // discountPrice and thumbnailUrl are sent when their inputs are set (ProductApiPage.tsx:156-165)
  'POST /products': ({ admin, category }) => ({
    as: admin,
    body: {
      name: uniqueName('Zenbook'),
      description: '가볍고 오래가는 노트북',
      price: 1_190_000,
      discountPrice: 1_090_000,
      stock: 10,
      categoryId: category.id,
      status: 'ON_SALE',
      thumbnailUrl: 'https://img.example.com/zenbook.jpg',
    },
  }),
  // a subset of name, price, stock (ProductApiPage.tsx:216-220)
  'PATCH /products/:id': async ({ admin, make }) => ({
    as: admin,
    params: { id: (await make.product()).id },
    body: { name: uniqueName('Zenbook S'), price: 1_090_000, stock: 7 },
  }),
  'DELETE /products/:id': async ({ admin, make }) => ({
    as: admin,
    params: { id: (await make.product()).id },
  }),
  'POST /products/:productId/options': ({ admin, product }) => ({
    as: admin,
    params: { productId: product.id },
    body: { name: uniqueName('Storage'), values: ['512GB', '1TB'] },
  }),
  'PATCH /products/:productId/options/:optionId': async ({ admin, product, make }) => ({
    as: admin,
    params: { productId: product.id, optionId: (await make.option(product.id)).id },
    body: { name: 'Size', values: ['S', 'M', 'L'] },
  }),
  'DELETE /products/:productId/options/:optionId': async ({ admin, product, make }) => ({
    as: admin,
    params: { productId: product.id, optionId: (await make.option(product.id)).id },
  }),
  'POST /products/:productId/images': ({ admin, product }) => ({
    as: admin,
    params: { productId: product.id },
    body: { url: 'https://img.example.com/book-back.jpg', isMain: false, sortOrder: 2 },
  }),
  'DELETE /products/:productId/images/:imageId': async ({ admin, product, make }) => ({
    as: admin,
    params: { productId: product.id, imageId: (await make.image(product.id)).id },
  }),

  // Spec (SpecApiPage)
  'GET /specs/definitions': ({ category }) => ({ query: { categoryId: category.id } }),
  'GET /specs/definitions/resolved/:categoryId': ({ category }) => ({ params: { categoryId: category.id } }),
  // categoryId, name, type (default 'SELECT'), options from the CSV input (SpecApiPage.tsx:121-126)
  'POST /specs/definitions': ({ admin, category }) => ({
    as: admin,
    body: { categoryId: category.id, name: uniqueName('Panel'), type: 'SELECT', options: ['IPS', 'OLED'] },
  }),
  'PATCH /specs/definitions/:id': async ({ admin, make }) => ({
    as: admin,
    params: { id: await make.specDefinition() },
    body: { name: uniqueName('Memory') },
  }),
  'DELETE /specs/definitions/:id': async ({ admin, make }) => ({
    as: admin,
    params: { id: await make.specDefinition() },
  }),
  'GET /products/:productId/specs': ({ product }) => ({ params: { productId: product.id } }),
  'GET /products/:productId/specs/grouped': ({ product }) => ({ params: { productId: product.id } }),
  // one entry without numericValue (SpecApiPage.tsx:206-211)
  'PUT /products/:productId/specs': async ({ admin, make, ramSpec }) => ({
    as: admin,
    params: { productId: (await make.product()).id },
    body: { specs: [{ specDefinitionId: ramSpec, value: '16GB' }] },
  }),
  'POST /specs/compare': ({ product, otherProduct }) => ({
    body: { productIds: [product.id, otherProduct.id] },
  }),
  'POST /specs/compare/numeric': ({ product, otherProduct }) => ({
    body: { productIds: [product.id, otherProduct.id] },
  }),
  'POST /specs/compare/scored': ({ product, otherProduct }) => ({
    body: { productIds: [product.id, otherProduct.id] },
  }),
  'POST /specs/score': ({ category, product, otherProduct }) => ({
    body: { categoryId: category.id, productIds: [product.id, otherProduct.id] },
  }),
  // one { value, score } (SpecApiPage.tsx:273-275)
  'PUT /specs/scores/:specDefId': ({ admin, ramSpec }) => ({
    as: admin,
    params: { specDefId: ramSpec },
    body: { scores: [{ value: '16GB', score: 80 }] },
  }),
  'GET /products/:productId/similar-spec-products': ({ product }) => ({
    params: { productId: product.id },
    query: { limit: 5 },
  }),

  // Seller (SellerApiPage)
  'GET /sellers': () => ({ query: { page: 1, limit: 50 } }),
  'GET /sellers/:id': ({ seller }) => ({ params: { id: seller.id } }),
  'POST /sellers': ({ admin }) => ({
    as: admin,
    body: {
      name: uniqueName('Danawa Mall'),
      url: 'https://mall.example.com',
      logoUrl: 'https://mall.example.com/logo.png',
      description: '공식 인증 판매처',
    },
  }),
  'PATCH /sellers/:id': async ({ admin, make }) => ({
    as: admin,
    params: { id: await make.seller() },
    body: { name: uniqueName('Renamed Mall'), description: '배송 빠른 판매처' },
  }),
  'DELETE /sellers/:id': async ({ admin, make }) => ({ as: admin, params: { id: await make.seller() } }),

  // Price (PriceApiPage)
  'GET /products/:productId/prices': ({ product }) => ({ params: { productId: product.id } }),
  // shippingCost always sent (input default '0'); shippingInfo when non-empty (PriceApiPage.tsx:145-152)
  'POST /products/:productId/prices': async ({ admin, product, make }) => ({
    as: admin,
    params: { productId: product.id },
    body: {
      sellerId: await make.seller(),
      price: 1_310_000,
      shippingCost: 0,
      shippingInfo: '무료배송',
      productUrl: 'https://mall.example.com/items/1',
    },
  }),
  // the non-empty fields of the form (PriceApiPage.tsx:174-179)
  'PATCH /prices/:priceId': async ({ admin, make }) => {
    const { id } = await make.product();
    return {
      as: admin,
      params: { priceId: await make.offer(id, await make.seller(), 990_000) },
      body: { price: 970_000, shippingCost: 3000 },
    };
  },
  'DELETE /prices/:priceId': async ({ admin, make }) => {
    const { id } = await make.product();
    return { as: admin, params: { priceId: await make.offer(id, await make.seller(), 990_000) } };
  },
  // both always sent (PriceApiPage.tsx:97-100)
  'GET /products/:productId/price-history': ({ product }) => ({
    params: { productId: product.id },
    query: { period: '3m', type: 'daily' },
  }),
  'GET /price-alerts': ({ user }) => ({ as: user }),
  'POST /price-alerts': async ({ member, product }) => ({
    as: await member(),
    body: { productId: product.id, targetPrice: 1_250_000 },
  }),
  'DELETE /price-alerts/:id': async ({ member, product, make }) => {
    const owner = await member();
    return { as: owner, params: { id: (await make.alert(owner, product.id)).id } };
  },

  // Cart (CartPage, ProductDetailPage, CartApiPage): members on /cart with Bearer, guests on
  // /cart/guest with x-cart-key and no Bearer (§1.6); item ids go into the path as they came
  'GET /cart': async (fx) => {
    const owner = await fx.member();
    await cartLine(fx, { as: owner });
    return { as: owner };
  },
  'GET /cart/guest': async (fx) => {
    const headers = guestCart();
    await cartLine(fx, { headers });
    return { headers };
  },
  // ProductDetailPage sends { productId, sellerId, quantity } (ProductDetailPage.tsx:81)
  'POST /cart': async ({ member, product, seller }) => ({
    as: await member(),
    body: { productId: product.id, sellerId: seller.id, quantity: 1 },
  }),
  // CartApiPage adds selectedOptions when it is non-empty (CartApiPage.tsx:70-75)
  'POST /cart/guest': ({ product, seller }) => ({
    headers: guestCart(),
    body: { productId: product.id, sellerId: seller.id, quantity: 2, selectedOptions: 'Silver / 512GB' },
  }),
  'PATCH /cart/:itemId': async (fx) => {
    const owner = await fx.member();
    return { as: owner, params: { itemId: await cartLine(fx, { as: owner }) }, body: { quantity: 3 } };
  },
  'PATCH /cart/guest/:itemId': async (fx) => {
    const headers = guestCart();
    return { headers, params: { itemId: await cartLine(fx, { headers }) }, body: { quantity: 3 } };
  },
  'DELETE /cart/:itemId': async (fx) => {
    const owner = await fx.member();
    return { as: owner, params: { itemId: await cartLine(fx, { as: owner }) } };
  },
  'DELETE /cart/guest/:itemId': async (fx) => {
    const headers = guestCart();
    return { headers, params: { itemId: await cartLine(fx, { headers }) } };
  },
  'DELETE /cart': async (fx) => {
    const owner = await fx.member();
    await cartLine(fx, { as: owner });
    return { as: owner };
  },
  'DELETE /cart/guest': async (fx) => {
    const headers = guestCart();
    await cartLine(fx, { headers });
    return { headers };
  },

  // Address (MyPage sends no isDefault; AddressApiPage sends isDefault on PATCH only when true)
  'GET /addresses': async (fx) => {
    const owner = await fx.member();
    await newAddress(fx, owner);
    return { as: owner };
  },
  'POST /addresses': async ({ member }) => ({ as: await member(), body: addressForm() }),
  'PATCH /addresses/:id': async (fx) => {
    const owner = await fx.member();
    return {
      as: owner,
      params: { id: await newAddress(fx, owner) },
      body: { recipientName: '박수령', isDefault: true },
    };
  },
  'DELETE /addresses/:id': async (fx) => {
    const owner = await fx.member();
    return { as: owner, params: { id: await newAddress(fx, owner) } };
  },

  // Wishlist (MyPage lists (1, 10); ProductDetailPage and WishlistApiPage toggle)
  'GET /wishlist': async (fx) => {
    const owner = await fx.member();
    await sent(fx, 'POST', `/wishlist/${fx.product.id}`, { as: owner });
    return { as: owner, query: { page: 1, limit: 10 } };
  },
  'POST /wishlist/:productId': async ({ member, product }) => ({
    as: await member(),
    params: { productId: product.id },
  }),
  'DELETE /wishlist/:productId': async (fx) => {
    const owner = await fx.member();
    await sent(fx, 'POST', `/wishlist/${fx.product.id}`, { as: owner });
    return { as: owner, params: { productId: fx.product.id } };
  },

  // Order: CartPage orders the cart (fromCart, its line ids and the lines again); MyPage lists
  // (1, 10); OrderApiPage's admin list (1, 30) and status box (free text)
  'POST /orders': async (fx) => {
    const owner = await fx.member();
    const addressId = await newAddress(fx, owner);
    const cartItemId = await cartLine(fx, { as: owner });
    return {
      as: owner,
      body: {
        addressId,
        fromCart: true,
        cartItemIds: [cartItemId],
        items: [{ productId: fx.product.id, sellerId: fx.seller.id, quantity: 1 }],
      },
    };
  },
  'GET /orders': async (fx) => {
    const owner = await fx.member();
    await newOrder(fx, owner);
    return { as: owner, query: { page: 1, limit: 10 } };
  },
  'GET /orders/:id': async (fx) => {
    const owner = await fx.member();
    return { as: owner, params: { id: await newOrder(fx, owner) } };
  },
  'POST /orders/:id/cancel': async (fx) => {
    const owner = await fx.member();
    return { as: owner, params: { id: await newOrder(fx, owner) } };
  },
  'GET /admin/orders': async (fx) => {
    await newOrder(fx, await fx.member());
    return { as: fx.admin, query: { page: 1, limit: 30 } };
  },
  'PATCH /admin/orders/:id/status': async (fx) => ({
    as: fx.admin,
    params: { id: await newOrder(fx, await fx.member()) },
    body: { status: 'CANCELLED' },
  }),

  // Review: ProductDetailPage lists (1, 10) and writes { orderId: Number(<text input>), rating, content }
  // (:123-127); ReviewApiPage lists (1, 20) and edits { rating?, content? } (:105-108)
  'GET /products/:productId/reviews': async (fx) => {
    const author = await fx.member();
    await sent(
      fx,
      'POST',
      `/products/${fx.product.id}/reviews`,
      { as: author },
      {
        orderId: await confirmedOrder(fx, author),
        rating: 5,
        content: '가볍고 배터리가 오래 가서 만족합니다.',
      },
    );
    return { params: { productId: fx.product.id }, query: { page: 1, limit: 10 } };
  },
  'POST /products/:productId/reviews': async (fx) => {
    const author = await fx.member();
    return {
      as: author,
      params: { productId: fx.product.id },
      body: {
        orderId: Number(await confirmedOrder(fx, author)),
        rating: 4,
        content: '화면이 밝고 키감이 좋아요.',
      },
    };
  },
  'PATCH /reviews/:id': async (fx) => {
    const author = await fx.member();
    return {
      as: author,
      params: { id: await newReview(fx, author) },
      body: { rating: 3, content: '한 달 써 보니 발열이 조금 있네요.' },
    };
  },
  'DELETE /reviews/:id': async (fx) => {
    const author = await fx.member();
    return { as: author, params: { id: await newReview(fx, author) } };
  },

  // Point (PointApiPage): the type box is empty by default (not sent)
  'GET /points/balance': async (fx) => {
    const owner = await fx.member();
    await sent(fx, 'POST', '/admin/points/grant', { as: fx.admin }, { userId: owner.user.id, amount: 3000 });
    return { as: owner };
  },
  'GET /points/transactions': async (fx) => {
    const owner = await fx.member();
    await sent(fx, 'POST', '/admin/points/grant', { as: fx.admin }, { userId: owner.user.id, amount: 3000 });
    return { as: owner, query: { page: 1, limit: 20, type: '' } };
  },
  'POST /admin/points/grant': async (fx) => ({
    as: fx.admin,
    body: { userId: (await fx.member()).user.id, amount: 1000, description: '이벤트 적립' },
  }),

  // Payment (PaymentApiPage): the order id, method (CARD by default) and amount typed in
  // (:76-80); refunds send `{}` when no reason is typed (:118, :138-141)
  'POST /payments': async (fx) => {
    const owner = await fx.member();
    const order = await orderToPay(fx, owner);
    return { as: owner, body: { orderId: order.id, method: 'CARD', amount: order.finalAmount } };
  },
  'GET /payments/:id': async (fx) => {
    const owner = await fx.member();
    return { as: owner, params: { id: await paidOrder(fx, owner) } };
  },
  'POST /payments/:id/refund': async (fx) => {
    const owner = await fx.member();
    return { as: owner, params: { id: await paidOrder(fx, owner) }, body: {} };
  },
  'POST /admin/payments/:id/refund': async (fx) => ({
    as: fx.admin,
    params: { id: await paidOrder(fx, await fx.member()) },
    body: {},
  }),

  // Search (no page calls GET /search; HomePage and PublicLandingPage load /search/popular)
  'GET /search': ({ product }) => ({ query: { keyword: product.name, page: 1, limit: 20 } }),
  'GET /search/popular': () => ({ query: { limit: 6 } }),
  'GET /search/admin/index/outbox/summary': ({ admin }) => ({ as: admin }),
  'POST /search/admin/index/outbox/requeue-failed': ({ admin }) => ({ as: admin, query: { limit: 100 } }),

  // Queue Admin (QueueAdminApiPage): the page's inputs (queue `activity-log` by default; retry
  // limit 50, auto-retry 20 and 100, newestFirst as a string), on real failed jobs
  'GET /admin/queues/supported': ({ admin }) => ({ as: admin }),
  'GET /admin/queues/stats': ({ admin }) => ({ as: admin }),
  'GET /admin/queues/:queueName/failed': async ({ admin, make }) => {
    await make.failedJob('activity-log');
    return {
      as: admin,
      params: { queueName: 'activity-log' },
      query: { page: 1, limit: 20, newestFirst: 'true' },
    };
  },
  'POST /admin/queues/:queueName/failed/retry': async ({ admin, make }) => {
    await make.failedJob('video-transcode');
    return { as: admin, params: { queueName: 'video-transcode' }, query: { limit: 50 } };
  },
  'POST /admin/queues/auto-retry': ({ admin }) => ({
    as: admin,
    query: { perQueueLimit: 20, maxTotal: 100 },
  }),
  'POST /admin/queues/:queueName/jobs/:jobId/retry': async ({ admin, make }) => ({
    as: admin,
    params: { queueName: 'crawler-collect', jobId: await make.failedJob('crawler-collect') },
  }),
  'DELETE /admin/queues/:queueName/jobs/:jobId': async ({ admin, make }) => ({
    as: admin,
    params: { queueName: 'crawler-collect', jobId: await make.failedJob('crawler-collect') },
  }),

  // Crawler (CrawlerApiPage: the form's defaults, its sellerId 1 replaced by a fixture shop)
  'GET /crawler/admin/jobs': ({ admin, seller }) => ({
    as: admin,
    query: { page: 1, limit: 20, sellerId: seller.id, isActive: 'true' },
  }),
  'POST /crawler/admin/jobs': ({ admin, seller }) => ({
    as: admin,
    body: crawlerJobForm(seller.id),
  }),
  'PATCH /crawler/admin/jobs/:id': async (fx) => ({
    as: fx.admin,
    params: { id: await newCrawlerJob(fx) },
    body: {
      sellerId: fx.seller.id,
      name: unique('가격 수집 변경 '),
      cronExpression: '0 */3 * * *',
      collectPrice: true,
      collectSpec: false,
      detectAnomaly: true,
    },
  }),
  'DELETE /crawler/admin/jobs/:id': async (fx) => ({ as: fx.admin, params: { id: await newCrawlerJob(fx) } }),
  'POST /crawler/admin/jobs/:id/run': async (fx) => ({
    as: fx.admin,
    params: { id: await newCrawlerJob(fx) },
  }),
  'POST /crawler/admin/triggers': ({ admin, seller, product }) => ({
    as: admin,
    body: {
      sellerId: seller.id,
      productId: product.id,
      collectPrice: true,
      collectSpec: true,
      detectAnomaly: true,
    },
  }),
  'GET /crawler/admin/runs': ({ admin }) => ({ as: admin, query: { page: 1, limit: 20, status: 'SUCCESS' } }),
  'GET /crawler/admin/monitoring': ({ admin }) => ({ as: admin }),

  // Product Matching (MatchingApiPage: the productId typed, a reason typed)
  'GET /matching/pending': async ({ admin, make }) => {
    await make.unmatchedItem();
    return { as: admin, query: { page: 1, limit: 20 } };
  },
  'PATCH /matching/:id/approve': async ({ admin, make, product }) => ({
    as: admin,
    params: { id: await make.unmatchedItem() },
    body: { productId: product.id },
  }),
  'PATCH /matching/:id/reject': async ({ admin, make }) => ({
    as: admin,
    params: { id: await make.unmatchedItem() },
    body: { reason: '카탈로그 상품이 아님' },
  }),
  'POST /matching/auto-match': ({ admin }) => ({ as: admin }),
  'GET /matching/stats': ({ admin }) => ({ as: admin }),

  // Fraud Detection (FraudApiPage: the status typed, the productId typed, the ratio inputs' defaults)
  'GET /fraud/alerts': async ({ admin, make }) => {
    await make.fraudAlert();
    return { as: admin, query: { page: 1, limit: 20, status: 'PENDING' } };
  },
  'PATCH /fraud/alerts/:alertId/approve': async ({ admin, make }) => ({
    as: admin,
    params: { alertId: (await make.fraudAlert()).alertId },
  }),
  'PATCH /fraud/alerts/:alertId/reject': async ({ admin, make }) => ({
    as: admin,
    params: { alertId: (await make.fraudAlert()).alertId },
  }),
  'GET /products/:productId/real-price': ({ product }) => ({ params: { productId: product.id } }),
  'GET /fraud/products/:productId/effective-prices': ({ product }) => ({ params: { productId: product.id } }),
  'GET /fraud/products/:productId/anomalies': ({ product }) => ({
    params: { productId: product.id },
    query: { lowerBoundRatio: 0.5, upperBoundRatio: 1.8, limit: 100 },
  }),
  'POST /fraud/admin/products/:productId/scan': ({ admin, product }) => ({
    as: admin,
    params: { productId: product.id },
    query: { lowerBoundRatio: 0.5, upperBoundRatio: 1.8, limit: 100 },
  }),
  'GET /fraud/admin/products/:productId/flags': async ({ admin, make }) => ({
    as: admin,
    params: { productId: (await make.fraudAlert()).productId },
  }),

  // Price Prediction (PredictionApiPage: the input defaults)
  'GET /predictions/products/:productId/price-trend': ({ product }) => ({
    params: { productId: product.id },
    query: { horizonDays: 7, lookbackDays: 30 },
  }),

  // Price Analytics (PriceAnalyticsApiPage)
  'GET /analytics/products/:productId/lowest-ever': ({ product }) => ({ params: { productId: product.id } }),
  'GET /analytics/products/:productId/unit-price': ({ product }) => ({ params: { productId: product.id } }),

  // Health, Error codes
  'GET /health': () => ({}),
  'GET /errors/codes': () => ({}),
  'GET /errors/codes/:key': () => ({ params: { key: 'VALIDATION_ERROR' } }),

  // Observability (ObservabilityApiPage: traces with the page's limit and the filter as typed)
  'GET /admin/observability/metrics': ({ admin }) => ({ as: admin }),
  'GET /admin/observability/traces': ({ admin }) => ({
    as: admin,
    query: { limit: 50, pathContains: 'products' },
  }),
  'GET /admin/observability/dashboard': ({ admin }) => ({ as: admin }),

  // Ops Dashboard (OpsDashboardApiPage)
  'GET /admin/ops-dashboard/summary': ({ admin }) => ({ as: admin }),

  // Resilience (ResilienceApiPage: the circuit name goes into the path as typed, unencoded)
  'GET /resilience/circuit-breakers': async ({ admin, resilience }) => {
    await resilience.breaker();
    return { as: admin };
  },
  'GET /resilience/circuit-breakers/policies': async ({ admin, resilience }) => {
    await resilience.breaker();
    return { as: admin };
  },
  'GET /resilience/circuit-breakers/:name': async ({ admin, resilience }) => ({
    as: admin,
    params: { name: await resilience.breaker() },
  }),
  'POST /resilience/circuit-breakers/:name/reset': async ({ admin, resilience }) => ({
    as: admin,
    params: { name: await resilience.breaker() },
  }),

  // Other (QueryApiPage: the list's paging and its upper-case sort; the product id typed)
  'GET /query/products': async ({ make, category, product }) => {
    await make.queryRow(product.id);
    return { query: { page: 1, limit: 20, categoryId: category.id, sort: 'NEWEST' } };
  },
  'GET /query/products/:productId': ({ product }) => ({ params: { productId: product.id } }),
  'POST /admin/query/products/:productId/sync': ({ admin, product }) => ({
    as: admin,
    params: { productId: product.id },
  }),
  'POST /admin/query/products/rebuild': ({ admin }) => ({ as: admin }),

  // Media (MediaApiPage): files, ownerType and ownerId as FormData (:51-54); the rest rendered whole
  'POST /media/upload': async (fx) => ({
    as: await fx.member(),
    multipart: await mediaForm(fx),
  }),
  'POST /media/presigned-url': ({ user }) => ({
    as: user,
    body: { fileName: 'unboxing.mp4', fileType: 'video/mp4', fileSize: 40 * 1024 * 1024 },
  }),
  'GET /media/stream/:id': async (fx) => ({ params: { id: await newMedia(fx, fx.user) } }),
  'DELETE /media/:id': async (fx) => {
    const owner = await fx.member();
    return { as: owner, params: { id: await newMedia(fx, owner) } };
  },
  'GET /media/:id/metadata': async (fx) => ({ params: { id: await newMedia(fx, fx.user) } }),

  // Image (ImageApiPage): file and category as FormData (:44); variants read field by field
  'POST /images/upload': async (fx) => ({ as: await fx.member(), multipart: await imageForm() }),
  'GET /images/:imageId/variants': async (fx) => ({ params: { imageId: await newImage(fx) } }),
  'DELETE /images/:imageId': async (fx) => ({ as: fx.admin, params: { imageId: await newImage(fx) } }),

  // Admin Settings (AdminSettingsApiPage): the page's default inputs (:67, :118-122, :157-160)
  'GET /admin/settings/extensions': ({ admin }) => ({ as: admin }),
  'POST /admin/settings/extensions': ({ admin }) => ({
    as: admin,
    body: { extensions: ['jpg', 'jpeg', 'png', 'webp', 'gif', 'mp4', 'mp3', 'pdf'] },
  }),
  'GET /admin/settings/upload-limits': ({ admin }) => ({ as: admin }),
  'PATCH /admin/settings/upload-limits': ({ admin }) => ({
    as: admin,
    body: { image: 5, video: 100, audio: 20 },
  }),
  'GET /admin/settings/review-policy': ({ admin }) => ({ as: admin }),
  'PATCH /admin/settings/review-policy': ({ admin }) => ({
    as: admin,
    body: { maxImageCount: 10, pointAmount: 500 },
  }),

  // Shortform (ShortformApiPage): the upload's FormData (:62-67: video, title, durationSec as
  // Number(input), productIds as a JSON array string); lists with page 1 and limit 20, the ranking
  // with period 'day'; a published short-form (transcoded by worker-transcode's processors) for
  // the reads, a FAILED one of the caller's for the retry
  'POST /shortforms': async (fx) => ({ as: await fx.member(), multipart: await shortformForm(fx) }),
  'GET /shortforms': async (fx) => {
    await publishedShortform(fx);
    return { query: { page: 1, limit: 20 } };
  },
  'GET /shortforms/:id': async (fx) => ({ params: { id: (await publishedShortform(fx)).id } }),
  'POST /shortforms/:id/like': async (fx) => ({
    as: fx.user,
    params: { id: (await publishedShortform(fx)).id },
  }),
  'POST /shortforms/:id/comments': async (fx) => ({
    as: fx.user,
    params: { id: (await publishedShortform(fx)).id },
    body: { content: '어디서 살 수 있나요?' },
  }),
  'GET /shortforms/:id/comments': async (fx) => ({
    params: { id: (await publishedShortform(fx)).id },
    query: { page: 1, limit: 20 },
  }),
  'GET /shortforms/ranking/list': async (fx) => {
    await publishedShortform(fx);
    return { query: { period: 'day', limit: 20 } };
  },
  'DELETE /shortforms/:id': async (fx) => {
    const owner = await fx.member();
    return { as: owner, params: { id: await uploadedShortform(fx, owner) } };
  },
  'GET /shortforms/:id/transcode-status': async (fx) => ({
    params: { id: (await publishedShortform(fx)).id },
  }),
  'POST /shortforms/:id/transcode/retry': async (fx) => {
    const { id, owner } = await failedShortform(fx);
    return { as: owner, params: { id } };
  },
  'GET /shortforms/user/:userId': async (fx) => ({
    params: { userId: (await publishedShortform(fx)).owner.user.id },
    query: { page: 1, limit: 20 },
  }),

  // Community (CommunityApiPage): boards, then a board's posts with page and limit (:89-94); a
  // post's detail rendered whole; writes of { title, content } (:148, :169-172) and { content }
  // (:238); the like's two fields (:206-207); the comment list's author and content (:225-248)
  'GET /boards': async (fx) => {
    await communityBoard(fx);
    return {};
  },
  'GET /boards/:boardId/posts': async (fx) => {
    const boardId = await communityBoard(fx);
    await newPost(fx, await fx.member());
    return { params: { boardId }, query: { page: 1, limit: 20, sort: 'newest' } };
  },
  'GET /posts/:id': async (fx) => ({ params: { id: await newPost(fx, await fx.member()) } }),
  'POST /boards/:boardId/posts': async (fx) => ({
    as: await fx.member(),
    params: { boardId: await communityBoard(fx) },
    body: { title: '노트북 추천 부탁드립니다', content: '100만원대 가벼운 모델이요.' },
  }),
  'PATCH /posts/:id': async (fx) => {
    const author = await fx.member();
    return {
      as: author,
      params: { id: await newPost(fx, author) },
      body: { title: '제목 수정', content: '본문 수정' },
    };
  },
  'DELETE /posts/:id': async (fx) => {
    const author = await fx.member();
    return { as: author, params: { id: await newPost(fx, author) } };
  },
  'POST /posts/:id/like': async (fx) => ({
    as: fx.user,
    params: { id: await newPost(fx, await fx.member()) },
  }),
  'GET /posts/:postId/comments': async (fx) => {
    const postId = await newPost(fx, await fx.member());
    await sent(fx, 'POST', `/posts/${postId}/comments`, { as: fx.user }, { content: '저도 궁금합니다' });
    return { params: { postId } };
  },
  'POST /posts/:postId/comments': async (fx) => ({
    as: fx.user,
    params: { postId: await newPost(fx, await fx.member()) },
    body: { content: '좋은 정보 감사합니다' },
  }),
  'DELETE /comments/:id': async (fx) => {
    const postId = await newPost(fx, await fx.member());
    const comment = await sent(
      fx,
      'POST',
      `/posts/${postId}/comments`,
      { as: fx.user },
      { content: '지울 댓글' },
    );
    return { as: fx.user, params: { id: comment.id } };
  },

  // Inquiry (InquiryApiPage): lists with page 1 and limit 20 (:53-56, :132-135); the question
  // form always sends isSecret as a boolean (:84-88); the answer form { content } (:114)
  'GET /products/:productId/inquiries': async (fx) => {
    await newInquiry(fx, await fx.member());
    return { params: { productId: fx.product.id }, query: { page: 1, limit: 20 } };
  },
  'POST /products/:productId/inquiries': async (fx) => ({
    as: await fx.member(),
    params: { productId: fx.product.id },
    body: { title: '배터리 문의', content: '배터리 사용 시간이 어떻게 되나요?', isSecret: false },
  }),
  'POST /inquiries/:inquiryId/answer': async (fx) => ({
    as: fx.admin,
    params: { inquiryId: await newInquiry(fx, await fx.member()) },
    body: { content: '약 10시간입니다.' },
  }),
  'GET /inquiries/me': async (fx) => {
    const asker = await fx.member();
    await newInquiry(fx, asker);
    return { as: asker, query: { page: 1, limit: 20 } };
  },
  'DELETE /inquiries/:inquiryId': async (fx) => {
    const asker = await fx.member();
    return { as: asker, params: { inquiryId: await newInquiry(fx, asker) } };
  },

  // Support (SupportApiPage): the create form's four fields (category free text, 'ORDER' by
  // default), my list filtered by status when one is picked, the admin list and answer box
  'POST /support/tickets': async ({ member }) => ({ as: await member(), body: ticketForm() }),
  'GET /support/tickets/me': async (fx) => {
    const owner = await fx.member();
    await sent(fx, 'POST', '/support/tickets', { as: owner }, ticketForm());
    return { as: owner, query: { status: 'OPEN' } };
  },
  'GET /support/tickets/me/:id': async (fx) => {
    const owner = await fx.member();
    const ticket = await sent(fx, 'POST', '/support/tickets', { as: owner }, ticketForm());
    return { as: owner, params: { id: ticket.id } };
  },
  'POST /admin/support/tickets/:ticketId/answer': async (fx) => {
    const ticket = await sent(fx, 'POST', '/support/tickets', { as: await fx.member() }, ticketForm());
    return { as: fx.admin, params: { ticketId: ticket.id }, body: { content: '내일 출고됩니다.' } };
  },
  'GET /admin/support/tickets': async (fx) => {
    await sent(fx, 'POST', '/support/tickets', { as: await fx.member() }, ticketForm());
    return { as: fx.admin, query: { status: 'OPEN' } };
  },

  // Help (HelpApiPage): the FAQ list (1, 30) with category and keyword, the notice list, and the
  // admin forms (all fields on create, only one on update)
  'GET /faq': async (fx) => {
    await sent(fx, 'POST', '/admin/faq', { as: fx.admin }, faqForm('배송 조회는 어디서 하나요?'));
    return { query: { page: 1, limit: 30, category: 'DELIVERY', keyword: '배송' } };
  },
  'POST /admin/faq': ({ admin }) => ({ as: admin, body: faqForm('반품 기간은?') }),
  'PATCH /admin/faq/:id': async (fx) => {
    const faq = await sent(fx, 'POST', '/admin/faq', { as: fx.admin }, faqForm('고칠 질문'));
    return { as: fx.admin, params: { id: faq.id }, body: { question: '고친 질문' } };
  },
  'DELETE /admin/faq/:id': async (fx) => {
    const faq = await sent(fx, 'POST', '/admin/faq', { as: fx.admin }, faqForm('지울 질문'));
    return { as: fx.admin, params: { id: faq.id } };
  },
  'GET /notices': async (fx) => {
    await sent(fx, 'POST', '/admin/notices', { as: fx.admin }, noticeForm('점검 안내'));
    return { query: { page: 1, limit: 20 } };
  },
  'POST /admin/notices': ({ admin }) => ({ as: admin, body: noticeForm('새 공지') }),
  'PATCH /admin/notices/:id': async (fx) => {
    const notice = await sent(fx, 'POST', '/admin/notices', { as: fx.admin }, noticeForm('고칠 공지'));
    return { as: fx.admin, params: { id: notice.id }, body: { title: '고친 공지' } };
  },
  'DELETE /admin/notices/:id': async (fx) => {
    const notice = await sent(fx, 'POST', '/admin/notices', { as: fx.admin }, noticeForm('지울 공지'));
    return { as: fx.admin, params: { id: notice.id } };
  },

  // News (HomePage and PublicLandingPage list 4, NewsApiPage 10; its forms always send productIds)
  'GET /news': async (fx) => {
    await newsArticle(fx);
    return { query: { page: 1, limit: 4 } };
  },
  'GET /news/categories': async (fx) => {
    await newsTab(fx);
    return {};
  },
  'GET /news/:id': async (fx) => ({ params: { id: await newsArticle(fx) } }),
  'POST /news': async (fx) => ({
    as: fx.admin,
    body: {
      title: '노트북 가격 동향',
      content: '<p>이번 주 노트북 가격이 내렸습니다.</p>',
      categoryId: await newsTab(fx),
      thumbnailUrl: 'https://img.example.com/news-cover.jpg',
      productIds: [fx.product.id],
    },
  }),
  'PATCH /news/:id': async (fx) => ({
    as: fx.admin,
    params: { id: await newsArticle(fx) },
    body: { title: '고친 제목', content: '<p>고친 본문</p>', categoryId: await newsTab(fx), productIds: [] },
  }),
  'DELETE /news/:id': async (fx) => ({ as: fx.admin, params: { id: await newsArticle(fx) } }),
  'POST /news/categories': ({ admin }) => ({ as: admin, body: { name: '리뷰', slug: unique('review-') } }),
  'DELETE /news/categories/:id': async (fx) => ({ as: fx.admin, params: { id: await newsTab(fx) } }),

  // Badge (BadgeApiPage): the create form sends condition only for AUTO, the edit form all six
  // fields, the grant form userId and reason
  'GET /badges': async (fx) => {
    await newBadge(fx);
    return {};
  },
  'GET /badges/me': async (fx) => {
    const holder = await fx.member();
    await sent(
      fx,
      'POST',
      `/admin/badges/${await newBadge(fx)}/grant`,
      { as: fx.admin },
      { userId: holder.user.id },
    );
    return { as: holder };
  },
  'GET /users/:userId/badges': async (fx) => {
    const holder = await fx.member();
    await sent(
      fx,
      'POST',
      `/admin/badges/${await newBadge(fx)}/grant`,
      { as: fx.admin },
      { userId: holder.user.id },
    );
    return { params: { userId: holder.user.id } };
  },
  'POST /admin/badges': ({ admin }) => ({ as: admin, body: badgeForm('AUTO') }),
  'PATCH /admin/badges/:id': async (fx) => ({
    as: fx.admin,
    params: { id: await newBadge(fx) },
    body: badgeForm('AUTO'),
  }),
  'DELETE /admin/badges/:id': async (fx) => ({ as: fx.admin, params: { id: await newBadge(fx) } }),
  'POST /admin/badges/:badgeId/grant': async (fx) => ({
    as: fx.admin,
    params: { badgeId: await newBadge(fx) },
    body: { userId: (await fx.member()).user.id, reason: '이벤트 당첨' },
  }),
  'DELETE /admin/badges/:badgeId/revoke/:userId': async (fx) => {
    const holder = await fx.member();
    const badgeId = await newBadge(fx);
    await sent(fx, 'POST', `/admin/badges/${badgeId}/grant`, { as: fx.admin }, { userId: holder.user.id });
    return { as: fx.admin, params: { badgeId, userId: holder.user.id } };
  },

  // Chat (ChatApiPage): rooms and messages page 1 of 20; the room a member opens, a public one to join
  'GET /chat/rooms': async (fx) => {
    const owner = await fx.member();
    await fx.deps.chat.createRoom(owner.user, { name: '배송 문의', isPrivate: true });
    return { as: owner, query: { page: 1, limit: 20 } };
  },
  'POST /chat/rooms': async (fx) => ({ as: await fx.member(), body: { name: '배송 문의', isPrivate: true } }),
  'POST /chat/rooms/:roomId/join': async (fx) => {
    const room = await fx.deps.chat.createRoom((await fx.member()).user, {
      name: '공개 상담',
      isPrivate: false,
    });
    return { as: await fx.member(), params: { roomId: room.id } };
  },
  'GET /chat/rooms/:roomId/messages': async (fx) => {
    const owner = await fx.member();
    const room = await fx.deps.chat.createRoom(owner.user, { name: '배송 문의', isPrivate: true });
    await fx.deps.chat.send(owner.user, room.id, '주문한 상품이 아직 안 왔어요');
    return { as: owner, params: { roomId: room.id }, query: { page: 1, limit: 20 } };
  },
  'POST /chat/rooms/:roomId/messages': async (fx) => {
    const owner = await fx.member();
    const room = await fx.deps.chat.createRoom(owner.user, { name: '배송 문의', isPrivate: true });
    return { as: owner, params: { roomId: room.id }, body: { message: '안녕하세요' } };
  },

  // Friend (FriendApiPage): the actions send no body; the lists page 1 of 20
  'POST /friends/request/:userId': async (fx) => ({
    as: await fx.member(),
    params: { userId: (await fx.member()).user.id },
  }),
  'PATCH /friends/request/:friendshipId/accept': async (fx) => {
    const { addressee, friendshipId } = await friendRequest(fx);
    return { as: addressee, params: { friendshipId } };
  },
  'PATCH /friends/request/:friendshipId/reject': async (fx) => {
    const { addressee, friendshipId } = await friendRequest(fx);
    return { as: addressee, params: { friendshipId } };
  },
  'GET /friends': async (fx) => ({ as: (await friends(fx)).requester, query: { page: 1, limit: 20 } }),
  'GET /friends/requests/received': async (fx) => ({
    as: (await friendRequest(fx)).addressee,
    query: { page: 1, limit: 20 },
  }),
  'GET /friends/requests/sent': async (fx) => ({
    as: (await friendRequest(fx)).requester,
    query: { page: 1, limit: 20 },
  }),
  'GET /friends/feed': async (fx) => {
    const { requester, addressee } = await friends(fx);
    // an entry of the activity log as its processor writes it: the friend earned a badge
    await fx.deps.database.sql`
      insert into activity_logs (job_id, type, user_id, payload, occurred_at)
      values (${unique('contract-feed-')}, 'badge_granted', ${addressee.user.id},
              ${JSON.stringify({ badgeId: 1, badgeName: 'Review Master' })}::jsonb, now())`;
    return { as: requester, query: { page: 1, limit: 20 } };
  },
  'POST /friends/block/:userId': async (fx) => {
    const { requester, addressee } = await friends(fx);
    return { as: requester, params: { userId: addressee.user.id } };
  },
  'DELETE /friends/block/:userId': async (fx) => {
    const blocker = await fx.member();
    const blocked = await fx.member();
    await sent(fx, 'POST', `/friends/block/${blocked.user.id}`, { as: blocker });
    return { as: blocker, params: { userId: blocked.user.id } };
  },
  'DELETE /friends/:userId': async (fx) => {
    const { requester, addressee } = await friends(fx);
    return { as: requester, params: { userId: addressee.user.id } };
  },

  // Deal (DealApiPage): the list asks for `limit` and `activeOnly=true`; the admin form sends one
  // product, ISO instants and a subset of fields on update
  'GET /deals': async (fx) => {
    await runningDeal(fx);
    return { query: { limit: 6, activeOnly: true } };
  },
  'POST /deals/admin': (fx) => ({
    as: fx.admin,
    body: {
      productId: fx.product.id,
      title: unique('Spring deal '),
      description: 'Ten percent off',
      discountRate: 10,
      startAt: new Date(Date.now() - 60_000).toISOString(),
      endAt: new Date(Date.now() + 86_400_000).toISOString(),
      isActive: true,
    },
  }),
  'PATCH /deals/admin/:id': async (fx) => ({
    as: fx.admin,
    params: { id: await runningDeal(fx) },
    body: { title: unique('Renamed deal '), discountRate: 15, isActive: false },
  }),
  'DELETE /deals/admin/:id': async (fx) => ({ as: fx.admin, params: { id: await runningDeal(fx) } }),

  // Auto (AutoApiPage): the type filter as typed in its input; the estimate form sends the model,
  // trim and the chosen option ids, nothing else
  'GET /auto/models': () => ({ query: { brand: '현대', type: 'SEDAN' } }),
  'GET /auto/models/:modelId/trims': (fx) => ({ params: { modelId: fx.car.modelId } }),
  'POST /auto/estimate': (fx) => ({
    body: { modelId: fx.car.modelId, trimId: fx.car.trimId, optionIds: [fx.car.optionId] },
  }),
  'GET /auto/models/:modelId/lease-offers': (fx) => ({ params: { modelId: fx.car.modelId } }),

  // Reverse Auction (AuctionApiPage): the member posts, the SELLER member bids, the owner selects
  // or cancels; the list sends no query
  'POST /auctions': (fx) => ({ as: fx.user, body: auctionForm(fx) }),
  'GET /auctions': async (fx) => {
    await openAuction(fx);
    return {};
  },
  'GET /auctions/:id': async (fx) => ({ params: { id: await openAuction(fx) } }),
  'POST /auctions/:id/bids': async (fx) => ({
    as: fx.bidder,
    params: { id: await openAuction(fx) },
    body: bidForm(),
  }),
  'PATCH /auctions/:id/bids/:bidId/select': async (fx) => ({ as: fx.user, params: await auctionBid(fx) }),
  'DELETE /auctions/:id': async (fx) => ({ as: fx.user, params: { id: await openAuction(fx) } }),
  'PATCH /auctions/:id/bids/:bidId': async (fx) => ({
    as: fx.bidder,
    params: await auctionBid(fx),
    body: { price: 1_650_000, description: 'Two-year warranty included', deliveryDays: 3 },
  }),
  'DELETE /auctions/:id/bids/:bidId': async (fx) => ({ as: fx.bidder, params: await auctionBid(fx) }),

  // Compare Bar (CompareApiPage): x-compare-key and no Bearer (§1.6)
  'POST /compare/add': (fx) => ({
    headers: { 'x-compare-key': unique('compare_') },
    body: { productId: fx.product.id },
  }),
  'DELETE /compare/:productId': async (fx) => {
    const headers = await compareBar(fx);
    return { headers, params: { productId: fx.otherProduct.id } };
  },
  'GET /compare': async (fx) => ({ headers: await compareBar(fx) }),
  'GET /compare/detail': async (fx) => ({ headers: await compareBar(fx) }),

  // Trust Score (TrustApiPage): the recalculate form sends its five metrics (defaults 90, 90, 90, 90, 5)
  'GET /trust/sellers/:sellerId': (fx) => ({ params: { sellerId: fx.seller.id } }),
  'GET /trust/sellers/:sellerId/history': async (fx) => {
    await sent(fx, 'POST', `/trust/admin/sellers/${fx.seller.id}/recalculate`, { as: fx.admin }, {});
    return { params: { sellerId: fx.seller.id }, query: { limit: 20 } };
  },
  'POST /trust/admin/sellers/:sellerId/recalculate': (fx) => ({
    as: fx.admin,
    params: { sellerId: fx.seller.id },
    body: { deliveryAccuracy: 90, priceAccuracy: 90, customerRating: 90, responseSpeed: 90, returnRate: 5 },
  }),

  // Web Push (PushApiPage): the form's endpoint and keys as the browser's PushSubscription gives
  // them, expirationTime as the "epoch ms string" placeholder asks; the preference form sends all four
  'POST /push/subscriptions': async (fx) => ({
    as: await fx.member(),
    body: { ...browserSubscription(), expirationTime: String(Date.now() + 7 * 86_400_000) },
  }),
  'POST /push/subscriptions/unsubscribe': async (fx) => {
    const member = await fx.member();
    const subscription = browserSubscription();
    await sent(fx, 'POST', '/push/subscriptions', { as: member }, subscription);
    return { as: member, body: { endpoint: subscription.endpoint } };
  },
  'GET /push/subscriptions': async (fx) => {
    const member = await fx.member();
    await sent(fx, 'POST', '/push/subscriptions', { as: member }, browserSubscription());
    return { as: member };
  },
  'GET /push/preferences': async (fx) => ({ as: await fx.member() }),
  'POST /push/preferences': async (fx) => ({
    as: await fx.member(),
    body: {
      priceAlertEnabled: true,
      orderStatusEnabled: false,
      chatMessageEnabled: true,
      dealEnabled: false,
    },
  }),

  // i18n (I18nApiPage): the translation form's four fields (inputs default to 'en' and 'product'),
  // the rate form's upper-cased codes and rate, the converter's amount and codes
  'GET /i18n/translations': async (fx) => {
    await sent(fx, 'POST', '/i18n/admin/translations', { as: fx.admin }, translationOf(fx));
    return { query: { locale: 'en', namespace: 'product' } };
  },
  'POST /i18n/admin/translations': (fx) => ({ as: fx.admin, body: translationOf(fx) }),
  'DELETE /i18n/admin/translations/:id': async (fx) => {
    const created = await sent(fx, 'POST', '/i18n/admin/translations', { as: fx.admin }, translationOf(fx));
    return { as: fx.admin, params: { id: created.id } };
  },
  'GET /i18n/exchange-rates': async (fx) => {
    await sent(fx, 'POST', '/i18n/admin/exchange-rates', { as: fx.admin }, usdRate);
    return {};
  },
  'POST /i18n/admin/exchange-rates': (fx) => ({ as: fx.admin, body: usdRate }),
  'GET /i18n/convert': async (fx) => {
    await sent(fx, 'POST', '/i18n/admin/exchange-rates', { as: fx.admin }, usdRate);
    return { query: { amount: 12_345, from: 'KRW', to: 'USD' } };
  },

  // Activity (ActivityApiPage): the lists page 1 (searches by 30); the actions send no body but the keyword
  'GET /activities': async (fx) => ({ as: await activeMember(fx) }),
  'GET /activities/recent-products': async (fx) => ({
    as: await activeMember(fx),
    query: { page: 1, limit: 20 },
  }),
  'POST /activities/recent-products/:productId': (fx) => ({
    as: fx.user,
    params: { productId: fx.product.id },
  }),
  'GET /activities/searches': async (fx) => ({ as: await activeMember(fx), query: { page: 1, limit: 30 } }),
  'POST /activities/searches': (fx) => ({ as: fx.user, body: { keyword: '노트북' } }),
  'DELETE /activities/searches/:id': async (fx) => {
    const member = await activeMember(fx);
    const listed = await fx.app.inject({
      method: 'GET',
      url: `${apiBase}/activities/searches`,
      headers: member.authHeader,
    });
    return { as: member, params: { id: listed.json().data[0].id } };
  },
  'DELETE /activities/searches': async (fx) => ({ as: await activeMember(fx) }),

  // Ranking (HomePage, RankingApiPage): limits 6 and 10; the recalculation sends no body
  'GET /rankings/products/popular': async (fx) => {
    await activeMember(fx);
    return { query: { limit: 6 } };
  },
  'GET /rankings/keywords/popular': async (fx) => {
    await activeMember(fx);
    return { query: { limit: 10 } };
  },
  'POST /rankings/admin/recalculate': (fx) => ({ as: fx.admin }),

  // Recommendation (RecommendationApiPage): limit 20
  'GET /recommendations/trending': () => ({ query: { limit: 20 } }),
  'GET /recommendations/personal': async (fx) => ({ as: await activeMember(fx), query: { limit: 20 } }),

  // PC Builder (PcBuilderApiPage): the create form sends all four fields, a part its quantity, the
  // rule form `enabled: true` and `metadata: { required: true }`; the update sends four fields
  'GET /pc-builds': (fx) => ({ as: fx.user, query: { page: 1, limit: 20 } }),
  'POST /pc-builds': (fx) => ({ as: fx.user, body: pcBuildForm() }),
  'GET /pc-builds/:id': (fx) => ({ params: { id: fx.pc.buildId } }),
  'PATCH /pc-builds/:id': async (fx) => ({
    as: fx.user,
    params: { id: await pcBuildOf(fx) },
    body: { name: '사무용 견적', description: '문서 작업용', purpose: 'OFFICE', budget: 800_000 },
  }),
  'DELETE /pc-builds/:id': async (fx) => ({ as: fx.user, params: { id: await pcBuildOf(fx) } }),
  'POST /pc-builds/:id/parts': async (fx) => ({
    as: fx.user,
    params: { id: await pcBuildOf(fx) },
    body: { productId: fx.pc.gpu, partType: 'GPU', sellerId: fx.seller.id, quantity: 1 },
  }),
  'DELETE /pc-builds/:id/parts/:partId': async (fx) => {
    const id = await pcBuildOf(fx);
    const withPart = (await sent(
      fx,
      'POST',
      `/pc-builds/${id}/parts`,
      { as: fx.user },
      {
        productId: fx.pc.cpu,
        partType: 'CPU',
        quantity: 1,
      },
    )) as unknown as { parts: { id: Id }[] };
    return { as: fx.user, params: { id, partId: withPart.parts[0]!.id } };
  },
  'GET /pc-builds/:id/compatibility': (fx) => ({ params: { id: fx.pc.buildId } }),
  'GET /pc-builds/:id/share': (fx) => ({ as: fx.user, params: { id: fx.pc.buildId } }),
  'GET /pc-builds/shared/:shareCode': (fx) => ({ params: { shareCode: fx.pc.shareCode } }),
  'GET /pc-builds/popular': () => ({ query: { page: 1, limit: 20 } }),
  'GET /admin/compatibility-rules': (fx) => ({ as: fx.admin }),
  'POST /admin/compatibility-rules': (fx) => ({ as: fx.admin, body: ruleForm() }),
  'PATCH /admin/compatibility-rules/:id': async (fx) => ({
    as: fx.admin,
    params: { id: (await sent(fx, 'POST', '/admin/compatibility-rules', { as: fx.admin }, ruleForm())).id },
    body: { title: unique('쿨러 필수 '), description: '쿨러를 고르세요.', severity: 'MEDIUM', enabled: true },
  }),
  'DELETE /admin/compatibility-rules/:id': async (fx) => ({
    as: fx.admin,
    params: { id: (await sent(fx, 'POST', '/admin/compatibility-rules', { as: fx.admin }, ruleForm())).id },
  }),

  // Used Market (UsedMarketApiPage)
  'GET /used-market/products/:productId/price': (fx) => ({ params: { productId: fx.pc.gpu } }),
  'GET /used-market/categories/:categoryId/prices': (fx) => ({
    params: { categoryId: fx.pc.categoryId },
    query: { page: 1, limit: 20 },
  }),
  'POST /used-market/pc-builds/:buildId/estimate': (fx) => ({
    as: fx.user,
    params: { buildId: fx.pc.buildId },
  }),
};

/**
 * A new member who viewed the fixture product and searched once, written as the activity-log
 * processor writes them (no worker runs here), and the rankings recalculated through the admin API.
 */
async function activeMember(fx: Fixtures): Promise<Member> {
  const member = await fx.member();
  const occurredAt = new Date();
  const entries = [
    { type: 'product_view', data: { productId: fx.product.id } },
    { type: 'search', data: { keyword: unique('노트북') } },
  ];
  for (const entry of entries) {
    await fx.deps.database.db.transaction(async (tx) => {
      await tx.insert(activityLogs).values({
        jobId: unique('client-contract-'),
        type: entry.type,
        userId: member.user.id,
        requestId: 'client-contract',
        payload: entry.data,
        occurredAt,
      });
      await recordInHistory(tx, { ...entry, userId: member.user.id, occurredAt });
    });
  }
  await sent(fx, 'POST', '/rankings/admin/recalculate', { as: fx.admin });
  return member;
}

/** The storefront's translation form for the fixture product's name. */
const translationOf = (fx: Fixtures) => ({
  locale: 'en',
  namespace: 'product',
  key: `${fx.product.id}.name`,
  value: 'Gaming laptop',
});
/** The rate form as an admin fills it (an exchange rate set by hand). */
const usdRate = { baseCurrency: 'USD', targetCurrency: 'KRW', rate: 1380.5 };

/** A browser's push subscription at a real push service: a fresh P-256 key and auth secret. */
function browserSubscription() {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return {
    endpoint: `https://fcm.googleapis.com/fcm/send/${unique('contract-')}`,
    p256dhKey: ecdh.getPublicKey().toString('base64url'),
    authKey: randomBytes(16).toString('base64url'),
  };
}

/** A deal of the fixture product running now, made through the admin route. */
async function runningDeal(fx: Fixtures): Promise<Id> {
  const deal = await sent(
    fx,
    'POST',
    '/deals/admin',
    { as: fx.admin },
    {
      productId: fx.product.id,
      title: unique('Running deal '),
      discountRate: 10,
      startAt: new Date(Date.now() - 60_000).toISOString(),
      endAt: new Date(Date.now() + 86_400_000).toISOString(),
    },
  );
  return deal.id;
}

/** The auction form as AuctionApiPage sends it: `specs` parsed from its JSON text input. */
function auctionForm(fx: Fixtures) {
  return {
    title: unique('Gaming laptop wanted '),
    description: 'RTX 4070 or better, 32 GB RAM',
    categoryId: fx.category.id,
    specs: { gpu: 'RTX 4070', ram: '32GB' },
    budget: 2_000_000,
  };
}

/** The bid form as AuctionApiPage sends it. */
const bidForm = () => ({ price: 1_700_000, description: 'In stock, ships tomorrow', deliveryDays: 1 });

/** An open auction of the fixture user, posted through the API. */
async function openAuction(fx: Fixtures): Promise<Id> {
  return (await sent(fx, 'POST', '/auctions', { as: fx.user }, auctionForm(fx))).id;
}

/** An open auction of the fixture user with the fixture SELLER's bid: the path parameters. */
async function auctionBid(fx: Fixtures): Promise<{ id: Id; bidId: Id }> {
  const id = await openAuction(fx);
  const bid = await sent(fx, 'POST', `/auctions/${id}/bids`, { as: fx.bidder }, bidForm());
  return { id, bidId: bid.id };
}

/** A guest compare bar holding the two fixture products: its x-compare-key header. */
async function compareBar(fx: Fixtures): Promise<Record<string, string>> {
  const headers = { 'x-compare-key': unique('compare_') };
  for (const productId of [fx.product.id, fx.otherProduct.id]) {
    await sent(fx, 'POST', '/compare/add', { headers }, { productId });
  }
  return headers;
}

export interface ClientAnswer {
  status: number;
  /** the parsed body; `{}` when it is empty or not JSON (ac:85) */
  body: unknown;
  /** what `request()` returns as `data` and `meta` (ac:116-121) */
  data: unknown;
  meta: unknown;
}

/** The URL `buildUrl` makes (ac:14-30): ids as they are, empty values skipped, each key once. */
export function urlOf(call: ClientCall, request: ClientRequest): string {
  const path = call.path.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
    const value = request.params?.[name];
    if (value === undefined) throw new Error(`${call.method} ${call.path}: no value for :${name}`);
    return String(value);
  });
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    query.set(key, String(value));
  }
  const search = query.toString();
  return `${apiBase}${path}${search ? `?${search}` : ''}`;
}

/** Sends one call as the storefront's `request()` does and unwraps the answer as it does. */
/** The crawler page's create form as it sends it (CrawlerApiPage.tsx:88-96). */
function crawlerJobForm(sellerId: Id) {
  return {
    sellerId,
    name: unique('가격 수집 '),
    cronExpression: '0 */2 * * *',
    collectPrice: true,
    collectSpec: true,
    detectAnomaly: true,
    isActive: true,
  };
}

/** The support page's create form. */
const ticketForm = () => ({
  category: 'ORDER',
  title: '배송 문의',
  content: '주문한 노트북이 아직 오지 않았습니다.',
  attachmentUrl: 'https://img.example.com/receipt.png',
});
const faqForm = (question: string) => ({
  category: 'DELIVERY',
  question,
  answer: '<p>마이페이지에서 확인하세요.</p>',
  isActive: true,
});
const noticeForm = (title: string) => ({ title, content: '<p>안내드립니다.</p>', isPublished: true });

/** A news tab made by an admin; its id. */
async function newsTab(fx: Fixtures): Promise<Id> {
  return (
    await sent(fx, 'POST', '/news/categories', { as: fx.admin }, { name: '소식', slug: unique('news-') })
  ).id;
}

/** An article about the fixture product in a new tab; its id. */
async function newsArticle(fx: Fixtures): Promise<Id> {
  const body = {
    title: '이번 주 특가',
    content: '<p>노트북 특가 소식입니다.</p>',
    categoryId: await newsTab(fx),
    productIds: [fx.product.id],
  };
  return (await sent(fx, 'POST', '/news', { as: fx.admin }, body)).id;
}

/** A fixture call through the API (not the call under test); its `data`, or a throw unless 2xx. */
async function sent(
  fx: Fixtures,
  method: 'POST' | 'PATCH',
  path: string,
  who: { as?: Member; headers?: Record<string, string> },
  body?: object,
): Promise<{ id: Id }> {
  const response = await fx.app.inject({
    method,
    url: `${apiBase}${path}`,
    headers: { ...(who.as ? who.as.authHeader : {}), ...who.headers },
    ...(body ? { payload: body } : {}),
  });
  if (response.statusCode < 200 || response.statusCode > 299) {
    throw new Error(`fixture ${method} ${path} answered ${response.statusCode}: ${response.body}`);
  }
  return response.json().data;
}

/** The PC build form as PcBuilderApiPage sends it: all four fields. */
const pcBuildForm = () => ({
  name: unique('견적 '),
  description: '게임과 작업용',
  purpose: 'GAMING',
  budget: 2_500_000,
});

/** A throwaway build of the fixture member; its id. */
async function pcBuildOf(fx: Fixtures): Promise<Id> {
  return (await sent(fx, 'POST', '/pc-builds', { as: fx.user }, pcBuildForm())).id;
}

/** The rule form as PcBuilderApiPage sends it. */
const ruleForm = () => ({
  partType: 'COOLER',
  title: unique('쿨러 필수 '),
  description: '견적에 CPU쿨러가 있어야 합니다.',
  severity: 'HIGH',
  enabled: true,
  metadata: { required: true },
});

/** The badge form as BadgeApiPage sends it (condition only for AUTO). */
function badgeForm(type: 'AUTO' | 'MANUAL') {
  return {
    name: unique('리뷰 마스터 '),
    description: '리뷰 10개 작성',
    iconUrl: 'https://img.example.com/badges/review.png',
    type,
    ...(type === 'AUTO' ? { condition: { metric: 'review_count', threshold: 10 } } : {}),
    rarity: 'RARE',
  };
}

async function newBadge(fx: Fixtures): Promise<Id> {
  return (await sent(fx, 'POST', '/admin/badges', { as: fx.admin }, badgeForm('MANUAL'))).id;
}

/** A pending friend request between two new members, with its id from the addressee's list. */
async function friendRequest(fx: Fixtures) {
  const requester = await fx.member();
  const addressee = await fx.member();
  await sent(fx, 'POST', `/friends/request/${addressee.user.id}`, { as: requester });
  const received = await fx.app.inject({
    method: 'GET',
    url: `${apiBase}/friends/requests/received`,
    headers: addressee.authHeader,
  });
  const friendshipId: Id = received.json().data[0].friendshipId;
  return { requester, addressee, friendshipId };
}

/** Two new members who are friends. */
async function friends(fx: Fixtures) {
  const request = await friendRequest(fx);
  await sent(fx, 'PATCH', `/friends/request/${request.friendshipId}/accept`, { as: request.addressee });
  return request;
}

/** The media page's form: one image for the fixture product. */
async function mediaForm(fx: Fixtures): Promise<FormPart[]> {
  return [
    { name: 'files', filename: 'front.png', contentType: 'image/png', value: await testMedia.png() },
    { name: 'ownerType', value: 'PRODUCT' },
    { name: 'ownerId', value: String(fx.product.id) },
  ];
}

/** The image page's form: a photo of the product category. */
async function imageForm(): Promise<FormPart[]> {
  return [
    { name: 'file', filename: 'photo.jpg', contentType: 'image/jpeg', value: await testMedia.jpeg() },
    { name: 'category', value: 'product' },
  ];
}

/** An image uploaded by a member through POST /images/upload; its id. */
async function newImage(fx: Fixtures): Promise<Id> {
  const form = multipartBody(await imageForm());
  const response = await fx.app.inject({
    method: 'POST',
    url: `${apiBase}/images/upload`,
    headers: { ...fx.user.authHeader, 'content-type': form.contentType },
    payload: form.payload,
  });
  if (response.statusCode !== 201)
    throw new Error(`fixture image upload answered ${response.statusCode}: ${response.body}`);
  return response.json().data.id;
}

/** A file uploaded by `owner` through POST /media/upload; its id. */
async function newMedia(fx: Fixtures, owner: Member): Promise<Id> {
  const form = multipartBody(await mediaForm(fx));
  const response = await fx.app.inject({
    method: 'POST',
    url: `${apiBase}/media/upload`,
    headers: { ...owner.authHeader, 'content-type': form.contentType },
    payload: form.payload,
  });
  if (response.statusCode !== 201)
    throw new Error(`fixture media upload answered ${response.statusCode}: ${response.body}`);
  return response.json().data[0].id;
}

let shortformClip: Promise<Buffer> | undefined;

/** The short-form page's form: a 1 s vertical clip made with lavfi, tagged with the fixture product. */
async function shortformForm(fx: Fixtures): Promise<FormPart[]> {
  shortformClip ??= makeClip(join(fx.deps.env.STORAGE_DIR, 'clips', 'contract-shortform.mp4'), 1);
  return [
    { name: 'video', filename: 'unboxing.mp4', contentType: 'video/mp4', value: await shortformClip },
    { name: 'title', value: '언박싱 15초' },
    { name: 'durationSec', value: '1' },
    { name: 'productIds', value: JSON.stringify([fx.product.id]) },
  ];
}

/** A short-form uploaded by `owner` (PENDING: no worker runs unless a fixture starts one); its id. */
async function uploadedShortform(fx: Fixtures, owner: Member): Promise<Id> {
  const form = multipartBody(await shortformForm(fx));
  const response = await fx.app.inject({
    method: 'POST',
    url: `${apiBase}/shortforms`,
    headers: { ...owner.authHeader, 'content-type': form.contentType },
    payload: form.payload,
  });
  if (response.statusCode !== 201)
    throw new Error(`fixture short-form upload answered ${response.statusCode}: ${response.body}`);
  return response.json().data.id;
}

/** Runs worker-transcode's processors (with `env` changes) until the short-form reaches `status`. */
async function transcodedTo(fx: Fixtures, id: Id, status: 'COMPLETED' | 'FAILED', env = {}) {
  const worker = startTranscodeWorker(fx.deps, env);
  try {
    await waitFor(
      `short-form ${id} to be ${status}`,
      async () => {
        const response = await fx.app.inject({
          method: 'GET',
          url: `${apiBase}/shortforms/${id}/transcode-status`,
        });
        return response.json().data?.transcodeStatus === status;
      },
      60_000,
    );
  } finally {
    await worker.close();
  }
}

// made once, one after the other: two workers running at once would take each other's jobs
let shortformFixtures: Promise<{ published: ShortformFixture; failed: ShortformFixture }> | undefined;
interface ShortformFixture {
  id: Id;
  owner: Member;
}

function shortformsOf(fx: Fixtures) {
  shortformFixtures ??= (async () => {
    const owner = await fx.member();
    const published = await uploadedShortform(fx, owner);
    await transcodedTo(fx, published, 'COMPLETED');
    // a view (the day's ranking) and a comment (the comment list)
    await fx.app.inject({ method: 'GET', url: `${apiBase}/shortforms/${published}` });
    await sent(fx, 'POST', `/shortforms/${published}/comments`, { as: owner }, { content: '첫 댓글' });
    const failedOwner = await fx.member();
    const failed = await uploadedShortform(fx, failedOwner);
    await transcodedTo(fx, failed, 'FAILED', { FFMPEG_BIN: '/nonexistent/bin/ffmpeg' });
    return { published: { id: published, owner }, failed: { id: failed, owner: failedOwner } };
  })();
  return shortformFixtures;
}

const publishedShortform = async (fx: Fixtures) => (await shortformsOf(fx)).published;
const failedShortform = async (fx: Fixtures) => (await shortformsOf(fx)).failed;

/** A new guest cart's header, its key shaped as the storefront makes it (cartKey.ts:4). */
function guestCart(): Record<string, string> {
  return { 'x-cart-key': unique('guest_').replace(/[^A-Za-z0-9_-]/g, '') };
}

/** A line of the fixture product from the fixture shop in a member's or a guest's cart; its id. */
async function cartLine(fx: Fixtures, who: { as?: Member; headers?: Record<string, string> }): Promise<Id> {
  const path = who.as ? '/cart' : '/cart/guest';
  return (
    await sent(fx, 'POST', path, who, { productId: fx.product.id, sellerId: fx.seller.id, quantity: 1 })
  ).id;
}

/** An order of one unit of the fixture product from the fixture shop, to a new address; its id. */
async function newOrder(fx: Fixtures, owner: Member): Promise<Id> {
  const addressId = await newAddress(fx, owner);
  return (
    await sent(
      fx,
      'POST',
      '/orders',
      { as: owner },
      {
        addressId,
        items: [{ productId: fx.product.id, sellerId: fx.seller.id, quantity: 1 }],
      },
    )
  ).id;
}

/** An order to pay (see newOrder): its id and the amount due. */
async function orderToPay(fx: Fixtures, owner: Member): Promise<{ id: Id; finalAmount: number }> {
  const addressId = await newAddress(fx, owner);
  return (await sent(
    fx,
    'POST',
    '/orders',
    { as: owner },
    { addressId, items: [{ productId: fx.product.id, sellerId: fx.seller.id, quantity: 1 }] },
  )) as unknown as { id: Id; finalAmount: number };
}

/** An order paid through the gateway simulator; the payment's id. */
async function paidOrder(fx: Fixtures, owner: Member): Promise<Id> {
  const order = await orderToPay(fx, owner);
  return (
    await sent(
      fx,
      'POST',
      '/payments',
      { as: owner },
      { orderId: order.id, method: 'CARD', amount: order.finalAmount },
    )
  ).id;
}

/** An order paid through the gateway simulator and walked to CONFIRMED by the admin; its id. */
async function confirmedOrder(fx: Fixtures, owner: Member): Promise<Id> {
  const order = await orderToPay(fx, owner);
  await sent(
    fx,
    'POST',
    '/payments',
    { as: owner },
    { orderId: order.id, method: 'CARD', amount: order.finalAmount },
  );
  for (const status of ['PREPARING', 'SHIPPING', 'DELIVERED', 'CONFIRMED']) {
    await sent(fx, 'PATCH', `/admin/orders/${order.id}/status`, { as: fx.admin }, { status });
  }
  return order.id;
}

/** A review of the fixture product by `author`, of a confirmed order of theirs; its id. */
async function newReview(fx: Fixtures, author: Member): Promise<Id> {
  return (
    await sent(
      fx,
      'POST',
      `/products/${fx.product.id}/reviews`,
      { as: author },
      {
        orderId: await confirmedOrder(fx, author),
        rating: 5,
        content: '처음 써 보는데 마음에 듭니다.',
      },
    )
  ).id;
}

/** The board the Community calls post on, made once per fixture set by its admin. */
const communityBoards = new WeakMap<Fixtures, Promise<Id>>();
function communityBoard(fx: Fixtures): Promise<Id> {
  let board = communityBoards.get(fx);
  if (!board) {
    board = sent(
      fx,
      'POST',
      '/admin/boards',
      { as: fx.admin },
      { slug: unique('board-'), name: '자유게시판' },
    ).then((made) => made.id);
    communityBoards.set(fx, board);
  }
  return board;
}

/** A post of `author` on the Community board; its id. */
async function newPost(fx: Fixtures, author: Member): Promise<Id> {
  const boardId = await communityBoard(fx);
  return (
    await sent(
      fx,
      'POST',
      `/boards/${boardId}/posts`,
      { as: author },
      { title: '사용기', content: '한 달 써 봤어요' },
    )
  ).id;
}

/** A question of `asker` about the fixture product; its id. */
async function newInquiry(fx: Fixtures, asker: Member): Promise<Id> {
  return (
    await sent(
      fx,
      'POST',
      `/products/${fx.product.id}/inquiries`,
      { as: asker },
      { title: '재고 문의', content: '언제 입고되나요?', isSecret: false },
    )
  ).id;
}

/** The address form as MyPage sends it (MyPage.tsx:75-81). */
function addressForm() {
  return {
    recipientName: '김주문',
    phone: '010-2345-6789',
    zipCode: '06236',
    address: '서울특별시 강남구 테헤란로 152',
    addressDetail: '12층',
  };
}

async function newAddress(fx: Fixtures, owner: Member): Promise<Id> {
  return (await sent(fx, 'POST', '/addresses', { as: owner }, addressForm())).id;
}

/** A crawler job made through the API, for the calls that change, run or delete one. */
async function newCrawlerJob(fx: Fixtures): Promise<number> {
  const response = await fx.app.inject({
    method: 'POST',
    url: `${apiBase}/crawler/admin/jobs`,
    headers: { authorization: `Bearer ${fx.admin.token}` },
    payload: crawlerJobForm(fx.seller.id),
  });
  if (response.statusCode !== 201) throw new Error(`crawler job not made: ${response.body}`);
  return response.json().data.id;
}

export async function send(
  app: Fixtures['app'],
  call: ClientCall,
  request: ClientRequest,
): Promise<ClientAnswer> {
  if (call.auth === 'required' && !request.as) {
    throw new Error(`${call.method} ${call.path} needs a token: its builder must say who is logged in`);
  }
  const token = call.auth === 'none' ? undefined : request.as?.token;
  const form = request.multipart ? multipartBody(request.multipart) : undefined;
  const response = await app.inject({
    method: call.method,
    url: urlOf(call, request),
    headers: {
      'content-type': form ? form.contentType : 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...request.headers,
    },
    ...(form ? { payload: form.payload } : request.body ? { payload: JSON.stringify(request.body) } : {}),
  });
  let body: unknown = {};
  try {
    body = JSON.parse(response.body);
  } catch {
    body = {};
  }
  const enveloped = typeof body === 'object' && body !== null && 'success' in body && 'data' in body;
  return {
    status: response.statusCode,
    body,
    data: enveloped ? (body as { data: unknown }).data : body,
    meta: enveloped ? (body as { meta?: unknown }).meta : undefined,
  };
}
