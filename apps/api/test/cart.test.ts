// CART-01..05 and ACT-06: the member cart (PostgreSQL), the guest cart (Redis, by x-cart-key) and
// the merge of one into the other at login and on request; against real PostgreSQL and Redis.
import { cartItems, offers } from '@pbshop/db';
import { type PrivateRedis, startPrivateRedis } from '@pbshop/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GUEST_CART_TTL_MS } from '../src/modules/commerce/cart/guest-store.ts';
import { strongPassword } from './auth-helpers.ts';
import { setupApiTest } from './helpers/api-test.ts';
import {
  type CategoryData,
  createCategory,
  createSeller,
  type SellerData,
  uniqueName,
} from './helpers/catalog.ts';
import { expectError, missingId } from './helpers/http.ts';
import { addressOf } from './helpers/orders.ts';
import { buildTestApp, uniqueEmail } from './helpers/users.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, user: {}, other: {} } });
const { call } = api;
let category: CategoryData;
let shop: SellerData;
let otherShop: SellerData;

beforeAll(async () => {
  category = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('Cart') });
  shop = await createSeller(api.app, api.admin.authHeader);
  otherShop = await createSeller(api.app, api.admin.authHeader);
});

interface Offer {
  productId: number;
  sellerId: number;
  offerId: number;
  productName: string;
}

/** A product with one offer of `shop` at `price` and `stock` units (stock set on the row: the fixture). */
async function productWithOffer(price = 100_000, stock = 10, seller = shop): Promise<Offer> {
  const name = uniqueName('Keyboard');
  const product = await call('POST', '/api/v1/products', {
    headers: api.admin.authHeader,
    body: { categoryId: category.id, name },
  });
  expect(product.status).toBe(201);
  return { ...(await offerOf(product.body.data.id, seller, price, stock)), productName: name };
}

async function offerOf(productId: number, seller: SellerData, price: number, stock: number) {
  const offer = await call('POST', `/api/v1/products/${productId}/prices`, {
    headers: api.admin.authHeader,
    body: { sellerId: seller.id, price, url: 'https://shop.example.com/item' },
  });
  expect(offer.status).toBe(201);
  await setStock(offer.body.data.id, stock);
  return { productId, sellerId: seller.id, offerId: offer.body.data.id as number, productName: '' };
}

/** The offer's stock set on its row, as a write of the catalog would: its product's cached reads go stale. */
async function setStock(offerId: number, stock: number) {
  const [offer] = await stockBehindTheCache(offerId, stock);
  await api.deps.cache.invalidateProduct(offer!.productId);
}

/** The offer's stock set on its row and nothing else: what no write of ours does. */
function stockBehindTheCache(offerId: number, stock: number) {
  return api.deps.database.db
    .update(offers)
    .set({ stock })
    .where(eq(offers.id, offerId))
    .returning({ productId: offers.productId });
}

const guestKey = () => `guest_${Date.now()}_${Math.random().toString(36).slice(2, 10)}`;
const asGuest = (key: string) => ({ 'x-cart-key': key });

const line = (offer: Offer, quantity: number, selectedOptions?: string) => ({
  productId: offer.productId,
  sellerId: offer.sellerId,
  quantity,
  ...(selectedOptions === undefined ? {} : { selectedOptions }),
});

async function rowsOf(userId: number) {
  return api.deps.database.db.select().from(cartItems).where(eq(cartItems.userId, userId));
}

/** A member with a password, for POST /auth/login. */
async function memberWithPassword() {
  const email = uniqueEmail('cart');
  const user = await api.deps.users.create({
    email,
    name: 'Cart Member',
    passwordHash: await api.deps.passwords.hash(strongPassword),
    role: 'USER',
    emailVerified: true,
  });
  const token = api.app.signAccessToken({ sub: String(user.id), role: user.role, ver: user.tokenVersion });
  return { user, email, authHeader: { authorization: `Bearer ${token}` } };
}

describe('member cart (CART-01..05)', () => {
  it('adds, lists with the current offer, sums the same line, changes, removes and clears', async () => {
    const member = await api.member();
    const offer = await productWithOffer(120_000, 10);
    const added = await call('POST', '/api/v1/cart', { headers: member.authHeader, body: line(offer, 2) });
    expect(added.status).toBe(201);
    expect(added.body.data).toMatchObject({
      id: expect.any(Number),
      product: {
        id: offer.productId,
        name: offer.productName,
        thumbnailUrl: null,
        price: 120_000,
        lowestPrice: 120_000,
      },
      seller: { id: shop.id, name: shop.name, logoUrl: null },
      selectedOptions: null,
      quantity: 2,
      unitPrice: 120_000,
      unitPriceAtAdd: 120_000,
      priceChanged: false,
      available: true,
      stock: 10,
    });
    const id = added.body.data.id;

    // the same line again sums; other options make another line
    const again = await call('POST', '/api/v1/cart', { headers: member.authHeader, body: line(offer, 3) });
    expect(again.body.data).toMatchObject({ id, quantity: 5 });
    const silver = await call('POST', '/api/v1/cart', {
      headers: member.authHeader,
      body: line(offer, 1, '  Silver / 512GB '),
    });
    expect(silver.status).toBe(201);
    expect(silver.body.data).toMatchObject({ selectedOptions: 'Silver / 512GB', quantity: 1 });
    expect(silver.body.data.id).not.toBe(id);

    const list = await call('GET', '/api/v1/cart', { headers: member.authHeader });
    expect(list.status).toBe(200);
    expect(list.body.data.map((item: { id: number }) => item.id)).toEqual([silver.body.data.id, id]);

    const patched = await call('PATCH', `/api/v1/cart/${id}`, {
      headers: member.authHeader,
      body: { quantity: 7 },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({ id, quantity: 7 });

    const removed = await call('DELETE', `/api/v1/cart/${id}`, { headers: member.authHeader });
    expect(removed.status).toBe(200);
    expect(removed.body.data.message).toEqual(expect.any(String));
    expectError(
      await call('DELETE', `/api/v1/cart/${id}`, { headers: member.authHeader }),
      404,
      'CART_ITEM_NOT_FOUND',
    );

    const cleared = await call('DELETE', '/api/v1/cart', { headers: member.authHeader });
    expect(cleared.status).toBe(200);
    expect(await rowsOf(member.user.id)).toEqual([]);
  });

  it('never goes past the offer stock, nor 999 a line', async () => {
    const member = await api.member();
    const offer = await productWithOffer(50_000, 5);
    expectError(
      await call('POST', '/api/v1/cart', { headers: member.authHeader, body: line(offer, 6) }),
      400,
      'INSUFFICIENT_STOCK',
    );
    const added = await call('POST', '/api/v1/cart', { headers: member.authHeader, body: line(offer, 4) });
    const refused = await call('POST', '/api/v1/cart', { headers: member.authHeader, body: line(offer, 2) });
    expectError(refused, 400, 'INSUFFICIENT_STOCK');
    expect(refused.body.error.details).toEqual({ stock: 5, inCart: 4, requested: 2 });
    const id = added.body.data.id;
    expectError(
      await call('PATCH', `/api/v1/cart/${id}`, { headers: member.authHeader, body: { quantity: 6 } }),
      400,
      'INSUFFICIENT_STOCK',
    );
    // going down is always allowed, even when the stock fell below the line
    await setStock(offer.offerId, 1);
    const down = await call('PATCH', `/api/v1/cart/${id}`, {
      headers: member.authHeader,
      body: { quantity: 2 },
    });
    expect(down.status).toBe(200);
    expect(down.body.data).toMatchObject({ quantity: 2, stock: 1, available: true });

    const plenty = await productWithOffer(1000, 5000);
    await call('POST', '/api/v1/cart', { headers: member.authHeader, body: line(plenty, 999) });
    expectError(
      await call('POST', '/api/v1/cart', { headers: member.authHeader, body: line(plenty, 1) }),
      400,
      'VALIDATION_ERROR',
    );
    const [row] = (await rowsOf(member.user.id)).filter((item) => item.productId === plenty.productId);
    expect(row?.quantity).toBe(999);
  });

  it('refuses unknown products and sellers without an offer, and bad input, writing nothing', async () => {
    const member = await api.member();
    const offer = await productWithOffer();
    const bodies: [object, number, string][] = [
      [{ ...line(offer, 1), productId: missingId }, 404, 'PRODUCT_NOT_FOUND'],
      [{ ...line(offer, 1), sellerId: otherShop.id }, 404, 'OFFER_NOT_FOUND'],
      [{ ...line(offer, 1), sellerId: missingId }, 404, 'OFFER_NOT_FOUND'],
      [line(offer, 0), 400, 'VALIDATION_ERROR'],
      [line(offer, 1000), 400, 'VALIDATION_ERROR'],
      [line(offer, 1.5), 400, 'VALIDATION_ERROR'],
      [{ ...line(offer, 1), quantity: '2' }, 400, 'VALIDATION_ERROR'],
      [{ ...line(offer, 1), productId: String(offer.productId) }, 400, 'VALIDATION_ERROR'],
      [line(offer, 1, 'x'.repeat(201)), 400, 'VALIDATION_ERROR'],
      [line(offer, 1, 'red\u0000blue'), 400, 'VALIDATION_ERROR'],
      [{ sellerId: offer.sellerId, quantity: 1 }, 400, 'VALIDATION_ERROR'],
    ];
    const key = guestKey();
    for (const [body, status, code] of bodies) {
      expectError(await call('POST', '/api/v1/cart', { headers: member.authHeader, body }), status, code);
      expectError(await call('POST', '/api/v1/cart/guest', { headers: asGuest(key), body }), status, code);
    }
    expect(await api.deps.redis.exists(`${api.ctx.env.REDIS_KEY_PREFIX}:cart:guest:{${key}}`)).toBe(0);
    // a deleted product is not found either
    const gone = await productWithOffer();
    await call('DELETE', `/api/v1/products/${gone.productId}`, { headers: api.admin.authHeader });
    expectError(
      await call('POST', '/api/v1/cart', { headers: member.authHeader, body: line(gone, 1) }),
      404,
      'PRODUCT_NOT_FOUND',
    );
    expect(await rowsOf(member.user.id)).toEqual([]);
    expectError(
      await call('PATCH', '/api/v1/cart/1', { headers: member.authHeader, body: { quantity: 0 } }),
      400,
      'VALIDATION_ERROR',
    );
  });

  it('sums concurrent adds of one line into one row', async () => {
    const member = await api.member();
    const offer = await productWithOffer(10_000, 500);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        call('POST', '/api/v1/cart', { headers: member.authHeader, body: line(offer, 3) }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(201));
    const rows = await rowsOf(member.user.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.quantity).toBe(60);
  });

  it('flags a price changed through the prices API with both prices; a withdrawn offer leaves the line unavailable', async () => {
    const member = await api.member();
    const offer = await productWithOffer(200_000, 10);
    const added = await call('POST', '/api/v1/cart', { headers: member.authHeader, body: line(offer, 1) });
    const changed = await call('PATCH', `/api/v1/prices/${offer.offerId}`, {
      headers: api.admin.authHeader,
      body: { price: 180_000 },
    });
    expect(changed.status).toBe(200);
    const list = await call('GET', '/api/v1/cart', { headers: member.authHeader });
    expect(list.body.data[0]).toMatchObject({
      id: added.body.data.id,
      product: { price: 180_000, lowestPrice: 180_000 },
      unitPrice: 180_000,
      unitPriceAtAdd: 200_000,
      priceChanged: true,
      available: true,
    });
    // adding the same line again takes today's price as the price when added
    const again = await call('POST', '/api/v1/cart', { headers: member.authHeader, body: line(offer, 1) });
    expect(again.body.data).toMatchObject({ quantity: 2, unitPriceAtAdd: 180_000, priceChanged: false });

    expect(
      (await call('DELETE', `/api/v1/prices/${offer.offerId}`, { headers: api.admin.authHeader })).status,
    ).toBe(200);
    const after = await call('GET', '/api/v1/cart', { headers: member.authHeader });
    expect(after.status).toBe(200);
    expect(after.body.data[0]).toMatchObject({
      product: { id: offer.productId, price: 180_000 },
      unitPrice: null,
      priceChanged: false,
      available: false,
      stock: 0,
    });
    // and with no stock left the line stays, unavailable
    const soldOut = await productWithOffer(5000, 3);
    await call('POST', '/api/v1/cart', { headers: member.authHeader, body: line(soldOut, 1) });
    await setStock(soldOut.offerId, 0);
    const listed = await call('GET', '/api/v1/cart', { headers: member.authHeader });
    expect(listed.body.data[0]).toMatchObject({
      product: { id: soldOut.productId },
      available: false,
      stock: 0,
    });
  });

  it("shows the offer's stock and price exactly as they are after each order, cancel and price change", async () => {
    const member = await api.member();
    const buyer = await api.member();
    const key = guestKey();
    const offer = await productWithOffer(50_000, 6);
    await call('POST', '/api/v1/cart', { headers: member.authHeader, body: line(offer, 2) });
    await call('POST', '/api/v1/cart/guest', { headers: asGuest(key), body: line(offer, 2) });
    const carts = async () => [
      (await call('GET', '/api/v1/cart', { headers: member.authHeader })).body.data[0],
      (await call('GET', '/api/v1/cart/guest', { headers: asGuest(key) })).body.data[0],
    ];
    // both carts read (and whatever keeps them) before every change
    for (const item of await carts())
      expect(item).toMatchObject({ stock: 6, available: true, priceChanged: false });

    const order = async (quantity: number) => {
      const placed = await call('POST', '/api/v1/orders', {
        headers: buyer.authHeader,
        body: {
          addressId: await addressOf(api.deps, buyer.user.id),
          items: [{ productId: offer.productId, sellerId: offer.sellerId, quantity }],
        },
      });
      expect(placed.status, JSON.stringify(placed.body)).toBe(201);
      return placed.body.data.id as number;
    };
    await order(1);
    for (const item of await carts()) expect(item).toMatchObject({ stock: 5, available: true });
    const last = await order(5);
    for (const item of await carts()) expect(item).toMatchObject({ stock: 0, available: false });
    const cancelled = await call('POST', `/api/v1/orders/${last}/cancel`, { headers: buyer.authHeader });
    expect(cancelled.status).toBe(200);
    for (const item of await carts()) expect(item).toMatchObject({ stock: 5, available: true });
    const repriced = await call('PATCH', `/api/v1/prices/${offer.offerId}`, {
      headers: api.admin.authHeader,
      body: { price: 47_000 },
    });
    expect(repriced.status).toBe(200);
    for (const item of await carts()) {
      expect(item).toMatchObject({ unitPrice: 47_000, unitPriceAtAdd: 50_000, priceChanged: true, stock: 5 });
    }
  });

  it("answers 404 for another member's line and changes nothing", async () => {
    const offer = await productWithOffer();
    const added = await call('POST', '/api/v1/cart', { headers: api.user.authHeader, body: line(offer, 2) });
    const id = added.body.data.id;
    expectError(
      await call('PATCH', `/api/v1/cart/${id}`, { headers: api.other.authHeader, body: { quantity: 1 } }),
      404,
      'CART_ITEM_NOT_FOUND',
    );
    expectError(
      await call('DELETE', `/api/v1/cart/${id}`, { headers: api.other.authHeader }),
      404,
      'CART_ITEM_NOT_FOUND',
    );
    await call('DELETE', '/api/v1/cart', { headers: api.other.authHeader });
    const mine = await call('GET', '/api/v1/cart', { headers: api.user.authHeader });
    expect(mine.body.data).toEqual([expect.objectContaining({ id, quantity: 2 })]);
    // nor does a guest key reach a member's line
    expectError(
      await call('DELETE', `/api/v1/cart/guest/${id}`, { headers: asGuest(guestKey()) }),
      404,
      'CART_ITEM_NOT_FOUND',
    );
  });

  it('gives the orders module the member lines and removes them in its transaction', async () => {
    const member = await api.member();
    const offer = await productWithOffer();
    const first = await call('POST', '/api/v1/cart', { headers: member.authHeader, body: line(offer, 2) });
    const second = await call('POST', '/api/v1/cart', {
      headers: member.authHeader,
      body: line(offer, 1, 'Blue'),
    });
    const foreign = await call('POST', '/api/v1/cart', {
      headers: api.other.authHeader,
      body: line(offer, 1),
    });
    const ids = [first.body.data.id, second.body.data.id, foreign.body.data.id, missingId];
    const lines = await api.deps.cart.linesOf(member.user.id, ids);
    expect(lines.sort((a, b) => a.id - b.id)).toEqual([
      {
        id: first.body.data.id,
        productId: offer.productId,
        sellerId: shop.id,
        selectedOptions: null,
        quantity: 2,
      },
      {
        id: second.body.data.id,
        productId: offer.productId,
        sellerId: shop.id,
        selectedOptions: 'Blue',
        quantity: 1,
      },
    ]);
    await api.deps.database.db.transaction((tx) => api.deps.cart.removeLines(tx, member.user.id, ids));
    expect(await rowsOf(member.user.id)).toEqual([]);
    expect((await api.deps.cart.linesOf(api.other.user.id, [foreign.body.data.id])).length).toBe(1);
  });
});

describe('the member cart, cached', () => {
  /** the cart as GET /cart shows it, read until a read is answered from the cache (3 reads: see memberCart) */
  const cartOf = async (member: { authHeader: Record<string, string> }) => {
    const list = await call('GET', '/api/v1/cart', { headers: member.authHeader });
    expect(list.status).toBe(200);
    return list.body.data as {
      id: number;
      quantity: number;
      stock: number;
      unitPrice: number | null;
      priceChanged: boolean;
      available: boolean;
      product: { id: number; thumbnailUrl: string | null } | null;
      seller: { name: string } | null;
    }[];
  };
  const warm = async (member: { authHeader: Record<string, string> }) => {
    for (let read = 0; read < 3; read += 1) await cartOf(member);
  };

  it('is served from the cache, and shows every change made through the API at once', async () => {
    const member = await api.member();
    const seller = await createSeller(api.app, api.admin.authHeader);
    const first = await productWithOffer(30_000, 8, seller);
    const second = await productWithOffer(40_000, 8, seller);
    const added = await call('POST', '/api/v1/cart', { headers: member.authHeader, body: line(first, 2) });
    await warm(member);

    // a row changed behind the API's back is not seen: the body comes from the cache
    await stockBehindTheCache(first.offerId, 20);
    expect((await cartOf(member))[0]).toMatchObject({ stock: 8 });

    // the product's offer through the prices API
    await call('PATCH', `/api/v1/prices/${first.offerId}`, {
      headers: api.admin.authHeader,
      body: { price: 27_000 },
    });
    expect((await cartOf(member))[0]).toMatchObject({ stock: 20, unitPrice: 27_000, priceChanged: true });
    await warm(member);

    // another member's order takes units without changing the offer's stock state: the exact
    // units still show, and so does the cancel that gives them back
    await warm(member);
    const buyer = await api.member();
    const bought = await call('POST', '/api/v1/orders', {
      headers: buyer.authHeader,
      body: {
        addressId: await addressOf(api.deps, buyer.user.id),
        items: [{ productId: first.productId, sellerId: seller.id, quantity: 1 }],
      },
    });
    expect(bought.status).toBe(201);
    expect((await cartOf(member))[0]).toMatchObject({ stock: 19 });
    await warm(member);
    expect(
      (await call('POST', `/api/v1/orders/${bought.body.data.id}/cancel`, { headers: buyer.authHeader }))
        .status,
    ).toBe(200);
    expect((await cartOf(member))[0]).toMatchObject({ stock: 20 });

    // a line added: the cart's own version; then one of a product not in the cache's key
    await call('POST', '/api/v1/cart', { headers: member.authHeader, body: line(second, 1) });
    expect((await cartOf(member)).map((item) => item.product?.id)).toEqual([
      second.productId,
      first.productId,
    ]);
    await warm(member);
    await call('PATCH', `/api/v1/prices/${second.offerId}`, {
      headers: api.admin.authHeader,
      body: { price: 39_000 },
    });
    expect((await cartOf(member))[0]).toMatchObject({ unitPrice: 39_000, priceChanged: true });

    // the product's images, the seller's name
    await call('POST', `/api/v1/products/${first.productId}/images`, {
      headers: api.admin.authHeader,
      body: { url: 'https://img.example.com/cached-cart.jpg' },
    });
    expect((await cartOf(member))[1]!.product?.thumbnailUrl).toBe('https://img.example.com/cached-cart.jpg');
    await warm(member);
    const renamed = uniqueName('Renamed shop');
    expect(
      (
        await call('PATCH', `/api/v1/sellers/${seller.id}`, {
          headers: api.admin.authHeader,
          body: { name: renamed },
        })
      ).status,
    ).toBe(200);
    expect((await cartOf(member)).map((item) => item.seller?.name)).toEqual([renamed, renamed]);

    // the quantity, a line removed
    await warm(member);
    await call('PATCH', `/api/v1/cart/${added.body.data.id}`, {
      headers: member.authHeader,
      body: { quantity: 3 },
    });
    expect((await cartOf(member))[1]).toMatchObject({ quantity: 3 });
    await warm(member);
    await call('DELETE', `/api/v1/cart/${added.body.data.id}`, { headers: member.authHeader });
    expect((await cartOf(member)).map((item) => item.product?.id)).toEqual([second.productId]);

    // an order placed from the cart: its lines leave in the order's transaction
    await warm(member);
    const [remaining] = await cartOf(member);
    const order = await call('POST', '/api/v1/orders', {
      headers: member.authHeader,
      body: {
        addressId: await addressOf(api.deps, member.user.id),
        fromCart: true,
        cartItemIds: [remaining!.id],
        items: [],
      },
    });
    expect(order.status).toBe(201);
    expect(await cartOf(member)).toEqual([]);

    // a guest cart merged in at login, and the cart emptied
    const withPassword = await memberWithPassword();
    const key = guestKey();
    await call('POST', '/api/v1/cart/guest', { headers: asGuest(key), body: line(first, 1) });
    await warm(withPassword);
    const login = await call('POST', '/api/v1/auth/login', {
      headers: asGuest(key),
      body: { email: withPassword.email, password: strongPassword },
    });
    expect(login.status).toBe(200);
    expect((await cartOf(withPassword)).map((item) => item.product?.id)).toEqual([first.productId]);
    await warm(withPassword);
    await call('DELETE', '/api/v1/cart', { headers: withPassword.authHeader });
    expect(await cartOf(withPassword)).toEqual([]);
  });

  it('a guest cart too: cached, and current after each write to it, its offers, or a merge', async () => {
    const key = guestKey();
    const guestCart = async () => {
      const list = await call('GET', '/api/v1/cart/guest', { headers: asGuest(key) });
      expect(list.status).toBe(200);
      return list.body.data as { id: number; quantity: number; stock: number; unitPrice: number }[];
    };
    const warmGuest = async () => {
      for (let read = 0; read < 3; read += 1) await guestCart();
    };
    const offer = await productWithOffer(20_000, 6);
    const added = await call('POST', '/api/v1/cart/guest', { headers: asGuest(key), body: line(offer, 1) });
    expect(added.status).toBe(201);
    await warmGuest();
    await stockBehindTheCache(offer.offerId, 4);
    expect((await guestCart())[0]).toMatchObject({ stock: 6 });
    await call('PATCH', `/api/v1/prices/${offer.offerId}`, {
      headers: api.admin.authHeader,
      body: { price: 19_000 },
    });
    expect((await guestCart())[0]).toMatchObject({ stock: 4, unitPrice: 19_000 });
    await warmGuest();
    await call('PATCH', `/api/v1/cart/guest/${added.body.data.id}`, {
      headers: asGuest(key),
      body: { quantity: 2 },
    });
    expect((await guestCart())[0]).toMatchObject({ quantity: 2 });
    await warmGuest();
    const member = await memberWithPassword();
    const merged = await call('POST', '/api/v1/cart/guest/merge', {
      headers: { ...member.authHeader, ...asGuest(key) },
    });
    expect(merged.status).toBe(200);
    expect(await guestCart()).toEqual([]);
  });

  it("a replica sees another replica's change at once", async () => {
    const replica = await buildTestApp(api.ctx);
    try {
      const member = await api.member();
      const offer = await productWithOffer(10_000, 4);
      await call('POST', '/api/v1/cart', { headers: member.authHeader, body: line(offer, 1) });
      const readThere = async () =>
        (await replica.app.inject({ method: 'GET', url: '/api/v1/cart', headers: member.authHeader })).json()
          .data;
      for (let read = 0; read < 3; read += 1) await readThere();
      await call('PATCH', `/api/v1/prices/${offer.offerId}`, {
        headers: api.admin.authHeader,
        body: { price: 9_000 },
      });
      expect((await readThere())[0]).toMatchObject({ unitPrice: 9_000, priceChanged: true });
      await call('POST', '/api/v1/cart', { headers: member.authHeader, body: line(offer, 1) });
      expect((await readThere())[0]).toMatchObject({ quantity: 2 });
    } finally {
      await replica.close();
    }
  });
});

describe('guest cart (x-cart-key, Redis)', () => {
  const ttlOf = async (key: string) =>
    api.deps.redis.pttl(`${api.ctx.env.REDIS_KEY_PREFIX}:cart:guest:{${key}}`);

  it('adds, lists, changes, removes and clears under one key; another key sees nothing', async () => {
    const key = guestKey();
    const offer = await productWithOffer(30_000, 10);
    const added = await call('POST', '/api/v1/cart/guest', { headers: asGuest(key), body: line(offer, 2) });
    expect(added.status).toBe(201);
    expect(added.body.data).toMatchObject({
      id: expect.any(Number),
      product: { id: offer.productId, name: offer.productName, price: 30_000, lowestPrice: 30_000 },
      seller: { id: shop.id, name: shop.name },
      selectedOptions: null,
      quantity: 2,
      unitPrice: 30_000,
      unitPriceAtAdd: 30_000,
      priceChanged: false,
      available: true,
      stock: 10,
      createdAt: expect.any(String),
    });
    const id = added.body.data.id;
    expect(Number.isSafeInteger(id) && id > 0).toBe(true);
    const again = await call('POST', '/api/v1/cart/guest', { headers: asGuest(key), body: line(offer, 3) });
    expect(again.body.data).toMatchObject({ id, quantity: 5 });
    const blue = await call('POST', '/api/v1/cart/guest', {
      headers: asGuest(key),
      body: line(offer, 1, 'Blue'),
    });
    expect(blue.body.data.id).not.toBe(id);
    expectError(
      await call('POST', '/api/v1/cart/guest', { headers: asGuest(key), body: line(offer, 6) }),
      400,
      'INSUFFICIENT_STOCK',
    );

    const list = await call('GET', '/api/v1/cart/guest', { headers: asGuest(key) });
    expect(list.body.data.map((item: { id: number; quantity: number }) => [item.id, item.quantity])).toEqual([
      [blue.body.data.id, 1],
      [id, 5],
    ]);
    expect((await call('GET', '/api/v1/cart/guest', { headers: asGuest(guestKey()) })).body.data).toEqual([]);
    expectError(
      await call('PATCH', `/api/v1/cart/guest/${id}`, {
        headers: asGuest(guestKey()),
        body: { quantity: 1 },
      }),
      404,
      'CART_ITEM_NOT_FOUND',
    );

    const patched = await call('PATCH', `/api/v1/cart/guest/${id}`, {
      headers: asGuest(key),
      body: { quantity: 8 },
    });
    expect(patched.body.data).toMatchObject({ id, quantity: 8 });
    expectError(
      await call('PATCH', `/api/v1/cart/guest/${id}`, { headers: asGuest(key), body: { quantity: 11 } }),
      400,
      'INSUFFICIENT_STOCK',
    );
    expect((await call('DELETE', `/api/v1/cart/guest/${id}`, { headers: asGuest(key) })).status).toBe(200);
    expectError(
      await call('DELETE', `/api/v1/cart/guest/${id}`, { headers: asGuest(key) }),
      404,
      'CART_ITEM_NOT_FOUND',
    );
    expect((await call('GET', '/api/v1/cart/guest', { headers: asGuest(key) })).body.data).toHaveLength(1);
    expect((await call('DELETE', '/api/v1/cart/guest', { headers: asGuest(key) })).status).toBe(200);
    expect((await call('GET', '/api/v1/cart/guest', { headers: asGuest(key) })).body.data).toEqual([]);
  });

  it('keeps a guest cart 24 hours from its last write', async () => {
    const key = guestKey();
    const offer = await productWithOffer();
    const added = await call('POST', '/api/v1/cart/guest', { headers: asGuest(key), body: line(offer, 1) });
    const ttl = await ttlOf(key);
    expect(ttl).toBeGreaterThan(GUEST_CART_TTL_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(GUEST_CART_TTL_MS);
    expect(GUEST_CART_TTL_MS).toBe(24 * 60 * 60 * 1000);
    // a write refreshes it
    await api.deps.redis.pexpire(`${api.ctx.env.REDIS_KEY_PREFIX}:cart:guest:{${key}}`, 60_000);
    await call('PATCH', `/api/v1/cart/guest/${added.body.data.id}`, {
      headers: asGuest(key),
      body: { quantity: 2 },
    });
    expect(await ttlOf(key)).toBeGreaterThan(GUEST_CART_TTL_MS - 60_000);
    await api.deps.redis.pexpire(`${api.ctx.env.REDIS_KEY_PREFIX}:cart:guest:{${key}}`, 60_000);
    await call('POST', '/api/v1/cart/guest', { headers: asGuest(key), body: line(offer, 1) });
    expect(await ttlOf(key)).toBeGreaterThan(GUEST_CART_TTL_MS - 60_000);
  });

  it('answers 400 CART_KEY_REQUIRED without a well-formed key, writing nothing', async () => {
    const offer = await productWithOffer();
    const keys: (Record<string, string> | undefined)[] = [
      undefined,
      { 'x-cart-key': '' },
      { 'x-cart-key': 'x'.repeat(101) },
      { 'x-cart-key': 'guest key' },
      { 'x-cart-key': 'guest:1' },
      { 'x-cart-key': '{tag}' },
      { 'x-cart-key': '../../etc' },
    ];
    for (const headers of keys) {
      for (const [method, url, body] of [
        ['GET', '/api/v1/cart/guest', undefined],
        ['POST', '/api/v1/cart/guest', line(offer, 1)],
        ['PATCH', '/api/v1/cart/guest/1', { quantity: 1 }],
        ['DELETE', '/api/v1/cart/guest/1', undefined],
        ['DELETE', '/api/v1/cart/guest', undefined],
      ] as const) {
        expectError(await call(method, url, { headers, body }), 400, 'CART_KEY_REQUIRED');
      }
    }
    const keysWritten = await api.deps.redis.keys(`${api.ctx.env.REDIS_KEY_PREFIX}:cart:guest:{x*`);
    expect(keysWritten).toEqual([]);
    // the longest and the storefront's own shape are fine
    const longest = 'a'.repeat(100);
    expect((await call('GET', '/api/v1/cart/guest', { headers: asGuest(longest) })).status).toBe(200);
  });

  it('sums concurrent adds of one line into one line', async () => {
    const key = guestKey();
    const offer = await productWithOffer(10_000, 500);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        call('POST', '/api/v1/cart/guest', { headers: asGuest(key), body: line(offer, 2) }),
      ),
    );
    expect(new Set(answers.map((answer) => answer.body.data.id)).size).toBe(1);
    const list = await call('GET', '/api/v1/cart/guest', { headers: asGuest(key) });
    expect(list.body.data).toEqual([expect.objectContaining({ quantity: 40 })]);
  });

  it('flags a changed price and keeps a line whose product is gone, unavailable', async () => {
    const key = guestKey();
    const offer = await productWithOffer(70_000, 10);
    await call('POST', '/api/v1/cart/guest', { headers: asGuest(key), body: line(offer, 1) });
    await call('PATCH', `/api/v1/prices/${offer.offerId}`, {
      headers: api.admin.authHeader,
      body: { price: 75_000 },
    });
    const list = await call('GET', '/api/v1/cart/guest', { headers: asGuest(key) });
    expect(list.body.data[0]).toMatchObject({
      unitPrice: 75_000,
      unitPriceAtAdd: 70_000,
      priceChanged: true,
    });
    await call('DELETE', `/api/v1/products/${offer.productId}`, { headers: api.admin.authHeader });
    const after = await call('GET', '/api/v1/cart/guest', { headers: asGuest(key) });
    expect(after.status).toBe(200);
    expect(after.body.data[0]).toMatchObject({ available: false });
  });
});

describe('guest cart merge (ACT-06)', () => {
  /** A guest cart of three lines: 3 of A (stock 5), 2 of B (stock 10), 1 of C (sold out by then). */
  async function guestCartFor(member: { authHeader: { authorization: string } }) {
    const key = guestKey();
    const a = await productWithOffer(10_000, 5);
    const b = await productWithOffer(20_000, 10);
    const c = await productWithOffer(30_000, 4);
    for (const [offer, quantity] of [
      [a, 3],
      [b, 2],
      [c, 1],
    ] as const) {
      const added = await call('POST', '/api/v1/cart/guest', {
        headers: asGuest(key),
        body: line(offer, quantity),
      });
      expect(added.status).toBe(201);
    }
    // the member already holds 4 of A: 4 + 3 is capped at A's stock of 5
    await call('POST', '/api/v1/cart', { headers: member.authHeader, body: line(a, 4) });
    await setStock(c.offerId, 0);
    return { key, a, b, c };
  }

  const quantities = async (userId: number) =>
    Object.fromEntries((await rowsOf(userId)).map((row) => [row.productId, row.quantity]));

  it('merges on login with x-cart-key: summed, capped by stock, sold-out lines dropped, guest cart gone', async () => {
    const member = await memberWithPassword();
    const { key, a, b, c } = await guestCartFor(member);
    const login = await call('POST', '/api/v1/auth/login', {
      headers: asGuest(key),
      body: { email: member.email, password: strongPassword },
    });
    expect(login.status).toBe(200);
    expect(await quantities(member.user.id)).toEqual({ [a.productId]: 5, [b.productId]: 2 });
    expect((await call('GET', '/api/v1/cart/guest', { headers: asGuest(key) })).body.data).toEqual([]);
    expect(c.productId).toBeGreaterThan(0);
    // a second login with the same key merges nothing more
    const again = await call('POST', '/api/v1/auth/login', {
      headers: asGuest(key),
      body: { email: member.email, password: strongPassword },
    });
    expect(again.status).toBe(200);
    expect(await quantities(member.user.id)).toEqual({ [a.productId]: 5, [b.productId]: 2 });
  });

  it('a merge that fails does not fail the login and puts the guest cart back; a malformed key is ignored', async () => {
    const member = await memberWithPassword();
    const key = guestKey();
    const cartKey = `${api.ctx.env.REDIS_KEY_PREFIX}:cart:guest:{${key}}`;
    // a stored line PostgreSQL refuses (a product id past bigint): the merge's statement fails
    await api.deps.redis.hset(cartKey, {
      'l:1': JSON.stringify({
        productId: 1e20,
        sellerId: shop.id,
        selectedOptions: null,
        createdAt: new Date().toISOString(),
        key: 'broken',
      }),
      'q:1': '1',
      'p:1': '1000',
      'k:broken': '1',
    });
    const credentials = { email: member.email, password: strongPassword };
    const login = await call('POST', '/api/v1/auth/login', { headers: asGuest(key), body: credentials });
    expect(login.status).toBe(200);
    expect(login.body.data.accessToken).toEqual(expect.any(String));
    expect(await api.deps.redis.hlen(cartKey)).toBe(4);
    expect(await rowsOf(member.user.id)).toEqual([]);
    const malformed = await call('POST', '/api/v1/auth/login', {
      headers: asGuest('not a key!'),
      body: credentials,
    });
    expect(malformed.status).toBe(200);
  });

  it('merges through POST /cart/guest/merge, once even when asked twice at once', async () => {
    const member = await api.member();
    const { key, a, b, c } = await guestCartFor(member);
    const answers = await Promise.all(
      [1, 2].map(() =>
        call('POST', '/api/v1/cart/guest/merge', { headers: { ...member.authHeader, ...asGuest(key) } }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    const [full, empty] = [...answers].sort((x, y) => y.body.data.merged - x.body.data.merged);
    expect(full!.body.data).toMatchObject({
      merged: 2,
      dropped: 1,
      droppedLines: [
        {
          productId: c.productId,
          sellerId: shop.id,
          selectedOptions: null,
          quantity: 1,
          reason: 'OUT_OF_STOCK',
        },
      ],
    });
    expect(empty!.body.data).toMatchObject({ merged: 0, dropped: 0, droppedLines: [] });
    expect(await quantities(member.user.id)).toEqual({ [a.productId]: 5, [b.productId]: 2 });
    const items = full!.body.data.items as { product: { id: number }; quantity: number }[];
    expect(items.map((item) => [item.product.id, item.quantity]).sort()).toEqual(
      [
        [a.productId, 5],
        [b.productId, 2],
      ].sort(),
    );
    // and once more, afterwards: nothing
    const later = await call('POST', '/api/v1/cart/guest/merge', {
      headers: { ...member.authHeader, ...asGuest(key) },
    });
    expect(later.body.data).toMatchObject({ merged: 0, dropped: 0 });
    expect(await quantities(member.user.id)).toEqual({ [a.productId]: 5, [b.productId]: 2 });
  });

  it('needs a member and a key', async () => {
    expectError(
      await call('POST', '/api/v1/cart/guest/merge', { headers: asGuest(guestKey()) }),
      401,
      'UNAUTHORIZED',
    );
    expectError(
      await call('POST', '/api/v1/cart/guest/merge', { headers: api.user.authHeader }),
      400,
      'CART_KEY_REQUIRED',
    );
  });

  it("keeps a member's own larger quantity and unit price; a guest line already in the cart is not duplicated", async () => {
    const member = await api.member();
    const key = guestKey();
    const offer = await productWithOffer(10_000, 3);
    await call('POST', '/api/v1/cart/guest', { headers: asGuest(key), body: line(offer, 2) });
    await call('POST', '/api/v1/cart', { headers: member.authHeader, body: line(offer, 3) });
    const merged = await call('POST', '/api/v1/cart/guest/merge', {
      headers: { ...member.authHeader, ...asGuest(key) },
    });
    expect(merged.body.data).toMatchObject({ merged: 1, dropped: 0 });
    const rows = await api.deps.database.db
      .select()
      .from(cartItems)
      .where(and(eq(cartItems.userId, member.user.id), eq(cartItems.productId, offer.productId)));
    expect(rows.map((row) => row.quantity)).toEqual([3]);
  });
});

describe('guest cart while Redis is unreachable', () => {
  let redis: PrivateRedis;
  let outage: Awaited<ReturnType<typeof buildTestApp>>;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    outage = await buildTestApp(api.ctx, { REDIS_URL: redis.url, LOG_LEVEL: 'error' });
    await outage.app.ready();
  });

  afterAll(async () => {
    await outage?.close();
    await redis?.stop();
  });

  it('answers 503 SERVICE_UNAVAILABLE, while member carts and the login (its merge skipped) work', async () => {
    const offer = await productWithOffer();
    const member = await memberWithPassword();
    await redis.stop();
    const send = async (
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      headers: object,
      body?: object,
    ) => {
      const response = await outage.app.inject({
        method,
        url,
        headers: headers as Record<string, string>,
        ...(body ? { payload: body } : {}),
      });
      return { status: response.statusCode, body: response.json() };
    };
    const headers = asGuest(guestKey());
    for (const [method, url, body] of [
      ['GET', '/api/v1/cart/guest', undefined],
      ['POST', '/api/v1/cart/guest', line(offer, 1)],
      ['PATCH', '/api/v1/cart/guest/1', { quantity: 1 }],
      ['DELETE', '/api/v1/cart/guest/1', undefined],
      ['DELETE', '/api/v1/cart/guest', undefined],
    ] as const) {
      expectError(await send(method, url, headers, body), 503, 'SERVICE_UNAVAILABLE');
    }
    expectError(
      await send('POST', '/api/v1/cart/guest/merge', { ...member.authHeader, ...headers }),
      503,
      'SERVICE_UNAVAILABLE',
    );
    const added = await send('POST', '/api/v1/cart', member.authHeader, line(offer, 1));
    expect(added.status).toBe(201);
    const login = await send('POST', '/api/v1/auth/login', headers, {
      email: member.email,
      password: strongPassword,
    });
    expect(login.status).toBe(200);
    expect((await rowsOf(member.user.id)).map((row) => row.quantity)).toEqual([1]);
  });
});
