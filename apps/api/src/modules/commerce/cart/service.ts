import type { Logger } from '@pbshop/config';
import { cartItems, type Database, type Transaction } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, count, eq, inArray, sql } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { CatalogCache } from '../../../catalog-cache/cache.ts';
import { type GuestLine, type GuestWrite, guestCartStore } from './guest-store.ts';
import { type AddCartItemBody, type CartItem, MAX_LINE_QUANTITY, type MergeResult } from './schemas.ts';
import { cartReads, catalogFor, type LineCatalog, toCartItem } from './view.ts';

/** Lines a cart may hold (each store); an add of a new line past it is refused. */
export const MAX_CART_LINES = 100;

export interface CartServiceOptions {
  db: Database;
  redis: Redis;
  keyPrefix: string;
  logger: Logger;
  /** the carts' bodies, current with the catalog's versions of what they show */
  cache: Pick<CatalogCache, 'cart' | 'invalidateCart' | 'afterWrite'>;
}

/** A member's cart line as the orders module reads it. */
export interface CartLine {
  id: number;
  productId: number;
  sellerId: number;
  selectedOptions: string | null;
  quantity: number;
}

/** Whose cart: a member's (PostgreSQL) or a guest's, by its `x-cart-key` (Redis). */
export type CartOwner = { userId: number } | { guestKey: string };

const isGuest = (owner: CartOwner): owner is { guestKey: string } => 'guestKey' in owner;

/** The cart's name in the cache. */
const cacheOwner = (owner: CartOwner) =>
  isGuest(owner) ? `guest:${owner.guestKey}` : `member:${owner.userId}`;

/** The product and the seller's offer a line is added from; 404 when either is not there. */
function buyable(catalog: LineCatalog | undefined): { price: number; stock: number } {
  if (!catalog?.productLive) throw new AppError('PRODUCT_NOT_FOUND');
  if (!catalog.sellerLive || catalog.offerPrice === null) throw new AppError('OFFER_NOT_FOUND');
  return { price: catalog.offerPrice, stock: catalog.offerStock ?? 0 };
}

const insufficientStock = (stock: number, inCart: number, requested: number) =>
  new AppError('INSUFFICIENT_STOCK', { details: { stock, inCart, requested } });

const tooMany = (inCart: number, requested: number) =>
  new AppError('VALIDATION_ERROR', {
    details: { reason: `a line holds at most ${MAX_LINE_QUANTITY} units`, inCart, requested },
  });

const cartFull = () =>
  new AppError('VALIDATION_ERROR', {
    details: { reason: `a cart holds at most ${MAX_CART_LINES} lines; remove one first` },
  });

/** A refused guest write as its error (`ok` is not one). */
function guestRefusal(write: Exclude<GuestWrite, { outcome: 'ok' }>, stock: number, requested: number) {
  if (write.outcome === 'missing') return new AppError('CART_ITEM_NOT_FOUND');
  if (write.outcome === 'full') return cartFull();
  if (write.outcome === 'max-quantity') return tooMany(write.current, requested);
  return insufficientStock(stock, write.current, requested);
}

/**
 * The cart (CART-01..05, ACT-06): a member's lines in `cart_items`, a guest's in a Redis hash keyed
 * by `x-cart-key` (guest-store.ts), one behaviour over both. A line is product + seller offer +
 * selected options; adding the same line again sums the quantities (and takes today's price as the
 * price when added), never past the offer's stock. Lines show today's price of the offer beside
 * the price when added. The guest cart is merged into the member's at login (`mergeGuest`).
 */
export function cartService({ db, redis, keyPrefix, logger, cache }: CartServiceOptions) {
  const guest = guestCartStore(redis, keyPrefix);
  const { memberLines, catalogOf } = cartReads(db);
  /** a write to the cart's lines, then its cached body is stale */
  const cartWrite = <T>(owner: CartOwner, work: () => Promise<T>) =>
    cache.afterWrite(work, () => cache.invalidateCart(cacheOwner(owner)));

  async function guestItem(key: string, id: number): Promise<CartItem> {
    const line = await guest.line(key, id);
    if (!line) throw new AppError('CART_ITEM_NOT_FOUND');
    return toCartItem(line, catalogFor(await catalogOf([line]), line));
  }

  async function memberItem(userId: number, id: number): Promise<CartItem> {
    const [line] = await memberLines(userId, id);
    if (!line) throw new AppError('CART_ITEM_NOT_FOUND');
    return toCartItem(line, line);
  }

  async function memberList(userId: number): Promise<CartItem[]> {
    return (await memberLines(userId)).map((line) => toCartItem(line, line));
  }

  async function addForMember(userId: number, body: AddCartItemBody): Promise<CartItem> {
    const sameLine = and(
      eq(cartItems.userId, userId),
      eq(cartItems.productId, body.productId),
      eq(cartItems.sellerId, body.sellerId),
      sql`coalesce(${cartItems.selectedOptions}, '') = coalesce(${body.selectedOptions}::text, '')`,
    );
    const [catalog, [lines], [existing]] = await Promise.all([
      catalogOf([body]),
      db.select({ value: count() }).from(cartItems).where(eq(cartItems.userId, userId)),
      db.select({ quantity: cartItems.quantity }).from(cartItems).where(sameLine),
    ]);
    const { price, stock } = buyable(catalogFor(catalog, body));
    if (!existing) {
      if ((lines?.value ?? 0) >= MAX_CART_LINES) throw cartFull();
      if (body.quantity > stock) throw insufficientStock(stock, 0, body.quantity);
    }
    // the unique index on the line decides: concurrent adds of one line sum into one row
    const [row] = (await db.execute(sql`
      insert into cart_items as line (user_id, product_id, seller_id, selected_options, quantity, unit_price_at_add)
      values (${userId}, ${body.productId}, ${body.sellerId}, ${body.selectedOptions}, ${body.quantity}, ${price})
      on conflict (user_id, product_id, seller_id, (coalesce(selected_options, ''))) do update
        set quantity = line.quantity + excluded.quantity,
            unit_price_at_add = excluded.unit_price_at_add,
            updated_at = now()
        where line.quantity + excluded.quantity <= least(${stock}::int, ${MAX_LINE_QUANTITY}::int)
      returning line.id`)) as unknown as { id: number }[];
    if (!row) {
      const [current] = await db.select({ quantity: cartItems.quantity }).from(cartItems).where(sameLine);
      const inCart = current?.quantity ?? 0;
      if (inCart + body.quantity > MAX_LINE_QUANTITY) throw tooMany(inCart, body.quantity);
      throw insufficientStock(stock, inCart, body.quantity);
    }
    return memberItem(userId, row.id);
  }

  async function addForGuest(key: string, body: AddCartItemBody): Promise<CartItem> {
    const { price, stock } = buyable(catalogFor(await catalogOf([body]), body));
    const write = await guest.add(
      key,
      { ...body, unitPriceAtAdd: price },
      { stock, maxLines: MAX_CART_LINES, maxQuantity: MAX_LINE_QUANTITY },
    );
    if (write.outcome !== 'ok') throw guestRefusal(write, stock, body.quantity);
    return guestItem(key, write.id);
  }

  /**
   * Guest lines into the member's cart in one statement: quantities summed and capped by the
   * offer's stock (a member's own quantity is never lowered); lines whose product, seller or offer
   * is gone or out of stock are dropped. Returns the guest lines that were written.
   */
  async function mergeIntoMember(userId: number, lines: GuestLine[]): Promise<Set<string>> {
    const values = lines.map(
      (line) =>
        sql`(${line.productId}::bigint, ${line.sellerId}::bigint, ${line.selectedOptions}::text, ${line.quantity}::int, ${line.unitPriceAtAdd}::bigint, ${line.createdAt}::timestamptz)`,
    );
    const written = (await db.execute(sql`
      with guest (product_id, seller_id, selected_options, quantity, unit_price_at_add, created_at) as (
        values ${sql.join(values, sql`, `)}
      )
      insert into cart_items as line
        (user_id, product_id, seller_id, selected_options, quantity, unit_price_at_add, created_at)
      select ${userId}, guest.product_id, guest.seller_id, guest.selected_options,
        least(guest.quantity, offer.stock, ${MAX_LINE_QUANTITY}), guest.unit_price_at_add, guest.created_at
      from guest
      join products on products.id = guest.product_id and products.deleted_at is null
      join sellers seller on seller.id = guest.seller_id and seller.deleted_at is null
      join offers offer on offer.product_id = guest.product_id and offer.seller_id = guest.seller_id
      where offer.stock > 0
      on conflict (user_id, product_id, seller_id, (coalesce(selected_options, ''))) do update
        set quantity = greatest(line.quantity, least(
              line.quantity + excluded.quantity,
              (select offer.stock from offers offer
               where offer.product_id = line.product_id and offer.seller_id = line.seller_id),
              ${MAX_LINE_QUANTITY})),
            updated_at = now()
      returning line.product_id as "productId", line.seller_id as "sellerId",
        line.selected_options as "selectedOptions"`)) as unknown as Pick<
      GuestLine,
      'productId' | 'sellerId' | 'selectedOptions'
    >[];
    return new Set(written.map(lineKey));
  }

  const lineKey = (line: Pick<GuestLine, 'productId' | 'sellerId' | 'selectedOptions'>) =>
    `${line.productId}:${line.sellerId}:${line.selectedOptions ?? ''}`;

  return {
    /**
     * The cart, newest line first, as `serialize` writes it: from the cache while neither the
     * lines nor what they show of the catalog (products, offers, sellers) changed.
     */
    body(owner: CartOwner, serialize: (items: CartItem[]) => string): Promise<Buffer> {
      if (!isGuest(owner)) {
        return cache.cart(
          cacheOwner(owner),
          () => memberLines(owner.userId),
          (lines) => serialize(lines.map((line) => toCartItem(line, line))),
          (lines) => lines.map((line) => line.productId),
        );
      }
      return cache.cart(
        cacheOwner(owner),
        async () => {
          const lines = await guest.list(owner.guestKey);
          return { lines, catalog: await catalogOf(lines) };
        },
        ({ lines, catalog }) =>
          serialize(
            lines
              .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id)
              .map((line) => toCartItem(line, catalogFor(catalog, line))),
          ),
        ({ lines }) => lines.map((line) => line.productId),
      );
    },

    /** Adds a line or sums into the same one; 404 PRODUCT_NOT_FOUND / OFFER_NOT_FOUND, 400 INSUFFICIENT_STOCK. */
    add(owner: CartOwner, body: AddCartItemBody): Promise<CartItem> {
      return cartWrite(owner, () =>
        isGuest(owner) ? addForGuest(owner.guestKey, body) : addForMember(owner.userId, body),
      );
    },

    /** A quantity may always go down, up only within the offer's stock; 404 CART_ITEM_NOT_FOUND. */
    async setQuantity(owner: CartOwner, itemId: number, quantity: number): Promise<CartItem> {
      if (isGuest(owner)) {
        const line = await guest.line(owner.guestKey, itemId);
        if (!line) throw new AppError('CART_ITEM_NOT_FOUND');
        const catalog = catalogFor(await catalogOf([line]), line);
        const stock = toCartItem(line, catalog).stock;
        const write = await cartWrite(owner, () =>
          guest.setQuantity(owner.guestKey, itemId, quantity, stock),
        );
        if (write.outcome !== 'ok') throw guestRefusal(write, stock, quantity);
        return toCartItem({ ...line, quantity }, catalog);
      }
      const updated = await cartWrite(owner, () =>
        db.execute(sql`
        update cart_items line set quantity = ${quantity}, updated_at = now()
        where line.id = ${itemId} and line.user_id = ${owner.userId}
          and (${quantity} <= line.quantity or ${quantity} <= coalesce((
            select offer.stock from offers offer
            join sellers seller on seller.id = offer.seller_id and seller.deleted_at is null
            where offer.product_id = line.product_id and offer.seller_id = line.seller_id), 0))
        returning line.id`),
      );
      const item = await memberItem(owner.userId, itemId);
      if (updated.length === 0) throw insufficientStock(item.stock, item.quantity, quantity);
      return item;
    },

    /** 404 CART_ITEM_NOT_FOUND when the cart has no such line (another member's included). */
    async remove(owner: CartOwner, itemId: number): Promise<void> {
      const removed = await cartWrite(owner, async () =>
        isGuest(owner)
          ? guest.remove(owner.guestKey, itemId)
          : (
              await db
                .delete(cartItems)
                .where(and(eq(cartItems.id, itemId), eq(cartItems.userId, owner.userId)))
                .returning({ id: cartItems.id })
            ).length > 0,
      );
      if (!removed) throw new AppError('CART_ITEM_NOT_FOUND');
    },

    async clear(owner: CartOwner): Promise<void> {
      await cartWrite(owner, async () => {
        if (isGuest(owner)) await guest.clear(owner.guestKey);
        else await db.delete(cartItems).where(eq(cartItems.userId, owner.userId));
      });
    },

    /**
     * ACT-06: the guest cart `guestKey` into the member's, then gone. The guest cart is first moved
     * aside in Redis atomically, so of two merges at once only one finds lines (idempotent); if
     * writing them fails, it is put back for a later merge.
     */
    async mergeGuest(userId: number, guestKey: string): Promise<MergeResult> {
      // the guest cart is claimed (moved aside), then deleted or put back
      const lines = await cartWrite({ guestKey }, () => guest.claim(guestKey));
      let written = new Set<string>();
      if (lines.length > 0) {
        try {
          written = await cartWrite({ userId }, () => mergeIntoMember(userId, lines));
        } catch (error) {
          const restored = await cartWrite({ guestKey }, () => guest.restore(guestKey)).catch(() => false);
          if (!restored)
            logger.warn({ userId }, 'failed guest cart merge: the guest cart could not be put back');
          throw error;
        }
        // merged: a claim left behind (Redis gone meanwhile) is never read again and expires
        await guest.release(guestKey).catch((error) => {
          logger.warn({ err: error, userId }, 'merged guest cart not deleted; it expires by itself');
        });
      }
      const dropped = lines.filter((line) => !written.has(lineKey(line)));
      const catalog = await catalogOf(dropped);
      return {
        items: await memberList(userId),
        merged: lines.length - dropped.length,
        dropped: dropped.length,
        droppedLines: dropped.map((line) => {
          const known = catalogFor(catalog, line);
          const offerLive = known?.productLive && known.sellerLive && known.offerPrice !== null;
          return {
            productId: line.productId,
            sellerId: line.sellerId,
            selectedOptions: line.selectedOptions,
            quantity: line.quantity,
            reason: offerLive ? ('OUT_OF_STOCK' as const) : ('UNAVAILABLE' as const),
          };
        }),
      };
    },

    /** The member's lines among `cartItemIds` (for placing an order); ids not found are absent. */
    async linesOf(userId: number, cartItemIds: number[]): Promise<CartLine[]> {
      if (cartItemIds.length === 0) return [];
      return db
        .select({
          id: cartItems.id,
          productId: cartItems.productId,
          sellerId: cartItems.sellerId,
          selectedOptions: cartItems.selectedOptions,
          quantity: cartItems.quantity,
        })
        .from(cartItems)
        .where(and(eq(cartItems.userId, userId), inArray(cartItems.id, cartItemIds)));
    },

    /**
     * Deletes the member's lines among `cartItemIds` inside the caller's transaction (an order
     * placed); answers how many it deleted. The caller calls `linesRemoved` after the transaction.
     */
    async removeLines(tx: Transaction, userId: number, cartItemIds: number[]): Promise<number> {
      if (cartItemIds.length === 0) return 0;
      const removed = await tx
        .delete(cartItems)
        .where(and(eq(cartItems.userId, userId), inArray(cartItems.id, cartItemIds)))
        .returning({ id: cartItems.id });
      return removed.length;
    },

    /** after the transaction that removed lines (`removeLines`) ended, committed or not */
    linesRemoved(userId: number): Promise<void> {
      return cache.invalidateCart(cacheOwner({ userId }));
    },
  };
}

export type CartService = ReturnType<typeof cartService>;
