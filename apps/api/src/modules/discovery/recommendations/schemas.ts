import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { textLine } from '../../../http/text.ts';

export const limitQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) });
export const productIdParams = z.object({ id: entityIdText });
export const slotIdParams = z.object({ id: entityIdText });

/**
 * A recommended product: the contract's ProductSummary (`id`, `brand`, `sellerCount`, `createdAt`…)
 * and the storefront's RecommendationItem (`rank`, `productId`, `salesCount`, `popularityScore`…)
 * in one object, with why it is there.
 */
export const recommendedProduct = z.object({
  rank: z.number().int(),
  id: entityId,
  productId: entityId,
  name: z.string(),
  brand: z.string().nullable(),
  categoryId: entityId.nullable(),
  thumbnailUrl: z.string().nullable(),
  lowestPrice: z.number().int().nullable(),
  sellerCount: z.number().int(),
  averageRating: z.number(),
  reviewCount: z.number().int(),
  salesCount: z.number().int(),
  popularityScore: z.number(),
  createdAt: z.string(),
  reason: z
    .enum(['SLOT', 'RANKING', 'POPULAR', 'CO_VIEWED', 'SAME_CATEGORY', 'REPURCHASE'])
    .describe('where the product came from'),
});
export type RecommendedProduct = z.infer<typeof recommendedProduct>;
export type RecommendationReason = RecommendedProduct['reason'];

/** The storefront's RecommendationResult: an object with the method that answered. */
export const recommendationResult = z.object({ source: z.string(), items: z.array(recommendedProduct) });

export const repurchaseReminder = recommendedProduct.extend({
  lastPurchasedAt: z.string(),
  typicalIntervalDays: z.number(),
});
export type RepurchaseReminder = z.infer<typeof repurchaseReminder>;

export const createSlotBody = z
  .object({
    productId: entityId,
    placement: z
      .string()
      .trim()
      .min(1)
      .max(40)
      .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
      .transform((value) => value.toUpperCase())
      .default('TODAY'),
    position: z.number().int().min(0).max(10_000).default(0),
    reason: textLine(200).nullish(),
    startsAt: z.iso.datetime({ offset: true }).nullish(),
    endsAt: z.iso.datetime({ offset: true }).nullish(),
  })
  .refine((body) => !body.startsAt || !body.endsAt || Date.parse(body.startsAt) < Date.parse(body.endsAt), {
    message: 'endsAt must be after startsAt',
    path: ['endsAt'],
  });
export type CreateSlotBody = z.infer<typeof createSlotBody>;

export const recommendationSlot = z.object({
  id: entityId,
  productId: entityId,
  product: z.object({
    id: entityId,
    name: z.string(),
    thumbnailUrl: z.string().nullable(),
    lowestPrice: z.number().int().nullable(),
  }),
  placement: z.string(),
  position: z.number().int(),
  reason: z.string().nullable(),
  startsAt: z.string().nullable(),
  endsAt: z.string().nullable(),
  isLive: z.boolean().describe('inside its window now'),
  createdBy: entityId.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type RecommendationSlot = z.infer<typeof recommendationSlot>;
