// The scored text query of GET /search: which words are searched, in which fields, at which
// weights, and the typo-tolerant variant. User text only ever reaches OpenSearch as the text of
// match/multi_match queries (never query_string), so Lucene syntax in it is ordinary characters.
import type { SearchWeights } from './weights.ts';

/** Words of the search text that are searched: bounds the clauses (and fuzzy expansions) per query. */
export const MAX_QUERY_WORDS = 10;
/** Fuzzy terms tried per word and field: with MAX_QUERY_WORDS it stays far below max_clause_count. */
const FUZZY_EXPANSIONS = 20;
/**
 * Below this many hits of the words as typed, the search is asked again typo-tolerant: the fuzzy
 * clause roughly doubles the cost of a search (term expansion, and again in the highlighter), and
 * a word that matches as typed needs no neighbours of it.
 */
export const FUZZY_BELOW_HITS = 5;

export type Clause = Record<string, unknown>;

/** "2<75%": one or two words must all match, longer queries three in four */
const MINIMUM_SHOULD_MATCH = '2<75%';

/** The searched part of the text: its first MAX_QUERY_WORDS words. */
export function searchedText(text: string): string {
  return text.split(' ').slice(0, MAX_QUERY_WORDS).join(' ');
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
