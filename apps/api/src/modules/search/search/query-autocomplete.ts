// GET /search/autocomplete: one small OpenSearch request (products, their categories, keyword
// completions) and how its answer becomes the API result. User text reaches OpenSearch only as
// the text of a match query and a completion prefix.
import type { Bucket } from './query-facets.ts';
import { highlightTyped } from './query-highlight.ts';
import { searchedText } from './query-text.ts';
import type { AutocompleteResult } from './schemas.ts';

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

export interface AutocompleteResponseBody {
  hits: {
    hits: {
      _id: string;
      _source: {
        productId?: number;
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
      id: hit._source.productId ?? Number(hit._id),
      name: hit.highlight?.['name.prefix']?.[0] ?? highlightTyped(hit._source.name, typed, 'word-start'),
      thumbnailUrl: hit._source.thumbnailUrl ?? null,
      lowestPrice: hit._source.lowestPrice ?? null,
    })),
    categories: (body.aggregations?.best.categories.buckets ?? []).map((bucket) => ({
      id: Number(bucket.key),
      name: String(bucket.name.buckets[0]?.key ?? ''),
    })),
  };
}
