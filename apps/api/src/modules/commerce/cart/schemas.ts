import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { noControlChars, noControlCharsMessage } from '../../../http/text.ts';

/** A line's quantity, as the `cart_items_quantity_check` CHECK allows it. */
export const MAX_LINE_QUANTITY = 999;

export const cartItemParams = z.object({ itemId: entityIdText });

const quantity = z.number().int().min(1).max(MAX_LINE_QUANTITY);

/**
 * The chosen options as the storefront writes them ("Silver / 512GB"): NFC, trimmed, no control
 * characters, at most 200 characters; an empty text is no options.
 */
const selectedOptions = z
  .string()
  .max(800)
  .transform((value) => value.normalize('NFC').trim())
  .pipe(z.string().max(200).refine(noControlChars, noControlCharsMessage))
  .transform((value) => (value === '' ? null : value))
  .nullable()
  .optional()
  .transform((value) => value ?? null);

export const addCartItemBody = z.object({
  productId: entityId,
  sellerId: entityId.describe('the seller to buy from: one of the product offers'),
  quantity,
  selectedOptions,
});
export type AddCartItemBody = z.infer<typeof addCartItemBody>;

export const updateCartItemBody = z.object({ quantity });

/**
 * `x-cart-key`: the guest cart's key, 1..100 of `[A-Za-z0-9_-]` (the storefront sends
 * `guest_<ms>_<8 base36>`). Checked in the handler, after the other input, so a missing or
 * malformed key is CART_KEY_REQUIRED.
 */
export const CART_KEY_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;
export const cartKeyHeaders = z.looseObject({
  'x-cart-key': z
    .string()
    .optional()
    .describe('the guest cart key, 1..100 of [A-Za-z0-9_-]; missing or malformed: 400 CART_KEY_REQUIRED'),
});

export const cartItem = z.object({
  id: entityId,
  product: z
    .object({
      id: entityId,
      name: z.string(),
      thumbnailUrl: z.string().nullable(),
      price: z
        .number()
        .int()
        .describe("the seller's current price (the price when added if the offer is gone)"),
      lowestPrice: z.number().int().nullable().describe("the product's lowest price over its sellers"),
    })
    .nullable()
    .describe('null only for a guest line whose product no longer exists'),
  seller: z
    .object({ id: entityId, name: z.string(), logoUrl: z.string().nullable() })
    .nullable()
    .describe('null only for a guest line whose seller no longer exists'),
  selectedOptions: z.string().nullable(),
  quantity: z.number().int(),
  unitPrice: z.number().int().nullable().describe("the offer's current price; null when the offer is gone"),
  unitPriceAtAdd: z.number().int().describe('the price when the line was (last) added'),
  priceChanged: z.boolean().describe('the current price differs from unitPriceAtAdd'),
  available: z
    .boolean()
    .describe('the product, the seller and the offer still exist and the offer has stock'),
  stock: z.number().int().describe("the offer's stock (0 when the offer is gone)"),
  createdAt: z.string(),
});
export type CartItem = z.infer<typeof cartItem>;

export const droppedLine = z.object({
  productId: entityId,
  sellerId: entityId,
  selectedOptions: z.string().nullable(),
  quantity: z.number().int(),
  reason: z.enum(['OUT_OF_STOCK', 'UNAVAILABLE']),
});

export const mergeResult = z.object({
  items: z.array(cartItem).describe("the member's cart after the merge"),
  merged: z.number().int().describe('guest lines added to or summed into the cart'),
  dropped: z.number().int().describe('guest lines left out: no stock, or the product/offer is gone'),
  droppedLines: z.array(droppedLine),
});
export type MergeResult = z.infer<typeof mergeResult>;
