// Product spec values (SPEC-02): a value checked against its definition and stored by type, read
// back as the client sees it; a product's values read and replaced, with the search outbox row of
// the replacement. Owns `product_spec_values`.
import { type Database, productSpecValues, products, productThumbnail, selectTuples } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import type { SearchSyncSignal } from '@pbshop/queues';
import { recordSearchChange } from '@pbshop/search';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { ProductSpec, ProductSpecGroup, ProductSpecsBody, SpecValue, SpecValueItem } from './schemas.ts';
import { MAX_SPEC_NUMBER } from './schemas.ts';
import { type DefinitionRow, effectiveDefinitions, effectiveDefinitionsOf } from './templates.ts';

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

/** A spec name as matched against definitions: case, width, spaces and punctuation ignored. */
const specNameKeyOf = (name: string) =>
  name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_\-.:()[\]/]+/g, '');

/** names seen lately with their keys: a crawler's pages repeat the same few names on every page */
const specNameKeys = new Map<string, string>();
function specNameKey(name: string): string {
  let key = specNameKeys.get(name);
  if (key === undefined) {
    key = specNameKeyOf(name);
    if (specNameKeys.size >= 10_000) specNameKeys.clear();
    specNameKeys.set(name, key);
  }
  return key;
}

/** A product's specs as a crawler read them from a seller page (names as the page spells them). */
export interface CollectedSpecs {
  productId: number;
  specs: { name: string; value: string }[];
}

/**
 * Each category's definitions by matched name: a caller recording many batches (a crawler run)
 * keeps one, so a category's definitions are read once (as of its first batch).
 */
export type SpecNamesMemo = Map<number, Map<string, DefinitionRow>>;

/** What became of one product's collected specs. */
export interface CollectedSpecsOutcome {
  /** values stored (new or changed) */
  written: number;
  /** values already stored as collected */
  unchanged: number;
  /** names that are no effective definition of the product's category (by name or key) */
  unmatched: string[];
  /** values their definition refuses, with why */
  refused: { name: string; message: string }[];
}

/**
 * Records specs collected from seller pages (the crawler's path; SPEC-02's checks): each name is
 * matched to an effective definition of the product's category by its name or key, each value
 * checked by `encode`; matched, valid values are **merged** into the product's values (a spec the
 * page does not name keeps its value), those already stored as collected are not rewritten. The
 * changed products' search outbox rows are written in the same transaction, then search is woken.
 * A product gone (deleted) records nothing: all its names are reported unmatched. `memo` keeps
 * the categories' definitions between calls.
 */
export async function recordCollectedSpecs(
  db: Database,
  searchSync: SearchSyncSignal,
  entries: CollectedSpecs[],
  memo: SpecNamesMemo = new Map(),
): Promise<{ outcomes: CollectedSpecsOutcome[]; changedProductIds: number[] }> {
  const productIds = [...new Set(entries.map((entry) => entry.productId))];
  // the live products' categories and stored values in one statement, the ids as one array
  // parameter (drizzle's IN list of a crawler batch's 250 ids cost more CPU than the rest of it),
  // looked up by key id by id: `id = any(ids)` cost PostgreSQL ~5 ms a batch to plan (an estimate
  // per element), and on a small catalogue it hashed every stored value instead (~8 ms); OFFSET 0
  // keeps each lateral lookup a lookup (0.2 ms planning, 0.7 ms running for 250 products)
  const stored =
    productIds.length === 0
      ? []
      : await selectTuples<
          [
            productId: number,
            categoryId: number,
            definitionId: number | null,
            text: string | null,
            number: number | null,
          ]
        >(
          db,
          sql`i.id, p.category_id, v.spec_definition_id, v.text_value, v.number_value`,
          sql`
          from unnest(${sql.param(productIds)}::bigint[]) as i(id)
          join lateral (
            select category_id from products where id = i.id and deleted_at is null offset 0
          ) p on true
          left join lateral (
            select spec_definition_id, text_value, number_value from product_spec_values
            where product_id = i.id offset 0
          ) v on true`,
        );
  // each live product's category and stored values by definition
  const liveProducts = new Map<
    number,
    { categoryId: number; values: Map<number, Pick<ValueRow, 'textValue' | 'numberValue'>> }
  >();
  for (const [productId, categoryId, definitionId, textValue, numberValue] of stored) {
    let product = liveProducts.get(productId);
    if (!product) {
      product = { categoryId, values: new Map() };
      liveProducts.set(productId, product);
    }
    if (definitionId === null) continue;
    product.values.set(definitionId, { textValue, numberValue });
  }
  const definitionsOf = memo;
  const unread = new Set<number>();
  for (const { categoryId } of liveProducts.values())
    if (!definitionsOf.has(categoryId)) unread.add(categoryId);
  // a run's first batch meets most of the catalogue's categories: read at once, not one by one
  for (const [categoryId, definitions] of await effectiveDefinitionsOf(db, [...unread])) {
    const byName = new Map<string, DefinitionRow>();
    for (const definition of definitions) byName.set(specNameKey(definition.key), definition);
    // a name wins over another definition's key
    for (const definition of definitions) byName.set(specNameKey(definition.name), definition);
    definitionsOf.set(categoryId, byName);
  }
  const writes = new Map<string, typeof productSpecValues.$inferInsert>();
  const outcomes = entries.map((entry): CollectedSpecsOutcome => {
    const outcome: CollectedSpecsOutcome = { written: 0, unchanged: 0, unmatched: [], refused: [] };
    const product = liveProducts.get(entry.productId);
    const definitions = product === undefined ? undefined : definitionsOf.get(product.categoryId);
    for (const spec of entry.specs) {
      const definition = definitions?.get(specNameKey(spec.name));
      if (!definition) {
        outcome.unmatched.push(spec.name);
        continue;
      }
      const encoded = encode(definition, { value: spec.value });
      if (typeof encoded === 'string') {
        outcome.refused.push({ name: spec.name, message: `${definition.key}: ${encoded}` });
        continue;
      }
      const current = product?.values.get(definition.id);
      if (current && current.textValue === encoded.textValue && current.numberValue === encoded.numberValue) {
        outcome.unchanged += 1;
        continue;
      }
      writes.set(`${entry.productId}:${definition.id}`, {
        productId: entry.productId,
        specDefinitionId: definition.id,
        ...encoded,
      });
      outcome.written += 1;
    }
    return outcome;
  });
  if (writes.size === 0) return { outcomes, changedProductIds: [] };
  const changedProductIds = [...new Set([...writes.values()].map((row) => row.productId))];
  await db.transaction(async (tx) => {
    await tx
      .insert(productSpecValues)
      .values([...writes.values()])
      .onConflictDoUpdate({
        target: [productSpecValues.productId, productSpecValues.specDefinitionId],
        set: {
          textValue: sql.raw('excluded.text_value'),
          numberValue: sql.raw('excluded.number_value'),
          updatedAt: new Date(),
        },
      });
    await recordSearchChange(tx, { eventType: 'PRODUCT_UPSERT', productIds: changedProductIds });
  });
  await searchSync.wake();
  return { outcomes, changedProductIds };
}
