import {
  type Database,
  productSpecValues,
  products,
  specDefinitions,
  specScores,
  specTemplates,
} from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { noSearchSync, type SearchSyncSignal } from '@pbshop/queues';
import { recordSearchChange, recordSpecDefinitionSearchChange } from '@pbshop/search';
import { and, asc, eq, inArray, isNull, ne, notInArray, type SQL, sql } from 'drizzle-orm';
import type { CategoriesService } from '../categories/service.ts';
import type {
  CompareResult,
  CreateDefinitionBody,
  ProductSpec,
  ProductSpecsBody,
  ScoredCompareResult,
  ScoresBody,
  SimilarProduct,
  SpecDefinition,
  SpecFilters,
  SpecScore,
  SpecValue,
  UpdateDefinitionBody,
} from './schemas.ts';
import { MAX_SPEC_NUMBER, optionProblems } from './schemas.ts';

type DefinitionRow = typeof specDefinitions.$inferSelect;
type Effective = DefinitionRow & { inherited: boolean };
type ValueRow = {
  productId: string;
  specDefinitionId: string;
  textValue: string | null;
  numberValue: number | null;
};

/** Deeper chains are refused on write; this bounds a read even if the data were bad. */
const MAX_TEMPLATE_DEPTH = 16;
/** Candidates the similarity ranking looks at: the closest in price within the category. */
const SIMILAR_CANDIDATES = 500;

// serialises template changes, so two crossing PUTs cannot build a cycle between them
const TEMPLATE_LOCK = sql`select pg_advisory_xact_lock(hashtext('pbshop:spec-templates'))`;

const live = isNull(products.deletedAt);

const thumbnail = sql<string | null>`(
  select image.url from product_images image
  where image.product_id = "products"."id"
  order by image.is_main desc, image.sort_order, image.created_at
  limit 1
)`;

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

const toScore = (row: typeof specScores.$inferSelect): SpecScore => ({
  id: row.id,
  optionValue: row.optionValue,
  minValue: row.minValue,
  maxValue: row.maxValue,
  score: row.score,
});

/** The stored value of a definition as the client sees it. */
function decode(definition: DefinitionRow, row: ValueRow | undefined): SpecValue | null {
  if (!row) return null;
  if (definition.type === 'NUMBER') return row.numberValue;
  if (definition.type === 'BOOLEAN') return row.textValue === 'true';
  return row.textValue;
}

/** Numbers for comparison: NUMBER as is, BOOLEAN as 1/0; others none. */
function numeric(definition: DefinitionRow, value: SpecValue | null): number | null {
  if (value === null) return null;
  if (definition.type === 'NUMBER' && typeof value === 'number') return value;
  if (definition.type === 'BOOLEAN' && typeof value === 'boolean') return value ? 1 : 0;
  return null;
}

const NUMBER_TEXT = /^\s*-?\d+(\.\d+)?\s*$/;

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

/** Equal weights, or the given ones; round to one decimal for display. */
const round1 = (value: number) => Math.round(value * 10) / 10;

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

/**
 * Spec definitions and templates, product spec values, comparison, scored comparison and similar
 * products (SPEC-01..04, SENG-01..05); owns `spec_templates`, `spec_definitions`,
 * `product_spec_values` and `spec_scores`.
 */
export function specsService(
  db: Database,
  categoryService: CategoriesService,
  searchSync: SearchSyncSignal = noSearchSync,
) {
  async function requireCategory(id: string) {
    if (!(await categoryService.findById(id))) throw new AppError('CATEGORY_NOT_FOUND');
  }

  async function requireDefinition(id: string): Promise<DefinitionRow> {
    const [row] = await db.select().from(specDefinitions).where(eq(specDefinitions.id, id));
    if (!row) throw new AppError('SPEC_DEFINITION_NOT_FOUND');
    return row;
  }

  /** The category, then the categories its template inherits from, nearest first. */
  async function chainOf(categoryId: string): Promise<string[]> {
    const rows = await db.execute<{ category_id: string }>(sql`
      with recursive chain(category_id, depth) as (
        select ${categoryId}::uuid, 0
        union all
        select template.inherits_from_category_id, chain.depth + 1
        from spec_templates template
        join chain on template.category_id = chain.category_id
        where template.inherits_from_category_id is not null and chain.depth < ${MAX_TEMPLATE_DEPTH}
      )
      select category_id from chain order by depth`);
    const seen: string[] = [];
    for (const row of rows) if (!seen.includes(row.category_id)) seen.push(row.category_id);
    return seen;
  }

  /** Own definitions plus inherited ones; the nearest definition of a key wins (SENG-01). */
  async function effectiveDefinitions(categoryId: string): Promise<Effective[]> {
    const chain = await chainOf(categoryId);
    const rows = await db.select().from(specDefinitions).where(inArray(specDefinitions.categoryId, chain));
    const byKey = new Map<string, Effective>();
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

  /** Live products by id in the order asked; a missing one is a 404. */
  async function productsById(ids: string[]) {
    const rows = await db
      .select({
        id: products.id,
        name: products.name,
        categoryId: products.categoryId,
        lowestPrice: products.lowestPrice,
        thumbnailUrl: thumbnail,
      })
      .from(products)
      .where(and(inArray(products.id, ids), live));
    return ids.map((id) => {
      const row = rows.find((item) => item.id === id);
      if (!row) throw new AppError('PRODUCT_NOT_FOUND', { details: { productId: id } });
      return row;
    });
  }

  async function valuesOf(productIds: string[]): Promise<ValueRow[]> {
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
   * The compared products with the union of their effective definitions (by key, in sort order)
   * and each product's value of each key.
   */
  async function comparison(productIds: string[]) {
    const rows = await productsById(productIds);
    const byCategory = new Map<string, Map<string, Effective>>();
    for (const categoryId of new Set(rows.map((row) => row.categoryId))) {
      const definitions = await effectiveDefinitions(categoryId);
      byCategory.set(categoryId, new Map(definitions.map((definition) => [definition.key, definition])));
    }
    const keys = new Map<string, Effective>();
    for (const row of rows) {
      for (const [key, definition] of byCategory.get(row.categoryId) ?? []) {
        if (!keys.has(key)) keys.set(key, definition);
      }
    }
    const values = await valuesOf(productIds);
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

  return {
    effectiveDefinitions,

    async listDefinitions(categoryId: string): Promise<SpecDefinition[]> {
      await requireCategory(categoryId);
      return (await effectiveDefinitions(categoryId)).map((row) => toDefinition(row, row.inherited));
    },

    async createDefinition(body: CreateDefinitionBody): Promise<SpecDefinition> {
      await requireCategory(body.categoryId);
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
    },

    /** Options of a SELECT may change, but not drop an option a product still has. */
    async updateDefinition(id: string, body: UpdateDefinitionBody): Promise<SpecDefinition> {
      const current = await requireDefinition(id);
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
    },

    /** Deletes the definition with its product values and score mapping (cascade). */
    async removeDefinition(id: string): Promise<void> {
      const [row] = await db.transaction(async (tx) => {
        // before the cascade takes the values: their products leave this spec in the index
        await recordSpecDefinitionSearchChange(tx, id);
        return tx
          .delete(specDefinitions)
          .where(eq(specDefinitions.id, id))
          .returning({ id: specDefinitions.id });
      });
      if (!row) throw new AppError('SPEC_DEFINITION_NOT_FOUND');
      await searchSync.wake();
    },

    /** Sets (or clears) what a category's template inherits from; a cycle is a 409. */
    async setTemplate(categoryId: string, inheritsFromCategoryId: string | null) {
      await requireCategory(categoryId);
      if (inheritsFromCategoryId) await requireCategory(inheritsFromCategoryId);
      return db.transaction(async (tx) => {
        await tx.execute(TEMPLATE_LOCK);
        if (inheritsFromCategoryId) {
          const chain = await chainOf(inheritsFromCategoryId);
          if (chain.includes(categoryId)) {
            throw new AppError('SPEC_TEMPLATE_CYCLE', {
              details: [
                { field: 'inheritsFromCategoryId', message: 'it inherits from this category already' },
              ],
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
    },

    async productSpecs(productId: string): Promise<ProductSpec[]> {
      const [product] = await productsById([productId]);
      const definitions = await effectiveDefinitions(product!.categoryId);
      const values = await valuesOf([productId]);
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
    },

    /**
     * Replaces the product's spec values (SPEC-02): every value is checked against the effective
     * definition it names; one problem refuses the whole request.
     */
    async setProductSpecs(productId: string, body: ProductSpecsBody): Promise<void> {
      const [product] = await productsById([productId]);
      const definitions = await effectiveDefinitions(product!.categoryId);
      const problems: { field: string; message: string }[] = [];
      const rows: (typeof productSpecValues.$inferInsert)[] = [];
      const used = new Set<string>();
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
    },

    /** Side by side (SPEC-04); numeric winners by direction highlighted (SENG-03). */
    async compare(productIds: string[]): Promise<CompareResult> {
      const { rows, specs } = await comparison(productIds);
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
    },

    /** Replaces the score mapping of a spec (SENG-04); options must exist, ranges must not overlap. */
    async setScores(specDefId: string, body: ScoresBody): Promise<SpecScore[]> {
      const definition = await requireDefinition(specDefId);
      const problems: { field: string; message: string }[] = [];
      const seen = new Set<string>();
      body.scores.forEach((item, index) => {
        const field = `scores.${index}`;
        if (item.optionValue !== undefined) {
          if (definition.type === 'NUMBER') {
            problems.push({ field, message: 'a NUMBER spec is scored by minValue/maxValue ranges' });
          } else if (definition.type === 'SELECT' && !(definition.options ?? []).includes(item.optionValue)) {
            problems.push({ field: `${field}.optionValue`, message: 'not an option of the spec' });
          } else if (definition.type === 'BOOLEAN' && !['true', 'false'].includes(item.optionValue)) {
            problems.push({ field: `${field}.optionValue`, message: 'true or false' });
          } else if (seen.has(item.optionValue)) {
            problems.push({ field: `${field}.optionValue`, message: 'given twice' });
          }
          seen.add(item.optionValue);
        } else if (definition.type !== 'NUMBER') {
          problems.push({ field, message: 'only a NUMBER spec is scored by ranges' });
        }
      });
      // ranges are [min, max): sorted by min, each must end before the next starts
      const ranges = body.scores
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
        if (body.scores.length === 0) return [];
        const rows = await tx
          .insert(specScores)
          .values(
            body.scores.map((item) => ({
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
    },

    /**
     * Weighted comparison (SENG-04; method in docs/spec-engine.md): each spec scores 0..100 per
     * product from its mapping when it has one, else min-max normalised by direction; a missing
     * value scores 0 in the total. Without weights every scorable spec weighs the same.
     */
    async scoredCompare(
      productIds: string[],
      weights?: Record<string, number>,
    ): Promise<ScoredCompareResult> {
      const { rows, specs } = await comparison(productIds);
      const definitionIds = specs.map((spec) => spec.definition.id);
      const mappings = definitionIds.length
        ? await db.select().from(specScores).where(inArray(specScores.specDefinitionId, definitionIds))
        : [];
      // a key's mapping is the one of the definition the union picked for it
      const scorable = specs.filter(
        ({ definition }) =>
          mappings.some((mapping) => mapping.specDefinitionId === definition.id) ||
          (definition.direction !== 'NONE' &&
            (definition.type === 'NUMBER' || definition.type === 'BOOLEAN')),
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
    },

    /**
     * Products of the same category by spec similarity (SENG-05): the mean over the target's
     * SELECT/BOOLEAN values (1 when equal) and NUMBER values (1 - distance normalised by the range
     * among the candidates); ties by closeness of the lowest price, then id.
     */
    async similar(productId: string, limit: number): Promise<SimilarProduct[]> {
      const [target] = await productsById([productId]);
      const candidates = await db
        .select({
          id: products.id,
          name: products.name,
          lowestPrice: products.lowestPrice,
          thumbnailUrl: thumbnail,
        })
        .from(products)
        .where(
          and(
            eq(products.categoryId, target!.categoryId),
            live,
            ne(products.status, 'HIDDEN'),
            ne(products.id, productId),
          ),
        )
        .orderBy(
          target!.lowestPrice === null
            ? asc(products.id)
            : sql`abs(coalesce(${products.lowestPrice}, 0) - ${target!.lowestPrice}) + case when ${products.lowestPrice} is null then 1e15 else 0 end`,
          asc(products.id),
        )
        .limit(SIMILAR_CANDIDATES);
      if (candidates.length === 0) return [];
      const definitions = await effectiveDefinitions(target!.categoryId);
      const values = await valuesOf([productId, ...candidates.map((candidate) => candidate.id)]);
      const specValueOf = (id: string, definition: DefinitionRow) =>
        decode(
          definition,
          values.find((row) => row.productId === id && row.specDefinitionId === definition.id),
        );
      const compared = definitions
        .filter((definition) => definition.type !== 'TEXT')
        .map((definition) => ({ definition, mine: specValueOf(productId, definition) }))
        .filter((spec) => spec.mine !== null);
      const ranges = new Map<string, number>();
      for (const { definition, mine } of compared) {
        if (definition.type !== 'NUMBER') continue;
        const numbers = [
          mine as number,
          ...candidates.map((candidate) => specValueOf(candidate.id, definition)),
        ].filter((value): value is number => typeof value === 'number');
        ranges.set(definition.id, Math.max(...numbers) - Math.min(...numbers));
      }
      const scored = candidates.map((candidate) => {
        let sum = 0;
        for (const { definition, mine } of compared) {
          const theirs = specValueOf(candidate.id, definition);
          if (theirs === null) continue;
          if (definition.type === 'NUMBER') {
            const range = ranges.get(definition.id) ?? 0;
            sum += range === 0 ? 1 : 1 - Math.abs((theirs as number) - (mine as number)) / range;
          } else if (theirs === mine) {
            sum += 1;
          }
        }
        const similarity = compared.length === 0 ? 0 : Math.round((sum / compared.length) * 1000) / 1000;
        const priceGap =
          target!.lowestPrice === null || candidate.lowestPrice === null
            ? Number.MAX_SAFE_INTEGER
            : Math.abs(candidate.lowestPrice - target!.lowestPrice);
        return { ...candidate, similarity, priceGap };
      });
      scored.sort(
        (a, b) => b.similarity - a.similarity || a.priceGap - b.priceGap || a.id.localeCompare(b.id),
      );
      return scored.slice(0, limit).map(({ id, name, thumbnailUrl, lowestPrice, similarity }) => ({
        id,
        name,
        thumbnailUrl,
        lowestPrice,
        similarity,
      }));
    },
  };
}

export type SpecsService = ReturnType<typeof specsService>;
