// Scoring (SENG-04): a spec's score mapping (options or number ranges to 0..100), and the
// weighted comparison that scores each compared product by mapping or by min-max normalisation.
// Owns `spec_scores`; the method is written out in docs/spec-engine.md.
import { type Database, specDefinitions, specScores } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { eq, inArray } from 'drizzle-orm';
import type { CategoriesService } from '../categories/service.ts';
import { comparison, numeric } from './comparison.ts';
import { requireDefinition } from './definitions.ts';
import type { CategoryScoreResult, ScoredCompareResult, ScoresBody, SpecScore } from './schemas.ts';
import { chainsOf, type DefinitionRow, requireCategory } from './templates.ts';
import { numberOf, productsById } from './values.ts';

const toScore = (row: typeof specScores.$inferSelect): SpecScore => ({
  id: row.id,
  optionValue: row.optionValue,
  minValue: row.minValue,
  maxValue: row.maxValue,
  score: row.score,
});

/** Equal weights, or the given ones; round to one decimal for display. */
const round1 = (value: number) => Math.round(value * 10) / 10;

type Problem = { field: string; message: string };

/** A mapping entry in the stored form; `at` the request item it came from, `named` its option field. */
type Entry = {
  at: string;
  named?: string;
  optionValue?: string;
  minValue?: number;
  maxValue?: number;
  score: number;
};

/**
 * The entries in the stored form. The storefront's `{ value, score }` is an option, or for a
 * NUMBER spec the lower bound of a range that runs to the next such value (the highest open).
 */
function storedEntries(definition: DefinitionRow, body: ScoresBody, problems: Problem[]): Entry[] {
  const entries: Entry[] = [];
  const thresholds: { field: string; from: number; score: number }[] = [];
  body.scores.forEach((item, index) => {
    const field = `scores.${index}`;
    const { optionValue, minValue, maxValue, value, score } = item;
    if (value === undefined) {
      entries.push({
        at: field,
        ...(optionValue === undefined ? {} : { optionValue, named: `${field}.optionValue` }),
        ...(minValue === undefined ? {} : { minValue }),
        ...(maxValue === undefined ? {} : { maxValue }),
        score,
      });
    } else if (definition.type !== 'NUMBER') {
      entries.push({ at: field, named: `${field}.value`, optionValue: String(value), score });
    } else {
      const from = numberOf(definition, value);
      if (Number.isFinite(from)) thresholds.push({ field, from, score });
      else problems.push({ field: `${field}.value`, message: 'a number is required for a NUMBER spec' });
    }
  });
  thresholds.sort((a, b) => a.from - b.from);
  thresholds.forEach((threshold, index) => {
    const next = thresholds[index + 1];
    if (next?.from === threshold.from)
      problems.push({ field: `${next.field}.value`, message: 'given twice' });
    entries.push({
      at: threshold.field,
      minValue: threshold.from,
      ...(next && next.from !== threshold.from ? { maxValue: next.from } : {}),
      score: threshold.score,
    });
  });
  return entries;
}

/** Replaces the score mapping of a spec (SENG-04); options must exist, ranges must not overlap. */
export async function setScores(db: Database, specDefId: number, body: ScoresBody): Promise<SpecScore[]> {
  const definition = await requireDefinition(db, specDefId);
  const problems: Problem[] = [];
  const entries = storedEntries(definition, body, problems);
  const seen = new Set<string>();
  for (const item of entries) {
    const field = item.at;
    const named = item.named ?? field;
    if (item.optionValue !== undefined) {
      if (definition.type === 'NUMBER') {
        problems.push({ field, message: 'a NUMBER spec is scored by minValue/maxValue ranges' });
      } else if (definition.type === 'SELECT' && !(definition.options ?? []).includes(item.optionValue)) {
        problems.push({ field: named, message: 'not an option of the spec' });
      } else if (definition.type === 'BOOLEAN' && !['true', 'false'].includes(item.optionValue)) {
        problems.push({ field: named, message: 'true or false' });
      } else if (seen.has(item.optionValue)) {
        problems.push({ field: named, message: 'given twice' });
      }
      seen.add(item.optionValue);
    } else if (definition.type !== 'NUMBER') {
      problems.push({ field, message: 'only a NUMBER spec is scored by ranges' });
    }
  }
  // ranges are [min, max): sorted by min, each must end before the next starts
  const ranges = entries
    .filter((item) => item.optionValue === undefined)
    .map((item) => ({ min: item.minValue ?? -Infinity, max: item.maxValue ?? Infinity }))
    .sort((a, b) => a.min - b.min);
  for (let index = 1; index < ranges.length; index += 1) {
    if (ranges[index - 1]!.max > ranges[index]!.min) {
      problems.push({ field: 'scores', message: 'ranges overlap ([minValue, maxValue) each)' });
      break;
    }
  }
  if (problems.length > 0) throw new AppError('VALIDATION_ERROR', { details: problems });
  return db.transaction(async (tx) => {
    await tx
      .select({ id: specDefinitions.id })
      .from(specDefinitions)
      .where(eq(specDefinitions.id, specDefId))
      .for('update');
    await tx.delete(specScores).where(eq(specScores.specDefinitionId, specDefId));
    if (entries.length === 0) return [];
    const rows = await tx
      .insert(specScores)
      .values(
        entries.map((item) => ({
          specDefinitionId: specDefId,
          optionValue: item.optionValue ?? null,
          minValue: item.minValue ?? null,
          maxValue: item.maxValue ?? null,
          score: item.score,
        })),
      )
      .returning();
    return rows.map(toScore).sort((a, b) => (a.minValue ?? -Infinity) - (b.minValue ?? -Infinity));
  });
}

/**
 * Weighted comparison (SENG-04; method in docs/spec-engine.md): each spec scores 0..100 per
 * product from its mapping when it has one, else min-max normalised by direction; a missing
 * value scores 0 in the total. Without weights every scorable spec weighs the same.
 */
export async function scoredCompare(
  db: Database,
  productIds: number[],
  weights?: Record<string, number>,
): Promise<ScoredCompareResult> {
  const { rows, specs } = await comparison(db, productIds);
  const definitionIds = specs.map((spec) => spec.definition.id);
  const mappings = definitionIds.length
    ? await db.select().from(specScores).where(inArray(specScores.specDefinitionId, definitionIds))
    : [];
  // a key's mapping is the one of the definition the union picked for it
  const scorable = specs.filter(
    ({ definition }) =>
      mappings.some((mapping) => mapping.specDefinitionId === definition.id) ||
      (definition.direction !== 'NONE' && (definition.type === 'NUMBER' || definition.type === 'BOOLEAN')),
  );
  if (weights) {
    const problems = Object.keys(weights)
      .filter((key) => !scorable.some((spec) => spec.definition.key === key))
      .map((key) => ({
        field: `body.weights.${key}`,
        message: specs.some((spec) => spec.definition.key === key)
          ? 'this spec has no score mapping and no direction, so it cannot be scored'
          : 'not a spec of the compared products',
      }));
    if (problems.length > 0) throw new AppError('VALIDATION_ERROR', { details: problems });
  }
  const weighted = scorable
    .map((spec) => ({
      ...spec,
      weight: weights ? (weights[spec.definition.key] ?? 0) : 100 / scorable.length,
    }))
    .filter((spec) => spec.weight > 0);

  const specScoresOut = weighted.map(({ definition, values, weight }) => {
    const mapping = mappings.filter((row) => row.specDefinitionId === definition.id);
    let scores: (number | null)[];
    if (mapping.length > 0) {
      scores = values.map((value) => {
        if (value === null) return null;
        if (definition.type === 'NUMBER' && typeof value === 'number') {
          const hit = mapping.find(
            (row) =>
              row.optionValue === null &&
              (row.minValue === null || value >= row.minValue) &&
              (row.maxValue === null || value < row.maxValue),
          );
          return hit?.score ?? 0;
        }
        return mapping.find((row) => row.optionValue === String(value))?.score ?? 0;
      });
    } else {
      const numbers = values.map((value) => numeric(definition, value));
      const present = numbers.filter((value): value is number => value !== null);
      const min = Math.min(...present);
      const max = Math.max(...present);
      scores = numbers.map((value) => {
        if (value === null) return null;
        if (max === min) return 100;
        const share = (value - min) / (max - min);
        return round1((definition.direction === 'LOWER_IS_BETTER' ? 1 - share : share) * 100);
      });
    }
    const top = Math.max(...scores.map((score) => score ?? -1));
    const leaders = scores.flatMap((score, index) => (score === top && top >= 0 ? [index] : []));
    return {
      key: definition.key,
      name: definition.name,
      weight: round1(weight),
      method: mapping.length > 0 ? ('MAPPING' as const) : ('NORMALIZED' as const),
      scores,
      winner: leaders.length === 1 ? leaders[0]! : null,
    };
  });

  const totalWeight = weighted.reduce((sum, spec) => sum + spec.weight, 0);
  const totals = rows.map((_, index) =>
    totalWeight === 0
      ? 0
      : round1(
          weighted.reduce(
            (sum, spec, specIndex) => sum + spec.weight * (specScoresOut[specIndex]!.scores[index] ?? 0),
            0,
          ) / totalWeight,
        ),
  );
  const productsOut = rows.map((row, index) => ({
    id: row.id,
    name: row.name,
    totalScore: totals[index]!,
    // competition ranking: ties share a rank, the next rank skips
    rank: 1 + totals.filter((total) => total > totals[index]!).length,
  }));
  const best = productsOut.findIndex((product) => product.rank === 1);
  const recommendation =
    specScoresOut.length === 0 || best < 0
      ? null
      : {
          productId: productsOut[best]!.id,
          name: productsOut[best]!.name,
          totalScore: productsOut[best]!.totalScore,
          strengths: specScoresOut.filter((spec) => spec.winner === best).map((spec) => spec.key),
        };
  return { products: productsOut, specScores: specScoresOut, recommendation };
}

/**
 * Products of one category scored by their specs (the storefront's `POST /specs/score`): the
 * weighted comparison of `scoredCompare` over them. Each product must be of the category, or of
 * a category whose spec template inherits from it.
 */
export async function scoreInCategory(
  db: Database,
  categoryService: CategoriesService,
  categoryId: number,
  productIds: number[],
  weights?: Record<string, number>,
): Promise<CategoryScoreResult> {
  await requireCategory(categoryService, categoryId);
  const rows = await productsById(db, productIds);
  const chains = await chainsOf(
    db,
    rows.map((row) => row.categoryId),
  );
  const problems: Problem[] = [];
  for (const [index, row] of rows.entries()) {
    if (!chains.get(row.categoryId)?.includes(categoryId)) {
      problems.push({
        field: `body.productIds.${index}`,
        message: `product ${row.id} is not of category ${categoryId} (nor of one inheriting its specs)`,
      });
    }
  }
  if (problems.length > 0) throw new AppError('VALIDATION_ERROR', { details: problems });
  return { categoryId, ...(await scoredCompare(db, productIds, weights)) };
}
