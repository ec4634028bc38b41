// The OpenSearch requests of product search and autocomplete, and how their answers become API
// results. Pure functions: no I/O. User text only ever reaches OpenSearch as the text of
// match/multi_match queries and suggesters (never query_string), so Lucene syntax in it is
// ordinary characters.
import type {
  AutocompleteResult,
  SearchFacets,
  SearchInput,
  SearchResult,
  SearchSpecFilters,
} from './schemas.ts';
import type { SearchWeights } from './weights.ts';

/** Words of the search text that are searched: bounds the clauses (and fuzzy expansions) per query. */
export const MAX_QUERY_WORDS = 10;
/** Fuzzy terms tried per word and field: with MAX_QUERY_WORDS it stays far below max_clause_count. */
const FUZZY_EXPANSIONS = 20;
/** Below this many hits the response carries "did you mean" suggestions. */
export const SUGGEST_BELOW_HITS = 5;
/**
 * Below this many hits of the words as typed, the search is asked again typo-tolerant: the fuzzy
 * clause roughly doubles the cost of a search (term expansion, and again in the highlighter), and
 * a word that matches as typed needs no neighbours of it.
 */
export const FUZZY_BELOW_HITS = 5;
const FACET_SIZE = 20;

export const priceRanges = [
  { label: '10만원 미만', min: null, max: 100_000 },
  { label: '10만~30만원', min: 100_000, max: 300_000 },
  { label: '30만~50만원', min: 300_000, max: 500_000 },
  { label: '50만~100만원', min: 500_000, max: 1_000_000 },
  { label: '100만~200만원', min: 1_000_000, max: 2_000_000 },
  { label: '200만원 이상', min: 2_000_000, max: null },
] as const;

export const ratingSteps = [4, 3, 2, 1] as const;

type Clause = Record<string, unknown>;

/** "2<75%": one or two words must all match, longer queries three in four */
const MINIMUM_SHOULD_MATCH = '2<75%';

/** The searched part of the text: its first MAX_QUERY_WORDS words. */
export function searchedText(text: string): string {
  return text.split(' ').slice(0, MAX_QUERY_WORDS).join(' ');
}

// ---------------------------------------------------------------------------------------------
// HTML of highlighted names

const htmlEscapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#x27;',
  '/': '&#x2F;',
};

/** Escapes as OpenSearch's `encoder: html` highlighter does, so every name is the same kind of HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'/]/g, (char) => htmlEscapes[char]!);
}

const wordChar = /[\p{L}\p{N}]/u;

/**
 * Escaped `text` with the typed words in <em>: where a word starts (autocomplete) or anywhere
 * (the PostgreSQL fallback, whose ILIKE matches inside words). Case-insensitive.
 */
export function highlightTyped(text: string, typed: string, where: 'word-start' | 'anywhere'): string {
  const words = [
    ...new Set(
      typed
        .toLowerCase()
        .split(' ')
        .filter((word) => word.length > 0),
    ),
  ].sort((a, b) => b.length - a.length);
  let html = '';
  let plain = '';
  let index = 0;
  while (index < text.length) {
    const atWordStart = index === 0 || !wordChar.test(text[index - 1]!);
    const word =
      where === 'anywhere' || atWordStart
        ? words.find((candidate) => text.slice(index, index + candidate.length).toLowerCase() === candidate)
        : undefined;
    if (word) {
      html += `${escapeHtml(plain)}<em>${escapeHtml(text.slice(index, index + word.length))}</em>`;
      plain = '';
      index += word.length;
    } else {
      plain += text[index];
      index += 1;
    }
  }
  return html + escapeHtml(plain);
}

const emphasised = (html: string) =>
  [...html.matchAll(/<em>(.*?)<\/em>/g)].reduce((sum, match) => sum + (match[1]?.length ?? 0), 0);

/** The highlight that marks the most of the name (nori parts vs whole words), else the escaped name. */
function bestHighlight(candidates: (string[] | undefined)[], name: string): string {
  let best: string | undefined;
  for (const fragments of candidates) {
    const html = fragments?.[0];
    if (html && (!best || emphasised(html) > emphasised(best))) best = html;
  }
  return best ?? escapeHtml(name);
}

// ---------------------------------------------------------------------------------------------
// GET /search

function specValueClause(value: string | number | boolean): Clause {
  if (typeof value === 'number') {
    return {
      bool: {
        should: [{ term: { 'specs.numberValue': value } }, { term: { 'specs.value': String(value) } }],
      },
    };
  }
  const text = typeof value === 'string' ? value.normalize('NFC').trim() : String(value);
  const number = /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : null;
  return number === null
    ? { term: { 'specs.value': text } }
    : { bool: { should: [{ term: { 'specs.value': text } }, { term: { 'specs.numberValue': number } }] } };
}

function specFilterClauses(specs: SearchSpecFilters): Clause[] {
  return Object.entries(specs).map(([key, filter]) => {
    let valueClause: Clause;
    if (Array.isArray(filter)) {
      valueClause = { bool: { should: filter.map(specValueClause), minimum_should_match: 1 } };
    } else if (typeof filter === 'object') {
      valueClause = { range: { 'specs.numberValue': { gte: filter.min, lte: filter.max } } };
    } else {
      valueClause = specValueClause(filter);
    }
    return {
      nested: { path: 'specs', query: { bool: { filter: [{ term: { 'specs.key': key } }, valueClause] } } },
    };
  });
}

/** Filters (no scoring): category subtree, price, seller, specs; HIDDEN products never match. */
export function searchFilters(input: SearchInput): { filter: Clause[]; must_not: Clause[] } {
  const filter: Clause[] = [];
  if (input.categoryId) filter.push({ term: { categoryPath: input.categoryId } });
  if (input.minPrice !== undefined || input.maxPrice !== undefined) {
    filter.push({ range: { lowestPrice: { gte: input.minPrice, lte: input.maxPrice } } });
  }
  if (input.sellerId) filter.push({ term: { sellerIds: input.sellerId } });
  if (input.specs) filter.push(...specFilterClauses(input.specs));
  return { filter, must_not: [{ term: { status: 'HIDDEN' } }] };
}

/**
 * The scored text query: the words as typed in the name, brand, specs, options and description (each field
 * at its weight), with `fuzzy` typo-tolerant words (fuzziness AUTO) in the name and brand at half
 * weight, and the whole phrase in the name at double weight; all scaled by keywordWeight.
 */
export function textQuery(text: string, weights: SearchWeights, fuzzy: boolean): Clause {
  const query = searchedText(text);
  const { nameWeight: name, brandWeight: brand, specWeight: spec, descriptionWeight: description } = weights;
  return {
    bool: {
      should: [
        {
          multi_match: {
            query,
            type: 'best_fields',
            // nori keeps Latin words whole too: the standard-analysed `.english` subfields add
            // whole-word matches only where nori splits words (names), so the rest go without
            fields: [
              `name^${name}`,
              `name.english^${name}`,
              `brand.text^${brand}`,
              `specsText^${spec}`,
              `optionsText^${spec}`,
              `description^${description}`,
            ],
            tie_breaker: 0.3,
            minimum_should_match: MINIMUM_SHOULD_MATCH,
          },
        },
        ...(fuzzy ? [typoTolerant(query, weights)] : []),
        {
          multi_match: {
            query,
            type: 'phrase',
            fields: [`name^${name * 2}`, `name.english^${name * 2}`],
          },
        },
      ],
      minimum_should_match: 1,
      boost: weights.keywordWeight,
    },
  };
}

function typoTolerant(query: string, weights: SearchWeights): Clause {
  const { nameWeight: name, brandWeight: brand } = weights;
  return {
    multi_match: {
      query,
      type: 'best_fields',
      fields: [`name^${name / 2}`, `name.english^${name / 2}`, `brand.english^${brand / 2}`],
      fuzziness: 'AUTO',
      // the first letter is taken as typed: far fewer candidate terms to score
      prefix_length: 1,
      max_expansions: FUZZY_EXPANSIONS,
      minimum_should_match: MINIMUM_SHOULD_MATCH,
    },
  };
}

function sortFor(sort: SearchInput['sort']): unknown[] {
  const tieBreak = { productId: 'asc' };
  switch (sort) {
    case 'price_asc':
      return [{ lowestPrice: { order: 'asc', missing: '_last' } }, '_score', tieBreak];
    case 'price_desc':
      return [{ lowestPrice: { order: 'desc', missing: '_last' } }, '_score', tieBreak];
    case 'newest':
      return [{ createdAt: 'desc' }, '_score', tieBreak];
    case 'popularity':
      return [{ popularityScore: 'desc' }, '_score', tieBreak];
    case 'rating_desc':
      return [{ rating: 'desc' }, { reviewCount: 'desc' }, '_score', tieBreak];
    case 'rating_asc':
      return [{ rating: 'asc' }, { reviewCount: 'desc' }, '_score', tieBreak];
    default:
      return ['_score', { popularityScore: 'desc' }, tieBreak];
  }
}

const commonFacets = {
  categories: {
    terms: { field: 'categoryId', size: FACET_SIZE },
    aggs: { name: { terms: { field: 'categoryName', size: 1 } } },
  },
  brands: { terms: { field: 'brand', size: FACET_SIZE } },
  sellers: { terms: { field: 'sellerIds', size: FACET_SIZE } },
  prices: {
    range: {
      field: 'lowestPrice',
      keyed: false,
      ranges: priceRanges.map((range) => ({
        key: range.label,
        ...(range.min === null ? {} : { from: range.min }),
        ...(range.max === null ? {} : { to: range.max }),
      })),
    },
  },
  ratings: {
    range: { field: 'rating', ranges: ratingSteps.map((min) => ({ key: String(min), from: min })) },
  },
};

/**
 * Spec facets (nested, with a reverse_nested count per value: the costliest aggregation) only for a
 * category: specs differ per category, and across the whole catalogue they mean little.
 */
const specFacets = {
  specs: {
    nested: { path: 'specs' },
    aggs: {
      keys: {
        terms: { field: 'specs.key', size: FACET_SIZE },
        aggs: {
          values: {
            terms: { field: 'specs.value', size: FACET_SIZE },
            aggs: { products: { reverse_nested: {} } },
          },
        },
      },
    },
  },
};

function facetAggregations(input: SearchInput) {
  return input.categoryId ? { ...commonFacets, ...specFacets } : commonFacets;
}

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
  const query =
    weights.clickWeight > 0
      ? {
          function_score: {
            query: matched,
            functions: [
              {
                field_value_factor: { field: 'popularityScore', modifier: 'log1p', missing: 0 },
                weight: weights.clickWeight,
              },
            ],
            score_mode: 'sum',
            boost_mode: 'sum',
          },
        }
      : matched;
  return {
    from: (input.page - 1) * input.limit,
    size: input.limit,
    track_total_hits: TRACK_TOTAL_HITS,
    track_scores: true,
    timeout: '2s',
    _source: ['productId', 'name', 'lowestPrice', 'thumbnailUrl', 'categoryName'],
    query,
    sort: sortFor(input.sort),
    highlight: {
      pre_tags: ['<em>'],
      post_tags: ['</em>'],
      encoder: 'html',
      fields: { name: { number_of_fragments: 0 }, 'name.english': { number_of_fragments: 0 } },
    },
  };
}

/**
 * "Did you mean": a phrase suggester over the standard-analysed name, whose candidates come from
 * the indexed words within two edits. Asked only after a search found few hits (it costs about as
 * much as the search itself).
 */
export function suggestRequestBody(text: string): Record<string, unknown> {
  return {
    size: 0,
    timeout: '1s',
    suggest: {
      text: searchedText(text),
      didYouMean: {
        phrase: {
          field: 'name.english',
          size: 3,
          max_errors: 2,
          direct_generator: [
            { field: 'name.english', suggest_mode: 'always', min_word_length: 2, prefix_length: 0 },
          ],
        },
      },
    },
  };
}

export interface SuggestResponseBody {
  suggest?: { didYouMean?: { options: { text: string }[] }[] };
}

export function suggestionsFrom(body: SuggestResponseBody, text: string): string[] {
  const asked = searchedText(text).toLowerCase();
  return [
    ...new Set(
      (body.suggest?.didYouMean ?? [])
        .flatMap((entry) => entry.options.map((option) => option.text))
        .filter((suggestion) => suggestion.toLowerCase() !== asked),
    ),
  ];
}

interface Bucket {
  key: string | number;
  doc_count: number;
}

interface SearchResponseBody {
  hits: {
    total: { value: number } | number;
    hits: {
      _id: string;
      _score: number | null;
      _source: {
        productId?: string;
        name: string;
        lowestPrice: number | null;
        thumbnailUrl: string | null;
        categoryName: string;
      };
      highlight?: Record<string, string[]>;
    }[];
  };
  aggregations?: {
    categories: { buckets: (Bucket & { name: { buckets: Bucket[] } })[] };
    brands: { buckets: Bucket[] };
    sellers: { buckets: Bucket[] };
    prices: { buckets: (Bucket & { from?: number; to?: number })[] };
    ratings: { buckets: Bucket[] };
    specs?: { keys: { buckets: (Bucket & { values: { buckets: (Bucket & { products: Bucket })[] } })[] } };
  };
}

export const emptyFacets = (): SearchFacets => ({
  categories: [],
  brands: [],
  priceRanges: [],
  sellers: [],
  ratings: [],
  specs: {},
});

function facetsFrom(aggregations: SearchResponseBody['aggregations']): SearchFacets {
  if (!aggregations) return emptyFacets();
  const specs: SearchFacets['specs'] = {};
  for (const key of aggregations.specs?.keys.buckets ?? []) {
    specs[String(key.key)] = key.values.buckets.map((value) => ({
      value: String(value.key),
      count: value.products.doc_count,
    }));
  }
  return {
    categories: aggregations.categories.buckets.map((bucket) => ({
      id: String(bucket.key),
      name: String(bucket.name.buckets[0]?.key ?? ''),
      count: bucket.doc_count,
    })),
    brands: aggregations.brands.buckets.map((bucket) => ({
      name: String(bucket.key),
      count: bucket.doc_count,
    })),
    priceRanges: aggregations.prices.buckets.map((bucket, index) => ({
      label: priceRanges[index]?.label ?? String(bucket.key),
      min: priceRanges[index]?.min ?? null,
      max: priceRanges[index]?.max ?? null,
      count: bucket.doc_count,
    })),
    sellers: aggregations.sellers.buckets.map((bucket) => ({
      id: String(bucket.key),
      count: bucket.doc_count,
    })),
    ratings: aggregations.ratings.buckets.map((bucket, index) => ({
      min: ratingSteps[index] ?? Number(bucket.key),
      count: bucket.doc_count,
    })),
    specs,
  };
}

/** Hits and facets; the suggestions come from `suggestRequestBody` when there are few hits. */
export function searchResultFrom(body: SearchResponseBody, facets: SearchResponseBody): SearchResult {
  const total = body.hits.total;
  const totalCount = typeof total === 'number' ? total : total.value;
  return {
    hits: body.hits.hits.map((hit) => ({
      id: hit._source.productId ?? hit._id,
      name: bestHighlight([hit.highlight?.name, hit.highlight?.['name.english']], hit._source.name),
      lowestPrice: hit._source.lowestPrice ?? null,
      thumbnailUrl: hit._source.thumbnailUrl ?? null,
      categoryName: hit._source.categoryName ?? '',
      score: hit._score ?? 0,
    })),
    facets: facetsFrom(facets.aggregations),
    suggestions: [],
    totalCount,
  };
}

// ---------------------------------------------------------------------------------------------
// GET /search/autocomplete

export const AUTOCOMPLETE_PRODUCTS = 5;
export const AUTOCOMPLETE_KEYWORDS = 8;
export const AUTOCOMPLETE_CATEGORIES = 5;
/** best-scoring matches whose categories are suggested */
const AUTOCOMPLETE_CATEGORY_SAMPLE = 200;
/** max_gram of the index's prefix_ngram tokenizer */
const MAX_PREFIX_LENGTH = 20;

/**
 * One small request: products whose name has words starting with the typed words (the edge-ngram
 * `name.prefix`), their categories, and completions of the whole typed text (`suggest`).
 */
export function autocompleteRequestBody(text: string): Record<string, unknown> {
  // name.prefix holds prefixes of up to 20 characters: a longer typed word is matched by its first 20
  const typed = searchedText(text)
    .split(' ')
    .map((word) => Array.from(word).slice(0, MAX_PREFIX_LENGTH).join(''))
    .join(' ');
  return {
    size: AUTOCOMPLETE_PRODUCTS,
    track_total_hits: false,
    timeout: '500ms',
    _source: ['productId', 'name', 'thumbnailUrl', 'lowestPrice', 'status'],
    query: {
      bool: {
        must: [{ match: { 'name.prefix': { query: typed, operator: 'and' } } }],
        must_not: [{ term: { status: 'HIDDEN' } }],
      },
    },
    sort: ['_score', { popularityScore: 'desc' }, { productId: 'asc' }],
    highlight: {
      pre_tags: ['<em>'],
      post_tags: ['</em>'],
      encoder: 'html',
      fields: { 'name.prefix': { number_of_fragments: 0 } },
    },
    aggs: {
      // the categories of the best matches only: a one-letter prefix matches most of the catalogue
      best: {
        sampler: { shard_size: AUTOCOMPLETE_CATEGORY_SAMPLE },
        aggs: {
          categories: {
            terms: { field: 'categoryId', size: AUTOCOMPLETE_CATEGORIES },
            aggs: { name: { terms: { field: 'categoryName', size: 1 } } },
          },
        },
      },
    },
    suggest: {
      keywords: {
        prefix: typed,
        // extra options: HIDDEN products' completions are dropped below (the field has no context)
        completion: { field: 'suggest', size: AUTOCOMPLETE_KEYWORDS * 2, skip_duplicates: true },
      },
    },
  };
}

interface AutocompleteResponseBody {
  hits: {
    hits: {
      _id: string;
      _source: {
        productId?: string;
        name: string;
        thumbnailUrl: string | null;
        lowestPrice: number | null;
      };
      highlight?: Record<string, string[]>;
    }[];
  };
  aggregations?: { best: { categories: { buckets: (Bucket & { name: { buckets: Bucket[] } })[] } } };
  suggest?: { keywords?: { options: { text: string; _source?: { status?: string } }[] }[] };
}

export function autocompleteResultFrom(body: AutocompleteResponseBody, text: string): AutocompleteResult {
  const typed = searchedText(text);
  const seen = new Set<string>();
  const keywords: string[] = [];
  for (const option of (body.suggest?.keywords ?? []).flatMap((entry) => entry.options)) {
    const key = option.text.toLowerCase();
    if (option._source?.status === 'HIDDEN' || seen.has(key)) continue;
    seen.add(key);
    keywords.push(highlightTyped(option.text, typed, 'word-start'));
    if (keywords.length === AUTOCOMPLETE_KEYWORDS) break;
  }
  return {
    keywords,
    products: body.hits.hits.map((hit) => ({
      id: hit._source.productId ?? hit._id,
      name: hit.highlight?.['name.prefix']?.[0] ?? highlightTyped(hit._source.name, typed, 'word-start'),
      thumbnailUrl: hit._source.thumbnailUrl ?? null,
      lowestPrice: hit._source.lowestPrice ?? null,
    })),
    categories: (body.aggregations?.best.categories.buckets ?? []).map((bucket) => ({
      id: String(bucket.key),
      name: String(bucket.name.buckets[0]?.key ?? ''),
    })),
  };
}

export type { AutocompleteResponseBody, SearchResponseBody };
