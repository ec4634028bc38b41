// Product spec values (SPEC-02): a value checked against its definition and stored by type, read
// back as the client sees it; a product's values read and replaced, with the search outbox row of
// the replacement. Owns `product_spec_values`.
import { type Database, productSpecValues, products, productThumbnail } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import type { SearchSyncSignal } from '@pbshop/queues';
import { recordSearchChange } from '@pbshop/search';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { ProductSpec, ProductSpecsBody, SpecValue } from './schemas.ts';
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

/** Checks a value against its definition; the columns to store, or a problem message. */
export function encode(
  definition: DefinitionRow,
  value: SpecValue,
): { textValue: string | null; numberValue: number | null } | string {
  switch (definition.type) {
    case 'NUMBER': {
      const number =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && NUMBER_TEXT.test(value)
            ? Number(value)
            : Number.NaN;
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
    return [
      {
        specDefinitionId: definition.id,
        key: definition.key,
        name: definition.name,
        group: definition.groupName,
        type: definition.type,
        value,
        unit: definition.unit,
      },
    ];
  });
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
    const field = `values.${index}`;
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
    const encoded = encode(definition, item.value);
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
