import type { Logger } from '@pbshop/config';
import { AppError } from '@pbshop/errors';
import type { JobProducers } from '@pbshop/queues';
import type { ResilienceRegistry } from '@pbshop/resilience';
import { abortable, productAlias, type SearchClient } from '@pbshop/search';
import { type Answered, recentAnswers } from './answer-memory.ts';
import type { SearchFallback } from './fallback.ts';
import type { PopularKeywords, RecentKeywords } from './keywords.ts';
import {
  type AutocompleteResponseBody,
  autocompleteRequestBody,
  autocompleteResultFrom,
  FUZZY_BELOW_HITS,
  type SearchResponseBody,
  SUGGEST_BELOW_HITS,
  type SuggestResponseBody,
  searchRequestBodies,
  searchResultFrom,
  suggestionsFrom,
  suggestRequestBody,
} from './query.ts';
import { type AutocompleteResult, normaliseKeyword, type SearchInput, type SearchResult } from './schemas.ts';
import type { SearchWeights, SearchWeightsStore } from './weights.ts';

/**
 * Autocomplete gives up on OpenSearch after this long and answers from PostgreSQL. A caller
 * abort: it does not count against the breaker (GET /search, under the full policy, does).
 */
const AUTOCOMPLETE_TIMEOUT_MS = 800;
/**
 * Completions and search answers are reused for 5 s, then served for up to a minute more while a
 * background request renews them, at most two renewals at a time per process (see `recentAnswers`).
 */
const ANSWER_MEMORY = { freshMs: 5000, staleMs: 60_000, maxEntries: 5000, maxRefreshing: 2 };
/** related keywords per search at most */
const RELATED_KEYWORDS = 8;

export interface SearchServiceDeps {
  client: SearchClient;
  indexPrefix: string;
  resilience: ResilienceRegistry;
  weights: SearchWeightsStore;
  fallback: SearchFallback;
  popular: PopularKeywords;
  recent: RecentKeywords;
  producers: JobProducers;
  logger: Logger;
}

/** Who searched, for the side effects of a search (logs, popular and recent keywords). */
export interface SearchActor {
  requestId: string;
  userId?: number;
}

type Answer<T> = { ok: true; body: T } | { ok: false; error: unknown };

function statusOf(error: unknown): number | undefined {
  const status = (error as { meta?: { statusCode?: unknown } } | null)?.meta?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** What went wrong, without the client's error object (it carries the whole request body). */
function summary(error: unknown) {
  const body = (error as { meta?: { body?: { error?: { type?: string; reason?: string } } } } | null)?.meta
    ?.body;
  return {
    name: error instanceof Error ? error.name : typeof error,
    message: error instanceof Error ? error.message.slice(0, 300) : String(error).slice(0, 300),
    status: statusOf(error),
    type: body?.error?.type,
    reason: body?.error?.reason?.slice(0, 300),
  };
}

/** Unified search, autocomplete and their bookkeeping (SRCH-01..10). */
export function searchService(deps: SearchServiceDeps) {
  const { client, resilience, fallback, logger } = deps;
  const path = `/${encodeURIComponent(productAlias(deps.indexPrefix))}/_search`;
  const multiPath = `/${encodeURIComponent(productAlias(deps.indexPrefix))}/_msearch`;

  /**
   * One `_search` under the `search` policy (timeout, retry, breaker). A 4xx answer (a missing
   * index, a refused query) is returned rather than thrown: OpenSearch is up, so the breaker must
   * not count it, but the caller still falls back.
   */
  async function openSearch<T>(
    body: Record<string, unknown>,
    callerSignal?: AbortSignal,
  ): Promise<Answer<T>> {
    return call<T>({ method: 'POST', path, body }, callerSignal);
  }

  /**
   * Several searches in one `_msearch` round trip. A search that failed inside it counts as the
   * whole call failing, by its status (5xx: OpenSearch trouble; 4xx: handed back).
   */
  async function openMultiSearch<T>(bodies: Record<string, unknown>[]): Promise<Answer<T[]>> {
    const answer = await call<{ responses: (T & { status?: number; error?: unknown })[] }>({
      method: 'POST',
      path: multiPath,
      bulkBody: bodies.flatMap((body) => [{ request_cache: body.size === 0 }, body]),
    });
    if (!answer.ok) return answer;
    const failed = answer.body.responses.find((response) => response.error !== undefined);
    if (failed) {
      const error = Object.assign(new Error('a search of the _msearch failed'), {
        meta: { statusCode: failed.status ?? 500, body: { error: failed.error } },
      });
      if ((failed.status ?? 500) >= 500 || failed.status === 429) throw error;
      return { ok: false, error };
    }
    return { ok: true, body: answer.body.responses };
  }

  async function call<T>(
    params: {
      method: 'POST';
      path: string;
      body?: Record<string, unknown>;
      bulkBody?: Record<string, unknown>[];
    },
    callerSignal?: AbortSignal,
  ): Promise<Answer<T>> {
    // an open breaker refuses at once (no retry backoff): the caller falls back to PostgreSQL
    return resilience.execute(
      'search',
      async (signal) => {
        try {
          const response = await abortable(signal, client.transport.request(params));
          return { ok: true, body: response.body as T };
        } catch (error) {
          const status = statusOf(error);
          if (status !== undefined && status >= 400 && status < 500 && status !== 429)
            return { ok: false, error };
          throw error;
        }
      },
      callerSignal,
    );
  }

  function noteFailure(what: string, error: unknown) {
    const status = statusOf(error);
    if (resilience.isOpenError(error)) {
      logger.debug({ what }, 'search breaker open: answering from PostgreSQL');
    } else if (status === 404) {
      logger.warn({ what, error: summary(error) }, 'search index missing: answering from PostgreSQL');
    } else if (status !== undefined && status < 500 && status !== 429) {
      // a query OpenSearch refuses is our bug, not an outage
      logger.error(
        { what, error: summary(error) },
        'OpenSearch refused the query: answering from PostgreSQL',
      );
    } else {
      logger.warn({ what, error: summary(error) }, 'OpenSearch unavailable: answering from PostgreSQL');
    }
  }

  /** "Did you mean" phrases; none when OpenSearch cannot say (the hits stand on their own). */
  async function suggestions(text: string): Promise<string[]> {
    try {
      const answer = await openSearch<SuggestResponseBody>(suggestRequestBody(text));
      if (answer.ok) return suggestionsFrom(answer.body, text);
      noteFailure('suggest', answer.error);
    } catch (error) {
      noteFailure('suggest', error);
    }
    return [];
  }

  /**
   * Hits and facets from the index, undefined when OpenSearch refused the query (noted): the words
   * as typed first, and typo-tolerant only when those find fewer than FUZZY_BELOW_HITS.
   */
  async function searchIndex(input: SearchInput, weights: SearchWeights): Promise<SearchResult | undefined> {
    let result: SearchResult | undefined;
    for (const fuzzy of [false, true]) {
      const bodies = searchRequestBodies(input, weights, fuzzy);
      const answer = await openMultiSearch<SearchResponseBody>([bodies.hits, bodies.facets]);
      if (!answer.ok) {
        noteFailure('search', answer.error);
        return undefined;
      }
      const [hits, facets] = answer.body as [SearchResponseBody, SearchResponseBody];
      result = searchResultFrom(hits, facets);
      if (result.totalCount >= FUZZY_BELOW_HITS) break;
    }
    if (result && result.totalCount < SUGGEST_BELOW_HITS && input.page === 1) {
      result.suggestions = await suggestions(input.text);
    }
    return result;
  }

  /**
   * Answers of the last few seconds, per typed text (and filters): shoppers type the same prefixes
   * and search the same keywords over and over, and an answer a few seconds old is as good (the
   * index itself lags writes by about a second). Per process, bounded; degraded answers are never
   * kept.
   */
  const recentCompletions = recentAnswers<AutocompleteResult>(ANSWER_MEMORY);
  const recentSearches = recentAnswers<SearchResult>(ANSWER_MEMORY);

  async function degraded<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof AppError) throw error;
      logger.error({ err: error }, 'search fallback failed too');
      throw new AppError('SEARCH_UNAVAILABLE');
    }
  }

  return {
    /** From OpenSearch; from PostgreSQL (degraded: no facets, no suggestions) when it is down. */
    async search(input: SearchInput): Promise<Answered<SearchResult>> {
      const weights = await deps.weights.current();
      // the weights are part of the key: a PATCH takes effect on the next search
      const key = JSON.stringify([{ ...input, text: normaliseKeyword(input.text) }, weights]);
      return recentSearches.answer(key, async (background) => {
        try {
          const result = await searchIndex(input, weights);
          if (result) return { result, degraded: false };
        } catch (error) {
          noteFailure('search', error);
        }
        if (background) throw new Error('search not renewed: the answer kept stands');
        return { result: await degraded(() => fallback.search(input)), degraded: true };
      });
    },

    async autocomplete(text: string): Promise<Answered<AutocompleteResult>> {
      return recentCompletions.answer(normaliseKeyword(text), async (background) => {
        try {
          const answer = await openSearch<AutocompleteResponseBody>(
            autocompleteRequestBody(text),
            AbortSignal.timeout(AUTOCOMPLETE_TIMEOUT_MS),
          );
          if (answer.ok) return { result: autocompleteResultFrom(answer.body, text), degraded: false };
          noteFailure('autocomplete', answer.error);
        } catch (error) {
          noteFailure('autocomplete', error);
        }
        if (background) throw new Error('completion not renewed: the answer kept stands');
        return { result: await degraded(() => fallback.autocomplete(text)), degraded: true };
      });
    },

    /**
     * After a search: count the keyword for the popular ranking, save it to the member's recent
     * keywords (unless they turned that off), and log it. Best effort, never awaited by the
     * request: a failure is logged and the search answer stands.
     */
    recordSearch(
      text: string,
      outcome: { resultCount: number; degraded: boolean },
      actor: SearchActor,
    ): void {
      const keyword = normaliseKeyword(text);
      deps.popular.count(keyword);
      if (actor.userId) {
        const userId = actor.userId;
        deps.recent
          .preferences(userId)
          .then((preferences) => (preferences.saveRecentSearches ? deps.recent.add(userId, text) : undefined))
          .catch((error: unknown) => {
            logger.warn({ err: error, requestId: actor.requestId }, 'recent keyword not saved');
          });
      }
      logActivity('search', { keyword: text, ...outcome }, actor);
    },

    /** Popular keywords related to the search; none when Redis cannot say (the hits stand alone). */
    async relatedKeywords(text: string): Promise<string[]> {
      try {
        return await deps.popular.related(normaliseKeyword(text), RELATED_KEYWORDS);
      } catch (error) {
        logger.warn({ err: error }, 'related keywords unavailable');
        return [];
      }
    },

    recordClick(keyword: string, productId: number, actor: SearchActor): void {
      logActivity('search_click', { keyword, productId }, actor);
    },
  };

  function logActivity(type: string, data: Record<string, unknown>, actor: SearchActor) {
    deps.producers
      .enqueue('activity-log', {
        requestId: actor.requestId,
        type,
        ...(actor.userId ? { userId: actor.userId } : {}),
        occurredAt: new Date().toISOString(),
        data,
      })
      .catch((error: unknown) => {
        logger.warn({ err: error, requestId: actor.requestId, type }, 'search activity not logged');
      });
  }
}

export type SearchService = ReturnType<typeof searchService>;
