import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import type { CategoryNode } from './service.ts';

// control characters (NUL, ESC, DEL…) and invisible format characters (zero-width, bidi overrides)
const hiddenChars = /[\p{Cc}\p{Cf}]/u;
const codePoints = (value: string) => [...value].length;

/** 1–50 characters after NFC and trimming; no control or invisible characters. */
export const categoryName = z
  .string()
  .max(200)
  .transform((value) => value.normalize('NFC').trim())
  .pipe(
    z
      .string()
      .refine((value) => codePoints(value) >= 1, 'must not be empty')
      .refine((value) => codePoints(value) <= 50, 'at most 50 characters')
      .refine((value) => !hiddenChars.test(value), 'control or invisible characters are not allowed'),
  );

export const sortOrderField = z.number().int().min(-1_000_000).max(1_000_000);

export const categoryIdParams = z.object({ id: entityIdText });

export const createCategoryBody = z.object({
  name: categoryName,
  parentId: entityId.nullable().optional(),
  sortOrder: sortOrderField.optional(),
});

export const updateCategoryBody = z
  .object({
    name: categoryName.optional(),
    sortOrder: sortOrderField.optional(),
    // null: make it a root category
    parentId: entityId.nullable().optional(),
  })
  .refine((body) => body.name !== undefined || body.sortOrder !== undefined || body.parentId !== undefined, {
    message: 'send name, sortOrder and/or parentId',
  });

/**
 * A recursive schema needs an id to be referenced in the OpenAPI document; the docs plugin lists
 * it under components.schemas once it also passes `transformObject: jsonSchemaTransformObject`.
 */
export const categoryNode: z.ZodType<CategoryNode> = z
  .object({
    id: entityId,
    name: z.string(),
    sortOrder: z.number().int(),
    get children() {
      return z.array(categoryNode);
    },
  })
  .meta({ id: 'CategoryTreeNode' });

export const categoryResponse = z.object({
  id: entityId,
  name: z.string(),
  parentId: entityId.nullable(),
  sortOrder: z.number().int(),
  /** breadcrumb: the root first, the category itself last */
  path: z.array(z.object({ id: entityId, name: z.string() })),
  children: z.array(z.object({ id: entityId, name: z.string(), sortOrder: z.number().int() })),
});

export type CategoryResponse = z.infer<typeof categoryResponse>;
