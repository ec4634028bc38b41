// Product search from PostgreSQL, for when OpenSearch is down or its breaker is open. The search
// module's read-only projection of the catalogue, like the index documents: the same filters and
// sorts as GET /search, words matched with ILIKE, and only when that finds nothing with pg_trgm
// word similarity (both can use the products_name_trgm_idx / products_brand_trgm_idx GIN
// indexes); no facets and no suggestions.
import { categories, type Database, productImages, products } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, asc, desc, eq, gte, ilike, inArray, isNull, lte, ne, or, type SQL, sql } from 'drizzle-orm';
import type { CategoriesService } from '../../catalog/categories/service.ts';
import { specFilterConditions } from '../../catalog/specs/service.ts';
import { escapeLike } from '../../identity/users/service.ts';
import {
  AUTOCOMPLETE_CATEGORIES,
  AUTOCOMPLETE_KEYWORDS,
  AUTOCOMPLETE_PRODUCTS,
  emptyFacets,
  highlightTyped,
} from './query.ts';
import type { AutocompleteResult, SearchInput, SearchResult, SearchSpecFilters } from './schemas.ts';

/** Words matched in the fallback: each must match, so a few keep the plan cheap. */
const FALLBACK_WORDS = 5;
/** Word similarity (pg_trgm) from which a word counts as a misspelling of a word in the name. */
const TYPO_SIMILARITY = '0.5';
/** Words shorter than this are never matched as misspellings in the fallback. */
const MIN_TYPO_WORD_LENGTH = 4;
/** Rows autocomplete reads to find keywords and categories besides the products it shows. */
const AUTOCOMPLETE_SCAN = 20;

type Executor = Database | Parameters<Parameters<Database['transaction']>[0]>[0];

/** The main image (else the first by sort order) of each product: for one page, after the limit. */
async function thumbnails(executor: Executor, ids: number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await executor
    .selectDistinctOn([productImages.productId], {
      productId: productImages.productId,
      url: productImages.url,
    })
    .from(productImages)
    .where(inArray(productImages.productId, ids))
    .orderBy(
      productImages.productId,
      desc(productImages.isMain),
      asc(productImages.sortOrder),
      asc(productImages.createdAt),
    );
  return new Map(rows.map((row) => [row.productId, row.url]));
}

const listed = [isNull(products.deletedAt), ne(products.status, 'HIDDEN')];

function orderFor(sort: SearchInput['sort'], relevance: SQL): SQL[] {
  switch (sort) {
    case 'price_asc':
      return [sql`${products.lowestPrice} asc nulls last`, asc(products.id)];
    case 'price_desc':
      return [sql`${products.lowestPrice} desc nulls last`, asc(products.id)];
    case 'newest':
      return [desc(products.createdAt), asc(products.id)];
    case 'popularity':
      return [desc(products.popularityScore), asc(products.id)];
    case 'rating_desc':
      return [desc(products.averageRating), desc(products.reviewCount), asc(products.id)];
    case 'rating_asc':
      return [asc(products.averageRating), desc(products.reviewCount), asc(products.id)];
    default:
      return [sql`${relevance} desc`, desc(products.popularityScore), asc(products.id)];
  }
}

interface FallbackPage {
  rows: {
    id: number;
    name: string;
    lowestPrice: number | null;
    averageRating: number;
    sellerCount: number;
    thumbnailUrl: string | null;
    categoryName: string;
    score: number;
  }[];
  totalCount: number;
}

/** One page and, from the same scan, the number of matches (counted apart only past the last page). */
async function page(
  executor: Executor,
  input: SearchInput,
  where: SQL,
  relevance: SQL<number>,
): Promise<FallbackPage> {
  const rows = await executor
    .select({
      id: products.id,
      name: products.name,
      lowestPrice: products.lowestPrice,
      averageRating: products.averageRating,
      sellerCount: products.sellerCount,
      categoryName: categories.name,
      score: relevance,
      total: sql<number>`(count(*) over ())::int`,
    })
    .from(products)
    .innerJoin(categories, eq(categories.id, products.categoryId))
    .where(where)
    .orderBy(...orderFor(input.sort, relevance))
    .limit(input.limit)
    .offset((input.page - 1) * input.limit);
  if (rows.length === 0 && input.page > 1) {
    const [total] = await executor.select({ value: sql<number>`count(*)::int` }).from(products).where(where);
    return { rows: [], totalCount: total?.value ?? 0 };
  }
  const images = await thumbnails(
    executor,
    rows.map((row) => row.id),
  );
  return {
    rows: rows.map((row) => ({ ...row, thumbnailUrl: images.get(row.id) ?? null })),
    totalCount: rows[0]?.total ?? 0,
  };
}

function hitsOf(found: FallbackPage, phrase: string): SearchResult {
  return {
    hits: found.rows.map((row) => ({
      id: row.id,
      name: row.name,
      highlightedName: highlightTyped(row.name, phrase, 'anywhere'),
      lowestPrice: row.lowestPrice,
      averageRating: row.averageRating,
      sellerCount: row.sellerCount,
      thumbnailUrl: row.thumbnailUrl,
      categoryName: row.categoryName,
      score: Math.round(Number(row.score) * 10_000) / 10_000,
    })),
    facets: emptyFacets(),
    suggestions: [],
    totalCount: found.totalCount,
  };
}

export function searchFallback(db: Database, categoryService: CategoriesService) {
  /** Spec filters through the specs module; a list of values is any of them. Null: nothing matches. */
  async function specConditions(specs: SearchSpecFilters): Promise<SQL[] | null> {
    try {
      const conditions: SQL[] = [];
      for (const [key, filter] of Object.entries(specs)) {
        if (!Array.isArray(filter)) {
          conditions.push(...(await specFilterConditions(db, { [key]: filter })));
          continue;
        }
        const alternatives = await Promise.all(
          filter.map(async (value) => and(...(await specFilterConditions(db, { [key]: value })))),
        );
        conditions.push(or(...alternatives)!);
      }
      return conditions;
    } catch (error) {
      // a key no filterable spec has: OpenSearch would match nothing, and so does the fallback
      if (error instanceof AppError && error.code === 'VALIDATION_ERROR') return null;
      throw error;
    }
  }

  /**
   * Listed products within the category subtree, price range, rating, seller and specs; null: none
   * can match.
   */
  async function filterConditions(input: SearchInput): Promise<SQL[] | null> {
    const conditions: SQL[] = [...listed];
    if (input.categoryId) {
      const ids = await categoryService.selfAndDescendantIds(input.categoryId);
      if (ids.length === 0) return null;
      conditions.push(inArray(products.categoryId, ids));
    }
    if (input.minPrice !== undefined) conditions.push(gte(products.lowestPrice, input.minPrice));
    if (input.maxPrice !== undefined) conditions.push(lte(products.lowestPrice, input.maxPrice));
    if (input.minRating !== undefined) conditions.push(gte(products.averageRating, input.minRating));
    if (input.sellerId) {
      conditions.push(
        sql`exists (select 1 from offers offer where offer.product_id = "products"."id" and offer.seller_id = ${input.sellerId})`,
      );
    }
    if (input.specs) {
      const specs = await specConditions(input.specs);
      if (!specs) return null;
      conditions.push(...specs);
    }
    return conditions;
  }

  return {
    /**
     * Every word in the name or brand (ILIKE), most relevant first (the phrase at the start of
     * the name, then anywhere); only when nothing matches, the words as misspellings (pg_trgm
     * word similarity), which costs more. One query each: the total comes with the page.
     */
    async search(input: SearchInput): Promise<SearchResult> {
      const words = input.text.split(' ').slice(0, FALLBACK_WORDS);
      const phrase = words.join(' ');
      const filters = await filterConditions(input);
      if (!filters) return empty();
      const exact = words.map((word) => {
        const pattern = `%${escapeLike(word)}%`;
        return or(ilike(products.name, pattern), ilike(products.brand, pattern))!;
      });
      // coalesce: a product without a brand would otherwise score null, and null sorts first
      const relevance = sql<number>`(
        (${products.name} ilike ${`${escapeLike(phrase)}%`})::int * 2
        + (${products.name} ilike ${`%${escapeLike(phrase)}%`})::int
        + coalesce((${products.brand} ilike ${`${escapeLike(phrase)}%`})::int, 0))`;
      const found = await page(db, input, and(...filters, ...exact)!, relevance);
      // short words have too few trigrams to tell a typo from another word, and cost the most
      const typoTolerant = words.every((word) => Array.from(word).length >= MIN_TYPO_WORD_LENGTH);
      if (found.totalCount > 0 || input.page > 1 || !typoTolerant) return hitsOf(found, phrase);
      // `<%`: word similarity above pg_trgm.word_similarity_threshold (0.6 by default, set for
      // this transaction); one typo in a seven-letter word ("samsnug") scores 0.5
      const similar = await db.transaction(async (tx) => {
        await tx.execute(
          sql`select set_config('pg_trgm.word_similarity_threshold', ${TYPO_SIMILARITY}, true)`,
        );
        const typos = words.map(
          (word) => or(sql`${word} <% ${products.name}`, sql`${word} <% ${products.brand}`)!,
        );
        return page(
          tx,
          input,
          and(...filters, ...typos)!,
          sql<number>`word_similarity(${phrase}, ${products.name})`,
        );
      });
      return hitsOf(similar, phrase);
    },

    /** Names (and their brands) starting with the typed text, or with a word that does: one query. */
    async autocomplete(text: string): Promise<AutocompleteResult> {
      const typed = escapeLike(text);
      const rows = await db
        .select({
          id: products.id,
          name: products.name,
          brand: products.brand,
          lowestPrice: products.lowestPrice,
          categoryId: categories.id,
          categoryName: categories.name,
        })
        .from(products)
        .innerJoin(categories, eq(categories.id, products.categoryId))
        .where(
          and(
            ...listed,
            or(
              ilike(products.name, `${typed}%`),
              ilike(products.name, `% ${typed}%`),
              ilike(products.brand, `${typed}%`),
            ),
          ),
        )
        .orderBy(desc(products.popularityScore), asc(products.id))
        .limit(AUTOCOMPLETE_SCAN);
      const shown = rows.slice(0, AUTOCOMPLETE_PRODUCTS);
      const images = await thumbnails(
        db,
        shown.map((row) => row.id),
      );
      const lowered = text.toLowerCase();
      const keywords = new Map<string, string>();
      const candidates = [...rows.map((row) => row.brand ?? ''), ...rows.map((row) => row.name)];
      for (const candidate of candidates) {
        const key = candidate.toLowerCase();
        if (!key.startsWith(lowered) || keywords.has(key) || keywords.size === AUTOCOMPLETE_KEYWORDS)
          continue;
        keywords.set(key, highlightTyped(candidate, text, 'word-start'));
      }
      const categoryNames = new Map<number, string>();
      for (const row of rows) {
        if (categoryNames.size < AUTOCOMPLETE_CATEGORIES) categoryNames.set(row.categoryId, row.categoryName);
      }
      return {
        keywords: [...keywords.values()],
        products: shown.map((row) => ({
          id: row.id,
          name: highlightTyped(row.name, text, 'word-start'),
          thumbnailUrl: images.get(row.id) ?? null,
          lowestPrice: row.lowestPrice,
        })),
        categories: [...categoryNames].map(([id, name]) => ({ id, name })),
      };
    },
  };

  function empty(): SearchResult {
    return { hits: [], facets: emptyFacets(), suggestions: [], totalCount: 0 };
  }
}

export type SearchFallback = ReturnType<typeof searchFallback>;
