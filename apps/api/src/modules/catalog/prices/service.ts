import { type Database, offers, priceHistory, products, sellers, type Transaction } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { noSearchSync, type SearchSyncSignal } from '@pbshop/queues';
import { recordSearchChange } from '@pbshop/search';
import { and, eq, isNull, type SQL, sql } from 'drizzle-orm';
import type { Principal } from '../../../http/principal.ts';
import { fireAlerts } from '../alerts/service.ts';
import type { SellersService } from '../sellers/service.ts';
import {
  type BucketType,
  type CreateOfferBody,
  type Period,
  type PriceComparison,
  type PriceEntry,
  type PriceHistoryResponse,
  type RealPrice,
  shippingProblems,
  type UpdateOfferBody,
} from './schemas.ts';
import { DEFAULT_STOCK_BY_STATE, stockStateOf } from './stock.ts';

/** The offer of `sellerId`, or the cheapest delivered one in stock; 404 OFFER_NOT_FOUND when none. */
function deliveredPrice(productId: number, comparison: PriceComparison, sellerId?: number): RealPrice {
  const entry = sellerId
    ? comparison.entries.find((item) => item.seller.id === sellerId)
    : comparison.entries.find((item) => item.stockState !== 'OUT_OF_STOCK');
  if (!entry) throw new AppError('OFFER_NOT_FOUND');
  return {
    productId,
    sellerId: entry.seller.id,
    offerId: entry.id,
    productPrice: entry.price,
    shippingFee: entry.realPrice - entry.price,
    totalPrice: entry.realPrice,
    shippingType: entry.shippingRule,
    freeShippingThreshold: entry.freeShippingThreshold,
    stockState: entry.stockState,
  };
}

type Executor = Database | Transaction;
export type OfferRow = typeof offers.$inferSelect;

/** An offer's sellable units and the stock state that follows from them. */
function offerStockOf(stock: number): Pick<OfferRow, 'stock' | 'stockState'> {
  return { stock, stockState: stockStateOf(stock) };
}

/**
 * `stock` sets the units (the state follows); a `stockState` sent alone keeps the units when they
 * already show that state, else takes that state's default units, so the state always follows
 * the stock and orders can only take units an in-stock offer has.
 */
function stockAfterUpdate(
  offer: Pick<OfferRow, 'stock' | 'stockState'>,
  body: Pick<UpdateOfferBody, 'stock' | 'stockState'>,
): Pick<OfferRow, 'stock' | 'stockState'> {
  if (body.stock !== undefined) return offerStockOf(body.stock);
  if (body.stockState === undefined || stockStateOf(offer.stock) === body.stockState) {
    return offerStockOf(offer.stock);
  }
  return offerStockOf(DEFAULT_STOCK_BY_STATE[body.stockState]);
}

/** What one unit costs delivered: the price plus the shipping the rule charges for it. */
export function realPriceOf(
  offer: Pick<OfferRow, 'price' | 'shippingRule' | 'shippingCost' | 'freeShippingThreshold'>,
): number {
  if (offer.shippingRule === 'FREE') return offer.price;
  if (offer.shippingRule === 'FREE_OVER' && offer.price >= (offer.freeShippingThreshold ?? Infinity)) {
    return offer.price;
  }
  return offer.price + offer.shippingCost;
}

/**
 * Offers that count for the product's lowest/highest/average price and seller count: in stock (or
 * low stock) at a shop that is not deleted. An OUT_OF_STOCK offer cannot be bought, so it must not
 * be the "lowest price"; it is still listed in the comparison.
 */
const counts = sql`${offers.stockState} <> 'OUT_OF_STOCK'`;

/** A product's price aggregates over its counted offers (`counts`): nulls and 0 without one. */
export interface PriceAggregate {
  lowestPrice: number | null;
  highestPrice: number | null;
  averagePrice: number | null;
  sellerCount: number;
}

/**
 * The price aggregates of `productIds` from their offers, in one statement; a product without a
 * counted offer at a live shop gets nulls and 0. The single offer write and the batch
 * (`batch.ts`) both compute them here. Each product's offers are read through its index
 * (product_id leads offers_product_seller_key), whatever the planner thinks of the shops.
 */
export async function priceAggregates(
  tx: Executor,
  productIds: number[],
): Promise<Map<number, PriceAggregate>> {
  const rows = await tx.execute<{
    product_id: string;
    lowest: string | null;
    highest: string | null;
    average: string | null;
    seller_count: number;
  }>(sql`
    select p.id as product_id, a.lowest, a.highest, a.average, a.seller_count
    from unnest(${sql.param(productIds)}::bigint[]) as p(id)
    cross join lateral (
      select min(${offers.price}) as lowest, max(${offers.price}) as highest,
             round(avg(${offers.price}))::bigint as average, count(*)::int as seller_count
      from ${offers}
      join ${sellers} on ${sellers.id} = ${offers.sellerId} and ${sellers.deletedAt} is null
      where ${offers.productId} = p.id and ${counts}
    ) a`);
  const toNumber = (value: string | null) => (value === null ? null : Number(value));
  return new Map(
    [...rows].map((row) => [
      Number(row.product_id),
      {
        lowestPrice: toNumber(row.lowest),
        highestPrice: toNumber(row.highest),
        averagePrice: toNumber(row.average),
        sellerCount: row.seller_count,
      },
    ]),
  );
}

/** The row a new offer is inserted as (POST /products/:id/prices, and the crawler's batch). */
export function newOfferValues(productId: number, body: CreateOfferBody) {
  return {
    productId,
    sellerId: body.sellerId,
    price: body.price,
    shippingRule: body.shippingRule,
    shippingCost: body.shippingCost,
    freeShippingThreshold: body.freeShippingThreshold ?? null,
    ...offerStockOf(body.stock ?? DEFAULT_STOCK_BY_STATE[body.stockState]),
    url: body.url,
  };
}

/**
 * An offer's fields after `body` (PATCH /prices/:id, and the crawler's batch), from the offer as
 * read under its product's lock; 400 VALIDATION_ERROR when the shipping fields disagree.
 */
export function updatedOfferValues(locked: OfferRow, body: UpdateOfferBody) {
  // a shipping fee sent without a rule on a FREE offer makes it PAID (the storefront's form
  // has a fee and no rule); FREE_OVER and PAID keep their rule, the fee is theirs to change
  const shippingRule =
    body.shippingRule ??
    (locked.shippingRule === 'FREE' && (body.shippingCost ?? 0) > 0 ? 'PAID' : locked.shippingRule);
  const merged = {
    price: body.price ?? locked.price,
    shippingRule,
    shippingCost: body.shippingCost ?? locked.shippingCost,
    freeShippingThreshold:
      body.freeShippingThreshold !== undefined
        ? body.freeShippingThreshold
        : // switching away from FREE_OVER drops the threshold
          shippingRule === 'FREE_OVER'
          ? locked.freeShippingThreshold
          : null,
    ...stockAfterUpdate(locked, body),
    url: body.url ?? locked.url,
  };
  if (body.shippingRule === 'FREE' && body.shippingCost === undefined) merged.shippingCost = 0;
  const problems = shippingProblems(merged);
  if (problems.length > 0) throw new AppError('VALIDATION_ERROR', { details: problems });
  return merged;
}

/** An offer and its shop as `offersJson` returns them (timestamps as PostgreSQL writes them in JSON). */
interface OfferJson {
  id: number;
  price: number;
  shippingRule: OfferRow['shippingRule'];
  shippingCost: number;
  freeShippingThreshold: number | null;
  stockState: OfferRow['stockState'];
  url: string;
  updatedAt: string;
  sellerId: number;
  sellerName: string;
  sellerLogoUrl: string | null;
  sellerTrustScore: number;
}

/**
 * Every offer of the product `productId` at a live shop,
 * as one JSON array: the detail and the comparison read a product and its offers in one query.
 */
export function offersJson(productId: number): SQL<OfferJson[]> {
  return sql<OfferJson[]>`coalesce((
    select json_agg(json_build_object(
      'id', offer.id, 'price', offer.price, 'shippingRule', offer.shipping_rule,
      'shippingCost', offer.shipping_cost, 'freeShippingThreshold', offer.free_shipping_threshold,
      'stockState', offer.stock_state, 'url', offer.url, 'updatedAt', offer.updated_at,
      'sellerId', seller.id, 'sellerName', seller.name, 'sellerLogoUrl', seller.logo_url,
      'sellerTrustScore', seller.trust_score))
    from offers offer
    join sellers seller on seller.id = offer.seller_id and seller.deleted_at is null
    where offer.product_id = ${productId}
  ), '[]'::json)`;
}

/**
 * The running deal (active, inside its window) with the lowest deal price for the product `productId`
 * (one not sold out first, as an order picks it), or null: a read join of the deals module's tables,
 * so the comparison stays one query.
 */
function runningDealJson(productId: number): SQL<PriceComparison['deal']> {
  return sql<PriceComparison['deal']>`(
    select json_build_object('dealId', deal.id, 'title', deal.title, 'discountRate', deal.discount_rate,
      'dealPrice', line.deal_price, 'stock', line.deal_stock, 'endAt', deal.ends_at)
    from deal_products line
    join deals deal on deal.id = line.deal_id
    where line.product_id = ${productId} and deal.is_active and deal.starts_at <= now() and deal.ends_at > now()
    order by line.deal_stock = 0, line.deal_price, deal.id
    limit 1
  )`;
}

/** The comparison entries of `offersJson`, cheapest delivered first (ties: price, then id). */
export function toPriceEntries(rows: OfferJson[]): PriceEntry[] {
  return rows
    .map((offer) => ({
      id: offer.id,
      seller: {
        id: offer.sellerId,
        name: offer.sellerName,
        logoUrl: offer.sellerLogoUrl,
        trustScore: offer.sellerTrustScore,
      },
      price: offer.price,
      shippingRule: offer.shippingRule,
      shippingCost: offer.shippingCost,
      freeShippingThreshold: offer.freeShippingThreshold,
      realPrice: realPriceOf(offer),
      stockState: offer.stockState,
      productUrl: offer.url,
      updatedAt: new Date(offer.updatedAt).toISOString(),
    }))
    .sort((a, b) => a.realPrice - b.realPrice || a.price - b.price || (a.id < b.id ? -1 : 1));
}

/** Every offer of a product at a live shop, cheapest delivered first (ties: price, then id). */
export async function offerEntries(db: Executor, productId: number): Promise<PriceEntry[]> {
  const [row] = await db.execute<{ offers: OfferJson[] }>(sql`select ${offersJson(productId)} as offers`);
  return toPriceEntries(row?.offers ?? []);
}

const periodInterval: Record<Period, string> = {
  '1w': '7 days',
  '1m': '1 month',
  '3m': '3 months',
  '6m': '6 months',
  '1y': '1 year',
};
const bucketUnit: Record<BucketType, string> = { daily: 'day', weekly: 'week', monthly: 'month' };

/**
 * The lowest-price trend of a product in Asia/Seoul calendar buckets over `period` up to today,
 * built in SQL: a series of buckets left-joined to the per-bucket aggregates of
 * `product_lowest_price`; a bucket without a change carries the last value recorded before it (also
 * from before the period). Buckets before the one of the first recorded lowest price are left out
 * (the storefront charts a null as 0), so a product never priced has none; a later bucket is null
 * only while no offer was live. Used by the price history and the price analytics.
 */
export async function lowestPriceBuckets(
  db: Executor,
  productId: number,
  period: Period,
  type: BucketType,
): Promise<{ date: string; lowestPrice: number | null; averagePrice: number | null }[]> {
  // whitelisted literals, never client text
  const unit = sql.raw(`'${bucketUnit[type]}'`);
  const step = sql.raw(`'1 ${bucketUnit[type]}'::interval`);
  const span = sql.raw(`'${periodInterval[period]}'::interval`);
  const rows = await db.execute<{
    date: string;
    lowest_price: string | null;
    average_price: string | null;
  }>(sql`
      with today as (
        select (now() at time zone 'Asia/Seoul')::date as day
      ),
      buckets as (
        select generate_series(
                 date_trunc(${unit}, (select day from today) - ${span}),
                 date_trunc(${unit}, (select day::timestamp from today)),
                 ${step}
               )::date as bucket
      ),
      first_priced as (
        select date_trunc(${unit}, recorded_at at time zone 'Asia/Seoul')::date as bucket
        from price_history
        where product_id = ${productId} and product_lowest_price is not null
        order by recorded_at
        limit 1
      ),
      changes as (
        select date_trunc(${unit}, recorded_at at time zone 'Asia/Seoul')::date as bucket,
               min(product_lowest_price) as lowest,
               round(avg(product_lowest_price))::bigint as average
        from price_history
        where product_id = ${productId}
          and recorded_at >= ((select min(bucket) from buckets)::timestamp at time zone 'Asia/Seoul')
        group by 1
      )
      select to_char(b.bucket, 'YYYY-MM-DD') as date,
             case when c.bucket is null then carried.lowest else c.lowest end as lowest_price,
             case when c.bucket is null then carried.lowest else c.average end as average_price
      from buckets b
      left join changes c on c.bucket = b.bucket
      left join lateral (
        select h.product_lowest_price as lowest
        from price_history h
        where h.product_id = ${productId}
          and h.recorded_at < (b.bucket::timestamp at time zone 'Asia/Seoul')
        order by h.recorded_at desc, h.id desc
        limit 1
      ) carried on c.bucket is null
      -- no first price: no bucket (a null comparison)
      where b.bucket >= (select bucket from first_priced)
      order by b.bucket
    `);
  const num = (value: string | null) => (value === null ? null : Number(value));
  return [...rows].map((row) => ({
    date: row.date,
    lowestPrice: num(row.lowest_price),
    averagePrice: num(row.average_price),
  }));
}

/** Seller prices (PRICE-01/02, SELL-04/05) and the price history; owns `offers` and `price_history`. */
export function pricesService(
  db: Database,
  shops: SellersService,
  searchSync: SearchSyncSignal = noSearchSync,
  /** the pool the public reads (comparison, history) use: the API's smaller read pool */
  reads: Database = db,
) {
  /** Locks the product row: every offer write of one product runs one after the other. */
  async function lockProduct(tx: Transaction, productId: number) {
    const [row] = await tx
      .select({ id: products.id })
      .from(products)
      .where(and(eq(products.id, productId), isNull(products.deletedAt)))
      .for('update');
    if (!row) throw new AppError('PRODUCT_NOT_FOUND');
  }

  /** Recomputes the product's price aggregates from its offers and appends the history row. */
  async function afterOfferChange<T = undefined>(
    tx: Transaction,
    productId: number,
    sellerId: number,
    price: number | null,
    /** a read of the changed state sent in the same round trip as the writes (it runs after them) */
    alongside?: () => Promise<T>,
  ): Promise<T> {
    // the product row is locked, so no other offer write of this product runs in between
    const aggregate = (await priceAggregates(tx, [productId])).get(productId) as PriceAggregate;
    const { lowestPrice } = aggregate;
    // what follows depends on the aggregate only, not on each other: issued together, postgres.js
    // pipelines them on the transaction's connection (one round trip instead of four; each round
    // trip costs both processes a wake-up, the bulk of an offer write's cost under load)
    const [, , , , read] = await Promise.all([
      tx
        .update(products)
        .set({ ...aggregate, updatedAt: new Date() })
        .where(eq(products.id, productId))
        .execute(),
      tx
        .insert(priceHistory)
        .values({ productId, sellerId, price, productLowestPrice: lowestPrice })
        .execute(),
      // same transaction, still under the product lock: a rolled-back change fires nothing
      fireAlerts(tx, productId, lowestPrice),
      // the document's lowest price and sellers: in the same transaction (transactional outbox)
      recordSearchChange(tx, { eventType: 'PRICE_CHANGED', productIds: [productId] }),
      alongside?.(),
    ]);
    return read as T;
  }

  /**
   * After a shop is deleted its offers no longer count: every product it offered is recomputed
   * (and gets a history row), one product transaction at a time under the product lock.
   */
  async function withdrawSeller(sellerId: number): Promise<number> {
    const affected = await db
      .selectDistinct({ productId: offers.productId })
      .from(offers)
      .where(eq(offers.sellerId, sellerId));
    for (const { productId } of affected) {
      await db.transaction(async (tx) => {
        const [row] = await tx
          .select({ id: products.id })
          .from(products)
          .where(eq(products.id, productId))
          .for('update');
        if (row) await afterOfferChange(tx, productId, sellerId, null);
      });
    }
    if (affected.length > 0) await searchSync.wake();
    return affected.length;
  }

  /** The shop a caller may act for: an ADMIN any live shop, a SELLER only their own. */
  async function assertMayActFor(principal: Principal, sellerId: number): Promise<void> {
    if (principal.role === 'ADMIN') {
      mayActFor(principal, undefined, sellerId, (await shops.findById(sellerId)) !== undefined);
    } else {
      mayActFor(principal, await ownShop(principal), sellerId, true);
    }
  }

  /** The shop a SELLER manages (none for an ADMIN, who acts for any). */
  async function ownShop(principal: Principal): Promise<{ id: number } | undefined> {
    return principal.role === 'ADMIN' ? undefined : shops.findByOwner(principal.id);
  }

  /** An ADMIN acts for any live shop; a SELLER for its own (`own`) only. */
  function mayActFor(
    principal: Principal,
    own: { id: number } | undefined,
    sellerId: number,
    shopLive: boolean,
  ) {
    if (principal.role === 'ADMIN') {
      if (!shopLive) throw new AppError('SELLER_NOT_FOUND');
      return;
    }
    if (!own || own.id !== sellerId) throw new AppError('FORBIDDEN');
  }

  async function entryById(tx: Executor, productId: number, offerId: number): Promise<PriceEntry> {
    const entry = (await offerEntries(tx, productId)).find((item) => item.id === offerId);
    if (!entry) throw new AppError('OFFER_NOT_FOUND');
    return entry;
  }

  async function comparison(productId: number): Promise<PriceComparison> {
    const [product] = await reads
      .select({
        lowestPrice: products.lowestPrice,
        averagePrice: products.averagePrice,
        highestPrice: products.highestPrice,
        offers: offersJson(productId),
        deal: runningDealJson(productId),
      })
      .from(products)
      .where(and(eq(products.id, productId), isNull(products.deletedAt)));
    if (!product) throw new AppError('PRODUCT_NOT_FOUND');
    const entries = toPriceEntries(product.offers);
    const buyable = entries.filter((entry) => entry.stockState !== 'OUT_OF_STOCK');
    return {
      lowestPrice: product.lowestPrice,
      averagePrice: product.averagePrice,
      highestPrice: product.highestPrice,
      lowestRealPrice: buyable.length === 0 ? null : Math.min(...buyable.map((entry) => entry.realPrice)),
      entries,
      deal: product.deal && { ...product.deal, endAt: new Date(product.deal.endAt).toISOString() },
    };
  }

  return {
    withdrawSeller,
    comparison,
    /** for the stock operations (stock.ts), which hold the product lock it needs */
    afterOfferChange,

    /** The delivered price at one shop, or the cheapest in stock: fresh, like the comparison it reads. */
    async realPrice(productId: number, sellerId?: number): Promise<RealPrice> {
      return deliveredPrice(productId, await comparison(productId), sellerId);
    },

    /** The product an offer belongs to (it never changes), or undefined when there is no such offer. */
    async productIdOfOffer(offerId: number): Promise<number | undefined> {
      const [row] = await db
        .select({ productId: offers.productId })
        .from(offers)
        .where(eq(offers.id, offerId));
      return row?.productId;
    },

    async create(productId: number, body: CreateOfferBody, principal: Principal): Promise<PriceEntry> {
      await assertMayActFor(principal, body.sellerId);
      const entry = await db.transaction(async (tx) => {
        await lockProduct(tx, productId);
        const [row] = await tx
          .insert(offers)
          .values(newOfferValues(productId, body))
          .onConflictDoNothing({ target: [offers.productId, offers.sellerId] })
          .returning();
        if (!row) {
          throw new AppError('CONFLICT', {
            details: { reason: 'this seller already has a price for this product; PATCH /prices/:id' },
          });
        }
        return afterOfferChange(tx, productId, row.sellerId, row.price, () =>
          entryById(tx, productId, row.id),
        );
      });
      await searchSync.wake();
      return entry;
    },

    async update(offerId: number, body: UpdateOfferBody, principal: Principal): Promise<PriceEntry> {
      // the shop a SELLER acts for does not depend on the offer: known before the transaction
      const own = await ownShop(principal);
      const entry = await db.transaction(async (tx) => {
        // in one statement: the product's lock, the offer read under it, and whether its shop is live
        const [row] = await tx
          .select({ offer: offers, shopLive: sql<boolean>`${sellers.deletedAt} is null` })
          .from(offers)
          .innerJoin(products, and(eq(products.id, offers.productId), isNull(products.deletedAt)))
          .innerJoin(sellers, eq(sellers.id, offers.sellerId))
          .where(eq(offers.id, offerId))
          .for('update', { of: products });
        if (!row) {
          // no such offer, or its product is deleted: which one is said after the permission check
          const [orphan] = await tx
            .select({ sellerId: offers.sellerId, shopLive: sql<boolean>`${sellers.deletedAt} is null` })
            .from(offers)
            .innerJoin(sellers, eq(sellers.id, offers.sellerId))
            .where(eq(offers.id, offerId));
          if (!orphan) throw new AppError('OFFER_NOT_FOUND');
          mayActFor(principal, own, orphan.sellerId, orphan.shopLive);
          throw new AppError('PRODUCT_NOT_FOUND');
        }
        mayActFor(principal, own, row.offer.sellerId, row.shopLive);
        const locked = row.offer;
        const merged = updatedOfferValues(locked, body);
        // the offer's update and the aggregate over it go out together (PostgreSQL runs them in order)
        const [, entry] = await Promise.all([
          tx
            .update(offers)
            .set({ ...merged, updatedAt: new Date() })
            .where(eq(offers.id, offerId))
            .execute(),
          afterOfferChange(tx, locked.productId, locked.sellerId, merged.price, () =>
            entryById(tx, locked.productId, offerId),
          ),
        ]);
        return entry;
      });
      await searchSync.wake();
      return entry;
    },

    async remove(offerId: number): Promise<void> {
      const [current] = await db.select().from(offers).where(eq(offers.id, offerId));
      if (!current) throw new AppError('OFFER_NOT_FOUND');
      await db.transaction(async (tx) => {
        // a deleted product keeps its offers; deleting one still works, without the lock check
        const [product] = await tx
          .select({ id: products.id })
          .from(products)
          .where(eq(products.id, current.productId))
          .for('update');
        if (!product) throw new AppError('OFFER_NOT_FOUND');
        const [deleted] = await tx.delete(offers).where(eq(offers.id, offerId)).returning();
        if (!deleted) throw new AppError('OFFER_NOT_FOUND');
        await afterOfferChange(tx, deleted.productId, deleted.sellerId, null);
      });
      await searchSync.wake();
    },

    /** The lowest-price trend in Asia/Seoul calendar buckets (`lowestPriceBuckets`) with the all-time extremes. */
    async history(productId: number, period: Period, type: BucketType): Promise<PriceHistoryResponse> {
      // the product with its all-time extremes, and the buckets, side by side: one round trip
      // each, on two connections (the buckets of a product that does not exist are thrown away)
      const [[product], rows] = await Promise.all([
        reads
          .select({
            id: products.id,
            name: products.name,
            lowestPrice: products.lowestPrice,
            // spelt out: drizzle leaves the columns of a one-table select unqualified
            allTimeLowest: sql<string | null>`(
              select min(history.product_lowest_price) from price_history history
              where history.product_id = products.id)`,
            allTimeHighest: sql<string | null>`(
              select max(history.product_lowest_price) from price_history history
              where history.product_id = products.id)`,
          })
          .from(products)
          .where(and(eq(products.id, productId), isNull(products.deletedAt))),
        lowestPriceBuckets(reads, productId, period, type),
      ]);
      if (!product) throw new AppError('PRODUCT_NOT_FOUND');
      const num = (value: string | number | null | undefined) =>
        value === null || value === undefined ? null : Number(value);
      const allTimeLowest = num(product.allTimeLowest);
      return {
        productId: product.id,
        productName: product.name,
        allTimeLowest,
        allTimeHighest: num(product.allTimeHighest),
        isAllTimeLow: product.lowestPrice !== null && product.lowestPrice === allTimeLowest,
        history: rows,
      };
    },
  };
}

export type PricesService = ReturnType<typeof pricesService>;
