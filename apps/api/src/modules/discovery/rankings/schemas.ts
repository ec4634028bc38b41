import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';

export const rankingPeriods = ['daily', 'weekly', 'monthly'] as const;
export type RankingPeriodName = (typeof rankingPeriods)[number];

const limit = z.coerce.number().int().min(1).max(100).default(20);
const period = z.enum(rankingPeriods).default('daily');

export const popularProductsQuery = z.object({ categoryId: entityIdText.optional(), period, limit });
export const keywordRankingQuery = z.object({ period, limit });
export const priceDropQuery = z.object({ categoryId: entityIdText.optional(), period, limit });

/** the product a ranking row names, as the contract nests it */
export const rankedProductCard = z.object({
  id: entityId,
  name: z.string(),
  lowestPrice: z.number().int().nullable(),
  thumbnailUrl: z.string().nullable(),
});

/**
 * A popular product: the contract's `{ rank, rankChange, product, score }` and the storefront's flat
 * `{ rank, productId, name, popularityScore, lowestPrice }` in one object (the same service behind both).
 */
export const rankedProduct = z.object({
  rank: z.number().int(),
  rankChange: z
    .number()
    .int()
    .nullable()
    .describe('previous rank minus this rank (up is positive); null when the product was not ranked before'),
  product: rankedProductCard,
  score: z.number(),
  productId: entityId,
  name: z.string(),
  popularityScore: z.number(),
  lowestPrice: z.number().int().nullable(),
  thumbnailUrl: z.string().nullable(),
  signals: z.object({
    views: z.number().int(),
    sales: z.number().int(),
    reviews: z.number().int(),
    wishlists: z.number().int(),
  }),
});
export type RankedProduct = z.infer<typeof rankedProduct>;

/** A popular keyword: the contract's `searchCount` and the storefront's `count` are the same number. */
export const rankedKeyword = z.object({
  rank: z.number().int(),
  keyword: z.string(),
  searchCount: z.number().int(),
  count: z.number().int(),
  rankChange: z.number().int().nullable(),
});
export type RankedKeyword = z.infer<typeof rankedKeyword>;

export const priceDrop = z.object({
  rank: z.number().int(),
  product: rankedProductCard,
  productId: entityId,
  name: z.string(),
  lowestPrice: z.number().int(),
  referencePrice: z.number().int().describe("the product's lowest price when the period began"),
  dropAmount: z.number().int(),
  dropRate: z.number().describe('dropAmount / referencePrice, 0..1'),
});
export type PriceDrop = z.infer<typeof priceDrop>;

export const recalculateResult = z.object({ updatedCount: z.number().int() });
