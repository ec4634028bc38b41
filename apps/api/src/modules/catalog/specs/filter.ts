// The product list's `specs` filter (SPEC-03), also used by the search fallback.
import { type Database, specDefinitions } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { SpecFilters } from './schemas.ts';
import { NUMBER_TEXT } from './values.ts';

/**
 * The EXISTS conditions of the product list's `specs` filter (SPEC-03): one per key, on
 * `product_spec_values` joined to the definitions of that key. Unknown or non-filterable keys, and
 * ranges on keys that are not NUMBER, are a 400.
 */
export async function specFilterConditions(db: Database, filters: SpecFilters): Promise<SQL[]> {
  const keys = Object.keys(filters);
  if (keys.length === 0) return [];
  const rows = await db
    .selectDistinct({ key: specDefinitions.key, type: specDefinitions.type })
    .from(specDefinitions)
    .where(and(inArray(specDefinitions.key, keys), eq(specDefinitions.filterable, true)));
  const types = new Map<string, Set<string>>();
  for (const row of rows) types.set(row.key, (types.get(row.key) ?? new Set()).add(row.type));
  const problems: { field: string; message: string }[] = [];
  const conditions: SQL[] = [];
  for (const [key, filter] of Object.entries(filters)) {
    const known = types.get(key);
    if (!known) {
      problems.push({ field: `querystring.specs.${key}`, message: 'no filterable spec has this key' });
      continue;
    }
    const base = sql`select 1 from product_spec_values value
      join spec_definitions definition on definition.id = value.spec_definition_id
      where value.product_id = "products"."id" and definition.key = ${key} and definition.filterable`;
    if (typeof filter === 'object') {
      if (!known.has('NUMBER')) {
        problems.push({ field: `querystring.specs.${key}`, message: 'a range needs a NUMBER spec' });
        continue;
      }
      const bounds: SQL[] = [sql`definition.type = 'NUMBER'`];
      if (filter.min !== undefined) bounds.push(sql`value.number_value >= ${filter.min}`);
      if (filter.max !== undefined) bounds.push(sql`value.number_value <= ${filter.max}`);
      conditions.push(sql`exists (${base} and ${sql.join(bounds, sql` and `)})`);
      continue;
    }
    const text = typeof filter === 'string' ? filter.normalize('NFC').trim() : String(filter);
    const number = typeof filter === 'number' ? filter : NUMBER_TEXT.test(text) ? Number(text) : null;
    const matches =
      number === null
        ? sql`(definition.type <> 'NUMBER' and value.text_value = ${text})`
        : sql`((definition.type = 'NUMBER' and value.number_value = ${number}) or (definition.type <> 'NUMBER' and value.text_value = ${text}))`;
    conditions.push(sql`exists (${base} and ${matches})`);
  }
  if (problems.length > 0) throw new AppError('VALIDATION_ERROR', { details: problems });
  return conditions;
}
