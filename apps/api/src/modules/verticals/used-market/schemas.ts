import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';

export const productParams = z.object({ productId: entityIdText });
export const categoryParams = z.object({ categoryId: entityIdText });
export const buildParams = z.object({ buildId: entityIdText });

export const trends = ['UP', 'DOWN', 'STABLE'] as const;

const figures = {
  averagePrice: z.number(),
  minPrice: z.number(),
  maxPrice: z.number(),
  /** listings in the window the figures come from */
  listingCount: z.number().int(),
  trend: z.enum(trends),
};

export const usedProductPrice = z.object({
  productId: entityId,
  ...figures,
  /** the window's 30-day buckets, oldest first; a bucket without listings has null prices */
  history: z.array(
    z.object({
      from: z.string(),
      to: z.string(),
      averagePrice: z.number().nullable(),
      listingCount: z.number().int(),
    }),
  ),
});
export type UsedProductPrice = z.infer<typeof usedProductPrice>;

export const usedCategoryPrice = z.object({ productId: entityId, productName: z.string(), ...figures });
export type UsedCategoryPrice = z.infer<typeof usedCategoryPrice>;

export const buyBackEstimate = z.object({
  buildId: entityId,
  estimatedPrice: z.number(),
  partBreakdown: z.array(
    z.object({
      partId: entityId,
      partType: z.string(),
      productId: entityId,
      productName: z.string().nullable(),
      /** what the part costs new today (its offer × quantity) */
      originalPrice: z.number(),
      /** the used market's average for the product, or null when it has no listing (then a share of the new price) */
      usedMarketPrice: z.number().nullable(),
      ageMonths: z.number().int(),
      /** 1 − estimate / original, 0..1 */
      depreciationRate: z.number(),
      estimatedUsedPrice: z.number(),
    }),
  ),
});
export type BuyBackEstimate = z.infer<typeof buyBackEstimate>;
