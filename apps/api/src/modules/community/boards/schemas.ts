import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { textLine } from '../../../http/text.ts';

export const boardIdParams = z.object({ id: entityIdText });

const slug = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(
    z
      .string()
      .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'lower-case letters, digits and single hyphens')
      .min(2)
      .max(50),
  )
  .describe('2..50 of a-z, 0-9 and single hyphens, unique');

export const createBoardBody = z.object({
  slug,
  name: textLine(50),
  description: textLine(300).nullable().optional(),
  sortOrder: z.number().int().min(0).max(10_000).default(0).describe('smaller first'),
  isActive: z.boolean().default(true),
});
export type CreateBoardBody = z.infer<typeof createBoardBody>;

export const updateBoardBody = z
  .object({
    slug: slug.optional(),
    name: textLine(50).optional(),
    description: textLine(300).nullable().optional(),
    sortOrder: z.number().int().min(0).max(10_000).optional(),
    isActive: z.boolean().optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: 'send at least one field to change',
  });
export type UpdateBoardBody = z.infer<typeof updateBoardBody>;

export const board = z.object({
  id: entityId,
  slug: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  sortOrder: z.number().int(),
  isActive: z.boolean(),
});
export type Board = z.infer<typeof board>;
