// The product thumbnail as one SQL expression, for the product list (products area) and the
// comparison and similar products (this area). It belongs with `product_images` in the products
// area, but the products area imports this one (the list's spec filter) and two areas never import
// each other both ways, so it lives here until it moves below both (into @pbshop/db, beside the
// product_images schema, where packages/search's documents could use it too).
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
