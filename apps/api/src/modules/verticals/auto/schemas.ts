import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';
import { textLine } from '../../../http/text.ts';

export const carModelIdParams = z.object({ id: entityIdText });

/** `GET /auto/models`: `brand` matches exactly (any case), `type` is SEDAN, SUV, EV… (any case). */
export const carModelListQuery = pageQuery.extend({
  brand: textLine(50).optional(),
  type: textLine(20)
    .transform((value) => value.toUpperCase())
    .optional(),
});
export type CarModelListQuery = z.infer<typeof carModelListQuery>;

const won = z.number().int();

export const carModelResponse = z.object({
  id: entityId,
  brand: z.string(),
  name: z.string(),
  type: z.string(),
  fuelType: z.string(),
  imageUrl: z.string().nullable(),
  releaseYear: z.number().int().nullable(),
  basePrice: won.describe("the cheapest trim's factory price (KRW, before the taxes the estimate adds)"),
  trimCount: z.number().int(),
});
export type CarModelResponse = z.infer<typeof carModelResponse>;

export const carOptionResponse = z.object({
  id: entityId,
  trimId: entityId,
  name: z.string(),
  price: won,
});

export const carTrimResponse = z.object({
  id: entityId,
  modelId: entityId,
  name: z.string(),
  basePrice: won.describe('factory price (KRW, before consumption tax, education tax and VAT)'),
  priceDelta: won.describe("basePrice less the model's cheapest trim's"),
  engineDisplacementCc: z.number().int().nullable(),
  specs: z.record(z.string(), z.unknown()),
  options: z.array(carOptionResponse),
});
export type CarTrimResponse = z.infer<typeof carTrimResponse>;

export const leaseOfferResponse = z.object({
  id: entityId,
  modelId: entityId,
  trimId: entityId.nullable(),
  provider: z.string(),
  offerType: z.string().describe('RENT or LEASE'),
  months: z.number().int(),
  monthlyFee: won,
  downPayment: won.describe('deposit or advance paid at the start'),
  annualMileageKm: z.number().int().nullable(),
});
export type LeaseOfferResponse = z.infer<typeof leaseOfferResponse>;

const isoDate = z.iso.date();

/**
 * `POST /auto/estimate`: the storefront sends `modelId`, `trimId`, `optionIds`; the installment
 * terms and the purchase date (whose tax rates apply) are optional.
 */
export const estimateBody = z.strictObject({
  modelId: entityId.optional(),
  trimId: entityId,
  optionIds: z
    .array(entityId)
    .max(50)
    .refine((ids) => new Set(ids).size === ids.length, 'an option may be chosen once')
    .default([]),
  /** KRW paid up front; the rest of the vehicle price is financed */
  downPayment: z.number().int().min(0).max(10_000_000_000).default(0),
  /** yearly interest in percent (0 → the principal in equal parts) */
  annualRatePercent: z.number().min(0).max(30).default(0),
  months: z.number().int().min(1).max(120).default(60),
  /** the day the car is bought (its tax rates apply); default today in Asia/Seoul */
  purchaseDate: isoDate.optional(),
});
export type EstimateBody = z.infer<typeof estimateBody>;

export const taxLineResponse = z.object({
  code: z.string(),
  name: z.string(),
  rate: z.number().describe('fraction: 0.05 is 5 %'),
  base: won.describe('the amount the rate applies to'),
  amount: won,
  source: z.string(),
  validFrom: z.string(),
  validUntil: z.string().nullable(),
});

export const estimateResponse = z.object({
  modelId: entityId,
  trimId: entityId,
  selectedOptionIds: z.array(entityId),
  basePrice: won.describe("the trim's factory price"),
  optionPrice: won,
  factoryPrice: won.describe('basePrice + optionPrice, before any tax'),
  tax: won.describe('consumption tax + education tax + VAT + acquisition tax'),
  taxes: z.array(taxLineResponse),
  vehiclePrice: won.describe(
    'what the dealer charges: factory price + consumption tax + education tax + VAT',
  ),
  totalPrice: won.describe('vehiclePrice + acquisition tax'),
  monthlyPayment: won,
  installment: z.object({
    downPayment: won,
    principal: won.describe(
      'vehiclePrice less the down payment (the acquisition tax is paid at registration)',
    ),
    annualRatePercent: z.number(),
    months: z.number().int(),
    monthlyPayment: won,
    totalInterest: won.describe('months × monthlyPayment less the principal'),
  }),
  purchaseDate: z.string(),
});
export type EstimateResponse = z.infer<typeof estimateResponse>;
