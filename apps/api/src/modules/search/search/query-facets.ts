// The facets of GET /search: the aggregations asked of OpenSearch and how their buckets become
// the API's facets.
import type { SearchFacets, SearchInput } from './schemas.ts';

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

export function facetAggregations(input: SearchInput) {
  return input.categoryId ? { ...commonFacets, ...specFacets } : commonFacets;
}

export interface Bucket {
  key: string | number;
  doc_count: number;
}

/** The answer to `facetAggregations`. */
export interface FacetAggregations {
  categories: { buckets: (Bucket & { name: { buckets: Bucket[] } })[] };
  brands: { buckets: Bucket[] };
  sellers: { buckets: Bucket[] };
  prices: { buckets: (Bucket & { from?: number; to?: number })[] };
  ratings: { buckets: Bucket[] };
  specs?: { keys: { buckets: (Bucket & { values: { buckets: (Bucket & { products: Bucket })[] } })[] } };
}

export const emptyFacets = (): SearchFacets => ({
  categories: [],
  brands: [],
  priceRanges: [],
  sellers: [],
  ratings: [],
  specs: {},
});

export function facetsFrom(aggregations: FacetAggregations | undefined): SearchFacets {
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
      id: Number(bucket.key),
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
      id: Number(bucket.key),
      count: bucket.doc_count,
    })),
    ratings: aggregations.ratings.buckets.map((bucket, index) => ({
      min: ratingSteps[index] ?? Number(bucket.key),
      count: bucket.doc_count,
    })),
    specs,
  };
}
