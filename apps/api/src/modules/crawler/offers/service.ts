import type { Logger } from '@pbshop/config';
import type { CollectedOffer, CrawlCatalog } from '@pbshop/crawler';
import { type Database, offers } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import type { SearchSyncSignal } from '@pbshop/queues';
import { and, eq } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { catalogCache } from '../../../catalog-cache/cache.ts';
import type { Principal } from '../../../http/principal.ts';
import { collectedShipping, writeOfferBatch } from '../../catalog/prices/batch.ts';
import { type PricesService, pricesService } from '../../catalog/prices/service.ts';
import { sellersService } from '../../catalog/sellers/service.ts';
import { recordCollectedSpecs, type SpecNamesMemo } from '../../catalog/specs/values.ts';

/** The crawler writes as the platform: an ADMIN principal that no member holds (id 0). */
const crawlerPrincipal: Principal = { id: 0, role: 'ADMIN', tokenVersion: 0 };

type OfferRow = typeof offers.$inferSelect;

function unchanged(current: OfferRow, offer: CollectedOffer, shipping: ReturnType<typeof collectedShipping>) {
  return (
    current.price === offer.price &&
    current.stockState === offer.stockState &&
    current.url === offer.url &&
    (shipping === undefined ||
      (current.shippingRule === shipping.shippingRule && current.shippingCost === shipping.shippingCost))
  );
}

/**
 * The crawler's catalog (the `CrawlCatalog` of @pbshop/crawler): one collected offer (an admin's
 * approval) is written through the prices module's offer-write path (`create` / `update`: offer,
 * product aggregates, price history, alerts and the search outbox row in one transaction, then the
 * search wake-up); a run's offers through its batch (`writeOfferBatch`: the same results, one
 * transaction per batch of products). The products' catalog cache entries are invalidated after
 * the commit. An offer whose price, shipping, stock state and URL are as collected is counted
 * unchanged and not written. Collected specs go through the spec module's write
 * (`recordCollectedSpecs`: matched to the category's definitions, checked, merged, search outbox).
 */
export function crawlerOffers(
  db: Database,
  prices: Pick<PricesService, 'create' | 'update'>,
  invalidateProduct: (productId: number) => Promise<void>,
  searchSync: SearchSyncSignal,
): CrawlCatalog {
  async function current(offer: CollectedOffer) {
    const [row] = await db
      .select()
      .from(offers)
      .where(and(eq(offers.productId, offer.productId), eq(offers.sellerId, offer.sellerId)));
    return row;
  }

  async function update(row: OfferRow, offer: CollectedOffer): Promise<'updated' | 'unchanged'> {
    const shipping = collectedShipping(offer.shippingFee, row);
    if (unchanged(row, offer, shipping)) return 'unchanged';
    await prices.update(
      row.id,
      { price: offer.price, stockState: offer.stockState, url: offer.url, ...shipping },
      crawlerPrincipal,
    );
    return 'updated';
  }

  const invalidate = (productIds: Iterable<number>) =>
    Promise.all(Array.from(new Set(productIds), invalidateProduct));

  return {
    async writeOffers(batch) {
      let changed: number[] = batch.map((offer) => offer.productId);
      try {
        const written = await writeOfferBatch(db, batch, searchSync);
        changed = written.changedProductIds;
        return written.results.map((result) =>
          result instanceof AppError ? { error: result.message } : result,
        );
      } finally {
        // after a failure every product of the batch: a failure may follow a commit
        await invalidate(changed);
      }
    },

    async writeSpecs(entries, definitions) {
      const { outcomes, changedProductIds } = await recordCollectedSpecs(
        db,
        searchSync,
        entries,
        definitions as SpecNamesMemo,
      );
      await invalidate(changedProductIds);
      return outcomes;
    },

    async writeOffer(offer) {
      const row = await current(offer);
      try {
        if (row) return await update(row, offer);
        const shipping = collectedShipping(offer.shippingFee, undefined) ?? {
          shippingRule: 'FREE',
          shippingCost: 0,
        };
        try {
          await prices.create(
            offer.productId,
            {
              sellerId: offer.sellerId,
              price: offer.price,
              stockState: offer.stockState,
              url: offer.url,
              ...shipping,
            },
            crawlerPrincipal,
          );
          return 'created';
        } catch (error) {
          // another write created it meanwhile: the offer is now one to update
          if (!(error instanceof AppError && error.code === 'CONFLICT')) throw error;
          const created = await current(offer);
          if (!created) throw error;
          return await update(created, offer);
        }
      } finally {
        await invalidateProduct(offer.productId);
      }
    },
  };
}

/**
 * The crawler's catalog for a process without the API's composition root (worker-crawler): the
 * prices and sellers services over its own pool, the catalog cache's invalidation over its Redis.
 */
export function standaloneCrawlerOffers(options: {
  db: Database;
  searchSync: SearchSyncSignal;
  redis: Redis;
  keyPrefix: string;
  logger: Logger;
}): CrawlCatalog & { close(): Promise<void> } {
  const cache = catalogCache(options.redis, options.keyPrefix, options.logger);
  const prices = pricesService(options.db, sellersService(options.db), options.searchSync);
  return {
    ...crawlerOffers(
      options.db,
      prices,
      (productId) => cache.invalidateProduct(productId),
      options.searchSync,
    ),
    close: () => cache.close(),
  };
}
