import type { Logger } from '@pbshop/config';
import { type Database, exchangeRates, translations } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, asc, eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import { type Currency, currencies, roundFor } from '../../../http/currency.ts';
import type { FetchedRates, RateProvider } from './rate-provider.ts';
import type {
  ExchangeRateResponse,
  TranslationResponse,
  UpsertExchangeRateBody,
  UpsertTranslationBody,
} from './schemas.ts';

/** A public translation list answers at most this many rows (filter by locale and namespace for the rest). */
export const TRANSLATION_LIST_LIMIT = 2000;
/**
 * How long this process reuses the rates it read: a refresh or an admin rate on another replica
 * reaches this one's conversions within this long.
 */
const RATES_REUSED_MS = 5000;

/** The namespaces whose `<id>.name` keys rename catalog entities in responses. */
export type NamedEntity = 'product' | 'category';

export interface CurrentRate {
  rate: number;
  updatedAt: Date;
  stale: boolean;
}

export type RefreshResult =
  | { stored: true; pairs: number; source: string }
  | { stored: false; reason: string };

export interface I18nServiceDeps {
  db: Database;
  /** absent when EXCHANGE_RATE_URL is unset: no rate is ever fetched */
  rateProvider: RateProvider | undefined;
  staleAfterMs: number;
  logger: Logger;
}

interface RateRow {
  base: Currency;
  target: Currency;
  rate: number;
  source: string;
  fetchedAt: Date;
}

/**
 * `exchange_rates.rate` keeps 10 decimals, so a rate below 1 (KRW→USD, 0.000724…) keeps only ~7
 * significant digits; its inverse (USD→KRW, 1380.25) keeps them all. A rate below 1 is therefore
 * taken as the inverse of its pair's when that pair is stored.
 */
function preciseRates(rows: RateRow[]): RateRow[] {
  return rows.map((row) => {
    if (row.rate >= 1) return row;
    const inverse = rows.find((other) => other.base === row.target && other.target === row.base);
    return inverse && inverse.rate >= 1 ? { ...row, rate: 1 / inverse.rate } : row;
  });
}

/** A pair's stable id in responses: its place among the six ordered KRW/USD/JPY pairs (1..6). */
function pairId(base: Currency, target: Currency): number {
  let id = 0;
  for (const from of currencies) {
    for (const to of currencies) {
      if (from === to) continue;
      id += 1;
      if (from === base && to === target) return id;
    }
  }
  throw new Error(`not a pair: ${base}/${target}`);
}

const translationColumns = {
  id: translations.id,
  locale: translations.locale,
  namespace: translations.namespace,
  key: translations.key,
  value: translations.value,
  updatedAt: translations.updatedAt,
};

function translationOut(row: {
  id: number;
  locale: string;
  namespace: string;
  key: string;
  value: string;
  updatedAt: Date;
}): TranslationResponse {
  return { ...row, updatedAt: row.updatedAt.toISOString() };
}

/**
 * Translation resources (I18N-01..03) and exchange rates (I18N-04..05). Rates come from the
 * configured provider (`refreshRates`, run by the sweep) or an admin; a failed refresh leaves the
 * last good ones, which are served with their date and, past `staleAfterMs`, marked stale.
 */
export function i18nService({ db, rateProvider, staleAfterMs, logger }: I18nServiceDeps) {
  let reusedRates: { readAt: number; rows: Promise<RateRow[]> } | undefined;

  const readRates = (): Promise<RateRow[]> => {
    if (reusedRates && Date.now() - reusedRates.readAt < RATES_REUSED_MS) return reusedRates.rows;
    const rows = db
      .select({
        base: exchangeRates.baseCurrency,
        target: exchangeRates.targetCurrency,
        rate: exchangeRates.rate,
        source: exchangeRates.source,
        fetchedAt: exchangeRates.fetchedAt,
      })
      .from(exchangeRates)
      .then((found) =>
        found
          .filter(
            (row) => currencies.includes(row.base as Currency) && currencies.includes(row.target as Currency),
          )
          .map((row) => ({
            ...row,
            base: row.base as Currency,
            target: row.target as Currency,
            rate: Number(row.rate),
          })),
      )
      .then(preciseRates);
    const entry = { readAt: Date.now(), rows };
    reusedRates = entry;
    // a failed read is not reused
    rows.catch(() => {
      if (reusedRates === entry) reusedRates = undefined;
    });
    return rows;
  };

  const isStale = (fetchedAt: Date) => Date.now() - fetchedAt.getTime() > staleAfterMs;

  async function storePairs(fetched: Pick<FetchedRates, 'pairs' | 'source'>, at: Date): Promise<void> {
    await db
      .insert(exchangeRates)
      .values(
        fetched.pairs.map((pair) => ({
          baseCurrency: pair.base,
          targetCurrency: pair.target,
          rate: pair.rate.toPrecision(15),
          source: fetched.source,
          fetchedAt: at,
        })),
      )
      .onConflictDoUpdate({
        target: [exchangeRates.baseCurrency, exchangeRates.targetCurrency],
        set: {
          rate: sql`excluded.rate`,
          source: sql`excluded.source`,
          fetchedAt: sql`excluded.fetched_at`,
          updatedAt: sql`now()`,
        },
      });
    reusedRates = undefined;
  }

  async function rate(from: Currency, to: Currency): Promise<CurrentRate> {
    const row = (await readRates()).find((candidate) => candidate.base === from && candidate.target === to);
    if (!row)
      throw new AppError('EXCHANGE_RATE_UNAVAILABLE', {
        details: { baseCurrency: from, targetCurrency: to },
      });
    return { rate: row.rate, updatedAt: row.fetchedAt, stale: isStale(row.fetchedAt) };
  }

  return {
    async translations(query: { locale?: string; namespace?: string; key?: string }) {
      const conditions: SQL[] = [];
      if (query.locale) conditions.push(eq(translations.locale, query.locale));
      if (query.namespace) conditions.push(eq(translations.namespace, query.namespace));
      if (query.key) conditions.push(eq(translations.key, query.key));
      const rows = await db
        .select(translationColumns)
        .from(translations)
        .where(and(...conditions))
        .orderBy(asc(translations.namespace), asc(translations.key), asc(translations.locale))
        .limit(TRANSLATION_LIST_LIMIT);
      return rows.map(translationOut);
    },

    /** Creates or replaces the value of (locale, namespace, key). */
    async upsertTranslation(body: UpsertTranslationBody): Promise<TranslationResponse> {
      const [row] = await db
        .insert(translations)
        .values(body)
        .onConflictDoUpdate({
          target: [translations.locale, translations.namespace, translations.key],
          set: { value: body.value, updatedAt: sql`now()` },
        })
        .returning(translationColumns);
      return translationOut(row!);
    },

    async removeTranslation(id: number): Promise<void> {
      const removed = await db
        .delete(translations)
        .where(eq(translations.id, id))
        .returning({ id: translations.id });
      if (removed.length === 0) throw new AppError('TRANSLATION_NOT_FOUND');
    },

    /**
     * The `<id>.name` translations of the given products and categories in `locale`, in one
     * statement: `{ "product:12": "…", "category:3": "…" }` for those that have one.
     */
    async names(locale: string, ids: Record<NamedEntity, number[]>): Promise<Record<string, string>> {
      const wanted: SQL[] = [];
      for (const namespace of ['product', 'category'] as const) {
        if (ids[namespace].length > 0) {
          wanted.push(
            and(
              eq(translations.namespace, namespace),
              inArray(
                translations.key,
                ids[namespace].map((id) => `${id}.name`),
              ),
            )!,
          );
        }
      }
      if (wanted.length === 0) return {};
      const rows = await db
        .select({ namespace: translations.namespace, key: translations.key, value: translations.value })
        .from(translations)
        .where(and(eq(translations.locale, locale), or(...wanted)));
      const names: Record<string, string> = {};
      for (const row of rows) names[`${row.namespace}:${row.key.slice(0, -'.name'.length)}`] = row.value;
      return names;
    },

    /** Every stored pair, KRW/USD/JPY order; 503 EXCHANGE_RATE_UNAVAILABLE while none has been fetched. */
    async exchangeRates(): Promise<ExchangeRateResponse[]> {
      const rows = await readRates();
      if (rows.length === 0) throw new AppError('EXCHANGE_RATE_UNAVAILABLE');
      return rows
        .map((row) => ({
          id: pairId(row.base, row.target),
          baseCurrency: row.base,
          targetCurrency: row.target,
          rate: row.rate,
          source: row.source,
          updatedAt: row.fetchedAt.toISOString(),
          stale: isStale(row.fetchedAt),
        }))
        .sort((a, b) => a.id - b.id);
    },

    /** An admin's rate for a pair, and its inverse, until the next successful refresh replaces them. */
    async setExchangeRate(body: UpsertExchangeRateBody): Promise<ExchangeRateResponse> {
      const at = new Date();
      await storePairs(
        {
          source: 'admin',
          pairs: [
            { base: body.baseCurrency, target: body.targetCurrency, rate: body.rate },
            { base: body.targetCurrency, target: body.baseCurrency, rate: 1 / body.rate },
          ],
        },
        at,
      );
      return {
        id: pairId(body.baseCurrency, body.targetCurrency),
        baseCurrency: body.baseCurrency,
        targetCurrency: body.targetCurrency,
        rate: body.rate,
        source: 'admin',
        updatedAt: at.toISOString(),
        stale: false,
      };
    },

    /** The rate from KRW (what money is stored in) to another currency; 503 while there is none. */
    rateFromWon: (to: Exclude<Currency, 'KRW'>): Promise<CurrentRate> => rate('KRW', to),

    async convert(query: { amount: number; from: Currency; to: Currency }) {
      const current = query.from === query.to ? null : await rate(query.from, query.to);
      const rateUsed = current?.rate ?? 1;
      return {
        originalAmount: query.amount,
        originalCurrency: query.from,
        convertedAmount: roundFor(query.to, query.amount * rateUsed),
        targetCurrency: query.to,
        rate: rateUsed,
        updatedAt: current?.updatedAt.toISOString() ?? null,
      };
    },

    /**
     * One fetch from the provider: its rates replace the stored ones. A failure (timeout, 5xx,
     * garbage, an open breaker) stores nothing, so the last good rates stay.
     */
    async refreshRates(): Promise<RefreshResult> {
      if (!rateProvider) return { stored: false, reason: 'EXCHANGE_RATE_URL is not set' };
      let fetched: FetchedRates;
      try {
        fetched = await rateProvider();
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        logger.warn({ err: error }, 'exchange rates not refreshed; the last good rates stay');
        return { stored: false, reason };
      }
      await storePairs(fetched, new Date());
      logger.info(
        { source: fetched.source, providerUpdatedAt: fetched.providerUpdatedAt.toISOString() },
        'exchange rates refreshed',
      );
      return { stored: true, pairs: fetched.pairs.length, source: fetched.source };
    },
  };
}

export type I18nService = ReturnType<typeof i18nService>;
