import { cartItems, type Database } from '@pbshop/db';
import { and, eq, inArray } from 'drizzle-orm';
import type { Redis } from 'ioredis';

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

export interface CartServiceOptions {
  db: Database;
  redis: Redis;
  keyPrefix: string;
}

/** A member's cart line as the orders module reads it. */
export interface CartLine {
  id: number;
  productId: number;
  sellerId: number;
  selectedOptions: string | null;
  quantity: number;
}

/**
 * The cart (CART-01..05, ACT-06): a member's lines in `cart_items`, a guest's in a Redis hash keyed
 * by `x-cart-key`, merged into the member's on login.
 */
export function cartService({ db }: CartServiceOptions) {
  return {
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

    /** Deletes the member's lines among `cartItemIds` inside the caller's transaction (an order placed). */
    async removeLines(tx: Transaction, userId: number, cartItemIds: number[]): Promise<void> {
      if (cartItemIds.length === 0) return;
      await tx.delete(cartItems).where(and(eq(cartItems.userId, userId), inArray(cartItems.id, cartItemIds)));
    },
  };
}

export type CartService = ReturnType<typeof cartService>;
