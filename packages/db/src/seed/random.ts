import { createHash } from 'node:crypto';

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

/** A stable, valid v4-shaped UUID for a named seed row (categories, sellers: the seed's marker). */
export function namedUuid(seed: number, key: string): string {
  const hex = createHash('sha256').update(`pbshop-seed/${seed}/${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Products and offers get sequential ids in a range owned by the seed (`5eed<seed>-<kind>-…`), so
 * `--reset` can delete exactly the seeded rows with a range condition.
 */
export function seededId(seed: number, kind: 'product' | 'offer', index: number): string {
  return `${seedPrefix(seed)}-${kind === 'product' ? '0000' : '0001'}-4000-8000-${index.toString(16).padStart(12, '0')}`;
}

export function seededIdRange(seed: number, kind: 'product' | 'offer'): [string, string] {
  const middle = kind === 'product' ? '0000' : '0001';
  return [
    `${seedPrefix(seed)}-${middle}-4000-8000-000000000000`,
    `${seedPrefix(seed)}-${middle}-4000-8000-ffffffffffff`,
  ];
}

const seedPrefix = (seed: number) => `5eed${(seed & 0xffff).toString(16).padStart(4, '0')}`;
