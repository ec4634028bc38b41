// Spec definitions: what a category's products are described by (SPEC-01, SENG-02), listed with
// their inherited ones, created, changed and deleted. Owns `spec_definitions`.
import { createHash } from 'node:crypto';
import { type Database, isUniqueViolation, productSpecValues, specDefinitions } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import type { SearchSyncSignal } from '@pbshop/queues';
import { recordSpecDefinitionSearchChange } from '@pbshop/search';
import { and, asc, eq, notInArray } from 'drizzle-orm';
import type { CategoriesService } from '../categories/service.ts';
import type { CreateDefinitionBody, SpecDefinition, UpdateDefinitionBody } from './schemas.ts';
import { optionProblems, resolveDirection } from './schemas.ts';
import {
  type DefinitionRow,
  effectiveDefinitions,
  overriddenDefinitions,
  requireCategory,
} from './templates.ts';

const dataTypes = { NUMBER: 'NUMBER', BOOLEAN: 'BOOLEAN', SELECT: 'STRING', TEXT: 'STRING' } as const;

/** A definition as answered: ours, and the storefront's names derived from it. */
const toDefinition = (
  row: DefinitionRow,
  parentDefinitionId: number | null,
  inherited = false,
): SpecDefinition => ({
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
  groupName: row.groupName,
  parentDefinitionId,
  higherIsBetter: row.direction === 'HIGHER_IS_BETTER',
  isComparable: row.direction !== 'NONE',
  dataType: dataTypes[row.type],
});

async function toDefinitions(
  db: Database,
  rows: readonly (DefinitionRow & { inherited?: boolean })[],
): Promise<SpecDefinition[]> {
  const overridden = await overriddenDefinitions(db, rows);
  return rows.map((row) => toDefinition(row, overridden.get(row.id) ?? null, row.inherited ?? false));
}

/**
 * The key of a definition created without one (the storefront sends none): the name as a
 * lower-case ASCII slug (`Screen size` → `screen_size`, `Écran` → `ecran`). A name with
 * characters the slug cannot spell (Hangul, kana …) gets a hash of the whole name after the
 * slug (`RAM 용량` → `ram_1a2b3c4d`), or `spec_<hash>` when nothing is left, so two such names do
 * not meet on one key while the same name always gives the same key.
 */
export function keyFromName(name: string): string {
  const folded = name.normalize('NFKD').replace(/\p{M}/gu, '');
  const slug = folded
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const lossy = /[^\x20-\x7e]/.test(folded);
  const hash = createHash('sha256').update(name.normalize('NFC')).digest('hex').slice(0, 8);
  const head = /^[a-z]/.test(slug) ? slug : slug ? `spec_${slug}` : '';
  if (!head) return `spec_${hash}`;
  if (!lossy) return head.slice(0, 50).replace(/_+$/, '');
  return `${head.slice(0, 41).replace(/_+$/, '')}_${hash}`;
}

export async function requireDefinition(db: Database, id: number): Promise<DefinitionRow> {
  const [row] = await db.select().from(specDefinitions).where(eq(specDefinitions.id, id));
  if (!row) throw new AppError('SPEC_DEFINITION_NOT_FOUND');
  return row;
}

/** A category's effective definitions (SPEC-01, SENG-01); without a category, every definition. */
export async function listDefinitions(
  db: Database,
  categoryService: CategoriesService,
  categoryId: number | undefined,
): Promise<SpecDefinition[]> {
  if (categoryId === undefined) {
    const rows = await db
      .select()
      .from(specDefinitions)
      .orderBy(asc(specDefinitions.categoryId), asc(specDefinitions.sortOrder), asc(specDefinitions.key));
    return toDefinitions(db, rows);
  }
  await requireCategory(categoryService, categoryId);
  return toDefinitions(db, await effectiveDefinitions(db, categoryId));
}

export async function createDefinition(
  db: Database,
  categoryService: CategoriesService,
  body: CreateDefinitionBody,
): Promise<SpecDefinition> {
  await requireCategory(categoryService, body.categoryId);
  const key = body.key ?? keyFromName(body.name);
  try {
    const [row] = await db
      .insert(specDefinitions)
      .values({
        categoryId: body.categoryId,
        key,
        name: body.name,
        groupName: body.group,
        type: body.type,
        unit: body.unit ?? null,
        options: body.options ?? null,
        direction: body.direction,
        filterable: body.filterable,
        sortOrder: body.sortOrder,
      })
      .returning();
    if (!row) throw new Error('spec definition insert returned no row');
    return (await toDefinitions(db, [row]))[0]!;
  } catch (error) {
    if (isUniqueViolation(error, 'spec_definitions_category_key')) {
      throw new AppError('CONFLICT', {
        details: [
          body.key === undefined
            ? {
                field: 'name',
                message: `the category already defines the key "${key}", made from this name; send another name or a key`,
              }
            : { field: 'key', message: 'the category already defines this key' },
        ],
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
  if (body.type !== undefined && body.type !== current.type) {
    throw new AppError('VALIDATION_ERROR', {
      details: [
        {
          field: 'body.type',
          message: `the type stays ${current.type}; delete and recreate the spec to change it`,
        },
      ],
    });
  }
  const resolved = resolveDirection(current.type, body, current.direction);
  if ('message' in resolved) {
    throw new AppError('VALIDATION_ERROR', {
      details: [{ field: `body.${resolved.path.join('.')}`, message: resolved.message }],
    });
  }
  const { group, groupName, type: _type, higherIsBetter: _higher, isComparable: _comparable, ...rest } = body;
  const changes = Object.fromEntries(
    Object.entries({
      ...rest,
      direction: resolved.direction === current.direction ? undefined : resolved.direction,
      groupName: group !== undefined ? group : groupName,
    }).filter(([, value]) => value !== undefined),
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
  return (await toDefinitions(db, [row]))[0]!;
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
