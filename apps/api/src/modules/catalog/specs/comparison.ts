// Comparison (SPEC-04, SENG-03): the compared products side by side over the union of their
// effective definitions, the best value of each spec with a direction highlighted. The union is
// also what the scored comparison scores.
import type { Database } from '@pbshop/db';
import type { CompareResult, NumericCompareResult, SpecValue } from './schemas.ts';
import { type DefinitionRow, type EffectiveDefinition, effectiveDefinitionsOf } from './templates.ts';
import { decode, productsById, valuesOf } from './values.ts';

/** Numbers for comparison: NUMBER as is, BOOLEAN as 1/0; others none. */
export function numeric(definition: DefinitionRow, value: SpecValue | null): number | null {
  if (value === null) return null;
  if (definition.type === 'NUMBER' && typeof value === 'number') return value;
  if (definition.type === 'BOOLEAN' && typeof value === 'boolean') return value ? 1 : 0;
  return null;
}

/**
 * The compared products with the union of their effective definitions (by key, in sort order)
 * and each product's value of each key.
 */
export async function comparison(db: Database, productIds: number[]) {
  const rows = await productsById(db, productIds);
  const byCategory = new Map<number, Map<string, EffectiveDefinition>>();
  for (const [categoryId, definitions] of await effectiveDefinitionsOf(
    db,
    rows.map((row) => row.categoryId),
  )) {
    byCategory.set(categoryId, new Map(definitions.map((definition) => [definition.key, definition])));
  }
  const keys = new Map<string, EffectiveDefinition>();
  for (const row of rows) {
    for (const [key, definition] of byCategory.get(row.categoryId) ?? []) {
      if (!keys.has(key)) keys.set(key, definition);
    }
  }
  const values = await valuesOf(db, productIds);
  const specs = [...keys.values()]
    .sort((a, b) => a.sortOrder - b.sortOrder)
    .map((definition) => {
      const perProduct = rows.map((row) => {
        const own = byCategory.get(row.categoryId)?.get(definition.key);
        if (!own) return null;
        const stored = values.find(
          (value) => value.productId === row.id && value.specDefinitionId === own.id,
        );
        return decode(own, stored);
      });
      return { definition, values: perProduct };
    });
  return { rows, specs };
}

/** Side by side (SPEC-04); numeric winners by direction highlighted (SENG-03). */
export async function compare(db: Database, productIds: number[]): Promise<CompareResult> {
  const { rows, specs } = await comparison(db, productIds);
  return {
    products: rows.map(({ id, name, thumbnailUrl, lowestPrice }) => ({
      id,
      name,
      thumbnailUrl,
      lowestPrice,
    })),
    specs: specs.map(({ definition, values }) => {
      const numbers = values.map((value) => numeric(definition, value));
      const present = numbers.filter((value): value is number => value !== null);
      let winnerIndexes: number[] = [];
      if (definition.direction !== 'NONE' && present.length >= 2) {
        const best =
          definition.direction === 'HIGHER_IS_BETTER' ? Math.max(...present) : Math.min(...present);
        // all equal: nobody wins
        if (present.some((value) => value !== best)) {
          winnerIndexes = numbers.flatMap((value, index) => (value === best ? [index] : []));
        }
      }
      return {
        key: definition.key,
        name: definition.name,
        group: definition.groupName,
        unit: definition.unit,
        type: definition.type,
        direction: definition.direction,
        values,
        winnerIndexes,
      };
    }),
  };
}

/**
 * The numeric highlight (SENG-03; the storefront's `POST /specs/compare/numeric`): the NUMBER
 * specs of the side-by-side comparison, with the winners' value.
 */
export async function numericCompare(db: Database, productIds: number[]): Promise<NumericCompareResult> {
  const { products, specs } = await compare(db, productIds);
  return {
    products,
    specs: specs
      .filter((spec) => spec.type === 'NUMBER')
      .map(({ key, name, group, unit, direction, values, winnerIndexes }) => {
        const numbers = values.map((value) => (typeof value === 'number' ? value : null));
        return {
          key,
          name,
          group,
          unit,
          direction,
          higherIsBetter: direction === 'HIGHER_IS_BETTER',
          values: numbers,
          winnerIndexes,
          best: winnerIndexes.length > 0 ? (numbers[winnerIndexes[0]!] ?? null) : null,
        };
      }),
  };
}
