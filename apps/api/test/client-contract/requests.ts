// How the storefront sends each call of the areas our API has today: the path parameters, the
// query and the body client-shapes.md says a page sends, and who is logged in. A builder may
// first make what its call changes or deletes (through the API), so every call stands alone and
// the shared fixtures stay as they were.
//
// `send` then goes over the wire as the client's `request()` does (§1.1, §1.2): the ids put into
// the path as they are, the query without empty values, `Content-Type: application/json` on every
// call, a body only when there is one, Bearer only for calls that send it, and `data`/`meta`
// unwrapped only from a body with both `success` and `data`.
import { join } from 'node:path';
import { waitFor } from '@pbshop/testing';
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
};

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
