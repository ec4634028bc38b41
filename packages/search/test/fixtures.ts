// Catalog rows written straight into a test file's own database, and a sync context against its
// own OpenSearch index prefix: for the search package's tests, which run without the API.
import { randomUUID } from 'node:crypto';
import {
  categories,
  createDatabase,
  type DatabaseHandle,
  offers,
  productImages,
  productOptions,
  productSpecValues,
  products,
  sellers,
  specDefinitions,
} from '@pbshop/db';
import type { TestContext } from '@pbshop/testing';
import { eq } from 'drizzle-orm';
import { createSearchClient, ensureProductIndex, productAlias, type SearchClient } from '../src/index.ts';
import type { SyncContext } from '../src/sync.ts';

export interface SearchFixture {
  database: DatabaseHandle;
  client: SearchClient;
  alias: string;
  context: SyncContext;
  close(): Promise<void>;
}

export async function searchFixture(ctx: TestContext): Promise<SearchFixture> {
  const database = createDatabase(ctx.env.DATABASE_URL!, { max: 6 });
  const client = createSearchClient(ctx.env.OPENSEARCH_URL!, 20_000);
  await ensureProductIndex(client, ctx.indexPrefix);
  return {
    database,
    client,
    alias: productAlias(ctx.indexPrefix),
    context: { db: database.db, client, call: (call) => call(new AbortController().signal) },
    async close() {
      await client.close();
      await database.close();
    },
  };
}

export async function createCategory(
  handle: DatabaseHandle,
  name: string,
  parent?: { id: number; path: string },
): Promise<{ id: number; path: string; name: string }> {
  const prefix = parent ? `${parent.path}/` : '';
  const [row] = await handle.db
    .insert(categories)
    .values({ name, parentId: parent?.id ?? null, path: prefix })
    .returning({ id: categories.id });
  const path = `${prefix}${row!.id}`;
  await handle.db.update(categories).set({ path }).where(eq(categories.id, row!.id));
  return { id: row!.id, path, name };
}

export async function createProducts(
  handle: DatabaseHandle,
  categoryId: number,
  count: number,
  fields: Partial<typeof products.$inferInsert> = {},
): Promise<number[]> {
  const rows = await handle.db
    .insert(products)
    .values(
      Array.from({ length: count }, (_, index) => ({
        categoryId,
        name: `상품 ${index} ${randomUUID().slice(0, 6)}`,
        brand: 'Brand',
        ...fields,
      })),
    )
    .returning({ id: products.id });
  return rows.map((row) => row.id);
}

/** A seller offering the product, a spec value and a main image: every joined part of a document. */
export async function enrichProduct(
  handle: DatabaseHandle,
  product: { id: number; categoryId: number },
): Promise<{ sellerId: number }> {
  const [seller] = await handle.db
    .insert(sellers)
    .values({ name: `Shop ${randomUUID().slice(0, 6)}`, url: 'https://shop.example.com' })
    .returning({ id: sellers.id });
  await handle.db.insert(offers).values({
    productId: product.id,
    sellerId: seller!.id,
    price: 1_290_000,
    url: 'https://shop.example.com/p/1',
  });
  const [ram] = await handle.db
    .insert(specDefinitions)
    .values({ categoryId: product.categoryId, key: 'ram', name: '메모리', type: 'NUMBER', unit: 'GB' })
    .returning({ id: specDefinitions.id });
  const [color] = await handle.db
    .insert(specDefinitions)
    .values({
      categoryId: product.categoryId,
      key: 'color',
      name: '색상',
      type: 'SELECT',
      options: ['블랙', '실버'],
      sortOrder: 1,
    })
    .returning({ id: specDefinitions.id });
  await handle.db.insert(productSpecValues).values([
    { productId: product.id, specDefinitionId: ram!.id, numberValue: 16 },
    { productId: product.id, specDefinitionId: color!.id, textValue: '실버' },
  ]);
  await handle.db.insert(productImages).values([
    { productId: product.id, url: 'https://img.example.com/side.jpg', sortOrder: 0 },
    { productId: product.id, url: 'https://img.example.com/main.jpg', isMain: true, sortOrder: 1 },
  ]);
  // listed by sort order, whatever the order they were added in
  await handle.db.insert(productOptions).values([
    { productId: product.id, name: '저장용량', values: ['512GB', '1TB'], sortOrder: 1 },
    { productId: product.id, name: 'Color', values: ['Graphite', 'Silver'], sortOrder: 0 },
  ]);
  return { sellerId: seller!.id };
}

/** A document as OpenSearch holds it (after a refresh), with its version; null when absent. */
export async function indexedDocument(
  fixture: SearchFixture,
  id: number,
): Promise<{ version: number; source: Record<string, unknown> } | null> {
  const response = await fixture.client.get({ index: fixture.alias, id: String(id) }, { ignore: [404] });
  if (response.statusCode === 404) return null;
  const body = response.body as { _version: number; _source: Record<string, unknown> };
  return { version: body._version, source: body._source };
}
