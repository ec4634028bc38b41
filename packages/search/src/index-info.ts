import type { SearchClient } from './client.ts';
import type { KoreanAnalyzer } from './product-index.ts';
import { abortable } from './sync.ts';

export interface LiveIndexInfo {
  /** the concrete index the read alias points at */
  index: string;
  /** every index holding the alias (one, unless something went wrong) */
  indices: string[];
  analyzer: KoreanAnalyzer | null;
  /** `_meta.mappingVersion` of the index; 0 for an index from before mapping versions */
  mappingVersion: number;
}

interface MappingBody {
  mappings?: { _meta?: { koreanAnalyzer?: KoreanAnalyzer; mappingVersion?: number } };
}

/** N of an index named `<alias>-vN`; 0 for any other name. */
export function indexNumber(index: string): number {
  const match = /-v(\d+)$/.exec(index);
  return match ? Number(match[1]) : 0;
}

/** What the read alias points at, with its mapping's analyzer and version; null without the alias. */
export async function liveIndexInfo(
  client: SearchClient,
  alias: string,
  signal: AbortSignal,
): Promise<LiveIndexInfo | null> {
  const response = await abortable(signal, client.indices.getMapping({ index: alias }, { ignore: [404] }));
  if (response.statusCode === 404) return null;
  const body = response.body as unknown as Record<string, MappingBody>;
  const indices = Object.keys(body).sort((a, b) => indexNumber(a) - indexNumber(b));
  const index = indices[indices.length - 1];
  if (!index) return null;
  const meta = body[index]?.mappings?._meta ?? {};
  return {
    index,
    indices,
    analyzer: meta.koreanAnalyzer ?? null,
    mappingVersion: meta.mappingVersion ?? 0,
  };
}

/** Documents in the index behind the alias (refreshed ones: a write shows within a second). */
export async function countDocuments(
  client: SearchClient,
  alias: string,
  signal: AbortSignal,
): Promise<number> {
  const response = await abortable(signal, client.count({ index: alias }));
  return (response.body as { count: number }).count;
}
