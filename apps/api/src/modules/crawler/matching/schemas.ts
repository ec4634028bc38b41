import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';
import { textLine } from '../../../http/text.ts';

export const mappingIdParams = z.object({ id: entityIdText });
export const mappingListQuery = pageQuery;
export const approveMappingBody = z.object({ productId: entityId });
export const rejectMappingBody = z.object({ reason: textLine(500) });

export const mappingResponse = z.object({
  id: z.number().int(),
  sourceName: z.string().describe('the title the seller page showed'),
  sourceBrand: z.string().nullable(),
  sourceSeller: z.string().nullable(),
  sourceUrl: z.string().nullable(),
  sourcePrice: z.number().int().nullable(),
  sellerId: z.number().int(),
  sellerProductCode: z.string().nullable(),
  gtin: z.string().nullable(),
  mpn: z.string().nullable(),
  status: z.enum(['PENDING', 'APPROVED', 'REJECTED']),
  productId: z.number().int().nullable().describe('the suggestion while PENDING, the choice once APPROVED'),
  confidence: z.number().describe('0..1: name similarity of the suggestion'),
  reason: z.string().nullable(),
  reviewedBy: z.number().int().nullable(),
  reviewedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type MappingResponse = z.infer<typeof mappingResponse>;

export const autoMatchResponse = z.object({ matchedCount: z.number().int(), pendingCount: z.number().int() });
export const mappingStatsResponse = z.object({
  pending: z.number().int(),
  approved: z.number().int(),
  rejected: z.number().int(),
  total: z.number().int(),
});
