import { searchOutbox } from '@pbshop/db';
import { createTestContext, type TestContext } from '@pbshop/testing';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  claimOutboxRows,
  completeOutboxRows,
  failExhaustedLeases,
  failOutboxRows,
  outboxSummary,
  pruneCompletedOutboxRows,
  recordCategorySearchChange,
  recordSearchChange,
  releaseOutboxRows,
  requeueFailedOutboxRows,
} from '../src/index.ts';
import { createCategory, createProducts, type SearchFixture, searchFixture } from './fixtures.ts';

let ctx: TestContext;
let fixture: SearchFixture;
let productIds: number[];

beforeAll(async () => {
  ctx = await createTestContext();
  fixture = await searchFixture(ctx);
  const category = await createCategory(fixture.database, '노트북');
  productIds = await createProducts(fixture.database, category.id, 6);
});

afterAll(async () => {
  await fixture?.close();
  await ctx?.cleanup();
});

beforeEach(async () => {
  await fixture.database.db.delete(searchOutbox);
});

const db = () => fixture.database.db;
const options = (workerId: string, limit = 10) => ({ limit, leaseMs: 60_000, workerId });

async function rowsById() {
  const rows = await db().select().from(searchOutbox).orderBy(searchOutbox.id);
  return rows;
}

describe('recording changes', () => {
  it('writes one row per distinct product inside the caller transaction, and nothing when it rolls back', async () => {
    await db().transaction(async (tx) => {
      await recordSearchChange(tx, {
        eventType: 'PRICE_CHANGED',
        productIds: [productIds[0]!, productIds[1]!, productIds[0]!],
        payload: { reason: 'test' },
      });
    });
    await db()
      .transaction(async (tx) => {
        await recordSearchChange(tx, { eventType: 'PRODUCT_UPSERT', productIds: [productIds[2]!] });
        throw new Error('rolled back');
      })
      .catch(() => {});
    const rows = await rowsById();
    expect(rows.map((row) => [row.eventType, row.aggregateId, row.status, row.payload])).toEqual([
      ['PRICE_CHANGED', productIds[0], 'PENDING', { reason: 'test' }],
      ['PRICE_CHANGED', productIds[1], 'PENDING', { reason: 'test' }],
    ]);
  });

  it('records tens of thousands of products in one call (more than one parameter per product allows)', async () => {
    const many = Array.from({ length: 30_000 }, (_, index) => 1_000_000 + index);
    await db().transaction((tx) =>
      recordSearchChange(tx, { eventType: 'PRODUCT_UPSERT', productIds: many, payload: { reason: 'bulk' } }),
    );
    const [row] = await db().execute<{ rows: number; distinct: number }>(sql`
      select count(*)::int as rows, count(distinct aggregate_id)::int as distinct from search_outbox
      where payload->>'reason' = 'bulk' and status = 'PENDING'`);
    expect(row).toEqual({ rows: 30_000, distinct: 30_000 });
  });

  it('a category change records every live product of its subtree', async () => {
    const root = await createCategory(fixture.database, '가전');
    const child = await createCategory(fixture.database, 'TV', root);
    const other = await createCategory(fixture.database, '도서');
    const inRoot = await createProducts(fixture.database, root.id, 1);
    const inChild = await createProducts(fixture.database, child.id, 2);
    await createProducts(fixture.database, child.id, 1, { deletedAt: new Date() });
    await createProducts(fixture.database, other.id, 1);
    await db().transaction((tx) => recordCategorySearchChange(tx, root.id));
    const rows = await rowsById();
    expect(rows.map((row) => row.aggregateId).sort()).toEqual([...inRoot, ...inChild].sort());
    expect(rows.every((row) => row.eventType === 'PRODUCT_UPSERT')).toBe(true);
  });
});

describe('claiming', () => {
  it('two claims at once never take the same row (SKIP LOCKED), and together take them all', async () => {
    await recordSearchChange(db(), { eventType: 'PRODUCT_UPSERT', productIds });
    const [a, b] = await Promise.all([
      claimOutboxRows(db(), options('worker-a', 4)),
      claimOutboxRows(db(), options('worker-b', 4)),
    ]);
    const ids = [...a, ...b].map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(6);
    const rows = await rowsById();
    expect(rows.every((row) => row.status === 'PROCESSING' && row.attemptCount === 1)).toBe(true);
    expect(new Set(rows.map((row) => row.claimedBy))).toEqual(new Set(['worker-a', 'worker-b']));
    expect(await claimOutboxRows(db(), options('worker-c'))).toEqual([]);
  });

  it("a claim whose lease expired is taken over; the first worker's late completion changes nothing", async () => {
    await recordSearchChange(db(), { eventType: 'PRODUCT_UPSERT', productIds: [productIds[0]!] });
    const [first] = await claimOutboxRows(db(), { limit: 10, leaseMs: 500, workerId: 'crashed' });
    expect(await claimOutboxRows(db(), options('other'))).toEqual([]);
    await db()
      .update(searchOutbox)
      .set({ claimedUntil: sql`now() - interval '1 second'` })
      .where(eq(searchOutbox.id, first!.id));
    const [taken] = await claimOutboxRows(db(), options('other'));
    expect(taken).toMatchObject({ id: first!.id, attemptCount: 2 });
    await completeOutboxRows(db(), [first!.id], 'crashed');
    expect((await rowsById())[0]).toMatchObject({ status: 'PROCESSING', claimedBy: 'other' });
    await completeOutboxRows(db(), [first!.id], 'other');
    const [done] = await rowsById();
    expect(done).toMatchObject({ status: 'COMPLETED', claimedUntil: null });
    expect(done!.processedAt).toBeInstanceOf(Date);
  });

  it('a row whose lease expired on its last attempt is FAILED, not claimed again', async () => {
    await recordSearchChange(db(), { eventType: 'PRODUCT_UPSERT', productIds: [productIds[0]!] });
    await db()
      .update(searchOutbox)
      .set({ status: 'PROCESSING', attemptCount: 3, claimedUntil: sql`now() - interval '1 second'` });
    expect(await failExhaustedLeases(db(), 3)).toBe(1);
    expect((await rowsById())[0]).toMatchObject({
      status: 'FAILED',
      lastError: expect.stringMatching(/lease/),
    });
    expect(await claimOutboxRows(db(), options('w'))).toEqual([]);
  });

  it('a released claim (shutdown) is due again at once without spending its attempt', async () => {
    await recordSearchChange(db(), { eventType: 'PRODUCT_UPSERT', productIds: [productIds[0]!] });
    const claimed = await claimOutboxRows(db(), options('w'));
    await releaseOutboxRows(
      db(),
      claimed.map((row) => row.id),
      'w',
    );
    expect((await rowsById())[0]).toMatchObject({ status: 'PENDING', attemptCount: 0, claimedBy: null });
    expect(await claimOutboxRows(db(), options('w'))).toHaveLength(1);
  });
});

describe('failures', () => {
  it('backs off exponentially, then FAILS after the last attempt with last_error cut to 500 characters', async () => {
    await recordSearchChange(db(), { eventType: 'PRODUCT_UPSERT', productIds: [productIds[0]!] });
    const failOptions = { workerId: 'w', maxAttempts: 3, backoffMs: 60_000 };
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      await db().update(searchOutbox).set({ availableAt: sql`now()` });
      const claimed = await claimOutboxRows(db(), options('w'));
      expect(claimed.map((row) => row.attemptCount)).toEqual([attempt]);
      await failOutboxRows(db(), [claimed[0]!.id], `boom ${attempt} ${'x'.repeat(600)}`, failOptions);
      const [row] = await db()
        .select({
          status: searchOutbox.status,
          delay: sql<number>`extract(epoch from ${searchOutbox.availableAt} - now())::float8`,
        })
        .from(searchOutbox);
      expect(row!.status).toBe(attempt < 3 ? 'PENDING' : 'FAILED');
      delays.push(row!.delay);
      // not due before its backoff
      if (attempt < 3) expect(await claimOutboxRows(db(), options('w'))).toEqual([]);
    }
    // 60 s · 2^(attempt-1), ±20 % jitter
    expect(delays[0]).toBeGreaterThan(47);
    expect(delays[0]).toBeLessThan(73);
    expect(delays[1]).toBeGreaterThan(95);
    expect(delays[1]).toBeLessThan(145);
    const [failed] = await rowsById();
    expect(failed!.lastError).toHaveLength(500);
    expect(failed!.lastError).toMatch(/^boom 3 x/);
  });

  it('summary counts rows by status, the oldest pending age and the last sync; requeue takes the most recently failed first', async () => {
    await recordSearchChange(db(), { eventType: 'PRODUCT_UPSERT', productIds });
    const rows = await rowsById();
    const ids = rows.map((row) => row.id);
    await db()
      .update(searchOutbox)
      .set({ status: 'COMPLETED', processedAt: sql`now() - interval '10 days'` })
      .where(eq(searchOutbox.id, ids[0]!));
    await db()
      .update(searchOutbox)
      .set({ status: 'COMPLETED', processedAt: sql`now() - interval '1 hour'` })
      .where(eq(searchOutbox.id, ids[1]!));
    await db().update(searchOutbox).set({ status: 'PROCESSING' }).where(eq(searchOutbox.id, ids[2]!));
    for (const [offset, id] of [ids[3]!, ids[4]!].entries()) {
      await db()
        .update(searchOutbox)
        .set({ status: 'FAILED', attemptCount: 5, updatedAt: sql`now() - make_interval(mins => ${offset})` })
        .where(eq(searchOutbox.id, id));
    }
    await db()
      .update(searchOutbox)
      .set({ createdAt: sql`now() - interval '90 seconds'` })
      .where(eq(searchOutbox.id, ids[5]!));

    const summary = await outboxSummary(db());
    expect(summary).toMatchObject({ pending: 1, processing: 1, completed: 2, failed: 2 });
    expect(summary.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(89);
    expect(summary.oldestPendingAgeSeconds).toBeLessThan(120);
    expect(Date.now() - new Date(summary.lastProcessedAt!).getTime()).toBeGreaterThan(3_500_000);

    // limit 1: the row that failed last (ids[3], updated now) goes first
    expect(await requeueFailedOutboxRows(db(), 1)).toBe(1);
    const requeued = await db().select().from(searchOutbox).where(eq(searchOutbox.id, ids[3]!));
    expect(requeued[0]).toMatchObject({ status: 'PENDING', attemptCount: 0 });
    expect(await requeueFailedOutboxRows(db(), 100)).toBe(1);
    expect(await requeueFailedOutboxRows(db(), 100)).toBe(0);

    // retention 7 days: only the 10-day-old completed row goes
    expect(await pruneCompletedOutboxRows(db(), 7)).toBe(1);
    expect(await outboxSummary(db())).toMatchObject({ pending: 3, completed: 1, failed: 0 });
  });
});
