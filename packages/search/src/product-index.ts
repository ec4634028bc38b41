import type { SearchClient } from './client.ts';

export type KoreanAnalyzer = 'nori' | 'cjk';

/** Korean text uses nori when the node has the analysis-nori plugin, else CJK bigrams. */
export async function detectKoreanAnalyzer(client: SearchClient): Promise<KoreanAnalyzer> {
  const { body } = await client.cat.plugins({ format: 'json' });
  const plugins = body as unknown as { component: string }[];
  return plugins.some((plugin) => plugin.component === 'analysis-nori') ? 'nori' : 'cjk';
}

export function productAlias(indexPrefix: string): string {
  return `${indexPrefix}-products`;
}

/** Bumped whenever the mapping or analysis changes; an index with an older one needs a full reindex. */
export const PRODUCT_MAPPING_VERSION = 5;

/** free text: Korean-analysed, with a standard-analysed `.english` subfield for whole Latin words */
const koreanWithEnglish = {
  type: 'text' as const,
  analyzer: 'korean',
  fields: { english: { type: 'text' as const, analyzer: 'standard' } },
};

export function productIndexBody(analyzer: KoreanAnalyzer) {
  const korean =
    analyzer === 'nori'
      ? {
          type: 'custom' as const,
          tokenizer: 'korean_nori',
          filter: ['lowercase', 'nori_part_of_speech', 'nori_readingform'],
        }
      : { type: 'custom' as const, tokenizer: 'standard', filter: ['cjk_width', 'lowercase', 'cjk_bigram'] };
  // "mixed" keeps a dictionary compound (노트북) beside its parts (노트, 북); nori's default
  // ("discard") drops the compound, so the word shoppers type would never be a token
  const tokenizer = {
    ...(analyzer === 'nori'
      ? { korean_nori: { type: 'nori_tokenizer' as const, decompound_mode: 'mixed' as const } }
      : {}),
    // prefixes of every word for autocomplete: "갤럭" and "gal" match as they are typed
    prefix_ngram: {
      type: 'edge_ngram' as const,
      min_gram: 1,
      max_gram: 20,
      token_chars: ['letter' as const, 'digit' as const],
    },
  };
  return {
    settings: {
      number_of_shards: 1,
      number_of_replicas: 0,
      max_ngram_diff: 19,
      analysis: {
        tokenizer,
        analyzer: {
          korean,
          autocomplete_index: { type: 'custom' as const, tokenizer: 'prefix_ngram', filter: ['lowercase'] },
          autocomplete_search: { type: 'custom' as const, tokenizer: 'standard', filter: ['lowercase'] },
        },
      },
    },
    mappings: {
      dynamic: 'strict' as const,
      _meta: { koreanAnalyzer: analyzer, mappingVersion: PRODUCT_MAPPING_VERSION },
      properties: {
        productId: { type: 'long' as const },
        name: {
          type: 'text' as const,
          analyzer: 'korean',
          fields: {
            english: { type: 'text' as const, analyzer: 'standard' },
            prefix: {
              type: 'text' as const,
              analyzer: 'autocomplete_index',
              search_analyzer: 'autocomplete_search',
            },
            raw: { type: 'keyword' as const, ignore_above: 256 },
          },
        },
        brand: {
          type: 'keyword' as const,
          fields: {
            text: { type: 'text' as const, analyzer: 'korean' },
            english: { type: 'text' as const, analyzer: 'standard' },
          },
        },
        description: koreanWithEnglish,
        specsText: koreanWithEnglish,
        optionsText: koreanWithEnglish,
        specs: {
          type: 'nested' as const,
          properties: {
            key: { type: 'keyword' as const },
            name: { type: 'keyword' as const },
            value: { type: 'keyword' as const },
            numberValue: { type: 'double' as const },
          },
        },
        categoryId: { type: 'long' as const },
        categoryName: {
          type: 'keyword' as const,
          fields: { text: { type: 'text' as const, analyzer: 'korean' } },
        },
        categoryPath: { type: 'long' as const },
        sellerIds: { type: 'long' as const },
        // returned with the hits only: neither searched nor sorted on
        sellerCount: { type: 'integer' as const, index: false, doc_values: false },
        status: { type: 'keyword' as const },
        lowestPrice: { type: 'long' as const },
        rating: { type: 'float' as const },
        reviewCount: { type: 'integer' as const },
        popularityScore: { type: 'double' as const },
        thumbnailUrl: { type: 'keyword' as const, index: false, doc_values: false },
        suggest: { type: 'completion' as const, analyzer: 'autocomplete_search' },
        createdAt: { type: 'date' as const },
        updatedAt: { type: 'date' as const },
      },
    },
  };
}

export interface ProductIndexState {
  alias: string;
  index: string;
  analyzer: KoreanAnalyzer;
  created: boolean;
}

/**
 * Makes sure the products read alias points at an index. The first index has a fixed name so
 * concurrent replicas cannot each create one; later versions come from a full reindex.
 */
export async function ensureProductIndex(
  client: SearchClient,
  indexPrefix: string,
): Promise<ProductIndexState> {
  const alias = productAlias(indexPrefix);
  const analyzer = await detectKoreanAnalyzer(client);
  const existing = await client.indices.getAlias({ name: alias }, { ignore: [404] });
  const indices = existing.statusCode === 404 ? [] : Object.keys(existing.body ?? {});
  if (indices[0]) return { alias, index: indices[0], analyzer, created: false };
  const index = `${alias}-v1`;
  const created = await client.indices.create(
    { index, body: { ...productIndexBody(analyzer), aliases: { [alias]: {} } } },
    { ignore: [400] },
  );
  const body = created.body as { error?: { type?: string; reason?: string } };
  if (created.statusCode === 400 && body.error?.type !== 'resource_already_exists_exception') {
    throw new Error(`cannot create ${index}: ${body.error?.reason ?? 'bad request'}`);
  }
  return { alias, index, analyzer, created: created.statusCode !== 400 };
}
