import type { DealsService } from './service.ts';

/**
 * The window boundaries (start and end instants) of the deals not yet over, kept in the process so
 * a cached read can name the next boundary in its key: once that instant passes the key changes, so
 * no cached list or comparison outlives a deal's start or end. Reloaded after this process's deal
 * writes and at most `refreshMs` after another process's (whose writes also bump the cache
 * versions, so only a boundary they added may be seen that much late).
 */
export function dealWindows(deals: Pick<DealsService, 'upcomingWindows'>, refreshMs: number) {
  let all: number[] = [];
  let byProduct = new Map<number, number[]>();
  let loadedAt = Number.NEGATIVE_INFINITY;
  let loading: Promise<void> | undefined;

  async function reload(): Promise<void> {
    const startedAt = Date.now();
    const rows = await deals.upcomingWindows();
    const nextAll = new Set<number>();
    const nextByProduct = new Map<number, Set<number>>();
    for (const row of rows) {
      for (const instant of [row.startsAt.getTime(), row.endsAt.getTime()]) {
        nextAll.add(instant);
        if (row.productId !== null) {
          const own = nextByProduct.get(row.productId) ?? new Set<number>();
          own.add(instant);
          nextByProduct.set(row.productId, own);
        }
      }
    }
    all = [...nextAll].sort((a, b) => a - b);
    byProduct = new Map([...nextByProduct].map(([id, set]) => [id, [...set].sort((a, b) => a - b)]));
    loadedAt = startedAt;
  }

  async function fresh(): Promise<void> {
    if (Date.now() - loadedAt < refreshMs) return;
    loading ??= reload().finally(() => {
      loading = undefined;
    });
    await loading;
  }

  const nextOf = (instants: readonly number[] | undefined, now: number) =>
    String(instants?.find((instant) => instant > now) ?? 'none');

  return {
    /** the next boundary of any deal (the deal lists' key part) */
    async nextBoundary(): Promise<string> {
      await fresh();
      return nextOf(all, Date.now());
    },
    /** the next boundary of a deal of this product (the comparison's key part) */
    async nextBoundaryOf(productId: number): Promise<string> {
      await fresh();
      return nextOf(byProduct.get(productId), Date.now());
    },
    /** after a deal write in this process */
    async reload(): Promise<void> {
      loadedAt = Number.NEGATIVE_INFINITY;
      await fresh();
    },
  };
}

export type DealWindows = ReturnType<typeof dealWindows>;
