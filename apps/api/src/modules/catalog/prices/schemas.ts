import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';

export const shippingRules = ['FREE', 'PAID', 'FREE_OVER'] as const;
export const stockStates = ['IN_STOCK', 'LOW_STOCK', 'OUT_OF_STOCK'] as const;

/** KRW amounts are whole won; 10^10 is far above any real offer and far below 2^53. */
const MAX_WON = 10_000_000_000;
const won = (min: number) => z.number().int().min(min).max(MAX_WON);

const httpUrl = z
  .string()
  .trim()
  .max(2000)
  .pipe(z.url({ protocol: /^https?$/, message: 'an http(s) URL' }));

export const offerIdParams = z.object({ id: entityIdText });
export const productIdParams = z.object({ id: entityIdText });

interface ShippingFields {
  shippingRule?: (typeof shippingRules)[number];
  shippingCost?: number;
  freeShippingThreshold?: number | null;
}

/** FREE_OVER needs a threshold and only FREE_OVER may have one; FREE ships at no cost. */
export function shippingProblems(offer: ShippingFields): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const threshold = offer.freeShippingThreshold ?? null;
  if (offer.shippingRule === 'FREE_OVER' && threshold === null) {
    problems.push({ field: 'freeShippingThreshold', message: 'required when shippingRule is FREE_OVER' });
  }
  if (offer.shippingRule !== 'FREE_OVER' && threshold !== null) {
    problems.push({ field: 'freeShippingThreshold', message: 'only allowed when shippingRule is FREE_OVER' });
  }
  if (offer.shippingRule === 'FREE' && (offer.shippingCost ?? 0) !== 0) {
    problems.push({ field: 'shippingCost', message: 'must be 0 when shippingRule is FREE' });
  }
  return problems;
}

const offerFields = {
  price: won(1),
  shippingRule: z.enum(shippingRules),
  shippingCost: won(0).describe(
    'the shipping fee (KRW); sent above 0 without shippingRule on a FREE offer, it makes the rule PAID',
  ),
  freeShippingThreshold: won(1).nullable(),
  stockState: z.enum(stockStates),
  stock: z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .describe(
      'units sellable through our checkout; the stock state follows it (0 OUT_OF_STOCK, up to 5 LOW_STOCK) and a stockState sent with it is ignored',
    ),
  url: httpUrl.describe("the offer's page at the shop"),
  productUrl: httpUrl.describe(
    "the storefront's name for `url` (PriceEntry.productUrl): send one of the two",
  ),
  // the storefront sends a free-text note ('무료배송'); shipping is described by shippingRule,
  // shippingCost and freeShippingThreshold, so the note is checked as text and not stored
  shippingInfo: z
    .string()
    .max(500)
    .describe(
      'accepted and ignored: shipping is described by shippingRule, shippingCost and freeShippingThreshold',
    ),
};

/** `url` and its storefront alias `productUrl`: one of the two, or both alike. */
function oneUrl(
  body: { url?: string; productUrl?: string },
  context: z.RefinementCtx,
  required: boolean,
): void {
  if (body.url !== undefined && body.productUrl !== undefined && body.url !== body.productUrl) {
    context.addIssue({
      code: 'custom',
      path: ['productUrl'],
      message: 'url and productUrl name the same field: send one of them (or both alike)',
    });
  }
  if (required && body.url === undefined && body.productUrl === undefined) {
    context.addIssue({ code: 'custom', path: ['url'], message: 'send url (or productUrl)' });
  }
}

export const createOfferBody = z
  .object({
    sellerId: entityId,
    price: offerFields.price,
    shippingRule: offerFields.shippingRule
      .optional()
      .describe('default FREE, or PAID when shippingCost above 0 is sent without it'),
    shippingCost: offerFields.shippingCost.default(0),
    freeShippingThreshold: offerFields.freeShippingThreshold.optional(),
    stockState: offerFields.stockState
      .default('IN_STOCK')
      .describe('without stock, the offer gets 100 units IN_STOCK, 5 LOW_STOCK, 0 OUT_OF_STOCK'),
    stock: offerFields.stock.optional(),
    url: offerFields.url.optional(),
    productUrl: offerFields.productUrl.optional(),
    shippingInfo: offerFields.shippingInfo.optional(),
  })
  .superRefine((body, context) => {
    oneUrl(body, context, true);
    const shippingRule = body.shippingRule ?? (body.shippingCost > 0 ? 'PAID' : 'FREE');
    for (const problem of shippingProblems({ ...body, shippingRule })) {
      context.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
    }
  })
  .transform(({ url, productUrl, shippingInfo: _ignored, shippingRule, ...body }) => ({
    ...body,
    shippingRule: shippingRule ?? (body.shippingCost > 0 ? ('PAID' as const) : ('FREE' as const)),
    // oneUrl made sure there is one
    url: (url ?? productUrl)!,
  }));

export const updateOfferBody = z
  .object({
    price: offerFields.price.optional(),
    shippingRule: offerFields.shippingRule.optional(),
    shippingCost: offerFields.shippingCost.optional(),
    freeShippingThreshold: offerFields.freeShippingThreshold.optional(),
    stockState: offerFields.stockState
      .optional()
      .describe("without stock: the units are kept when they show this state, else that state's default"),
    stock: offerFields.stock.optional(),
    url: offerFields.url.optional(),
    productUrl: offerFields.productUrl.optional(),
    shippingInfo: offerFields.shippingInfo.optional(),
  })
  .superRefine(({ shippingInfo: _ignored, ...body }, context) => {
    oneUrl(body, context, false);
    if (!Object.values(body).some((value) => value !== undefined)) {
      context.addIssue({
        code: 'custom',
        path: [],
        message:
          'send at least one field to change (shippingInfo is not stored, so it alone changes nothing)',
      });
    }
  })
  .transform(({ url, productUrl, shippingInfo: _ignored, ...body }): typeof body & { url?: string } => {
    const given = url ?? productUrl;
    return given === undefined ? body : { ...body, url: given };
  });

export const periods = ['1w', '1m', '3m', '6m', '1y'] as const;
export const bucketTypes = ['daily', 'weekly', 'monthly'] as const;

export const priceHistoryQuery = z.object({
  period: z.enum(periods).default('3m'),
  type: z.enum(bucketTypes).default('daily'),
});

export const priceEntry = z.object({
  id: entityId,
  seller: z.object({
    id: entityId,
    name: z.string(),
    logoUrl: z.string().nullable(),
    trustScore: z.number().int(),
  }),
  price: z.number().int(),
  shippingRule: z.enum(shippingRules),
  shippingCost: z.number().int(),
  freeShippingThreshold: z.number().int().nullable(),
  realPrice: z.number().int(),
  stockState: z.enum(stockStates),
  productUrl: z.string(),
  updatedAt: z.string(),
});

export const priceComparison = z.object({
  lowestPrice: z.number().int().nullable(),
  averagePrice: z.number().int().nullable(),
  highestPrice: z.number().int().nullable(),
  lowestRealPrice: z.number().int().nullable(),
  entries: z.array(priceEntry),
  /** the running deal with the lowest deal price for this product (DEAL-01), beside the offers' prices */
  deal: z
    .object({
      dealId: entityId,
      title: z.string(),
      discountRate: z.number().int(),
      dealPrice: z.number().int(),
      stock: z.number().int().nullable(),
      endAt: z.string(),
    })
    .nullable(),
});

export const realPriceQuery = z.object({
  sellerId: entityIdText.optional().describe('a shop; without it, the cheapest delivered offer in stock'),
});

/** FRAUD-02: what one unit costs delivered at one shop. */
export const realPriceResponse = z.object({
  productId: entityId,
  sellerId: entityId,
  offerId: entityId,
  productPrice: z.number().int(),
  shippingFee: z.number().int(),
  totalPrice: z.number().int(),
  shippingType: z.enum(shippingRules),
  freeShippingThreshold: z.number().int().nullable(),
  stockState: z.enum(stockStates),
});

export const priceHistoryResponse = z.object({
  productId: entityId,
  productName: z.string(),
  allTimeLowest: z.number().int().nullable(),
  allTimeHighest: z.number().int().nullable(),
  isAllTimeLow: z.boolean(),
  history: z
    .array(
      z.object({
        date: z.string(),
        lowestPrice: z
          .number()
          .int()
          .nullable()
          .describe('null only for a bucket in which no offer was live (all withdrawn or out of stock)'),
        averagePrice: z.number().int().nullable(),
      }),
    )
    .describe(
      "from the bucket of the product's first recorded lowest price on (none before it); empty without one",
    ),
});

export type CreateOfferBody = z.infer<typeof createOfferBody>;
export type UpdateOfferBody = z.infer<typeof updateOfferBody>;
export type PriceEntry = z.infer<typeof priceEntry>;
export type PriceComparison = z.infer<typeof priceComparison>;
export type RealPrice = z.infer<typeof realPriceResponse>;
export type PriceHistoryResponse = z.infer<typeof priceHistoryResponse>;
export type Period = (typeof periods)[number];
export type BucketType = (typeof bucketTypes)[number];
