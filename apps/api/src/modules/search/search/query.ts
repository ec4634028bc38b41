// The OpenSearch requests of product search and autocomplete, and how their answers become API
// results. Pure functions: no I/O. User text only ever reaches OpenSearch as the text of
// match/multi_match queries and suggesters (never query_string), so Lucene syntax in it is
// ordinary characters. This file puts together GET /search's two requests and reads their
// answers; its parts live beside it: the text query (`query-text.ts`), filters
// (`query-filters.ts`), popularity boost and sorts (`query-ranking.ts`), facets
// (`query-facets.ts`), highlighted HTML (`query-highlight.ts`), "did you mean"
// (`query-suggest.ts`) and autocomplete (`query-autocomplete.ts`).
import { type FacetAggregations, facetAggregations, facetsFrom } from './query-facets.ts';
import { searchFilters } from './query-filters.ts';
import { bestHighlight } from './query-highlight.ts';
import { popularityBoosted, sortFor } from './query-ranking.ts';
import { type Clause, textQuery } from './query-text.ts';
import type { SearchInput, SearchResult } from './schemas.ts';
import type { SearchWeights } from './weights.ts';

export {
  AUTOCOMPLETE_CATEGORIES,
  AUTOCOMPLETE_KEYWORDS,
  AUTOCOMPLETE_PRODUCTS,
  type AutocompleteResponseBody,
  autocompleteRequestBody,
  autocompleteResultFrom,
} from './query-autocomplete.ts';
export { emptyFacets, priceRanges, ratingSteps } from './query-facets.ts';
export { searchFilters } from './query-filters.ts';
export { escapeHtml, highlightTyped } from './query-highlight.ts';
export {
  SUGGEST_BELOW_HITS,
  type SuggestResponseBody,
  suggestionsFrom,
  suggestRequestBody,
} from './query-suggest.ts';
export { FUZZY_BELOW_HITS, MAX_QUERY_WORDS, searchedText, textQuery } from './query-text.ts';

/** Matches counted exactly up to this many (the deepest page reachable); beyond, a lower bound. */
export const TRACK_TOTAL_HITS = 10_000;

/**
 * The two searches of GET /search, sent together in one `_msearch`: the page of hits with their
 * highlights, and the facets. The facets request has no hits (size 0), so OpenSearch's shard request
 * cache keeps its answer until the next refresh that changes the index: every page and sort of one
 * query and filter set reuses it.
 */
export function searchRequestBodies(
  input: SearchInput,
  weights: SearchWeights,
  fuzzy: boolean,
): { hits: Record<string, unknown>; facets: Record<string, unknown> } {
  const matched = { bool: { must: [textQuery(input.text, weights, fuzzy)], ...searchFilters(input) } };
  return {
    hits: searchRequestBody(matched, input, weights),
    facets: {
      size: 0,
      track_total_hits: TRACK_TOTAL_HITS,
      timeout: '2s',
      query: matched,
      aggs: facetAggregations(input),
    },
  };
}

function searchRequestBody(
  matched: Clause,
  input: SearchInput,
  weights: SearchWeights,
): Record<string, unknown> {
  return {
    from: (input.page - 1) * input.limit,
    size: input.limit,
    track_total_hits: TRACK_TOTAL_HITS,
    track_scores: true,
    timeout: '2s',
    _source: ['productId', 'name', 'lowestPrice', 'rating', 'sellerCount', 'thumbnailUrl', 'categoryName'],
    query: popularityBoosted(matched, weights),
    sort: sortFor(input.sort),
    highlight: {
      pre_tags: ['<em>'],
      post_tags: ['</em>'],
      encoder: 'html',
      fields: { name: { number_of_fragments: 0 }, 'name.english': { number_of_fragments: 0 } },
    },
  };
}

export interface SearchResponseBody {
  hits: {
    total: { value: number; relation?: 'eq' | 'gte' } | number;
    hits: {
      _id: string;
      _score: number | null;
      _source: {
        productId?: number;
        name: string;
        lowestPrice: number | null;
        rating?: number;
        /** absent from documents of an index older than mapping version 5 (until its reindex) */
        sellerCount?: number;
        thumbnailUrl: string | null;
        categoryName: string;
      };
      highlight?: Record<string, string[]>;
    }[];
  };
  aggregations?: FacetAggregations;
}

/** Hits and facets; the suggestions come from `suggestRequestBody` when there are few hits. */
export function searchResultFrom(body: SearchResponseBody, facets: SearchResponseBody): SearchResult {
  const total = body.hits.total;
  const totalCount = typeof total === 'number' ? total : total.value;
  const capped = typeof total !== 'number' && total.relation === 'gte';
  return {
    hits: body.hits.hits.map((hit) => ({
      id: hit._source.productId ?? Number(hit._id),
      name: hit._source.name,
      highlightedName: bestHighlight(
        [hit.highlight?.name, hit.highlight?.['name.english']],
        hit._source.name,
      ),
      lowestPrice: hit._source.lowestPrice ?? null,
      averageRating: hit._source.rating ?? 0,
      sellerCount: hit._source.sellerCount ?? 0,
      thumbnailUrl: hit._source.thumbnailUrl ?? null,
      categoryName: hit._source.categoryName ?? '',
      score: hit._score ?? 0,
    })),
    facets: facetsFrom(facets.aggregations),
    suggestions: [],
    totalCount,
    ...(capped ? { totalCountCapped: true } : {}),
  };
}
