// How a seller's trust score is made (TRUST-01): each component scored 0-100 from the data, then a
// weighted mean over the components that have data (a new seller with nothing measured keeps 50).
import type { grades, TrustBreakdown, trends } from './schemas.ts';

/**
 * The weights, in points of 100. Reviews (ratings and delivery) say most about a shop as buyers
 * found it; price accuracy guards against bait prices the comparison would otherwise rank first;
 * returns, disputes and answers to questions complete the picture.
 */
export const TRUST_WEIGHTS = {
  delivery: 25,
  review: 25,
  priceAccuracy: 20,
  returns: 10,
  disputes: 10,
  response: 10,
} as const;

/** The score of a seller nothing is known about yet (the sellers table's default). */
export const NEUTRAL_SCORE = 50;

const clamp = (value: number) => Math.min(100, Math.max(0, value));
const round1 = (value: number) => Math.round(value * 10) / 10;

/** The raw measures of one seller, as the service reads them. */
export interface TrustMeasures {
  orderCount: number;
  returnedOrders: number;
  disputedOrders: number;
  averageRating: number | null;
  averageDeliveryRating: number | null;
  /** collected prices held back as anomalous (not approved) in the window */
  flaggedPrices: number;
  /** collected prices written to the history in the window */
  recordedPrices: number;
  responseHours: number | null;
}

export function breakdownOf(measures: TrustMeasures): TrustBreakdown {
  const rate = (part: number) =>
    measures.orderCount === 0 ? null : round1((part / measures.orderCount) * 100);
  const observed = measures.flaggedPrices + measures.recordedPrices;
  const fromStars = (stars: number | null) => (stars === null ? null : round1(((stars - 1) / 4) * 100));
  return {
    deliveryScore: fromStars(measures.averageDeliveryRating),
    priceAccuracy: observed === 0 ? null : round1((measures.recordedPrices / observed) * 100),
    returnRate: rate(measures.returnedOrders),
    responseTime: measures.responseHours === null ? null : round1(measures.responseHours),
    reviewScore: fromStars(measures.averageRating),
    orderCount: measures.orderCount,
    disputeRate: rate(measures.disputedOrders),
  };
}

/**
 * The component scores (0-100) of a breakdown, null where there is no data: a return rate of 20 %
 * or more scores 0, a dispute rate of 10 % or more scores 0, answers within 2 h score 100 and
 * after 72 h score 0 (linear between).
 */
export function componentScores(breakdown: TrustBreakdown) {
  return {
    delivery: breakdown.deliveryScore,
    review: breakdown.reviewScore,
    priceAccuracy: breakdown.priceAccuracy,
    returns: breakdown.returnRate === null ? null : clamp(100 - 5 * breakdown.returnRate),
    disputes: breakdown.disputeRate === null ? null : clamp(100 - 10 * breakdown.disputeRate),
    response: breakdown.responseTime === null ? null : clamp(((72 - breakdown.responseTime) / 70) * 100),
  };
}

export function scoreOf(breakdown: TrustBreakdown): number {
  const components = componentScores(breakdown);
  let weighted = 0;
  let weights = 0;
  for (const [name, weight] of Object.entries(TRUST_WEIGHTS)) {
    const value = components[name as keyof typeof components];
    if (value === null) continue;
    weighted += value * weight;
    weights += weight;
  }
  return weights === 0 ? NEUTRAL_SCORE : Math.round(weighted / weights);
}

export function gradeOf(score: number): (typeof grades)[number] {
  if (score >= 95) return 'A+';
  if (score >= 90) return 'A';
  if (score >= 85) return 'B+';
  if (score >= 80) return 'B';
  if (score >= 70) return 'C';
  if (score >= 60) return 'D';
  return 'F';
}

/** Points the latest score must move from the mean of the three before it to count as a trend. */
export const TREND_THRESHOLD = 3;

/** `scores` newest first: the latest against the mean of up to three earlier ones. */
export function trendOf(scores: readonly number[]): (typeof trends)[number] {
  const [latest, ...earlier] = scores;
  const before = earlier.slice(0, 3);
  if (latest === undefined || before.length === 0) return 'STABLE';
  const mean = before.reduce((sum, score) => sum + score, 0) / before.length;
  if (latest - mean >= TREND_THRESHOLD) return 'IMPROVING';
  if (mean - latest >= TREND_THRESHOLD) return 'DECLINING';
  return 'STABLE';
}
