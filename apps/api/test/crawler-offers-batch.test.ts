// The crawler's batched offer write (prices/batch.ts): the same input applied one offer at a time
// (the crawler's `writeOffer`: the prices service's create/update) and as a batch
// (`writeOfferBatch`) on two identical sets of products leaves identical offers, aggregates,
// price history, search outbox rows, fired alerts and notifications, with the same outcomes and
// refusals; concurrent batches over the same products in opposite orders neither deadlock nor lose
// a write. Against real PostgreSQL and Redis.
import type { CollectedOffer } from '@pbshop/crawler';
import {
  categories,
  notifications,
  offers,
  priceAlerts,
  priceHistory,
  products,
  searchOutbox,
  sellers,
} from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { type OfferWrite, writeOfferBatch } from '../src/modules/catalog/prices/batch.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { uniqueName } from './helpers/catalog.ts';

const api = setupApiTest({ members: { watcher: {} } });
const db = () => api.deps.database.db;

/** A write's outcome as the crawler counts it, or why the catalog refused it. */
type OfferWriteOutcome = 'created' | 'updated' | 'unchanged' | { error: string };

/** The batch's results as the crawler's catalog answers them. */
async function writeBatch(writes: OfferWrite[]): Promise<OfferWriteOutcome[]> {
  const { results } = await writeOfferBatch(db(), writes);
  return results.map((result) => (result instanceof AppError ? { error: result.message } : result));
}

type OfferSeed = Partial<typeof offers.$inferInsert> & { price: number; sellerId: number };

/** A product with the given offers (and its aggregates as the prices module would leave them). */
async function productWith(categoryId: number, seeds: OfferSeed[], name: string) {
  const [product] = await db().insert(products).values({ categoryId, name }).returning();
  const productId = product!.id;
  if (seeds.length > 0) {
    await db()
      .insert(offers)
      .values(
        seeds.map((seed) => ({
          url: `https://seed.example.com/${seed.sellerId}`,
          stock: 100,
          ...seed,
          productId,
        })),
      );
  }
  const counted = seeds.filter((seed) => seed.stockState !== 'OUT_OF_STOCK').map((seed) => seed.price);
  await db()
    .update(products)
    .set({
      lowestPrice: counted.length ? Math.min(...counted) : null,
      highestPrice: counted.length ? Math.max(...counted) : null,
      sellerCount: counted.length,
    })
    .where(eq(products.id, productId));
  return productId;
}

async function shop(label: string) {
  const [row] = await db()
    .insert(sellers)
    .values({ name: uniqueName(label), url: 'https://shop.example.com' })
    .returning();
  return row!.id;
}

/** What a product ended with, without ids and times: comparable across the two sets. */
async function stateOf(productId: number) {
  const [product] = await db()
    .select({
      lowestPrice: products.lowestPrice,
      highestPrice: products.highestPrice,
      averagePrice: products.averagePrice,
      sellerCount: products.sellerCount,
    })
    .from(products)
    .where(eq(products.id, productId));
  const offerRows = await db()
    .select({
      sellerId: offers.sellerId,
      price: offers.price,
      shippingRule: offers.shippingRule,
      shippingCost: offers.shippingCost,
      freeShippingThreshold: offers.freeShippingThreshold,
      stock: offers.stock,
      stockState: offers.stockState,
      url: offers.url,
    })
    .from(offers)
    .where(eq(offers.productId, productId))
    .orderBy(asc(offers.sellerId));
  const history = await db()
    .select({
      sellerId: priceHistory.sellerId,
      price: priceHistory.price,
      productLowestPrice: priceHistory.productLowestPrice,
    })
    .from(priceHistory)
    .where(eq(priceHistory.productId, productId))
    .orderBy(asc(priceHistory.id));
  const outbox = await db()
    .select({ eventType: searchOutbox.eventType, payload: searchOutbox.payload })
    .from(searchOutbox)
    .where(eq(searchOutbox.aggregateId, productId))
    .orderBy(asc(searchOutbox.id));
  const alerts = await db()
    .select({
      kind: priceAlerts.kind,
      fired: priceAlerts.triggeredAt,
      triggeredPrice: priceAlerts.triggeredPrice,
    })
    .from(priceAlerts)
    .where(eq(priceAlerts.productId, productId))
    .orderBy(asc(priceAlerts.id));
  const alertIds = (
    await db().select({ id: priceAlerts.id }).from(priceAlerts).where(eq(priceAlerts.productId, productId))
  ).map((row) => row.id);
  const notified =
    alertIds.length === 0
      ? []
      : (await db().select().from(notifications).orderBy(asc(notifications.id))).filter((row) =>
          alertIds.includes(Number(row.payload.alertId)),
        );
  return {
    product,
    offers: offerRows,
    history,
    outbox,
    alerts: alerts.map((alert) => ({ ...alert, fired: alert.fired !== null })),
    notifications: notified.map((row) => {
      const { alertId: _id, productId: _product, productName: _name, ...payload } = row.payload;
      return { userId: row.userId, type: row.type, payload };
    }),
  };
}

const outcomeOf = async (write: () => Promise<OfferWriteOutcome>): Promise<OfferWriteOutcome> => {
  try {
    return await write();
  } catch (error) {
    return { error: (error as Error).message };
  }
};

describe('the batched offer write', () => {
  it('leaves what the single offer write leaves, offer by offer, on the same input', async () => {
    const [category] = await db()
      .insert(categories)
      .values({ name: uniqueName('배치'), path: '' })
      .returning();
    const collector = await shop('수집 상점');
    const other = await shop('다른 상점');
    const closed = await shop('닫은 상점');
    await db().update(sellers).set({ deletedAt: new Date() }).where(eq(sellers.id, closed));
    const otherOffer = (price: number): OfferSeed => ({ sellerId: other, price });
    const mine = (price: number, extra: Partial<OfferSeed> = {}): OfferSeed => ({
      sellerId: collector,
      price,
      url: 'https://collector.example.com/p',
      ...extra,
    });

    // each case: the product's offers before, and the writes collected for it (in order)
    const cases: { name: string; seeds: OfferSeed[]; writes: Omit<CollectedOffer, 'productId'>[] }[] = [];
    const write = (
      price: number,
      extra: Partial<Omit<CollectedOffer, 'productId'>> = {},
    ): Omit<CollectedOffer, 'productId'> => ({
      sellerId: collector,
      price,
      shippingFee: 0,
      stockState: 'IN_STOCK',
      url: 'https://collector.example.com/p',
      ...extra,
    });
    cases.push({ name: 'new offer', seeds: [otherOffer(500_000)], writes: [write(480_000)] });
    cases.push({
      name: 'unchanged',
      seeds: [otherOffer(500_000), mine(510_000)],
      writes: [write(510_000)],
    });
    cases.push({
      name: 'unknown shipping keeps the offer’s',
      seeds: [mine(300_000, { shippingRule: 'PAID', shippingCost: 2500 })],
      writes: [write(300_000, { shippingFee: null })],
    });
    cases.push({
      name: 'price down',
      seeds: [otherOffer(500_000), mine(510_000)],
      writes: [write(490_000)],
    });
    cases.push({
      name: 'FREE_OVER is kept',
      seeds: [mine(90_000, { shippingRule: 'FREE_OVER', shippingCost: 3000, freeShippingThreshold: 50_000 })],
      writes: [write(95_000, { shippingFee: 3000 })],
    });
    cases.push({
      name: 'PAID becomes FREE',
      seeds: [mine(70_000, { shippingRule: 'PAID', shippingCost: 2500 })],
      writes: [write(70_000, { shippingFee: 0 })],
    });
    cases.push({
      name: 'sold out: the other shop is the lowest',
      seeds: [otherOffer(500_000), mine(450_000)],
      writes: [write(450_000, { stockState: 'OUT_OF_STOCK' })],
    });
    cases.push({
      name: 'low stock keeps its units',
      seeds: [mine(40_000, { stock: 3, stockState: 'LOW_STOCK' })],
      writes: [write(39_000, { stockState: 'LOW_STOCK' })],
    });
    cases.push({
      name: 'the same page twice, then another shop',
      seeds: [otherOffer(800_000)],
      writes: [
        write(790_000),
        write(780_000, { url: 'https://collector.example.com/q' }),
        { ...write(770_000), sellerId: other },
      ],
    });
    cases.push({ name: 'closed shop', seeds: [], writes: [{ ...write(10_000), sellerId: closed }] });
    cases.push({ name: 'deleted product', seeds: [mine(20_000)], writes: [write(19_000)] });
    cases.push({ name: 'alert fires', seeds: [otherOffer(600_000)], writes: [write(550_000)] });

    // two identical products per case: one for the single write, one for the batch
    const single: number[] = [];
    const batch: number[] = [];
    for (const entry of cases) {
      const name = uniqueName(entry.name);
      single.push(await productWith(category!.id, entry.seeds, name));
      batch.push(await productWith(category!.id, entry.seeds, name));
    }
    const deleted = cases.findIndex((entry) => entry.name === 'deleted product');
    await db()
      .update(products)
      .set({ deletedAt: new Date() })
      .where(inArray(products.id, [single[deleted]!, batch[deleted]!]));
    const alerted = cases.findIndex((entry) => entry.name === 'alert fires');
    const soldOut = cases.findIndex((entry) => entry.name === 'sold out: the other shop is the lowest');
    for (const productId of [single[alerted]!, batch[alerted]!, single[soldOut]!, batch[soldOut]!]) {
      await db()
        .insert(priceAlerts)
        .values({ userId: api.watcher.user.id, productId, kind: 'TARGET_PRICE', targetPrice: 560_000 });
    }

    const writesFor = (ids: number[]) =>
      cases.flatMap((entry, index) => entry.writes.map((one) => ({ ...one, productId: ids[index]! })));
    const singleOutcomes: OfferWriteOutcome[] = [];
    for (const one of writesFor(single)) {
      singleOutcomes.push(await outcomeOf(() => api.deps.crawlerOffers.writeOffer(one)));
    }
    const batchOutcomes = await writeBatch(writesFor(batch));

    expect(batchOutcomes).toEqual(singleOutcomes);
    expect(batchOutcomes).toEqual([
      'created',
      'unchanged',
      'unchanged',
      'updated',
      'updated',
      'updated',
      'updated',
      'updated',
      'created',
      'updated',
      'updated',
      { error: expect.stringMatching(/seller/i) },
      { error: expect.stringMatching(/product/i) },
      'created',
    ]);
    for (const [index, entry] of cases.entries()) {
      expect(await stateOf(batch[index]!), entry.name).toEqual(await stateOf(single[index]!));
    }
    // a few of the results spelt out
    const keptFreeOver = await stateOf(
      batch[cases.findIndex((entry) => entry.name === 'FREE_OVER is kept')]!,
    );
    expect(keptFreeOver.offers[0]).toMatchObject({
      price: 95_000,
      shippingRule: 'FREE_OVER',
      freeShippingThreshold: 50_000,
    });
    const unchanged = await stateOf(batch[1]!);
    expect(unchanged.history).toEqual([]);
    expect(unchanged.outbox).toEqual([]);
    const fired = await stateOf(batch[alerted]!);
    expect(fired.alerts).toEqual([{ kind: 'TARGET_PRICE', fired: true, triggeredPrice: 550_000 }]);
    expect(fired.notifications).toHaveLength(1);
    // the sold-out offer leaves the other shop's 500,000 lowest: that alert fires at it
    expect((await stateOf(batch[soldOut]!)).product).toMatchObject({ lowestPrice: 500_000, sellerCount: 1 });
    const twice = await stateOf(batch[cases.findIndex((entry) => entry.name.startsWith('the same page'))]!);
    expect(twice.history.map((row) => [row.price, row.productLowestPrice])).toEqual([
      [790_000, 790_000],
      [780_000, 780_000],
      [770_000, 770_000],
    ]);
    expect(twice.outbox).toHaveLength(3);
  });

  it('batches over the same products in opposite orders, at once, neither deadlock nor lose a write', async () => {
    const [category] = await db()
      .insert(categories)
      .values({ name: uniqueName('동시'), path: '' })
      .returning();
    const first = await shop('첫 상점');
    const second = await shop('둘째 상점');
    const ids: number[] = [];
    for (let index = 0; index < 60; index += 1) {
      ids.push(await productWith(category!.id, [], uniqueName('동시 상품')));
    }
    const collected = (sellerId: number, price: number) => (productId: number) => ({
      productId,
      sellerId,
      price,
      shippingFee: 0,
      stockState: 'IN_STOCK' as const,
      url: `https://${sellerId}.example.com/${productId}`,
    });
    const [forward, backward] = await Promise.all([
      writeBatch(ids.map(collected(first, 1000))),
      writeBatch([...ids].reverse().map(collected(second, 900))),
    ]);
    expect(forward.every((outcome) => outcome === 'created')).toBe(true);
    expect(backward.every((outcome) => outcome === 'created')).toBe(true);
    const rows = await db()
      .select({ lowestPrice: products.lowestPrice, sellerCount: products.sellerCount })
      .from(products)
      .where(inArray(products.id, ids));
    expect(rows).toHaveLength(60);
    expect(rows.every((row) => row.lowestPrice === 900 && row.sellerCount === 2)).toBe(true);
    const history = await db()
      .select({ productId: priceHistory.productId })
      .from(priceHistory)
      .where(and(inArray(priceHistory.productId, ids)));
    expect(history).toHaveLength(120);
  });
});
