// Spec templates: what a category's specs inherit from, and the effective definitions of a
// category that follow from it (SENG-01). Owns `spec_templates`.
import { type Database, specDefinitions, specTemplates } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { inArray, sql } from 'drizzle-orm';
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
async function chainOf(db: Database, categoryId: number): Promise<number[]> {
  const rows = await db.execute<{ category_id: number }>(sql`
    with recursive chain(category_id, depth) as (
      select ${categoryId}::bigint, 0
      union all
      select template.inherits_from_category_id, chain.depth + 1
      from spec_templates template
      join chain on template.category_id = chain.category_id
      where template.inherits_from_category_id is not null and chain.depth < ${MAX_TEMPLATE_DEPTH}
    )
    select category_id from chain order by depth`);
  const seen: number[] = [];
  for (const row of rows) if (!seen.includes(row.category_id)) seen.push(row.category_id);
  return seen;
}

/** Own definitions plus inherited ones; the nearest definition of a key wins (SENG-01). */
export async function effectiveDefinitions(db: Database, categoryId: number): Promise<EffectiveDefinition[]> {
  const chain = await chainOf(db, categoryId);
  const rows = await db.select().from(specDefinitions).where(inArray(specDefinitions.categoryId, chain));
  const byKey = new Map<string, EffectiveDefinition>();
  for (const categoryIdInChain of chain) {
    for (const row of rows) {
      if (row.categoryId !== categoryIdInChain || byKey.has(row.key)) continue;
      byKey.set(row.key, { ...row, inherited: row.categoryId !== categoryId });
    }
  }
  return [...byKey.values()].sort(
    (a, b) =>
      a.sortOrder - b.sortOrder ||
      (a.groupName ?? '').localeCompare(b.groupName ?? '') ||
      a.key.localeCompare(b.key),
  );
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
