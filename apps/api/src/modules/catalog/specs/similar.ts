// Similar products (SENG-05): products of the same category ranked by how close their spec values
// are to the target's.
import { type Database, products, productThumbnail } from '@pbshop/db';
import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { SimilarProduct } from './schemas.ts';
import { type DefinitionRow, effectiveDefinitions } from './templates.ts';
import { decode, live, productsById, valuesOf } from './values.ts';

/** Candidates the similarity ranking looks at: the closest in price within the category. */
const SIMILAR_CANDIDATES = 500;

/**
 * Products of the same category by spec similarity (SENG-05): the mean over the target's
 * SELECT/BOOLEAN values (1 when equal) and NUMBER values (1 - distance normalised by the range
 * among the candidates); ties by closeness of the lowest price, then id.
 */
export async function similar(db: Database, productId: number, limit: number): Promise<SimilarProduct[]> {
  const [target] = await productsById(db, [productId]);
  const candidates = await db
    .select({
      id: products.id,
      name: products.name,
      lowestPrice: products.lowestPrice,
      thumbnailUrl: productThumbnail(),
    })
    .from(products)
    .where(
      and(
        eq(products.categoryId, target!.categoryId),
        live,
        ne(products.status, 'HIDDEN'),
        ne(products.id, productId),
      ),
    )
    .orderBy(
      target!.lowestPrice === null
        ? asc(products.id)
        : sql`abs(coalesce(${products.lowestPrice}, 0) - ${target!.lowestPrice}) + case when ${products.lowestPrice} is null then 1e15 else 0 end`,
      asc(products.id),
    )
    .limit(SIMILAR_CANDIDATES);
  if (candidates.length === 0) return [];
  const definitions = await effectiveDefinitions(db, target!.categoryId);
  const values = await valuesOf(db, [productId, ...candidates.map((candidate) => candidate.id)]);
  const specValueOf = (id: number, definition: DefinitionRow) =>
    decode(
      definition,
      values.find((row) => row.productId === id && row.specDefinitionId === definition.id),
    );
  const compared = definitions
    .filter((definition) => definition.type !== 'TEXT')
    .map((definition) => ({ definition, mine: specValueOf(productId, definition) }))
    .filter((spec) => spec.mine !== null);
  const ranges = new Map<number, number>();
  for (const { definition, mine } of compared) {
    if (definition.type !== 'NUMBER') continue;
    const numbers = [
      mine as number,
      ...candidates.map((candidate) => specValueOf(candidate.id, definition)),
    ].filter((value): value is number => typeof value === 'number');
    ranges.set(definition.id, Math.max(...numbers) - Math.min(...numbers));
  }
  const scored = candidates.map((candidate) => {
    let sum = 0;
    for (const { definition, mine } of compared) {
      const theirs = specValueOf(candidate.id, definition);
      if (theirs === null) continue;
      if (definition.type === 'NUMBER') {
        const range = ranges.get(definition.id) ?? 0;
        sum += range === 0 ? 1 : 1 - Math.abs((theirs as number) - (mine as number)) / range;
      } else if (theirs === mine) {
        sum += 1;
      }
    }
    const similarity = compared.length === 0 ? 0 : Math.round((sum / compared.length) * 1000) / 1000;
    const priceGap =
      target!.lowestPrice === null || candidate.lowestPrice === null
        ? Number.MAX_SAFE_INTEGER
        : Math.abs(candidate.lowestPrice - target!.lowestPrice);
    return { ...candidate, similarity, priceGap };
  });
  scored.sort((a, b) => b.similarity - a.similarity || a.priceGap - b.priceGap || a.id - b.id);
  return scored.slice(0, limit).map(({ id, name, thumbnailUrl, lowestPrice, similarity }) => ({
    id,
    name,
    thumbnailUrl,
    lowestPrice,
    similarity,
    similarityScore: similarity,
  }));
}
