// "Did you mean" of GET /search: the phrase-suggester request and the suggestions it answers.
import { searchedText } from './query-text.ts';

/** Below this many hits the response carries "did you mean" suggestions. */
export const SUGGEST_BELOW_HITS = 5;

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
