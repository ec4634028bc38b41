import { products, type Transaction } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, asc, inArray, isNull, sql } from 'drizzle-orm';
import type { PricesService } from './service.ts';

type StockState = 'IN_STOCK' | 'LOW_STOCK' | 'OUT_OF_STOCK';

/** At or below this many units an offer shows LOW_STOCK (the migration gave LOW_STOCK offers 5). */
export const LOW_STOCK_THRESHOLD = 5;

/** The sellable units an offer created without `stock` gets: what migration 0006 gave existing offers. */
export const DEFAULT_STOCK_BY_STATE: Record<StockState, number> = {
  IN_STOCK: 100,
  LOW_STOCK: LOW_STOCK_THRESHOLD,
  OUT_OF_STOCK: 0,
};

/** The stock state a number of sellable units shows. */
export function stockStateOf(stock: number): StockState {
  if (stock <= 0) return 'OUT_OF_STOCK';
  return stock <= LOW_STOCK_THRESHOLD ? 'LOW_STOCK' : 'IN_STOCK';
}

/** The same rule in SQL, over a stock expression. */
const stockStateSql = (stock: ReturnType<typeof sql>) =>
  sql`(case when ${stock} <= 0 then 'OUT_OF_STOCK' when ${stock} <= ${sql.raw(String(LOW_STOCK_THRESHOLD))} then 'LOW_STOCK' else 'IN_STOCK' end)::stock_state`;

/** Units of one seller's offer of one product. */
export interface StockLine {
  productId: number;
  sellerId: number;
  quantity: number;
}

/** An offer whose stock a line took, with what an order line copies from it. */
export interface TakenOffer {
  offerId: number;
  productId: number;
  sellerId: number;
  price: number;
  productName: string;
  sellerName: string;
}

/** What a stock change leaves to do after its transaction committed. */
export interface StockChange {
  /** products whose offers changed stock state: their cached detail and comparison are stale */
  productIds: number[];
  /** products whose offers' units moved, state or not: the carts that show them are stale */
  stockMovedProductIds: number[];
  /** whether search outbox rows were written (worker-search should be woken) */
  searchChanged: boolean;
}

export const noStockChange: StockChange = { productIds: [], stockMovedProductIds: [], searchChanged: false };

/** Two changes as one (a transaction that made both). */
export function mergeStockChanges(a: StockChange, b: StockChange): StockChange {
  return {
    productIds: [...new Set([...a.productIds, ...b.productIds])],
    stockMovedProductIds: [...new Set([...a.stockMovedProductIds, ...b.stockMovedProductIds])],
    searchChanged: a.searchChanged || b.searchChanged,
  };
}

type ChangedOffer = {
  id: number;
  product_id: number;
  seller_id: number;
  price: number;
  old_state: StockState;
  new_state: StockState;
};

const key = (productId: number, sellerId: number) => `${productId}:${sellerId}`;

/**
 * Numeric offer stock for checkout (the prices module owns `offers`). Every offer writer locks the
 * offer's product row first (the prices service, and these functions), so taking the products'
 * locks in id order before touching offers makes two orders, or an order and a price change,
 * unable to deadlock, and the guarded UPDATE below never waits on an offer row. The UPDATE's
 * `stock >= quantity` is what makes overselling impossible (and the CHECK on `offers.stock` would
 * refuse it anyway). An offer crossing into or out of OUT_OF_STOCK changes its product's price
 * aggregates: `afterOfferChange` recomputes them, writes the history and outbox rows and fires
 * alerts, under the product lock these functions hold.
 */
export function offerStock(prices: Pick<PricesService, 'afterOfferChange'>) {
  /** Locks the products in id order; `forSale` refuses a deleted or hidden one (PRODUCT_NOT_FOUND). */
  async function lockProducts(tx: Transaction, productIds: number[], forSale: boolean) {
    const ids = [...new Set(productIds)].sort((a, b) => a - b);
    if (ids.length === 0) return new Map<number, { name: string; status: string }>();
    const rows = await tx
      .select({ id: products.id, name: products.name, status: products.status })
      .from(products)
      .where(and(inArray(products.id, ids), forSale ? isNull(products.deletedAt) : undefined))
      .orderBy(asc(products.id))
      // NO KEY UPDATE conflicts with the prices service's FOR UPDATE and with itself, not with
      // the key-share locks of rows referencing the product (cart lines, order items)
      .for('no key update');
    const found = new Map(rows.map((row) => [row.id, row]));
    if (forSale) {
      for (const productId of ids) {
        const product = found.get(productId);
        if (!product || product.status === 'HIDDEN') {
          throw new AppError('PRODUCT_NOT_FOUND', { details: { productId } });
        }
        if (product.status !== 'ON_SALE') {
          throw new AppError('INSUFFICIENT_STOCK', {
            details: { productId, reason: `the product is ${product.status}` },
          });
        }
      }
    }
    return found;
  }

  /** The aggregates of products whose offers crossed into or out of OUT_OF_STOCK, recomputed. */
  async function afterStateChanges(tx: Transaction, changed: ChangedOffer[]): Promise<StockChange> {
    const crossed = new Map<number, ChangedOffer>();
    for (const offer of changed) {
      const wasOut = offer.old_state === 'OUT_OF_STOCK';
      const isOut = offer.new_state === 'OUT_OF_STOCK';
      if (wasOut !== isOut && !crossed.has(offer.product_id)) crossed.set(offer.product_id, offer);
    }
    for (const offer of crossed.values()) {
      await prices.afterOfferChange(tx, offer.product_id, offer.seller_id, offer.price);
    }
    return {
      productIds: [...new Set(changed.filter((o) => o.old_state !== o.new_state).map((o) => o.product_id))],
      stockMovedProductIds: [...new Set(changed.map((o) => o.product_id))],
      searchChanged: crossed.size > 0,
    };
  }

  return {
    /**
     * Takes `lines` from their offers inside the caller's transaction (lines of one offer add up).
     * INSUFFICIENT_STOCK with the failing line in details when an offer has fewer units;
     * OFFER_NOT_FOUND when the seller has no live offer of the product. Throwing leaves the
     * transaction to roll back, so nothing is taken.
     */
    async takeStock(
      tx: Transaction,
      lines: StockLine[],
      /** called once the products' locks are held (the order's lock-hold time starts there) */
      onLocked?: () => void,
    ): Promise<{ offers: Map<string, TakenOffer>; change: StockChange }> {
      const wanted = new Map<string, StockLine>();
      for (const line of lines) {
        const k = key(line.productId, line.sellerId);
        const sum = wanted.get(k);
        wanted.set(k, sum ? { ...sum, quantity: sum.quantity + line.quantity } : { ...line });
      }
      const merged = [...wanted.values()];
      const productRows = await lockProducts(
        tx,
        merged.map((line) => line.productId),
        true,
      );
      onLocked?.();
      const changed = [
        ...(await tx.execute<ChangedOffer & { seller_name: string }>(sql`
          with wanted as (
            select * from unnest(
              ${sql.param(merged.map((line) => line.productId))}::bigint[],
              ${sql.param(merged.map((line) => line.sellerId))}::bigint[],
              ${sql.param(merged.map((line) => line.quantity))}::int[]
            ) as line(product_id, seller_id, quantity)
          ), before as (
            select offer.id, offer.stock_state
            from offers offer join wanted using (product_id, seller_id)
          )
          update offers offer
          set stock = offer.stock - wanted.quantity,
              stock_state = ${stockStateSql(sql`offer.stock - wanted.quantity`)},
              updated_at = now()
          from wanted, before, sellers seller
          where offer.product_id = wanted.product_id and offer.seller_id = wanted.seller_id
            and before.id = offer.id
            and seller.id = offer.seller_id and seller.deleted_at is null
            and offer.stock >= wanted.quantity
          returning offer.id, offer.product_id, offer.seller_id, offer.price,
                    before.stock_state as old_state, offer.stock_state as new_state,
                    seller.name as seller_name`)),
      ];
      if (changed.length < merged.length) {
        const done = new Set(changed.map((offer) => key(offer.product_id, offer.seller_id)));
        const failing = merged.find((line) => !done.has(key(line.productId, line.sellerId)))!;
        const [offer] = await tx.execute<{ stock: number }>(sql`
          select offer.stock from offers offer
          join sellers seller on seller.id = offer.seller_id and seller.deleted_at is null
          where offer.product_id = ${failing.productId} and offer.seller_id = ${failing.sellerId}`);
        if (!offer) {
          throw new AppError('OFFER_NOT_FOUND', {
            details: { productId: failing.productId, sellerId: failing.sellerId },
          });
        }
        throw new AppError('INSUFFICIENT_STOCK', {
          details: {
            productId: failing.productId,
            sellerId: failing.sellerId,
            requested: failing.quantity,
            available: offer.stock,
          },
        });
      }
      const offers = new Map<string, TakenOffer>(
        changed.map((offer) => [
          key(offer.product_id, offer.seller_id),
          {
            offerId: offer.id,
            productId: offer.product_id,
            sellerId: offer.seller_id,
            price: Number(offer.price),
            productName: productRows.get(offer.product_id)!.name,
            sellerName: offer.seller_name,
          },
        ]),
      );
      return { offers, change: await afterStateChanges(tx, changed) };
    },

    /**
     * Puts units back on their offers (a cancelled or returned order) inside the caller's
     * transaction. Lines whose offer is gone have nowhere to go and are skipped.
     */
    async returnStock(
      tx: Transaction,
      lines: { offerId: number | null; productId: number; quantity: number }[],
    ): Promise<StockChange> {
      const byOffer = new Map<number, number>();
      for (const line of lines) {
        if (line.offerId === null) continue;
        byOffer.set(line.offerId, (byOffer.get(line.offerId) ?? 0) + line.quantity);
      }
      if (byOffer.size === 0) return noStockChange;
      await lockProducts(
        tx,
        lines.map((line) => line.productId),
        false,
      );
      const changed = [
        ...(await tx.execute<ChangedOffer>(sql`
          with returned as (
            select * from unnest(
              ${sql.param([...byOffer.keys()])}::bigint[],
              ${sql.param([...byOffer.values()])}::int[]
            ) as line(id, quantity)
          ), before as (
            select offer.id, offer.stock_state from offers offer join returned using (id)
          )
          update offers offer
          set stock = offer.stock + returned.quantity,
              stock_state = ${stockStateSql(sql`offer.stock + returned.quantity`)},
              updated_at = now()
          from returned, before
          where offer.id = returned.id and before.id = offer.id
          returning offer.id, offer.product_id, offer.seller_id, offer.price,
                    before.stock_state as old_state, offer.stock_state as new_state`)),
      ];
      return afterStateChanges(tx, changed);
    },
  };
}

export type OfferStock = ReturnType<typeof offerStock>;
