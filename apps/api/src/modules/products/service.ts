import { categories, type Database, productImages, productOptions, products } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import {
  and,
  asc,
  count,
  desc,
  eq,
  gte,
  ilike,
  inArray,
  isNull,
  lte,
  ne,
  or,
  type SQL,
  sql,
} from 'drizzle-orm';
import type { CategoriesService } from '../categories/service.ts';
import { offerEntries } from '../prices/service.ts';
import { specFilterConditions } from '../specs/service.ts';
import { escapeLike } from '../users/service.ts';
import type {
  CreateImageBody,
  CreateOptionBody,
  CreateProductBody,
  ProductDetail,
  ProductImage,
  ProductListQuery,
  ProductOption,
  ProductSummary,
  UpdateOptionBody,
  UpdateProductBody,
} from './schemas.ts';

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
export type ProductRow = typeof products.$inferSelect;

const live = isNull(products.deletedAt);

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

/** The main image, else the first by sort order. */
const thumbnail = sql<string | null>`(
  select image.url from product_images image
  where image.product_id = "products"."id"
  order by image.is_main desc, image.sort_order, image.created_at
  limit 1
)`;
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

/** Products, their options and images (PROD-01..08); owns `products`, `product_options`, `product_images`. */
export function productsService(db: Database, categoryService: CategoriesService) {
  async function requireCategory(id: string) {
    if (!(await categoryService.findById(id))) throw new AppError('CATEGORY_NOT_FOUND');
  }

  async function requireProduct(executor: Database | Transaction, id: string, lock = false) {
    const query = executor
      .select({ id: products.id })
      .from(products)
      .where(and(eq(products.id, id), live));
    const [row] = lock ? await query.for('update') : await query;
    if (!row) throw new AppError('PRODUCT_NOT_FOUND');
  }

  async function detail(id: string): Promise<ProductDetail> {
    const [found] = await db
      .select({ product: products, category: { id: categories.id, name: categories.name } })
      .from(products)
      .innerJoin(categories, eq(categories.id, products.categoryId))
      .where(and(eq(products.id, id), live));
    if (!found) throw new AppError('PRODUCT_NOT_FOUND');
    const [options, images, priceEntries] = await Promise.all([
      db
        .select()
        .from(productOptions)
        .where(eq(productOptions.productId, id))
        .orderBy(asc(productOptions.sortOrder), asc(productOptions.createdAt)),
      db
        .select()
        .from(productImages)
        .where(eq(productImages.productId, id))
        .orderBy(desc(productImages.isMain), asc(productImages.sortOrder), asc(productImages.createdAt)),
      offerEntries(db, id),
    ]);
    const { product, category } = found;
    return {
      id: product.id,
      name: product.name,
      brand: product.brand,
      description: product.description,
      lowestPrice: product.lowestPrice,
      highestPrice: product.highestPrice,
      averagePrice: product.averagePrice,
      stock: product.stock,
      status: product.status,
      version: product.version,
      unitQuantity: product.unitQuantity,
      unitLabel: product.unitLabel,
      category,
      options: options.map(toOption),
      images: images.map(toImage),
      priceEntries,
      sellerCount: product.sellerCount,
      reviewCount: product.reviewCount,
      averageRating: Number(product.averageRating),
      createdAt: product.createdAt.toISOString(),
      updatedAt: product.updatedAt.toISOString(),
    };
  }

  return {
    detail,

    /**
     * The public list: one query for the page, one for the count. HIDDEN products are not listed
     * (their detail stays reachable by id for the admin who hid them).
     */
    async list(query: ProductListQuery): Promise<{ rows: ProductSummary[]; totalCount: number }> {
      const conditions: SQL[] = [live, ne(products.status, 'HIDDEN')];
      if (query.categoryId) {
        const ids = await categoryService.selfAndDescendantIds(query.categoryId);
        if (ids.length === 0) return { rows: [], totalCount: 0 };
        conditions.push(inArray(products.categoryId, ids));
      }
      if (query.search) {
        const pattern = `%${escapeLike(query.search)}%`;
        conditions.push(or(ilike(products.name, pattern), ilike(products.brand, pattern))!);
      }
      if (query.minPrice !== undefined) conditions.push(gte(products.lowestPrice, query.minPrice));
      if (query.maxPrice !== undefined) conditions.push(lte(products.lowestPrice, query.maxPrice));
      if (query.sellerId) {
        conditions.push(
          sql`exists (select 1 from offers offer where offer.product_id = "products"."id" and offer.seller_id = ${query.sellerId})`,
        );
      }
      if (query.specs) conditions.push(...(await specFilterConditions(db, query.specs)));
      const where = and(...conditions);
      const [rows, [total]] = await Promise.all([
        db
          .select({
            id: products.id,
            name: products.name,
            brand: products.brand,
            lowestPrice: products.lowestPrice,
            sellerCount: products.sellerCount,
            thumbnailUrl: thumbnail,
            reviewCount: products.reviewCount,
            averageRating: products.averageRating,
            createdAt: products.createdAt,
          })
          .from(products)
          .where(where)
          .orderBy(...orderFor(query.sort))
          .limit(query.limit)
          .offset((query.page - 1) * query.limit),
        db.select({ value: count() }).from(products).where(where),
      ]);
      return {
        rows: rows.map((row) => ({
          ...row,
          averageRating: Number(row.averageRating),
          createdAt: row.createdAt.toISOString(),
        })),
        totalCount: total?.value ?? 0,
      };
    },

    /** Counts a view; best effort, outside any read transaction. */
    async countView(id: string): Promise<void> {
      await db
        .update(products)
        .set({ viewCount: sql`${products.viewCount} + 1` })
        .where(and(eq(products.id, id), live));
    },

    async create(body: CreateProductBody): Promise<ProductDetail> {
      await requireCategory(body.categoryId);
      const [row] = await db
        .insert(products)
        .values({
          categoryId: body.categoryId,
          name: body.name,
          brand: body.brand ?? null,
          description: body.description ?? '',
          status: body.status ?? 'ON_SALE',
          stock: body.stock ?? 0,
          unitQuantity: body.unitQuantity ?? null,
          unitLabel: body.unitLabel ?? null,
        })
        .returning({ id: products.id });
      if (!row) throw new Error('product insert returned no row');
      return detail(row.id);
    },

    /** Optimistic locking: the update applies only at the version the client read, and bumps it. */
    async update(id: string, body: UpdateProductBody): Promise<ProductDetail> {
      const { version, ...fields } = body;
      if (fields.categoryId) await requireCategory(fields.categoryId);
      const changes = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
      const [row] = await db
        .update(products)
        .set({ ...changes, version: sql`${products.version} + 1`, updatedAt: new Date() })
        .where(and(eq(products.id, id), live, eq(products.version, version)))
        .returning({ id: products.id });
      if (!row) {
        const [current] = await db
          .select({ version: products.version })
          .from(products)
          .where(and(eq(products.id, id), live));
        if (!current) throw new AppError('PRODUCT_NOT_FOUND');
        throw new AppError('CONFLICT', {
          details: {
            reason: 'the product was changed meanwhile; reload it',
            currentVersion: current.version,
          },
        });
      }
      return detail(id);
    },

    async remove(id: string): Promise<void> {
      const [row] = await db
        .update(products)
        .set({ deletedAt: new Date(), updatedAt: new Date(), version: sql`${products.version} + 1` })
        .where(and(eq(products.id, id), live))
        .returning({ id: products.id });
      if (!row) throw new AppError('PRODUCT_NOT_FOUND');
    },

    async addOption(productId: string, body: CreateOptionBody): Promise<ProductOption> {
      await requireProduct(db, productId);
      const [row] = await db
        .insert(productOptions)
        .values({ productId, name: body.name, values: body.values, sortOrder: body.sortOrder ?? 0 })
        .returning();
      if (!row) throw new Error('option insert returned no row');
      return toOption(row);
    },

    async updateOption(productId: string, optionId: string, body: UpdateOptionBody): Promise<ProductOption> {
      await requireProduct(db, productId);
      const changes = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
      const [row] = await db
        .update(productOptions)
        .set({ ...changes, updatedAt: new Date() })
        .where(and(eq(productOptions.id, optionId), eq(productOptions.productId, productId)))
        .returning();
      if (!row) throw new AppError('PRODUCT_OPTION_NOT_FOUND');
      return toOption(row);
    },

    async removeOption(productId: string, optionId: string): Promise<void> {
      await requireProduct(db, productId);
      const [row] = await db
        .delete(productOptions)
        .where(and(eq(productOptions.id, optionId), eq(productOptions.productId, productId)))
        .returning({ id: productOptions.id });
      if (!row) throw new AppError('PRODUCT_OPTION_NOT_FOUND');
    },

    /**
     * Adds an image by URL under the product's row lock, so there is one main image at most: a new
     * main image clears the others, and the first image becomes the main one.
     */
    async addImage(productId: string, body: CreateImageBody): Promise<ProductImage> {
      return db.transaction(async (tx) => {
        await requireProduct(tx, productId, true);
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
    async removeImage(productId: string, imageId: string): Promise<void> {
      await db.transaction(async (tx) => {
        await requireProduct(tx, productId, true);
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
