import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { envelope, pageMeta, pageQuery } from '../../../http/envelope.ts';
import { specFilterRange, specFiltersParam, specFilterText } from '../../catalog/specs/schemas.ts';

export const searchSorts = [
  'relevance',
  'price_asc',
  'price_desc',
  'newest',
  'popularity',
  'rating_desc',
  'rating_asc',
] as const;

/** OpenSearch's max_result_window: `page * limit` may not go past it. */
export const MAX_RESULT_WINDOW = 10_000;
const MAX_WON = 10_000_000_000;

function normaliseText(value: string): string {
  return value
    .toWellFormed()
    .normalize('NFC')
    .replace(/\p{Cc}/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();
}

/**
 * Search text: NFC, control characters (tabs and line breaks pasted with it, NULs) turned into
 * spaces, inner whitespace collapsed, trimmed; then 1..max characters. Everything else, Lucene
 * syntax included, is kept: it only ever reaches OpenSearch as the text of a match query.
 */
export const searchText = (max: number) =>
  z
    .string()
    .max(max * 8)
    .transform((value) => normaliseText(value))
    .pipe(z.string().min(1).max(max));

/** How a keyword is counted and de-duplicated: search text, lower-cased. */
export function normaliseKeyword(keyword: string): string {
  return normaliseText(keyword).toLowerCase();
}

const specScalar = z.union([specFilterText, z.number().finite(), z.boolean()]);
const specFilterValue = z.union([
  specScalar,
  z.array(specScalar).min(1).max(20),
  specFilterRange(z.number().finite()),
]);

/**
 * `specs`: a JSON object of spec key → a value, a list of values (any of them) or a numeric
 * `{ min, max }` range, e.g. `{"ram":["16GB","32GB"],"screen_size":{"min":15}}`.
 */
export const searchSpecFilters = specFiltersParam(specFilterValue);

export type SearchSpecFilters = z.infer<typeof searchSpecFilters>;

export const searchQuery = pageQuery
  .extend({
    q: searchText(200).optional().describe('the search text (required; `keyword` is an alias)'),
    keyword: searchText(200).optional().describe('alias of `q`'),
    categoryId: entityIdText.optional().describe('the category and every category below it'),
    minPrice: z.coerce.number().int().min(0).max(MAX_WON).optional(),
    maxPrice: z.coerce.number().int().min(0).max(MAX_WON).optional(),
    minRating: z.coerce.number().min(0).max(5).optional().describe('average rating at least this (0..5)'),
    sellerId: entityIdText.optional(),
    specs: searchSpecFilters.optional(),
    sort: z.enum(searchSorts).default('relevance'),
  })
  .superRefine((query, context) => {
    if (query.q === undefined && query.keyword === undefined) {
      context.addIssue({ code: 'custom', path: ['q'], message: 'q (or keyword) is required' });
    }
    if (query.minPrice !== undefined && query.maxPrice !== undefined && query.minPrice > query.maxPrice) {
      context.addIssue({ code: 'custom', path: ['minPrice'], message: 'minPrice must not exceed maxPrice' });
    }
    if (query.page * query.limit > MAX_RESULT_WINDOW) {
      context.addIssue({
        code: 'custom',
        path: ['page'],
        message: `page * limit must not exceed ${MAX_RESULT_WINDOW}; narrow the search instead`,
      });
    }
  });

export type SearchQuery = z.infer<typeof searchQuery>;
/** The search as the service takes it: the text resolved from `q` or `keyword`. */
export type SearchInput = Omit<SearchQuery, 'q' | 'keyword'> & { text: string };

export const searchHit = z.object({
  id: entityId,
  name: z.string().describe('the product name as it is'),
  highlightedName: z.string().describe('HTML: the name escaped, matched words in <em>'),
  lowestPrice: z.number().int().nullable(),
  averageRating: z.number().describe('0..5'),
  sellerCount: z.number().int().describe('shops with the product in stock, as on the product list'),
  thumbnailUrl: z.string().nullable(),
  categoryName: z.string(),
  score: z.number(),
});

export const searchFacets = z.object({
  categories: z.array(z.object({ id: entityId, name: z.string(), count: z.number().int() })),
  brands: z.array(z.object({ name: z.string(), count: z.number().int() })),
  priceRanges: z.array(
    z.object({
      label: z.string(),
      min: z.number().int().nullable().describe('inclusive; null: no lower bound'),
      max: z.number().int().nullable().describe('exclusive; null: no upper bound'),
      count: z.number().int(),
    }),
  ),
  sellers: z.array(z.object({ id: entityId, count: z.number().int() })),
  ratings: z.array(z.object({ min: z.number(), count: z.number().int() })),
  specs: z
    .record(z.string(), z.array(z.object({ value: z.string(), count: z.number().int() })))
    .describe('value counts per spec key; only when the search has a categoryId (specs differ per category)'),
});

/** What the engine (OpenSearch or the fallback) answers; the route sends it as a page. */
export const searchResult = z.object({
  hits: z.array(searchHit),
  facets: searchFacets,
  suggestions: z.array(z.string()),
  totalCount: z.number().int(),
  totalCountCapped: z.boolean().optional(),
});

export const suggestionList = z
  .array(z.string())
  .describe('"did you mean" phrases, when the search found few hits');

export const relatedKeywordList = z
  .array(z.string())
  .describe('popular keywords sharing a word with the search (from the latest popular ranking)');

/** A page's meta, and what the search says beside its hits. */
export const searchMeta = pageMeta.extend({
  degraded: z.boolean().describe('true: OpenSearch was unavailable and PostgreSQL answered (no facets)'),
  facets: searchFacets.describe('of every match, not only this page; empty lists when degraded'),
  suggestions: suggestionList,
  relatedKeywords: relatedKeywordList,
});

/** A paged list: the hits themselves in `data` (client-shapes.md, Search), the rest in `meta`. */
export const searchResponse = z.object({
  success: z.literal(true),
  data: z.array(searchHit),
  meta: searchMeta,
});

export const autocompleteQuery = z.object({ q: searchText(100) });

export const autocompleteResult = z.object({
  keywords: z.array(z.string()).describe('HTML: escaped, the typed part in <em>'),
  products: z.array(
    z.object({
      id: entityId,
      name: z.string().describe('HTML: escaped, the typed part in <em>'),
      thumbnailUrl: z.string().nullable(),
      lowestPrice: z.number().int().nullable(),
    }),
  ),
  categories: z.array(z.object({ id: entityId, name: z.string() })),
});

export const autocompleteResponse = z.object({
  success: z.literal(true),
  data: autocompleteResult,
  meta: z.object({ degraded: z.boolean() }),
});

const booleanFlag = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

export const popularQuery = z.object({
  limit: z.coerce.number().int().min(1).max(50).default(10),
  realtime: booleanFlag
    .default(false)
    .describe('true: counted now over the window instead of the periodic snapshot'),
});

export const popularKeyword = z.object({
  rank: z.number().int(),
  keyword: z.string(),
  count: z.number().int(),
  rankChange: z
    .number()
    .int()
    .optional()
    .describe('previous rank minus this rank (positive: moved up); absent for a keyword new to the ranking'),
});

export const popularResponse = z.object({
  success: z.literal(true),
  // an object around the list: the storefront reads `data.items`
  data: z.object({ items: z.array(popularKeyword) }),
  meta: z.object({
    realtime: z.boolean(),
    windowMinutes: z.number().int(),
    computedAt: z.string(),
  }),
});

export const recentKeyword = z.object({ id: entityId, keyword: z.string(), createdAt: z.string() });
export const recentKeywordBody = z.object({ keyword: searchText(200) }).strict();
export const recentKeywordParams = z.object({ id: entityIdText });

export const searchPreferences = z.object({ saveRecentSearches: z.boolean() });
export const searchPreferencesBody = searchPreferences.strict();

export const searchClickBody = z.object({ keyword: searchText(200), productId: entityId }).strict();
export const searchClickResult = envelope(z.object({ accepted: z.literal(true) }));

const weight = z.number().finite().min(0).max(100);

export const searchWeightConfig = z.object({
  nameWeight: z.number(),
  brandWeight: z.number(),
  specWeight: z.number(),
  descriptionWeight: z.number(),
  keywordWeight: z.number(),
  clickWeight: z.number(),
  updatedAt: z.string(),
});

export const searchWeightsBody = z
  .object({
    nameWeight: weight.optional(),
    brandWeight: weight.optional(),
    specWeight: weight.optional(),
    descriptionWeight: weight.optional(),
    keywordWeight: weight.optional(),
    clickWeight: weight.optional(),
  })
  .strict()
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: 'send at least one weight',
  });

export type SearchResult = z.infer<typeof searchResult>;
export type SearchHit = z.infer<typeof searchHit>;
export type SearchFacets = z.infer<typeof searchFacets>;
export type AutocompleteResult = z.infer<typeof autocompleteResult>;
export type PopularKeyword = z.infer<typeof popularKeyword>;
export type RecentKeyword = z.infer<typeof recentKeyword>;
export type SearchWeightConfig = z.infer<typeof searchWeightConfig>;
export type SearchWeightsBody = z.infer<typeof searchWeightsBody>;
