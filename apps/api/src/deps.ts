import type { Env, Logger } from '@pbshop/config';
import type { CrawlCatalog } from '@pbshop/crawler';
import { createDatabase, type DatabaseHandle } from '@pbshop/db';
import { orderLockHold } from '@pbshop/metrics';
import {
  bullPrefix,
  createRedis,
  JobProducers,
  type SearchSyncSignal,
  searchSyncSignal,
} from '@pbshop/queues';
import { autoTuneFrom, ResilienceRegistry, type ResilienceRegistryOptions } from '@pbshop/resilience';
import { createSearchClient, type SearchClient } from '@pbshop/search';
import { type Storage, storageFromEnv } from '@pbshop/storage';
import type { Redis } from 'ioredis';
import { type CatalogCache, catalogCache } from './catalog-cache/cache.ts';
import type { BufferedCounts } from './counting/buffered-counts.ts';
import { type AccessTokens, accessTokens } from './http/access-token.ts';
import { type IdempotencyKeys, idempotencyKeys } from './http/idempotency.ts';
import { type PrincipalCache, principalCache } from './http/principal-cache.ts';
import { type UploadIntake, uploadIntake } from './http/uploads.ts';
import { createMailer, type Mailer } from './mail/mailer.ts';
import { type AlertsService, alertsService } from './modules/catalog/alerts/service.ts';
import { type AnalyticsService, analyticsService } from './modules/catalog/analytics/service.ts';
import { type CategoriesService, categoriesService } from './modules/catalog/categories/service.ts';
import { type PricesService, pricesService } from './modules/catalog/prices/service.ts';
import { offerStock } from './modules/catalog/prices/stock.ts';
import { type ProductsService, productsService } from './modules/catalog/products/service.ts';
import { type ProductViewCounter, productViewCounter } from './modules/catalog/products/views.ts';
import { type ProductQueryService, productQueryService } from './modules/catalog/query/service.ts';
import { type SellersService, sellersService } from './modules/catalog/sellers/service.ts';
import { type SpecsService, specsService } from './modules/catalog/specs/service.ts';
import { type AddressesService, addressesService } from './modules/commerce/addresses/service.ts';
import { GUEST_CART_TTL_MS } from './modules/commerce/cart/guest-store.ts';
import { type CartService, cartService } from './modules/commerce/cart/service.ts';
import { type OrdersService, ordersService } from './modules/commerce/orders/service.ts';
import { paymentGateway } from './modules/commerce/payments/gateway.ts';
import { type PaymentsService, paymentsService } from './modules/commerce/payments/service.ts';
import { type PointsService, pointsService } from './modules/commerce/points/service.ts';
import { type ReviewsService, reviewsService } from './modules/commerce/reviews/service.ts';
import { type WishlistService, wishlistService } from './modules/commerce/wishlist/service.ts';
import { type BoardsService, boardsService } from './modules/community/boards/service.ts';
import { type CommentsService, commentsService } from './modules/community/comments/service.ts';
import { type InquiriesService, inquiriesService } from './modules/community/inquiries/service.ts';
import { countPublishedPostsForUsers } from './modules/community/post-metrics.ts';
import { type PostsService, postsService } from './modules/community/posts/service.ts';
import { postViewCounter } from './modules/community/posts/views.ts';
import { type CrawlerAdminService, crawlerAdminService } from './modules/crawler/admin/service.ts';
import { type FraudAlertsService, fraudAlertsService } from './modules/crawler/fraud/service.ts';
import { type MatchingService, matchingService } from './modules/crawler/matching/service.ts';
import { crawlerOffers } from './modules/crawler/offers/service.ts';
import { type ActivityService, activityService } from './modules/discovery/activity/service.ts';
import { type CompareService, compareService } from './modules/discovery/compare/service.ts';
import { type DealsService, dealsService } from './modules/discovery/deals/service.ts';
import { type DealWindows, dealWindows } from './modules/discovery/deals/windows.ts';
import { httpRateProvider } from './modules/discovery/i18n/rate-provider.ts';
import { type I18nService, i18nService } from './modules/discovery/i18n/service.ts';
import { type RankingsService, rankingsService } from './modules/discovery/rankings/service.ts';
import {
  type RecommendationsService,
  recommendationsService,
} from './modules/discovery/recommendations/service.ts';
import { type TrustService, trustService } from './modules/discovery/trust/service.ts';
import { type PasswordHasher, passwordHasher } from './modules/identity/auth/passwords.ts';
import { type AuthService, authService } from './modules/identity/auth/service.ts';
import { type TokenService, tokenService } from './modules/identity/auth/tokens.ts';
import { type SocialService, socialService } from './modules/identity/social/service.ts';
import { type ProfileImageStore, profileImageStore } from './modules/identity/users/profile-image.ts';
import { type UsersService, usersService } from './modules/identity/users/service.ts';
import { ffprobeBeside, mediaProber } from './modules/media/files/probe.ts';
import { type MediaFilesService, mediaFilesService } from './modules/media/files/service.ts';
import { type ImagesService, imagesService } from './modules/media/images/service.ts';
import { type ShortformsService, shortformsService } from './modules/media/shortforms/service.ts';
import { type AdminAuditService, adminAuditService } from './modules/ops/audit/service.ts';
import { type OrderFailureLog, orderFailureLog } from './modules/ops/dashboard/order-failures.ts';
import { type OpsDashboardService, opsDashboardService } from './modules/ops/dashboard/service.ts';
import { type HealthService, healthService } from './modules/ops/health/service.ts';
import { resilienceFrom, resilienceOverview } from './modules/ops/observability/dashboard.ts';
import { apiPrometheus } from './modules/ops/observability/prometheus.ts';
import { type ObservabilityService, observabilityService } from './modules/ops/observability/service.ts';
import { type QueueAdminService, queueAdminService } from './modules/ops/queues/service.ts';
import { type QueueUiSessions, queueUiSessions } from './modules/ops/queues/ui-session.ts';
import { type ResilienceAdminService, resilienceAdminService } from './modules/ops/resilience/service.ts';
import { type SettingsService, settingsService } from './modules/ops/settings/service.ts';
import { type ChatService, chatService } from './modules/realtime/chat/service.ts';
import { type NotificationsService, notificationsService } from './modules/realtime/notifications/service.ts';
import { type PushService, pushService } from './modules/realtime/push/service.ts';
import { type SearchAdminService, searchAdminService } from './modules/search/admin/service.ts';
import { searchFallback } from './modules/search/search/fallback.ts';
import {
  type PopularKeywords,
  popularKeywords,
  type RecentKeywords,
  recentKeywords,
} from './modules/search/search/keywords.ts';
import { type SearchService, searchService } from './modules/search/search/service.ts';
import { type SearchWeightsStore, searchWeightsStore } from './modules/search/search/weights.ts';
import { type BadgesService, badgesService } from './modules/social/badges/service.ts';
import { type FriendsService, friendsService } from './modules/social/friends/service.ts';
import { type HelpService, helpService } from './modules/support/help/service.ts';
import { catalogProductSummaries } from './modules/support/news/related-products.ts';
import { type NewsService, newsService } from './modules/support/news/service.ts';
import { ticketFiles } from './modules/support/tickets/files.ts';
import { type SupportTicketsService, supportTicketsService } from './modules/support/tickets/service.ts';
import { type AuctionsService, auctionsService } from './modules/verticals/auctions/service.ts';
import { type AutoService, autoService } from './modules/verticals/auto/service.ts';
import { type PcBuilderService, pcBuilderService } from './modules/verticals/pc-builder/service.ts';
import { type UsedMarketService, usedMarketService } from './modules/verticals/used-market/service.ts';

/**
 * The composition root: every connection and service of the API, built once here (main.ts, or a
 * test) and handed to `buildApp`, which gives each route factory only the services it uses.
 */
export interface ApiDeps {
  env: Env;
  logger: Logger;
  database: DatabaseHandle;
  /** a smaller pool for the public catalog reads (list, detail, comparison, history): see DATABASE_READ_POOL_MAX */
  catalogReads: DatabaseHandle;
  /** fails fast while Redis is down: for request paths */
  redis: Redis;
  /** waits through Redis outages: for the processors the API runs */
  workerRedis: Redis;
  subscriberRedis: Redis;
  producers: JobProducers;
  search: SearchClient;
  /** wakes worker-search after a write recorded search changes (transactional outbox) */
  searchSync: SearchSyncSignal;
  resilience: ResilienceRegistry;
  mailer: Mailer;
  /** product list/detail/comparison cache over `redis` */
  cache: CatalogCache;
  accessTokens: AccessTokens;
  /** Idempotency-Key records of retryable writes (order, payment, refund) */
  idempotency: IdempotencyKeys;
  passwords: PasswordHasher;
  users: UsersService;
  profileImages: ProfileImageStore;
  tokens: TokenService;
  /** the members behind access tokens, kept briefly in the process (revoked with their sessions) */
  principals: PrincipalCache;
  auth: AuthService;
  social: SocialService;
  categories: CategoriesService;
  sellers: SellersService;
  prices: PricesService;
  products: ProductsService;
  /** buffered product view counts, written once a second */
  productViews: ProductViewCounter;
  specs: SpecsService;
  alerts: AlertsService;
  analytics: AnalyticsService;
  /** the product read model (product_query_view): list, detail, sync and rebuild */
  productQuery: ProductQueryService;
  /** product search and autocomplete (OpenSearch, PostgreSQL while it is down) */
  productSearch: SearchService;
  searchWeights: SearchWeightsStore;
  popularKeywords: PopularKeywords;
  recentKeywords: RecentKeywords;
  searchAdmin: SearchAdminService;
  health: HealthService;
  /** every process's circuit breakers and their policies, from Redis; resets that reach them all */
  resilienceAdmin: ResilienceAdminService;
  /** the admin audit trail (admin_audit_log): every admin action runs through its `run` */
  auditLog: AdminAuditService;
  /** the queue admin API over the producers' queues */
  queueAdmin: QueueAdminService;
  /** the queue UI's signed session cookies */
  queueUiSessions: QueueUiSessions;
  /** request metrics (15 minutes, all replicas), recent traces, the dashboard, Prometheus */
  observability: ObservabilityService;
  /** the ops dashboard summary and the runbook §6 rollback signals */
  opsDashboard: OpsDashboardService;
  /** order requests answered 5xx, counted for the payment_order_failures rollback signal */
  orderFailures: OrderFailureLog;
  /** crawler jobs (with their BullMQ schedules), runs and monitoring */
  crawlerAdmin: CrawlerAdminService;
  /** collected offers written through `prices` (WORKERS=inline runs the crawler here) */
  crawlerOffers: CrawlCatalog;
  /** anomalous crawled prices held for an admin (approve writes them through `crawlerOffers`) */
  fraudAlerts: FraudAlertsService;
  /** the matching queue of crawled items no product was tied to */
  matching: MatchingService;
  /** members' carts (PostgreSQL) and guests' carts (Redis, by x-cart-key), merged on login */
  cart: CartService;
  /** members' shipping addresses, one default each */
  addresses: AddressesService;
  /** the points ledger; `users.point` is written only here */
  points: PointsService;
  /** orders: placing (stock, points, cart), cancelling, status changes, the payments module's steps */
  orders: OrdersService;
  /** payments through the payment gateway (PAYMENT_GATEWAY_URL), their refunds and reconciliation */
  payments: PaymentsService;
  /** members' wishlists */
  wishlist: WishlistService;
  /** product reviews of purchase-confirmed order items, their product stats and rewards */
  reviews: ReviewsService;
  /** friend requests, friendships, blocks and the friends' activity feed */
  friends: FriendsService;
  /** chat rooms and messages (the socket gateway and REST) */
  chat: ChatService;
  /** members' notifications: stored, then delivered live and by Web Push (setPushDelivery) */
  notifications: NotificationsService;
  /** badge definitions, grants and revokes, the AUTO grants after metric writes and by the sweep */
  badges: BadgesService;
  /** Web Push: subscriptions, preferences, and pushes queued on push-delivery (VAPID keys from env) */
  push: PushService;
  /** community boards (and their admin CRUD) */
  boards: BoardsService;
  /** board posts: lists, detail, writes, moderation, like toggles */
  posts: PostsService;
  /** buffered post view counts, written once a second */
  postViews: BufferedCounts;
  /** threaded comments on posts */
  comments: CommentsService;
  /** product Q&A: secret questions, answers by the product's sellers or admins */
  inquiries: InquiriesService;
  /** where files live: STORAGE_DIR or an S3-compatible bucket (STORAGE_DRIVER) */
  storage: Storage;
  /** operator settings changed at run time: upload extensions and limits, the review policy */
  settings: SettingsService;
  /** multipart uploads streamed into `storage`, typed by magic number, within the settings and quotas */
  uploads: UploadIntake;
  /** images (API §31, legacy §24): sharp's WebP variants, stored under `images/<id>/` */
  images: ImagesService;
  /** uploaded files (media_files): multipart and pre-signed uploads, streaming, metadata */
  mediaFiles: MediaFilesService;
  /** short-form videos: upload (probed), feed, likes, comments, ranking, the transcode job's status and retry */
  shortforms: ShortformsService;
  /** FAQ and notices */
  help: HelpService;
  /** the public FAQ and notice lists: the catalog cache's mechanism under keys of their own */
  helpCache: CatalogCache;
  /** news tabs and articles with related products */
  news: NewsService;
  /** time-limited deals: their lists, prices and stock */
  deals: DealsService;
  /** the deals' window boundaries, part of the cached deal lists' and comparisons' keys */
  dealWindows: DealWindows;
  /** the public deal list: the catalog cache's mechanism under keys of its own */
  dealsCache: CatalogCache;
  /** compare bars: a member's in PostgreSQL, a guest's in Redis */
  compare: CompareService;
  /** seller reviews and trust scores */
  trust: TrustService;
  /** PC builds priced from their offers, the compatibility check against the admin's rules, share links */
  pcBuilder: PcBuilderService;
  /**
   * the builds' compatibility answers: the catalog cache's mechanism under keys of their own, a
   * build's entry under its id's version (bumped by the build's writes), every entry under the
   * "category" version (bumped by rule writes and spec value writes)
   */
  pcBuildCache: CatalogCache;
  /**
   * searched community post lists: the catalog cache's mechanism under keys of their own, each
   * under its board's version (bumped by the board's post writes) and a 10-second window
   */
  communityCache: CatalogCache;
  /** used-market prices from the listings sources deliver, and PC build buy-back estimates */
  usedMarket: UsedMarketService;
  /** 1:1 support tickets, their replies and files; the author is mailed an admin's answer */
  supportTickets: SupportTicketsService;
  /** translations and exchange rates (EXCHANGE_RATE_URL), with the rate refresh the API schedules */
  i18n: I18nService;
  /** translation lists and the catalog reads' translated names: the catalog cache's mechanism under keys of their own */
  i18nCache: CatalogCache;
  /** members' recently viewed products and search history, written by the activity-log processor */
  activity: ActivityService;
  /** popular products and keywords (stored, recalculated hourly and on demand) and price drops */
  rankings: RankingsService;
  /** today's picks, personalized and related products, repurchase reminders, admin slots */
  recommendations: RecommendationsService;
  /** car models, trims, options, lease offers and the new-car estimate with its taxes (car_tax_rates) */
  auto: AutoService;
  /** reverse auctions: members' wanted specs, sellers' bids, selection, and the deadline sweep */
  auctions: AuctionsService;
  close(): Promise<void>;
}

/** how late a process learns of a deal window another process added (its writes bump the cache versions at once) */
const DEAL_WINDOWS_REFRESH_MS = 5_000;

export interface ApiDepsOptions {
  /** per-family policy adjustments (tests shorten timeouts) */
  resilienceOverrides?: ResilienceRegistryOptions['overrides'];
}

export function createApiDeps(env: Env, logger: Logger, options: ApiDepsOptions = {}): ApiDeps {
  const database = createDatabase(env.DATABASE_URL, {
    max: env.DATABASE_POOL_MAX,
    applicationName: 'pbshop-api',
  });
  const catalogReads = createDatabase(env.DATABASE_URL, {
    max: env.DATABASE_READ_POOL_MAX,
    applicationName: 'pbshop-api-reads',
  });
  const db = database.db;
  // auto-pipelining: the commands of concurrent requests (rate limit, cache) share one write
  const redis = createRedis(env.REDIS_URL, 'producer', { enableAutoPipelining: true });
  const workerRedis = createRedis(env.REDIS_URL, 'worker');
  const subscriberRedis = createRedis(env.REDIS_URL, 'worker');
  const producers = new JobProducers(redis, bullPrefix(env.REDIS_KEY_PREFIX));
  const search = createSearchClient(env.OPENSEARCH_URL);
  const searchSync = searchSyncSignal(producers, logger);
  const mailer = createMailer(env, logger);
  const cache = catalogCache(redis, env.REDIS_KEY_PREFIX, logger);
  const helpCache = catalogCache(redis, `${env.REDIS_KEY_PREFIX}:help`, logger);
  const i18nCache = catalogCache(redis, `${env.REDIS_KEY_PREFIX}:i18n`, logger);
  const dealsCache = catalogCache(redis, `${env.REDIS_KEY_PREFIX}:deals`, logger);
  const pcBuildCache = catalogCache(redis, `${env.REDIS_KEY_PREFIX}:pc-builds`, logger);
  // searched community post lists (boardSearch)
  const communityCache = catalogCache(redis, `${env.REDIS_KEY_PREFIX}:community`, logger);
  const resilience = new ResilienceRegistry({
    service: 'api',
    logger,
    redis,
    subscriber: subscriberRedis,
    keyPrefix: env.REDIS_KEY_PREFIX,
    overrides: {
      ...options.resilienceOverrides,
      payment: { timeoutMs: env.PAYMENT_GATEWAY_TIMEOUT_MS, ...options.resilienceOverrides?.payment },
      'exchange-rates': {
        timeoutMs: env.EXCHANGE_RATE_TIMEOUT_MS,
        ...options.resilienceOverrides?.['exchange-rates'],
      },
    },
    autoTune: autoTuneFrom(env),
  });

  const tokensOfAccess = accessTokens(env);
  const passwords = passwordHasher(env);
  const users = usersService(db);
  const principals = principalCache({ redis, keyPrefix: env.REDIS_KEY_PREFIX, logger });
  const sessionTokens = tokenService(db, env, tokensOfAccess.sign);
  // every write that ends a member's sessions (block, withdrawal, password change) comes through
  // here after it committed: the member's cached principal goes with them
  const tokens: TokenService = {
    ...sessionTokens,
    async revokeAllOf(userId) {
      try {
        await sessionTokens.revokeAllOf(userId);
      } finally {
        await principals.revoke(userId);
      }
    },
  };
  const categories = categoriesService(db, searchSync);
  const sellers = sellersService(db);
  const productViews = productViewCounter(db, logger, searchSync);
  const postViews = postViewCounter(db, logger);
  const storage = storageFromEnv(env);
  const health = healthService({ env, database, redis, search, storage });
  const searchWeights = searchWeightsStore(db, logger);
  const popular = popularKeywords(redis, env.REDIS_KEY_PREFIX, {
    windowMinutes: env.SEARCH_POPULAR_WINDOW_MINUTES,
    refreshMs: env.SEARCH_POPULAR_REFRESH_MS,
    onFlushError: (error) => logger.warn({ err: error }, 'popular keyword counts not written; kept'),
  });
  const recent = recentKeywords(redis, env.REDIS_KEY_PREFIX);
  const settings = settingsService({ db, redis, keyPrefix: env.REDIS_KEY_PREFIX, logger });
  const uploads = uploadIntake({
    storage,
    redis,
    keyPrefix: env.REDIS_KEY_PREFIX,
    policy: () => settings.uploadPolicy(),
    quota: {
      filesPerHour: env.UPLOAD_QUOTA_FILES_PER_HOUR,
      bytesPerDay: env.UPLOAD_QUOTA_MB_PER_DAY * 1024 * 1024,
    },
  });
  const mediaFiles = mediaFilesService({
    db,
    storage,
    uploads,
    policy: () => settings.uploadPolicy(),
    prober: mediaProber({ ffprobeBin: ffprobeBeside(env.FFMPEG_BIN) }),
    publicBaseUrl: env.PUBLIC_BASE_URL,
    presignExpiresSeconds: env.MEDIA_PRESIGNED_EXPIRES_SECONDS,
    pendingTtlMinutes: env.MEDIA_PENDING_UPLOAD_TTL_MINUTES,
    logger,
  });
  const profileImages = profileImageStore(env.STORAGE_DIR, env.PUBLIC_BASE_URL);
  const shortformProber = mediaProber({ ffprobeBin: ffprobeBeside(env.FFMPEG_BIN) });
  const prices = pricesService(db, sellers, searchSync, catalogReads.db);
  const images = imagesService({ db, storage, uploads, publicBaseUrl: env.PUBLIC_BASE_URL, logger });
  const products = productsService(db, categories, searchSync, catalogReads.db);
  const cart = cartService({ db, redis, keyPrefix: env.REDIS_KEY_PREFIX, logger, cache });
  const addresses = addressesService(db);
  /** after a committed write that moved a member's badge metrics; never throws (the sweep catches up) */
  const memberMetricsMoved = async (userId: number) => {
    await badges.evaluateMember(userId, 'badge-evaluation');
  };
  /** an activity-log entry; failing to enqueue it must not fail the write it records */
  const logActivity = (entry: {
    userId: number;
    type: string;
    data: Record<string, unknown>;
    requestId: string;
  }) => {
    producers
      .enqueue('activity-log', { ...entry, occurredAt: new Date().toISOString() })
      .catch((error: unknown) => logger.warn({ err: error, type: entry.type }, 'activity not logged'));
  };
  const points = pointsService(db, { memberMetricsMoved });
  const rankings = rankingsService(db);
  const collectedOffers = crawlerOffers(
    db,
    prices,
    (productId) => cache.invalidateProduct(productId),
    searchSync,
  );
  const searchAdmin = searchAdminService({ env, logger, db, search, resilience, producers, searchSync });
  const queueAdmin = queueAdminService({ queues: producers.queues, redis, keyPrefix: env.REDIS_KEY_PREFIX });
  const resilienceAdmin = resilienceAdminService({ resilience, logger });
  const crawlerAdmin = crawlerAdminService({
    db,
    producers,
    logger,
    sellerExists: async (sellerId) => (await sellers.findById(sellerId)) !== undefined,
  });
  const observability = observabilityService({
    env,
    logger,
    redis,
    prometheus: apiPrometheus({
      resilience,
      // this process drains the search outbox when it runs worker-search's processors
      outbox: env.WORKERS === 'inline' ? database : undefined,
    }),
    sources: {
      queue: () => queueAdmin.stats(),
      resilience: resilienceOverview(resilienceFrom(resilience), resilienceAdmin),
      searchSync: () => searchAdmin.outboxSummary(),
      crawler: () => crawlerAdmin.monitoring(),
      // built below; read only when the dashboard is asked for
      opsSummary: () => opsDashboard.summary(),
    },
    partTimeoutMs: env.HEALTH_PROBE_TIMEOUT_MS,
  });
  const orderFailures = orderFailureLog({ redis, keyPrefix: env.REDIS_KEY_PREFIX, logger });
  const opsDashboard = opsDashboardService({
    env,
    logger,
    db,
    redis,
    orderFailures,
    health: () => health.report(),
    searchSync: () => searchAdmin.outboxSummary(),
    crawler: () => crawlerAdmin.monitoring(),
    queue: () => queueAdmin.stats(),
    requestMetrics: () => observability.metrics(),
    partTimeoutMs: env.OPS_DASHBOARD_PART_TIMEOUT_MS,
  });

  const deals = dealsService(db, catalogReads.db);
  const pcBuilder = pcBuilderService({ db, publicBaseUrl: env.PUBLIC_BASE_URL });
  const notifications = notificationsService({ db, sql: database.sql, logger });
  const orders = ordersService({
    db,
    deals,
    stock: offerStock(prices),
    points,
    cart,
    addresses,
    async publishStockChange(change) {
      await Promise.all([
        ...change.productIds.map((productId) => cache.invalidateProduct(productId)),
        cache.invalidateStock(change.stockMovedProductIds),
      ]);
      if (change.searchChanged) await searchSync.wake();
    },
    paymentTimeoutMinutes: env.ORDER_PAYMENT_TIMEOUT_MINUTES,
    observeLockHold: orderLockHold(observability.registry),
    memberMetricsMoved,
    notifyMember: (tx, userId, type, payload) => notifications.writeInTransaction(tx, userId, type, payload),
  });
  const payments = paymentsService({
    db,
    orders,
    gateway: paymentGateway({
      baseUrl: env.PAYMENT_GATEWAY_URL,
      secretKey: env.PAYMENT_GATEWAY_SECRET_KEY,
      resilience,
    }),
    gatewayPausedForMs: () => resilience.pausedForMs('payment'),
    logger,
    reconcileAfterMs: env.PAYMENT_RECONCILE_AFTER_MS,
  });

  const reviews = reviewsService({
    db,
    reads: catalogReads.db,
    points,
    removeImage: (imageId) => images.remove(imageId),
    imageFilesBase: images.fileUrl('images/'),
    logger,
    rewardPoints: async () => (await settings.reviewPolicy()).pointAmount,
    async publishProductChange(productId) {
      await cache.invalidateProduct(productId);
      await searchSync.wake();
    },
    memberMetricsMoved,
  });
  const wishlist = wishlistService(db);
  const push = pushService({
    db,
    producers,
    vapid:
      env.VAPID_PUBLIC_KEY && env.VAPID_PRIVATE_KEY
        ? { publicKey: env.VAPID_PUBLIC_KEY, privateKey: env.VAPID_PRIVATE_KEY, subject: env.VAPID_SUBJECT }
        : undefined,
    allowLoopbackHttp: env.PUSH_ALLOW_LOOPBACK_HTTP,
    memberIdsWishingAny: (productIds) => wishlist.memberIdsWishingAny(productIds),
    activeMemberIdsSince: (since) => sessionTokens.activeMemberIdsSince(since),
    logger,
  });
  // every stored notification (price alert, order status, chat while away) is also a Web Push
  notifications.setPushDelivery(async (stored) => {
    await push.deliverNotification(stored);
  });
  const badges = badgesService({
    db,
    metrics: {
      review_count: (userIds) => reviews.countReviewsForUsers(userIds),
      post_count: (userIds) => countPublishedPostsForUsers(db, userIds),
      order_count: (userIds) => orders.countConfirmedOrdersForUsers(userIds),
      point_total: (userIds) => points.countEarnedPointsForUsers(userIds),
    },
    logActivity: ({ userId, badgeId, badgeName, rarity, requestId }) =>
      logActivity({ userId, type: 'badge_granted', data: { badgeId, badgeName, rarity }, requestId }),
    logger,
  });

  return {
    env,
    logger,
    database,
    catalogReads,
    redis,
    workerRedis,
    subscriberRedis,
    producers,
    search,
    searchSync,
    resilience,
    mailer,
    cache,
    accessTokens: tokensOfAccess,
    idempotency: idempotencyKeys(db, logger, { leaseMs: env.IDEMPOTENCY_LEASE_MS }),
    passwords,
    users,
    profileImages,
    tokens,
    principals,
    auth: authService({
      db,
      users,
      passwords,
      tokens,
      mailer,
      env,
      logger,
      loggedIn: (userId) => badges.recordLogin(userId, 'login'),
    }),
    social: socialService({ db, env, redis, users, tokens, resilience, logger }),
    categories,
    sellers,
    prices,
    products,
    productViews,
    specs: specsService(db, categories, searchSync),
    alerts: alertsService(db),
    analytics: analyticsService(db),
    productQuery: productQueryService({
      db,
      reads: catalogReads.db,
      categorySubtreeIds: (id) => categories.selfAndDescendantIds(id),
    }),
    productSearch: searchService({
      client: search,
      indexPrefix: env.OPENSEARCH_INDEX_PREFIX,
      resilience,
      weights: searchWeights,
      fallback: searchFallback(db, categories),
      popular,
      recent,
      producers,
      logger,
    }),
    searchWeights,
    popularKeywords: popular,
    recentKeywords: recent,
    searchAdmin,
    health,
    resilienceAdmin,
    auditLog: adminAuditService(db, logger),
    queueAdmin,
    queueUiSessions: queueUiSessions(env),
    observability,
    opsDashboard,
    orderFailures,
    crawlerOffers: collectedOffers,
    fraudAlerts: fraudAlertsService(db, collectedOffers, prices),
    matching: matchingService(db, collectedOffers),
    crawlerAdmin,
    cart,
    addresses,
    points,
    orders,
    payments,
    wishlist,
    reviews,
    chat: chatService(db),
    notifications,
    friends: friendsService({
      db,
      profileImageUrl: (path) => profileImages.url(path),
      logActivity,
    }),
    badges,
    push,
    boards: boardsService(db, communityCache),
    posts: postsService({ db, reads: catalogReads.db, images, views: postViews, searches: communityCache }),
    postViews,
    comments: commentsService(db),
    inquiries: inquiriesService(db),
    storage,
    settings,
    uploads,
    images,
    mediaFiles,
    shortforms: shortformsService({
      db,
      storage,
      producers,
      probeVideo: (path) => shortformProber.probe('VIDEO', path),
      discardUploads: (files) => uploads.discard(files),
      urls: {
        shortformsBase: `${env.PUBLIC_BASE_URL.replace(/\/+$/, '')}/api/v1/shortforms`,
        profileImageUrl: (path) => profileImages.url(path),
      },
      logger,
    }),
    activity: activityService(db, (entry) =>
      producers.enqueue('activity-log', { ...entry, occurredAt: new Date().toISOString() }).then(
        () => true,
        (error: unknown) => {
          logger.warn({ err: error, type: entry.type }, 'activity not logged');
          return false;
        },
      ),
    ),
    rankings,
    recommendations: recommendationsService(db, rankings),
    help: helpService(db),
    helpCache,
    deals,
    dealWindows: dealWindows(deals, DEAL_WINDOWS_REFRESH_MS),
    dealsCache,
    compare: compareService({
      db,
      redis,
      keyPrefix: env.REDIS_KEY_PREFIX,
      guestTtlMs: GUEST_CART_TTL_MS,
      specs: specsService(db, categories, searchSync),
    }),
    trust: trustService({ db, sellers, trustScoreChanged: () => cache.invalidateSellers() }),
    pcBuilder,
    pcBuildCache,
    communityCache,
    usedMarket: usedMarketService({ db, pcBuilder }),
    news: newsService({ db, productSummaries: catalogProductSummaries(products) }),
    supportTickets: supportTicketsService({
      db,
      logger,
      mailer,
      memberEmail: async (userId) => (await users.findById(userId))?.email,
      ...ticketFiles(mediaFiles),
    }),
    i18n: i18nService({
      db,
      rateProvider: env.EXCHANGE_RATE_URL ? httpRateProvider(env.EXCHANGE_RATE_URL, resilience) : undefined,
      staleAfterMs: env.EXCHANGE_RATE_STALE_AFTER_MS,
      logger,
    }),
    i18nCache,
    auto: autoService(db),
    auctions: auctionsService({
      db,
      shopOf: (userId) => sellers.findByOwner(userId),
      notifyMember: (tx, userId, type, payload) =>
        notifications.writeInTransaction(tx, userId, type, payload),
    }),
    async close() {
      health.close();
      principals.close();
      // the last request counts go to Redis while it is still connected
      await observability.close();
      await resilience.close();
      await productViews.close();
      await postViews.close();
      await popular.close();
      // BullMQ waits for Redis to close its queues; an outage must not hold the shutdown up
      await Promise.race([
        producers.close().catch(() => {}),
        new Promise((resolve) => setTimeout(resolve, 2000).unref()),
      ]);
      await Promise.allSettled([
        database.close(),
        catalogReads.close(),
        search.close(),
        mailer.close(),
        cache.close(),
        helpCache.close(),
        i18nCache.close(),
        dealsCache.close(),
        pcBuildCache.close(),
        communityCache.close(),
        storage.close(),
      ]);
      for (const connection of [redis, workerRedis, subscriberRedis]) connection.disconnect();
    },
  };
}
