import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';
import { searchText, textLine } from '../../../http/text.ts';
import { priceEntry } from '../prices/schemas.ts';
import { specFilters } from '../specs/schemas.ts';

export const productStatuses = ['ON_SALE', 'SOLD_OUT', 'DISCONTINUED', 'HIDDEN'] as const;
export const productSorts = [
  'newest',
  'popularity',
  'price_asc',
  'price_desc',
  'rating_desc',
  'rating_asc',
] as const;

const controlButBreaks = /[^\P{Cc}\n\t]/u;

const description = z
  .string()
  .max(80_000)
  .transform((value) => value.normalize('NFC').replace(/\r\n?/g, '\n').trim())
  .pipe(
    z
      .string()
      .max(20_000)
      .refine((value) => !controlButBreaks.test(value), 'control characters are not allowed'),
  );

const MAX_WON = 10_000_000_000;
/** `products.version` is a PostgreSQL integer: a larger one would fail the query, not the lock */
const MAX_VERSION = 2_147_483_647;

export const productIdParams = z.object({ id: entityIdText });
export const optionParams = z.object({ id: entityIdText, optionId: entityIdText });
export const imageParams = z.object({ id: entityIdText, imageId: entityIdText });

export const productListQuery = pageQuery
  .extend({
    categoryId: entityIdText.optional(),
    search: searchText(),
    minPrice: z.coerce.number().int().min(0).max(MAX_WON).optional(),
    maxPrice: z.coerce.number().int().min(0).max(MAX_WON).optional(),
    sellerId: entityIdText.optional(),
    sort: z.enum(productSorts).default('newest'),
    // JSON object of spec key → value or { min, max } (SPEC-03)
    specs: specFilters.optional(),
  })
  .refine(
    (query) =>
      query.minPrice === undefined || query.maxPrice === undefined || query.minPrice <= query.maxPrice,
    {
      path: ['minPrice'],
      message: 'minPrice must not exceed maxPrice',
    },
  );

/** An amount of KRW a product is priced at. */
const won = z.number().int().min(0).max(MAX_WON);

const imageUrl = z
  .string()
  .trim()
  .max(2000)
  .pipe(z.url({ protocol: /^https?$/, message: 'an http(s) URL' }));

const productFields = {
  categoryId: entityId,
  name: textLine(200),
  brand: textLine(100).nullable(),
  description,
  status: z.enum(productStatuses),
  stock: z.number().int().min(0).max(1_000_000_000),
  price: won.describe("the product's own list price (KRW); offers' prices are separate"),
  discountPrice: won.nullable().describe('a sale price (KRW), at most `price`; null for none'),
  thumbnailUrl: imageUrl.describe("the product's main image (an http(s) URL)"),
  unitQuantity: z.number().positive().max(999_999_999).nullable(),
  unitLabel: textLine(20).nullable(),
};

/** `discountPrice` ≤ `price` when a body carries both (the other cases are checked against the row). */
const discountWithinPrice = (
  body: { price?: number; discountPrice?: number | null },
  context: z.RefinementCtx,
  price = body.price,
) => {
  if (price !== undefined && body.discountPrice != null && body.discountPrice > price) {
    context.addIssue({
      code: 'custom',
      path: ['discountPrice'],
      message: `must not exceed price (${price})`,
    });
  }
};

const optionValues = z.array(textLine(100)).max(50);

export const createOptionBody = z.object({
  name: textLine(100),
  values: optionValues,
  sortOrder: z.number().int().min(0).max(10_000).optional(),
});

export const createImageBody = z.object({
  url: imageUrl,
  isMain: z.boolean().optional(),
  sortOrder: z.number().int().min(0).max(10_000).optional(),
});

/** The text fields of a multipart `POST /products/:id/images` (beside its `file`). */
export const multipartImageFields = z.object({
  isMain: z
    .enum(['true', 'false'])
    .optional()
    .transform((value) => (value === undefined ? undefined : value === 'true')),
  sortOrder: z
    .string()
    .regex(/^[0-9]{1,5}$/, 'a whole number 0..10000')
    .transform(Number)
    .pipe(z.number().int().min(0).max(10_000))
    .optional(),
});

export const createProductBody = z
  .object({
    categoryId: productFields.categoryId,
    name: productFields.name,
    brand: productFields.brand.optional(),
    description: productFields.description.optional(),
    status: productFields.status.optional(),
    stock: productFields.stock.optional(),
    price: productFields.price.optional().describe("the product's own list price (KRW); 0 when not sent"),
    discountPrice: productFields.discountPrice.optional(),
    thumbnailUrl: productFields.thumbnailUrl
      .nullable()
      .optional()
      .describe('becomes the main image when `images` is absent or empty; ignored otherwise'),
    options: z.array(createOptionBody).max(50).optional(),
    images: z
      .array(createImageBody)
      .max(20)
      .optional()
      .describe('the one with isMain (else the first) is the main image'),
    unitQuantity: productFields.unitQuantity.optional(),
    unitLabel: productFields.unitLabel.optional(),
  })
  .superRefine((body, context) => {
    discountWithinPrice(body, context, body.price ?? 0);
    if ((body.images ?? []).filter((image) => image.isMain === true).length > 1) {
      context.addIssue({ code: 'custom', path: ['images'], message: 'at most one image can be isMain' });
    }
  });

export const updateProductBody = z
  .object({
    version: z
      .number()
      .int()
      .min(1)
      .max(MAX_VERSION)
      .optional()
      .describe(
        'the version read: when sent, the update applies only at it (409 CONFLICT otherwise); when absent, the last write wins',
      ),
    categoryId: productFields.categoryId.optional(),
    name: productFields.name.optional(),
    brand: productFields.brand.optional(),
    description: productFields.description.optional(),
    status: productFields.status.optional(),
    stock: productFields.stock.optional(),
    price: productFields.price.optional(),
    discountPrice: productFields.discountPrice.optional(),
    thumbnailUrl: productFields.thumbnailUrl
      .optional()
      .describe('becomes the main image: an image with this URL is promoted, else one is added'),
    unitQuantity: productFields.unitQuantity.optional(),
    unitLabel: productFields.unitLabel.optional(),
  })
  .superRefine(({ version: _version, ...fields }, context) => {
    if (!Object.values(fields).some((value) => value !== undefined)) {
      context.addIssue({
        code: 'custom',
        path: [],
        message: 'send at least one field to change besides version',
      });
    }
    discountWithinPrice(fields, context);
  });

export const updateOptionBody = z
  .object({
    name: textLine(100).optional(),
    values: optionValues.optional(),
    sortOrder: z.number().int().min(0).max(10_000).optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: 'send name, values and/or sortOrder',
  });

export const productOption = z.object({
  id: entityId,
  name: z.string(),
  values: z.array(z.string()),
  sortOrder: z.number().int(),
});

export const productImage = z.object({
  id: entityId,
  url: z.string(),
  isMain: z.boolean(),
  sortOrder: z.number().int(),
});

export const productSummary = z.object({
  id: entityId,
  name: z.string(),
  brand: z.string().nullable(),
  lowestPrice: z.number().int().nullable(),
  sellerCount: z.number().int(),
  thumbnailUrl: z.string().nullable(),
  reviewCount: z.number().int(),
  averageRating: z.number(),
  createdAt: z.string(),
});

export const productDetail = z.object({
  id: entityId,
  name: z.string(),
  brand: z.string().nullable(),
  description: z.string(),
  price: z.number().int().describe("the product's own list price (KRW); 0 when none was set"),
  discountPrice: z.number().int().nullable().describe('its sale price (KRW), at most `price`; null for none'),
  lowestPrice: z.number().int().nullable().describe('the lowest offer (KRW); null with no live offer'),
  highestPrice: z.number().int().nullable(),
  averagePrice: z.number().int().nullable(),
  stock: z.number().int(),
  status: z.enum(productStatuses),
  version: z.number().int(),
  unitQuantity: z.number().nullable(),
  unitLabel: z.string().nullable(),
  category: z.object({ id: entityId, name: z.string() }),
  options: z.array(productOption),
  images: z.array(productImage).describe('the main image first, then by sort order'),
  thumbnailUrl: z
    .string()
    .nullable()
    .describe("the main image's URL (the list's thumbnail); null without images"),
  priceEntries: z.array(priceEntry),
  sellerCount: z.number().int(),
  reviewCount: z.number().int(),
  averageRating: z.number(),
  viewCount: z
    .number()
    .int()
    .describe('views so far; counted in batches and cached with the detail, so it may lag by a few minutes'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export type ProductListQuery = z.infer<typeof productListQuery>;
export type CreateProductBody = z.infer<typeof createProductBody>;
export type UpdateProductBody = z.infer<typeof updateProductBody>;
export type CreateOptionBody = z.infer<typeof createOptionBody>;
export type UpdateOptionBody = z.infer<typeof updateOptionBody>;
export type CreateImageBody = z.infer<typeof createImageBody>;
export type ProductSummary = z.infer<typeof productSummary>;
export type ProductDetail = z.infer<typeof productDetail>;
export type ProductOption = z.infer<typeof productOption>;
export type ProductImage = z.infer<typeof productImage>;
