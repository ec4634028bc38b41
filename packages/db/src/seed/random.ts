/** A small seeded PRNG (mulberry32): the same seed gives the same demo data on every machine. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rng = () => number;

export const int = (rng: Rng, min: number, max: number): number => min + Math.floor(rng() * (max - min + 1));
export const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
export const chance = (rng: Rng, probability: number): boolean => rng() < probability;

/** Fisher–Yates on a copy; returns the first `count` items. */
export function sample<T>(rng: Rng, items: readonly T[], count: number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, count);
}

/** Rounds a won amount the way shops price: to 10 won under 100,000, to 100 won above. */
export function wonRound(amount: number): number {
  const step = amount >= 100_000 ? 100 : 10;
  return Math.max(step, Math.round(amount / step) * step);
}

/**
 * Seeded rows take their ids from a block the seed owns, (seed + 1) × 10^9 + 1 onwards: far above
 * what the tables' identity sequences hand out, so the same seed gives the same ids, rows created
 * later through the API never collide with them, and `--reset` deletes exactly the seed's rows by
 * range. Each table numbers its seeded rows from the block's start.
 */
const SEED_BLOCK = 1_000_000_000;

export function seededId(seed: number, index: number): number {
  return (seed + 1) * SEED_BLOCK + index + 1;
}

export function seededIdRange(seed: number): [number, number] {
  return [seededId(seed, 0), seededId(seed, SEED_BLOCK - 1)];
}
