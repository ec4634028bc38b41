import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { compareResult } from '../../catalog/specs/schemas.ts';

/** At most this many products in a compare bar (COMP-01). */
export const COMPARE_LIMIT = 4;

/** A guest's compare key (`x-compare-key`), as the guest cart's `x-cart-key` is shaped. */
export const COMPARE_KEY_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

export const compareProductParams = z.object({ productId: entityIdText });
export const compareAddBody = z.object({ productId: entityId });

export const compareListItem = z.object({
  productId: entityId,
  name: z.string(),
  categoryId: entityId,
  /** the lowest offer price; null while the product has no offer */
  price: z.number().int().nullable(),
  averageRating: z.number(),
  reviewCount: z.number().int(),
  sellerCount: z.number().int(),
  salesCount: z.number().int(),
  thumbnailUrl: z.string().nullable(),
});
export type CompareListItem = z.infer<typeof compareListItem>;

export const compareListResponse = z.object({ compareList: z.array(compareListItem) });

const differenceFlags = z.object({
  price: z.boolean(),
  categoryId: z.boolean(),
  averageRating: z.boolean(),
  reviewCount: z.boolean(),
  sellerCount: z.boolean(),
  salesCount: z.boolean(),
});

/**
 * `GET /compare/detail`: the list, which of its fields differ between the products, and the spec
 * engine's side-by-side comparison (`POST /specs/compare`) with each spec marked `different`.
 */
export const compareDetailResponse = z.object({
  compareList: z.array(compareListItem),
  differences: differenceFlags,
  specs: z.array(compareResult.shape.specs.element.extend({ different: z.boolean() })),
});
export type CompareDetail = z.infer<typeof compareDetailResponse>;
