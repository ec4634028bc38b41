import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope, errorResponses, messageBody, ok, page, pagedEnvelope } from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import { type AdminAuditService, auditedWhenAdmin } from '../../ops/audit/service.ts';
import {
  createSellerReviewBody,
  recalculateBody,
  recalculateResult,
  sellerIdParams,
  sellerReview,
  sellerReviewIdParams,
  sellerReviewQuery,
  storefrontSellerParams,
  trustCurrentScore,
  trustDetail,
  trustHistoryItem,
  trustHistoryQuery,
  updateSellerReviewBody,
} from './schemas.ts';
import type { TrustService } from './service.ts';

const say = localizedMessages({
  deleted: {
    ko: '판매자 리뷰가 삭제되었습니다.',
    en: 'The seller review has been deleted.',
    ja: '販売者レビューを削除しました。',
  },
});

const readErrors = errorResponses(400, 404);
const writeErrors = errorResponses(400, 401, 403, 404, 409);

/**
 * Seller trust (API §29, TRUST-01..05) at the contract's paths (`/sellers/:id/trust`,
 * `/sellers/:id/reviews`, `/seller-reviews/:id`) and the storefront's (`/trust/sellers/:sellerId…`).
 */
export function trustRoutes({
  trust,
  audit,
}: {
  trust: TrustService;
  audit: AdminAuditService['run'];
}): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['trust'];
    const publicRoute = { access: 'public' as const };

    routes.get(
      '/sellers/:id/trust',
      {
        config: publicRoute,
        schema: {
          tags,
          summary: 'A seller trust score: breakdown, grade A+..F, trend from the last scores (TRUST-01)',
          params: sellerIdParams,
          response: { 200: envelope(trustDetail), ...readErrors },
        },
      },
      async (request) => ok(await trust.detail(request.params.id)),
    );

    routes.get(
      '/trust/sellers/:sellerId',
      {
        config: publicRoute,
        schema: {
          tags,
          summary: 'A seller current trust score and grade (the storefront shape)',
          params: storefrontSellerParams,
          response: { 200: envelope(trustCurrentScore), ...readErrors },
        },
      },
      async (request) => ok(await trust.currentScore(request.params.sellerId)),
    );

    routes.get(
      '/trust/sellers/:sellerId/history',
      {
        config: publicRoute,
        schema: {
          tags,
          summary: 'A seller computed trust scores, newest first',
          params: storefrontSellerParams,
          querystring: trustHistoryQuery,
          response: { 200: envelope(z.array(trustHistoryItem)), ...readErrors },
        },
      },
      async (request) => ok(await trust.history(request.params.sellerId, request.query.limit)),
    );

    routes.post(
      '/trust/admin/sellers/:sellerId/recalculate',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary:
            'Recompute a seller trust score from the data now (metrics in the body are checked, not used: the score is always the data)',
          params: storefrontSellerParams,
          body: recalculateBody,
          response: { 200: envelope(recalculateResult), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) =>
        ok(
          await audit(
            {
              actorId: member(request).id,
              action: 'trust.recalculate',
              target: `seller/${request.params.sellerId}`,
              requestId: request.id,
            },
            () => trust.recalculate(request.params.sellerId),
            (result) => ({ trustScore: result.trustScore }),
          ),
        ),
    );

    routes.get(
      '/sellers/:id/reviews',
      {
        config: publicRoute,
        schema: {
          tags,
          summary: 'A seller reviews (TRUST-02)',
          params: sellerIdParams,
          querystring: sellerReviewQuery,
          response: { 200: pagedEnvelope(sellerReview), ...readErrors },
        },
      },
      async (request) => {
        const { items, totalCount } = await trust.reviews(request.params.id, request.query);
        return page(items, { page: request.query.page, limit: request.query.limit, totalCount });
      },
    );

    routes.post(
      '/sellers/:id/reviews',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            'Review a seller for one of my paid orders with its offer, once per order (TRUST-03); the score follows',
          params: sellerIdParams,
          body: createSellerReviewBody,
          response: { 201: envelope(sellerReview), ...writeErrors },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(ok(await trust.createReview(member(request).id, request.params.id, request.body))),
    );

    routes.patch(
      '/seller-reviews/:id',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Edit my seller review (TRUST-04)',
          params: sellerReviewIdParams,
          body: updateSellerReviewBody,
          response: { 200: envelope(sellerReview), ...writeErrors },
        },
      },
      async (request) => ok(await trust.updateReview(member(request).id, request.params.id, request.body)),
    );

    routes.delete(
      '/seller-reviews/:id',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Delete my seller review, or any as an ADMIN (audited) (TRUST-05)',
          params: sellerReviewIdParams,
          response: { 200: messageBody, ...writeErrors },
        },
      },
      async (request) => {
        const principal = member(request);
        await auditedWhenAdmin(
          audit,
          principal,
          {
            action: 'seller-review.delete',
            target: `seller-review/${request.params.id}`,
            requestId: request.id,
          },
          () => trust.deleteReview(principal, request.params.id),
        );
        return ok({ message: say(request, 'deleted') });
      },
    );
  };
}
