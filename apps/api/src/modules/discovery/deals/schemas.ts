import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';
import { textLine } from '../../../http/text.ts';

export const dealIdParams = z.object({ id: entityIdText });

const instant = z.iso.datetime({ offset: true }).transform((value) => new Date(value));
const dealType = textLine(30).transform((value) => value.toUpperCase());
const httpUrl = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .nullable();

/** `GET /deals`: the storefront sends `limit` and `activeOnly=true` (the public list is always the active one). */
export const dealListQuery = pageQuery.extend({
  type: dealType.optional(),
  activeOnly: z.enum(['true', 'false']).optional(),
});
export type DealListQuery = z.infer<typeof dealListQuery>;

const dealProductInput = z.object({
  productId: entityId,
  /** KRW; when left out: the product's lowest price less the deal's discount rate */
  dealPrice: z.number().int().min(1).max(1_000_000_000).optional(),
  /** units sold at the deal price at most; left out: no limit */
  stock: z.number().int().min(0).max(1_000_000).nullable().optional(),
});

/**
 * The contract's body (`startDate`, `endDate`, `products[]`) and the storefront's (`startAt`,
 * `endAt`, a single `productId`): either spelling, one service behind both.
 */
const dealFields = {
  title: textLine(200),
  type: dealType.optional(),
  description: textLine(2000).nullable().optional(),
  discountRate: z.number().int().min(0).max(100),
  bannerUrl: httpUrl.optional(),
  isActive: z.boolean().optional(),
  startAt: instant.optional(),
  endAt: instant.optional(),
  startDate: instant.optional(),
  endDate: instant.optional(),
  productId: entityId.optional(),
  products: z.array(dealProductInput).max(100).optional(),
};

export const createDealBody = z.strictObject(dealFields);
export type CreateDealBody = z.infer<typeof createDealBody>;

export const updateDealBody = z.strictObject({
  ...dealFields,
  title: dealFields.title.optional(),
  discountRate: dealFields.discountRate.optional(),
});
export type UpdateDealBody = z.infer<typeof updateDealBody>;

export const dealProductResponse = z.object({
  productId: entityId,
  productName: z.string(),
  thumbnailUrl: z.string().nullable(),
  lowestPrice: z.number().int().nullable(),
  dealPrice: z.number().int(),
  stock: z.number().int().nullable(),
  soldCount: z.number().int(),
});

export const dealResponse = z.object({
  id: entityId,
  title: z.string(),
  type: z.string(),
  description: z.string().nullable(),
  discountRate: z.number().int(),
  bannerUrl: z.string().nullable(),
  startAt: z.string(),
  endAt: z.string(),
  /** the contract's names of the same window */
  startDate: z.string(),
  endDate: z.string(),
  isActive: z.boolean(),
  /** the first target product (the storefront's single-product deal) */
  productId: entityId.nullable(),
  product: z
    .object({
      id: entityId,
      name: z.string(),
      thumbnailUrl: z.string().nullable(),
      lowestPrice: z.number().int().nullable(),
    })
    .nullable(),
  products: z.array(dealProductResponse),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DealResponse = z.infer<typeof dealResponse>;
