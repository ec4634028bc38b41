// The filters of GET /search (no scoring): category subtree, price, rating, seller and specs.
import type { Clause } from './query-text.ts';
import type { SearchInput, SearchSpecFilters } from './schemas.ts';

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

/** Filters (no scoring): category subtree, price, rating, seller, specs; HIDDEN products never match. */
export function searchFilters(input: SearchInput): { filter: Clause[]; must_not: Clause[] } {
  const filter: Clause[] = [];
  if (input.categoryId) filter.push({ term: { categoryPath: input.categoryId } });
  if (input.minPrice !== undefined || input.maxPrice !== undefined) {
    filter.push({ range: { lowestPrice: { gte: input.minPrice, lte: input.maxPrice } } });
  }
  if (input.minRating !== undefined) filter.push({ range: { rating: { gte: input.minRating } } });
  if (input.sellerId) filter.push({ term: { sellerIds: input.sellerId } });
  if (input.specs) filter.push(...specFilterClauses(input.specs));
  return { filter, must_not: [{ term: { status: 'HIDDEN' } }] };
}
