// Spec definitions: what a category's products are described by (SPEC-01, SENG-02), listed with
// their inherited ones, created, changed and deleted. Owns `spec_definitions`.
import { type Database, productSpecValues, specDefinitions } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import type { SearchSyncSignal } from '@pbshop/queues';
import { recordSpecDefinitionSearchChange } from '@pbshop/search';
import { and, eq, notInArray } from 'drizzle-orm';
import type { CategoriesService } from '../categories/service.ts';
import type { CreateDefinitionBody, SpecDefinition, UpdateDefinitionBody } from './schemas.ts';
import { optionProblems } from './schemas.ts';
import { type DefinitionRow, effectiveDefinitions, requireCategory } from './templates.ts';

function pgError(error: unknown): { code?: string; constraint_name?: string } {
  const cause = (error as { cause?: unknown }).cause ?? error;
  return (cause ?? {}) as { code?: string; constraint_name?: string };
}

const toDefinition = (row: DefinitionRow, inherited = false): SpecDefinition => ({
  id: row.id,
  categoryId: row.categoryId,
  inherited,
  key: row.key,
  name: row.name,
  group: row.groupName,
  type: row.type,
  unit: row.unit,
  options: row.options,
  direction: row.direction,
  filterable: row.filterable,
  sortOrder: row.sortOrder,
});

export async function requireDefinition(db: Database, id: number): Promise<DefinitionRow> {
  const [row] = await db.select().from(specDefinitions).where(eq(specDefinitions.id, id));
  if (!row) throw new AppError('SPEC_DEFINITION_NOT_FOUND');
  return row;
}

export async function listDefinitions(
  db: Database,
  categoryService: CategoriesService,
  categoryId: number,
): Promise<SpecDefinition[]> {
  await requireCategory(categoryService, categoryId);
  return (await effectiveDefinitions(db, categoryId)).map((row) => toDefinition(row, row.inherited));
}

export async function createDefinition(
  db: Database,
  categoryService: CategoriesService,
  body: CreateDefinitionBody,
): Promise<SpecDefinition> {
  await requireCategory(categoryService, body.categoryId);
  try {
    const [row] = await db
      .insert(specDefinitions)
      .values({
        categoryId: body.categoryId,
        key: body.key,
        name: body.name,
        groupName: body.group ?? null,
        type: body.type,
        unit: body.unit ?? null,
        options: body.options ?? null,
        direction: body.direction,
        filterable: body.filterable,
        sortOrder: body.sortOrder,
      })
      .returning();
    if (!row) throw new Error('spec definition insert returned no row');
    return toDefinition(row);
  } catch (error) {
    const pg = pgError(error);
    if (pg.code === '23505' && pg.constraint_name === 'spec_definitions_category_key') {
      throw new AppError('CONFLICT', {
        details: [{ field: 'key', message: 'the category already defines this key' }],
        cause: error,
      });
    }
    throw error;
  }
}

/** Options of a SELECT may change, but not drop an option a product still has. */
export async function updateDefinition(
  db: Database,
  searchSync: SearchSyncSignal,
  id: number,
  body: UpdateDefinitionBody,
): Promise<SpecDefinition> {
  const current = await requireDefinition(db, id);
  if (body.options !== undefined) {
    const problems = optionProblems(current.type, body.options);
    if (problems.length > 0) {
      throw new AppError('VALIDATION_ERROR', {
        details: problems.map((problem) => ({ field: 'body.options', message: problem.message })),
      });
    }
    const [used] = await db
      .select({ value: productSpecValues.textValue })
      .from(productSpecValues)
      .where(
        and(
          eq(productSpecValues.specDefinitionId, id),
          notInArray(productSpecValues.textValue, body.options),
        ),
      )
      .limit(1);
    if (used) {
      throw new AppError('CONFLICT', {
        details: [{ field: 'options', message: `products still have the option "${used.value}"` }],
      });
    }
  }
  const direction = body.direction ?? current.direction;
  if (direction !== 'NONE' && (current.type === 'TEXT' || current.type === 'SELECT')) {
    throw new AppError('VALIDATION_ERROR', {
      details: [{ field: 'body.direction', message: 'only NUMBER and BOOLEAN specs have a direction' }],
    });
  }
  const { group, ...rest } = body;
  const changes = Object.fromEntries(
    Object.entries({ ...rest, groupName: group }).filter(([, value]) => value !== undefined),
  );
  // a new name or unit changes how the products' values read in the index
  const indexed = changes.name !== undefined || changes.unit !== undefined;
  const [row] = await db.transaction(async (tx) => {
    const updated = await tx
      .update(specDefinitions)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(specDefinitions.id, id))
      .returning();
    if (updated.length > 0 && indexed) await recordSpecDefinitionSearchChange(tx, id);
    return updated;
  });
  if (!row) throw new AppError('SPEC_DEFINITION_NOT_FOUND');
  if (indexed) await searchSync.wake();
  return toDefinition(row);
}

/** Deletes the definition with its product values and score mapping (cascade). */
export async function removeDefinition(
  db: Database,
  searchSync: SearchSyncSignal,
  id: number,
): Promise<void> {
  const [row] = await db.transaction(async (tx) => {
    // before the cascade takes the values: their products leave this spec in the index
    await recordSpecDefinitionSearchChange(tx, id);
    return tx.delete(specDefinitions).where(eq(specDefinitions.id, id)).returning({ id: specDefinitions.id });
  });
  if (!row) throw new AppError('SPEC_DEFINITION_NOT_FOUND');
  await searchSync.wake();
}
