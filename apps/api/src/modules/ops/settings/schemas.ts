import { z } from 'zod';
import { knownExtensions } from '../../../http/uploads.ts';

/** Allowed upload extensions (ADMN-10): known formats only (those decided by magic number), lower case. */
export const extensionList = z.object({
  extensions: z.array(z.string()).describe('lower-case file extensions uploads may have'),
});

const extensionName = z
  .string()
  .trim()
  .toLowerCase()
  .transform((name) => name.replace(/^\./, ''))
  .refine((name) => Object.hasOwn(knownExtensions, name), {
    message: `a known extension: ${Object.keys(knownExtensions).join(', ')}`,
  });

export const extensionsBody = z.object({
  extensions: z
    .array(extensionName)
    .min(1)
    .max(50)
    .transform((names) => [...new Set(names)])
    .describe('replaces the whole whitelist'),
});

const megabytes = z.number().int().min(1).max(1024);

/** Upload limits per media kind, in MB (ADMN-11, 12). Documents (PDF) are held to the image limit. */
export const uploadLimits = z.object({
  image: z.number().int().describe('MB'),
  video: z.number().int().describe('MB'),
  audio: z.number().int().describe('MB'),
});

export const uploadLimitsBody = z
  .object({ image: megabytes.optional(), video: megabytes.optional(), audio: megabytes.optional() })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: 'at least one of image, video, audio',
  });

/** The review policy (ADMN-13): the most images on one review, the points a review earns. */
export const reviewPolicy = z.object({
  maxImageCount: z.number().int(),
  pointAmount: z.number().int(),
});

export const reviewPolicyBody = z
  .object({
    maxImageCount: z.number().int().min(0).max(100).optional(),
    pointAmount: z.number().int().min(0).max(1_000_000).optional(),
  })
  .refine((body) => body.maxImageCount !== undefined || body.pointAmount !== undefined, {
    message: 'at least one of maxImageCount, pointAmount',
  });

export type ReviewPolicy = z.infer<typeof reviewPolicy>;
export type UploadLimits = z.infer<typeof uploadLimits>;
