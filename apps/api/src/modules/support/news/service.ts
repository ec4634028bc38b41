import {
  type Database,
  isUniqueViolation,
  newsArticleProducts,
  newsArticles,
  newsCategories,
  postgresError,
} from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { asc, count, desc, eq, type SQL, sql } from 'drizzle-orm';
import sanitizeHtml from 'sanitize-html';
import type {
  CreateNewsBody,
  CreateNewsCategoryBody,
  NewsCategoryResponse,
  NewsDetail,
  NewsItem,
  NewsListQuery,
  RelatedProduct,
  UpdateNewsBody,
} from './schemas.ts';

/** How long a summary derived from the content is, in characters. */
const SUMMARY_LENGTH = 160;

/** Text without any markup (entities stay escaped, so it is harmless rendered either way), whitespace collapsed. */
function plainText(html: string): string {
  return sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} }).replace(/\s+/g, ' ').trim();
}

/** The summary an editor gave, else the content's first words. */
function summaryOf(content: string, given: string | undefined): string {
  if (given) return plainText(given);
  const text = plainText(content);
  return text.length <= SUMMARY_LENGTH ? text : `${text.slice(0, SUMMARY_LENGTH - 1).trimEnd()}…`;
}

/** A product or tab deleted between the check and the write: the 404 the check would have given. */
function vanishedReference(error: unknown): AppError | undefined {
  const pg = postgresError(error);
  if (pg.code !== '23503') return undefined;
  return new AppError(
    pg.constraint_name?.includes('product') ? 'PRODUCT_NOT_FOUND' : 'NEWS_CATEGORY_NOT_FOUND',
    {
      cause: error,
    },
  );
}

type CategoryRow = typeof newsCategories.$inferSelect;

const toCategory = (row: CategoryRow): NewsCategoryResponse => ({
  id: row.id,
  name: row.name,
  slug: row.slug,
  sortOrder: row.sortOrder,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export interface NewsServiceDeps {
  db: Database;
  /**
   * The catalog's view of live products, in the order asked, leaving out the ones that are gone;
   * `strict`: 404 PRODUCT_NOT_FOUND for one that is not (a write naming it).
   */
  productSummaries(ids: readonly number[], strict: boolean): Promise<RelatedProduct[]>;
}

/**
 * News (NEWS-01..05): tabs with unique slugs, articles with a summary (derived from the content
 * when not given) and their related products (which must exist when named), read through the
 * catalog's products service rather than its tables.
 */
export function newsService({ db, productSummaries }: NewsServiceDeps) {
  const itemColumns = {
    id: newsArticles.id,
    title: newsArticles.title,
    summary: newsArticles.summary,
    category: newsCategories.slug,
    categoryId: newsArticles.categoryId,
    thumbnailUrl: newsArticles.thumbnailUrl,
    viewCount: newsArticles.viewCount,
    createdAt: newsArticles.createdAt,
    updatedAt: newsArticles.updatedAt,
  };
  const toItem = (row: {
    id: number;
    title: string;
    summary: string;
    category: string | null;
    categoryId: number | null;
    thumbnailUrl: string | null;
    viewCount: number;
    createdAt: Date;
    updatedAt: Date;
  }): NewsItem => ({
    ...row,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  });

  async function assertCategory(categoryId: number | null | undefined) {
    if (categoryId == null) return;
    const [found] = await db
      .select({ id: newsCategories.id })
      .from(newsCategories)
      .where(eq(newsCategories.id, categoryId));
    if (!found) throw new AppError('NEWS_CATEGORY_NOT_FOUND');
  }

  /** An article as the detail shows it, `viewed` counting one view. */
  async function detail(id: number, viewed: boolean): Promise<NewsDetail> {
    const where = eq(newsArticles.id, id);
    const [article] = viewed
      ? await db
          .update(newsArticles)
          .set({ viewCount: sql`${newsArticles.viewCount} + 1` })
          .where(where)
          .returning()
      : await db.select().from(newsArticles).where(where);
    if (!article) throw new AppError('NEWS_NOT_FOUND');
    const [categoryRows, links] = await Promise.all([
      article.categoryId === null
        ? []
        : db
            .select({ id: newsCategories.id, name: newsCategories.name, slug: newsCategories.slug })
            .from(newsCategories)
            .where(eq(newsCategories.id, article.categoryId)),
      db
        .select({ productId: newsArticleProducts.productId })
        .from(newsArticleProducts)
        .where(eq(newsArticleProducts.articleId, id))
        .orderBy(asc(newsArticleProducts.position)),
    ]);
    return {
      id: article.id,
      title: article.title,
      summary: article.summary,
      content: article.content,
      categoryId: article.categoryId,
      category: categoryRows[0] ?? null,
      thumbnailUrl: article.thumbnailUrl,
      viewCount: article.viewCount,
      createdAt: article.createdAt.toISOString(),
      updatedAt: article.updatedAt.toISOString(),
      relatedProducts: await productSummaries(
        links.map((link) => link.productId),
        false,
      ),
    };
  }

  const linkRows = (articleId: number, ids: readonly number[]) =>
    ids.map((productId, position) => ({ articleId, productId, position }));

  return {
    async categories(): Promise<NewsCategoryResponse[]> {
      const rows = await db
        .select()
        .from(newsCategories)
        .orderBy(asc(newsCategories.sortOrder), asc(newsCategories.id));
      return rows.map(toCategory);
    },

    async createCategory(body: CreateNewsCategoryBody): Promise<NewsCategoryResponse> {
      try {
        const [row] = await db.insert(newsCategories).values(body).returning();
        return toCategory(row!);
      } catch (error) {
        if (isUniqueViolation(error, 'news_categories_slug_key')) {
          throw new AppError('DUPLICATE_SLUG', {
            details: [{ field: 'slug', message: body.slug }],
            cause: error,
          });
        }
        throw error;
      }
    },

    /** Its articles stay, without a tab. */
    async removeCategory(id: number): Promise<void> {
      const removed = await db
        .delete(newsCategories)
        .where(eq(newsCategories.id, id))
        .returning({ id: newsCategories.id });
      if (removed.length === 0) throw new AppError('NEWS_CATEGORY_NOT_FOUND');
    },

    /** Newest first, of one tab (`category`: its slug or id; an unknown one lists nothing). */
    async list(query: NewsListQuery): Promise<{ items: NewsItem[]; totalCount: number }> {
      let where: SQL | undefined;
      if (query.category) {
        where = /^[1-9][0-9]{0,15}$/.test(query.category)
          ? eq(newsArticles.categoryId, Number(query.category))
          : eq(newsCategories.slug, query.category);
      }
      const [rows, [total]] = await Promise.all([
        db
          .select(itemColumns)
          .from(newsArticles)
          .leftJoin(newsCategories, eq(newsCategories.id, newsArticles.categoryId))
          .where(where)
          .orderBy(desc(newsArticles.createdAt), desc(newsArticles.id))
          .limit(query.limit)
          .offset((query.page - 1) * query.limit),
        db
          .select({ value: count() })
          .from(newsArticles)
          .leftJoin(newsCategories, eq(newsCategories.id, newsArticles.categoryId))
          .where(where),
      ]);
      return { items: rows.map(toItem), totalCount: total?.value ?? 0 };
    },

    /** The public detail: one more view. */
    read: (id: number) => detail(id, true),

    async create(body: CreateNewsBody, authorId: number): Promise<NewsDetail> {
      await assertCategory(body.categoryId);
      const productIds = body.productIds ?? [];
      await productSummaries(productIds, true);
      const id = await db
        .transaction(async (tx) => {
          const [row] = await tx
            .insert(newsArticles)
            .values({
              title: body.title,
              content: body.content,
              summary: summaryOf(body.content, body.summary),
              categoryId: body.categoryId ?? null,
              thumbnailUrl: body.thumbnailUrl ?? null,
              authorId,
            })
            .returning({ id: newsArticles.id });
          if (productIds.length > 0)
            await tx.insert(newsArticleProducts).values(linkRows(row!.id, productIds));
          return row!.id;
        })
        .catch((error: unknown) => {
          throw vanishedReference(error) ?? error;
        });
      return detail(id, false);
    },

    async update(id: number, body: UpdateNewsBody): Promise<NewsDetail> {
      await assertCategory(body.categoryId);
      if (body.productIds) await productSummaries(body.productIds, true);
      await db
        .transaction(async (tx) => {
          const [current] = await tx
            .select({ content: newsArticles.content, summary: newsArticles.summary })
            .from(newsArticles)
            .where(eq(newsArticles.id, id))
            .for('update');
          if (!current) throw new AppError('NEWS_NOT_FOUND');
          const content = body.content ?? current.content;
          await tx
            .update(newsArticles)
            .set({
              title: body.title,
              content: body.content,
              // new content sent without a summary gets one derived from it
              summary:
                body.summary !== undefined || body.content !== undefined
                  ? summaryOf(content, body.summary)
                  : undefined,
              categoryId: body.categoryId,
              thumbnailUrl: body.thumbnailUrl,
              updatedAt: sql`now()`,
            })
            .where(eq(newsArticles.id, id));
          if (body.productIds) {
            await tx.delete(newsArticleProducts).where(eq(newsArticleProducts.articleId, id));
            if (body.productIds.length > 0)
              await tx.insert(newsArticleProducts).values(linkRows(id, body.productIds));
          }
        })
        .catch((error: unknown) => {
          throw vanishedReference(error) ?? error;
        });
      return detail(id, false);
    },

    async remove(id: number): Promise<void> {
      const removed = await db
        .delete(newsArticles)
        .where(eq(newsArticles.id, id))
        .returning({ id: newsArticles.id });
      if (removed.length === 0) throw new AppError('NEWS_NOT_FOUND');
    },
  };
}

export type NewsService = ReturnType<typeof newsService>;
