import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';
import { richText, searchText, textLine } from '../../../http/text.ts';

export const newsIdParams = z.object({ id: entityIdText });

const httpUrl = z
  .string()
  .trim()
  .max(2000)
  .pipe(z.url({ protocol: /^https?$/, message: 'an http(s) URL' }));

/** Lower-case words of letters and digits joined by single hyphens: a tab's key in URLs. */
const slug = z
  .string()
  .max(50)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lower-case letters and digits, words joined by "-"');

export const createNewsCategoryBody = z.object({
  name: textLine(50),
  slug,
  sortOrder: z.number().int().min(-1_000_000).max(1_000_000).optional(),
});
export type CreateNewsCategoryBody = z.infer<typeof createNewsCategoryBody>;

export const newsCategoryResponse = z.object({
  id: entityId,
  name: z.string(),
  slug: z.string(),
  sortOrder: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type NewsCategoryResponse = z.infer<typeof newsCategoryResponse>;

/** The products an article is about, in the editor's order: each must exist, no repeats. */
const productIds = z
  .array(entityId)
  .max(20)
  .refine((ids) => new Set(ids).size === ids.length, 'a product is listed once');

export const createNewsBody = z.object({
  title: textLine(200),
  content: richText(50_000),
  /** derived from the content when absent */
  summary: textLine(500).optional(),
  categoryId: entityId.nullable().optional(),
  thumbnailUrl: httpUrl.nullable().optional(),
  productIds: productIds.optional(),
});
export type CreateNewsBody = z.infer<typeof createNewsBody>;

/** Every field optional; `productIds` replaces the related products when sent. */
export const updateNewsBody = createNewsBody.partial();
export type UpdateNewsBody = z.infer<typeof updateNewsBody>;

/** `category`: a tab's slug, or its id. */
export const newsListQuery = pageQuery.extend({ category: searchText(50) });
export type NewsListQuery = z.infer<typeof newsListQuery>;

export const newsItem = z.object({
  id: entityId,
  title: z.string(),
  summary: z.string(),
  /** the tab's slug (null: the article has none) */
  category: z.string().nullable(),
  categoryId: entityId.nullable(),
  thumbnailUrl: z.string().nullable(),
  viewCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type NewsItem = z.infer<typeof newsItem>;

export const relatedProduct = z.object({
  id: entityId,
  name: z.string(),
  thumbnailUrl: z.string().nullable(),
  lowestPrice: z.number().nullable(),
});
export type RelatedProduct = z.infer<typeof relatedProduct>;

export const newsDetail = newsItem.omit({ category: true }).extend({
  content: z.string(),
  category: z.object({ id: entityId, name: z.string(), slug: z.string() }).nullable(),
  relatedProducts: z.array(relatedProduct),
});
export type NewsDetail = z.infer<typeof newsDetail>;

export const removedBody = z.object({
  success: z.literal(true),
  data: z.object({ success: z.boolean(), message: z.string() }),
});
