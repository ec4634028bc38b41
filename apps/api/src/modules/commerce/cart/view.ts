import { cartItems, type Database, offers, products, productThumbnail, sellers } from '@pbshop/db';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { CartItem } from './schemas.ts';

/** A cart line in either store, before the catalog is joined in. */
export interface StoredLine {
  id: number;
  productId: number;
  sellerId: number;
  selectedOptions: string | null;
  quantity: number;
  unitPriceAtAdd: number;
  createdAt: Date | string;
}

/** What the catalog says today about a line's product, seller and offer (nulls: gone). */
export interface LineCatalog {
  productName: string | null;
  productLive: boolean;
  thumbnailUrl: string | null;
  lowestPrice: number | null;
  sellerName: string | null;
  sellerLogoUrl: string | null;
  sellerLive: boolean;
  offerPrice: number | null;
  offerStock: number | null;
}

/** The catalog columns of a line, from `products`, `sellers` and `offers` left-joined to it. */
const catalogColumns = {
  productName: products.name,
  productLive: sql<boolean>`(${products.id} is not null and ${products.deletedAt} is null)`,
  thumbnailUrl: productThumbnail(),
  lowestPrice: products.lowestPrice,
  sellerName: sellers.name,
  sellerLogoUrl: sellers.logoUrl,
  sellerLive: sql<boolean>`(${sellers.id} is not null and ${sellers.deletedAt} is null)`,
  offerPrice: offers.price,
  offerStock: offers.stock,
};

/**
 * The cart's reads as prepared statements: PostgreSQL parses and plans each once per connection,
 * and drizzle builds its SQL once (GET /cart is the cart's hot path; see bench/cart.ts).
 */
export function cartReads(db: Database) {
  const memberQuery = (onlyOne: boolean) =>
    db
      .select({
        id: cartItems.id,
        productId: cartItems.productId,
        sellerId: cartItems.sellerId,
        selectedOptions: cartItems.selectedOptions,
        quantity: cartItems.quantity,
        unitPriceAtAdd: cartItems.unitPriceAtAdd,
        createdAt: cartItems.createdAt,
        ...catalogColumns,
      })
      .from(cartItems)
      .leftJoin(products, eq(products.id, cartItems.productId))
      .leftJoin(sellers, eq(sellers.id, cartItems.sellerId))
      .leftJoin(
        offers,
        and(eq(offers.productId, cartItems.productId), eq(offers.sellerId, cartItems.sellerId)),
      )
      .where(
        and(
          eq(cartItems.userId, sql.placeholder('userId')),
          onlyOne ? eq(cartItems.id, sql.placeholder('id')) : undefined,
        ),
      )
      .orderBy(desc(cartItems.createdAt), desc(cartItems.id))
      .prepare(onlyOne ? 'cart_member_line' : 'cart_member_lines');
  const allLines = memberQuery(false);
  const oneLine = memberQuery(true);
  // the pairs travel as two comma-separated texts, so one statement serves any number of lines
  const pairs = db
    .select({
      productId: sql<number>`line.product_id`.mapWith(Number),
      sellerId: sql<number>`line.seller_id`.mapWith(Number),
      ...catalogColumns,
    })
    .from(
      sql`unnest(string_to_array(${sql.placeholder('productIds')}, ',')::bigint[], string_to_array(${sql.placeholder('sellerIds')}, ',')::bigint[]) as line(product_id, seller_id)`,
    )
    .leftJoin(products, sql`${products.id} = line.product_id`)
    .leftJoin(sellers, sql`${sellers.id} = line.seller_id`)
    .leftJoin(offers, sql`${offers.productId} = line.product_id and ${offers.sellerId} = line.seller_id`)
    .prepare('cart_line_catalog');

  return {
    /**
     * A member's lines with their catalog, newest first, in one query (`onlyId`: that line alone).
     * A line whose product or seller row is gone is gone too (the foreign keys cascade).
     */
    memberLines(userId: number, onlyId?: number): Promise<(StoredLine & LineCatalog)[]> {
      return onlyId === undefined ? allLines.execute({ userId }) : oneLine.execute({ userId, id: onlyId });
    },

    /** The catalog of each (product, seller) pair, in one query; keyed `productId:sellerId`. */
    async catalogOf(wanted: { productId: number; sellerId: number }[]): Promise<Map<string, LineCatalog>> {
      const found = new Map<string, LineCatalog>();
      if (wanted.length === 0) return found;
      const rows = await pairs.execute({
        productIds: wanted.map((line) => line.productId).join(','),
        sellerIds: wanted.map((line) => line.sellerId).join(','),
      });
      for (const row of rows) found.set(pairKey(row.productId, row.sellerId), row);
      return found;
    },
  };
}

export type CartReads = ReturnType<typeof cartReads>;

const pairKey = (productId: number, sellerId: number) => `${productId}:${sellerId}`;

export const catalogFor = (
  catalog: Map<string, LineCatalog>,
  line: { productId: number; sellerId: number },
) => catalog.get(pairKey(line.productId, line.sellerId));

const gone: LineCatalog = {
  productName: null,
  productLive: false,
  thumbnailUrl: null,
  lowestPrice: null,
  sellerName: null,
  sellerLogoUrl: null,
  sellerLive: false,
  offerPrice: null,
  offerStock: null,
};

/**
 * The line as the cart shows it: today's price of the seller's offer beside the price when added.
 * A line whose product, seller or offer is gone stays, with `available: false`.
 */
export function toCartItem(line: StoredLine, catalog: LineCatalog = gone): CartItem {
  const offerLive = catalog.sellerLive && catalog.offerPrice !== null;
  const unitPrice = offerLive ? catalog.offerPrice : null;
  const stock = offerLive ? (catalog.offerStock ?? 0) : 0;
  return {
    id: line.id,
    product:
      catalog.productName === null
        ? null
        : {
            id: line.productId,
            name: catalog.productName,
            thumbnailUrl: catalog.thumbnailUrl,
            price: unitPrice ?? line.unitPriceAtAdd,
            lowestPrice: catalog.lowestPrice,
          },
    seller:
      catalog.sellerName === null
        ? null
        : { id: line.sellerId, name: catalog.sellerName, logoUrl: catalog.sellerLogoUrl },
    selectedOptions: line.selectedOptions,
    quantity: line.quantity,
    unitPrice,
    unitPriceAtAdd: line.unitPriceAtAdd,
    priceChanged: unitPrice !== null && unitPrice !== line.unitPriceAtAdd,
    available: catalog.productLive && offerLive && stock > 0,
    stock,
    createdAt: new Date(line.createdAt).toISOString(),
  };
}
