// Catalog rows, addresses and points for order tests and the orders bench: products with one
// offer of a known stock through the admin API, an address row per member (a fixture of the
// addresses module's table), points granted through the points service.
import { addresses, offers, orders, products } from '@pbshop/db';
import { eq } from 'drizzle-orm';
import type { App } from '../../src/app.ts';
import type { ApiDeps } from '../../src/deps.ts';
import { createCategory, createSeller, uniqueName } from './catalog.ts';

type AuthHeader = { authorization: string };

export interface Shop {
  categoryId: number;
  sellerId: number;
}

export interface StockedOffer {
  productId: number;
  sellerId: number;
  offerId: number;
  price: number;
}

async function inject<T>(app: App, method: 'POST', url: string, headers: AuthHeader, payload: object) {
  const response = await app.inject({ method, url, headers, payload });
  if (response.statusCode !== 201)
    throw new Error(`${method} ${url} answered ${response.statusCode}: ${response.body}`);
  return response.json().data as T;
}

/** A category and a shop to sell in it. */
export async function createShop(app: App, admin: AuthHeader): Promise<Shop> {
  const category = await createCategory(app, admin, { name: uniqueName('Order goods') });
  const seller = await createSeller(app, admin);
  return { categoryId: category.id, sellerId: seller.id };
}

/** Another shop in the same category. */
export async function addSeller(app: App, admin: AuthHeader): Promise<number> {
  return (await createSeller(app, admin)).id;
}

/** A product with one offer of `stock` units at `price` from the shop's seller (or `sellerId`). */
export async function stockedProduct(
  app: App,
  admin: AuthHeader,
  shop: Shop,
  options: { price?: number; stock: number; sellerId?: number },
): Promise<StockedOffer> {
  const product = await inject<{ id: number }>(app, 'POST', '/api/v1/products', admin, {
    categoryId: shop.categoryId,
    name: uniqueName('Orderable'),
  });
  return addOffer(app, admin, product.id, { ...options, sellerId: options.sellerId ?? shop.sellerId });
}

/** One more offer of an existing product. */
export async function addOffer(
  app: App,
  admin: AuthHeader,
  productId: number,
  options: { price?: number; stock: number; sellerId: number },
): Promise<StockedOffer> {
  const price = options.price ?? 10_000;
  const entry = await inject<{ id: number }>(app, 'POST', `/api/v1/products/${productId}/prices`, admin, {
    sellerId: options.sellerId,
    price,
    stock: options.stock,
    url: `https://shop.example.com/item/${productId}`,
  });
  return { productId, sellerId: options.sellerId, offerId: entry.id, price };
}

/** A shipping address of the member (a row of the addresses module, as a fixture). */
export async function addressOf(deps: ApiDeps, userId: number): Promise<number> {
  const [row] = await deps.database.db
    .insert(addresses)
    .values({
      userId,
      recipientName: '홍길동',
      phone: '010-1234-5678',
      zipCode: '06236',
      address: '서울 강남구 테헤란로 1',
      addressDetail: '101호',
    })
    .returning({ id: addresses.id });
  return row!.id;
}

export async function offerRow(deps: ApiDeps, offerId: number) {
  const [row] = await deps.database.db.select().from(offers).where(eq(offers.id, offerId));
  return row!;
}

export async function productRow(deps: ApiDeps, productId: number) {
  const [row] = await deps.database.db.select().from(products).where(eq(products.id, productId));
  return row!;
}

export async function ordersOf(deps: ApiDeps, userId: number) {
  return deps.database.db.select().from(orders).where(eq(orders.userId, userId));
}
