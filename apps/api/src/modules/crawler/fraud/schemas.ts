import { entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';
import { shippingRules, stockStates } from '../../catalog/prices/schemas.ts';

export const fraudAlertStatuses = ['PENDING', 'APPROVED', 'REJECTED'] as const;

export const fraudAlertListQuery = pageQuery.extend({
  status: z
    .string()
    .max(20)
    .transform((value) => value.trim().toUpperCase())
    .pipe(z.enum(fraudAlertStatuses))
    .optional()
    .describe('PENDING, APPROVED or REJECTED (any case)'),
});

export const fraudAlertIdParams = z.object({ alertId: entityIdText });

export const fraudAlertResponse = z.object({
  id: z.number().int(),
  productId: z.number().int(),
  priceEntryId: z.number().int().nullable().describe('the seller’s offer when the price was held'),
  sellerId: z.number().int(),
  runId: z.number().int().nullable(),
  url: z.string(),
  reason: z.string(),
  rawPrice: z.number().int(),
  shippingFee: z.number().int().nullable(),
  effectivePrice: z.number().int().describe('price plus the shipping the page showed'),
  baselineAverage: z.number().int().describe('the robust centre: the median the price was judged against'),
  lowerBound: z.number().int(),
  upperBound: z.number().int(),
  severity: z.enum(['LOW', 'MEDIUM', 'HIGH']),
  status: z.enum(fraudAlertStatuses),
  reviewedBy: z.number().int().nullable(),
  reviewedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type FraudAlertResponse = z.infer<typeof fraudAlertResponse>;

export const reviewResponse = z.object({ success: z.boolean(), message: z.string() });

export const fraudProductParams = z.object({ productId: entityIdText });

/** One offer's delivered price (FRAUD-02): the price plus the shipping its rule charges. */
export const effectivePriceItem = z.object({
  priceEntryId: z.number().int(),
  sellerId: z.number().int(),
  sellerName: z.string(),
  productPrice: z.number().int(),
  shippingFee: z.number().int().describe('what the rule charges for one unit (0 when free)'),
  shippingType: z.enum(shippingRules),
  effectivePrice: z.number().int(),
  shippingInfo: z.string().nullable().describe('the shipping rule in words'),
  productUrl: z.string(),
  stockState: z.enum(stockStates),
});
export type EffectivePriceItem = z.infer<typeof effectivePriceItem>;

const ratio = (fallback: number, what: string) =>
  z.coerce.number().finite().default(fallback).describe(`${what}, × the baseline (default ${fallback})`);

/** The scan's parameters (query string, also for the admin scan's POST): 0 < lower < 1 < upper ≤ 10. */
export const anomalyQuery = z
  .object({
    lowerBoundRatio: ratio(0.5, 'the lower bound'),
    upperBoundRatio: ratio(1.8, 'the upper bound'),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(500)
      .default(100)
      .describe('the most anomalies answered (furthest from the baseline first)'),
  })
  .superRefine((query, context) => {
    if (!(query.lowerBoundRatio > 0 && query.lowerBoundRatio < 1)) {
      context.addIssue({ code: 'custom', path: ['lowerBoundRatio'], message: 'must be above 0 and below 1' });
    }
    if (!(query.upperBoundRatio > 1 && query.upperBoundRatio <= 10)) {
      context.addIssue({
        code: 'custom',
        path: ['upperBoundRatio'],
        message: 'must be above 1 and at most 10',
      });
    }
  });
export type AnomalyQuery = z.infer<typeof anomalyQuery>;

export const anomalyItem = z.object({
  priceEntryId: z.number().int(),
  sellerId: z.number().int(),
  sellerName: z.string(),
  rawPrice: z.number().int(),
  effectivePrice: z.number().int(),
  baselineAverage: z.number().int(),
  lowerBound: z.number().int(),
  upperBound: z.number().int(),
  severity: z.enum(['LOW', 'MEDIUM', 'HIGH']),
  reason: z.string(),
});

export const anomalyResult = z.object({
  productId: z.number().int(),
  baselineAverage: z
    .number()
    .int()
    .describe('the robust centre: the median of the in-stock offers’ effective prices (0 without offers)'),
  lowerBound: z.number().int(),
  upperBound: z.number().int(),
  scannedCount: z.number().int().describe('the in-stock offers judged'),
  anomalyCount: z.number().int().describe('all offers outside the bounds (the list holds at most `limit`)'),
  anomalies: z.array(anomalyItem),
});
export type AnomalyResult = z.infer<typeof anomalyResult>;

export const scanResult = anomalyResult.extend({
  newAlertCount: z
    .number()
    .int()
    .describe('alerts this scan opened: an offer with a PENDING alert already gets none'),
});
export type ScanResult = z.infer<typeof scanResult>;
