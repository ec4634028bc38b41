// What the storefront reads of each answer, as zod schemas, for the calls of the areas our API
// has today (Auth, User, Category, Product, Spec, Seller, Price, Search, Price Prediction,
// Price Analytics, Health, Error codes, Resilience). Keyed by `"METHOD path"` as in calls.ts; each entry
// holds the schema of `data` as the client unwraps it (and of the top-level `meta` where a page
// reads it: GET /products only).
//
// The rules, from client-shapes.md:
// - a field a page reads (calls.ts `reads`) is required, with the client's type: ids are positive
//   integers, money and counts JSON numbers (never null or strings unless the client's type
//   says `T|null`);
// - a list is the JSON array itself unless §1.3 names the call as an object around the list
//   (`{ items }`, `{ …, entries }`);
// - fields the client only declares are not checked, and every object is loose: extra fields
//   are fine;
// - "JSON only" answers (the page renders `data` whole) need some `data`; "not read" answers
//   need nothing.
import { z } from 'zod';
import type { CallKey } from './calls.ts';

export interface ClientShape {
  data: z.ZodType;
  meta?: z.ZodType;
}

const id = z.number().int().positive();
const text = z.string();
const money = z.number();
const count = z.number();
/** a token the client stores only when it is truthy (ac:63) */
const token = z.string().min(1);

/** The page ignores `data`. */
const notRead = z.unknown();
/** The page renders `data` with JSON.stringify: anything but nothing. */
/** FraudAlertItem (ty:330-344): what the alerts list reads */
const fraudAlertItem = z.looseObject({
  id,
  productId: id,
  severity: z.enum(['LOW', 'MEDIUM', 'HIGH']),
  status: z.enum(['PENDING', 'APPROVED', 'REJECTED']),
});
/** CrawlerJobItem (ty:1191-1203) */
const crawlerJobItem = z.looseObject({
  id: z.number().int().positive(),
  sellerId: z.number().int().positive(),
  name: z.string(),
  cronExpression: z.string().nullable(),
  collectPrice: z.boolean(),
  collectSpec: z.boolean(),
  detectAnomaly: z.boolean(),
  isActive: z.boolean(),
  lastTriggeredAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** CrawlerRunItem (ty:1205-1223) */
const crawlerRunItem = z.looseObject({
  id: z.number().int().positive(),
  jobId: z.number().int().positive().nullable(),
  sellerId: z.number().int().positive(),
  productId: z.number().int().positive().nullable(),
  triggerType: z.string(),
  collectPrice: z.boolean(),
  collectSpec: z.boolean(),
  detectAnomaly: z.boolean(),
  status: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  collectedPriceCount: z.number(),
  collectedSpecCount: z.number(),
  anomalyCount: z.number(),
  errorMessage: z.string().nullable(),
  createdAt: z.string(),
});

/** ProductQueryViewItem (ty:1246-1261) */
const productQueryViewItem = z.looseObject({
  productId: z.number().int().positive(),
  categoryId: z.number().int().positive(),
  name: z.string(),
  thumbnailUrl: z.string().nullable(),
  status: z.string(),
  basePrice: z.number().nullable(),
  lowestPrice: z.number().nullable(),
  sellerCount: z.number(),
  averageRating: z.number(),
  reviewCount: z.number(),
  viewCount: z.number(),
  popularityScore: z.number(),
  syncedAt: z.string().nullable(),
  updatedAt: z.string(),
});

/** ProductMappingItem (ty:621-635) */
const productMappingItem = z.looseObject({
  id: z.number().int().positive(),
  sourceName: z.string(),
  sourceBrand: z.string().nullable(),
  sourceSeller: z.string().nullable(),
  sourceUrl: z.string().nullable(),
  status: z.enum(['PENDING', 'APPROVED', 'REJECTED']),
  productId: z.number().int().positive().nullable(),
  confidence: z.number(),
  reason: z.string().nullable(),
  reviewedBy: z.number().int().positive().nullable(),
  reviewedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** OrderSummary (ty:190-198) */
const orderSummary = z.looseObject({
  id,
  orderNumber: text,
  status: text,
  totalAmount: money,
  finalAmount: money,
  itemCount: count,
  createdAt: text,
});

/** OrderDetail (ty:200-236): pages render it whole; checked against its declared type all the same */
const orderDetail = z.looseObject({
  id,
  orderNumber: text,
  status: text,
  items: z.array(
    z.looseObject({
      id,
      productId: id,
      productName: text,
      sellerName: text,
      selectedOptions: text.nullable(),
      quantity: count,
      unitPrice: money,
      totalPrice: money,
    }),
  ),
  totalAmount: money,
  pointUsed: money,
  finalAmount: money,
  shippingAddress: z.looseObject({
    recipientName: text,
    recipientPhone: text,
    zipCode: text,
    address: text,
    addressDetail: text.nullable(),
  }),
  payments: z.array(
    z.looseObject({
      id,
      orderId: id,
      orderStatus: text,
      method: text,
      amount: money,
      status: text,
      paidAt: text.nullable(),
      refundedAt: text.nullable(),
    }),
  ),
  memo: text.nullable(),
  createdAt: text,
});

/** Payment (client-shapes §Payment, ep:1627-1637): every call renders it as JSON */
const payment = z.looseObject({
  id,
  orderId: id,
  orderStatus: text,
  method: text,
  amount: money,
  status: text,
  paidAt: text.nullable(),
  refundedAt: text.nullable(),
  createdAt: text.optional(),
  updatedAt: text.optional(),
});

/** CartItem (ty:144-161): the id may be a string for the client, ours are numbers */
const cartItem = z.looseObject({
  id,
  product: z
    .looseObject({ id: id.nullable(), name: text, price: money, lowestPrice: money.nullable() })
    .nullable(),
  seller: z.looseObject({ id: id.nullable(), name: text }).nullable(),
  selectedOptions: text.nullable(),
  quantity: count,
});

const renderedWhole = z.unknown().refine((value) => value !== undefined, 'no data to render');

/** CompareListItem (ty:743-753): what the compare bar lists read */
const compareListItem = z.looseObject({ productId: id, name: text, price: money, averageRating: z.number() });

/** PushPreferenceItem (ty:1172-1181): the four checkboxes */
const pushPreference = z.looseObject({
  priceAlertEnabled: z.boolean(),
  orderStatusEnabled: z.boolean(),
  chatMessageEnabled: z.boolean(),
  dealEnabled: z.boolean(),
});

/** FriendListItem (ty:513-521): what the friend lists read */
const friendListItem = z.looseObject({ friendshipId: id, userId: id, nickname: z.string().nullable() });

/** SupportTicketItem (ty:1082-1096): what the ticket lists read */
const supportTicketItem = z.looseObject({
  id,
  category: text,
  title: text,
  status: z.enum(['OPEN', 'ANSWERED']),
});

/** NewsDetailItem (ty:600-619): rendered whole; its related products as the type declares them */
const newsDetailItem = z.looseObject({
  id,
  title: text,
  viewCount: count,
  relatedProducts: z
    .array(z.looseObject({ id, name: text, thumbnailUrl: text.nullable(), lowestPrice: money.nullable() }))
    .min(1),
});

const message = z.looseObject({ message: text });

interface CategoryNode {
  id: number;
  name: string;
  children?: CategoryNode[];
}
/** The tree pages flatten through `children`, reading `id` and `name` at each level. */
const categoryNode: z.ZodType<CategoryNode> = z.looseObject({
  id,
  name: text,
  get children() {
    return z.array(categoryNode).optional();
  },
});

/** ShortformItem (ty:534-554) as the feed and the ranking read it */
const shortformListItem = z.looseObject({
  id,
  title: text,
  likeCount: count,
  transcodeStatus: z.enum(['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED']),
});

export const clientSchemas: Partial<Record<CallKey, ClientShape>> = {
  // Auth
  'POST /auth/signup': { data: message },
  'POST /auth/verify-email': { data: message },
  'POST /auth/resend-verification': { data: message },
  'POST /auth/password-reset/request': { data: message },
  'POST /auth/password-reset/verify': { data: z.looseObject({ resetToken: token }) },
  'POST /auth/password-reset/confirm': { data: message },
  'POST /auth/refresh': { data: z.looseObject({ accessToken: token, refreshToken: token }) },
  'POST /auth/login': { data: z.looseObject({ accessToken: token, refreshToken: token }) },
  'POST /auth/logout': { data: notRead },

  // User (UserProfile, ty:108-121)
  'GET /users/me': {
    data: z.looseObject({
      id,
      email: text,
      name: text,
      phone: text,
      role: text,
      status: text,
      point: count,
      nickname: text,
      bio: text.nullable(),
    }),
  },
  'PUT /users/me': { data: notRead },
  'DELETE /users/me': { data: message },
  'GET /users/profile/:userId': { data: z.looseObject({ nickname: text, bio: text.nullable() }) },
  'PATCH /users/me/profile': { data: notRead },
  'DELETE /users/me/profile-image': { data: notRead },
  'GET /users': { data: z.array(z.looseObject({ id, email: text, status: text })) },
  'PATCH /users/:userId/status': { data: notRead },

  // Category
  'GET /categories': { data: z.array(categoryNode) },
  'GET /categories/:id': {
    data: z.looseObject({
      id,
      name: text,
      parentId: id.nullable(),
      // `children.length` with no guard (CategoryApiPage.tsx:168)
      children: z.array(z.unknown()),
    }),
  },
  'POST /categories': { data: notRead },
  'PATCH /categories/:id': { data: notRead },
  'DELETE /categories/:id': { data: notRead },

  // Product
  'GET /products': {
    data: z.array(
      z.looseObject({
        id,
        name: text,
        thumbnailUrl: text.nullable(),
        // `.toLocaleString()` and `.toFixed(1)` with no guard (ProductsPage.tsx:214)
        reviewCount: count,
        averageRating: z.number(),
        sellerCount: count,
        lowestPrice: money.nullable(),
      }),
    ),
    meta: z.looseObject({ totalCount: count }),
  },
  'GET /products/:id': {
    data: z.looseObject({
      name: text,
      description: text,
      price: money,
      lowestPrice: money.nullable(),
      stock: count,
      // `options.length` and `images.length` with no guard (ProductApiPage.tsx:140-141)
      options: z.array(z.unknown()),
      images: z.array(z.looseObject({ url: text, isMain: z.boolean() })),
    }),
  },
  'POST /products': { data: z.looseObject({ id }) },
  'PATCH /products/:id': { data: notRead },
  'DELETE /products/:id': { data: notRead },
  'POST /products/:productId/options': { data: notRead },
  'PATCH /products/:productId/options/:optionId': { data: notRead },
  'DELETE /products/:productId/options/:optionId': { data: notRead },
  'POST /products/:productId/images': { data: notRead },
  'DELETE /products/:productId/images/:imageId': { data: notRead },

  // Spec
  'GET /specs/definitions': { data: z.array(z.looseObject({ id, name: text, type: text })) },
  'GET /specs/definitions/resolved/:categoryId': { data: z.array(z.looseObject({ id, name: text })) },
  'POST /specs/definitions': { data: notRead },
  'PATCH /specs/definitions/:id': { data: notRead },
  'DELETE /specs/definitions/:id': { data: notRead },
  // `value: string`; a number goes in `numericValue` (ep:2575-2577)
  'GET /products/:productId/specs': { data: z.array(z.looseObject({ name: text, value: text })) },
  'GET /products/:productId/specs/grouped': {
    data: z.array(z.looseObject({ groupName: text, specs: z.array(z.unknown()) })),
  },
  'PUT /products/:productId/specs': { data: notRead },
  'POST /specs/compare': { data: renderedWhole },
  'POST /specs/compare/numeric': { data: renderedWhole },
  'POST /specs/compare/scored': { data: renderedWhole },
  'POST /specs/score': { data: renderedWhole },
  'PUT /specs/scores/:specDefId': { data: notRead },
  'GET /products/:productId/similar-spec-products': {
    data: z.array(z.looseObject({ id, name: text, similarityScore: z.number() })),
  },

  // Seller
  'GET /sellers': { data: z.array(z.looseObject({ id, name: text, url: text })) },
  'GET /sellers/:id': {
    data: z.looseObject({
      name: text,
      url: text,
      description: text.nullable(),
      trustScore: z.number().optional(),
    }),
  },
  'POST /sellers': { data: notRead },
  'PATCH /sellers/:id': { data: notRead },
  'DELETE /sellers/:id': { data: notRead },

  // Price
  'GET /products/:productId/prices': {
    data: z.looseObject({
      lowestPrice: money,
      averagePrice: money,
      highestPrice: money,
      entries: z.array(
        z.looseObject({
          id,
          seller: z.looseObject({ name: text }),
          price: money,
          shippingCost: money,
        }),
      ),
    }),
  },
  'POST /products/:productId/prices': { data: notRead },
  'PATCH /prices/:priceId': { data: notRead },
  'DELETE /prices/:priceId': { data: notRead },
  'GET /products/:productId/price-history': {
    data: z.looseObject({
      productName: text,
      allTimeLowest: money,
      allTimeHighest: money,
      history: z.array(z.looseObject({ date: text, lowestPrice: money, averagePrice: money })),
    }),
  },
  'GET /price-alerts': {
    data: z.array(
      z.looseObject({
        id,
        productId: id,
        targetPrice: money,
        currentLowestPrice: money,
        isTriggered: z.boolean(),
      }),
    ),
  },
  'POST /price-alerts': { data: notRead },
  'DELETE /price-alerts/:id': { data: notRead },

  // Cart (CartPage, CartApiPage): data is the array (§1.3); `product` and `seller` may be null
  // and their ids too (ty:144-161); the total reads `product.lowestPrice ?? product.price`
  'GET /cart': { data: z.array(cartItem) },
  'GET /cart/guest': { data: z.array(cartItem) },
  'POST /cart': { data: notRead },
  'POST /cart/guest': { data: notRead },
  'PATCH /cart/:itemId': { data: notRead },
  'PATCH /cart/guest/:itemId': { data: notRead },
  'DELETE /cart/:itemId': { data: notRead },
  'DELETE /cart/guest/:itemId': { data: notRead },
  'DELETE /cart': { data: notRead },
  'DELETE /cart/guest': { data: notRead },

  // Address (CartPage, MyPage, AddressApiPage, OrderApiPage; ty:123-133)
  'GET /addresses': {
    data: z.array(
      z.looseObject({
        id,
        recipientName: text,
        phone: text,
        address: text,
        addressDetail: text.nullable(),
        isDefault: z.boolean(),
      }),
    ),
  },
  'POST /addresses': { data: notRead },
  'PATCH /addresses/:id': { data: notRead },
  'DELETE /addresses/:id': { data: notRead },

  // Wishlist (MyPage reads `product.name` with no guard, WishlistApiPage; ty:238-249)
  'GET /wishlist': {
    data: z.array(
      z.looseObject({ id, product: z.looseObject({ id, name: text, lowestPrice: money.nullable() }) }),
    ),
  },
  'POST /wishlist/:productId': { data: z.looseObject({ wishlisted: z.boolean() }) },
  'DELETE /wishlist/:productId': { data: notRead },

  // Order (CartPage, OrderApiPage, MyPage, PaymentApiPage; ty:174-236)
  'POST /orders': { data: orderDetail },
  'GET /orders': { data: z.array(orderSummary) },
  'GET /orders/:id': { data: orderDetail },
  'POST /orders/:id/cancel': { data: orderDetail },
  'GET /admin/orders': { data: z.array(orderSummary) },
  'PATCH /admin/orders/:id/status': { data: orderDetail },

  // Payment (PaymentApiPage): all four answers rendered as JSON (:157)
  'POST /payments': { data: payment },
  'GET /payments/:id': { data: payment },
  'POST /payments/:id/refund': { data: payment },
  'POST /admin/payments/:id/refund': { data: payment },

  // Review (ProductDetailPage reads `user.nickname` with no guard, ReviewApiPage; ReviewItem ty:251-263)
  'GET /products/:productId/reviews': {
    data: z.array(
      z.looseObject({
        id,
        productId: id,
        orderId: id,
        rating: count,
        content: text,
        user: z.looseObject({ id, nickname: text }),
      }),
    ),
  },
  'POST /products/:productId/reviews': { data: notRead },
  'PATCH /reviews/:id': { data: notRead },
  'DELETE /reviews/:id': { data: notRead },

  // Point (PointApiPage)
  'GET /points/balance': {
    data: z.looseObject({ balance: money, expiringSoon: money.optional(), expiringDate: text.optional() }),
  },
  'GET /points/transactions': {
    data: z.array(
      z.looseObject({
        id,
        type: text,
        amount: money,
        balanceAfter: money.optional(),
        balance: money.optional(),
        description: text.nullable(),
        createdAt: text,
      }),
    ),
  },
  'POST /admin/points/grant': {
    data: z.looseObject({ userId: id, grantedAmount: money, balance: money, transactionId: id }),
  },

  // Search
  // No page calls GET /search (§3), so nothing is read; its declared type is a list, so data is
  // the array (§1.3). Its items are checked against the declared SearchResultItem (ty:271-278)
  // all the same: that type is all a caller of searchProducts would have.
  'GET /search': {
    data: z.array(
      z.looseObject({
        id,
        name: text,
        lowestPrice: money.nullable(),
        averageRating: z.number(),
        sellerCount: count,
        thumbnailUrl: text.nullable(),
      }),
    ),
  },
  // `data.items.map(item => item.keyword)` with no guard (HomePage.tsx:50)
  'GET /search/popular': { data: z.looseObject({ items: z.array(z.looseObject({ keyword: text })) }) },
  'GET /search/admin/index/outbox/summary': {
    data: z.looseObject({ pending: count, processing: count, completed: count, failed: count }),
  },
  'POST /search/admin/index/outbox/requeue-failed': { data: renderedWhole },

  // Queue Admin (QueueAdminApiPage): `items` with no guard (:51-52, :85-86), each queue's name,
  // paused and `counts.active`/`counts.failed` (:63-64, :90-93), the failed jobs' fields and the
  // page in `data.meta` (§1.3; :106-107, :197-205); job ids are strings (ty:846). The actions'
  // answers are rendered whole.
  'GET /admin/queues/supported': { data: z.looseObject({ items: z.array(text) }) },
  'GET /admin/queues/stats': {
    data: z.looseObject({
      items: z.array(
        z.looseObject({
          queueName: text,
          paused: z.boolean(),
          counts: z.looseObject({ active: count, failed: count }),
        }),
      ),
    }),
  },
  'GET /admin/queues/:queueName/failed': {
    data: z.looseObject({
      items: z.array(
        z.looseObject({ id: text, name: text, attemptsMade: count, failedReason: text.nullable() }),
      ),
      meta: z.looseObject({ totalItems: count, totalPages: count, currentPage: count }),
    }),
  },
  'POST /admin/queues/:queueName/failed/retry': { data: renderedWhole },
  'POST /admin/queues/auto-retry': { data: renderedWhole },
  'POST /admin/queues/:queueName/jobs/:jobId/retry': { data: renderedWhole },
  'DELETE /admin/queues/:queueName/jobs/:jobId': { data: renderedWhole },

  // Crawler (CrawlerApiPage): the lists' `items` with no guard (:172-174, :250-252), each job's id,
  // sellerId, name, isActive and each run's id, jobId, sellerId, status; the monitoring counts
  // (:240-245); the job and run answers are rendered whole (ty:1191-1234)
  'GET /crawler/admin/jobs': {
    data: z.looseObject({
      items: z.array(z.looseObject({ id, sellerId: id, name: text, isActive: z.boolean() })),
      meta: z.looseObject({
        totalItems: count,
        itemCount: count,
        itemsPerPage: count,
        totalPages: count,
        currentPage: count,
      }),
    }),
  },
  'POST /crawler/admin/jobs': { data: crawlerJobItem },
  'PATCH /crawler/admin/jobs/:id': { data: crawlerJobItem },
  'DELETE /crawler/admin/jobs/:id': { data: z.looseObject({ success: z.boolean(), message: text }) },
  'POST /crawler/admin/jobs/:id/run': { data: crawlerRunItem },
  'POST /crawler/admin/triggers': { data: crawlerRunItem },
  'GET /crawler/admin/runs': {
    data: z.looseObject({
      items: z.array(z.looseObject({ id, jobId: id.nullable(), sellerId: id, status: text })),
      meta: z.looseObject({ totalItems: count, currentPage: count }),
    }),
  },
  'GET /crawler/admin/monitoring': {
    data: z.looseObject({
      totalRuns: count,
      queuedRuns: count,
      processingRuns: count,
      successRuns: count,
      failedRuns: count,
      successRate: z.number(),
      latestRunAt: text.nullable(),
      latestSuccessAt: text.nullable(),
    }),
  },

  // Product Matching (MatchingApiPage): the pending list's id, sourceName, status and confidence
  // (:43-44, :61-63), the stats' counts (:48-49, :101); the actions' answers are rendered whole
  'GET /matching/pending': {
    data: z.array(z.looseObject({ id, sourceName: text, status: text, confidence: z.number() })),
  },
  'PATCH /matching/:id/approve': { data: productMappingItem },
  'PATCH /matching/:id/reject': { data: productMappingItem },
  'POST /matching/auto-match': { data: z.looseObject({ matchedCount: count, pendingCount: count }) },
  'GET /matching/stats': {
    data: z.looseObject({ pending: count, approved: count, rejected: count, total: count }),
  },

  // Fraud Detection (FraudApiPage): the alerts' id, productId, severity and status (:161, :248-250),
  // the flags' length (:201-202); the rest rendered whole
  'GET /fraud/alerts': { data: z.array(fraudAlertItem) },
  'PATCH /fraud/alerts/:alertId/approve': { data: renderedWhole },
  'PATCH /fraud/alerts/:alertId/reject': { data: renderedWhole },
  'GET /products/:productId/real-price': { data: renderedWhole },
  'GET /fraud/products/:productId/effective-prices': { data: renderedWhole },
  'GET /fraud/products/:productId/anomalies': { data: renderedWhole },
  'POST /fraud/admin/products/:productId/scan': { data: renderedWhole },
  'GET /fraud/admin/products/:productId/flags': { data: z.array(fraudAlertItem) },

  // Price Prediction, Price Analytics, Health: rendered whole
  'GET /predictions/products/:productId/price-trend': { data: renderedWhole },
  'GET /analytics/products/:productId/lowest-ever': { data: renderedWhole },
  'GET /analytics/products/:productId/unit-price': { data: renderedWhole },
  'GET /health': { data: renderedWhole },

  // Error codes
  'GET /errors/codes': {
    data: z.looseObject({
      items: z.array(z.looseObject({ key: text, code: text, message: text })),
    }),
  },
  'GET /errors/codes/:key': { data: renderedWhole },

  // Observability (ObservabilityApiPage): the summary and the dashboard are rendered whole, with the
  // fields their types declare; the traces' `data.items` is read with no guard
  'GET /admin/observability/metrics': {
    data: z.looseObject({
      totalRequests: count,
      errorRequests: count,
      errorRate: z.number(),
      avgLatencyMs: z.number(),
      p95LatencyMs: z.number(),
      p99LatencyMs: z.number(),
      statusBuckets: z.looseObject({ s2xx: count, s3xx: count, s4xx: count, s5xx: count }),
    }),
  },
  'GET /admin/observability/traces': {
    data: z.looseObject({
      items: z.array(
        z.looseObject({
          requestId: text,
          method: text,
          path: text,
          statusCode: count,
          durationMs: z.number(),
          ip: z.string().nullable().optional(),
          userId: z.number().int().nullable().optional(),
          timestamp: text,
        }),
      ),
    }),
  },
  'GET /admin/observability/dashboard': {
    data: z.looseObject({
      checkedAt: text,
      process: z.looseObject({
        uptimeSec: count,
        memory: z.looseObject({
          rss: count,
          heapTotal: count,
          heapUsed: count,
          external: count,
          arrayBuffers: count,
        }),
      }),
      metrics: z.looseObject({ totalRequests: count, errorRate: z.number() }).nullable(),
      queue: z.looseObject({ items: z.array(z.unknown()), total: count }).nullable(),
      resilience: z
        .looseObject({ circuits: z.array(z.unknown()), adaptivePolicies: z.array(z.unknown()) })
        .nullable(),
      searchSync: z
        .looseObject({ pending: count, processing: count, completed: count, failed: count })
        .nullable(),
      crawler: z.unknown(),
      opsSummary: z.unknown(),
    }),
  },

  // Ops Dashboard (OpsDashboardApiPage.tsx:14-15,39,42-44): the status and the alerts (read with
  // `.map`, no guard) with their count; the whole object is also rendered as JSON
  'GET /admin/ops-dashboard/summary': {
    data: z.looseObject({
      checkedAt: text,
      overallStatus: z.enum(['up', 'degraded', 'down']),
      health: z.looseObject({ status: text }).nullable(),
      searchSync: z
        .looseObject({ pending: count, processing: count, completed: count, failed: count })
        .nullable(),
      crawler: z
        .looseObject({
          totalRuns: count,
          queuedRuns: count,
          processingRuns: count,
          successRuns: count,
          failedRuns: count,
          successRate: z.number(),
          latestRunAt: z.string().nullable(),
          latestSuccessAt: z.string().nullable(),
        })
        .nullable(),
      queue: z.looseObject({ items: z.array(z.unknown()), total: count }).nullable(),
      errors: z.record(z.string(), z.string()),
      alerts: z.array(z.looseObject({ key: text, severity: z.enum(['warning', 'critical']), message: text })),
      alertCount: count,
    }),
  },

  // Resilience: `data.items` read with no guard (ResilienceApiPage.tsx:43-44,55-56), each circuit's
  // name, status and counts (:65-67), each policy's `options.failureThreshold` and
  // `stats.lastTunedAt` (:72-74); one circuit and a reset are rendered whole (:87-88, :106-107)
  'GET /resilience/circuit-breakers': {
    data: z.looseObject({
      items: z.array(
        z.looseObject({
          name: text,
          status: z.enum(['CLOSED', 'OPEN', 'HALF_OPEN']),
          failureCount: count,
          successCount: count,
        }),
      ),
    }),
  },
  'GET /resilience/circuit-breakers/policies': {
    data: z.looseObject({
      items: z.array(
        z.looseObject({
          name: text,
          options: z.looseObject({ failureThreshold: z.number() }),
          stats: z.looseObject({ lastTunedAt: z.number() }),
        }),
      ),
    }),
  },
  'GET /resilience/circuit-breakers/:name': { data: renderedWhole },
  'POST /resilience/circuit-breakers/:name/reset': { data: renderedWhole },

  // Other (QueryApiPage): the list's `items` with a `?? []` guard (:129-131), each item's productId,
  // name, lowestPrice and sellerCount; the detail, sync and rebuild answers are rendered whole
  // (ty:1246-1266)
  'GET /query/products': {
    data: z.looseObject({
      items: z.array(
        z.looseObject({ productId: id, name: text, lowestPrice: money.nullable(), sellerCount: count }),
      ),
      meta: z.looseObject({
        totalItems: count,
        itemCount: count,
        itemsPerPage: count,
        totalPages: count,
        currentPage: count,
      }),
    }),
  },
  'GET /query/products/:productId': { data: productQueryViewItem },
  'POST /admin/query/products/:productId/sync': { data: productQueryViewItem },
  'POST /admin/query/products/rebuild': { data: z.looseObject({ syncedCount: count }) },

  // Media (MediaApiPage): the upload's list is read field by field (:55, :128-130); the
  // pre-signed URL, stream info, delete and metadata answers are rendered whole
  'POST /media/upload': {
    data: z.array(
      z.looseObject({
        id,
        ownerType: z.enum(['PRODUCT', 'COMMUNITY', 'SUPPORT', 'SELLER', 'SHORTFORM', 'USER']),
        ownerId: id,
        type: z.enum(['IMAGE', 'VIDEO', 'AUDIO', 'DOCUMENT']),
        mime: text,
        size: count,
      }),
    ),
  },
  'POST /media/presigned-url': { data: renderedWhole },
  'GET /media/stream/:id': { data: renderedWhole },
  'DELETE /media/:id': { data: renderedWhole },
  'GET /media/:id/metadata': { data: renderedWhole },

  // Image (ImageApiPage): the upload's answer and the delete's rendered whole; the variants read
  // field by field (:85-86, :116-118)
  'POST /images/upload': {
    data: z.looseObject({
      id,
      originalUrl: text,
      variants: z.array(z.looseObject({ id, type: z.enum(['THUMBNAIL', 'MEDIUM', 'LARGE']), url: text })),
      processingStatus: z.enum(['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED']),
    }),
  },
  'GET /images/:imageId/variants': {
    data: z.array(
      z.looseObject({
        id,
        type: z.enum(['THUMBNAIL', 'MEDIUM', 'LARGE']),
        width: count,
        height: count,
        format: text,
      }),
    ),
  },
  'DELETE /images/:imageId': { data: z.looseObject({ success: z.boolean(), message: text }) },

  // Admin Settings (AdminSettingsApiPage): every answer rendered whole
  'GET /admin/settings/extensions': { data: renderedWhole },
  'POST /admin/settings/extensions': { data: renderedWhole },
  'GET /admin/settings/upload-limits': { data: renderedWhole },
  'PATCH /admin/settings/upload-limits': { data: renderedWhole },
  'GET /admin/settings/review-policy': { data: renderedWhole },
  'PATCH /admin/settings/review-policy': { data: renderedWhole },

  // Shortform (ShortformApiPage): the feed and the ranking read four fields of each item
  // (:85-86, :90-91, :176-177), the comment list three (:137-138, :184-185), the user list renders
  // its array (:160-161); every other answer is rendered whole. The lists hold the fixture's
  // published short-form, so their items are checked, not an empty array.
  'POST /shortforms': { data: renderedWhole },
  'GET /shortforms': { data: z.array(shortformListItem).min(1) },
  'GET /shortforms/:id': { data: renderedWhole },
  'POST /shortforms/:id/like': { data: renderedWhole },
  'POST /shortforms/:id/comments': { data: renderedWhole },
  'GET /shortforms/:id/comments': {
    data: z.array(z.looseObject({ id, userId: id, content: text })).min(1),
  },
  'GET /shortforms/ranking/list': { data: z.array(shortformListItem).min(1) },
  'DELETE /shortforms/:id': { data: renderedWhole },
  'GET /shortforms/:id/transcode-status': { data: renderedWhole },
  'POST /shortforms/:id/transcode/retry': { data: renderedWhole },
  'GET /shortforms/user/:userId': { data: z.array(renderedWhole).min(1) },

  // Community (CommunityApiPage): the lists hold the fixture's board, post and comment
  'GET /boards': { data: z.array(z.looseObject({ id, slug: text, name: text })).min(1) },
  'GET /boards/:boardId/posts': {
    data: z.array(z.looseObject({ id, title: text, likeCount: count, commentCount: count })).min(1),
  },
  'GET /posts/:id': { data: renderedWhole },
  'POST /boards/:boardId/posts': { data: notRead },
  'PATCH /posts/:id': { data: notRead },
  'DELETE /posts/:id': { data: notRead },
  'POST /posts/:id/like': { data: z.looseObject({ liked: z.boolean(), likeCount: count }) },
  'GET /posts/:postId/comments': {
    data: z
      .array(
        z.looseObject({
          id,
          content: text,
          // the page shows `author?.nickname || author?.name`: one of them a text
          author: z.looseObject({ nickname: text.nullable().optional(), name: text }),
        }),
      )
      .min(1),
  },
  'POST /posts/:postId/comments': { data: notRead },
  'DELETE /comments/:id': { data: notRead },

  // Inquiry (InquiryApiPage): the lists hold the fixture's question
  'GET /products/:productId/inquiries': {
    data: z
      .array(
        z.looseObject({
          id,
          productId: id,
          title: text,
          isSecret: z.boolean(),
          status: z.enum(['PENDING', 'ANSWERED']),
        }),
      )
      .min(1),
  },
  'POST /products/:productId/inquiries': { data: notRead },
  'POST /inquiries/:inquiryId/answer': { data: notRead },
  'GET /inquiries/me': {
    data: z
      .array(z.looseObject({ id, title: text, status: z.enum(['PENDING', 'ANSWERED']), answer: z.unknown() }))
      .min(1),
  },
  'DELETE /inquiries/:inquiryId': { data: notRead },

  // Support (SupportApiPage; ty:1082-1096): both lists read id, category, title and status of each
  // ticket, which the storefront knows as OPEN or ANSWERED; the rest is rendered whole
  'POST /support/tickets': { data: renderedWhole },
  'GET /support/tickets/me': { data: z.array(supportTicketItem).min(1) },
  'GET /support/tickets/me/:id': { data: renderedWhole },
  'POST /admin/support/tickets/:ticketId/answer': {
    data: supportTicketItem.extend({
      answer: z.looseObject({ content: text, answeredBy: id, answeredAt: text }),
    }),
  },
  'GET /admin/support/tickets': { data: z.array(supportTicketItem).min(1) },

  // Help (HelpApiPage; ty:1098-1115): the FAQ list reads id, category, question; notices id,
  // title, isPublished; the admin writes are not read
  'GET /faq': { data: z.array(z.looseObject({ id, category: text, question: text })).min(1) },
  'POST /admin/faq': { data: notRead },
  'PATCH /admin/faq/:id': { data: notRead },
  'DELETE /admin/faq/:id': { data: notRead },
  'GET /notices': { data: z.array(z.looseObject({ id, title: text, isPublished: z.boolean() })).min(1) },
  'POST /admin/notices': { data: notRead },
  'PATCH /admin/notices/:id': { data: notRead },
  'DELETE /admin/notices/:id': { data: notRead },

  // News (HomePage, PublicLandingPage, NewsApiPage; ty:579-619): the list reads id, title,
  // summary, the tabs id, name, slug; the detail is rendered whole (its related products checked
  // against NewsDetailItem), the deletes' { success, message } too
  'GET /news': { data: z.array(z.looseObject({ id, title: text, summary: text })).min(1) },
  'GET /news/categories': { data: z.array(z.looseObject({ id, name: text, slug: text })).min(1) },
  'GET /news/:id': { data: newsDetailItem },
  'POST /news': { data: newsDetailItem },
  'PATCH /news/:id': { data: renderedWhole },
  'DELETE /news/:id': { data: z.looseObject({ success: z.boolean(), message: text }) },
  'POST /news/categories': { data: renderedWhole },
  'DELETE /news/categories/:id': { data: z.looseObject({ success: z.boolean(), message: text }) },

  // Badge (BadgeApiPage; ty:421-449): the list reads id, name, type, rarity, holderCount; the held
  // lists id, userId, badgeId, grantedAt and badge?.name; the admin answers are rendered whole
  'GET /badges': {
    data: z
      .array(
        z.looseObject({
          id,
          name: text,
          type: z.enum(['AUTO', 'MANUAL']),
          rarity: z.enum(['COMMON', 'UNCOMMON', 'RARE', 'EPIC', 'LEGENDARY']),
          holderCount: count,
        }),
      )
      .min(1),
  },
  'GET /badges/me': {
    data: z
      .array(
        z.looseObject({ id, badgeId: id, grantedAt: text, badge: z.looseObject({ name: text }).nullable() }),
      )
      .min(1),
  },
  'GET /users/:userId/badges': {
    data: z
      .array(z.looseObject({ id, userId: id, badgeId: id, badge: z.looseObject({ name: text }).nullable() }))
      .min(1),
  },
  'POST /admin/badges': { data: renderedWhole },
  'PATCH /admin/badges/:id': { data: renderedWhole },
  'DELETE /admin/badges/:id': { data: renderedWhole },
  'POST /admin/badges/:badgeId/grant': { data: renderedWhole },
  'DELETE /admin/badges/:badgeId/revoke/:userId': { data: renderedWhole },

  // Chat (ChatApiPage): the lists accept an array; rooms read id, name, isPrivate; messages id,
  // senderId, message; the actions are rendered whole
  'GET /chat/rooms': { data: z.array(z.looseObject({ id, name: text, isPrivate: z.boolean() })).min(1) },
  'POST /chat/rooms': { data: renderedWhole },
  'POST /chat/rooms/:roomId/join': { data: renderedWhole },
  'GET /chat/rooms/:roomId/messages': {
    data: z.array(z.looseObject({ id, senderId: id, message: text })).min(1),
  },
  'POST /chat/rooms/:roomId/messages': { data: renderedWhole },

  // Friend (FriendApiPage; ty:513-532): the three lists read friendshipId, userId, nickname; the
  // feed id, userId, type, message; the actions are rendered whole
  'POST /friends/request/:userId': { data: renderedWhole },
  'PATCH /friends/request/:friendshipId/accept': { data: renderedWhole },
  'PATCH /friends/request/:friendshipId/reject': { data: renderedWhole },
  'GET /friends': { data: z.array(friendListItem).min(1) },
  'GET /friends/requests/received': { data: z.array(friendListItem).min(1) },
  'GET /friends/requests/sent': { data: z.array(friendListItem).min(1) },
  'GET /friends/feed': {
    data: z.array(z.looseObject({ id, userId: id, type: text, message: text })).min(1),
  },
  'POST /friends/block/:userId': { data: renderedWhole },
  'DELETE /friends/block/:userId': { data: renderedWhole },
  'DELETE /friends/:userId': { data: renderedWhole },

  // Deal (HomePage, PublicLandingPage, DealApiPage; ty:989-1006): the list reads id, title,
  // description, productId, discountRate, isActive; the admin writes are rendered whole
  'GET /deals': {
    data: z
      .array(
        z.looseObject({
          id,
          title: text,
          description: text.nullable(),
          productId: id,
          discountRate: count,
          isActive: z.boolean(),
        }),
      )
      .min(1),
  },
  'POST /deals/admin': { data: renderedWhole },
  'PATCH /deals/admin/:id': { data: renderedWhole },
  'DELETE /deals/admin/:id': { data: renderedWhole },

  // Compare Bar (CompareApiPage; ty:743-765): the lists read productId, name, price, averageRating
  // of `compareList` (an array inside an object); the detail is rendered whole
  'POST /compare/add': { data: z.looseObject({ compareList: z.array(compareListItem).min(1) }) },
  'DELETE /compare/:productId': { data: z.looseObject({ compareList: z.array(compareListItem).min(1) }) },
  'GET /compare': { data: z.looseObject({ compareList: z.array(compareListItem).min(1) }) },
  'GET /compare/detail': {
    data: z.looseObject({
      compareList: z.array(compareListItem).min(2),
      differences: z.looseObject({
        price: z.boolean(),
        categoryId: z.boolean(),
        averageRating: z.boolean(),
        reviewCount: z.boolean(),
        sellerCount: z.boolean(),
        salesCount: z.boolean(),
      }),
    }),
  },

  // Trust Score (TrustApiPage; ty:355-376): rendered whole; the history list is checked for length
  'GET /trust/sellers/:sellerId': { data: renderedWhole },
  'GET /trust/sellers/:sellerId/history': { data: z.array(z.looseObject({ id, sellerId: id })).min(1) },
  'POST /trust/admin/sellers/:sellerId/recalculate': { data: renderedWhole },

  // Web Push (PushApiPage; ty:1163-1181): the list reads id, endpoint, isActive; the preference
  // checkboxes the four booleans; the register and unsubscribe answers are rendered whole
  'POST /push/subscriptions': { data: renderedWhole },
  'POST /push/subscriptions/unsubscribe': { data: renderedWhole },
  'GET /push/subscriptions': {
    data: z.array(z.looseObject({ id, endpoint: z.string(), isActive: z.boolean() })).min(1),
  },
  'GET /push/preferences': { data: pushPreference },
  'POST /push/preferences': { data: pushPreference },

  // i18n (I18nApiPage; ty:378-401): the translation and rate tables read these columns; the
  // upsert, delete and convert answers are rendered whole
  'GET /i18n/translations': {
    data: z
      .array(
        z.looseObject({ id, locale: z.string(), namespace: z.string(), key: z.string(), value: z.string() }),
      )
      .min(1),
  },
  'POST /i18n/admin/translations': { data: renderedWhole },
  'DELETE /i18n/admin/translations/:id': { data: renderedWhole },
  'GET /i18n/exchange-rates': {
    data: z
      .array(z.looseObject({ id, baseCurrency: z.string(), targetCurrency: z.string(), rate: z.number() }))
      .min(1),
  },
  'POST /i18n/admin/exchange-rates': { data: renderedWhole },
  'GET /i18n/convert': {
    data: z.looseObject({
      originalAmount: z.number(),
      originalCurrency: z.string(),
      convertedAmount: z.number(),
      targetCurrency: z.string(),
      rate: z.number(),
    }),
  },

  // Activity (ActivityApiPage; ty:1117-1143): the summary is rendered whole; the lists read id,
  // product.id/name and viewedAt, or id, keyword and createdAt; the actions are not read
  'GET /activities': { data: renderedWhole },
  'GET /activities/recent-products': {
    data: z.array(z.looseObject({ id, product: z.looseObject({ id, name: text }), viewedAt: text })).min(1),
  },
  'POST /activities/recent-products/:productId': { data: notRead },
  'GET /activities/searches': { data: z.array(z.looseObject({ id, keyword: text, createdAt: text })).min(1) },
  'POST /activities/searches': { data: notRead },
  'DELETE /activities/searches/:id': { data: notRead },
  'DELETE /activities/searches': { data: notRead },

  // Ranking (HomePage, RankingApiPage; ty:280-292): the arrays themselves
  'GET /rankings/products/popular': {
    data: z.array(z.looseObject({ rank: count, productId: id, name: text, popularityScore: count })).min(1),
  },
  'GET /rankings/keywords/popular': {
    data: z.array(z.looseObject({ rank: count, keyword: text, count })).min(1),
  },
  'POST /rankings/admin/recalculate': { data: renderedWhole },

  // Auto (AutoApiPage; ty:667-705): the model, trim and lease tables read these columns (a trim's
  // `options.length` without a guard); the estimate is rendered whole
  'GET /auto/models': {
    data: z
      .array(
        z.looseObject({
          id,
          brand: text,
          name: text,
          type: z.enum(['SEDAN', 'SUV', 'EV']),
          basePrice: money,
        }),
      )
      .min(1),
  },
  'GET /auto/models/:modelId/trims': {
    data: z.array(z.looseObject({ id, name: text, priceDelta: money, options: z.array(z.unknown()) })).min(1),
  },
  'POST /auto/estimate': { data: renderedWhole },
  'GET /auto/models/:modelId/lease-offers': {
    data: z
      .array(z.looseObject({ provider: text, months: count, monthlyFee: money, downPayment: money }))
      .min(1),
  },

  // Reverse Auction (AuctionApiPage; ty:707-741): the list reads id, title, status, budget; the
  // rest is rendered whole
  'POST /auctions': { data: renderedWhole },
  'GET /auctions': {
    data: z
      .array(
        z.looseObject({ id, title: text, status: z.enum(['OPEN', 'CLOSED', 'CANCELLED']), budget: money }),
      )
      .min(1),
  },
  'GET /auctions/:id': { data: renderedWhole },
  'POST /auctions/:id/bids': { data: renderedWhole },
  'PATCH /auctions/:id/bids/:bidId/select': { data: renderedWhole },
  'DELETE /auctions/:id': { data: renderedWhole },
  'PATCH /auctions/:id/bids/:bidId': { data: renderedWhole },
  'DELETE /auctions/:id/bids/:bidId': { data: renderedWhole },

  // Recommendation (RecommendationApiPage; ty:294-310): an object with `source` and `items`
  'GET /recommendations/trending': {
    data: z.looseObject({
      source: text,
      items: z
        .array(z.looseObject({ rank: count, productId: id, name: text, lowestPrice: money.nullable() }))
        .min(1),
    }),
  },
  'GET /recommendations/personal': {
    data: z.looseObject({
      source: text,
      items: z.array(z.looseObject({ rank: count, productId: id, name: text, averageRating: count })).min(1),
    }),
  },

  // PC Builder (PcBuilderApiPage; ty:451-511): the two lists read these columns, the rest is rendered whole
  'GET /pc-builds': {
    data: z
      .array(
        z.looseObject({
          id,
          name: text,
          purpose: z.enum(['GAMING', 'OFFICE', 'DESIGN', 'DEVELOPMENT', 'STREAMING']),
          totalPrice: money,
        }),
      )
      .min(1),
  },
  'POST /pc-builds': { data: renderedWhole },
  'GET /pc-builds/:id': { data: renderedWhole },
  'PATCH /pc-builds/:id': { data: notRead },
  'DELETE /pc-builds/:id': { data: renderedWhole },
  'POST /pc-builds/:id/parts': { data: renderedWhole },
  'DELETE /pc-builds/:id/parts/:partId': { data: renderedWhole },
  'GET /pc-builds/:id/compatibility': { data: renderedWhole },
  'GET /pc-builds/:id/share': { data: renderedWhole },
  'GET /pc-builds/shared/:shareCode': { data: renderedWhole },
  'GET /pc-builds/popular': { data: z.array(z.looseObject({ id, name: text, viewCount: count })).min(1) },
  'GET /admin/compatibility-rules': { data: renderedWhole },
  'POST /admin/compatibility-rules': { data: renderedWhole },
  'PATCH /admin/compatibility-rules/:id': { data: renderedWhole },
  'DELETE /admin/compatibility-rules/:id': { data: renderedWhole },

  // Used Market (UsedMarketApiPage; ty:650-665): the category table reads its columns
  'GET /used-market/products/:productId/price': { data: renderedWhole },
  'GET /used-market/categories/:categoryId/prices': {
    data: z
      .array(
        z.looseObject({
          productId: id,
          productName: text,
          averagePrice: money,
          minPrice: money,
          maxPrice: money,
          trend: z.enum(['UP', 'DOWN', 'STABLE']),
        }),
      )
      .min(1),
  },
  'POST /used-market/pc-builds/:buildId/estimate': { data: renderedWhole },
};
