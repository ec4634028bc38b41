import { entityId, entityIdText } from '@pbshop/config';
import { productStatus } from '@pbshop/db';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';
import { searchText } from '../../../http/text.ts';

/** The read model's sorts, upper-case as the storefront sends them (unlike `GET /products`). */
export const productQuerySorts = ['NEWEST', 'PRICE_ASC', 'PRICE_DESC', 'POPULARITY', 'RATING'] as const;
export type ProductQuerySort = (typeof productQuerySorts)[number];

const MAX_WON = 10_000_000_000;
const won = z.coerce.number().int().min(0).max(MAX_WON);

export const productQueryParams = z.object({ productId: entityIdText });

export const productQueryListQuery = pageQuery
  .extend({
    categoryId: entityIdText.optional().describe('the category and its descendants'),
    keyword: searchText().describe('part of the name, any case'),
    minPrice: won.optional().describe('lowest price at least (KRW)'),
    maxPrice: won.optional().describe('lowest price at most (KRW)'),
    sort: z
      .enum(productQuerySorts)
      .default('NEWEST')
      .describe('PRICE_ASC and PRICE_DESC list products without a price last'),
  })
  .refine(
    (query) =>
      query.minPrice === undefined || query.maxPrice === undefined || query.minPrice <= query.maxPrice,
    { path: ['minPrice'], message: 'minPrice must not exceed maxPrice' },
  );
export type ProductQueryListQuery = z.infer<typeof productQueryListQuery>;

/** A row of the product read model (the storefront's `ProductQueryViewItem`). */
export const productQueryViewItem = z.object({
  productId: entityId,
  categoryId: entityId,
  name: z.string(),
  thumbnailUrl: z.string().nullable().describe('the main image, else the first one'),
  status: z.enum(productStatus.enumValues),
  basePrice: z
    .number()
    .int()
    .nullable()
    .describe("the product's own list price (KRW); null while none is set"),
  lowestPrice: z.number().int().nullable().describe('the lowest live offer (KRW); null without one'),
  sellerCount: z.number().int(),
  averageRating: z.number(),
  reviewCount: z.number().int(),
  viewCount: z.number().int(),
  popularityScore: z.number(),
  syncedAt: z.string().nullable().describe('when the row was last projected from the catalog'),
  updatedAt: z.string().describe('when a value of the row last changed'),
});
export type ProductQueryViewItem = z.infer<typeof productQueryViewItem>;

/** Paging inside `data` (the storefront's `PaginationMeta`). */
export const paginationMeta = z.object({
  totalItems: z.number().int(),
  itemCount: z.number().int().describe('items on this page'),
  itemsPerPage: z.number().int(),
  totalPages: z.number().int(),
  currentPage: z.number().int(),
});

export const productQueryPage = z.object({
  items: z.array(productQueryViewItem),
  meta: paginationMeta,
});
export type ProductQueryPage = z.infer<typeof productQueryPage>;

export const rebuildResult = z.object({
  syncedCount: z.number().int().describe('live products projected'),
  removedCount: z.number().int().describe('rows of deleted products removed'),
});
export type RebuildResult = z.infer<typeof rebuildResult>;
