import { type Database, priceHistory, products } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { lowestPriceBuckets } from '../prices/service.ts';
import type { LowestEver, PricePrediction, Recommendation, Trend, UnitPrice } from './schemas.ts';

/** The method is described in docs/price-prediction.md; the constants below are its knobs. */
export const model = {
  /** |MA7 / MA30 - 1| at or below this is STABLE */
  stableBand: 0.02,
  /** relative MA gap that counts as full trend strength (1.0) */
  fullStrengthGap: 0.1,
  /** trend strength from which a FALLING price is "falling strongly" */
  strongFall: 0.5,
  /** days of history the regression is fitted on, unless the caller asks for another window */
  fitDays: 30,
  /** damping factor per day of the fitted slope */
  damping: 0.9,
  /** within this of the all-time low counts as "at the low" */
  nearLow: 0.02,
  /** a forecast dip bigger than this within 14 days is worth waiting for */
  worthWaiting: 0.02,
  /** seasonal month deviation below which no seasonality is reported */
  seasonalBand: 0.03,
} as const;

const DAY_MS = 86_400_000;
const monthNames = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

export interface DailyPoint {
  date: string;
  price: number | null;
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

const mean = (values: number[]) =>
  values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
const round2 = (value: number) => Math.round(value * 100) / 100;
const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));
const percent = (ratio: number) => `${Math.abs(Math.round(ratio * 1000) / 10)}%`;

/** Least squares y = a + b·x; b = 0 with fewer than two distinct x. */
function leastSquares(points: { x: number; y: number }[]): { a: number; b: number; sigma: number } {
  const mx = mean(points.map((p) => p.x)) ?? 0;
  const my = mean(points.map((p) => p.y)) ?? 0;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
  }
  const b = sxx === 0 ? 0 : sxy / sxx;
  const a = my - b * mx;
  const residuals = points.map((p) => (p.y - (a + b * p.x)) ** 2);
  const sigma = points.length > 2 ? Math.sqrt(residuals.reduce((s, r) => s + r, 0) / (points.length - 2)) : 0;
  return { a, b, sigma };
}

export type Analysis = Omit<PricePrediction, 'productId' | 'productName' | 'updatedAt'>;

/**
 * The prediction from a daily lowest-price series (oldest first, the last point is today in
 * Asia/Seoul, null where there was no offer), the current price and the all-time lowest.
 */
export function analyzeSeries(
  series: DailyPoint[],
  currentPrice: number | null,
  allTimeLowest: number | null,
  days: number,
  fitDays: number = model.fitDays,
): Analysis {
  const known = series
    .map((point, index) => ({ x: index - (series.length - 1), date: point.date, y: point.price }))
    .filter((point): point is { x: number; date: string; y: number } => point.y !== null);
  const last = known.at(-1);
  if (!last || series.length === 0) {
    return {
      currentPrice,
      predictions: [],
      trend: null,
      trendStrength: null,
      movingAverage7d: null,
      movingAverage30d: null,
      expectedLowest14d: null,
      seasonalityNote: 'Not enough history: no price has been recorded for this product yet.',
      recommendation: 'HOLD',
      recommendationReason: 'No price history yet, so there is nothing to base a recommendation on.',
    };
  }
  const level = currentPrice ?? last.y;
  const today = series.at(-1)!.date;

  // moving averages over the last 7 / 30 calendar days (days without an offer are skipped)
  const within = (span: number) => known.filter((p) => p.x > -span).map((p) => p.y);
  const ma7 = mean(within(7)) ?? last.y;
  const ma30 = mean(within(30)) ?? last.y;
  const gap = ma30 === 0 ? 0 : ma7 / ma30 - 1;
  const trend: Trend = gap > model.stableBand ? 'RISING' : gap < -model.stableBand ? 'FALLING' : 'STABLE';
  const trendStrength = round2(clamp(Math.abs(gap) / model.fullStrengthGap, 0, 1));

  // damped linear trend fitted on the last `fitDays` days
  const fit = known.filter((p) => p.x > -fitDays);
  const { b, sigma } = leastSquares(fit);
  const fitMean = mean(fit.map((p) => p.y)) ?? level;
  const volatility = fitMean === 0 ? 0 : sigma / fitMean;
  const horizon = Math.max(days, 14);
  const forecast: { date: string; predictedPrice: number; confidence: number }[] = [];
  let damped = 0;
  for (let h = 1; h <= horizon; h++) {
    damped += model.damping ** h;
    forecast.push({
      date: addDays(today, h),
      predictedPrice: Math.max(0, Math.round(level + b * damped)),
      confidence: round2(clamp((0.95 * Math.exp(-h / 60)) / (1 + 10 * volatility), 0.05, 0.95)),
    });
  }
  const predictions = forecast.slice(0, days);
  const expectedLowest14d = Math.min(...forecast.slice(0, 14).map((p) => p.predictedPrice));

  // seasonality: the same calendar month last year against the average of the whole year
  let seasonalityNote: string;
  const yearAgo = addDays(today, -365);
  if (known[0]!.date > yearAgo) {
    seasonalityNote = 'Not enough history (less than one year) for a seasonality estimate.';
  } else {
    const month = today.slice(5, 7);
    const lastYearMonth = `${Number(today.slice(0, 4)) - 1}-${month}`;
    const yearAverage = mean(known.filter((p) => p.date >= yearAgo).map((p) => p.y))!;
    const monthAverage = mean(known.filter((p) => p.date.startsWith(lastYearMonth)).map((p) => p.y));
    const name = monthNames[Number(month) - 1];
    if (monthAverage === null || yearAverage === 0) {
      seasonalityNote = `No price was recorded in ${name} last year.`;
    } else {
      const deviation = monthAverage / yearAverage - 1;
      seasonalityNote =
        deviation < -model.seasonalBand
          ? `Last year, ${name} prices were ${percent(deviation)} below the yearly average: a seasonally cheap month.`
          : deviation > model.seasonalBand
            ? `Last year, ${name} prices were ${percent(deviation)} above the yearly average: a seasonally expensive month.`
            : `No marked seasonal effect: last year's ${name} prices were within ${percent(model.seasonalBand)} of the yearly average.`;
    }
  }

  // recommendation, first matching rule wins
  const low = allTimeLowest ?? last.y;
  const nearLow = level <= low * (1 + model.nearLow);
  const dipAhead = expectedLowest14d < level * (1 - model.worthWaiting);
  let recommendation: Recommendation;
  let recommendationReason: string;
  if (trend === 'FALLING' && trendStrength >= model.strongFall && dipAhead) {
    recommendation = 'WAIT';
    recommendationReason = `The price is falling strongly (7-day average ${percent(gap)} below the 30-day average); about ${expectedLowest14d} won is expected within 14 days.`;
  } else if (nearLow) {
    recommendation = 'BUY_NOW';
    recommendationReason =
      trend === 'FALLING'
        ? 'The price is at or near its all-time low and its fall is flattening out.'
        : 'The price is at or near its all-time low.';
  } else if (trend === 'FALLING' || dipAhead) {
    recommendation = 'WAIT';
    recommendationReason = `The price is expected to go down to about ${expectedLowest14d} won within 14 days.`;
  } else if (trend === 'RISING') {
    recommendation = 'BUY_SOON';
    recommendationReason = `The price is rising (7-day average ${percent(gap)} above the 30-day average); buying soon avoids further increases.`;
  } else {
    recommendation = 'HOLD';
    recommendationReason = `The price is stable and ${percent(level / low - 1)} above its all-time low of ${low} won; no reason to hurry or to wait.`;
  }

  return {
    currentPrice,
    predictions,
    trend,
    trendStrength,
    movingAverage7d: Math.round(ma7),
    movingAverage30d: Math.round(ma30),
    expectedLowest14d,
    seasonalityNote,
    recommendation,
    recommendationReason,
  };
}

/**
 * Unit bases: a label (lower-cased, trimmed) → the label the price is given per, how many of it,
 * and the factor from the declared label to it (1 kg = 1000 g).
 */
const unitBases: Record<string, { label: string; per: number; factor: number }> = {
  g: { label: 'g', per: 100, factor: 1 },
  kg: { label: 'g', per: 100, factor: 1000 },
  ml: { label: 'ml', per: 100, factor: 1 },
  l: { label: 'ml', per: 100, factor: 1000 },
  매: { label: '매', per: 10, factor: 1 },
  sheet: { label: '매', per: 10, factor: 1 },
  sheets: { label: '매', per: 10, factor: 1 },
  개: { label: '개', per: 1, factor: 1 },
  ea: { label: '개', per: 1, factor: 1 },
  pcs: { label: '개', per: 1, factor: 1 },
  롤: { label: '롤', per: 1, factor: 1 },
  roll: { label: '롤', per: 1, factor: 1 },
  rolls: { label: '롤', per: 1, factor: 1 },
  정: { label: '정', per: 1, factor: 1 },
  m: { label: 'm', per: 1, factor: 1 },
};

export function unitPriceOf(price: number | null, quantity: number | null, label: string | null): UnitPrice {
  const declared = label?.trim() ?? '';
  if (quantity === null || quantity <= 0 || declared === '') {
    return { unitPrice: null, unit: null, quantity: null };
  }
  const base = unitBases[declared.toLowerCase()] ?? { label: declared, per: 1, factor: 1 };
  const inBase = quantity * base.factor;
  return {
    unitPrice: price === null ? null : round2((price / inBase) * base.per),
    unit: `${base.per}${base.label}`,
    quantity: inBase,
  };
}

/** Price prediction (PRED-01..04) and price analytics (ANLY-01/02), read-only over `price_history`. */
export function analyticsService(db: Database) {
  async function product(id: number) {
    const [row] = await db
      .select({
        id: products.id,
        name: products.name,
        lowestPrice: products.lowestPrice,
        unitQuantity: products.unitQuantity,
        unitLabel: products.unitLabel,
      })
      .from(products)
      .where(and(eq(products.id, id), isNull(products.deletedAt)));
    if (!row) throw new AppError('PRODUCT_NOT_FOUND');
    return row;
  }

  /** The all-time lowest recorded product price and the Asia/Seoul day it was first reached. */
  async function allTimeLowest(productId: number): Promise<{ price: number; date: string } | null> {
    const [row] = await db
      .select({
        price: priceHistory.productLowestPrice,
        date: sql<string>`to_char(${priceHistory.recordedAt} at time zone 'Asia/Seoul', 'YYYY-MM-DD')`,
      })
      .from(priceHistory)
      .where(and(eq(priceHistory.productId, productId), sql`${priceHistory.productLowestPrice} is not null`))
      .orderBy(asc(priceHistory.productLowestPrice), asc(priceHistory.recordedAt), asc(priceHistory.id))
      .limit(1);
    return row && row.price !== null ? { price: row.price, date: row.date } : null;
  }

  return {
    async priceTrend(
      productId: number,
      days: number,
      fitDays: number = model.fitDays,
    ): Promise<PricePrediction> {
      const found = await product(productId);
      // a year of days covers the longest fit window (180) and the seasonality
      const buckets = await lowestPriceBuckets(db, productId, '1y', 'daily');
      const lowest = await allTimeLowest(productId);
      const analysis = analyzeSeries(
        buckets.map((bucket) => ({ date: bucket.date, price: bucket.lowestPrice })),
        found.lowestPrice,
        lowest?.price ?? null,
        days,
        fitDays,
      );
      return {
        productId: found.id,
        productName: found.name,
        ...analysis,
        updatedAt: new Date().toISOString(),
      };
    },

    async lowestEver(productId: number): Promise<LowestEver> {
      const found = await product(productId);
      const lowest = await allTimeLowest(productId);
      return {
        isLowestEver: found.lowestPrice !== null && lowest !== null && found.lowestPrice <= lowest.price,
        currentPrice: found.lowestPrice,
        lowestPrice: lowest?.price ?? null,
        lowestDate: lowest?.date ?? null,
      };
    },

    async unitPrice(productId: number): Promise<UnitPrice> {
      const found = await product(productId);
      return unitPriceOf(found.lowestPrice, found.unitQuantity, found.unitLabel);
    },
  };
}

export type AnalyticsService = ReturnType<typeof analyticsService>;
