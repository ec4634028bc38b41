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

export const definitionsQuery = z.object({ categoryId: entityIdText });

export const createDefinitionBody = z
  .object({
    categoryId: entityId,
    key: specKey,
    name: textLine(100),
    group: textLine(100).nullable().optional(),
    type: z.enum(specTypes),
    unit: textLine(20).nullable().optional(),
    options: options.nullable().optional(),
    direction: z.enum(specDirections).default('NONE'),
    filterable: z.boolean().default(true),
    sortOrder: z.number().int().min(0).max(10_000).default(0),
  })
  .superRefine((body, context) => {
    for (const problem of optionProblems(body.type, body.options ?? null)) context.addIssue(problem);
    if (body.direction !== 'NONE' && (body.type === 'TEXT' || body.type === 'SELECT')) {
      context.addIssue({
        code: 'custom',
        path: ['direction'],
        message: 'only NUMBER and BOOLEAN specs have a direction; score SELECT/TEXT specs by mapping',
      });
    }
  });

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

/** Key, type and category stay: stored values and weights depend on them (delete and recreate). */
export const updateDefinitionBody = z
  .object({
    name: textLine(100).optional(),
    group: textLine(100).nullable().optional(),
    unit: textLine(20).nullable().optional(),
    options: options.optional(),
    direction: z.enum(specDirections).optional(),
    filterable: z.boolean().optional(),
    sortOrder: z.number().int().min(0).max(10_000).optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: 'send at least one field to change',
  });

export const templateBody = z.object({ inheritsFromCategoryId: entityId.nullable() });

export const specValueInput = z.union([z.string().max(2000), z.number(), z.boolean()]);

export const productSpecsBody = z.object({
  values: z
    .array(
      z
        .object({
          specDefinitionId: entityId.optional(),
          key: specKey.optional(),
          value: specValueInput,
        })
        .refine((item) => (item.specDefinitionId === undefined) !== (item.key === undefined), {
          message: 'send exactly one of specDefinitionId and key',
        }),
    )
    .max(200),
});

const productIdList = z
  .array(entityId)
  .min(2)
  .max(4)
  .refine((ids) => new Set(ids).size === ids.length, 'productIds must be distinct');

export const compareBody = z.object({ productIds: productIdList });

export const scoredCompareBody = z.object({
  productIds: productIdList,
  weights: z
    .record(specKey, z.number().min(0).max(100))
    .refine((weights) => Object.keys(weights).length >= 1 && Object.keys(weights).length <= 50, {
      message: '1..50 weights',
    })
    .refine(
      (weights) => Math.abs(Object.values(weights).reduce((sum, weight) => sum + weight, 0) - 100) < 1e-6,
      { message: 'weights must sum to 100' },
    )
    .optional(),
});

export const scoresBody = z.object({
  scores: z
    .array(
      z
        .object({
          optionValue: textLine(100).optional(),
          minValue: specNumber.optional(),
          maxValue: specNumber.optional(),
          score: z.number().int().min(0).max(100),
        })
        .superRefine((item, context) => {
          const range = item.minValue !== undefined || item.maxValue !== undefined;
          if ((item.optionValue !== undefined) === range) {
            context.addIssue({ code: 'custom', message: 'send optionValue, or minValue and/or maxValue' });
          }
          if (item.minValue !== undefined && item.maxValue !== undefined && item.minValue >= item.maxValue) {
            context.addIssue({
              code: 'custom',
              path: ['minValue'],
              message: 'minValue must be below maxValue',
            });
          }
        }),
    )
    .max(100),
});

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
  value: specValue,
  unit: z.string().nullable(),
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

export const similarProduct = compareProduct.extend({ similarity: z.number() });

export type SpecType = (typeof specTypes)[number];
export type SpecDirection = (typeof specDirections)[number];
export type SpecValue = z.infer<typeof specValue>;
export type CreateDefinitionBody = z.infer<typeof createDefinitionBody>;
export type UpdateDefinitionBody = z.infer<typeof updateDefinitionBody>;
export type ProductSpecsBody = z.infer<typeof productSpecsBody>;
export type ScoresBody = z.infer<typeof scoresBody>;
export type SpecDefinition = z.infer<typeof specDefinition>;
export type ProductSpec = z.infer<typeof productSpec>;
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
