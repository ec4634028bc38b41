// The product read model's projection (product_query_view) on a real PostgreSQL: what a row holds,
// removal of deleted products, that a projection waiting for another reads the catalog only once it
// holds the lock (an older read never lands last), the keyset rebuild, and the outbox drain
// refreshing the rows of every batch it claims, even when OpenSearch refuses the batch.
import { createDatabase, productImages, productQueryView, products, searchOutbox } from '@pbshop/db';
import { createTestContext, type TestContext, waitFor } from '@pbshop/testing';
import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainOutbox, projectProducts, rebuildProductQueryView, recordSearchChange } from '../src/index.ts';
import { createCategory, createProducts, type SearchFixture, searchFixture } from './fixtures.ts';

let ctx: TestContext;
let fixture: SearchFixture;
let category: { id: number };

beforeAll(async () => {
  ctx = await createTestContext();
  fixture = await searchFixture(ctx);
  category = await createCategory(fixture.database, '노트북');
});

afterAll(async () => {
  await fixture?.close();
  await ctx?.cleanup();
});

const db = () => fixture.database.db;
const rowOf = async (id: number) =>
  (await db().select().from(productQueryView).where(eq(productQueryView.productId, id)))[0];

describe('projectProducts', () => {
  it('writes a live product as it is (main image, list price, HIDDEN too) and ignores unknown ids', async () => {
    const [onSale, hidden] = await createProducts(fixture.database, category.id, 2, {
      price: 1_490_000,
      lowestPrice: 1_290_000,
      sellerCount: 2,
      averageRating: 4.5,
      reviewCount: 8,
      viewCount: 100,
    });
    await db().update(products).set({ status: 'HIDDEN', price: 0 }).where(eq(products.id, hidden!));
    await db()
      .insert(productImages)
      .values([
        { productId: onSale!, url: 'https://img.example.com/side.jpg', sortOrder: 0 },
        { productId: onSale!, url: 'https://img.example.com/main.jpg', isMain: true, sortOrder: 1 },
      ]);
    const outcome = await projectProducts(db(), [onSale!, hidden!, onSale!, 999_999_999]);
    expect(outcome).toEqual({ projected: 2, removed: 0, lastId: 999_999_999 });
    const [product] = await db().select().from(products).where(eq(products.id, onSale!));
    expect(await rowOf(onSale!)).toMatchObject({
      categoryId: category.id,
      name: product!.name,
      thumbnailUrl: 'https://img.example.com/main.jpg',
      status: 'ON_SALE',
      basePrice: 1_490_000,
      lowestPrice: 1_290_000,
      sellerCount: 2,
      averageRating: 4.5,
      reviewCount: 8,
      viewCount: 100,
      // view_count * 0.3 + review_count * 0.5
      popularityScore: 34,
      productCreatedAt: product!.createdAt,
    });
    expect(await rowOf(hidden!)).toMatchObject({ status: 'HIDDEN', basePrice: null, thumbnailUrl: null });
    expect(await rowOf(999_999_999)).toBeUndefined();
  });

  it('moves syncedAt on every projection and updatedAt only when a value changed; removes deleted products', async () => {
    const [id] = await createProducts(fixture.database, category.id, 1, { lowestPrice: 1000 });
    await projectProducts(db(), [id!]);
    const first = (await rowOf(id!))!;
    await projectProducts(db(), [id!]);
    const unchanged = (await rowOf(id!))!;
    expect(unchanged.syncedAt!.getTime()).toBeGreaterThan(first.syncedAt!.getTime());
    expect(unchanged.updatedAt).toEqual(first.updatedAt);
    await db().update(products).set({ lowestPrice: 900 }).where(eq(products.id, id!));
    await projectProducts(db(), [id!]);
    const changed = (await rowOf(id!))!;
    expect(changed.lowestPrice).toBe(900);
    expect(changed.updatedAt.getTime()).toBeGreaterThan(first.updatedAt.getTime());

    await db().update(products).set({ deletedAt: new Date() }).where(eq(products.id, id!));
    expect(await projectProducts(db(), [id!])).toEqual({ projected: 0, removed: 1, lastId: id! });
    expect(await rowOf(id!)).toBeUndefined();
    expect(await projectProducts(db(), [])).toEqual({ projected: 0, removed: 0, lastId: null });
  });

  it('reads the catalog only once it holds the lock: a projection that waited sees the change committed meanwhile', async () => {
    const [id] = await createProducts(fixture.database, category.id, 1, { lowestPrice: 5000 });
    const holderHandle = createDatabase(ctx.env.DATABASE_URL!, { max: 1 });
    const holder = holderHandle.sql;
    try {
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let holding!: () => void;
      const held = new Promise<void>((resolve) => {
        holding = resolve;
      });
      // another projector, mid-statement: it holds the lock until released
      const other = holder.begin(async (tx) => {
        await tx`select pg_advisory_xact_lock(hashtext('pbshop:product-query-view'))`;
        holding();
        await released;
      });
      await held;
      const waiting = projectProducts(db(), [id!]);
      await waitFor('the projection waiting for the lock', async () => {
        const [row] = await db().execute<{ waiting: number }>(
          sql`select count(*)::int as waiting from pg_locks
              where locktype = 'advisory' and not granted
                and database = (select oid from pg_database where datname = current_database())`,
        );
        return (row?.waiting ?? 0) > 0 || undefined;
      });
      // a change committed while the projection waits
      await db().update(products).set({ lowestPrice: 4200 }).where(eq(products.id, id!));
      release();
      await other;
      expect(await waiting).toMatchObject({ projected: 1 });
      expect((await rowOf(id!))!.lowestPrice).toBe(4200);
    } finally {
      await holderHandle.close();
    }
  });
});

describe('rebuildProductQueryView', () => {
  it('re-projects every product in keyset batches and removes the rows of deleted ones', async () => {
    const ids = await createProducts(fixture.database, category.id, 5, { lowestPrice: 700 });
    await projectProducts(db(), ids);
    await db().update(products).set({ deletedAt: new Date() }).where(eq(products.id, ids[0]!));
    await db().update(products).set({ lowestPrice: 650 }).where(eq(products.id, ids[1]!));
    await db().delete(productQueryView).where(eq(productQueryView.productId, ids[2]!));
    const [counts] = await db().execute<{ all: number; live: number }>(sql`
      select count(*)::int as all, (count(*) filter (where deleted_at is null))::int as live from products`);
    const { all, live } = counts!;
    const progress: number[] = [];
    const done = await rebuildProductQueryView(db(), {
      batchSize: 2,
      onProgress: (step) => progress.push(step.lastId),
    });
    expect(done).toMatchObject({ synced: live, removed: 1 });
    expect(progress).toHaveLength(Math.ceil(all / 2));
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(await rowOf(ids[0]!)).toBeUndefined();
    expect((await rowOf(ids[1]!))!.lowestPrice).toBe(650);
    expect(await rowOf(ids[2]!)).toBeDefined();
    const [viewRows] = await db().execute<{ rows: number }>(
      sql`select count(*)::int as rows from product_query_view`,
    );
    expect(viewRows!.rows).toBe(live);
  });
});

describe('the outbox drain', () => {
  const drain = (call = fixture.context.call) =>
    drainOutbox(
      { ...fixture.context, call },
      {
        alias: fixture.alias,
        workerId: 'query-view-test',
        batchSize: 50,
        maxBatches: 10,
        leaseMs: 60_000,
        maxAttempts: 5,
        backoffMs: 60_000,
      },
    );

  it("refreshes the rows of each batch's products: upserts, and removes deleted ones", async () => {
    const [kept, removed] = await createProducts(fixture.database, category.id, 2, { lowestPrice: 3000 });
    await projectProducts(db(), [kept!, removed!]);
    await db().transaction(async (tx) => {
      await tx.update(products).set({ lowestPrice: 2500 }).where(eq(products.id, kept!));
      await recordSearchChange(tx, { eventType: 'PRICE_CHANGED', productIds: [kept!] });
    });
    await db().transaction(async (tx) => {
      await tx.update(products).set({ deletedAt: new Date() }).where(eq(products.id, removed!));
      await recordSearchChange(tx, { eventType: 'PRODUCT_DELETE', productIds: [removed!] });
    });
    const result = await drain();
    expect(result.error).toBeUndefined();
    expect((await rowOf(kept!))!.lowestPrice).toBe(2500);
    expect(await rowOf(removed!)).toBeUndefined();
  });

  it('refreshes them even when OpenSearch refuses the batch (the rows are retried for the index)', async () => {
    const [id] = await createProducts(fixture.database, category.id, 1, { lowestPrice: 8000 });
    await db().transaction(async (tx) => {
      await recordSearchChange(tx, { eventType: 'PRODUCT_UPSERT', productIds: [id!] });
    });
    const result = await drain(async () => {
      throw new Error('OpenSearch is down');
    });
    expect(result).toMatchObject({ failed: 1, error: 'OpenSearch is down' });
    expect((await rowOf(id!))!.lowestPrice).toBe(8000);
    const [row] = await db()
      .select({ status: searchOutbox.status })
      .from(searchOutbox)
      .where(inArray(searchOutbox.aggregateId, [id!]));
    expect(row!.status).toBe('PENDING');
  });
});
