// Spec templates: what a category's specs inherit from, and the effective definitions of a
// category that follow from it (SENG-01). Owns `spec_templates`.
import { type Database, specDefinitions, specTemplates } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { inArray, isNotNull, sql } from 'drizzle-orm';
import type { CategoriesService } from '../categories/service.ts';

export type DefinitionRow = typeof specDefinitions.$inferSelect;
export type EffectiveDefinition = DefinitionRow & { inherited: boolean };

/** Deeper chains are refused on write; this bounds a read even if the data were bad. */
const MAX_TEMPLATE_DEPTH = 16;

// serialises template changes, so two crossing PUTs cannot build a cycle between them
const TEMPLATE_LOCK = sql`select pg_advisory_xact_lock(hashtext('pbshop:spec-templates'))`;

export async function requireCategory(categoryService: CategoriesService, id: number) {
  if (!(await categoryService.findById(id))) throw new AppError('CATEGORY_NOT_FOUND');
}

/** The category, then the categories its template inherits from, nearest first. */
export async function chainOf(db: Database, categoryId: number): Promise<number[]> {
  return (await chainsOf(db, [categoryId])).get(categoryId) ?? [categoryId];
}

/** `chainOf` of each category, in one statement. */
export async function chainsOf(db: Database, categoryIds: readonly number[]): Promise<Map<number, number[]>> {
  const chains = new Map<number, number[]>();
  if (categoryIds.length === 0) return chains;
  const rows = await db.execute<{ root: number; category_id: number }>(sql`
    with recursive chain(root, category_id, depth) as (
      select id, id, 0 from unnest(${sql.param([...new Set(categoryIds)])}::bigint[]) as id
      union all
      select chain.root, template.inherits_from_category_id, chain.depth + 1
      from spec_templates template
      join chain on template.category_id = chain.category_id
      where template.inherits_from_category_id is not null and chain.depth < ${MAX_TEMPLATE_DEPTH}
    )
    select root, category_id from chain order by root, depth`);
  for (const row of rows) {
    const chain = chains.get(row.root) ?? [];
    if (!chain.includes(row.category_id)) chain.push(row.category_id);
    chains.set(row.root, chain);
  }
  return chains;
}

/** Own definitions plus inherited ones; the nearest definition of a key wins (SENG-01). */
export async function effectiveDefinitions(db: Database, categoryId: number): Promise<EffectiveDefinition[]> {
  return (await effectiveDefinitionsOf(db, [categoryId])).get(categoryId) ?? [];
}

/** `effectiveDefinitions` of each category, in two statements whatever their number. */
export async function effectiveDefinitionsOf(
  db: Database,
  categoryIds: readonly number[],
): Promise<Map<number, EffectiveDefinition[]>> {
  const chains = await chainsOf(db, categoryIds);
  const inChains = [...new Set([...chains.values()].flat())];
  const rows =
    inChains.length === 0
      ? []
      : await db.select().from(specDefinitions).where(inArray(specDefinitions.categoryId, inChains));
  const byCategory = new Map<number, DefinitionRow[]>();
  for (const row of rows) {
    const own = byCategory.get(row.categoryId) ?? [];
    own.push(row);
    byCategory.set(row.categoryId, own);
  }
  const effective = new Map<number, EffectiveDefinition[]>();
  for (const [categoryId, chain] of chains) {
    const byKey = new Map<string, EffectiveDefinition>();
    for (const categoryIdInChain of chain) {
      for (const row of byCategory.get(categoryIdInChain) ?? []) {
        if (!byKey.has(row.key)) byKey.set(row.key, { ...row, inherited: row.categoryId !== categoryId });
      }
    }
    effective.set(
      categoryId,
      [...byKey.values()].sort(
        (a, b) =>
          a.sortOrder - b.sortOrder ||
          (a.groupName ?? '').localeCompare(b.groupName ?? '') ||
          a.key.localeCompare(b.key),
      ),
    );
  }
  return effective;
}

/**
 * For each definition, the definition of the same key it overrides: the nearest one up its
 * category's template chain, or null (the storefront's `parentDefinitionId`).
 */
export async function overriddenDefinitions(
  db: Database,
  rows: readonly DefinitionRow[],
): Promise<Map<number, number | null>> {
  const overridden = new Map<number, number | null>();
  if (rows.length === 0) return overridden;
  const templates = await db
    .select({ categoryId: specTemplates.categoryId, parent: specTemplates.inheritsFromCategoryId })
    .from(specTemplates)
    .where(isNotNull(specTemplates.inheritsFromCategoryId));
  const parentOf = new Map(templates.map((row) => [row.categoryId, row.parent]));
  const sameKeys = await db
    .select({ id: specDefinitions.id, categoryId: specDefinitions.categoryId, key: specDefinitions.key })
    .from(specDefinitions)
    .where(inArray(specDefinitions.key, [...new Set(rows.map((row) => row.key))]));
  const byCategoryKey = new Map(sameKeys.map((row) => [`${row.categoryId}:${row.key}`, row.id]));
  for (const row of rows) {
    let found: number | null = null;
    const seen = new Set([row.categoryId]);
    let category = parentOf.get(row.categoryId);
    while (category != null && !seen.has(category) && seen.size <= MAX_TEMPLATE_DEPTH) {
      const id = byCategoryKey.get(`${category}:${row.key}`);
      if (id !== undefined) {
        found = id;
        break;
      }
      seen.add(category);
      category = parentOf.get(category);
    }
    overridden.set(row.id, found);
  }
  return overridden;
}

/** Sets (or clears) what a category's template inherits from; a cycle is a 409. */
export async function setTemplate(
  db: Database,
  categoryService: CategoriesService,
  categoryId: number,
  inheritsFromCategoryId: number | null,
) {
  await requireCategory(categoryService, categoryId);
  if (inheritsFromCategoryId) await requireCategory(categoryService, inheritsFromCategoryId);
  return db.transaction(async (tx) => {
    await tx.execute(TEMPLATE_LOCK);
    if (inheritsFromCategoryId) {
      const chain = await chainOf(db, inheritsFromCategoryId);
      if (chain.includes(categoryId)) {
        throw new AppError('SPEC_TEMPLATE_CYCLE', {
          details: [{ field: 'inheritsFromCategoryId', message: 'it inherits from this category already' }],
        });
      }
      if (chain.length >= MAX_TEMPLATE_DEPTH) {
        throw new AppError('VALIDATION_ERROR', {
          details: [{ field: 'inheritsFromCategoryId', message: `at most ${MAX_TEMPLATE_DEPTH} levels` }],
        });
      }
    }
    await tx
      .insert(specTemplates)
      .values({ categoryId, inheritsFromCategoryId })
      .onConflictDoUpdate({
        target: specTemplates.categoryId,
        set: { inheritsFromCategoryId, updatedAt: new Date() },
      });
    return { categoryId, inheritsFromCategoryId };
  });
}
