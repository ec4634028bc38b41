import type { Logger } from '@pbshop/config';
import type { CollectedOffer, CrawlCatalog } from '@pbshop/crawler';
import { type Database, offers } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import type { SearchSyncSignal } from '@pbshop/queues';
import { and, eq } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { catalogCache } from '../../../catalog-cache/cache.ts';
import type { Principal } from '../../../http/principal.ts';
import { type PricesService, pricesService } from '../../catalog/prices/service.ts';
import { sellersService } from '../../catalog/sellers/service.ts';

/** The crawler writes as the platform: an ADMIN principal that no member holds (id 0). */
const crawlerPrincipal: Principal = { id: 0, role: 'ADMIN', tokenVersion: 0 };

type OfferRow = typeof offers.$inferSelect;

/** The shipping a collected fee stands for: 0 free, above 0 paid; unknown leaves the offer's own. */
function shippingOf(fee: number | null, current: OfferRow | undefined) {
  if (fee === null) return undefined;
  // a free-over threshold is the seller's rule; a page showing 0 or a fee does not overturn it
  if (current?.shippingRule === 'FREE_OVER') return undefined;
  return fee === 0
    ? ({ shippingRule: 'FREE', shippingCost: 0 } as const)
    : ({ shippingRule: 'PAID', shippingCost: fee } as const);
}

function unchanged(current: OfferRow, offer: CollectedOffer, shipping: ReturnType<typeof shippingOf>) {
  return (
    current.price === offer.price &&
    current.stockState === offer.stockState &&
    current.url === offer.url &&
    (shipping === undefined ||
      (current.shippingRule === shipping.shippingRule && current.shippingCost === shipping.shippingCost))
  );
}

/**
 * The crawler's catalog (the `CrawlCatalog` of @pbshop/crawler): a collected offer is written
 * through the prices module's offer-write path (`create` / `update`: offer, product aggregates,
 * price history, alerts and the search outbox row in one transaction, then the search wake-up),
 * and the product's catalog cache entries are invalidated after the commit. An offer whose price,
 * shipping, stock state and URL are as collected is counted unchanged and not written.
 */
export function crawlerOffers(
  db: Database,
  prices: Pick<PricesService, 'create' | 'update'>,
  invalidateProduct: (productId: number) => Promise<void>,
): CrawlCatalog {
  async function current(offer: CollectedOffer) {
    const [row] = await db
      .select()
      .from(offers)
      .where(and(eq(offers.productId, offer.productId), eq(offers.sellerId, offer.sellerId)));
    return row;
  }

  async function update(row: OfferRow, offer: CollectedOffer): Promise<'updated' | 'unchanged'> {
    const shipping = shippingOf(offer.shippingFee, row);
    if (unchanged(row, offer, shipping)) return 'unchanged';
    await prices.update(
      row.id,
      { price: offer.price, stockState: offer.stockState, url: offer.url, ...shipping },
      crawlerPrincipal,
    );
    return 'updated';
  }

  return {
    async writeOffer(offer) {
      const row = await current(offer);
      try {
        if (row) return await update(row, offer);
        const shipping = shippingOf(offer.shippingFee, undefined) ?? {
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
    ...crawlerOffers(options.db, prices, (productId) => cache.invalidateProduct(productId)),
    close: () => cache.close(),
  };
}
