import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';
import { richText } from '../../../http/text.ts';

export const sellerIdParams = z.object({ id: entityIdText });
export const storefrontSellerParams = z.object({ sellerId: entityIdText });
export const sellerReviewIdParams = z.object({ id: entityIdText });

export const grades = ['A+', 'A', 'B+', 'B', 'C', 'D', 'F'] as const;
export const trends = ['IMPROVING', 'STABLE', 'DECLINING'] as const;

/** What a score is computed from (TRUST-01): the contract's breakdown. */
export const trustBreakdown = z.object({
  /** 0-100, from the reviews' delivery ratings (null: no review yet) */
  deliveryScore: z.number().nullable(),
  /** 0-100, the share of the seller's collected prices not held back as anomalous */
  priceAccuracy: z.number().nullable(),
  /** % of the seller's paid orders returned or asked to be returned */
  returnRate: z.number().nullable(),
  /** hours, on average, the seller's owner took to answer product Q&A (null: no answer yet) */
  responseTime: z.number().nullable(),
  /** 0-100, from the reviews' ratings */
  reviewScore: z.number().nullable(),
  /** paid (or later) orders with the seller's offers */
  orderCount: z.number().int(),
  /** % of the seller's paid orders cancelled and refunded */
  disputeRate: z.number().nullable(),
});
export type TrustBreakdown = z.infer<typeof trustBreakdown>;

export const trustDetail = z.object({
  sellerId: entityId,
  sellerName: z.string(),
  overallScore: z.number().int(),
  grade: z.enum(grades),
  breakdown: trustBreakdown,
  trend: z.enum(trends),
  lastUpdatedAt: z.string(),
});
export type TrustDetail = z.infer<typeof trustDetail>;

/** The storefront's `TrustCurrentScore`. */
export const trustCurrentScore = z.object({
  sellerId: entityId,
  sellerName: z.string(),
  trustScore: z.number().int(),
  trustGrade: z.enum(grades),
  updatedAt: z.string(),
});

/** The storefront's `TrustHistoryItem`: its metric names, 0-100 each (return rate in %). */
export const trustHistoryItem = z.object({
  id: entityId,
  sellerId: entityId,
  metrics: z.object({
    deliveryAccuracy: z.number().nullable(),
    priceAccuracy: z.number().nullable(),
    customerRating: z.number().nullable(),
    responseSpeed: z.number().nullable(),
    returnRate: z.number().nullable(),
  }),
  breakdown: trustBreakdown,
  trustScore: z.number().int(),
  trustGrade: z.enum(grades),
  createdAt: z.string(),
});
export type TrustHistoryItem = z.infer<typeof trustHistoryItem>;

export const trustHistoryQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });

/**
 * The storefront's recalculate body: metrics typed in by hand. They are checked and not used — the
 * score is always computed from the data (a typed-in one would be overwritten by the next sweep).
 */
const metric = z.number().min(0).max(100);
export const recalculateBody = z
  .object({
    deliveryAccuracy: metric,
    priceAccuracy: metric,
    customerRating: metric,
    responseSpeed: metric,
    returnRate: metric,
  })
  .partial()
  .optional();

export const recalculateResult = trustCurrentScore.extend({ history: trustHistoryItem });

const rating = z.number().int().min(1).max(5);
export const createSellerReviewBody = z.object({
  orderId: entityId,
  rating,
  deliveryRating: rating,
  content: richText(2000),
});
export type CreateSellerReviewBody = z.infer<typeof createSellerReviewBody>;

export const updateSellerReviewBody = z
  .object({ rating, deliveryRating: rating, content: richText(2000) })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'nothing to change');
export type UpdateSellerReviewBody = z.infer<typeof updateSellerReviewBody>;

export const sellerReviewQuery = pageQuery.extend({
  sort: z.enum(['newest', 'rating_high', 'rating_low']).default('newest'),
});
export type SellerReviewQuery = z.infer<typeof sellerReviewQuery>;

export const sellerReview = z.object({
  id: entityId,
  sellerId: entityId,
  orderId: entityId,
  user: z.object({ id: entityId, nickname: z.string().nullable() }),
  rating: z.number().int(),
  deliveryRating: z.number().int(),
  content: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SellerReview = z.infer<typeof sellerReview>;
