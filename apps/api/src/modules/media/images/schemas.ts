import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { imageVariantTypes } from './process.ts';

/** The Image API's categories (contract §31); the legacy upload and product images set their own. */
export const imageCategories = ['product', 'community', 'support', 'seller'] as const;

export const imageIdParams = z.object({ id: entityIdText });

export const imageFileParams = z.object({
  id: entityIdText,
  name: z.string().max(40).describe('original.<ext>, thumbnail.webp, medium.webp or large.webp'),
});

/** The text fields of `POST /images/upload` (beside the `file` part). */
export const imageUploadFields = z.object({ category: z.enum(imageCategories) });

export const imageVariantItem = z.object({
  id: entityId,
  type: z.enum(imageVariantTypes),
  url: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  format: z.string(),
  size: z.number().int(),
  createdAt: z.string(),
});

export const imageUploadResult = z.object({
  id: entityId,
  category: z.string(),
  originalUrl: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  placeholder: z.string().nullable().describe('a 16 px blurred WebP as a data URL'),
  variants: z.array(imageVariantItem),
  processingStatus: z.enum(['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED']),
});

export const imageDeleted = z.object({ success: z.boolean(), message: z.string() });

export const legacyUploadResult = z.object({
  url: z.string().describe("the LARGE (1200 px) WebP variant's URL"),
});
