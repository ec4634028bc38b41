import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';

export const trends = ['RISING', 'FALLING', 'STABLE'] as const;
export const recommendations = ['BUY_NOW', 'BUY_SOON', 'WAIT', 'HOLD'] as const;

export const predictionParams = z.object({ productId: entityIdText });
export const analyticsParams = z.object({ id: entityIdText });

export const priceTrendQuery = z.object({
  days: z.coerce.number().int().min(1).max(90).default(30),
});

const won = z.number().int();

export const pricePrediction = z.object({
  productId: entityId,
  productName: z.string(),
  currentPrice: won.nullable(),
  predictions: z.array(
    z.object({
      /** Asia/Seoul calendar day, YYYY-MM-DD */
      date: z.string(),
      predictedPrice: won,
      /** 0..1 */
      confidence: z.number().min(0).max(1),
    }),
  ),
  trend: z.enum(trends).nullable(),
  trendStrength: z.number().min(0).max(1).nullable(),
  movingAverage7d: won.nullable(),
  movingAverage30d: won.nullable(),
  expectedLowest14d: won.nullable(),
  seasonalityNote: z.string(),
  recommendation: z.enum(recommendations),
  recommendationReason: z.string(),
  updatedAt: z.string(),
});

export const lowestEver = z.object({
  isLowestEver: z.boolean(),
  currentPrice: won.nullable(),
  lowestPrice: won.nullable(),
  /** Asia/Seoul day the all-time lowest was first recorded, YYYY-MM-DD */
  lowestDate: z.string().nullable(),
});

export const unitPrice = z.object({
  /** won per `unit` (e.g. per "100g"); null when the product has no price or declares no quantity */
  unitPrice: z.number().nullable(),
  /** the base the unit price is given for, e.g. "100g", "10매", "1개" */
  unit: z.string().nullable(),
  /** the product's quantity in the base's label (1 kg → 1000 for "100g") */
  quantity: z.number().nullable(),
});

export type PricePrediction = z.infer<typeof pricePrediction>;
export type LowestEver = z.infer<typeof lowestEver>;
export type UnitPrice = z.infer<typeof unitPrice>;
export type Trend = (typeof trends)[number];
export type Recommendation = (typeof recommendations)[number];
