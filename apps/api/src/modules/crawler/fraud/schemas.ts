import { entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';

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
