// The order statistics the benchmarks print, defined once.

/** Nearest-rank percentile (`p` in 0..1) of values sorted ascending; NaN for none. */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? Number.NaN : (sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number);

/** The nearest-rank median (of an even count, the lower middle value); NaN for none. */
export const median = (values: readonly number[]): number =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
