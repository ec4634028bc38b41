import { PermanentFailure, type ResilienceRegistry } from '@pbshop/resilience';
import { z } from 'zod';
import { type Currency, currencies } from '../../../http/currency.ts';

/** The breaker (and policy) every call to the provider runs under; listed by /resilience/circuit-breakers. */
export const EXCHANGE_RATE_BREAKER = 'exchange-rates';

/** A provider answer larger than this is refused unread: a rate table is a few kilobytes. */
const MAX_BODY_BYTES = 256 * 1024;

/** One currency pair's rate: units of `target` per unit of `base`. */
export interface PairRate {
  base: Currency;
  target: Currency;
  rate: number;
}

export interface FetchedRates {
  pairs: PairRate[];
  /** the provider's host, stored as each rate's source */
  source: string;
  /** when the provider says its table was last updated */
  providerUpdatedAt: Date;
}

const positiveRate = z.number().positive().finite();

/**
 * open.er-api.com's answer (`GET /v6/latest/<base>`), read strictly: anything else is a failed
 * fetch, never a rate. Other currencies in `rates` are ignored; ours must all be there.
 */
const providerAnswer = z.object({
  result: z.literal('success'),
  base_code: z.string().regex(/^[A-Z]{3}$/),
  time_last_update_unix: z.number().int().positive(),
  rates: z.record(z.string(), positiveRate),
});

/** Every ordered pair of our currencies, from a table of rates against one base. */
export function pairsFrom(baseCode: string, rates: Record<string, number>): PairRate[] {
  const against = (currency: Currency): number => {
    if (currency === baseCode) return 1;
    const rate = rates[currency];
    if (rate === undefined) throw new PermanentFailure(`the provider's rates lack ${currency}`);
    return rate;
  };
  const pairs: PairRate[] = [];
  for (const base of currencies) {
    for (const target of currencies) {
      if (base !== target) pairs.push({ base, target, rate: against(target) / against(base) });
    }
  }
  return pairs;
}

/** Parses a provider body; throws (permanently: a retry would read the same garbage) when it is not one. */
export function parseProviderBody(body: string): { baseCode: string; pairs: PairRate[]; updatedAt: Date } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new PermanentFailure('the exchange-rate provider answered something that is not JSON');
  }
  const parsed = providerAnswer.safeParse(json);
  if (!parsed.success) {
    throw new PermanentFailure(
      `the exchange-rate provider's answer is not a rate table: ${parsed.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
        .join('; ')}`,
    );
  }
  const answer = parsed.data;
  return {
    baseCode: answer.base_code,
    pairs: pairsFrom(answer.base_code, answer.rates),
    updatedAt: new Date(answer.time_last_update_unix * 1000),
  };
}

export type RateProvider = () => Promise<FetchedRates>;

/**
 * The rate-provider adapter: GET `url` under the `exchange-rates` policy (timeout, one retry,
 * breaker), a 2xx JSON body of at most 256 KB, parsed strictly.
 */
export function httpRateProvider(url: string, resilience: ResilienceRegistry): RateProvider {
  const source = new URL(url).host;
  return () =>
    resilience.execute(EXCHANGE_RATE_BREAKER, async (signal) => {
      const response = await fetch(url, {
        signal,
        headers: { accept: 'application/json' },
        redirect: 'error',
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`the exchange-rate provider answered HTTP ${response.status}`);
      }
      const declared = Number(response.headers.get('content-length') ?? 0);
      if (declared > MAX_BODY_BYTES) {
        await response.body?.cancel();
        throw new PermanentFailure(`the exchange-rate provider's answer is too large (${declared} bytes)`);
      }
      const body = await response.text();
      if (body.length > MAX_BODY_BYTES)
        throw new PermanentFailure("the exchange-rate provider's answer is too large");
      const { pairs, updatedAt } = parseProviderBody(body);
      return { pairs, source, providerUpdatedAt: updatedAt };
    });
}
