import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';
import { textLine } from '../../../http/text.ts';

export const activityPageQuery = pageQuery;
export const productIdParams = z.object({ productId: entityIdText });
export const searchIdParams = z.object({ id: entityIdText });

/** a keyword as the search API takes one: one line, no control characters (they would fail the log's jsonb) */
export const searchBody = z.object({ keyword: textLine(100) });

export const recentProduct = z.object({
  id: entityId,
  product: z.object({
    id: entityId,
    name: z.string(),
    thumbnailUrl: z.string().nullable(),
    lowestPrice: z.number().int().nullable(),
  }),
  viewedAt: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type RecentProduct = z.infer<typeof recentProduct>;

export const searchEntry = z.object({
  id: entityId,
  keyword: z.string(),
  searchedAt: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SearchEntry = z.infer<typeof searchEntry>;

export const activitySummary = z.object({
  recentProducts: z.array(recentProduct),
  recentSearches: z.array(searchEntry),
  orderSummary: z.object({ totalOrderCount: z.number().int() }),
});

export const trackedView = z.object({
  queued: z.boolean(),
  event: z.string(),
  userId: entityId,
  productId: entityId,
});
export const trackedSearch = z.object({
  queued: z.boolean(),
  event: z.string(),
  userId: entityId,
  keyword: z.string(),
});
export const deletedOne = z.object({ deleted: z.boolean(), id: entityId, message: z.string() });
export const deletedAll = z.object({ deleted: z.boolean(), affected: z.number().int(), message: z.string() });
