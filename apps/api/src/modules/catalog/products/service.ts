import {
  categories,
  type Database,
  productImages,
  productOptions,
  products,
  productThumbnail,
  type Transaction,
} from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { noSearchSync, type SearchSyncSignal } from '@pbshop/queues';
import { recordSearchChange, type SearchChangeEvent } from '@pbshop/search';
import { and, asc, count, desc, eq, gte, ilike, isNull, lte, ne, or, type SQL, sql } from 'drizzle-orm';
import { escapeLike } from '../../identity/users/service.ts';
import type { CategoriesService } from '../categories/service.ts';
import { offersJson, toPriceEntries } from '../prices/service.ts';
import { specFilterConditions } from '../specs/service.ts';
import type {
  CreateImageBody,
  CreateOptionBody,
  CreateProductBody,
  ProductDetail,
  ProductImage,
  ProductListQuery,
  ProductOption,
  UpdateOptionBody,
  UpdateProductBody,
} from './schemas.ts';

export type ProductRow = typeof products.$inferSelect;

const live = isNull(products.deletedAt);

/** The list counts matching products up to this many; beyond it `totalCountCapped` is true. */
export const LIST_COUNT_CAP = 1_000;

export interface ListCount {
  totalCount: number;
  totalCountCapped: boolean;
}

const toOption = (row: typeof productOptions.$inferSelect): ProductOption => ({
  id: row.id,
  name: row.name,
  values: row.values,
  sortOrder: row.sortOrder,
});

const toImage = (row: typeof productImages.$inferSelect): ProductImage => ({
  id: row.id,
  url: row.url,
  isMain: row.isMain,
  sortOrder: row.sortOrder,
});

function orderFor(sort: ProductListQuery['sort']): SQL[] {
  switch (sort) {
    case 'popularity':
      return [desc(products.popularityScore), desc(products.id)];
    case 'price_asc':
      return [sql`${products.lowestPrice} asc nulls last`, asc(products.id)];
    case 'price_desc':
      return [sql`${products.lowestPrice} desc nulls last`, asc(products.id)];
    case 'rating_desc':
      return [desc(products.averageRating), desc(products.reviewCount), asc(products.id)];
    case 'rating_asc':
      return [asc(products.averageRating), desc(products.reviewCount), asc(products.id)];
    default:
      return [desc(products.createdAt), desc(products.id)];
  }
}

/** The values of a list query's filters and page, by placeholder name. */
type ListValues = {
  categoryId: number | undefined;
  pattern: string | undefined;
  minPrice: number | undefined;
  maxPrice: number | undefined;
  sellerId: number | undefined;
  limit: number;
  offset: number;
};

/** Which filters a list query has, and its sort: the queries of one shape differ in values only. */
function listShape(query: ProductListQuery): string {
  const present = [query.categoryId, query.search, query.minPrice, query.maxPrice, query.sellerId];
  return `${present.map((value) => (value === undefined ? 0 : 1)).join('')}_${query.sort}`;
}

/**
 * Purchase-confirmed units counted into the products' `sales_count` (part of the popularity
 * score), with a search outbox row for them, inside the caller's (the orders module's)
 * transaction. The rows are locked in id order first, so two confirmations never deadlock.
 */
export async function recordSales(
  tx: Transaction,
  sales: { productId: number; quantity: number }[],
): Promise<void> {
  const units = new Map<number, number>();
  for (const sale of sales) units.set(sale.productId, (units.get(sale.productId) ?? 0) + sale.quantity);
  const ids = [...units.keys()].sort((a, b) => a - b);
  if (ids.length === 0) return;
  await tx.execute(sql`
    with locked as (
      select id from products where id = any(${sql.param(ids)}::bigint[]) order by id for no key update
    )
    update products set sales_count = products.sales_count + sold.quantity, updated_at = now()
    from locked, unnest(${sql.param(ids)}::bigint[], ${sql.param(ids.map((id) => units.get(id)!))}::int[])
      as sold(id, quantity)
    where products.id = locked.id and sold.id = locked.id`);
  await recordSearchChange(tx, {
    eventType: 'PRODUCT_UPSERT',
    productIds: ids,
    payload: { reason: 'sales' },
  });
}

/**
 * The product's `review_count` and `average_rating` recomputed from its live reviews, with a search
 * outbox row, inside the caller's (the reviews module's) transaction, after its review write. The
 * product row is locked first and the reviews are read by the next statement, so that statement sees
 * every review write committed before the lock was granted: of concurrent review writes of one
 * product, the last to get the lock counts them all. False (nothing written) when the product is
 * deleted.
 */
export async function refreshReviewStats(tx: Transaction, productId: number): Promise<boolean> {
  const [locked] = await tx.execute(
    sql`select id from products where id = ${productId} and deleted_at is null for no key update`,
  );
  if (!locked) return false;
  await Promise.all([
    tx.execute(sql`
      update products set (review_count, average_rating) = (
        select count(*)::int, coalesce(round(avg(rating), 2), 0)
        from reviews where product_id = ${productId} and deleted_at is null
      ), updated_at = now()
      where id = ${productId}`),
    recordSearchChange(tx, {
      eventType: 'PRODUCT_UPSERT',
      productIds: [productId],
      payload: { reason: 'reviews' },
    }),
  ]);
  return true;
}

/** Products, their options and images (PROD-01..08); owns `products`, `product_options`, `product_images`. */
export function productsService(
  db: Database,
  categoryService: CategoriesService,
  searchSync: SearchSyncSignal = noSearchSync,
  /** the pool the public reads (list, detail) use: the API's smaller read pool */
  reads: Database = db,
) {
  /**
   * The public list's page and count, for the filters `query` has, their values given by `value`
   * (the values themselves, or placeholders). HIDDEN products are not listed (their detail stays
   * reachable by id for the admin who hid them). The page is a deferred join: its ids come from an
   * index-only scan of the sort's covering index (which skips `offset` entries without reading
   * their rows), then only the page's rows are read. Counting stops past the cap: an exact count of
   * a broad filter costs more than the page.
   */
  function listQueries(
    query: ProductListQuery,
    value: (name: keyof ListValues) => unknown,
    specConditions: SQL[],
  ) {
    const conditions: SQL[] = [live, ne(products.status, 'HIDDEN')];
    if (query.categoryId) {
      conditions.push(
        sql`${products.categoryId} = any(${categoryService.selfAndDescendantIdsSql(value('categoryId') as number)})`,
      );
    }
    if (query.search !== undefined) {
      conditions.push(
        or(
          ilike(products.name, value('pattern') as string),
          ilike(products.brand, value('pattern') as string),
        )!,
      );
    }
    if (query.minPrice !== undefined) conditions.push(gte(products.lowestPrice, value('minPrice') as number));
    if (query.maxPrice !== undefined) conditions.push(lte(products.lowestPrice, value('maxPrice') as number));
    if (query.sellerId) {
      conditions.push(
        sql`exists (select 1 from offers offer where offer.product_id = "products"."id" and offer.seller_id = ${value('sellerId')})`,
      );
    }
    conditions.push(...specConditions);
    const where = and(...conditions);
    const pageIds = reads
      .select({ pageId: products.id })
      .from(products)
      .where(where)
      .orderBy(...orderFor(query.sort))
      .limit(value('limit') as number)
      .offset(value('offset') as number)
      .as('page');
    return {
      // the page as JSON text, built in the sort's order by PostgreSQL: the route embeds it in
      // the envelope as it is (no rows to decode, map, validate and encode again per request)
      page: reads
        .select({
          json: sql<string>`coalesce(json_agg(json_build_object(
            'id', ${products.id},
            'name', ${products.name},
            'brand', ${products.brand},
            'lowestPrice', ${products.lowestPrice},
            'sellerCount', ${products.sellerCount},
            'thumbnailUrl', ${productThumbnail()},
            'reviewCount', ${products.reviewCount},
            'averageRating', ${products.averageRating}::float8,
            'createdAt', to_char(${products.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
          ) order by ${sql.join(orderFor(query.sort), sql`, `)}), '[]')::text`,
        })
        .from(pageIds)
        .innerJoin(products, eq(products.id, pageIds.pageId)),
      count: reads.select({ value: count() }).from(
        reads
          .select({ one: sql`1` })
          .from(products)
          .where(where)
          .limit(LIST_COUNT_CAP + 1)
          .as('matching'),
      ),
    };
  }
  type ListPageQuery = ReturnType<ReturnType<typeof listQueries>['page']['prepare']>;
  type ListCountQuery = ReturnType<ReturnType<typeof listQueries>['count']['prepare']>;
  /**
   * Prepared once per shape (drizzle builds the SQL once; postgres.js prepares it once per
   * connection): building the query text cost a fifth of an uncached list request.
   */
  const preparedLists = new Map<string, { page: ListPageQuery; count: ListCountQuery }>();

  /** A product write and its search outbox rows in one transaction; then the search worker is woken. */
  async function withSearchChange<T extends { id: number }>(
    eventType: SearchChangeEvent,
    write: (tx: Transaction) => Promise<T[]>,
  ): Promise<T[]> {
    const rows = await db.transaction(async (tx) => {
      const written = await write(tx);
      await recordSearchChange(tx, { eventType, productIds: written.map((row) => row.id) });
      return written;
    });
    if (rows.length > 0) await searchSync.wake();
    return rows;
  }

  async function requireCategory(id: number) {
    if (!(await categoryService.findById(id))) throw new AppError('CATEGORY_NOT_FOUND');
  }

  async function requireProduct(executor: Database | Transaction, id: number, lock = false) {
    const query = executor
      .select({ id: products.id })
      .from(products)
      .where(and(eq(products.id, id), live));
    const [row] = lock ? await query.for('update') : await query;
    if (!row) throw new AppError('PRODUCT_NOT_FOUND');
  }

  /**
   * A write to a product's options or images under the product's row lock, with the search
   * document's change recorded in the same transaction (options are searched, the main image is the
   * thumbnail), then worker-search woken.
   */
  async function partWrite<T>(productId: number, write: (tx: Transaction) => Promise<T>): Promise<T> {
    const result = await db.transaction(async (tx) => {
      await requireProduct(tx, productId, true);
      const written = await write(tx);
      await recordSearchChange(tx, { eventType: 'PRODUCT_UPSERT', productIds: [productId] });
      return written;
    });
    await searchSync.wake();
    return result;
  }

  /**
   * Makes `url` the product's main image (the storefront's `thumbnailUrl`): an image with that URL
   * is promoted, else one is added; the other images stop being main. Under the product's row lock.
   */
  async function setMainImage(tx: Transaction, productId: number, url: string): Promise<void> {
    const [same] = await tx
      .select({ id: productImages.id })
      .from(productImages)
      .where(and(eq(productImages.productId, productId), eq(productImages.url, url)))
      .orderBy(desc(productImages.isMain), asc(productImages.sortOrder), asc(productImages.id))
      .limit(1);
    await tx
      .update(productImages)
      .set({ isMain: false, updatedAt: new Date() })
      .where(
        and(
          eq(productImages.productId, productId),
          eq(productImages.isMain, true),
          same ? ne(productImages.id, same.id) : undefined,
        ),
      );
    if (same) {
      await tx
        .update(productImages)
        .set({ isMain: true, updatedAt: new Date() })
        .where(and(eq(productImages.id, same.id), eq(productImages.isMain, false)));
    } else {
      await tx.insert(productImages).values({ productId, url, isMain: true, sortOrder: 0 });
    }
  }

  async function detail(id: number): Promise<ProductDetail> {
    // one query: the product, its category, options, images and offers (JSON sub-selects)
    const [found] = await reads
      .select({
        product: products,
        category: { id: categories.id, name: categories.name },
        options: sql<ProductOption[]>`coalesce((
          select json_agg(json_build_object(
            'id', opt.id, 'name', opt.name, 'values', opt.values, 'sortOrder', opt.sort_order)
            order by opt.sort_order, opt.created_at)
          from product_options opt where opt.product_id = ${products.id}
        ), '[]'::json)`,
        images: sql<ProductImage[]>`coalesce((
          select json_agg(json_build_object(
            'id', image.id, 'url', image.url, 'isMain', image.is_main, 'sortOrder', image.sort_order)
            order by image.is_main desc, image.sort_order, image.created_at)
          from product_images image where image.product_id = ${products.id}
        ), '[]'::json)`,
        offers: offersJson(id),
      })
      .from(products)
      .innerJoin(categories, eq(categories.id, products.categoryId))
      .where(and(eq(products.id, id), live));
    if (!found) throw new AppError('PRODUCT_NOT_FOUND');
    const { product, category, options, images } = found;
    const priceEntries = toPriceEntries(found.offers);
    return {
      id: product.id,
      name: product.name,
      brand: product.brand,
      description: product.description,
      price: product.price,
      discountPrice: product.discountPrice,
      lowestPrice: product.lowestPrice,
      highestPrice: product.highestPrice,
      averagePrice: product.averagePrice,
      stock: product.stock,
      status: product.status,
      version: product.version,
      unitQuantity: product.unitQuantity,
      unitLabel: product.unitLabel,
      category,
      options,
      images,
      // images come main first (the order of productThumbnail)
      thumbnailUrl: images[0]?.url ?? null,
      priceEntries,
      sellerCount: product.sellerCount,
      reviewCount: product.reviewCount,
      averageRating: Number(product.averageRating),
      viewCount: product.viewCount,
      createdAt: product.createdAt.toISOString(),
      updatedAt: product.updatedAt.toISOString(),
    };
  }

  return {
    detail,

    /**
     * The public list (see `listQueries`): one query for the page (a JSON array of
     * `ProductSummary`, as text), one for the count.
     */
    async list(
      query: ProductListQuery,
      /** wraps the count, which depends on the filters only: the route caches it across pages and sorts */
      countThrough: (load: () => Promise<ListCount>) => Promise<ListCount> = (load) => load(),
    ): Promise<{ pageJson: string } & ListCount> {
      const values: ListValues = {
        categoryId: query.categoryId,
        pattern: query.search === undefined ? undefined : `%${escapeLike(query.search)}%`,
        minPrice: query.minPrice,
        maxPrice: query.maxPrice,
        sellerId: query.sellerId,
        limit: query.limit,
        offset: (query.page - 1) * query.limit,
      };
      let queries: { page: ListPageQuery; count: ListCountQuery };
      if (query.specs) {
        // spec filters differ in shape from request to request: built for this one
        const built = listQueries(query, (name) => values[name], await specFilterConditions(db, query.specs));
        queries = {
          page: built.page.prepare('products_list_page'),
          count: built.count.prepare('products_list_count'),
        };
      } else {
        const shape = listShape(query);
        let prepared = preparedLists.get(shape);
        if (!prepared) {
          const built = listQueries(query, (name) => sql.placeholder(name), []);
          prepared = {
            page: built.page.prepare(`products_list_page_${shape}`),
            count: built.count.prepare(`products_list_count_${shape}`),
          };
          preparedLists.set(shape, prepared);
        }
        queries = prepared;
      }
      const [[page], counted] = await Promise.all([
        queries.page.execute(values),
        countThrough(async () => {
          const [total] = await queries.count.execute(values);
          const matching = total?.value ?? 0;
          return {
            totalCount: Math.min(matching, LIST_COUNT_CAP),
            totalCountCapped: matching > LIST_COUNT_CAP,
          };
        }),
      ]);
      return { pageJson: page!.json, ...counted };
    },

    /**
     * A product with its options and images in one transaction. Without `images`, a `thumbnailUrl`
     * becomes the main image; with them, the one flagged `isMain` (else the first) is the main one.
     */
    async create(body: CreateProductBody): Promise<ProductDetail> {
      await requireCategory(body.categoryId);
      const [row] = await withSearchChange('PRODUCT_UPSERT', async (tx) => {
        const inserted = await tx
          .insert(products)
          .values({
            categoryId: body.categoryId,
            name: body.name,
            brand: body.brand ?? null,
            description: body.description ?? '',
            status: body.status ?? 'ON_SALE',
            stock: body.stock ?? 0,
            price: body.price ?? 0,
            discountPrice: body.discountPrice ?? null,
            unitQuantity: body.unitQuantity ?? null,
            unitLabel: body.unitLabel ?? null,
          })
          .returning({ id: products.id });
        const productId = inserted[0]?.id;
        if (productId === undefined) throw new Error('product insert returned no row');
        if (body.options?.length) {
          await tx.insert(productOptions).values(
            body.options.map((option, position) => ({
              productId,
              name: option.name,
              values: option.values,
              sortOrder: option.sortOrder ?? position,
            })),
          );
        }
        const images: CreateImageBody[] = body.images?.length
          ? body.images
          : body.thumbnailUrl
            ? [{ url: body.thumbnailUrl, isMain: true }]
            : [];
        if (images.length > 0) {
          const main = Math.max(
            0,
            images.findIndex((image) => image.isMain === true),
          );
          await tx.insert(productImages).values(
            images.map((image, position) => ({
              productId,
              url: image.url,
              isMain: position === main,
              sortOrder: image.sortOrder ?? position,
            })),
          );
        }
        return inserted;
      });
      if (!row) throw new Error('product insert returned no row');
      return detail(row.id);
    },

    /**
     * Updates under the product's row lock. With `version`, optimistic locking: the update applies
     * only at the version the client read (409 CONFLICT otherwise); without it (the storefront
     * never sends one) the last write wins. Every update bumps the version. A discount price above
     * the resulting list price is a 400, whichever of the two the body changes.
     */
    async update(id: number, body: UpdateProductBody): Promise<ProductDetail> {
      const { version, thumbnailUrl, ...fields } = body;
      if (fields.categoryId) await requireCategory(fields.categoryId);
      const changes = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
      await withSearchChange('PRODUCT_UPSERT', async (tx) => {
        const [current] = await tx
          .select({ version: products.version, price: products.price, discountPrice: products.discountPrice })
          .from(products)
          .where(and(eq(products.id, id), live))
          .for('update');
        if (!current) throw new AppError('PRODUCT_NOT_FOUND');
        if (version !== undefined && version !== current.version) {
          throw new AppError('CONFLICT', {
            details: {
              reason: 'the product was changed meanwhile; reload it',
              currentVersion: current.version,
            },
          });
        }
        const price = fields.price ?? current.price;
        const discountPrice =
          fields.discountPrice === undefined ? current.discountPrice : fields.discountPrice;
        if (discountPrice !== null && discountPrice > price) {
          throw new AppError('VALIDATION_ERROR', {
            details: [
              {
                field: fields.discountPrice === undefined ? 'body.price' : 'body.discountPrice',
                message: `the discount price (${discountPrice}) must not exceed the price (${price})`,
              },
            ],
          });
        }
        if (thumbnailUrl !== undefined) await setMainImage(tx, id, thumbnailUrl);
        return tx
          .update(products)
          .set({ ...changes, version: sql`${products.version} + 1`, updatedAt: new Date() })
          .where(eq(products.id, id))
          .returning({ id: products.id });
      });
      return detail(id);
    },

    async remove(id: number): Promise<void> {
      const [row] = await withSearchChange('PRODUCT_DELETE', (tx) =>
        tx
          .update(products)
          .set({ deletedAt: new Date(), updatedAt: new Date(), version: sql`${products.version} + 1` })
          .where(and(eq(products.id, id), live))
          .returning({ id: products.id }),
      );
      if (!row) throw new AppError('PRODUCT_NOT_FOUND');
    },

    async addOption(productId: number, body: CreateOptionBody): Promise<ProductOption> {
      return partWrite(productId, async (tx) => {
        const [row] = await tx
          .insert(productOptions)
          .values({ productId, name: body.name, values: body.values, sortOrder: body.sortOrder ?? 0 })
          .returning();
        if (!row) throw new Error('option insert returned no row');
        return toOption(row);
      });
    },

    async updateOption(productId: number, optionId: number, body: UpdateOptionBody): Promise<ProductOption> {
      const changes = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
      return partWrite(productId, async (tx) => {
        const [row] = await tx
          .update(productOptions)
          .set({ ...changes, updatedAt: new Date() })
          .where(and(eq(productOptions.id, optionId), eq(productOptions.productId, productId)))
          .returning();
        if (!row) throw new AppError('PRODUCT_OPTION_NOT_FOUND');
        return toOption(row);
      });
    },

    async removeOption(productId: number, optionId: number): Promise<void> {
      await partWrite(productId, async (tx) => {
        const [row] = await tx
          .delete(productOptions)
          .where(and(eq(productOptions.id, optionId), eq(productOptions.productId, productId)))
          .returning({ id: productOptions.id });
        if (!row) throw new AppError('PRODUCT_OPTION_NOT_FOUND');
      });
    },

    /**
     * Adds an image by URL under the product's row lock, so there is one main image at most: a new
     * main image clears the others, and the first image becomes the main one.
     */
    async addImage(productId: number, body: CreateImageBody): Promise<ProductImage> {
      return partWrite(productId, async (tx) => {
        const [main] = await tx
          .select({ id: productImages.id })
          .from(productImages)
          .where(and(eq(productImages.productId, productId), eq(productImages.isMain, true)));
        const isMain = body.isMain === true || !main;
        if (isMain && main) {
          await tx
            .update(productImages)
            .set({ isMain: false, updatedAt: new Date() })
            .where(and(eq(productImages.productId, productId), eq(productImages.isMain, true)));
        }
        const [row] = await tx
          .insert(productImages)
          .values({ productId, url: body.url, isMain, sortOrder: body.sortOrder ?? 0 })
          .returning();
        if (!row) throw new Error('image insert returned no row');
        return toImage(row);
      });
    },

    /** Deletes an image; when it was the main one, the next by sort order takes its place. */
    async removeImage(productId: number, imageId: number): Promise<void> {
      await partWrite(productId, async (tx) => {
        const [row] = await tx
          .delete(productImages)
          .where(and(eq(productImages.id, imageId), eq(productImages.productId, productId)))
          .returning();
        if (!row) throw new AppError('PRODUCT_IMAGE_NOT_FOUND');
        if (!row.isMain) return;
        const [next] = await tx
          .select({ id: productImages.id })
          .from(productImages)
          .where(eq(productImages.productId, productId))
          .orderBy(asc(productImages.sortOrder), asc(productImages.createdAt))
          .limit(1);
        if (next) {
          await tx
            .update(productImages)
            .set({ isMain: true, updatedAt: new Date() })
            .where(eq(productImages.id, next.id));
        }
      });
    },
  };
}

export type ProductsService = ReturnType<typeof productsService>;
