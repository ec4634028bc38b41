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
};
