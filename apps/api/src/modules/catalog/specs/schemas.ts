import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { noControlChars, noControlCharsMessage, textLine } from '../../../http/text.ts';

export const specTypes = ['NUMBER', 'SELECT', 'TEXT', 'BOOLEAN'] as const;
export const specDirections = ['HIGHER_IS_BETTER', 'LOWER_IS_BETTER', 'NONE'] as const;

/** The stable machine key of a spec, used in filters and weights: `ram`, `screen_size`. */
export const specKey = z
  .string()
  .max(50)
  .regex(/^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and _ , starting with a letter');

/** numeric(18,4) holds up to 14 integer digits */
export const MAX_SPEC_NUMBER = 1e13;
const specNumber = z.number().min(-MAX_SPEC_NUMBER).max(MAX_SPEC_NUMBER);

const options = z
  .array(textLine(100))
  .min(1)
  .max(100)
  .refine((values) => new Set(values).size === values.length, 'options must be distinct');

export const definitionIdParams = z.object({ id: entityIdText });
export const specDefIdParams = z.object({ specDefId: entityIdText });
export const categoryIdParams = z.object({ categoryId: entityIdText });
export const productIdParams = z.object({ id: entityIdText });

/** `categoryId` narrows to a category's effective definitions; without it, every definition. */
export const definitionsQuery = z.object({ categoryId: entityIdText.optional() });

/**
 * The storefront's form of `direction` (client-shapes.md, SpecDefinition): `isComparable` says the
 * comparison highlights a winner, `higherIsBetter` which way. See `resolveDirection`.
 */
const clientDirection = {
  higherIsBetter: z.boolean().optional(),
  isComparable: z.boolean().optional(),
};

/** `groupName` is the storefront's name of `group`; both may come, but not with different values. */
const groupNames = {
  group: textLine(100).nullable().optional(),
  groupName: textLine(100).nullable().optional(),
};

function groupProblems(body: { group?: string | null; groupName?: string | null }) {
  if (body.group !== undefined && body.groupName !== undefined && body.group !== body.groupName) {
    return [{ code: 'custom' as const, path: ['groupName'], message: 'send group or groupName, not both' }];
  }
  return [];
}

export const createDefinitionBody = z
  .object({
    categoryId: entityId,
    /** derived from the name when absent (the storefront sends none) */
    key: specKey.optional(),
    name: textLine(100),
    ...groupNames,
    type: z.enum(specTypes),
    unit: textLine(20).nullable().optional(),
    options: options.nullable().optional(),
    direction: z.enum(specDirections).optional(),
    ...clientDirection,
    filterable: z.boolean().default(true),
    sortOrder: z.number().int().min(0).max(10_000).default(0),
  })
  .superRefine((body, context) => {
    for (const problem of optionProblems(body.type, body.options ?? null)) context.addIssue(problem);
    for (const problem of groupProblems(body)) context.addIssue(problem);
    const resolved = resolveDirection(body.type, body);
    if ('message' in resolved) context.addIssue({ code: 'custom', ...resolved });
  })
  .transform(({ group, groupName, higherIsBetter, isComparable, ...body }) => {
    const resolved = resolveDirection(body.type, { direction: body.direction, higherIsBetter, isComparable });
    return {
      ...body,
      group: group ?? groupName ?? null,
      direction: 'direction' in resolved ? resolved.direction : ('NONE' as const),
    };
  });

/**
 * The direction a write asks for: `direction` when given, else the storefront's `isComparable`
 * (false: none) and `higherIsBetter` (which way), each defaulting to what `current` says. Only
 * NUMBER and BOOLEAN specs have one; SELECT/TEXT specs are scored by a mapping instead.
 */
export function resolveDirection(
  type: SpecType,
  given: { direction?: SpecDirection | undefined; higherIsBetter?: boolean; isComparable?: boolean },
  current: SpecDirection = 'NONE',
): { direction: SpecDirection } | { path: string[]; message: string } {
  const ranked = type === 'NUMBER' || type === 'BOOLEAN';
  if (given.direction !== undefined) {
    if (given.direction !== 'NONE' && !ranked) {
      return {
        path: ['direction'],
        message: 'only NUMBER and BOOLEAN specs have a direction; score SELECT/TEXT specs by mapping',
      };
    }
    return { direction: given.direction };
  }
  if (given.higherIsBetter === undefined && given.isComparable === undefined) return { direction: current };
  if (!ranked) {
    const asked = given.higherIsBetter ? 'higherIsBetter' : given.isComparable ? 'isComparable' : null;
    if (asked) {
      return {
        path: [asked],
        message:
          'only NUMBER and BOOLEAN specs are compared by direction; score SELECT/TEXT specs by mapping',
      };
    }
    return { direction: 'NONE' };
  }
  const comparable = given.isComparable ?? (given.higherIsBetter !== undefined || current !== 'NONE');
  const higher = given.higherIsBetter ?? current !== 'LOWER_IS_BETTER';
  if (!comparable) return { direction: 'NONE' };
  return { direction: higher ? 'HIGHER_IS_BETTER' : 'LOWER_IS_BETTER' };
}

/** SELECT needs its options; the other types take none. */
export function optionProblems(type: (typeof specTypes)[number], values: string[] | null) {
  if (type === 'SELECT' && !values) {
    return [{ code: 'custom' as const, path: ['options'], message: 'required for a SELECT spec' }];
  }
  if (type !== 'SELECT' && values) {
    return [{ code: 'custom' as const, path: ['options'], message: 'only a SELECT spec has options' }];
  }
  return [];
}

/**
 * Key, type and category stay: stored values and weights depend on them (delete and recreate). The
 * storefront sends every field of its create body but `categoryId`: `type` is taken when unchanged.
 */
export const updateDefinitionBody = z
  .object({
    name: textLine(100).optional(),
    ...groupNames,
    type: z.enum(specTypes).optional(),
    unit: textLine(20).nullable().optional(),
    options: options.optional(),
    direction: z.enum(specDirections).optional(),
    ...clientDirection,
    filterable: z.boolean().optional(),
    sortOrder: z.number().int().min(0).max(10_000).optional(),
  })
  .superRefine((body, context) => {
    for (const problem of groupProblems(body)) context.addIssue(problem);
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: 'send at least one field to change',
  });

export const templateBody = z.object({ inheritsFromCategoryId: entityId.nullable() });

export const specValueInput = z.union([z.string().max(2000), z.number(), z.boolean()]);

const specValueItem = z
  .object({
    specDefinitionId: entityId.optional(),
    key: specKey.optional(),
    value: specValueInput.optional(),
    /** the storefront's number of a NUMBER spec; `value` is then its display text */
    numericValue: specNumber.optional(),
  })
  .superRefine((item, context) => {
    if ((item.specDefinitionId === undefined) === (item.key === undefined)) {
      context.addIssue({ code: 'custom', message: 'send exactly one of specDefinitionId and key' });
    }
    if (item.value === undefined && item.numericValue === undefined) {
      context.addIssue({ code: 'custom', path: ['value'], message: 'send a value (or numericValue)' });
    }
  });

/**
 * `{ values }`, or the storefront's `{ specs }` (client-shapes.md, setProductSpecsAdmin): the same
 * items under another name. `field` keeps the name, for the messages.
 */
export const productSpecsBody = z
  .object({
    values: z.array(specValueItem).max(200).optional(),
    specs: z.array(specValueItem).max(200).optional(),
  })
  .superRefine((body, context) => {
    if ((body.values === undefined) === (body.specs === undefined)) {
      context.addIssue({ code: 'custom', path: ['values'], message: 'send values (or specs), not both' });
    }
  })
  .transform((body) =>
    body.specs
      ? { field: 'specs' as const, values: body.specs }
      : { field: 'values' as const, values: body.values ?? [] },
  );

const productIdList = z
  .array(entityId)
  .min(2)
  .max(4)
  .refine((ids) => new Set(ids).size === ids.length, 'productIds must be distinct');

export const compareBody = z.object({ productIds: productIdList });

const weights = z
  .record(specKey, z.number().min(0).max(100))
  .refine((given) => Object.keys(given).length >= 1 && Object.keys(given).length <= 50, {
    message: '1..50 weights',
  })
  .refine((given) => Math.abs(Object.values(given).reduce((sum, weight) => sum + weight, 0) - 100) < 1e-6, {
    message: 'weights must sum to 100',
  });

export const scoredCompareBody = z.object({ productIds: productIdList, weights: weights.optional() });

/** `POST /specs/score` (the storefront's scoreByCategory): products of one category, scored. */
export const categoryScoreBody = z.object({
  categoryId: entityId,
  productIds: z
    .array(entityId)
    .min(1)
    .max(20)
    .refine((ids) => new Set(ids).size === ids.length, 'productIds must be distinct'),
  weights: weights.optional(),
});

/** One score mapping entry: an option, a `[minValue, maxValue)` range, or the storefront's `value`. */
const scoreItem = z
  .object({
    optionValue: textLine(100).optional(),
    minValue: specNumber.optional(),
    maxValue: specNumber.optional(),
    /** the storefront's form: an option, or for a NUMBER spec the lower bound of a range up to the next */
    value: z.union([textLine(100), specNumber]).optional(),
    score: z.number().int().min(0).max(100),
    /** declared by the storefront; not stored */
    benchmarkSource: textLine(200).optional(),
  })
  .superRefine((item, context) => {
    const range = item.minValue !== undefined || item.maxValue !== undefined;
    const forms = [item.optionValue !== undefined, range, item.value !== undefined].filter(Boolean).length;
    if (forms !== 1) {
      context.addIssue({ code: 'custom', message: 'send one of optionValue, minValue/maxValue, or value' });
    }
    if (item.minValue !== undefined && item.maxValue !== undefined && item.minValue >= item.maxValue) {
      context.addIssue({ code: 'custom', path: ['minValue'], message: 'minValue must be below maxValue' });
    }
  });

export const scoresBody = z.object({ scores: z.array(scoreItem).max(100) });

export const similarQuery = z.object({ limit: z.coerce.number().int().min(1).max(20).default(5) });

const specValue = z.union([z.string(), z.number(), z.boolean()]);

export const specDefinition = z.object({
  id: entityId,
  categoryId: entityId,
  /** true when the definition comes from a template the category inherits */
  inherited: z.boolean(),
  key: z.string(),
  name: z.string(),
  group: z.string().nullable(),
  type: z.enum(specTypes),
  unit: z.string().nullable(),
  options: z.array(z.string()).nullable(),
  direction: z.enum(specDirections),
  filterable: z.boolean(),
  sortOrder: z.number().int(),
  // the storefront's names (client-shapes.md, SpecDefinition), derived from the fields above
  /** = group */
  groupName: z.string().nullable(),
  /** the definition of the same key this one overrides, up the category's template chain */
  parentDefinitionId: entityId.nullable(),
  /** direction is HIGHER_IS_BETTER */
  higherIsBetter: z.boolean(),
  /** the comparison highlights a winner: the spec has a direction */
  isComparable: z.boolean(),
  /** NUMBER, BOOLEAN, or STRING for SELECT and TEXT */
  dataType: z.enum(['NUMBER', 'BOOLEAN', 'STRING']),
});

export const specTemplate = z.object({
  categoryId: entityId,
  inheritsFromCategoryId: entityId.nullable(),
});

export const productSpec = z.object({
  specDefinitionId: entityId,
  key: z.string(),
  name: z.string(),
  group: z.string().nullable(),
  type: z.enum(specTypes),
  /** the value as text (the storefront's `value: string`): a NUMBER with its unit, a BOOLEAN true/false */
  value: z.string(),
  /** a NUMBER spec's number */
  numericValue: z.number().optional(),
  unit: z.string().nullable(),
});

/** A product's values of one group; `groupName` names the ungrouped ones too. */
export const productSpecGroup = z.object({
  groupName: z.string(),
  /** the definitions' group, null for the ungrouped */
  group: z.string().nullable(),
  specs: z.array(productSpec),
});

const compareProduct = z.object({
  id: entityId,
  name: z.string(),
  thumbnailUrl: z.string().nullable(),
  lowestPrice: z.number().int().nullable(),
});

export const compareResult = z.object({
  products: z.array(compareProduct),
  specs: z.array(
    z.object({
      key: z.string(),
      name: z.string(),
      group: z.string().nullable(),
      unit: z.string().nullable(),
      type: z.enum(specTypes),
      direction: z.enum(specDirections),
      values: z.array(specValue.nullable()),
      winnerIndexes: z.array(z.number().int()),
    }),
  ),
});

export const specScore = z.object({
  id: entityId,
  optionValue: z.string().nullable(),
  minValue: z.number().nullable(),
  maxValue: z.number().nullable(),
  score: z.number().int(),
});

export const scoredCompareResult = z.object({
  products: z.array(
    z.object({ id: entityId, name: z.string(), totalScore: z.number(), rank: z.number().int() }),
  ),
  specScores: z.array(
    z.object({
      key: z.string(),
      name: z.string(),
      weight: z.number(),
      method: z.enum(['MAPPING', 'NORMALIZED']),
      scores: z.array(z.number().nullable()),
      winner: z.number().int().nullable(),
    }),
  ),
  recommendation: z
    .object({ productId: entityId, name: z.string(), totalScore: z.number(), strengths: z.array(z.string()) })
    .nullable(),
});

/** `POST /specs/compare/numeric`: the NUMBER specs of a comparison, the best value highlighted (SENG-03). */
export const numericCompareResult = z.object({
  products: z.array(compareProduct),
  specs: z.array(
    z.object({
      key: z.string(),
      name: z.string(),
      group: z.string().nullable(),
      unit: z.string().nullable(),
      direction: z.enum(specDirections),
      higherIsBetter: z.boolean(),
      values: z.array(z.number().nullable()),
      winnerIndexes: z.array(z.number().int()),
      /** the winners' value; null when nobody wins */
      best: z.number().nullable(),
    }),
  ),
});

export const categoryScoreResult = scoredCompareResult.extend({ categoryId: entityId });

export const similarProduct = compareProduct.extend({
  similarity: z.number(),
  /** = similarity, the storefront's name */
  similarityScore: z.number(),
});

export type SpecType = (typeof specTypes)[number];
export type SpecDirection = (typeof specDirections)[number];
export type SpecValue = z.infer<typeof specValue>;
export type CreateDefinitionBody = z.output<typeof createDefinitionBody>;
export type UpdateDefinitionBody = z.infer<typeof updateDefinitionBody>;
export type ProductSpecsBody = z.output<typeof productSpecsBody>;
export type SpecValueItem = ProductSpecsBody['values'][number];
export type ScoresBody = z.infer<typeof scoresBody>;
export type SpecDefinition = z.infer<typeof specDefinition>;
export type ProductSpec = z.infer<typeof productSpec>;
export type ProductSpecGroup = z.infer<typeof productSpecGroup>;
export type NumericCompareResult = z.infer<typeof numericCompareResult>;
export type CategoryScoreResult = z.infer<typeof categoryScoreResult>;
export type CompareResult = z.infer<typeof compareResult>;
export type ScoredCompareResult = z.infer<typeof scoredCompareResult>;
export type SpecScore = z.infer<typeof specScore>;
export type SimilarProduct = z.infer<typeof similarProduct>;

/** A numeric `{ min, max }` spec filter over numbers of `number`'s shape. */
export function specFilterRange(number: z.ZodNumber) {
  return z
    .object({ min: number.optional(), max: number.optional() })
    .strict()
    .refine((range) => range.min !== undefined || range.max !== undefined, 'send min and/or max')
    .refine(
      (range) => range.min === undefined || range.max === undefined || range.min <= range.max,
      'min must not exceed max',
    );
}

/**
 * A text a `specs` filter compares stored values with. The filter arrives as JSON inside a query
 * parameter, so the request-wide check of storable text sees it still escaped: what no stored
 * value holds (control characters, unpaired surrogates) is refused here.
 */
export const specFilterText = z
  .string()
  .max(200)
  .refine(noControlChars, noControlCharsMessage)
  .refine((value) => value.isWellFormed(), 'unpaired surrogates are not allowed');

const specFilterValue = z.union([specFilterText, specNumber, z.boolean(), specFilterRange(specNumber)]);

/**
 * A `specs` query parameter: a JSON object of spec key → a filter value of `value`'s shape, at
 * most 20 keys. The product list and search each say which values they take.
 */
export function specFiltersParam<V extends z.ZodType>(value: V) {
  return z
    .string()
    .max(2000)
    .transform((text, context) => {
      try {
        // a "__proto__" key is refused rather than silently dropped
        return JSON.parse(text, (key, item) => {
          if (key === '__proto__') throw new SyntaxError('__proto__');
          return item;
        }) as unknown;
      } catch {
        context.addIssue({ code: 'custom', message: 'specs must be a JSON object of spec keys' });
        return z.NEVER;
      }
    })
    .pipe(
      z
        .record(specKey, value)
        .refine((filters) => Object.keys(filters).length <= 20, 'at most 20 spec filters'),
    );
}

/**
 * The `specs` query parameter of the product list: a JSON object of spec key → value (equality)
 * or `{ min, max }` (NUMBER range), e.g. `{"ram":"16GB","screen_size":{"min":15}}`.
 */
export const specFilters = specFiltersParam(specFilterValue);

export type SpecFilters = z.infer<typeof specFilters>;
