// The product thumbnail as one SQL expression, beside the product_images schema it reads: the
// product list, the spec comparison and similar products all show it.
import { type SQL, sql } from 'drizzle-orm';

/**
 * A product's thumbnail URL: its main image, else the first by sort order, else null. A correlated
 * subquery on the product row of the enclosing query, which must select from `products` under that
 * name.
 */
export function productThumbnail(): SQL<string | null> {
  return sql<string | null>`(
  select image.url from product_images image
  where image.product_id = "products"."id"
  order by image.is_main desc, image.sort_order, image.created_at
  limit 1
)`;
}
