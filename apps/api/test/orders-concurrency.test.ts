// ORD-02 under load: many members ordering one scarce offer at once never oversell it, and the
// offer's sell-out reaches the product's aggregates and the search outbox exactly as an offer
// change does; against real PostgreSQL and Redis.
import { orderItems, orders, searchOutbox } from '@pbshop/db';
import { and, count, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import {
  addOffer,
  addressOf,
  addSeller,
  createShop,
  offerRow,
  productRow,
  type Shop,
  stockedProduct,
} from './helpers/orders.ts';
import type { Member } from './helpers/users.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' } } });
let shop: Shop;
let buyers: { member: Member; addressId: number }[];

beforeAll(async () => {
  shop = await createShop(api.app, api.admin.authHeader);
  buyers = [];
  for (let i = 0; i < 20; i++) {
    const member = await api.member();
    buyers.push({ member, addressId: await addressOf(api.deps, member.user.id) });
  }
});

describe('concurrent orders on one offer', () => {
  it('200 orders for 10 units: exactly 10 placed, stock 0 and never below, the rest INSUFFICIENT_STOCK', async () => {
    const scarce = await stockedProduct(api.app, api.admin.authHeader, shop, { price: 8000, stock: 10 });
    const otherSeller = await addSeller(api.app, api.admin.authHeader);
    await addOffer(api.app, api.admin.authHeader, scarce.productId, {
      price: 9500,
      stock: 100,
      sellerId: otherSeller,
    });
    expect((await productRow(api.deps, scarce.productId)).lowestPrice).toBe(8000);
    const db = api.deps.database.db;
    const [outboxBefore] = await db
      .select({ value: count() })
      .from(searchOutbox)
      .where(eq(searchOutbox.aggregateId, scarce.productId));

    // sample the stock while the orders run: it must never be seen below zero
    let sampling = true;
    const seen: number[] = [];
    const sampler = (async () => {
      while (sampling) {
        seen.push((await offerRow(api.deps, scarce.offerId)).stock);
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const buyer = buyers[i % buyers.length]!;
        return api.call('POST', '/api/v1/orders', {
          headers: buyer.member.authHeader,
          body: {
            addressId: buyer.addressId,
            items: [{ productId: scarce.productId, sellerId: scarce.sellerId, quantity: 1 }],
          },
        });
      }),
    );
    sampling = false;
    await sampler;

    const placed = answers.filter((answer) => answer.status === 201);
    const refused = answers.filter((answer) => answer.status !== 201);
    expect(placed).toHaveLength(10);
    expect(new Set(refused.map((answer) => `${answer.status} ${answer.body.error?.code}`))).toEqual(
      new Set(['400 INSUFFICIENT_STOCK']),
    );
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(0);
    expect(await offerRow(api.deps, scarce.offerId)).toMatchObject({ stock: 0, stockState: 'OUT_OF_STOCK' });
    const [rows] = await db
      .select({ value: count() })
      .from(orderItems)
      .innerJoin(orders, eq(orders.id, orderItems.orderId))
      .where(eq(orderItems.offerId, scarce.offerId));
    expect(rows!.value).toBe(10);
    expect(new Set(placed.map((answer) => answer.body.data.orderNumber)).size).toBe(10);

    // sold out: the other seller's offer is the lowest now, and the search document is told
    expect((await productRow(api.deps, scarce.productId)).lowestPrice).toBe(9500);
    const [outboxAfter] = await db
      .select({ value: count() })
      .from(searchOutbox)
      .where(eq(searchOutbox.aggregateId, scarce.productId));
    expect(outboxAfter!.value).toBe(outboxBefore!.value + 1);
    const comparison = await api.call('GET', `/api/v1/products/${scarce.productId}/prices`);
    expect(comparison.body.data.lowestPrice).toBe(9500);
  });

  it('two offers taken in opposite line order by concurrent orders never deadlock', async () => {
    const first = await stockedProduct(api.app, api.admin.authHeader, shop, { stock: 100 });
    const second = await stockedProduct(api.app, api.admin.authHeader, shop, { stock: 100 });
    const lineOf = (offer: typeof first) => ({
      productId: offer.productId,
      sellerId: offer.sellerId,
      quantity: 1,
    });
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const buyer = buyers[i % buyers.length]!;
        const items = i % 2 === 0 ? [lineOf(first), lineOf(second)] : [lineOf(second), lineOf(first)];
        return api.call('POST', '/api/v1/orders', {
          headers: buyer.member.authHeader,
          body: { addressId: buyer.addressId, items },
        });
      }),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(60).fill(201));
    expect((await offerRow(api.deps, first.offerId)).stock).toBe(40);
    expect((await offerRow(api.deps, second.offerId)).stock).toBe(40);
  });

  it('concurrent cancels and orders keep stock equal to what open orders hold', async () => {
    const offer = await stockedProduct(api.app, api.admin.authHeader, shop, { stock: 30 });
    const line = { productId: offer.productId, sellerId: offer.sellerId, quantity: 2 };
    const first = await Promise.all(
      buyers.slice(0, 10).map((buyer) =>
        api.call('POST', '/api/v1/orders', {
          headers: buyer.member.authHeader,
          body: { addressId: buyer.addressId, items: [line] },
        }),
      ),
    );
    expect(first.map((answer) => answer.status)).toEqual(Array(10).fill(201));
    await Promise.all([
      ...first.flatMap((answer, i) => {
        const cancel = () =>
          api.call('POST', `/api/v1/orders/${answer.body.data.id}/cancel`, {
            headers: buyers[i]!.member.authHeader,
          });
        return [cancel(), cancel()];
      }),
      ...buyers.slice(10, 20).map((buyer) =>
        api.call('POST', '/api/v1/orders', {
          headers: buyer.member.authHeader,
          body: { addressId: buyer.addressId, items: [line] },
        }),
      ),
    ]);
    const open = await api.deps.database.db
      .select({ quantity: orderItems.quantity })
      .from(orderItems)
      .innerJoin(orders, eq(orders.id, orderItems.orderId))
      .where(and(eq(orderItems.offerId, offer.offerId), eq(orders.status, 'ORDER_PLACED')));
    const held = open.reduce((sum, row) => sum + row.quantity, 0);
    expect((await offerRow(api.deps, offer.offerId)).stock).toBe(30 - held);
  });
});
