// Documents built from PostgreSQL and written to a real OpenSearch index with external versions:
// the document shape, removal of deleted and hidden products, and that an older document never
// overwrites a newer one (a stale write is refused; racing syncs end with the latest state).
import { products } from '@pbshop/db';
import { createTestContext, type TestContext } from '@pbshop/testing';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProductDocuments, type ProductDocument, syncProducts } from '../src/index.ts';
import {
  createCategory,
  createProducts,
  enrichProduct,
  indexedDocument,
  type SearchFixture,
  searchFixture,
} from './fixtures.ts';

let ctx: TestContext;
let fixture: SearchFixture;
let parent: { id: number; path: string; name: string };
let category: { id: number; path: string; name: string };

beforeAll(async () => {
  ctx = await createTestContext();
  fixture = await searchFixture(ctx);
  parent = await createCategory(fixture.database, '컴퓨터');
  category = await createCategory(fixture.database, '노트북', parent);
});

afterAll(async () => {
  await fixture?.close();
  await ctx?.cleanup();
});

const sync = (ids: number[]) => syncProducts(fixture.context, ids, { alias: fixture.alias });
/** A version as a writer takes it (the next value of the sequence). */
async function takeVersion(): Promise<number> {
  const rows = await fixture.database.db.execute<{ version: string }>(
    sql`select nextval('search_document_version_seq') as version`,
  );
  return Number(rows[0]!.version);
}
const rename = (id: number, name: string) =>
  fixture.database.db.update(products).set({ name, updatedAt: new Date() }).where(eq(products.id, id));

describe('documents', () => {
  it('carry the category path, specs ("16GB"), sellers, the main image and suggest inputs', async () => {
    const [id] = await createProducts(fixture.database, category.id, 1, {
      name: '갤럭시북4 프로',
      brand: '삼성',
      description: '가벼운 노트북',
    });
    const { sellerId } = await enrichProduct(fixture.database, { id: id!, categoryId: category.id });
    // as the prices module keeps them after an offer write
    await fixture.database.db
      .update(products)
      .set({ lowestPrice: 1_290_000, sellerCount: 1 })
      .where(eq(products.id, id!));
    const { documents, removedIds } = await loadProductDocuments(fixture.database.db, [id!]);
    expect(removedIds).toEqual([]);
    expect(documents[0]).toEqual({
      productId: id!,
      name: '갤럭시북4 프로',
      brand: '삼성',
      description: '가벼운 노트북',
      specsText: '메모리 16GB 색상 실버',
      optionsText: 'Color Graphite Silver 저장용량 512GB 1TB',
      specs: [
        { key: 'ram', name: '메모리', value: '16GB', numberValue: 16 },
        { key: 'color', name: '색상', value: '실버', numberValue: null },
      ],
      categoryId: category.id,
      categoryName: '노트북',
      categoryPath: [parent.id, category.id],
      sellerIds: [sellerId],
      sellerCount: 1,
      status: 'ON_SALE',
      lowestPrice: 1_290_000,
      rating: 0,
      reviewCount: 0,
      popularityScore: 0,
      thumbnailUrl: 'https://img.example.com/main.jpg',
      suggest: ['갤럭시북4 프로', '삼성'],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    } satisfies ProductDocument);

    const outcome = await sync([id!]);
    expect(outcome).toMatchObject({ indexed: 1, removed: 0, stale: 0 });
    expect(outcome.failures.size).toBe(0);
    // the strict mapping took the document as it is
    expect((await indexedDocument(fixture, id!))?.source).toEqual(JSON.parse(JSON.stringify(documents[0])));
  });

  it('a deleted, hidden or unknown product leaves the index (deleting what is absent is fine)', async () => {
    const [deleted, hidden, kept] = await createProducts(fixture.database, category.id, 3);
    await sync([deleted!, hidden!, kept!]);
    await fixture.database.db
      .update(products)
      .set({ deletedAt: new Date() })
      .where(eq(products.id, deleted!));
    await fixture.database.db.update(products).set({ status: 'HIDDEN' }).where(eq(products.id, hidden!));
    const unknown = 999_999_999;
    const outcome = await sync([deleted!, hidden!, kept!, unknown]);
    expect(outcome).toMatchObject({ indexed: 1, removed: 3, stale: 0 });
    expect(outcome.failures.size).toBe(0);
    expect(await indexedDocument(fixture, deleted!)).toBeNull();
    expect(await indexedDocument(fixture, hidden!)).toBeNull();
    expect(await indexedDocument(fixture, kept!)).not.toBeNull();
  });
});

describe('external versions', () => {
  it('a document older than the one indexed is refused: OpenSearch keeps the newer', async () => {
    const [id] = await createProducts(fixture.database, category.id, 1, { name: '구형 이름' });
    // a slow writer read the product and took its version, then stalled
    const { documents } = await loadProductDocuments(fixture.database.db, [id!]);
    const staleVersion = await takeVersion();
    // meanwhile the product changed and was synced
    await rename(id!, '신형 이름');
    await sync([id!]);
    const current = await indexedDocument(fixture, id!);
    expect(current?.source.name).toBe('신형 이름');
    expect(current!.version).toBeGreaterThan(staleVersion);

    // the stalled writer arrives last
    const late = await fixture.client.index(
      {
        index: fixture.alias,
        id: String(id!),
        version: staleVersion,
        version_type: 'external',
        body: documents[0] as never,
      },
      { ignore: [409] },
    );
    expect(late.statusCode).toBe(409);
    expect((late.body as unknown as { error: { type: string } }).error.type).toBe(
      'version_conflict_engine_exception',
    );
    expect((await indexedDocument(fixture, id!))?.source.name).toBe('신형 이름');
  });

  it('racing syncs of one product while it changes end with its latest state', async () => {
    const [id] = await createProducts(fixture.database, category.id, 1, { name: 'v0' });
    const syncs: Promise<unknown>[] = [];
    for (let step = 1; step <= 8; step++) {
      await rename(id!, `v${step}`);
      syncs.push(sync([id!]));
    }
    const outcomes = (await Promise.all(syncs)) as Awaited<ReturnType<typeof sync>>[];
    expect(outcomes.every((outcome) => outcome.failures.size === 0)).toBe(true);
    expect((await indexedDocument(fixture, id!))?.source.name).toBe('v8');
    // a re-sync of the same state writes a newer version; an older one never wins
    const before = (await indexedDocument(fixture, id!))!.version;
    await sync([id!]);
    expect((await indexedDocument(fixture, id!))!.version).toBeGreaterThan(before);
  });

  it('a delete carries a version too: a stale index write after it cannot bring the product back', async () => {
    const [id] = await createProducts(fixture.database, category.id, 1);
    const { documents } = await loadProductDocuments(fixture.database.db, [id!]);
    const version = await takeVersion();
    await sync([id!]);
    await fixture.database.db.update(products).set({ deletedAt: new Date() }).where(eq(products.id, id!));
    expect(await sync([id!])).toMatchObject({ removed: 1 });
    const late = await fixture.client.index(
      {
        index: fixture.alias,
        id: String(id!),
        version,
        version_type: 'external',
        body: documents[0] as never,
      },
      { ignore: [409] },
    );
    expect(late.statusCode).toBe(409);
    expect(await indexedDocument(fixture, id!)).toBeNull();
  });
});
