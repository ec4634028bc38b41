// Products for search tests: created in PostgreSQL through the admin API, their ProductDocuments
// bulk-indexed into the test file's own products index (createTestContext's index prefix), the
// index refreshed so the next query sees them.
import { ensureProductIndex, type ProductDocument, productAlias, type SearchClient } from '@pbshop/search';
import type { App } from '../../src/app.ts';
import type { CategoryData, SellerData } from './catalog.ts';

type AuthHeader = { authorization: string };

export interface SearchProductInput {
  category: CategoryData;
  name: string;
  brand?: string | null;
  description?: string;
  status?: 'ON_SALE' | 'SOLD_OUT' | 'DISCONTINUED' | 'HIDDEN';
  /** an offer at this price from `seller` (so lowestPrice and sellerIds are real) */
  price?: number;
  seller?: SellerData;
}

export interface CreatedProduct {
  id: number;
  name: string;
  brand: string | null;
  description: string;
  status: string;
  lowestPrice: number | null;
  sellerIds: number[];
  createdAt: string;
  updatedAt: string;
  category: CategoryData;
}

async function send<T>(app: App, method: 'POST', url: string, headers: AuthHeader, payload: object) {
  const response = await app.inject({ method, url, headers, payload });
  if (response.statusCode !== 201) {
    throw new Error(`${method} ${url} answered ${response.statusCode}: ${response.body}`);
  }
  return response.json().data as T;
}

/** `POST /products` (and `POST /products/:id/prices` when priced) as the admin. */
export async function createSearchProduct(
  app: App,
  adminAuthHeader: AuthHeader,
  input: SearchProductInput,
): Promise<CreatedProduct> {
  const created = await send<{ id: number }>(app, 'POST', '/api/v1/products', adminAuthHeader, {
    categoryId: input.category.id,
    name: input.name,
    brand: input.brand ?? null,
    description: input.description ?? '',
    status: input.status ?? 'ON_SALE',
  });
  if (input.price !== undefined) {
    if (!input.seller) throw new Error('a priced product needs a seller');
    await send(app, 'POST', `/api/v1/products/${created.id}/prices`, adminAuthHeader, {
      sellerId: input.seller.id,
      price: input.price,
      url: `https://shop.example.com/item/${created.id}`,
    });
  }
  const detail = (
    await app.inject({ method: 'GET', url: `/api/v1/products/${created.id}`, headers: adminAuthHeader })
  ).json().data as {
    id: number;
    name: string;
    brand: string | null;
    description: string;
    status: string;
    lowestPrice: number | null;
    priceEntries: { seller: { id: number } }[];
    createdAt: string;
    updatedAt: string;
  };
  return {
    id: detail.id,
    name: detail.name,
    brand: detail.brand,
    description: detail.description,
    status: detail.status,
    lowestPrice: detail.lowestPrice,
    sellerIds: detail.priceEntries.map((entry) => entry.seller.id),
    createdAt: detail.createdAt,
    updatedAt: detail.updatedAt,
    category: input.category,
  };
}

/** The index document of a created product; `overrides` for what the test controls (popularity…). */
export function productDocument(
  product: CreatedProduct,
  overrides: Partial<ProductDocument> = {},
): ProductDocument {
  const specs = overrides.specs ?? [];
  return {
    productId: product.id,
    name: product.name,
    brand: product.brand,
    description: product.description,
    specsText: specs.map((spec) => `${spec.name} ${spec.value}`).join(' '),
    specs,
    optionsText: '',
    categoryId: product.category.id,
    categoryName: product.category.name,
    categoryPath: product.category.path.map((step) => step.id),
    sellerIds: product.sellerIds,
    // the tests' offers are in stock: every seller counts
    sellerCount: product.sellerIds.length,
    status: product.status,
    lowestPrice: product.lowestPrice,
    rating: 0,
    reviewCount: 0,
    popularityScore: 0,
    thumbnailUrl: null,
    suggest: [product.name, ...(product.brand ? [product.brand] : [])],
    createdAt: product.createdAt,
    updatedAt: product.updatedAt,
    ...overrides,
  };
}

/** Creates the products index of `indexPrefix` if needed, bulk-indexes the documents, refreshes. */
export async function indexDocuments(
  client: SearchClient,
  indexPrefix: string,
  documents: ProductDocument[],
): Promise<void> {
  await ensureProductIndex(client, indexPrefix);
  const alias = productAlias(indexPrefix);
  const body = documents.flatMap((document) => [
    { index: { _index: alias, _id: document.productId } },
    document,
  ]);
  const response = await client.bulk({ body, refresh: true });
  const failed = (response.body.items as { index?: { error?: unknown } }[]).filter(
    (item) => item.index?.error,
  );
  if (response.body.errors || failed.length > 0) {
    throw new Error(`bulk indexing failed: ${JSON.stringify(failed.slice(0, 3))}`);
  }
}
