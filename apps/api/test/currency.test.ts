// I18N-04/05 and X-Currency: exchange rates from a rate provider (a real HTTP server on an
// ephemeral port, answering open.er-api.com's format), refreshed by the advisory-locked refresh,
// the last good rates kept through a provider's 500s, timeouts and garbage; conversion of every
// money field of the catalog reads and the cart. Against real PostgreSQL and Redis.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exchangeRates } from '@pbshop/db';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runExchangeRateRefresh, startExchangeRateRefreshes } from '../src/jobs/exchange-rate-refresh.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { expectError } from './helpers/http.ts';
import { addOffer, addSeller, createShop, stockedProduct } from './helpers/orders.ts';

/** What the fixture provider answers next. */
type ProviderMode = 'ok' | 'error' | 'hang' | 'garbage' | 'wrong-shape';

const provider = {
  mode: 'ok' as ProviderMode,
  /** units per US dollar, as open.er-api.com's /v6/latest/USD states them */
  rates: { USD: 1, KRW: 1380.25, JPY: 151.5, EUR: 0.92 } as Record<string, number>,
  requests: 0,
  server: undefined as Server | undefined,
  url: '',
};

function startProvider(): Promise<void> {
  provider.server = createServer((_request, response) => {
    provider.requests += 1;
    if (provider.mode === 'hang') return; // never answers: the policy's timeout abandons it
    if (provider.mode === 'error') {
      response.writeHead(500, { 'content-type': 'application/json' }).end('{"result":"error"}');
      return;
    }
    const body =
      provider.mode === 'garbage'
        ? '<html>rate limited</html>'
        : JSON.stringify(
            provider.mode === 'wrong-shape'
              ? { result: 'success', base_code: 'USD', rates: { USD: 1, KRW: '1380' } }
              : {
                  result: 'success',
                  base_code: 'USD',
                  time_last_update_unix: 1_764_979_200,
                  rates: provider.rates,
                },
          );
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  return new Promise((resolve) =>
    provider.server!.listen(0, '127.0.0.1', () => {
      provider.url = `http://127.0.0.1:${(provider.server!.address() as AddressInfo).port}/v6/latest/USD`;
      resolve();
    }),
  );
}

const api = setupApiTest({
  beforeApp: startProvider,
  env: () => ({ EXCHANGE_RATE_URL: provider.url, EXCHANGE_RATE_TIMEOUT_MS: '300' }),
  afterApp: () => new Promise<void>((resolve) => provider.server?.close(() => resolve())),
  members: { admin: { role: 'ADMIN' }, shopper: {} },
});
/** `api.call` with the response headers too (the currency headers are under test) */
async function call(
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  options: { headers?: object; body?: object } = {},
) {
  const response = await api.app.inject({
    method,
    url,
    headers: options.headers as Record<string, string>,
    ...(options.body ? { payload: options.body } : {}),
  });
  return { status: response.statusCode, body: response.json(), headers: response.headers };
}

const refresh = () =>
  runExchangeRateRefresh({
    database: api.deps.database,
    refreshRates: () => api.deps.i18n.refreshRates(),
    logger: api.deps.logger,
  });

interface Rate {
  baseCurrency: string;
  targetCurrency: string;
  rate: number;
  updatedAt: string;
  stale: boolean;
  source: string;
}
const rateOf = (rates: Rate[], base: string, target: string) =>
  rates.find((rate) => rate.baseCurrency === base && rate.targetCurrency === target)!;

/** Polls until `check` passes (the API reuses the rates it read for a few seconds). */
async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('exchange rates from the provider (I18N-04)', () => {
  it('answers 503 EXCHANGE_RATE_UNAVAILABLE before any rate, then serves every pair the refresh stored', async () => {
    expectError(await call('GET', '/api/v1/i18n/exchange-rates'), 503, 'EXCHANGE_RATE_UNAVAILABLE');
    expectError(
      await call('GET', '/api/v1/products', { headers: { 'x-currency': 'USD' } }),
      503,
      'EXCHANGE_RATE_UNAVAILABLE',
    );

    provider.mode = 'ok';
    const before = provider.requests;
    const result = await refresh();
    expect(result).toMatchObject({
      ran: true,
      stored: true,
      pairs: 6,
      source: expect.stringContaining('127.0.0.1'),
    });
    expect(provider.requests).toBe(before + 1);

    const listed = await call('GET', '/api/v1/i18n/exchange-rates');
    expect(listed.status).toBe(200);
    const rates = listed.body.data as Rate[];
    expect(rates).toHaveLength(6);
    expect(rateOf(rates, 'USD', 'KRW').rate).toBeCloseTo(1380.25, 8);
    expect(rateOf(rates, 'KRW', 'USD').rate).toBeCloseTo(1 / 1380.25, 12);
    expect(rateOf(rates, 'KRW', 'JPY').rate / (151.5 / 1380.25)).toBeCloseTo(1, 9);
    expect(rateOf(rates, 'JPY', 'USD').rate / (1 / 151.5)).toBeCloseTo(1, 9);
    for (const rate of rates) {
      expect(rate.stale).toBe(false);
      expect(Date.now() - Date.parse(rate.updatedAt)).toBeLessThan(60_000);
      expect(Number.isInteger((rate as unknown as { id: number }).id)).toBe(true);
    }
    // the provider's other currencies are not stored
    const [{ pairs }] = (await api.deps.database.db.execute(
      sql`select count(*)::int as pairs from exchange_rates`,
    )) as unknown as [{ pairs: number }];
    expect(pairs).toBe(6);
  });

  it('keeps the last good rates through a 500, a timeout, garbage and a wrong shape, and says when they date from', async () => {
    provider.mode = 'ok';
    provider.rates = { USD: 1, KRW: 1400, JPY: 150 };
    expect(await refresh()).toMatchObject({ ran: true, stored: true });
    const good = (
      await eventually(
        () => call('GET', '/api/v1/i18n/exchange-rates'),
        (answer) => rateOf(answer.body.data, 'USD', 'KRW').rate === 1400,
      )
    ).body.data as Rate[];
    const goodDate = rateOf(good, 'USD', 'KRW').updatedAt;

    for (const mode of ['error', 'hang', 'garbage', 'wrong-shape'] as const) {
      // each failure is its own: an open breaker would refuse the call before the provider saw it
      await api.deps.resilience.reset('exchange-rates');
      provider.mode = mode;
      const before = provider.requests;
      const result = await refresh();
      expect(result, mode).toMatchObject({ ran: true, stored: false });
      expect(provider.requests, mode).toBeGreaterThan(before);
      const after = (await call('GET', '/api/v1/i18n/exchange-rates')).body.data as Rate[];
      expect(rateOf(after, 'USD', 'KRW'), mode).toMatchObject({
        rate: 1400,
        updatedAt: goodDate,
        stale: false,
      });
    }

    // repeated failures open the breaker, which the circuit-breaker list shows
    provider.mode = 'error';
    for (let attempt = 0; attempt < 3; attempt++) await refresh();
    const breakers = await call('GET', '/api/v1/resilience/circuit-breakers', {
      headers: api.admin.authHeader,
    });
    expect(JSON.stringify(breakers.body)).toContain('exchange-rates');
    await api.deps.resilience.reset('exchange-rates');

    // rates past EXCHANGE_RATE_STALE_AFTER_MS (26 h by default) are served marked stale, with their date
    const old = new Date(Date.now() - 30 * 3600_000);
    await api.deps.database.db.update(exchangeRates).set({ fetchedAt: old });
    const stale = await eventually(
      () => call('GET', '/api/v1/i18n/exchange-rates'),
      (answer) => (answer.body.data as Rate[]).every((rate) => rate.stale),
    );
    for (const rate of stale.body.data as Rate[]) {
      expect(rate).toMatchObject({ stale: true, updatedAt: old.toISOString() });
    }
    const converted = await call('GET', '/api/v1/products', { headers: { 'x-currency': 'USD' } });
    expect(converted.status).toBe(200);
    expect(converted.headers['x-exchange-rate-stale']).toBe('true');
    expect(converted.headers['x-exchange-rate-date']).toBe(old.toISOString());

    // the provider back: the next refresh replaces them
    provider.mode = 'ok';
    expect(await refresh()).toMatchObject({ ran: true, stored: true });
  });

  it('refreshes on its schedule, one process at a time', async () => {
    provider.mode = 'ok';
    provider.rates = { USD: 1, KRW: 1333, JPY: 149 };
    const refreshes = startExchangeRateRefreshes(
      {
        database: api.deps.database,
        refreshRates: () => api.deps.i18n.refreshRates(),
        logger: api.deps.logger,
      },
      200,
    );
    try {
      const answer = await eventually(
        () => call('GET', '/api/v1/i18n/exchange-rates'),
        (found) => found.status === 200 && rateOf(found.body.data, 'USD', 'KRW').rate === 1333,
      );
      expect(rateOf(answer.body.data, 'USD', 'KRW').rate).toBe(1333);
    } finally {
      await refreshes.stop();
    }
    // a process holding the lock makes the others skip
    const held = await api.deps.database.withSessionLock(75031130, refresh);
    expect(held).toEqual({ acquired: true, value: { ran: false, reason: 'another process is refreshing' } });
  });
});

describe('conversion (I18N-05) and X-Currency', () => {
  /** KRW → USD at the provider's table below */
  const wonPerDollar = 1250;
  const wonPerYen = 1250 / 140;

  beforeAll(async () => {
    provider.mode = 'ok';
    provider.rates = { USD: 1, KRW: wonPerDollar, JPY: 140 };
    expect(await refresh()).toMatchObject({ stored: true });
    await eventually(
      () => call('GET', '/api/v1/i18n/exchange-rates'),
      (answer) => rateOf(answer.body.data, 'USD', 'KRW').rate === wonPerDollar,
    );
  });

  it('converts amounts between currencies, rounded per currency', async () => {
    const toUsd = await call('GET', '/api/v1/i18n/convert?amount=12345&from=KRW&to=USD');
    expect(toUsd.status).toBe(200);
    expect(toUsd.body.data).toMatchObject({
      originalAmount: 12345,
      originalCurrency: 'KRW',
      convertedAmount: 9.88,
      targetCurrency: 'USD',
    });
    expect(toUsd.body.data.rate).toBeCloseTo(1 / wonPerDollar, 12);
    const toYen = await call('GET', '/api/v1/i18n/convert?amount=12345&from=krw&to=JPY');
    expect(toYen.body.data.convertedAmount).toBe(Math.round(12345 / wonPerYen));
    const toWon = await call('GET', '/api/v1/i18n/convert?amount=9.99&from=USD&to=KRW');
    expect(toWon.body.data.convertedAmount).toBe(Math.round(9.99 * wonPerDollar));
    const same = await call('GET', '/api/v1/i18n/convert?amount=5&from=JPY&to=JPY');
    expect(same.body.data).toMatchObject({ convertedAmount: 5, rate: 1, updatedAt: null });

    for (const query of [
      'amount=1&from=EUR&to=KRW',
      'amount=-1&from=KRW&to=USD',
      'amount=abc&from=KRW&to=USD',
      'amount=1e400&from=KRW&to=USD',
      'amount=1&from=KRW',
      `amount=1&from=${'K'.repeat(5000)}&to=USD`,
    ]) {
      expectError(await call('GET', `/api/v1/i18n/convert?${query}`), 400, 'VALIDATION_ERROR');
    }
  });

  it('X-Currency: USD changes every money field of the catalog reads and the cart, consistently with the rate', async () => {
    const admin = api.admin.authHeader;
    const shop = await createShop(api.app, admin);
    const first = await stockedProduct(api.app, admin, shop, { price: 12_345, stock: 5 });
    const otherSeller = await addSeller(api.app, admin);
    await addOffer(api.app, admin, first.productId, { price: 99_990, stock: 2, sellerId: otherSeller });
    const patched = await call('PATCH', `/api/v1/products/${first.productId}`, {
      headers: admin,
      body: { price: 130_000, discountPrice: 119_900 },
    });
    expect(patched.status).toBe(200);
    const added = await call('POST', '/api/v1/cart', {
      headers: api.shopper.authHeader,
      body: { productId: first.productId, sellerId: shop.sellerId, quantity: 2 },
    });
    expect(added.status).toBeLessThan(300);

    const reads = [
      { url: `/api/v1/products?categoryId=${shop.categoryId}`, headers: {} },
      { url: `/api/v1/products/${first.productId}`, headers: {} },
      { url: `/api/v1/products/${first.productId}/prices`, headers: {} },
      { url: '/api/v1/cart', headers: api.shopper.authHeader },
    ];
    // the money fields of these reads, by name: each must come back converted, everything else unchanged
    const moneyFields = new Set([
      'price',
      'discountPrice',
      'lowestPrice',
      'highestPrice',
      'averagePrice',
      'lowestRealPrice',
      'shippingCost',
      'realPrice',
      'unitPrice',
      'unitPriceAtAdd',
      'freeShippingThreshold',
    ]);
    for (const [currency, perWon, decimals] of [
      ['USD', 1 / wonPerDollar, 2],
      ['JPY', 1 / wonPerYen, 0],
    ] as const) {
      let convertedFields = 0;
      for (const read of reads) {
        const inWon = await call('GET', read.url, { headers: read.headers });
        const converted = await call('GET', read.url, {
          headers: { ...read.headers, 'x-currency': currency },
        });
        expect(inWon.status, read.url).toBe(200);
        expect(converted.status, read.url).toBe(200);
        expect(converted.headers['content-currency']).toBe(currency);
        expect(Number(converted.headers['x-exchange-rate'])).toBeCloseTo(perWon, 12);
        expect(Number.isNaN(Date.parse(String(converted.headers['x-exchange-rate-date'])))).toBe(false);
        expect(inWon.headers['content-currency']).toBeUndefined();
        // both answers name the header they depend on, so a shared cache keeps them apart
        for (const answer of [inWon, converted]) {
          expect(String(answer.headers.vary).split(/,\s*/), read.url).toContain('X-Currency');
        }

        const compare = (won: unknown, other: unknown, path: string): void => {
          if (Array.isArray(won)) {
            expect((other as unknown[]).length, path).toBe(won.length);
            for (const [index, item] of won.entries())
              compare(item, (other as unknown[])[index], `${path}[${index}]`);
          } else if (won !== null && typeof won === 'object') {
            for (const [key, value] of Object.entries(won)) {
              const next = (other as Record<string, unknown>)[key];
              if (moneyFields.has(key) && typeof value === 'number') {
                const scale = 10 ** decimals;
                expect(next, `${path}.${key}`).toBe(Math.round(value * perWon * scale) / scale);
                if (value > 0) convertedFields += 1;
              } else if (key !== 'requestId' && key !== 'timestamp') {
                compare(value, next, `${path}.${key}`);
              }
            }
          } else {
            expect(other, path).toEqual(won);
          }
        };
        compare(inWon.body, converted.body, read.url);
      }
      // list lowestPrice, detail price/discount/lowest/highest/average and offers, comparison, cart
      expect(convertedFields, currency).toBeGreaterThanOrEqual(15);
    }

    // KRW said explicitly: the same body, and the header says so
    const won = await call('GET', `/api/v1/products/${first.productId}`, {
      headers: { 'x-currency': 'krw' },
    });
    expect(won.headers['content-currency']).toBe('KRW');
    expect(won.body.data.price).toBe(130_000);
  });

  it('refuses an unsupported currency with 400 CURRENCY_NOT_SUPPORTED', async () => {
    for (const currency of ['EUR', 'usd;drop', '', ' '.repeat(3), 'X'.repeat(2000), '통화']) {
      const answer = await call('GET', '/api/v1/products', { headers: { 'x-currency': currency } });
      expectError(answer, 400, 'CURRENCY_NOT_SUPPORTED');
    }
  });

  it('an admin sets a rate by hand (audited), the provider refresh replaces it; members cannot', async () => {
    const body = { baseCurrency: 'usd', targetCurrency: 'KRW', rate: 1500 };
    expectError(
      await call('POST', '/api/v1/i18n/admin/exchange-rates', { headers: api.shopper.authHeader, body }),
      403,
      'FORBIDDEN',
    );
    const set = await call('POST', '/api/v1/i18n/admin/exchange-rates', {
      headers: api.admin.authHeader,
      body,
    });
    expect(set.status).toBe(200);
    expect(set.body.data).toMatchObject({
      baseCurrency: 'USD',
      targetCurrency: 'KRW',
      rate: 1500,
      source: 'admin',
    });
    const converted = await call('GET', '/api/v1/i18n/convert?amount=3000&from=KRW&to=USD');
    expect(converted.body.data.convertedAmount).toBe(2);

    for (const bad of [
      { ...body, rate: 0 },
      { ...body, rate: -3 },
      { ...body, targetCurrency: 'USD' },
      { ...body, baseCurrency: 'EUR' },
      { baseCurrency: 'USD' },
    ]) {
      expectError(
        await call('POST', '/api/v1/i18n/admin/exchange-rates', { headers: api.admin.authHeader, body: bad }),
        400,
        'VALIDATION_ERROR',
      );
    }
    expect(await refresh()).toMatchObject({ stored: true });
    const rates = (await call('GET', '/api/v1/i18n/exchange-rates')).body.data as Rate[];
    expect(rateOf(rates, 'USD', 'KRW')).toMatchObject({
      rate: wonPerDollar,
      source: expect.stringContaining('127.0.0.1'),
    });
  });
});

afterAll(() => {
  provider.mode = 'ok';
});
