import type { Logger } from '@pbshop/config';
import { type Database, products, reviews, type Transaction } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, eq, isNull, type Placeholder, type SQL, sql } from 'drizzle-orm';
import { refreshReviewStats } from '../../catalog/products/service.ts';
import type { PointsService } from '../points/service.ts';
import type { CreateReviewBody, Review, ReviewListQuery, ReviewSort, UpdateReviewBody } from './schemas.ts';

type Executor = Database | Transaction;

/** The list counts a product's matching reviews up to this many; beyond it `totalCountCapped` is true. */
export const REVIEW_COUNT_CAP = 1_000;

/** The values of the list statement, by placeholder name. */
type ListValue = 'productId' | 'rating' | 'limit' | 'offset' | 'scan' | 'withdrawn' | 'unnamed';

/** The nickname shown for an author who has withdrawn, and for one who never chose a nickname. */
export interface AuthorNames {
  withdrawn: string;
  unnamed: string;
}

/** Who deletes a review: its author, or an ADMIN (any review). */
export interface Deleter {
  id: number;
  role: string;
}

export interface ReviewsServiceOptions {
  db: Database;
  /** the pool the public list reads with (the API's smaller read pool) */
  reads?: Database;
  points: Pick<PointsService, 'earn' | 'takeBackReviewReward'>;
  /** the review policy's points a new review earns (0: none; admin settings, read per review) */
  rewardPoints(): Promise<number>;
  /** after a change of a product's review count or rating: invalidates its cached pages, wakes worker-search */
  publishProductChange(productId: number): Promise<void>;
  /** the images a review no longer shows (deleted with it, or left out on an edit): deleted, files too */
  removeImage(imageId: number): Promise<unknown>;
  /** what the image service puts before an image file key's `<id>/files/<name>` in its URLs */
  imageFilesBase: string;
  logger: Pick<Logger, 'error'>;
  /** after a committed new review: the author's badges are evaluated (review_count, point_total) */
  memberMetricsMoved?(userId: number): Promise<void>;
}

const isoText = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The placeholder nicknames as values, or as a prepared statement's placeholders. */
type NameValues = AuthorNames | { withdrawn: Placeholder; unnamed: Placeholder };

/**
 * The `review` row joined with its `author` as the API's Review, a JSON object built by PostgreSQL.
 * The author's nickname gives way to a placeholder once they withdrew (or when they have none).
 * Its uploaded images' variant URLs are the image service's: `filesBase` then the storage key
 * `images/<id>/<name>` as `<id>/files/<name>` (ImagesService.fileUrl).
 */
function reviewJson(names: NameValues, filesBase: string): SQL {
  return sql`json_build_object(
    'id', review.id, 'productId', review.product_id, 'orderId', review.order_id, 'rating', review.rating,
    'content', review.content, 'tags', review.tags, 'imageUrls', review.image_urls,
    'images', coalesce((
      select json_agg(json_build_object('id', shown.image_id, 'variants', coalesce((
        select json_agg(json_build_object('type', variant.type,
          'url', ${filesBase}::text || regexp_replace(substr(variant.storage_key, 8), '/', '/files/'),
          'width', variant.width, 'height', variant.height) order by variant.width, variant.id)
        from image_variants variant where variant.image_id = shown.image_id), '[]'::json)) order by shown.position)
      from review_images shown where shown.review_id = review.id), '[]'::json),
    'isBest', review.is_best,
    'user', json_build_object('id', author.id, 'nickname', case
      when author.deleted_at is not null then ${names.withdrawn}::text
      else coalesce(author.nickname, ${names.unnamed}::text) end),
    'createdAt', ${isoText(sql`review.created_at`)},
    'updatedAt', ${isoText(sql`review.updated_at`)})`;
}

/**
 * The parts a sort reads one after another, each a condition on one product's live reviews whose
 * matches are read newest first through an index: one rating at a time for the rating sorts
 * (`reviews_product_rating_created_idx`), the best reviews then the others for BEST
 * (`reviews_product_best_created_idx`, then `reviews_product_created_idx` skipping the few best).
 */
function sortParts(sort: ReviewSort, ofRating: SQL | undefined): SQL[] {
  switch (sort) {
    case 'RATING_DESC':
    case 'RATING_ASC': {
      if (ofRating) return [ofRating];
      const ascending = [1, 2, 3, 4, 5];
      return (sort === 'RATING_DESC' ? ascending.toReversed() : ascending).map(
        (value) => sql`rating = ${value}`,
      );
    }
    case 'BEST':
      return [sql`is_best`, sql`not is_best`].map((part) => (ofRating ? sql`${part} and ${ofRating}` : part));
    default:
      return [ofRating ?? sql`true`];
  }
}

/**
 * Reviews of purchase-confirmed order items (REV-01..08), one live review per order item. Every
 * write that moves a product's review count or average recomputes them, with the product's search
 * outbox row, in its own transaction (`refreshReviewStats`, under the product's row lock); a new
 * review earns `rewardPoints` in that transaction too, and a deleted one gives back what is left of
 * them. Lock order: the review row, the product, the member (as orders: products before members).
 */
export function reviewsService(options: ReviewsServiceOptions) {
  const { db, points, rewardPoints, publishProductChange, memberMetricsMoved } = options;
  const reads = options.reads ?? db;
  const filesBase = options.imageFilesBase;

  /**
   * Shows `imageIds` on the review, in their order, inside its transaction: each must be an image
   * the author uploaded (processed, not deleted; held until commit) and not on another review or
   * a post, else ATTACHMENT_NOT_ALLOWED and the transaction rolls back.
   */
  async function attachImages(tx: Transaction, userId: number, reviewId: number, imageIds: number[]) {
    if (imageIds.length === 0) return;
    const ids = `{${imageIds.join(',')}}`;
    const owned = new Set(
      (
        await tx.execute<{ id: number }>(sql`
          select id from images
          where id = any(${ids}::bigint[]) and uploader_id = ${userId}
            and processing_status = 'COMPLETED' and deleted_at is null
          for key share`)
      ).map((row) => Number(row.id)),
    );
    const foreign = imageIds.filter((id) => !owned.has(id));
    if (foreign.length > 0) {
      throw new AppError('ATTACHMENT_NOT_ALLOWED', {
        details: { imageIds: foreign, reason: 'not an image you uploaded' },
      });
    }
    const shownElsewhere = [
      ...(await tx.execute<{ image_id: number }>(sql`
        select image_id from review_images where image_id = any(${ids}::bigint[]) and review_id <> ${reviewId}
        union
        select image_id from post_attachments where image_id = any(${ids}::bigint[])`)),
    ].map((row) => Number(row.image_id));
    const alreadyShown = () =>
      new AppError('ATTACHMENT_NOT_ALLOWED', {
        details: { imageIds: shownElsewhere, reason: 'the image is shown by another review or a post' },
      });
    if (shownElsewhere.length > 0) throw alreadyShown();
    try {
      await tx.execute(sql`
        insert into review_images (review_id, image_id, position)
        select ${reviewId}, image.id, image.position - 1
        from unnest(${ids}::bigint[]) with ordinality as image(id, position)`);
    } catch (error) {
      // another review took one of them meanwhile (the unique index decides)
      const cause = (error as { cause?: { constraint_name?: string } }).cause;
      if (cause?.constraint_name === 'review_images_image_key') throw alreadyShown();
      throw error;
    }
  }

  /** Takes the review's images off it inside its transaction; answers their ids. */
  async function detachImages(tx: Transaction, reviewId: number): Promise<number[]> {
    const rows = await tx.execute<{ image_id: number }>(
      sql`delete from review_images where review_id = ${reviewId} returning image_id`,
    );
    return rows.map((row) => Number(row.image_id));
  }

  /**
   * Deletes images a committed write took off a review. One that cannot be deleted now (storage
   * down) is logged and stays as an image on no review, for an admin's DELETE /images/:id.
   */
  async function discardImages(imageIds: number[]) {
    for (const imageId of imageIds) {
      await options.removeImage(imageId).catch((error: unknown) => {
        if (error instanceof AppError && error.code === 'IMAGE_NOT_FOUND') return;
        options.logger.error({ err: error, imageId }, 'image of a review not deleted with it');
      });
    }
  }

  /**
   * The list statement of one sort, with or without the rating filter: prepared once per shape
   * (planning its parts cost more than running them), the values given as placeholders.
   */
  function listQuery(sort: ReviewSort, filtered: boolean) {
    const value = (name: ListValue) => sql.placeholder(name);
    const ofRating = filtered ? sql`rating = ${value('rating')}` : undefined;
    const candidates = sortParts(sort, ofRating).map(
      (condition, position) => sql`(
        select id, created_at, ${sql.raw(String(position))} as part from reviews
        where product_id = ${value('productId')} and deleted_at is null and ${condition}
        order by created_at desc nulls last, id desc nulls last
        limit ${value('scan')})`,
    );
    const names = { withdrawn: value('withdrawn'), unnamed: value('unnamed') };
    const json = reviewJson(names, filesBase);
    return reads
      .select({
        total: sql<number>`(select count(*)::int from (
          select 1 from reviews
          where product_id = ${value('productId')} and deleted_at is null ${ofRating ? sql`and ${ofRating}` : sql``}
          limit ${REVIEW_COUNT_CAP + 1}
        ) matching)`,
        page: sql<string>`(select coalesce(json_agg(${json} order by page.part, page.created_at desc, page.id desc), '[]')::text
          from (
            select id, created_at, part from (${sql.join(candidates, sql` union all `)}) candidate
            order by part, created_at desc, id desc
            limit ${value('limit')} offset ${value('offset')}
          ) page
          join reviews review on review.id = page.id
          join users author on author.id = review.user_id)`,
      })
      .from(products)
      .where(and(eq(products.id, value('productId')), isNull(products.deletedAt)));
  }
  type ListStatement = ReturnType<ReturnType<typeof listQuery>['prepare']>;
  const preparedLists = new Map<string, ListStatement>();

  async function reviewOf(executor: Executor, reviewId: number, names: AuthorNames): Promise<Review> {
    const [row] = await executor.execute<{ json: string }>(sql`
      select ${reviewJson(names, filesBase)}::text as json
      from reviews review join users author on author.id = review.user_id
      where review.id = ${reviewId}`);
    if (!row) throw new AppError('REVIEW_NOT_FOUND');
    return JSON.parse(row.json) as Review;
  }

  /**
   * Runs a review write; once the transaction is over, the product whose stats it recomputed (as
   * `work` reports through `changed`) is published, also when the transaction failed after that
   * step: a failed commit may have committed.
   */
  async function writing<T>(work: (tx: Transaction, changed: (productId: number) => void) => Promise<T>) {
    let productId: number | undefined;
    try {
      return await db.transaction((tx) =>
        work(tx, (id) => {
          productId = id;
        }),
      );
    } finally {
      if (productId !== undefined) await publishProductChange(productId);
    }
  }

  return {
    /** Live (not deleted) reviews per member, for the badges' review_count; a member without any is absent. */
    async countReviewsForUsers(userIds: readonly number[]): Promise<Map<number, number>> {
      if (userIds.length === 0) return new Map();
      const rows = await db.execute<{ user_id: number; reviews: number }>(sql`
        select user_id, count(*)::int as reviews from reviews
        where user_id = any(${`{${userIds.join(',')}}`}::bigint[]) and deleted_at is null
        group by user_id`);
      return new Map(rows.map((row) => [Number(row.user_id), Number(row.reviews)]));
    },

    /**
     * A product's live reviews, a page in the sort's order (newest first within each part), as a
     * JSON array built by PostgreSQL, with the count of matches (stopping past REVIEW_COUNT_CAP);
     * PRODUCT_NOT_FOUND for an unknown or deleted product. Each part of the sort reads at most
     * `offset + limit` entries of its index; the page is the first of them in the sort's order.
     */
    async list(
      productId: number,
      query: ReviewListQuery,
      names: AuthorNames,
    ): Promise<{ pageJson: string; totalCount: number; totalCountCapped: boolean }> {
      const filtered = query.rating !== undefined;
      const shape = `${query.sort}_${filtered ? 'rating' : 'all'}`;
      let prepared = preparedLists.get(shape);
      if (!prepared) {
        prepared = listQuery(query.sort, filtered).prepare(`reviews_list_${shape}`);
        preparedLists.set(shape, prepared);
      }
      const offset = (query.page - 1) * query.limit;
      const [row] = await prepared.execute({
        productId,
        rating: query.rating,
        limit: query.limit,
        offset,
        scan: offset + query.limit,
        withdrawn: names.withdrawn,
        unnamed: names.unnamed,
      } satisfies Record<ListValue, unknown>);
      if (!row) throw new AppError('PRODUCT_NOT_FOUND');
      return {
        pageJson: row.page,
        totalCount: Math.min(row.total, REVIEW_COUNT_CAP),
        totalCountCapped: row.total > REVIEW_COUNT_CAP,
      };
    },

    /**
     * A review of the product by the member who bought it: `orderId` must be theirs (else
     * ORDER_NOT_FOUND), CONFIRMED and hold the product (else REVIEW_NOT_ALLOWED). It reviews the
     * order's first line of the product without a live review; when every such line has one,
     * REVIEW_ALREADY_EXISTS (the unique index on live reviews per order item decides between
     * concurrent submits). The review, the product's stats and outbox row, and the reward (for the
     * order item's first review only) in one transaction.
     */
    async create(
      userId: number,
      productId: number,
      body: CreateReviewBody,
      names: AuthorNames,
    ): Promise<Review> {
      const reward = await rewardPoints();
      const [found] = await db.execute<{
        product_live: boolean;
        order_status: string | null;
        holds_product: boolean;
      }>(sql`
        select exists (select 1 from products where id = ${productId} and deleted_at is null) as product_live,
               placed.status as order_status,
               exists (
                 select 1 from order_items line where line.order_id = placed.id and line.product_id = ${productId}
               ) as holds_product
        from (select 1) as one
        left join orders placed on placed.id = ${body.orderId} and placed.user_id = ${userId}`);
      if (!found?.product_live) throw new AppError('PRODUCT_NOT_FOUND');
      if (found.order_status === null) throw new AppError('ORDER_NOT_FOUND');
      // CONFIRMED is the last step of an order: once there, it stays
      if (found.order_status !== 'CONFIRMED') {
        throw new AppError('REVIEW_NOT_ALLOWED', {
          details: { reason: 'the order is not purchase-confirmed', status: found.order_status },
        });
      }
      if (!found.holds_product) {
        throw new AppError('REVIEW_NOT_ALLOWED', {
          details: { reason: 'the order does not hold this product' },
        });
      }
      const reviewId = await writing(async (tx, changed) => {
        const [written] = await tx.execute<{
          id: number;
          product_name: string;
          reviewed_before: boolean;
        }>(sql`
          with line as (
            select line.id, line.product_name,
                   -- a line's reviews are all its buyer's: found through the buyer's (few) reviews
                   exists (
                     select 1 from reviews deleted
                     where deleted.user_id = ${userId} and deleted.order_item_id = line.id
                       and deleted.deleted_at is not null
                   ) as reviewed_before
            from order_items line
            where line.order_id = ${body.orderId} and line.product_id = ${productId}
              and not exists (
                select 1 from reviews done where done.order_item_id = line.id and done.deleted_at is null
              )
            order by line.id
            limit 1
          ), written as (
            insert into reviews (user_id, product_id, order_id, order_item_id, rating, content, tags, image_urls)
            select ${userId}, ${productId}, ${body.orderId}, line.id, ${body.rating}, ${body.content},
                   ${JSON.stringify(body.tags ?? [])}::jsonb, ${JSON.stringify(body.imageUrls ?? [])}::jsonb
            from line
            on conflict (order_item_id) where deleted_at is null do nothing
            returning id
          )
          select written.id, line.product_name, line.reviewed_before from written, line`);
        if (!written) throw new AppError('REVIEW_ALREADY_EXISTS');
        const id = Number(written.id);
        await attachImages(tx, userId, id, body.imageIds ?? []);
        // the product was deleted since the check: no review of it
        if (!(await refreshReviewStats(tx, productId))) throw new AppError('PRODUCT_NOT_FOUND');
        changed(productId);
        // one reward per order item: a review written again after a deletion earns nothing
        if (reward > 0 && !written.reviewed_before) {
          await points.earn(tx, userId, reward, {
            type: 'EARN',
            description: `review #${id} of ${written.product_name}`,
            reviewId: id,
          });
        }
        return id;
      });
      await memberMetricsMoved?.(userId);
      return reviewOf(db, reviewId, names);
    },

    /**
     * The author's change of their review; REVIEW_NOT_FOUND for anyone else's (or a deleted one).
     * A new rating recomputes the product's average in the same transaction; `imageIds` replaces
     * the uploaded images shown, and the ones left out are deleted once it committed.
     */
    async update(
      userId: number,
      reviewId: number,
      body: UpdateReviewBody,
      names: AuthorNames,
    ): Promise<Review> {
      let leftOut: number[] = [];
      const updated = await writing(async (tx, changed) => {
        const [row] = await tx
          .update(reviews)
          .set({
            ...(body.rating === undefined ? {} : { rating: body.rating }),
            ...(body.content === undefined ? {} : { content: body.content }),
            ...(body.tags === undefined ? {} : { tags: body.tags }),
            ...(body.imageUrls === undefined ? {} : { imageUrls: body.imageUrls }),
            updatedAt: sql`now()`,
          })
          .where(and(eq(reviews.id, reviewId), eq(reviews.userId, userId), isNull(reviews.deletedAt)))
          .returning({ productId: reviews.productId });
        if (!row) throw new AppError('REVIEW_NOT_FOUND');
        if (body.imageIds !== undefined) {
          const kept = new Set(body.imageIds);
          const before = await detachImages(tx, reviewId);
          await attachImages(tx, userId, reviewId, body.imageIds);
          leftOut = before.filter((id) => !kept.has(id));
        }
        if (body.rating !== undefined && (await refreshReviewStats(tx, row.productId)))
          changed(row.productId);
        return reviewOf(tx, reviewId, names);
      });
      await discardImages(leftOut);
      return updated;
    },

    /**
     * Soft delete by the author or an ADMIN (REVIEW_NOT_FOUND otherwise): the product's stats are
     * recomputed, what is left of the author's reward is taken back and its uploaded images are
     * taken off, in one transaction; then those images are deleted (rows and files). Answers the
     * points taken back and the images deleted.
     */
    async remove(
      deleter: Deleter,
      reviewId: number,
    ): Promise<{ productId: number; pointsTakenBack: number; imagesDeleted: number }> {
      let shown: number[] = [];
      const removed = await writing(async (tx, changed) => {
        const [row] = await tx
          .update(reviews)
          .set({ deletedAt: sql`now()`, updatedAt: sql`now()` })
          .where(
            and(
              eq(reviews.id, reviewId),
              isNull(reviews.deletedAt),
              deleter.role === 'ADMIN' ? undefined : eq(reviews.userId, deleter.id),
            ),
          )
          .returning({ productId: reviews.productId, userId: reviews.userId });
        if (!row) throw new AppError('REVIEW_NOT_FOUND');
        if (await refreshReviewStats(tx, row.productId)) changed(row.productId);
        const pointsTakenBack = await points.takeBackReviewReward(tx, row.userId, reviewId);
        shown = await detachImages(tx, reviewId);
        return { productId: row.productId, pointsTakenBack, imagesDeleted: shown.length };
      });
      await discardImages(shown);
      return removed;
    },

    /** The ADMIN's best-review mark on or off; REVIEW_NOT_FOUND for a deleted or unknown review. */
    async markBest(reviewId: number, isBest: boolean, names: AuthorNames): Promise<Review> {
      const [row] = await db
        .update(reviews)
        .set({ isBest, updatedAt: sql`now()` })
        .where(and(eq(reviews.id, reviewId), isNull(reviews.deletedAt)))
        .returning({ id: reviews.id });
      if (!row) throw new AppError('REVIEW_NOT_FOUND');
      return reviewOf(db, reviewId, names);
    },
  };
}

export type ReviewsService = ReturnType<typeof reviewsService>;
