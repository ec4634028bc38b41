import { sql } from 'drizzle-orm';
import type { Executor } from './outbox.ts';
import type { ProductDocument, ProductDocumentSpec } from './product-document.ts';

export interface ProductDocuments {
  /** live, listed products: to index */
  documents: ProductDocument[];
  /** deleted (soft or hard) or HIDDEN products: to remove from the index */
  removedIds: number[];
}

/** 16 → "16", 15.6 → "15.6", 2.5000 → "2.5"; the unit right after, as the catalog shows it ("16GB"). */
export function formatSpecValue(
  type: string,
  unit: string | null,
  text: string | null,
  number: number | null,
): string | null {
  if (type === 'NUMBER') {
    if (number === null) return null;
    return `${Number(number.toFixed(4))}${unit ?? ''}`;
  }
  return text;
}

/**
 * Builds the index documents of the given products from PostgreSQL in five set-based queries
 * (products with their category, spec values, options, sellers, thumbnails), whatever the number of ids.
 * A product that is deleted, HIDDEN or gone is reported in `removedIds`.
 */
export async function loadProductDocuments(db: Executor, productIds: number[]): Promise<ProductDocuments> {
  const ids = [...new Set(productIds)];
  if (ids.length === 0) return { documents: [], removedIds: [] };
  const idList = sql`${sql.param(ids)}::bigint[]`;
  const [productRows, specRows, optionRows, sellerRows, imageRows] = await Promise.all([
    db.execute<{
      id: number;
      name: string;
      brand: string | null;
      description: string;
      status: string;
      category_id: number;
      category_name: string;
      category_path: string;
      lowest_price: string | number | null;
      seller_count: number;
      average_rating: string | number;
      review_count: number;
      popularity_score: string | number;
      created_at: Date | string;
      updated_at: Date | string;
    }>(sql`
      select product.id, product.name, product.brand, product.description, product.status,
             product.category_id, category.name as category_name, category.path as category_path,
             product.lowest_price, product.seller_count, product.average_rating, product.review_count,
             product.popularity_score, product.created_at, product.updated_at
      from products product
      join categories category on category.id = product.category_id
      where product.id = any(${idList}) and product.deleted_at is null and product.status <> 'HIDDEN'`),
    db.execute<{
      product_id: number;
      key: string;
      name: string;
      type: string;
      unit: string | null;
      text_value: string | null;
      number_value: string | number | null;
    }>(sql`
      select value.product_id, definition.key, definition.name, definition.type, definition.unit,
             value.text_value, value.number_value
      from product_spec_values value
      join spec_definitions definition on definition.id = value.spec_definition_id
      where value.product_id = any(${idList})
      order by value.product_id, definition.sort_order, definition.key`),
    db.execute<{ product_id: number; name: string; values: string[] }>(sql`
      select option.product_id, option.name, option.values
      from product_options option
      where option.product_id = any(${idList})
      order by option.product_id, option.sort_order, option.created_at`),
    db.execute<{ product_id: number; seller_id: number }>(sql`
      select distinct offer.product_id, offer.seller_id
      from offers offer
      join sellers seller on seller.id = offer.seller_id and seller.deleted_at is null
      where offer.product_id = any(${idList})
      order by offer.product_id, offer.seller_id`),
    // the main image, else the first by sort order (as the product list's thumbnail)
    db.execute<{ product_id: number; url: string }>(sql`
      select distinct on (image.product_id) image.product_id, image.url
      from product_images image
      where image.product_id = any(${idList})
      order by image.product_id, image.is_main desc, image.sort_order, image.created_at`),
  ]);

  const specs = new Map<number, ProductDocumentSpec[]>();
  for (const row of specRows) {
    const number = row.number_value === null ? null : Number(row.number_value);
    const value = formatSpecValue(row.type, row.unit, row.text_value, number);
    if (value === null) continue;
    const list = specs.get(row.product_id) ?? [];
    list.push({ key: row.key, name: row.name, value, numberValue: row.type === 'NUMBER' ? number : null });
    specs.set(row.product_id, list);
  }
  const options = new Map<number, string[]>();
  for (const row of optionRows) {
    const list = options.get(row.product_id) ?? [];
    list.push([row.name, ...row.values].join(' '));
    options.set(row.product_id, list);
  }
  const sellers = new Map<number, number[]>();
  for (const row of sellerRows) {
    sellers.set(row.product_id, [...(sellers.get(row.product_id) ?? []), row.seller_id]);
  }
  const thumbnails = new Map([...imageRows].map((row) => [row.product_id, row.url]));
  const iso = (value: Date | string) => new Date(value).toISOString();

  const documents = [...productRows].map((row): ProductDocument => {
    const productSpecs = specs.get(row.id) ?? [];
    return {
      productId: row.id,
      name: row.name,
      brand: row.brand,
      description: row.description,
      specsText: productSpecs.map((spec) => `${spec.name} ${spec.value}`).join(' '),
      specs: productSpecs,
      optionsText: (options.get(row.id) ?? []).join(' '),
      categoryId: row.category_id,
      categoryName: row.category_name,
      categoryPath: row.category_path.split('/').map(Number),
      sellerIds: sellers.get(row.id) ?? [],
      sellerCount: row.seller_count,
      status: row.status,
      lowestPrice: row.lowest_price === null ? null : Number(row.lowest_price),
      rating: Number(row.average_rating),
      reviewCount: row.review_count,
      popularityScore: Number(row.popularity_score),
      thumbnailUrl: thumbnails.get(row.id) ?? null,
      suggest: [row.name, ...(row.brand ? [row.brand] : [])],
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
    };
  });
  const indexed = new Set(documents.map((document) => document.productId));
  return { documents, removedIds: ids.filter((id) => !indexed.has(id)) };
}
