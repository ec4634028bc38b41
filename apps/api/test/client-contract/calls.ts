// The storefront client's 291 calls as data: one entry per distinct METHOD + path template of
// /work/shared/spec/client-shapes.md §2, in the document's order, with the area names of its §3
// table. Paths are the client's, relative to the API base `/api/v1`, with the client's parameter
// names (`/products/:id`, `/users/profile/:userId`).
//
// `auth` is the document's: `required` (Bearer always sent), `if-logged-in` (Bearer when a token
// is stored), `none` (never sends Authorization).
//
// `reads` lists what a page reads of the response, as paths from the body's top level:
// - `data.x` is field `x` of `data`; `data[].x` is field `x` of every element of `data`, which must
//   then be a JSON array (pages `.map` it); `data.items[].x` the same inside an object.
// - A path that ends on a value means the value itself is used: `data` is the whole of `data`
//   rendered with JSON.stringify (the document's "JSON only"); `data[]` or `data.children[]` is an
//   array used as such (`.map`, `.length`) with no single field of its elements read.
// - `meta.totalCount` is the top-level paging meta (read by GET /products only).
// - An empty list: the page ignores `data` (the document's "not read").
// Notes on reads that this notation flattens:
// - `data[].children[]` on GET /categories is recursive: pages read `id`, `name` and `children`
//   at every level of the tree.
// - GET /activities/recent-products, GET /activities/searches, GET /chat/rooms and
//   GET /chat/rooms/:roomId/messages accept `data.items[]` as well as `data[]` (§1.3).
// - Optional chaining is not marked: `data[].product.name` is read as `product?.name` where the
//   document says so; the schemas say which parents may be null.

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
export type Auth = 'required' | 'if-logged-in' | 'none';

/** §3's table, as written there (`Upload` has no calls). */
export const documentedAreaCounts = {
  Auth: 9,
  User: 8,
  Category: 5,
  Product: 10,
  Spec: 14,
  Seller: 5,
  Price: 8,
  Cart: 10,
  Address: 4,
  Order: 6,
  Payment: 4,
  Review: 4,
  Wishlist: 3,
  Point: 3,
  Community: 10,
  Inquiry: 5,
  Support: 5,
  'Help (FAQ/Notice)': 8,
  Activity: 7,
  Chat: 5,
  Ranking: 3,
  Recommendation: 2,
  Deal: 4,
  Upload: 0,
  Search: 4,
  Crawler: 8,
  'Price Prediction': 1,
  'Web Push': 5,
  'Trust Score': 3,
  i18n: 6,
  Image: 3,
  Badge: 8,
  'PC Builder': 15,
  Friend: 10,
  Shortform: 11,
  Media: 5,
  News: 8,
  'Product Matching': 5,
  'Fraud Detection': 8,
  'Price Analytics': 2,
  'Used Market': 3,
  Auto: 4,
  'Reverse Auction': 8,
  'Compare Bar': 4,
  'Admin Settings': 6,
  Health: 1,
  Resilience: 4,
  'Error codes': 2,
  'Queue Admin': 7,
  'Ops Dashboard': 1,
  Observability: 3,
  'Other (query read model)': 4,
} as const;

/** §3's total and its by-method table. */
export const documentedTotal = 291;
export const documentedMethodCounts: Record<Method, number> = {
  GET: 125,
  POST: 88,
  PATCH: 32,
  PUT: 3,
  DELETE: 43,
};

export type Area = keyof typeof documentedAreaCounts;

export interface ClientCall {
  method: Method;
  path: string;
  area: Area;
  auth: Auth;
  reads: readonly string[];
}

/** `"METHOD path"`, the key the schemas and request builders use. */
export type CallKey = `${Method} ${string}`;

export function keyOf(call: Pick<ClientCall, 'method' | 'path'>): CallKey {
  return `${call.method} ${call.path}`;
}

/*
 * Where §3's table and the sections disagree, the sections win. They agree on every count (each
 * area, the total, each method). Two differences of wording only: the §2 heading "Other" is the
 * table's "Other (query read model)" (named as in the table here), and the table's "Upload: 0" has
 * no section (the client never calls it).
 */
// biome-ignore format: one call a line, like a table
export const clientCalls: readonly ClientCall[] = [
  // Auth
  { method: 'POST', path: '/auth/signup', area: 'Auth', auth: 'none', reads: ['data.message'] },
  { method: 'POST', path: '/auth/verify-email', area: 'Auth', auth: 'none', reads: ['data.message'] },
  { method: 'POST', path: '/auth/resend-verification', area: 'Auth', auth: 'none', reads: ['data.message'] },
  { method: 'POST', path: '/auth/password-reset/request', area: 'Auth', auth: 'none', reads: ['data.message'] },
  { method: 'POST', path: '/auth/password-reset/verify', area: 'Auth', auth: 'none', reads: ['data.resetToken'] },
  { method: 'POST', path: '/auth/password-reset/confirm', area: 'Auth', auth: 'none', reads: ['data.message'] },
  { method: 'POST', path: '/auth/refresh', area: 'Auth', auth: 'none', reads: ['data.accessToken', 'data.refreshToken'] },
  { method: 'POST', path: '/auth/login', area: 'Auth', auth: 'none', reads: ['data.accessToken', 'data.refreshToken'] },
  { method: 'POST', path: '/auth/logout', area: 'Auth', auth: 'if-logged-in', reads: [] },
  // User
  { method: 'GET', path: '/users/me', area: 'User', auth: 'required', reads: ['data.id', 'data.email', 'data.name', 'data.phone', 'data.role', 'data.status', 'data.point', 'data.nickname', 'data.bio'] },
  { method: 'PUT', path: '/users/me', area: 'User', auth: 'required', reads: [] },
  { method: 'DELETE', path: '/users/me', area: 'User', auth: 'required', reads: ['data.message'] },
  { method: 'GET', path: '/users/profile/:userId', area: 'User', auth: 'none', reads: ['data.nickname', 'data.bio'] },
  { method: 'PATCH', path: '/users/me/profile', area: 'User', auth: 'required', reads: [] },
  { method: 'DELETE', path: '/users/me/profile-image', area: 'User', auth: 'required', reads: [] },
  { method: 'GET', path: '/users', area: 'User', auth: 'required', reads: ['data[].id', 'data[].email', 'data[].status'] },
  { method: 'PATCH', path: '/users/:userId/status', area: 'User', auth: 'required', reads: [] },
  // Category
  { method: 'GET', path: '/categories', area: 'Category', auth: 'none', reads: ['data[].id', 'data[].name', 'data[].children[]'] },
  { method: 'GET', path: '/categories/:id', area: 'Category', auth: 'none', reads: ['data.id', 'data.name', 'data.parentId', 'data.children[]'] },
  { method: 'POST', path: '/categories', area: 'Category', auth: 'required', reads: [] },
  { method: 'PATCH', path: '/categories/:id', area: 'Category', auth: 'required', reads: [] },
  { method: 'DELETE', path: '/categories/:id', area: 'Category', auth: 'required', reads: [] },
  // Product
  { method: 'GET', path: '/products', area: 'Product', auth: 'none', reads: ['data[].id', 'data[].name', 'data[].thumbnailUrl', 'data[].reviewCount', 'data[].averageRating', 'data[].sellerCount', 'data[].lowestPrice', 'meta.totalCount'] },
  { method: 'GET', path: '/products/:id', area: 'Product', auth: 'none', reads: ['data.name', 'data.description', 'data.price', 'data.lowestPrice', 'data.stock', 'data.options[]', 'data.images[].url', 'data.images[].isMain'] },
  { method: 'POST', path: '/products', area: 'Product', auth: 'required', reads: ['data.id'] },
  { method: 'PATCH', path: '/products/:id', area: 'Product', auth: 'required', reads: [] },
  { method: 'DELETE', path: '/products/:id', area: 'Product', auth: 'required', reads: [] },
  { method: 'POST', path: '/products/:productId/options', area: 'Product', auth: 'required', reads: [] },
  { method: 'PATCH', path: '/products/:productId/options/:optionId', area: 'Product', auth: 'required', reads: [] },
  { method: 'DELETE', path: '/products/:productId/options/:optionId', area: 'Product', auth: 'required', reads: [] },
  { method: 'POST', path: '/products/:productId/images', area: 'Product', auth: 'required', reads: [] },
  { method: 'DELETE', path: '/products/:productId/images/:imageId', area: 'Product', auth: 'required', reads: [] },
  // Spec
  { method: 'GET', path: '/specs/definitions', area: 'Spec', auth: 'none', reads: ['data[].id', 'data[].name', 'data[].type'] },
  { method: 'GET', path: '/specs/definitions/resolved/:categoryId', area: 'Spec', auth: 'none', reads: ['data[].id', 'data[].name'] },
  { method: 'POST', path: '/specs/definitions', area: 'Spec', auth: 'required', reads: [] },
  { method: 'PATCH', path: '/specs/definitions/:id', area: 'Spec', auth: 'required', reads: [] },
  { method: 'DELETE', path: '/specs/definitions/:id', area: 'Spec', auth: 'required', reads: [] },
  { method: 'GET', path: '/products/:productId/specs', area: 'Spec', auth: 'none', reads: ['data[].name', 'data[].value'] },
  { method: 'GET', path: '/products/:productId/specs/grouped', area: 'Spec', auth: 'none', reads: ['data[].groupName', 'data[].specs[]'] },
  { method: 'PUT', path: '/products/:productId/specs', area: 'Spec', auth: 'required', reads: [] },
  { method: 'POST', path: '/specs/compare', area: 'Spec', auth: 'none', reads: ['data'] },
  { method: 'POST', path: '/specs/compare/numeric', area: 'Spec', auth: 'none', reads: ['data'] },
  { method: 'POST', path: '/specs/compare/scored', area: 'Spec', auth: 'none', reads: ['data'] },
  { method: 'POST', path: '/specs/score', area: 'Spec', auth: 'none', reads: ['data'] },
  { method: 'PUT', path: '/specs/scores/:specDefId', area: 'Spec', auth: 'required', reads: [] },
  { method: 'GET', path: '/products/:productId/similar-spec-products', area: 'Spec', auth: 'none', reads: ['data[].id', 'data[].name', 'data[].similarityScore'] },
  // Seller
  { method: 'GET', path: '/sellers', area: 'Seller', auth: 'none', reads: ['data[].id', 'data[].name', 'data[].url'] },
  { method: 'GET', path: '/sellers/:id', area: 'Seller', auth: 'none', reads: ['data.name', 'data.url', 'data.description', 'data.trustScore'] },
  { method: 'POST', path: '/sellers', area: 'Seller', auth: 'required', reads: [] },
  { method: 'PATCH', path: '/sellers/:id', area: 'Seller', auth: 'required', reads: [] },
  { method: 'DELETE', path: '/sellers/:id', area: 'Seller', auth: 'required', reads: [] },
  // Price
  { method: 'GET', path: '/products/:productId/prices', area: 'Price', auth: 'none', reads: ['data.lowestPrice', 'data.averagePrice', 'data.highestPrice', 'data.entries[].id', 'data.entries[].seller.name', 'data.entries[].price', 'data.entries[].shippingCost'] },
  { method: 'POST', path: '/products/:productId/prices', area: 'Price', auth: 'required', reads: [] },
  { method: 'PATCH', path: '/prices/:priceId', area: 'Price', auth: 'required', reads: [] },
  { method: 'DELETE', path: '/prices/:priceId', area: 'Price', auth: 'required', reads: [] },
  { method: 'GET', path: '/products/:productId/price-history', area: 'Price', auth: 'none', reads: ['data.productName', 'data.allTimeLowest', 'data.allTimeHighest', 'data.history[].date', 'data.history[].lowestPrice', 'data.history[].averagePrice'] },
  { method: 'GET', path: '/price-alerts', area: 'Price', auth: 'required', reads: ['data[].id', 'data[].productId', 'data[].targetPrice', 'data[].currentLowestPrice', 'data[].isTriggered'] },
  { method: 'POST', path: '/price-alerts', area: 'Price', auth: 'required', reads: [] },
  { method: 'DELETE', path: '/price-alerts/:id', area: 'Price', auth: 'required', reads: [] },
  // Cart
  { method: 'GET', path: '/cart', area: 'Cart', auth: 'if-logged-in', reads: ['data[].id', 'data[].product.id', 'data[].product.name', 'data[].product.price', 'data[].product.lowestPrice', 'data[].seller.id', 'data[].seller.name', 'data[].selectedOptions', 'data[].quantity'] },
  { method: 'GET', path: '/cart/guest', area: 'Cart', auth: 'none', reads: ['data[].id', 'data[].product.id', 'data[].product.name', 'data[].product.price', 'data[].product.lowestPrice', 'data[].seller.id', 'data[].seller.name', 'data[].selectedOptions', 'data[].quantity'] },
  { method: 'POST', path: '/cart', area: 'Cart', auth: 'if-logged-in', reads: [] },
  { method: 'POST', path: '/cart/guest', area: 'Cart', auth: 'none', reads: [] },
  { method: 'PATCH', path: '/cart/:itemId', area: 'Cart', auth: 'if-logged-in', reads: [] },
  { method: 'PATCH', path: '/cart/guest/:itemId', area: 'Cart', auth: 'none', reads: [] },
  { method: 'DELETE', path: '/cart/:itemId', area: 'Cart', auth: 'if-logged-in', reads: [] },
  { method: 'DELETE', path: '/cart/guest/:itemId', area: 'Cart', auth: 'none', reads: [] },
  { method: 'DELETE', path: '/cart', area: 'Cart', auth: 'if-logged-in', reads: [] },
  { method: 'DELETE', path: '/cart/guest', area: 'Cart', auth: 'none', reads: [] },
  // Address
  { method: 'GET', path: '/addresses', area: 'Address', auth: 'required', reads: ['data[].id', 'data[].recipientName', 'data[].phone', 'data[].address', 'data[].addressDetail', 'data[].isDefault'] },
  { method: 'POST', path: '/addresses', area: 'Address', auth: 'required', reads: [] },
  { method: 'PATCH', path: '/addresses/:id', area: 'Address', auth: 'required', reads: [] },
  { method: 'DELETE', path: '/addresses/:id', area: 'Address', auth: 'required', reads: [] },
  // Order
  { method: 'POST', path: '/orders', area: 'Order', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/orders', area: 'Order', auth: 'required', reads: ['data[].id', 'data[].orderNumber', 'data[].status', 'data[].finalAmount'] },
  { method: 'GET', path: '/orders/:id', area: 'Order', auth: 'required', reads: ['data'] },
  { method: 'POST', path: '/orders/:id/cancel', area: 'Order', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/admin/orders', area: 'Order', auth: 'required', reads: ['data[].id', 'data[].orderNumber', 'data[].status', 'data[].finalAmount'] },
  { method: 'PATCH', path: '/admin/orders/:id/status', area: 'Order', auth: 'required', reads: ['data'] },
  // Payment
  { method: 'POST', path: '/payments', area: 'Payment', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/payments/:id', area: 'Payment', auth: 'required', reads: ['data'] },
  { method: 'POST', path: '/payments/:id/refund', area: 'Payment', auth: 'required', reads: ['data'] },
  { method: 'POST', path: '/admin/payments/:id/refund', area: 'Payment', auth: 'required', reads: ['data'] },
  // Review
  { method: 'GET', path: '/products/:productId/reviews', area: 'Review', auth: 'none', reads: ['data[].id', 'data[].productId', 'data[].orderId', 'data[].rating', 'data[].content', 'data[].user.nickname'] },
  { method: 'POST', path: '/products/:productId/reviews', area: 'Review', auth: 'required', reads: [] },
  { method: 'PATCH', path: '/reviews/:id', area: 'Review', auth: 'required', reads: [] },
  { method: 'DELETE', path: '/reviews/:id', area: 'Review', auth: 'required', reads: [] },
  // Wishlist
  { method: 'GET', path: '/wishlist', area: 'Wishlist', auth: 'required', reads: ['data[].id', 'data[].product.id', 'data[].product.name', 'data[].product.lowestPrice'] },
  { method: 'POST', path: '/wishlist/:productId', area: 'Wishlist', auth: 'required', reads: ['data.wishlisted'] },
  { method: 'DELETE', path: '/wishlist/:productId', area: 'Wishlist', auth: 'required', reads: [] },
  // Point
  { method: 'GET', path: '/points/balance', area: 'Point', auth: 'required', reads: ['data.balance', 'data.expiringSoon', 'data.expiringDate'] },
  { method: 'GET', path: '/points/transactions', area: 'Point', auth: 'required', reads: ['data[].id', 'data[].type', 'data[].amount', 'data[].description'] },
  { method: 'POST', path: '/admin/points/grant', area: 'Point', auth: 'required', reads: ['data'] },
  // Community
  { method: 'GET', path: '/boards', area: 'Community', auth: 'none', reads: ['data[].id', 'data[].slug', 'data[].name'] },
  { method: 'GET', path: '/boards/:boardId/posts', area: 'Community', auth: 'none', reads: ['data[].id', 'data[].title', 'data[].likeCount', 'data[].commentCount'] },
  { method: 'GET', path: '/posts/:id', area: 'Community', auth: 'none', reads: ['data'] },
  { method: 'POST', path: '/boards/:boardId/posts', area: 'Community', auth: 'required', reads: [] },
  { method: 'PATCH', path: '/posts/:id', area: 'Community', auth: 'required', reads: [] },
  { method: 'DELETE', path: '/posts/:id', area: 'Community', auth: 'required', reads: [] },
  { method: 'POST', path: '/posts/:id/like', area: 'Community', auth: 'required', reads: ['data.liked', 'data.likeCount'] },
  { method: 'GET', path: '/posts/:postId/comments', area: 'Community', auth: 'none', reads: ['data[].id', 'data[].author.nickname', 'data[].author.name', 'data[].content'] },
  { method: 'POST', path: '/posts/:postId/comments', area: 'Community', auth: 'required', reads: [] },
  { method: 'DELETE', path: '/comments/:id', area: 'Community', auth: 'required', reads: [] },
  // Inquiry
  { method: 'GET', path: '/products/:productId/inquiries', area: 'Inquiry', auth: 'none', reads: ['data[].id', 'data[].productId', 'data[].title', 'data[].isSecret', 'data[].status'] },
  { method: 'POST', path: '/products/:productId/inquiries', area: 'Inquiry', auth: 'required', reads: [] },
  { method: 'POST', path: '/inquiries/:inquiryId/answer', area: 'Inquiry', auth: 'required', reads: [] },
  { method: 'GET', path: '/inquiries/me', area: 'Inquiry', auth: 'required', reads: ['data[].id', 'data[].title', 'data[].status', 'data[].answer'] },
  { method: 'DELETE', path: '/inquiries/:inquiryId', area: 'Inquiry', auth: 'required', reads: [] },
  // Support
  { method: 'POST', path: '/support/tickets', area: 'Support', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/support/tickets/me', area: 'Support', auth: 'required', reads: ['data[].id', 'data[].category', 'data[].title', 'data[].status'] },
  { method: 'GET', path: '/support/tickets/me/:id', area: 'Support', auth: 'required', reads: ['data'] },
  { method: 'POST', path: '/admin/support/tickets/:ticketId/answer', area: 'Support', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/admin/support/tickets', area: 'Support', auth: 'required', reads: ['data[].id', 'data[].category', 'data[].title', 'data[].status'] },
  // Help (FAQ/Notice)
  { method: 'GET', path: '/faq', area: 'Help (FAQ/Notice)', auth: 'none', reads: ['data[].id', 'data[].category', 'data[].question'] },
  { method: 'POST', path: '/admin/faq', area: 'Help (FAQ/Notice)', auth: 'required', reads: [] },
  { method: 'PATCH', path: '/admin/faq/:id', area: 'Help (FAQ/Notice)', auth: 'required', reads: [] },
  { method: 'DELETE', path: '/admin/faq/:id', area: 'Help (FAQ/Notice)', auth: 'required', reads: [] },
  { method: 'GET', path: '/notices', area: 'Help (FAQ/Notice)', auth: 'none', reads: ['data[].id', 'data[].title', 'data[].isPublished'] },
  { method: 'POST', path: '/admin/notices', area: 'Help (FAQ/Notice)', auth: 'required', reads: [] },
  { method: 'PATCH', path: '/admin/notices/:id', area: 'Help (FAQ/Notice)', auth: 'required', reads: [] },
  { method: 'DELETE', path: '/admin/notices/:id', area: 'Help (FAQ/Notice)', auth: 'required', reads: [] },
  // Activity
  { method: 'GET', path: '/activities', area: 'Activity', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/activities/recent-products', area: 'Activity', auth: 'required', reads: ['data[].id', 'data[].product.id', 'data[].product.name', 'data[].viewedAt'] },
  { method: 'POST', path: '/activities/recent-products/:productId', area: 'Activity', auth: 'required', reads: [] },
  { method: 'GET', path: '/activities/searches', area: 'Activity', auth: 'required', reads: ['data[].id', 'data[].keyword', 'data[].createdAt'] },
  { method: 'POST', path: '/activities/searches', area: 'Activity', auth: 'required', reads: [] },
  { method: 'DELETE', path: '/activities/searches/:id', area: 'Activity', auth: 'required', reads: [] },
  { method: 'DELETE', path: '/activities/searches', area: 'Activity', auth: 'required', reads: [] },
  // Chat
  { method: 'GET', path: '/chat/rooms', area: 'Chat', auth: 'required', reads: ['data[].id', 'data[].name', 'data[].isPrivate'] },
  { method: 'POST', path: '/chat/rooms', area: 'Chat', auth: 'required', reads: [] },
  { method: 'POST', path: '/chat/rooms/:roomId/join', area: 'Chat', auth: 'required', reads: [] },
  { method: 'GET', path: '/chat/rooms/:roomId/messages', area: 'Chat', auth: 'required', reads: ['data[].id', 'data[].senderId', 'data[].message'] },
  { method: 'POST', path: '/chat/rooms/:roomId/messages', area: 'Chat', auth: 'required', reads: [] },
  // Ranking
  { method: 'GET', path: '/rankings/products/popular', area: 'Ranking', auth: 'none', reads: ['data[].rank', 'data[].productId', 'data[].name', 'data[].popularityScore'] },
  { method: 'GET', path: '/rankings/keywords/popular', area: 'Ranking', auth: 'none', reads: ['data[].rank', 'data[].keyword', 'data[].count'] },
  { method: 'POST', path: '/rankings/admin/recalculate', area: 'Ranking', auth: 'required', reads: ['data'] },
  // Recommendation
  { method: 'GET', path: '/recommendations/trending', area: 'Recommendation', auth: 'none', reads: ['data.source', 'data.items[].rank', 'data.items[].productId', 'data.items[].name', 'data.items[].lowestPrice'] },
  { method: 'GET', path: '/recommendations/personal', area: 'Recommendation', auth: 'required', reads: ['data.source', 'data.items[].rank', 'data.items[].productId', 'data.items[].name', 'data.items[].averageRating'] },
  // Deal
  { method: 'GET', path: '/deals', area: 'Deal', auth: 'none', reads: ['data[].id', 'data[].title', 'data[].description', 'data[].productId', 'data[].discountRate', 'data[].isActive'] },
  { method: 'POST', path: '/deals/admin', area: 'Deal', auth: 'required', reads: ['data'] },
  { method: 'PATCH', path: '/deals/admin/:id', area: 'Deal', auth: 'required', reads: ['data'] },
  { method: 'DELETE', path: '/deals/admin/:id', area: 'Deal', auth: 'required', reads: ['data'] },
  // Search
  { method: 'GET', path: '/search', area: 'Search', auth: 'none', reads: [] },
  { method: 'GET', path: '/search/popular', area: 'Search', auth: 'none', reads: ['data.items[].keyword'] },
  { method: 'GET', path: '/search/admin/index/outbox/summary', area: 'Search', auth: 'required', reads: ['data.pending', 'data.processing', 'data.completed', 'data.failed'] },
  { method: 'POST', path: '/search/admin/index/outbox/requeue-failed', area: 'Search', auth: 'required', reads: ['data'] },
  // Crawler
  { method: 'GET', path: '/crawler/admin/jobs', area: 'Crawler', auth: 'required', reads: ['data.items[].id', 'data.items[].sellerId', 'data.items[].name', 'data.items[].isActive'] },
  { method: 'POST', path: '/crawler/admin/jobs', area: 'Crawler', auth: 'required', reads: ['data'] },
  { method: 'PATCH', path: '/crawler/admin/jobs/:id', area: 'Crawler', auth: 'required', reads: ['data'] },
  { method: 'DELETE', path: '/crawler/admin/jobs/:id', area: 'Crawler', auth: 'required', reads: ['data'] },
  { method: 'POST', path: '/crawler/admin/jobs/:id/run', area: 'Crawler', auth: 'required', reads: ['data'] },
  { method: 'POST', path: '/crawler/admin/triggers', area: 'Crawler', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/crawler/admin/runs', area: 'Crawler', auth: 'required', reads: ['data.items[].id', 'data.items[].jobId', 'data.items[].sellerId', 'data.items[].status'] },
  { method: 'GET', path: '/crawler/admin/monitoring', area: 'Crawler', auth: 'required', reads: ['data.totalRuns', 'data.queuedRuns', 'data.processingRuns', 'data.successRuns', 'data.failedRuns', 'data.successRate'] },
  // Price Prediction
  { method: 'GET', path: '/predictions/products/:productId/price-trend', area: 'Price Prediction', auth: 'none', reads: ['data'] },
  // Web Push
  { method: 'POST', path: '/push/subscriptions', area: 'Web Push', auth: 'required', reads: ['data'] },
  { method: 'POST', path: '/push/subscriptions/unsubscribe', area: 'Web Push', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/push/subscriptions', area: 'Web Push', auth: 'required', reads: ['data[].id', 'data[].endpoint', 'data[].isActive'] },
  { method: 'GET', path: '/push/preferences', area: 'Web Push', auth: 'required', reads: ['data.priceAlertEnabled', 'data.orderStatusEnabled', 'data.chatMessageEnabled', 'data.dealEnabled'] },
  { method: 'POST', path: '/push/preferences', area: 'Web Push', auth: 'required', reads: ['data.priceAlertEnabled', 'data.orderStatusEnabled', 'data.chatMessageEnabled', 'data.dealEnabled'] },
  // Trust Score
  { method: 'GET', path: '/trust/sellers/:sellerId', area: 'Trust Score', auth: 'none', reads: ['data'] },
  { method: 'GET', path: '/trust/sellers/:sellerId/history', area: 'Trust Score', auth: 'none', reads: ['data[]'] },
  { method: 'POST', path: '/trust/admin/sellers/:sellerId/recalculate', area: 'Trust Score', auth: 'required', reads: ['data'] },
  // i18n
  { method: 'GET', path: '/i18n/translations', area: 'i18n', auth: 'none', reads: ['data[].id', 'data[].locale', 'data[].namespace', 'data[].key', 'data[].value'] },
  { method: 'POST', path: '/i18n/admin/translations', area: 'i18n', auth: 'required', reads: ['data'] },
  { method: 'DELETE', path: '/i18n/admin/translations/:id', area: 'i18n', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/i18n/exchange-rates', area: 'i18n', auth: 'none', reads: ['data[].id', 'data[].baseCurrency', 'data[].targetCurrency', 'data[].rate'] },
  { method: 'POST', path: '/i18n/admin/exchange-rates', area: 'i18n', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/i18n/convert', area: 'i18n', auth: 'none', reads: ['data'] },
  // Image
  { method: 'POST', path: '/images/upload', area: 'Image', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/images/:imageId/variants', area: 'Image', auth: 'none', reads: ['data[].id', 'data[].type', 'data[].width', 'data[].height', 'data[].format'] },
  { method: 'DELETE', path: '/images/:imageId', area: 'Image', auth: 'required', reads: ['data'] },
  // Badge
  { method: 'GET', path: '/badges', area: 'Badge', auth: 'none', reads: ['data[].id', 'data[].name', 'data[].type', 'data[].rarity', 'data[].holderCount'] },
  { method: 'GET', path: '/badges/me', area: 'Badge', auth: 'required', reads: ['data[].id', 'data[].badge.name', 'data[].badgeId', 'data[].grantedAt'] },
  { method: 'GET', path: '/users/:userId/badges', area: 'Badge', auth: 'none', reads: ['data[].id', 'data[].userId', 'data[].badge.name', 'data[].badgeId'] },
  { method: 'POST', path: '/admin/badges', area: 'Badge', auth: 'required', reads: ['data'] },
  { method: 'PATCH', path: '/admin/badges/:id', area: 'Badge', auth: 'required', reads: ['data'] },
  { method: 'DELETE', path: '/admin/badges/:id', area: 'Badge', auth: 'required', reads: ['data'] },
  { method: 'POST', path: '/admin/badges/:badgeId/grant', area: 'Badge', auth: 'required', reads: ['data'] },
  { method: 'DELETE', path: '/admin/badges/:badgeId/revoke/:userId', area: 'Badge', auth: 'required', reads: ['data'] },
  // PC Builder
  { method: 'GET', path: '/pc-builds', area: 'PC Builder', auth: 'required', reads: ['data[].id', 'data[].name', 'data[].purpose', 'data[].totalPrice'] },
  { method: 'POST', path: '/pc-builds', area: 'PC Builder', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/pc-builds/:id', area: 'PC Builder', auth: 'none', reads: ['data'] },
  { method: 'PATCH', path: '/pc-builds/:id', area: 'PC Builder', auth: 'required', reads: [] },
  { method: 'DELETE', path: '/pc-builds/:id', area: 'PC Builder', auth: 'required', reads: ['data'] },
  { method: 'POST', path: '/pc-builds/:id/parts', area: 'PC Builder', auth: 'required', reads: ['data'] },
  { method: 'DELETE', path: '/pc-builds/:id/parts/:partId', area: 'PC Builder', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/pc-builds/:id/compatibility', area: 'PC Builder', auth: 'none', reads: ['data'] },
  { method: 'GET', path: '/pc-builds/:id/share', area: 'PC Builder', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/pc-builds/shared/:shareCode', area: 'PC Builder', auth: 'none', reads: ['data'] },
  { method: 'GET', path: '/pc-builds/popular', area: 'PC Builder', auth: 'none', reads: ['data[].id', 'data[].name', 'data[].viewCount'] },
  { method: 'GET', path: '/admin/compatibility-rules', area: 'PC Builder', auth: 'required', reads: ['data'] },
  { method: 'POST', path: '/admin/compatibility-rules', area: 'PC Builder', auth: 'required', reads: ['data'] },
  { method: 'PATCH', path: '/admin/compatibility-rules/:id', area: 'PC Builder', auth: 'required', reads: ['data'] },
  { method: 'DELETE', path: '/admin/compatibility-rules/:id', area: 'PC Builder', auth: 'required', reads: ['data'] },
  // Friend
  { method: 'POST', path: '/friends/request/:userId', area: 'Friend', auth: 'required', reads: ['data'] },
  { method: 'PATCH', path: '/friends/request/:friendshipId/accept', area: 'Friend', auth: 'required', reads: ['data'] },
  { method: 'PATCH', path: '/friends/request/:friendshipId/reject', area: 'Friend', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/friends', area: 'Friend', auth: 'required', reads: ['data[].friendshipId', 'data[].userId', 'data[].nickname'] },
  { method: 'GET', path: '/friends/requests/received', area: 'Friend', auth: 'required', reads: ['data[].friendshipId', 'data[].userId', 'data[].nickname'] },
  { method: 'GET', path: '/friends/requests/sent', area: 'Friend', auth: 'required', reads: ['data[].friendshipId', 'data[].userId', 'data[].nickname'] },
  { method: 'GET', path: '/friends/feed', area: 'Friend', auth: 'required', reads: ['data[].id', 'data[].userId', 'data[].type', 'data[].message'] },
  { method: 'POST', path: '/friends/block/:userId', area: 'Friend', auth: 'required', reads: ['data'] },
  { method: 'DELETE', path: '/friends/block/:userId', area: 'Friend', auth: 'required', reads: ['data'] },
  { method: 'DELETE', path: '/friends/:userId', area: 'Friend', auth: 'required', reads: ['data'] },
  // Shortform
  { method: 'POST', path: '/shortforms', area: 'Shortform', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/shortforms', area: 'Shortform', auth: 'none', reads: ['data[].id', 'data[].title', 'data[].likeCount', 'data[].transcodeStatus'] },
  { method: 'GET', path: '/shortforms/:id', area: 'Shortform', auth: 'none', reads: ['data'] },
  { method: 'POST', path: '/shortforms/:id/like', area: 'Shortform', auth: 'required', reads: ['data'] },
  { method: 'POST', path: '/shortforms/:id/comments', area: 'Shortform', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/shortforms/:id/comments', area: 'Shortform', auth: 'none', reads: ['data[].id', 'data[].userId', 'data[].content'] },
  { method: 'GET', path: '/shortforms/ranking/list', area: 'Shortform', auth: 'none', reads: ['data[].id', 'data[].title', 'data[].likeCount', 'data[].transcodeStatus'] },
  { method: 'DELETE', path: '/shortforms/:id', area: 'Shortform', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/shortforms/:id/transcode-status', area: 'Shortform', auth: 'none', reads: ['data'] },
  { method: 'POST', path: '/shortforms/:id/transcode/retry', area: 'Shortform', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/shortforms/user/:userId', area: 'Shortform', auth: 'none', reads: ['data[]'] },
  // Media
  { method: 'POST', path: '/media/upload', area: 'Media', auth: 'required', reads: ['data[].id', 'data[].ownerType', 'data[].ownerId', 'data[].type', 'data[].mime', 'data[].size'] },
  { method: 'POST', path: '/media/presigned-url', area: 'Media', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/media/stream/:id', area: 'Media', auth: 'none', reads: ['data'] },
  { method: 'DELETE', path: '/media/:id', area: 'Media', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/media/:id/metadata', area: 'Media', auth: 'none', reads: ['data'] },
  // News
  { method: 'GET', path: '/news', area: 'News', auth: 'none', reads: ['data[].id', 'data[].title', 'data[].summary'] },
  { method: 'GET', path: '/news/categories', area: 'News', auth: 'none', reads: ['data[].id', 'data[].name', 'data[].slug'] },
  { method: 'GET', path: '/news/:id', area: 'News', auth: 'none', reads: ['data'] },
  { method: 'POST', path: '/news', area: 'News', auth: 'required', reads: ['data'] },
  { method: 'PATCH', path: '/news/:id', area: 'News', auth: 'required', reads: ['data'] },
  { method: 'DELETE', path: '/news/:id', area: 'News', auth: 'required', reads: ['data'] },
  { method: 'POST', path: '/news/categories', area: 'News', auth: 'required', reads: ['data'] },
  { method: 'DELETE', path: '/news/categories/:id', area: 'News', auth: 'required', reads: ['data'] },
  // Product Matching
  { method: 'GET', path: '/matching/pending', area: 'Product Matching', auth: 'required', reads: ['data[].id', 'data[].sourceName', 'data[].status', 'data[].confidence'] },
  { method: 'PATCH', path: '/matching/:id/approve', area: 'Product Matching', auth: 'required', reads: ['data'] },
  { method: 'PATCH', path: '/matching/:id/reject', area: 'Product Matching', auth: 'required', reads: ['data'] },
  { method: 'POST', path: '/matching/auto-match', area: 'Product Matching', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/matching/stats', area: 'Product Matching', auth: 'required', reads: ['data'] },
  // Fraud Detection
  { method: 'GET', path: '/fraud/alerts', area: 'Fraud Detection', auth: 'required', reads: ['data[].id', 'data[].productId', 'data[].severity', 'data[].status'] },
  { method: 'PATCH', path: '/fraud/alerts/:alertId/approve', area: 'Fraud Detection', auth: 'required', reads: ['data'] },
  { method: 'PATCH', path: '/fraud/alerts/:alertId/reject', area: 'Fraud Detection', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/products/:productId/real-price', area: 'Fraud Detection', auth: 'none', reads: ['data'] },
  { method: 'GET', path: '/fraud/products/:productId/effective-prices', area: 'Fraud Detection', auth: 'none', reads: ['data'] },
  { method: 'GET', path: '/fraud/products/:productId/anomalies', area: 'Fraud Detection', auth: 'none', reads: ['data'] },
  { method: 'POST', path: '/fraud/admin/products/:productId/scan', area: 'Fraud Detection', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/fraud/admin/products/:productId/flags', area: 'Fraud Detection', auth: 'required', reads: ['data', 'data[]'] },
  // Price Analytics
  { method: 'GET', path: '/analytics/products/:productId/lowest-ever', area: 'Price Analytics', auth: 'none', reads: ['data'] },
  { method: 'GET', path: '/analytics/products/:productId/unit-price', area: 'Price Analytics', auth: 'none', reads: ['data'] },
  // Used Market
  { method: 'GET', path: '/used-market/products/:productId/price', area: 'Used Market', auth: 'none', reads: ['data'] },
  { method: 'GET', path: '/used-market/categories/:categoryId/prices', area: 'Used Market', auth: 'none', reads: ['data[].productId', 'data[].productName', 'data[].averagePrice', 'data[].minPrice', 'data[].maxPrice', 'data[].trend'] },
  { method: 'POST', path: '/used-market/pc-builds/:buildId/estimate', area: 'Used Market', auth: 'required', reads: ['data'] },
  // Auto
  { method: 'GET', path: '/auto/models', area: 'Auto', auth: 'none', reads: ['data[].id', 'data[].brand', 'data[].name', 'data[].type', 'data[].basePrice'] },
  { method: 'GET', path: '/auto/models/:modelId/trims', area: 'Auto', auth: 'none', reads: ['data[].id', 'data[].name', 'data[].priceDelta', 'data[].options[]'] },
  { method: 'POST', path: '/auto/estimate', area: 'Auto', auth: 'none', reads: ['data'] },
  { method: 'GET', path: '/auto/models/:modelId/lease-offers', area: 'Auto', auth: 'none', reads: ['data[].provider', 'data[].months', 'data[].monthlyFee', 'data[].downPayment'] },
  // Reverse Auction
  { method: 'POST', path: '/auctions', area: 'Reverse Auction', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/auctions', area: 'Reverse Auction', auth: 'none', reads: ['data[].id', 'data[].title', 'data[].status', 'data[].budget'] },
  { method: 'GET', path: '/auctions/:id', area: 'Reverse Auction', auth: 'none', reads: ['data'] },
  { method: 'POST', path: '/auctions/:id/bids', area: 'Reverse Auction', auth: 'required', reads: ['data'] },
  { method: 'PATCH', path: '/auctions/:id/bids/:bidId/select', area: 'Reverse Auction', auth: 'required', reads: ['data'] },
  { method: 'DELETE', path: '/auctions/:id', area: 'Reverse Auction', auth: 'required', reads: ['data'] },
  { method: 'PATCH', path: '/auctions/:id/bids/:bidId', area: 'Reverse Auction', auth: 'required', reads: ['data'] },
  { method: 'DELETE', path: '/auctions/:id/bids/:bidId', area: 'Reverse Auction', auth: 'required', reads: ['data'] },
  // Compare Bar
  { method: 'POST', path: '/compare/add', area: 'Compare Bar', auth: 'none', reads: ['data.compareList[].productId', 'data.compareList[].name', 'data.compareList[].price', 'data.compareList[].averageRating'] },
  { method: 'DELETE', path: '/compare/:productId', area: 'Compare Bar', auth: 'none', reads: ['data.compareList[].productId', 'data.compareList[].name', 'data.compareList[].price', 'data.compareList[].averageRating'] },
  { method: 'GET', path: '/compare', area: 'Compare Bar', auth: 'none', reads: ['data.compareList[].productId', 'data.compareList[].name', 'data.compareList[].price', 'data.compareList[].averageRating'] },
  { method: 'GET', path: '/compare/detail', area: 'Compare Bar', auth: 'none', reads: ['data'] },
  // Admin Settings
  { method: 'GET', path: '/admin/settings/extensions', area: 'Admin Settings', auth: 'required', reads: ['data'] },
  { method: 'POST', path: '/admin/settings/extensions', area: 'Admin Settings', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/admin/settings/upload-limits', area: 'Admin Settings', auth: 'required', reads: ['data'] },
  { method: 'PATCH', path: '/admin/settings/upload-limits', area: 'Admin Settings', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/admin/settings/review-policy', area: 'Admin Settings', auth: 'required', reads: ['data'] },
  { method: 'PATCH', path: '/admin/settings/review-policy', area: 'Admin Settings', auth: 'required', reads: ['data'] },
  // Health
  { method: 'GET', path: '/health', area: 'Health', auth: 'none', reads: ['data'] },
  // Resilience
  { method: 'GET', path: '/resilience/circuit-breakers', area: 'Resilience', auth: 'required', reads: ['data.items[].name', 'data.items[].status', 'data.items[].failureCount', 'data.items[].successCount'] },
  { method: 'GET', path: '/resilience/circuit-breakers/policies', area: 'Resilience', auth: 'required', reads: ['data.items[].name', 'data.items[].options.failureThreshold', 'data.items[].stats.lastTunedAt'] },
  { method: 'GET', path: '/resilience/circuit-breakers/:name', area: 'Resilience', auth: 'required', reads: ['data'] },
  { method: 'POST', path: '/resilience/circuit-breakers/:name/reset', area: 'Resilience', auth: 'required', reads: ['data'] },
  // Error codes
  { method: 'GET', path: '/errors/codes', area: 'Error codes', auth: 'none', reads: ['data.items[].key', 'data.items[].code', 'data.items[].message'] },
  { method: 'GET', path: '/errors/codes/:key', area: 'Error codes', auth: 'none', reads: ['data'] },
  // Queue Admin
  { method: 'GET', path: '/admin/queues/supported', area: 'Queue Admin', auth: 'required', reads: ['data.items[]'] },
  { method: 'GET', path: '/admin/queues/stats', area: 'Queue Admin', auth: 'required', reads: ['data.items[].queueName', 'data.items[].paused', 'data.items[].counts.active', 'data.items[].counts.failed'] },
  { method: 'GET', path: '/admin/queues/:queueName/failed', area: 'Queue Admin', auth: 'required', reads: ['data.items[].id', 'data.items[].name', 'data.items[].attemptsMade', 'data.items[].failedReason', 'data.meta.totalItems', 'data.meta.totalPages', 'data.meta.currentPage'] },
  { method: 'POST', path: '/admin/queues/:queueName/failed/retry', area: 'Queue Admin', auth: 'required', reads: ['data'] },
  { method: 'POST', path: '/admin/queues/auto-retry', area: 'Queue Admin', auth: 'required', reads: ['data'] },
  { method: 'POST', path: '/admin/queues/:queueName/jobs/:jobId/retry', area: 'Queue Admin', auth: 'required', reads: ['data'] },
  { method: 'DELETE', path: '/admin/queues/:queueName/jobs/:jobId', area: 'Queue Admin', auth: 'required', reads: ['data'] },
  // Ops Dashboard
  { method: 'GET', path: '/admin/ops-dashboard/summary', area: 'Ops Dashboard', auth: 'required', reads: ['data', 'data.checkedAt', 'data.overallStatus', 'data.alerts[].key', 'data.alerts[].severity', 'data.alerts[].message', 'data.alertCount'] },
  // Observability
  { method: 'GET', path: '/admin/observability/metrics', area: 'Observability', auth: 'required', reads: ['data'] },
  { method: 'GET', path: '/admin/observability/traces', area: 'Observability', auth: 'required', reads: ['data.items[].requestId', 'data.items[].method', 'data.items[].path', 'data.items[].statusCode', 'data.items[].durationMs', 'data.items[].timestamp'] },
  { method: 'GET', path: '/admin/observability/dashboard', area: 'Observability', auth: 'required', reads: ['data'] },
  // Other (query read model)
  { method: 'GET', path: '/query/products', area: 'Other (query read model)', auth: 'none', reads: ['data.items[].productId', 'data.items[].name', 'data.items[].lowestPrice', 'data.items[].sellerCount'] },
  { method: 'GET', path: '/query/products/:productId', area: 'Other (query read model)', auth: 'none', reads: ['data'] },
  { method: 'POST', path: '/admin/query/products/:productId/sync', area: 'Other (query read model)', auth: 'required', reads: ['data'] },
  { method: 'POST', path: '/admin/query/products/rebuild', area: 'Other (query read model)', auth: 'required', reads: ['data'] },
];
