// Product spec values (SPEC-02): a value checked against its definition and stored by type, read
// back as the client sees it; a product's values read and replaced, with the search outbox row of
// the replacement. Owns `product_spec_values`.
import { type Database, productSpecValues, products, productThumbnail } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import type { SearchSyncSignal } from '@pbshop/queues';
import { recordSearchChange } from '@pbshop/search';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { ProductSpec, ProductSpecGroup, ProductSpecsBody, SpecValue, SpecValueItem } from './schemas.ts';
import { MAX_SPEC_NUMBER } from './schemas.ts';
import { type DefinitionRow, effectiveDefinitions } from './templates.ts';

export type ValueRow = {
  productId: number;
  specDefinitionId: number;
  textValue: string | null;
  numberValue: number | null;
};

export const live = isNull(products.deletedAt);

/** A number written as text, as a NUMBER value or a spec filter may be given. */
export const NUMBER_TEXT = /^\s*-?\d+(\.\d+)?\s*$/;

/** The stored value of a definition as the client sees it. */
export function decode(definition: DefinitionRow, row: ValueRow | undefined): SpecValue | null {
  if (!row) return null;
  if (definition.type === 'NUMBER') return row.numberValue;
  if (definition.type === 'BOOLEAN') return row.textValue === 'true';
  return row.textValue;
}

/**
 * The number a NUMBER value gives: a number, or a number written as text, with the definition's
 * unit after it or not (`"1.2"`, `"1.2 kg"`: what a product's specs answer as `value`).
 */
export function numberOf(definition: DefinitionRow, value: SpecValue): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return Number.NaN;
  let text = value.normalize('NFC').trim();
  if (definition.unit && text.endsWith(definition.unit)) text = text.slice(0, -definition.unit.length);
  return NUMBER_TEXT.test(text) ? Number(text) : Number.NaN;
}

/**
 * Checks a value against its definition; the columns to store, or a problem message. A NUMBER
 * takes the storefront's `numericValue` before `value` (then only display text); the other types
 * take no `numericValue`.
 */
export function encode(
  definition: DefinitionRow,
  item: Pick<SpecValueItem, 'value' | 'numericValue'>,
): { textValue: string | null; numberValue: number | null } | string {
  if (definition.type !== 'NUMBER' && item.numericValue !== undefined) {
    return `only a NUMBER spec takes numericValue; send the ${definition.type} value as value`;
  }
  const value = item.value;
  switch (definition.type) {
    case 'NUMBER': {
      const number = item.numericValue ?? (value === undefined ? Number.NaN : numberOf(definition, value));
      if (!Number.isFinite(number)) return 'a number is required';
      if (Math.abs(number) > MAX_SPEC_NUMBER) return `at most ${MAX_SPEC_NUMBER} in magnitude`;
      return { textValue: null, numberValue: Math.round(number * 10_000) / 10_000 };
    }
    case 'BOOLEAN': {
      if (value === true || value === 'true') return { textValue: 'true', numberValue: null };
      if (value === false || value === 'false') return { textValue: 'false', numberValue: null };
      return 'true or false is required';
    }
    case 'SELECT': {
      const text = typeof value === 'string' ? value.normalize('NFC').trim() : String(value);
      if (!(definition.options ?? []).includes(text)) {
        return `one of: ${(definition.options ?? []).join(', ')}`.slice(0, 500);
      }
      return { textValue: text, numberValue: null };
    }
    default: {
      if (typeof value !== 'string') return 'text is required';
      const text = value.normalize('NFC').trim();
      if (text.length === 0 || text.length > 500) return '1..500 characters';
      if (/\p{Cc}/u.test(text)) return 'control characters are not allowed';
      return { textValue: text, numberValue: null };
    }
  }
}

/** Live products by id in the order asked; a missing one is a 404. */
export async function productsById(db: Database, ids: number[]) {
  const rows = await db
    .select({
      id: products.id,
      name: products.name,
      categoryId: products.categoryId,
      lowestPrice: products.lowestPrice,
      thumbnailUrl: productThumbnail(),
    })
    .from(products)
    .where(and(inArray(products.id, ids), live));
  return ids.map((id) => {
    const row = rows.find((item) => item.id === id);
    if (!row) throw new AppError('PRODUCT_NOT_FOUND', { details: { productId: id } });
    return row;
  });
}

/** The stored values of the products, of every definition. */
export async function valuesOf(db: Database, productIds: number[]): Promise<ValueRow[]> {
  if (productIds.length === 0) return [];
  return db
    .select({
      productId: productSpecValues.productId,
      specDefinitionId: productSpecValues.specDefinitionId,
      textValue: productSpecValues.textValue,
      numberValue: productSpecValues.numberValue,
    })
    .from(productSpecValues)
    .where(inArray(productSpecValues.productId, productIds));
}

/**
 * A product's values (SPEC-02) as the storefront reads them: `value` as text (a NUMBER with its
 * unit), the number of a NUMBER also as `numericValue`.
 */
export async function productSpecs(db: Database, productId: number): Promise<ProductSpec[]> {
  const [product] = await productsById(db, [productId]);
  const definitions = await effectiveDefinitions(db, product!.categoryId);
  const values = await valuesOf(db, [productId]);
  return definitions.flatMap((definition) => {
    const value = decode(
      definition,
      values.find((row) => row.specDefinitionId === definition.id),
    );
    if (value === null) return [];
    const number = typeof value === 'number' ? value : undefined;
    return [
      {
        specDefinitionId: definition.id,
        key: definition.key,
        name: definition.name,
        group: definition.groupName,
        type: definition.type,
        value: number !== undefined && definition.unit ? `${number} ${definition.unit}` : String(value),
        ...(number === undefined ? {} : { numericValue: number }),
        unit: definition.unit,
      },
    ];
  });
}

/**
 * A product's values by group (SENG-02), groups in the order of their first spec, the ungrouped
 * last under `ungroupedName`.
 */
export async function productSpecGroups(
  db: Database,
  productId: number,
  ungroupedName: string,
): Promise<ProductSpecGroup[]> {
  const groups = new Map<string | null, ProductSpec[]>();
  for (const spec of await productSpecs(db, productId)) {
    groups.set(spec.group, [...(groups.get(spec.group) ?? []), spec]);
  }
  const named = [...groups].filter(([group]) => group !== null);
  const ungrouped = groups.get(null);
  return [
    ...named.map(([group, specs]) => ({ groupName: group!, group, specs })),
    ...(ungrouped ? [{ groupName: ungroupedName, group: null, specs: ungrouped }] : []),
  ];
}

/**
 * Replaces the product's spec values (SPEC-02): every value is checked against the effective
 * definition it names; one problem refuses the whole request.
 */
export async function setProductSpecs(
  db: Database,
  searchSync: SearchSyncSignal,
  productId: number,
  body: ProductSpecsBody,
): Promise<void> {
  const [product] = await productsById(db, [productId]);
  const definitions = await effectiveDefinitions(db, product!.categoryId);
  const problems: { field: string; message: string }[] = [];
  const rows: (typeof productSpecValues.$inferInsert)[] = [];
  const used = new Set<number>();
  body.values.forEach((item, index) => {
    const field = `${body.field}.${index}`;
    const definition = definitions.find((row) =>
      item.specDefinitionId ? row.id === item.specDefinitionId : row.key === item.key,
    );
    if (!definition) {
      problems.push({ field, message: "not a spec of the product's category" });
      return;
    }
    if (used.has(definition.id)) {
      problems.push({ field, message: `"${definition.key}" is given twice` });
      return;
    }
    used.add(definition.id);
    const encoded = encode(definition, item);
    if (typeof encoded === 'string') {
      problems.push({ field: `${field}.value`, message: `${definition.key}: ${encoded}` });
      return;
    }
    rows.push({ productId, specDefinitionId: definition.id, ...encoded });
  });
  if (problems.length > 0) throw new AppError('INVALID_SPEC_VALUE', { details: problems });
  await db.transaction(async (tx) => {
    await tx.select({ id: products.id }).from(products).where(eq(products.id, productId)).for('update');
    await tx.delete(productSpecValues).where(eq(productSpecValues.productId, productId));
    if (rows.length > 0) await tx.insert(productSpecValues).values(rows);
    await recordSearchChange(tx, { eventType: 'PRODUCT_UPSERT', productIds: [productId] });
  });
  await searchSync.wake();
}
