import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';
import { controlChars, noControlCharsMessage, richText, textLine } from '../../../http/text.ts';

export const auctionIdParams = z.object({ id: entityIdText });
export const bidIdParams = z.object({ id: entityIdText, bidId: entityIdText });

export const AUCTION_STATUSES = ['OPEN', 'CLOSED', 'CANCELLED', 'EXPIRED'] as const;

export const auctionListQuery = pageQuery.extend({
  status: z
    .string()
    .max(20)
    .transform((value) => value.toUpperCase())
    .pipe(z.enum(AUCTION_STATUSES))
    .optional(),
  categoryId: entityIdText.optional(),
});
export type AuctionListQuery = z.infer<typeof auctionListQuery>;

const won = z.number().int().min(1).max(100_000_000_000);
const specValue = z.union([
  z
    .string()
    .max(500)
    .refine((value) => !controlChars.test(value), noControlCharsMessage),
  z.number().finite(),
  z.boolean(),
  z.null(),
]);

/** The wanted specs as the storefront parses them from a JSON text: flat, up to 50 named values. */
const specs = z
  .record(textLine(50), specValue)
  .refine((value) => Object.keys(value).length <= 50, 'at most 50 specs');

/** How long an auction runs when the body names no deadline. */
export const DEFAULT_AUCTION_DAYS = 7;
export const MAX_AUCTION_DAYS = 90;

export const createAuctionBody = z.strictObject({
  title: textLine(200),
  description: richText(5000),
  categoryId: entityId,
  specs: specs.optional(),
  budget: won,
  /** when bidding ends; default DEFAULT_AUCTION_DAYS from now, at most MAX_AUCTION_DAYS */
  deadline: z.iso
    .datetime({ offset: true })
    .transform((value) => new Date(value))
    .optional(),
});
export type CreateAuctionBody = z.infer<typeof createAuctionBody>;

const deliveryDays = z.number().int().min(0).max(365);

export const createBidBody = z.strictObject({
  price: won,
  description: richText(2000).optional(),
  deliveryDays,
});
export type CreateBidBody = z.infer<typeof createBidBody>;

export const updateBidBody = z
  .strictObject({
    price: won.optional(),
    description: richText(2000).optional(),
    deliveryDays: deliveryDays.optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), 'nothing to change');
export type UpdateBidBody = z.infer<typeof updateBidBody>;

export const bidResponse = z.object({
  id: entityId,
  auctionId: entityId,
  sellerId: entityId,
  sellerName: z.string(),
  price: z.number().int(),
  description: z.string().nullable(),
  deliveryDays: z.number().int(),
  status: z.enum(['ACTIVE', 'CANCELLED', 'SELECTED', 'LOST']),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type BidResponse = z.infer<typeof bidResponse>;

export const auctionSummaryResponse = z.object({
  id: entityId,
  ownerId: entityId,
  title: z.string(),
  categoryId: entityId.nullable(),
  budget: z.number().int(),
  status: z.enum(AUCTION_STATUSES),
  deadline: z.string(),
  bidCount: z.number().int().describe('live bids (ACTIVE or SELECTED)'),
  selectedBidId: entityId.nullable(),
  createdAt: z.string(),
});
export type AuctionSummaryResponse = z.infer<typeof auctionSummaryResponse>;

export const auctionDetailResponse = auctionSummaryResponse.extend({
  description: z.string(),
  specs: z.record(z.string(), z.unknown()),
  closedAt: z.string().nullable(),
  updatedAt: z.string(),
  bids: z.array(bidResponse).describe('the bids not withdrawn, lowest price first'),
});
export type AuctionDetailResponse = z.infer<typeof auctionDetailResponse>;

/** `{ success, message }` as the storefront reads the select, cancel and withdraw answers. */
export const outcomeResponse = z.object({ success: z.boolean(), message: z.string() });
