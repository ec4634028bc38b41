import { AppError } from '@pbshop/errors';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  envelope,
  errorResponses,
  messageBody,
  ok,
  pagedEnvelope,
  pagedJson,
  sendJson,
} from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import { auditedWhenAdmin, type RunAudited } from '../../ops/audit/service.ts';
import {
  bestMarkBody,
  productReviewParams,
  review,
  reviewBodies,
  reviewIdParams,
  reviewListQuery,
} from './schemas.ts';
import type { AuthorNames, ReviewsService } from './service.ts';

const say = localizedMessages({
  deleted: {
    ko: '리뷰가 삭제되었습니다.',
    en: 'The review has been deleted.',
    ja: 'レビューを削除しました。',
  },
  withdrawnMember: { ko: '탈퇴한 회원', en: 'Former member', ja: '退会した会員' },
  unnamedMember: { ko: '구매자', en: 'Buyer', ja: '購入者' },
});

/** The placeholder nicknames in the request's language. */
const authorNames = (request: FastifyRequest): AuthorNames => ({
  withdrawn: say(request, 'withdrawnMember'),
  unnamed: say(request, 'unnamedMember'),
});

const errors = errorResponses(400, 401, 403, 404);

export interface ReviewRoutesDeps {
  reviews: ReviewsService;
  /** the review policy's most images on one review (admin settings, read per write) */
  maxImageCount(): Promise<number>;
  audit: RunAudited;
}

/** Product reviews (API §12, REV-01..08): purchase-confirmed items only, one review per order item. */
export function reviewRoutes({ reviews, maxImageCount, audit }: ReviewRoutesDeps): FastifyPluginAsync {
  const bodies = reviewBodies();
  /** 400 for more images than the review policy allows now (it changes without a restart). */
  const checkImageCount = async (body: { imageUrls?: readonly string[]; imageIds?: readonly number[] }) => {
    if (!body.imageUrls && !body.imageIds) return;
    const most = await maxImageCount();
    if ((body.imageUrls?.length ?? 0) + (body.imageIds?.length ?? 0) > most) {
      throw new AppError('VALIDATION_ERROR', {
        details: [{ field: body.imageIds ? 'imageIds' : 'imageUrls', message: `at most ${most} images` }],
      });
    }
  };
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['reviews'];

    routes.get(
      '/products/:id/reviews',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary:
            "A product's reviews, sorted NEWEST (default), RATING_DESC, RATING_ASC or BEST (best reviews first), newest first within each; optionally of one rating. The count stops past 1,000 (meta.totalCountCapped)",
          params: productReviewParams,
          querystring: reviewListQuery,
          response: { 200: pagedEnvelope(review), ...errorResponses(400, 404) },
        },
      },
      async (request, reply) => {
        const { query } = request;
        const { pageJson, totalCount, totalCountCapped } = await reviews.list(
          request.params.id,
          query,
          authorNames(request),
        );
        return sendJson(
          reply,
          pagedJson(pageJson, { page: query.page, limit: query.limit, totalCount, totalCountCapped }),
        );
      },
    );

    routes.post(
      '/products/:id/reviews',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            "Review a product of my purchase-confirmed (CONFIRMED) order, one review per order item; earns the review policy pointAmount (admin settings; 500 P by default). Images: imageIds of images I uploaded through POST /images/upload (400 ATTACHMENT_NOT_ALLOWED for anyone else's) and/or imageUrls. 404 ORDER_NOT_FOUND for an order not mine, 403 REVIEW_NOT_ALLOWED for one not confirmed or without the product, 409 REVIEW_ALREADY_EXISTS",
          params: productReviewParams,
          body: bodies.create,
          response: { 201: envelope(review), ...errors, ...errorResponses(409) },
        },
      },
      async (request, reply) => {
        await checkImageCount(request.body);
        const created = await reviews.create(
          member(request).id,
          request.params.id,
          request.body,
          authorNames(request),
        );
        return reply.code(201).send(ok(created));
      },
    );

    routes.patch(
      '/reviews/:id',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            "Edit my review: rating, content, tags, images; a new rating moves the product's average. REVIEW_NOT_FOUND for anyone else's",
          params: reviewIdParams,
          body: bodies.update,
          response: { 200: envelope(review), ...errors },
        },
      },
      async (request) => {
        await checkImageCount(request.body);
        return ok(
          await reviews.update(member(request).id, request.params.id, request.body, authorNames(request)),
        );
      },
    );

    routes.delete(
      '/reviews/:id',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            "Delete my review, or any as an ADMIN (audited): the product's count and average follow, what is left unspent of the review's reward is taken back, and the images uploaded for it (imageIds) are deleted",
          params: reviewIdParams,
          response: { 200: messageBody, ...errors },
        },
      },
      async (request) => {
        const deleter = member(request);
        const { id } = request.params;
        await auditedWhenAdmin(
          audit,
          deleter,
          { action: 'review.delete', target: String(id), requestId: request.id },
          () => reviews.remove(deleter, id),
          (removed) => removed,
        );
        return ok({ message: say(request, 'deleted') });
      },
    );

    routes.patch(
      '/admin/reviews/:id/best',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: 'Mark a review as a best review, or unmark it; audited',
          params: reviewIdParams,
          body: bestMarkBody,
          response: { 200: envelope(review), ...errors },
        },
      },
      async (request) => {
        const { id } = request.params;
        const { isBest } = request.body;
        const marked = await audit(
          {
            actorId: member(request).id,
            action: 'review.best.mark',
            target: String(id),
            requestId: request.id,
            request: { isBest },
          },
          () => reviews.markBest(id, isBest, authorNames(request)),
          (result) => ({ productId: result.productId, isBest: result.isBest }),
        );
        return ok(marked);
      },
    );
  };
}
