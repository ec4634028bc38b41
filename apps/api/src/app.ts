import { storageUrlSecret } from '@pbshop/storage';
import Fastify, { type FastifyRequest, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiDeps } from './deps.ts';
import { responseLocalization } from './http/response-localization.ts';
import { alertRoutes } from './modules/catalog/alerts/routes.ts';
import { analyticsRoutes } from './modules/catalog/analytics/routes.ts';
import { categoryRoutes } from './modules/catalog/categories/routes.ts';
import { priceRoutes } from './modules/catalog/prices/routes.ts';
import { productRoutes } from './modules/catalog/products/routes.ts';
import { queryRoutes } from './modules/catalog/query/routes.ts';
import { sellerRoutes } from './modules/catalog/sellers/routes.ts';
import { specRoutes } from './modules/catalog/specs/routes.ts';
import { addressRoutes } from './modules/commerce/addresses/routes.ts';
import { guestCartMergeAtLogin } from './modules/commerce/cart/login-merge.ts';
import { cartRoutes } from './modules/commerce/cart/routes.ts';
import { orderRoutes } from './modules/commerce/orders/routes.ts';
import { paymentRoutes } from './modules/commerce/payments/routes.ts';
import { pointRoutes } from './modules/commerce/points/routes.ts';
import { reviewRoutes } from './modules/commerce/reviews/routes.ts';
import { wishlistRoutes } from './modules/commerce/wishlist/routes.ts';
import { boardRoutes } from './modules/community/boards/routes.ts';
import { commentRoutes } from './modules/community/comments/routes.ts';
import { inquiryRoutes } from './modules/community/inquiries/routes.ts';
import { postRoutes } from './modules/community/posts/routes.ts';
import { crawlerAdminRoutes } from './modules/crawler/admin/routes.ts';
import { fraudAlertRoutes } from './modules/crawler/fraud/routes.ts';
import { matchingRoutes } from './modules/crawler/matching/routes.ts';
import { activityRoutes } from './modules/discovery/activity/routes.ts';
import { guestCompareMergeAtLogin } from './modules/discovery/compare/login-merge.ts';
import { compareRoutes } from './modules/discovery/compare/routes.ts';
import { dealRoutes } from './modules/discovery/deals/routes.ts';
import { i18nRoutes } from './modules/discovery/i18n/routes.ts';
import { rankingRoutes } from './modules/discovery/rankings/routes.ts';
import { recommendationRoutes } from './modules/discovery/recommendations/routes.ts';
import { trustRoutes } from './modules/discovery/trust/routes.ts';
import { authRoutes } from './modules/identity/auth/routes.ts';
import { socialRoutes } from './modules/identity/social/routes.ts';
import { profileImageMediaRoutes, userRoutes } from './modules/identity/users/routes.ts';
import { mediaRoutes, presignedObjectRoutes } from './modules/media/files/routes.ts';
import { imageRoutes } from './modules/media/images/routes.ts';
import { shortformRoutes } from './modules/media/shortforms/routes.ts';
import { auditLogRoutes } from './modules/ops/audit/routes.ts';
import type { RunAudited } from './modules/ops/audit/service.ts';
import { opsDashboardRoutes } from './modules/ops/dashboard/routes.ts';
import { errorRoutes } from './modules/ops/errors/routes.ts';
import { healthRoutes } from './modules/ops/health/routes.ts';
import { observabilityRoutes, prometheusRoutes } from './modules/ops/observability/routes.ts';
import { queueBoardRoutes } from './modules/ops/queues/board.ts';
import { queueAdminRoutes } from './modules/ops/queues/routes.ts';
import { resilienceRoutes } from './modules/ops/resilience/routes.ts';
import { settingsRoutes } from './modules/ops/settings/routes.ts';
import { chatGateway } from './modules/realtime/chat/gateway.ts';
import { chatRoutes } from './modules/realtime/chat/routes.ts';
import { notificationRoutes } from './modules/realtime/notifications/routes.ts';
import { pushRoutes } from './modules/realtime/push/routes.ts';
import { searchAdminRoutes } from './modules/search/admin/routes.ts';
import { searchRoutes } from './modules/search/search/routes.ts';
import { badgeRoutes } from './modules/social/badges/routes.ts';
import { friendRoutes } from './modules/social/friends/routes.ts';
import { helpRoutes } from './modules/support/help/routes.ts';
import { newsRoutes } from './modules/support/news/routes.ts';
import { ticketRoutes } from './modules/support/tickets/routes.ts';
import { auctionRoutes } from './modules/verticals/auctions/routes.ts';
import { autoRoutes } from './modules/verticals/auto/routes.ts';
import { pcBuilderRoutes } from './modules/verticals/pc-builder/routes.ts';
import { usedMarketRoutes } from './modules/verticals/used-market/routes.ts';
import { accessControl } from './plugins/access.ts';
import { docs } from './plugins/docs.ts';
import { errorHandling, sendError } from './plugins/errors.ts';
import { jsonBody } from './plugins/json-body.ts';
import { observability } from './plugins/observability.ts';
import { requestContext, requestIdFrom } from './plugins/request-context.ts';
import { memberWriteRateLimit, security } from './plugins/security.ts';
import { wellFormedText } from './plugins/well-formed-text.ts';
import { createSocketServer } from './realtime/socket-server.ts';

/**
 * The whole HTTP API as one Fastify instance; main.ts listens on it, tests `inject` into it.
 * Layers: external plugins (security, docs), our own (errors, access control), then the modules.
 */
/** The login hooks in turn (each one catches its own failures: none fails the login). */
function afterLogin(...hooks: ((request: FastifyRequest, accessToken: string) => Promise<void>)[]) {
  return async (request: FastifyRequest, accessToken: string) => {
    for (const hook of hooks) await hook(request, accessToken);
  };
}

export async function buildApp(deps: ApiDeps) {
  const app = Fastify({
    loggerInstance: deps.logger,
    genReqId: (request) => requestIdFrom(request.headers['x-request-id']),
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    bodyLimit: 1024 * 1024,
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    // errors Fastify raises before routing (an over-long path parameter, a bad URL) use our envelope too
    frameworkErrors: (error, request, reply) => {
      request.log.info({ err: error }, 'request refused before routing');
      void sendError(request, reply, 'VALIDATION_ERROR', { reason: error.message.slice(0, 200) });
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(requestContext);
  // first, so every answer is counted: guards' refusals, rate limits, 404s and thrown errors too
  if (deps.observability.enabled) await app.register(observability, { observe: deps.observability.observe });
  await app.register(security, { env: deps.env, redis: deps.redis });
  await app.register(errorHandling);
  await app.register(jsonBody);
  await app.register(wellFormedText);
  await app.register(docs);
  // routes registered from here on must declare their access
  await app.register(accessControl, {
    tokens: deps.accessTokens,
    principal: deps.principals.cached((id, tokenVersion) => deps.users.principal(id, tokenVersion)),
  });
  // X-Currency and Accept-Language on the routes registered from here on (money fields, catalog names)
  app.addHook(
    'onRoute',
    responseLocalization({
      rateFromWon: (currency) => deps.i18n.rateFromWon(currency),
      names: async (language, ids) =>
        JSON.parse(
          (
            await deps.i18nCache.list(
              { area: 'names', language, ...ids },
              () => deps.i18n.names(language, ids),
              JSON.stringify,
            )
          ).toString(),
        ),
    }),
  );

  const { env, cache } = deps;
  // Socket.IO (namespace /chat) on the same HTTP server: the chat's events and live notifications
  const sockets = createSocketServer({
    httpServer: app.server,
    redisUrl: env.REDIS_URL,
    keyPrefix: env.REDIS_KEY_PREFIX,
    corsOrigins: env.CORS_ORIGINS,
    tokens: deps.accessTokens,
    principal: deps.principals.cached((id, tokenVersion) => deps.users.principal(id, tokenVersion)),
    freshPrincipal: (id, tokenVersion) => deps.users.principal(id, tokenVersion),
    logger: deps.logger,
  });
  const chatEvents = chatGateway({
    chat: deps.chat,
    notifications: deps.notifications,
    namespace: sockets.chat,
    logger: deps.logger,
  });
  void deps.notifications.listen();
  // live sockets would hold the HTTP server open: dropped before it closes (clients reconnect elsewhere)
  app.addHook('preClose', (done) => {
    sockets.disconnectAll();
    done();
  });
  app.addHook('onClose', async () => {
    await deps.notifications.close();
    await sockets.close();
  });
  // load balancers probe /health at the root; clients use the versioned base
  await app.register(healthRoutes({ health: deps.health }));
  // Prometheus scrapes /metrics at the root, with METRICS_TOKEN
  await app.register(prometheusRoutes({ observability: deps.observability, token: env.METRICS_TOKEN }));
  // stored profile images: PUBLIC_BASE_URL/media/profile-images/...
  await app.register(
    profileImageMediaRoutes({
      profileImages: deps.profileImages,
      rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    }),
  );
  // the queue UI (bull-board), beside /docs: ADMIN only, by bearer token or its session cookie
  await app.register(
    queueBoardRoutes({
      queues: Object.values(deps.producers.queues),
      redis: deps.redis,
      queueUiSessions: deps.queueUiSessions,
      signAccessToken: deps.accessTokens.sign,
      audit: (action, work, summarize) => deps.auditLog.run(action, work, summarize),
      rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    }),
  );
  await app.register(
    async (v1) => {
      await v1.register(healthRoutes({ health: deps.health }));
      await v1.register(errorRoutes);
      await v1.register(
        i18nRoutes({
          i18n: deps.i18n,
          cache: deps.i18nCache,
          audit: (action, work, summarize) => deps.auditLog.run(action, work, summarize),
        }),
      );
      await v1.register(
        authRoutes({
          auth: deps.auth,
          env,
          afterLogin: afterLogin(
            guestCartMergeAtLogin({ cart: deps.cart, accessTokens: deps.accessTokens }),
            guestCompareMergeAtLogin({ compare: deps.compare, accessTokens: deps.accessTokens }),
          ),
        }),
      );
      await v1.register(socialRoutes({ social: deps.social, env }));
      await v1.register(
        userRoutes({
          users: deps.users,
          profileImages: deps.profileImages,
          revokeSessions: (userId) => deps.tokens.revokeAllOf(userId),
          heldBadges: (userIds) => deps.badges.heldBy(userIds),
        }),
      );
      await v1.register(friendRoutes({ friends: deps.friends }));
      await v1.register(chatRoutes({ chat: deps.chat, delivered: chatEvents.delivered }));
      await v1.register(notificationRoutes({ notifications: deps.notifications }));
      await v1.register(
        badgeRoutes({
          badges: deps.badges,
          audit: (action, work, summarize) => deps.auditLog.run(action, work, summarize),
        }),
      );
      await v1.register(compareRoutes({ compare: deps.compare }));
      await v1.register(
        trustRoutes({
          trust: deps.trust,
          audit: (action, work, summarize) => deps.auditLog.run(action, work, summarize),
        }),
      );
      await v1.register(
        pcBuilderRoutes({
          pcBuilder: deps.pcBuilder,
          cache: deps.pcBuildCache,
          audit: (action, work, summarize) => deps.auditLog.run(action, work, summarize),
        }),
      );
      await v1.register(usedMarketRoutes({ usedMarket: deps.usedMarket }));
      await v1.register(
        pushRoutes({
          push: deps.push,
          audit: (action, work, summarize) => deps.auditLog.run(action, work, summarize),
        }),
      );
      await v1.register(
        productRoutes({
          products: deps.products,
          productViews: deps.productViews,
          memberViewed: (userId, productId, requestId) => deps.activity.viewed(userId, productId, requestId),
          cache,
          uploadImage: (request, uploaderId, checkFields) =>
            deps.images.uploadForUrl(request, uploaderId, 'product', checkFields),
          discardImage: (imageId) => deps.images.remove(imageId),
        }),
      );
      await v1.register(
        priceRoutes({
          prices: deps.prices,
          cache,
          dealBoundary: (productId) => deps.dealWindows.nextBoundaryOf(productId),
        }),
      );
      await v1.register(
        dealRoutes({
          deals: deps.deals,
          windows: deps.dealWindows,
          cache: deps.dealsCache,
          invalidateProducts: async (productIds) => {
            await Promise.all(productIds.map((productId) => cache.invalidateProduct(productId)));
          },
          audit: (action, work, summarize) => deps.auditLog.run(action, work, summarize),
        }),
      );
      await v1.register(alertRoutes({ alerts: deps.alerts }));
      await v1.register(
        paymentRoutes({
          payments: deps.payments,
          idempotency: deps.idempotency,
          audit: (action, work, summarize) => deps.auditLog.run(action, work, summarize),
        }),
      );
      await v1.register(
        orderRoutes({
          orders: deps.orders,
          idempotentPlace: deps.idempotency.route('POST /orders'),
          audit: (action, work, summarize) => deps.auditLog.run(action, work, summarize),
          recordFailure: (route) => deps.orderFailures.record(route),
        }),
      );
      await v1.register(
        pointRoutes({
          points: deps.points,
          audit: (action, work, summarize) => deps.auditLog.run(action, work, summarize),
        }),
      );
      await v1.register(categoryRoutes({ categories: deps.categories, cache }));
      await v1.register(
        sellerRoutes({
          sellers: deps.sellers,
          findMember: (id) => deps.users.findById(id),
          withdrawSeller: (sellerId) => deps.prices.withdrawSeller(sellerId),
          cache,
        }),
      );
      await v1.register(
        specRoutes({
          specs: deps.specs,
          cache,
          specValuesChanged: () => deps.pcBuildCache.invalidateCategories(),
        }),
      );
      await v1.register(analyticsRoutes({ analytics: deps.analytics }));
      await v1.register(
        queryRoutes({
          productQuery: deps.productQuery,
          audit: (action, work, summarize) => deps.auditLog.run(action, work, summarize),
        }),
      );
      await v1.register(searchAdminRoutes({ searchAdmin: deps.searchAdmin }));
      await v1.register(
        resilienceRoutes({
          resilienceAdmin: deps.resilienceAdmin,
          audit: (action, work, summarize) => deps.auditLog.run(action, work, summarize),
        }),
      );
      await v1.register(
        queueAdminRoutes({
          queueAdmin: deps.queueAdmin,
          audit: (action, work, summarize) => deps.auditLog.run(action, work, summarize),
          queueUiSessions: deps.queueUiSessions,
        }),
      );
      await v1.register(auditLogRoutes({ auditLog: deps.auditLog }));
      await v1.register(crawlerAdminRoutes({ crawlerAdmin: deps.crawlerAdmin }));
      await v1.register(
        fraudAlertRoutes({
          fraudAlerts: deps.fraudAlerts,
          audit: (action, work, summarize) => deps.auditLog.run(action, work, summarize),
        }),
      );
      await v1.register(matchingRoutes({ matching: deps.matching }));
      await v1.register(cartRoutes({ cart: deps.cart }));
      await v1.register(addressRoutes({ addresses: deps.addresses }));
      await v1.register(wishlistRoutes({ wishlist: deps.wishlist }));
      await v1.register(
        imageRoutes({
          images: deps.images,
          storage: deps.storage,
          audit: (action, work, summarize) => deps.auditLog.run(action, work, summarize),
        }),
      );
      await v1.register(
        mediaRoutes({
          mediaFiles: deps.mediaFiles,
          uploads: deps.uploads,
          storage: deps.storage,
          maxFiles: env.MEDIA_UPLOAD_MAX_FILES,
          rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
        }),
      );
      // the local driver's pre-signed URLs point here (S3's point at S3)
      if (deps.storage.driver === 'local') {
        await v1.register(
          presignedObjectRoutes({
            mediaFiles: deps.mediaFiles,
            storage: deps.storage,
            urlSecret: storageUrlSecret(env),
          }),
        );
      }
      await v1.register(
        settingsRoutes({
          settings: deps.settings,
          audit: (action, work, summarize) => deps.auditLog.run(action, work, summarize),
        }),
      );
      await v1.register(
        shortformRoutes({
          shortforms: deps.shortforms,
          uploads: deps.uploads,
          storage: deps.storage,
          rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
        }),
      );
      await v1.register(
        reviewRoutes({
          reviews: deps.reviews,
          maxImageCount: async () => (await deps.settings.reviewPolicy()).maxImageCount,
          audit: (action, work, summarize) => deps.auditLog.run(action, work, summarize),
        }),
      );
      {
        const audit: RunAudited = (action, work, summarize) => deps.auditLog.run(action, work, summarize);
        const writeLimit = memberWriteRateLimit(env);
        await v1.register(boardRoutes({ boards: deps.boards, audit }));
        await v1.register(
          postRoutes({ posts: deps.posts, searches: deps.communityCache, audit, writeLimit }),
        );
        await v1.register(commentRoutes({ comments: deps.comments, audit, writeLimit }));
        await v1.register(inquiryRoutes({ inquiries: deps.inquiries, audit, writeLimit }));
      }
      await v1.register(observabilityRoutes({ observability: deps.observability }));
      await v1.register(opsDashboardRoutes({ opsDashboard: deps.opsDashboard }));
      await v1.register(
        searchRoutes({
          productSearch: deps.productSearch,
          searchWeights: deps.searchWeights,
          popularKeywords: deps.popularKeywords,
          recentKeywords: deps.recentKeywords,
          logger: deps.logger,
        }),
      );
      await v1.register(
        helpRoutes({
          help: deps.help,
          cache: deps.helpCache,
          audit: (action, work, summarize) => deps.auditLog.run(action, work, summarize),
        }),
      );
      await v1.register(
        newsRoutes({
          news: deps.news,
          audit: (action, work, summarize) => deps.auditLog.run(action, work, summarize),
        }),
      );
      await v1.register(
        ticketRoutes({
          tickets: deps.supportTickets,
          uploads: deps.uploads,
          stripImage: (storageKey) => deps.images.stripStoredImage(storageKey),
          audit: (action, work, summarize) => deps.auditLog.run(action, work, summarize),
          writeLimit: memberWriteRateLimit(env),
        }),
      );
      await v1.register(activityRoutes({ activity: deps.activity }));
      await v1.register(autoRoutes({ auto: deps.auto }));
      await v1.register(auctionRoutes({ auctions: deps.auctions, writeLimit: memberWriteRateLimit(env) }));
      await v1.register(
        rankingRoutes({
          rankings: deps.rankings,
          cache,
          audit: (action, work, summarize) => deps.auditLog.run(action, work, summarize),
        }),
      );
      await v1.register(
        recommendationRoutes({
          recommendations: deps.recommendations,
          cache,
          audit: (action, work, summarize) => deps.auditLog.run(action, work, summarize),
        }),
      );
    },
    { prefix: '/api/v1' },
  );
  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
