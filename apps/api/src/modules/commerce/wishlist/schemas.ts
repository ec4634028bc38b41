import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';

export const wishlistProductParams = z.object({ productId: entityIdText });
export const wishlistQuery = pageQuery;

export const wishlistItem = z.object({
  id: entityId,
  product: z.object({
    id: entityId,
    name: z.string(),
    thumbnailUrl: z.string().nullable(),
    lowestPrice: z.number().int().nullable(),
    averageRating: z.number(),
    reviewCount: z.number().int(),
  }),
  createdAt: z.string(),
});
export type WishlistItem = z.infer<typeof wishlistItem>;

export const toggleResult = z.object({ wishlisted: z.boolean() });
