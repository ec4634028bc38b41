import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';

export const trends = ['RISING', 'FALLING', 'STABLE'] as const;
export const recommendations = ['BUY_NOW', 'BUY_SOON', 'WAIT', 'HOLD'] as const;

export const predictionParams = z.object({ productId: entityIdText });
export const analyticsParams = z.object({ id: entityIdText });

const horizon = z.coerce.number().int().min(1).max(90);

/**
 * `days` is the contract's horizon; the storefront (PredictionApiPage) sends `horizonDays` and
 * `lookbackDays` instead. `horizonDays` is another name for `days` (both sent must agree);
 * `lookbackDays` is the window the trend is fitted on.
 */
export const priceTrendQuery = z
  .object({
    days: horizon.optional().describe('days forecast, 1..90 (default 30)'),
    horizonDays: horizon.optional().describe("the storefront's name for `days`"),
    lookbackDays: z.coerce
      .number()
      .int()
      .min(7)
      .max(180)
      .optional()
      .describe('days of history the trend is fitted on, 7..180 (default 30)'),
  })
  .superRefine((query, context) => {
    if (query.days !== undefined && query.horizonDays !== undefined && query.days !== query.horizonDays) {
      context.addIssue({
        code: 'custom',
        path: ['horizonDays'],
        message: 'days and horizonDays name the same value: send one of them (or both alike)',
      });
    }
  })
  .transform((query) => ({
    days: query.days ?? query.horizonDays ?? 30,
    lookbackDays: query.lookbackDays ?? 30,
  }));

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
