import { storageUrlSecret } from '@pbshop/storage';
import Fastify, { LogController } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiDeps } from './deps.ts';
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
import { crawlerAdminRoutes } from './modules/crawler/admin/routes.ts';
import { fraudAlertRoutes } from './modules/crawler/fraud/routes.ts';
import { matchingRoutes } from './modules/crawler/matching/routes.ts';
import { authRoutes } from './modules/identity/auth/routes.ts';
import { socialRoutes } from './modules/identity/social/routes.ts';
import { profileImageMediaRoutes, userRoutes } from './modules/identity/users/routes.ts';
import { mediaRoutes, presignedObjectRoutes } from './modules/media/files/routes.ts';
import { imageRoutes } from './modules/media/images/routes.ts';
import { shortformRoutes } from './modules/media/shortforms/routes.ts';
import { auditLogRoutes } from './modules/ops/audit/routes.ts';
import { opsDashboardRoutes } from './modules/ops/dashboard/routes.ts';
import { errorRoutes } from './modules/ops/errors/routes.ts';
import { healthRoutes } from './modules/ops/health/routes.ts';
import { observabilityRoutes, prometheusRoutes } from './modules/ops/observability/routes.ts';
import { queueBoardRoutes } from './modules/ops/queues/board.ts';
import { queueAdminRoutes } from './modules/ops/queues/routes.ts';
import { resilienceRoutes } from './modules/ops/resilience/routes.ts';
import { settingsRoutes } from './modules/ops/settings/routes.ts';
import { searchAdminRoutes } from './modules/search/admin/routes.ts';
import { searchRoutes } from './modules/search/search/routes.ts';
import { accessControl } from './plugins/access.ts';
import { docs } from './plugins/docs.ts';
import { errorHandling, sendError } from './plugins/errors.ts';
import { jsonBody } from './plugins/json-body.ts';
import { observability } from './plugins/observability.ts';
import { requestContext, requestIdFrom } from './plugins/request-context.ts';
import { security } from './plugins/security.ts';
import { wellFormedText } from './plugins/well-formed-text.ts';

/**
 * The whole HTTP API as one Fastify instance; main.ts listens on it, tests `inject` into it.
 * Layers: external plugins (security, docs), our own (errors, access control), then the modules.
 */
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
    principal: (id, tokenVersion) => deps.users.principal(id, tokenVersion),
  });

  const { env, cache } = deps;
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
        authRoutes({
          auth: deps.auth,
          env,
          afterLogin: guestCartMergeAtLogin({ cart: deps.cart, accessTokens: deps.accessTokens }),
        }),
      );
      await v1.register(socialRoutes({ social: deps.social, env }));
      await v1.register(
        userRoutes({
          users: deps.users,
          profileImages: deps.profileImages,
          revokeSessions: (userId) => deps.tokens.revokeAllOf(userId),
        }),
      );
      await v1.register(
        productRoutes({
          products: deps.products,
          productViews: deps.productViews,
          cache,
          uploadImage: (request, uploaderId, checkFields) =>
            deps.images.uploadForUrl(request, uploaderId, 'product', checkFields),
          discardImage: (imageId) => deps.images.remove(imageId),
        }),
      );
      await v1.register(priceRoutes({ prices: deps.prices, cache }));
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
      await v1.register(specRoutes({ specs: deps.specs, cache }));
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
    },
    { prefix: '/api/v1' },
  );
  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
