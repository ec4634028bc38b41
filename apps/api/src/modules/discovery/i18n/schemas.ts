import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { currencies } from '../../../http/currency.ts';
import { textLine } from '../../../http/text.ts';

/** The locales translations are kept for (the error catalog's languages). */
export const locales = ['ko', 'en', 'ja'] as const;

const currencyCode = z
  .string()
  .trim()
  .toUpperCase()
  .pipe(z.enum(currencies, { message: 'one of KRW, USD, JPY' }));

/** A translation's namespace or key: printable ASCII words, dots, dashes (`product`, `123.name`). */
const identifier = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits, ".", "_", ":" or "-"');

export const translationQuery = z.object({
  locale: z.enum(locales).optional(),
  namespace: identifier(64).optional(),
  key: identifier(200).optional(),
});

export const upsertTranslationBody = z.object({
  locale: z.enum(locales),
  namespace: identifier(64),
  key: identifier(200),
  value: textLine(2000).describe('plain text, one line (NFC, no control characters)'),
});

export const translationIdParams = z.object({ id: entityIdText });

export const translationResponse = z.object({
  id: entityId,
  locale: z.string(),
  namespace: z.string(),
  key: z.string(),
  value: z.string(),
  updatedAt: z.string(),
});

export const exchangeRateResponse = z.object({
  id: entityId.describe("the pair's place in KRW/USD/JPY order (the table is keyed by the pair)"),
  baseCurrency: z.enum(currencies),
  targetCurrency: z.enum(currencies),
  rate: z.number().describe('units of targetCurrency per unit of baseCurrency'),
  source: z.string().describe("the provider's host, or `admin` for a rate set by hand"),
  updatedAt: z.string().describe('when this rate was last fetched (or set) successfully'),
  stale: z.boolean().describe('older than EXCHANGE_RATE_STALE_AFTER_MS: the provider has been failing'),
});

export const upsertExchangeRateBody = z
  .object({
    baseCurrency: currencyCode,
    targetCurrency: currencyCode,
    rate: z.number().positive().max(1_000_000).finite(),
  })
  .refine((body) => body.baseCurrency !== body.targetCurrency, {
    path: ['targetCurrency'],
    message: 'must differ from baseCurrency',
  });

export const convertQuery = z.object({
  amount: z.coerce.number().min(0).max(1e13).finite(),
  from: currencyCode,
  to: currencyCode,
});

export const convertedAmount = z.object({
  originalAmount: z.number(),
  originalCurrency: z.enum(currencies),
  convertedAmount: z.number(),
  targetCurrency: z.enum(currencies),
  rate: z.number(),
  updatedAt: z.string().nullable().describe("the rate's date; null when from equals to"),
});

export type TranslationResponse = z.infer<typeof translationResponse>;
export type ExchangeRateResponse = z.infer<typeof exchangeRateResponse>;
export type UpsertTranslationBody = z.infer<typeof upsertTranslationBody>;
export type UpsertExchangeRateBody = z.infer<typeof upsertExchangeRateBody>;
