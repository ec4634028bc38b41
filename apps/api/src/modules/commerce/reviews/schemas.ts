import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';
import { noControlCharsMessage, textLine } from '../../../http/text.ts';

export const reviewSorts = ['NEWEST', 'RATING_DESC', 'RATING_ASC', 'BEST'] as const;
export type ReviewSort = (typeof reviewSorts)[number];

/** Tags on one review at most, and the length of each. */
export const MAX_REVIEW_TAGS = 10;
export const MAX_TAG_LENGTH = 20;
/** A review's text: at least this long (a rating with a word or two earns no reward), at most 2,000 characters. */
export const MIN_CONTENT_LENGTH = 10;
export const MAX_CONTENT_LENGTH = 2000;

export const reviewIdParams = z.object({ id: entityIdText });
export const productReviewParams = z.object({ id: entityIdText });

export const reviewListQuery = pageQuery.extend({
  sort: z
    .string()
    .max(20)
    .transform((value) => value.trim().toUpperCase())
    .pipe(z.enum(reviewSorts))
    .default('NEWEST')
    .describe(
      'NEWEST (default), RATING_DESC, RATING_ASC or BEST (best reviews first), any case; newest first within each',
    ),
  rating: z.coerce.number().int().min(1).max(5).optional().describe('only reviews of this rating (1..5)'),
});
export type ReviewListQuery = z.infer<typeof reviewListQuery>;

const breaksAllowed = /[^\P{Cc}\n\t]/u;

/** Several lines of text: NFC, line breaks as \n, trimmed, no control characters but line breaks and tabs. */
const content = z
  .string()
  .max(MAX_CONTENT_LENGTH * 4)
  .transform((value) => value.normalize('NFC').replace(/\r\n?/g, '\n').trim())
  .pipe(
    z
      .string()
      .min(MIN_CONTENT_LENGTH)
      .max(MAX_CONTENT_LENGTH)
      .refine((value) => !breaksAllowed.test(value), noControlCharsMessage),
  )
  .describe(`${MIN_CONTENT_LENGTH}..${MAX_CONTENT_LENGTH} characters`);

const rating = z.number().int().min(1).max(5).describe('1..5');

const tags = z
  .array(textLine(MAX_TAG_LENGTH))
  .max(MAX_REVIEW_TAGS)
  // the same tag twice says nothing more
  .transform((values) => [...new Set(values)])
  .describe(`at most ${MAX_REVIEW_TAGS} tags of 1..${MAX_TAG_LENGTH} characters; repeats are kept once`);

const imageUrl = z
  .string()
  .trim()
  .max(2000)
  .pipe(z.url({ protocol: /^https?$/, message: 'an http(s) URL' }));

/** The most images the review policy may allow (admin settings refuse more). */
export const REVIEW_IMAGE_CEILING = 100;

const imageUrls = z
  .array(imageUrl)
  .max(REVIEW_IMAGE_CEILING)
  .describe("http(s) image URLs, at most the review policy's maxImageCount (admin settings; default 10)");

const imageIds = z
  .array(entityId)
  .max(REVIEW_IMAGE_CEILING)
  // the same image twice shows nothing more
  .transform((values) => [...new Set(values)])
  .describe(
    "ids of images I uploaded through POST /images/upload (any category), shown in this order; another member's image, or one already on another review or post, is 400 ATTACHMENT_NOT_ALLOWED. With imageUrls, at most the review policy's maxImageCount. On an edit, the list replaces the review's images and the ones left out are deleted",
  );

/** The bodies of a review write; the route checks the image count against the current review policy. */
export function reviewBodies() {
  return {
    create: z.object({
      orderId: entityId.describe('the purchase-confirmed order of mine that holds the product'),
      rating,
      content,
      tags: tags.optional(),
      imageUrls: imageUrls.optional(),
      imageIds: imageIds.optional(),
    }),
    update: z
      .object({
        rating: rating.optional(),
        content: content.optional(),
        tags: tags.optional(),
        imageUrls: imageUrls.optional(),
        imageIds: imageIds.optional(),
      })
      .refine((body) => Object.values(body).some((value) => value !== undefined), {
        message: 'send at least one field to change',
      }),
  };
}
export type CreateReviewBody = z.infer<ReturnType<typeof reviewBodies>['create']>;
export type UpdateReviewBody = z.infer<ReturnType<typeof reviewBodies>['update']>;

export const bestMarkBody = z.object({ isBest: z.boolean() });

export const review = z.object({
  id: entityId,
  productId: entityId,
  orderId: entityId,
  rating: z.number().int(),
  content: z.string(),
  tags: z.array(z.string()),
  imageUrls: z.array(z.string()).describe('the image URLs given as URLs'),
  images: z
    .array(
      z.object({
        id: entityId,
        variants: z
          .array(
            z.object({
              type: z.enum(['THUMBNAIL', 'MEDIUM', 'LARGE']),
              url: z.string(),
              width: z.number().int(),
              height: z.number().int(),
            }),
          )
          .describe('WebP variants, smallest first'),
      }),
    )
    .describe('the images uploaded through the image service, in their order'),
  isBest: z.boolean(),
  user: z.object({
    id: entityId,
    nickname: z
      .string()
      .describe("the author's nickname; a placeholder for a withdrawn member or one without"),
  }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Review = z.infer<typeof review>;
