// The order of GET /search hits: the click-popularity boost added to the text score, and the sorts.
import type { Clause } from './query-text.ts';
import type { SearchInput } from './schemas.ts';
import type { SearchWeights } from './weights.ts';

/** The matched query with popularity (log1p, times clickWeight) added to its score; as is at weight 0. */
export function popularityBoosted(matched: Clause, weights: SearchWeights): Clause {
  return weights.clickWeight > 0
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
}

export function sortFor(sort: SearchInput['sort']): unknown[] {
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
