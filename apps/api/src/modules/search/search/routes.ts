import type { Logger } from '@pbshop/config';
import { AppError } from '@pbshop/errors';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  envelope,
  errorBody,
  errorResponses,
  messageBody,
  ok,
  pageMeta,
  sendJson,
} from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import type { PopularKeywords, RecentKeywords } from './keywords.ts';
import {
  type AutocompleteResult,
  autocompleteQuery,
  autocompleteResponse,
  autocompleteResult,
  popularQuery,
  popularResponse,
  recentKeyword,
  recentKeywordBody,
  recentKeywordParams,
  relatedKeywordList,
  type SearchResult,
  searchClickBody,
  searchClickResult,
  searchFacets,
  searchHit,
  searchPreferences,
  searchPreferencesBody,
  searchQuery,
  searchResponse,
  searchWeightConfig,
  searchWeightsBody,
  suggestionList,
} from './schemas.ts';
import type { SearchActor, SearchService } from './service.ts';
import type { SearchWeightsStore } from './weights.ts';

const say = localizedMessages({
  recentDeleted: {
    ko: '최근 검색어를 삭제했습니다.',
    en: 'The recent keyword has been deleted.',
    ja: '最近の検索語を削除しました。',
  },
  recentCleared: {
    ko: '최근 검색어를 모두 삭제했습니다.',
    en: 'All recent keywords have been deleted.',
    ja: '最近の検索語をすべて削除しました。',
  },
});

const publicErrors = errorResponses(400, 503);
const memberErrors = errorResponses(400, 401, 403, 503);

/**
 * Search (SRCH-01..10): unified search with facets, autocomplete, popular and recent keywords,
 * click logging and the admin's ranking weights. OpenSearch answers; PostgreSQL stands in while it
 * is down (`meta.degraded`).
 */
export interface SearchRoutesDeps {
  productSearch: SearchService;
  searchWeights: SearchWeightsStore;
  popularKeywords: PopularKeywords;
  recentKeywords: RecentKeywords;
  logger: Logger;
}

export function searchRoutes({
  productSearch: service,
  searchWeights: weights,
  popularKeywords: popular,
  recentKeywords: recent,
  logger,
}: SearchRoutesDeps): FastifyPluginAsync {
  /** Redis behind the keyword routes: an outage is a 503, not a 500. */
  async function keywordStore<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof AppError) throw error;
      logger.warn({ err: error }, 'search keywords unavailable');
      throw new AppError('SERVICE_UNAVAILABLE', { cause: error });
    }
  }

  /** Who searched: a member when the request carried a valid token (these routes are `optional`). */
  const actorOf = (request: FastifyRequest): SearchActor => ({
    requestId: request.id,
    ...(request.principal ? { userId: request.principal.id } : {}),
  });

  /**
   * The JSON of a result, validated against the response schema once per result object: answers
   * come from the per-process memory, so a popular search is serialized once, not per request
   * (validating and serializing a faceted result cost a tenth of a search request).
   */
  function memoizedJson<T extends object, J>(serialize: (result: T) => J) {
    const serialized = new WeakMap<T, J>();
    return (result: T): J => {
      let json = serialized.get(result);
      if (json === undefined) {
        json = serialize(result);
        serialized.set(result, json);
      }
      return json;
    };
  }
  const hitList = z.array(searchHit);
  /** A search result as the page's `data` (its hits) and the part of `meta` that is the result's. */
  const searchResultJson = memoizedJson((result: SearchResult) => ({
    hits: JSON.stringify(hitList.parse(result.hits)),
    facetsAndSuggestions: `"facets":${JSON.stringify(searchFacets.parse(result.facets))},"suggestions":${JSON.stringify(suggestionList.parse(result.suggestions))}`,
  }));
  const autocompleteResultJson = memoizedJson((result: AutocompleteResult) =>
    JSON.stringify(autocompleteResult.parse(result)),
  );
  const searchPageMeta = pageMeta.extend({ degraded: z.boolean() });

  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const user = { access: 'user' as const };
    const admin = { access: 'admin' as const };

    routes.get(
      '/search',
      {
        config: { access: 'optional' },
        schema: {
          tags: ['search'],
          summary:
            'Unified product search with facets, highlights, suggestions and related keywords (SRCH-01..05)',
          description: [
            '`q` (or `keyword`): 1..200 characters after trimming; any text is searched as words',
            '(no query syntax). Typos are tolerated (fuzzy matching); Korean uses the nori analyzer.',
            '`categoryId` includes its subcategories; `minRating` is the least average rating; `specs`',
            'is a JSON object of spec key → value, list of values or `{ min, max }`. `page * limit`',
            'may not exceed 10000. Ranking uses the weights of `PATCH /search/admin/weights`. `data` is',
            'the page of hits; `meta` holds the paging, the facets of every match, "did you mean"',
            'suggestions and related keywords. While OpenSearch is down the answer comes from',
            'PostgreSQL with `meta.degraded: true` (no facets, no suggestions). A signed-in member’s',
            'search is saved to their recent keywords unless turned off (`PATCH /search/preferences`).',
          ].join(' '),
          querystring: searchQuery,
          response: { 200: searchResponse, ...publicErrors },
        },
      },
      async (request, reply) => {
        const { q, keyword, ...filters } = request.query;
        const text = (q ?? keyword)!;
        const [{ result, degraded }, relatedKeywords] = await Promise.all([
          service.search({ ...filters, text }),
          service.relatedKeywords(text),
        ]);
        service.recordSearch(text, { resultCount: result.totalCount, degraded }, actorOf(request));
        const { hits, facetsAndSuggestions } = searchResultJson(result);
        const page = searchPageMeta.parse({
          page: filters.page,
          limit: filters.limit,
          totalCount: result.totalCount,
          totalPages: Math.ceil(result.totalCount / filters.limit),
          ...(result.totalCountCapped ? { totalCountCapped: true } : {}),
          degraded,
        });
        // the page's meta with the result's facets and suggestions and the related keywords added
        // before its closing brace
        const meta = `${JSON.stringify(page).slice(0, -1)},${facetsAndSuggestions},"relatedKeywords":${JSON.stringify(relatedKeywordList.parse(relatedKeywords))}}`;
        return sendJson(reply, `{"success":true,"data":${hits},"meta":${meta}}`);
      },
    );

    routes.get(
      '/search/autocomplete',
      {
        config: { access: 'public' },
        schema: {
          tags: ['search'],
          summary: 'Autocomplete: keywords, products and categories for the typed prefix (SRCH-02)',
          description:
            'Names are HTML with the typed part in <em>. `meta.degraded`: answered from PostgreSQL.',
          querystring: autocompleteQuery,
          response: { 200: autocompleteResponse, ...publicErrors },
        },
      },
      async (request, reply) => {
        const { result, degraded } = await service.autocomplete(request.query.q);
        return sendJson(
          reply,
          `{"success":true,"data":${autocompleteResultJson(result)},"meta":{"degraded":${degraded}}}`,
        );
      },
    );

    routes.get(
      '/search/popular',
      {
        config: { access: 'public' },
        schema: {
          tags: ['search'],
          summary: 'Popular keywords (SRCH-03)',
          description: [
            'Searches are counted per minute over the last SEARCH_POPULAR_WINDOW_MINUTES (default 60).',
            'By default the ranking is a snapshot recomputed at most every SEARCH_POPULAR_REFRESH_MS',
            '(default 5 minutes), with `rankChange` against the snapshot before it.',
            '`realtime=true` counts now instead (the real-time top 10 by default), with `rankChange`',
            'against the current snapshot. `rankChange` is absent for a keyword new to the ranking.',
          ].join(' '),
          querystring: popularQuery,
          response: { 200: popularResponse, ...publicErrors },
        },
      },
      async (request) => {
        const { limit, realtime } = request.query;
        const ranking = await keywordStore(() =>
          realtime ? popular.realtime(limit) : popular.ranking(limit),
        );
        return {
          success: true as const,
          data: { items: ranking.items },
          meta: { realtime, windowMinutes: ranking.windowMinutes, computedAt: ranking.computedAt },
        };
      },
    );

    routes.post(
      '/search/click',
      {
        config: { access: 'optional' },
        schema: {
          tags: ['search'],
          summary: 'Log a click on a search result (SRCH-08)',
          body: searchClickBody,
          response: { 202: searchClickResult, ...publicErrors },
        },
      },
      async (request, reply) => {
        service.recordClick(request.body.keyword, request.body.productId, actorOf(request));
        return reply.code(202).send(ok({ accepted: true as const }));
      },
    );

    routes.post(
      '/search/recent',
      {
        config: user,
        schema: {
          tags: ['search'],
          summary: 'Save a recent keyword (newest first, at most 10, no duplicates) (SRCH-04)',
          body: recentKeywordBody,
          response: { 201: envelope(recentKeyword), ...memberErrors },
        },
      },
      async (request, reply) => {
        const saved = await keywordStore(() => recent.add(member(request).id, request.body.keyword));
        return reply.code(201).send(ok(saved));
      },
    );

    routes.get(
      '/search/recent',
      {
        config: user,
        schema: {
          tags: ['search'],
          summary: 'My recent keywords, newest first (SRCH-04)',
          response: { 200: envelope(z.array(recentKeyword)), ...memberErrors },
        },
      },
      async (request) => ok(await keywordStore(() => recent.list(member(request).id))),
    );

    routes.delete(
      '/search/recent/:id',
      {
        config: user,
        schema: {
          tags: ['search'],
          summary: 'Delete one recent keyword (SRCH-04)',
          params: recentKeywordParams,
          response: { 200: messageBody, ...memberErrors, 404: errorBody },
        },
      },
      async (request) => {
        const removed = await keywordStore(() => recent.remove(member(request).id, request.params.id));
        if (!removed) throw new AppError('NOT_FOUND');
        return ok({ message: say(request, 'recentDeleted') });
      },
    );

    routes.delete(
      '/search/recent',
      {
        config: user,
        schema: {
          tags: ['search'],
          summary: 'Delete all my recent keywords (SRCH-04)',
          response: { 200: messageBody, ...memberErrors },
        },
      },
      async (request) => {
        await keywordStore(() => recent.clear(member(request).id));
        return ok({ message: say(request, 'recentCleared') });
      },
    );

    routes.get(
      '/search/preferences',
      {
        config: user,
        schema: {
          tags: ['search'],
          summary: 'My search preferences',
          response: { 200: envelope(searchPreferences), ...memberErrors },
        },
      },
      async (request) => ok(await keywordStore(() => recent.preferences(member(request).id))),
    );

    routes.patch(
      '/search/preferences',
      {
        config: user,
        schema: {
          tags: ['search'],
          summary: 'Turn the saving of my searches to recent keywords on or off (default on) (SRCH-04)',
          body: searchPreferencesBody,
          response: { 200: envelope(searchPreferences), ...memberErrors },
        },
      },
      async (request) =>
        ok(await keywordStore(() => recent.setPreferences(member(request).id, request.body))),
    );

    routes.get(
      '/search/admin/weights',
      {
        config: admin,
        schema: {
          tags: ['search'],
          summary: 'Search ranking weights (SRCH-06)',
          response: { 200: envelope(searchWeightConfig), ...memberErrors },
        },
      },
      async () => ok(await weights.read()),
    );

    routes.patch(
      '/search/admin/weights',
      {
        config: admin,
        schema: {
          tags: ['search'],
          summary: 'Change search ranking weights (SRCH-06); applies to the next searches, no reindex',
          description: [
            'Any subset of the six weights, each 0..100. Field weights boost matches in the name,',
            'brand, specs and description; keywordWeight scales the whole text score; clickWeight',
            'adds clickWeight × log10(1 + popularityScore). Other API replicas apply it within 3 s.',
          ].join(' '),
          body: searchWeightsBody,
          response: { 200: envelope(searchWeightConfig), ...memberErrors },
        },
      },
      async (request) => ok(await weights.update(request.body, member(request).id)),
    );
  };
}
