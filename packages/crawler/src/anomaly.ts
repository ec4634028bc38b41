/**
 * The one rule that judges a price against its product's robust centre (the median): the
 * crawler's hold (`run.ts`) and the API's fraud scan (`/fraud/products/:id/anomalies`) both use it.
 */
export type AnomalySeverity = 'LOW' | 'MEDIUM' | 'HIGH';

/** The range a price is expected in: `median × ratio`, rounded to whole won. */
export function expectedRange(median: number, lowerRatio: number, upperRatio: number) {
  return { lower: Math.round(median * lowerRatio), upper: Math.round(median * upperRatio) };
}

/**
 * How far a price outside the expected range is from the median: HIGH below 0.3× or above 3×,
 * MEDIUM below 0.4× or above 2.4×, LOW otherwise.
 */
export function anomalySeverity(price: number, median: number): AnomalySeverity {
  const ratio = median === 0 ? Number.POSITIVE_INFINITY : price / median;
  if (ratio < 0.3 || ratio > 3) return 'HIGH';
  if (ratio < 0.4 || ratio > 2.4) return 'MEDIUM';
  return 'LOW';
}

/** Why a price was judged anomalous, in the words the alert keeps. */
export function anomalyReason(
  price: number,
  range: { lower: number; upper: number },
  median: number,
  n: number,
) {
  return `${price < range.lower ? 'below' : 'above'} the expected range ${range.lower}..${range.upper} (median ${median} of ${n} prices)`;
}
