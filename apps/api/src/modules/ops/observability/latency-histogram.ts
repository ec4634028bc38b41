/**
 * Request latencies as counts per fixed bucket, so that the histograms of several minutes and of
 * several API replicas merge by adding counts, and percentiles are read from the merged counts.
 * Bucket i holds latencies in (BOUNDS[i-1], BOUNDS[i]] ms; the last one everything above the
 * last bound. Neighbouring bounds are at most a third apart, so a percentile read here (the upper
 * bound of the bucket holding the nearest-rank sample, capped at the largest latency seen) is at
 * most a third above the true one.
 */
export const LATENCY_BOUNDS_MS = [
  0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 12.5, 15, 20, 25, 30, 40, 50, 60, 80, 100, 125,
  150, 200, 250, 300, 400, 500, 600, 800, 1000, 1250, 1500, 2000, 2500, 3000, 4000, 5000, 6000, 8000, 10_000,
  15_000, 20_000, 30_000, 60_000,
] as const;

/** buckets: one per bound plus the overflow bucket */
export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

/** The bucket a latency falls in (binary search over the bounds). */
export function latencyBucket(ms: number): number {
  let low = 0;
  let high: number = LATENCY_BOUNDS_MS.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (ms <= LATENCY_BOUNDS_MS[middle]!) high = middle;
    else low = middle + 1;
  }
  return low;
}

/**
 * The nearest-rank `percentile` (0..100] of `total` latencies counted in `buckets` (read from
 * `offset`): the upper bound of the bucket holding the ⌈p/100 × total⌉-th smallest latency, capped
 * at `maxMs` (the overflow bucket answers `maxMs`). 0 when nothing was counted.
 */
export function percentileOf(
  buckets: ArrayLike<number>,
  offset: number,
  total: number,
  percentile: number,
  maxMs: number,
): number {
  if (total <= 0) return 0;
  const rank = Math.max(1, Math.ceil((percentile / 100) * total));
  let seen = 0;
  for (let bucket = 0; bucket < LATENCY_BUCKETS; bucket++) {
    seen += buckets[offset + bucket] ?? 0;
    if (seen >= rank) return Math.min(LATENCY_BOUNDS_MS[bucket] ?? maxMs, maxMs);
  }
  return maxMs;
}
