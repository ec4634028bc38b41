import { type Database, productThumbnail } from '@pbshop/db';
import { type SQL, sql } from 'drizzle-orm';
import type { CartItem } from './schemas.ts';

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
export type Executor = Database | Transaction;

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

/**
 * The catalog columns of a line whose `product_id` and `seller_id` the enclosing query names
 * `line`, joined as `products`, `seller` and `offer` (see `catalogJoins`).
 */
const catalogColumns = sql`
  products.name as "productName",
  (products.id is not null and products.deleted_at is null) as "productLive",
  ${productThumbnail()} as "thumbnailUrl",
  products.lowest_price as "lowestPrice",
  seller.name as "sellerName",
  seller.logo_url as "sellerLogoUrl",
  (seller.id is not null and seller.deleted_at is null) as "sellerLive",
  offer.price as "offerPrice",
  offer.stock as "offerStock"`;

const catalogJoins = sql`
  left join products on products.id = line.product_id
  left join sellers seller on seller.id = line.seller_id
  left join offers offer on offer.product_id = line.product_id and offer.seller_id = line.seller_id`;

/**
 * A member's lines with their catalog, newest first, in one query (`onlyId`: that line alone).
 * A line whose product or seller row is gone is gone too (the foreign keys cascade).
 */
export function memberLines(
  db: Executor,
  userId: number,
  onlyId?: number,
): Promise<(StoredLine & LineCatalog)[]> {
  const only = onlyId === undefined ? sql`` : sql`and line.id = ${onlyId}`;
  return db.execute(sql`
    select line.id, line.product_id as "productId", line.seller_id as "sellerId",
      line.selected_options as "selectedOptions", line.quantity,
      line.unit_price_at_add as "unitPriceAtAdd", line.created_at as "createdAt",
      ${catalogColumns}
    from cart_items line
    ${catalogJoins}
    where line.user_id = ${userId} ${only}
    order by line.created_at desc, line.id desc`) as unknown as Promise<(StoredLine & LineCatalog)[]>;
}

const pairKey = (productId: number, sellerId: number) => `${productId}:${sellerId}`;

/** The catalog of each (product, seller) pair, in one query; keyed `productId:sellerId`. */
export async function catalogOf(
  db: Executor,
  pairs: { productId: number; sellerId: number }[],
): Promise<Map<string, LineCatalog>> {
  const found = new Map<string, LineCatalog>();
  if (pairs.length === 0) return found;
  const wanted: SQL[] = pairs.map(
    ({ productId, sellerId }) => sql`(${productId}::bigint, ${sellerId}::bigint)`,
  );
  const rows = (await db.execute(sql`
    select line.product_id as "productId", line.seller_id as "sellerId", ${catalogColumns}
    from (values ${sql.join(wanted, sql`, `)}) as line(product_id, seller_id)
    ${catalogJoins}`)) as unknown as (LineCatalog & { productId: number; sellerId: number })[];
  for (const row of rows) found.set(pairKey(row.productId, row.sellerId), row);
  return found;
}

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
