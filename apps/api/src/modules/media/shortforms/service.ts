import { setTimeout } from 'node:timers/promises';
import type { Logger } from '@pbshop/config';
import {
  type Database,
  products,
  shortformComments,
  shortformDailyStats,
  shortformLikes,
  shortformProducts,
  shortforms,
  users,
} from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { type JobProducers, QueueUnavailableError } from '@pbshop/queues';
import { type Storage, withLocalFile } from '@pbshop/storage';
import { and, count, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Principal } from '../../../http/principal.ts';
import type { ReceivedUpload } from '../../../http/uploads.ts';
import { type ItemUrls, itemColumns, published, selectItems, toItem } from './items.ts';
import {
  type CommentItem,
  encodeCursor,
  type FeedCursor,
  MAX_DURATION_MS,
  type RankedShortform,
  type RankingPeriod,
  type ShortformItem,
  uploadFields,
} from './schemas.ts';

/** What probing a stored video found (the media files module's prober answers this). */
export interface ProbedVideo {
  width: number | null;
  height: number | null;
  durationMs: number | null;
}

export interface ShortformsDeps {
  db: Database;
  storage: Storage;
  producers: JobProducers;
  /** ffprobe of a local file: undefined when it is not a readable audio/video file */
  probeVideo(path: string): Promise<ProbedVideo | undefined>;
  /** deletes files the upload intake stored, when a later step refuses them */
  discardUploads(files: ReceivedUpload['files']): Promise<void>;
  urls: ItemUrls;
  logger: Logger;
}

/** The calendar day stats are kept by (the storefront's market). */
const STATS_TIME_ZONE = 'Asia/Seoul';
const today = sql`(now() at time zone ${STATS_TIME_ZONE})::date`;

/** Days each ranking period sums, today included. */
const periodDays: Record<RankingPeriod, number> = { day: 1, week: 7, month: 30 };
/** A like weighs as much as this many views in the ranking: a deliberate act against a passing one. */
export const LIKE_WEIGHT = 5;

/** One BullMQ job per shortform: a retry re-runs it, an operator's queue retry too. */
export const transcodeJobId = (shortformId: number) => `shortform-${shortformId}`;

/** Where a shortform's renditions live (worker-transcode writes them there). */
const shortformFolder = (shortformId: number) => `shortforms/${shortformId}/`;

const contentTypes: Record<string, string> = {
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  avi: 'video/x-msvideo',
};

export interface StreamTarget {
  key: string;
  mime: string;
}

const live = (shortformId: number) => and(eq(shortforms.id, shortformId), isNull(shortforms.deletedAt));

/**
 * Short-form videos (SHRT-01..05): upload (probed: a readable video, ≤ 60 s, vertical), the
 * transcode job and its status and retry, the feed (page or cursor), detail with views, likes,
 * comments, the ranking, a member's list and delete. Owns `shortforms` and its tags, likes,
 * comments and daily stats; worker-transcode writes the transcode columns (see its processor).
 */
export function shortformsService(deps: ShortformsDeps) {
  const { db, storage, producers, urls, logger } = deps;
  const queue = producers.queues['video-transcode'];

  async function item(shortformId: number, viewerId: number | undefined): Promise<ShortformItem> {
    const [found] = await selectItems(db, viewerId, live(shortformId));
    if (!found) throw new AppError('SHORTFORM_NOT_FOUND');
    return toItem(urls, found);
  }

  /** Refuses what is not a short-form: unreadable or not a video, too long, not vertical. */
  async function probeUpload(
    sourceKey: string,
  ): Promise<{ width: number; height: number; durationMs: number }> {
    const probed = await withLocalFile(storage, sourceKey, (path) => deps.probeVideo(path));
    if (!probed?.width || !probed.height || !probed.durationMs || probed.durationMs <= 0) {
      throw new AppError('INVALID_VIDEO');
    }
    if (probed.durationMs > MAX_DURATION_MS) {
      throw new AppError('VIDEO_TOO_LONG', { details: { durationMs: probed.durationMs, maxSeconds: 60 } });
    }
    if (probed.width >= probed.height) {
      throw new AppError('VIDEO_NOT_VERTICAL', { details: { width: probed.width, height: probed.height } });
    }
    return { width: probed.width, height: probed.height, durationMs: probed.durationMs };
  }

  async function enqueueTranscode(shortformId: number, sourceKey: string, requestId: string) {
    try {
      await producers.enqueue(
        'video-transcode',
        { requestId, shortformId, sourceKey },
        { jobId: transcodeJobId(shortformId) },
      );
    } catch (error) {
      if (error instanceof QueueUnavailableError) throw new AppError('SERVICE_UNAVAILABLE', { cause: error });
      throw error;
    }
  }

  return {
    /**
     * A member's upload (already stored by the intake): its fields checked, the file probed, the
     * tagged products found, then the row (PENDING) and the transcode job. Any refusal removes the
     * file and writes nothing.
     */
    async create(userId: number, requestId: string, upload: ReceivedUpload): Promise<ShortformItem> {
      const [video] = upload.files;
      if (!video)
        throw new AppError('VALIDATION_ERROR', { details: [{ field: 'video', message: 'required' }] });
      let shortformId: number | undefined;
      try {
        const fields = uploadFields.safeParse({
          ...upload.fields,
          productIds: upload.fields.productIds ?? upload.fields['productIds[]'],
        });
        if (!fields.success) {
          throw new AppError('VALIDATION_ERROR', {
            details: fields.error.issues.map((issue) => ({
              field: ['body', ...issue.path].join('.'),
              message: issue.message,
            })),
          });
        }
        const probed = await probeUpload(video.storageKey);
        const { productIds } = fields.data;
        if (productIds.length > 0) {
          const found = await db
            .select({ id: products.id })
            .from(products)
            .where(and(inArray(products.id, productIds), isNull(products.deletedAt)));
          const missing = productIds.filter((id) => !found.some((product) => product.id === id));
          if (missing.length > 0)
            throw new AppError('PRODUCT_NOT_FOUND', { details: { productIds: missing } });
        }
        shortformId = await db.transaction(async (tx) => {
          const [row] = await tx
            .insert(shortforms)
            .values({
              userId,
              title: fields.data.title,
              description: fields.data.description || null,
              sourceKey: video.storageKey,
              sourceSize: video.size,
              ...probed,
            })
            .returning({ id: shortforms.id });
          const id = row!.id;
          await tx
            .update(shortforms)
            .set({ transcodeJobId: transcodeJobId(id) })
            .where(eq(shortforms.id, id));
          if (productIds.length > 0) {
            await tx
              .insert(shortformProducts)
              .values(productIds.map((productId) => ({ shortformId: id, productId })));
          }
          return id;
        });
        await enqueueTranscode(shortformId, video.storageKey, requestId);
        return await item(shortformId, userId);
      } catch (error) {
        // nothing is left of a refused upload: the row (tags cascade) and the file
        if (shortformId !== undefined) {
          await db
            .delete(shortforms)
            .where(eq(shortforms.id, shortformId))
            .catch((cleanup: unknown) => {
              logger.error({ err: cleanup, shortformId }, 'refused short-form row not removed');
            });
        }
        await deps.discardUploads(upload.files);
        const pg = (error as { cause?: { code?: string } }).cause;
        // a tagged product deleted between the check and the insert
        if (pg?.code === '23503') throw new AppError('PRODUCT_NOT_FOUND', { cause: error });
        throw error;
      }
    },

    /** Published short-forms, newest first: by page number (with a total) or after a cursor. */
    async feed(
      query: { page?: number | undefined; limit: number; cursor?: FeedCursor | undefined },
      viewerId?: number,
    ) {
      const { limit, cursor } = query;
      if (cursor) {
        const after = sql`(${shortforms.createdAt}, ${shortforms.id}) < (${cursor.createdAt}::timestamptz, ${cursor.id})`;
        const rows = await selectItems(db, viewerId, and(published, after)).limit(limit + 1);
        const hasMore = rows.length > limit;
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        return {
          items: page.map((row) => toItem(urls, row)),
          meta: {
            limit,
            hasMore,
            nextCursor: hasMore && last ? encodeCursor({ createdAt: last.cursorAt, id: last.row.id }) : null,
          },
        };
      }
      const pageNumber = query.page ?? 1;
      const [rows, [total]] = await Promise.all([
        selectItems(db, viewerId, published)
          .limit(limit)
          .offset((pageNumber - 1) * limit),
        db.select({ value: count() }).from(shortforms).where(published),
      ]);
      const totalCount = total?.value ?? 0;
      const hasMore = pageNumber * limit < totalCount;
      const last = rows.at(-1);
      return {
        items: rows.map((row) => toItem(urls, row)),
        meta: {
          page: pageNumber,
          limit,
          totalCount,
          totalPages: Math.ceil(totalCount / limit),
          hasMore,
          nextCursor: hasMore && last ? encodeCursor({ createdAt: last.cursorAt, id: last.row.id }) : null,
        },
      };
    },

    /** One short-form; each read counts a view (the row's total and the day's stats, exactly). */
    async detail(shortformId: number, viewerId?: number): Promise<ShortformItem> {
      const counted = await db.transaction(async (tx) => {
        const [bumped] = await tx
          .update(shortforms)
          .set({ viewCount: sql`${shortforms.viewCount} + 1` })
          .where(live(shortformId))
          .returning({ id: shortforms.id });
        if (!bumped) return false;
        await tx
          .insert(shortformDailyStats)
          .values({ shortformId, day: sql`${today}`, views: 1 })
          .onConflictDoUpdate({
            target: [shortformDailyStats.shortformId, shortformDailyStats.day],
            set: { views: sql`${shortformDailyStats.views} + 1`, updatedAt: sql`now()` },
          });
        return true;
      });
      if (!counted) throw new AppError('SHORTFORM_NOT_FOUND');
      return item(shortformId, viewerId);
    },

    /**
     * Likes or unlikes (a toggle). The shortform row is locked first, so concurrent toggles on one
     * short-form take turns: the like rows, the counter and the day's stats never disagree. An
     * unlike takes the like off the day it was given.
     */
    async toggleLike(shortformId: number, userId: number): Promise<{ liked: boolean; likeCount: number }> {
      return db.transaction(async (tx) => {
        const [locked] = await tx
          .select({ id: shortforms.id })
          .from(shortforms)
          .where(live(shortformId))
          .for('update');
        if (!locked) throw new AppError('SHORTFORM_NOT_FOUND');
        const mine = and(eq(shortformLikes.shortformId, shortformId), eq(shortformLikes.userId, userId));
        const [removed] = await tx
          .delete(shortformLikes)
          .where(mine)
          .returning({ createdAt: shortformLikes.createdAt });
        if (removed) {
          await tx
            .update(shortformDailyStats)
            .set({ likes: sql`${shortformDailyStats.likes} - 1`, updatedAt: sql`now()` })
            .where(
              and(
                eq(shortformDailyStats.shortformId, shortformId),
                eq(
                  shortformDailyStats.day,
                  sql`(${removed.createdAt.toISOString()}::timestamptz at time zone ${STATS_TIME_ZONE})::date`,
                ),
                sql`${shortformDailyStats.likes} > 0`,
              ),
            );
        } else {
          await tx.insert(shortformLikes).values({ shortformId, userId });
          await tx
            .insert(shortformDailyStats)
            .values({ shortformId, day: sql`${today}`, likes: 1 })
            .onConflictDoUpdate({
              target: [shortformDailyStats.shortformId, shortformDailyStats.day],
              set: { likes: sql`${shortformDailyStats.likes} + 1`, updatedAt: sql`now()` },
            });
        }
        const [counted] = await tx
          .update(shortforms)
          .set({ likeCount: sql`${shortforms.likeCount} + ${removed ? -1 : 1}`, updatedAt: sql`now()` })
          .where(eq(shortforms.id, shortformId))
          .returning({ likeCount: shortforms.likeCount });
        return { liked: !removed, likeCount: counted!.likeCount };
      });
    },

    /** A comment; the counter moves in the same transaction (its update locks the row). */
    async addComment(shortformId: number, userId: number, content: string): Promise<CommentItem> {
      const created = await db.transaction(async (tx) => {
        const [counted] = await tx
          .update(shortforms)
          .set({ commentCount: sql`${shortforms.commentCount} + 1` })
          .where(live(shortformId))
          .returning({ id: shortforms.id });
        if (!counted) throw new AppError('SHORTFORM_NOT_FOUND');
        const [row] = await tx.insert(shortformComments).values({ shortformId, userId, content }).returning();
        return row!;
      });
      const [author] = await db
        .select({ nickname: users.nickname, profileImagePath: users.profileImagePath })
        .from(users)
        .where(eq(users.id, userId));
      return {
        id: created.id,
        shortformId,
        userId,
        nickname: author?.nickname ?? null,
        profileImageUrl: urls.profileImageUrl(author?.profileImagePath ?? null),
        content: created.content,
        createdAt: created.createdAt.toISOString(),
      };
    },

    /** A short-form's comments, newest first. */
    async comments(shortformId: number, pageNumber: number, limit: number) {
      const [exists] = await db.select({ id: shortforms.id }).from(shortforms).where(live(shortformId));
      if (!exists) throw new AppError('SHORTFORM_NOT_FOUND');
      const visible = and(
        eq(shortformComments.shortformId, shortformId),
        isNull(shortformComments.deletedAt),
      );
      const [rows, [total]] = await Promise.all([
        db
          .select({
            comment: shortformComments,
            nickname: users.nickname,
            profileImagePath: users.profileImagePath,
          })
          .from(shortformComments)
          .innerJoin(users, eq(users.id, shortformComments.userId))
          .where(visible)
          .orderBy(desc(shortformComments.createdAt), desc(shortformComments.id))
          .limit(limit)
          .offset((pageNumber - 1) * limit),
        db.select({ value: count() }).from(shortformComments).where(visible),
      ]);
      return {
        items: rows.map(
          ({ comment, nickname, profileImagePath }): CommentItem => ({
            id: comment.id,
            shortformId,
            userId: comment.userId,
            nickname,
            profileImageUrl: urls.profileImageUrl(profileImagePath),
            content: comment.content,
            createdAt: comment.createdAt.toISOString(),
          }),
        ),
        totalCount: total?.value ?? 0,
      };
    },

    /**
     * The most popular published short-forms of the last day / 7 days / 30 days (Seoul calendar
     * days, today included): score = views + LIKE_WEIGHT × likes from the daily stats.
     */
    async ranking(period: RankingPeriod, limit: number, viewerId?: number): Promise<RankedShortform[]> {
      const since = sql`${today} - ${periodDays[period] - 1}::int`;
      const totals = db
        .select({
          shortformId: shortformDailyStats.shortformId,
          views: sql<number>`sum(${shortformDailyStats.views})::int`.as('period_views'),
          likes: sql<number>`sum(${shortformDailyStats.likes})::int`.as('period_likes'),
          score:
            sql<number>`sum(${shortformDailyStats.views} + ${LIKE_WEIGHT} * ${shortformDailyStats.likes})::int`.as(
              'score',
            ),
        })
        .from(shortformDailyStats)
        .where(sql`${shortformDailyStats.day} >= ${since}`)
        .groupBy(shortformDailyStats.shortformId)
        .as('totals');
      const rows = await db
        .select({ ...itemColumns(viewerId), views: totals.views, likes: totals.likes, score: totals.score })
        .from(shortforms)
        .innerJoin(users, eq(users.id, shortforms.userId))
        .innerJoin(totals, eq(totals.shortformId, shortforms.id))
        .where(published)
        .orderBy(desc(totals.score), desc(shortforms.id))
        .limit(limit);
      return rows.map((row, index) => ({
        ...toItem(urls, row),
        rank: index + 1,
        score: row.score,
        periodViews: row.views,
        periodLikes: row.likes,
      }));
    },

    /** A member's short-forms, newest first: the published ones, and all of them to the member. */
    async byUser(userId: number, pageNumber: number, limit: number, viewerId?: number) {
      const visible =
        viewerId === userId
          ? and(eq(shortforms.userId, userId), isNull(shortforms.deletedAt))
          : and(eq(shortforms.userId, userId), published);
      const [rows, [total]] = await Promise.all([
        selectItems(db, viewerId, visible)
          .limit(limit)
          .offset((pageNumber - 1) * limit),
        db.select({ value: count() }).from(shortforms).where(visible),
      ]);
      return { items: rows.map((row) => toItem(urls, row)), totalCount: total?.value ?? 0 };
    },

    async transcodeStatus(shortformId: number) {
      const found = await item(shortformId, undefined);
      return {
        shortformId,
        transcodeStatus: found.transcodeStatus,
        status: found.transcodeStatus,
        progress: found.transcodeProgress,
        transcodedVideoUrl: found.transcodedVideoUrl,
        hlsUrl: found.hlsUrl,
        thumbnailUrl: found.thumbnailUrl,
        transcodeError: found.transcodeError,
        errorMessage: found.transcodeError,
        transcodedAt: found.transcodedAt,
      };
    },

    /**
     * The owner's retry of a FAILED transcode (else 400 INVALID_STATUS_TRANSITION): the shortform's
     * failed job is retried with fresh attempts (or queued anew when the queue no longer holds it),
     * and the row returns to PENDING.
     */
    async retryTranscode(shortformId: number, userId: number, requestId: string): Promise<void> {
      const [row] = await db
        .select({ status: shortforms.transcodeStatus, sourceKey: shortforms.sourceKey })
        .from(shortforms)
        .where(and(live(shortformId), eq(shortforms.userId, userId)));
      if (!row) throw new AppError('SHORTFORM_NOT_FOUND');
      if (row.status !== 'FAILED') {
        throw new AppError('INVALID_STATUS_TRANSITION', {
          details: { status: row.status, allowedFrom: ['FAILED'] },
        });
      }
      const jobId = transcodeJobId(shortformId);
      try {
        const job = await queue.getJob(jobId);
        let state = job ? await job.getState() : undefined;
        // the worker marks the row FAILED just before BullMQ moves its job to failed: a retry in
        // between waits for the move (a retry of a job still active would be lost)
        for (let waited = 0; job && state === 'active' && waited < 2000; waited += 100) {
          await setTimeout(100);
          state = await job.getState();
        }
        if (state === 'active') {
          throw new AppError('CONFLICT', {
            details: { reason: 'the failed attempt is still being recorded; retry in a moment' },
          });
        }
        if (job && state === 'failed') {
          // another retry may have taken it first: then it is queued already
          await job.retry('failed', { resetAttemptsMade: true }).catch((error: unknown) => {
            logger.info({ err: error, jobId }, 'transcode job already retried');
          });
        } else if (!job || state === 'completed' || state === 'unknown') {
          await job?.remove();
          await enqueueTranscode(shortformId, row.sourceKey, requestId);
        }
      } catch (error) {
        if (error instanceof AppError) throw error;
        throw new AppError('SERVICE_UNAVAILABLE', { cause: error });
      }
      await db
        .update(shortforms)
        .set({
          transcodeStatus: 'PENDING',
          transcodeProgress: 0,
          transcodeError: null,
          updatedAt: sql`now()`,
        })
        .where(and(live(shortformId), eq(shortforms.transcodeStatus, 'FAILED')));
    },

    /**
     * Deletes a short-form (its owner, or an admin): the row is soft deleted, then its uploaded
     * file and every rendition are removed from storage. A transcode running meanwhile notices and
     * removes what it stored.
     */
    async remove(shortformId: number, caller: Pick<Principal, 'id' | 'role'>): Promise<void> {
      const mayDelete = caller.role === 'ADMIN' ? undefined : eq(shortforms.userId, caller.id);
      const [deleted] = await db
        .update(shortforms)
        .set({ deletedAt: sql`now()`, updatedAt: sql`now()` })
        .where(and(live(shortformId), mayDelete))
        .returning({ sourceKey: shortforms.sourceKey });
      if (!deleted) throw new AppError('SHORTFORM_NOT_FOUND');
      const removals = await Promise.allSettled([
        storage.delete(deleted.sourceKey),
        storage.deletePrefix(shortformFolder(shortformId)),
      ]);
      for (const removal of removals) {
        if (removal.status === 'rejected') {
          logger.error(
            { err: removal.reason, shortformId },
            'deleted short-form: a stored file was not removed',
          );
        }
      }
      // a job still waiting has nothing to do any more (a running one stops by itself)
      await queue
        .remove(transcodeJobId(shortformId))
        .catch((error: unknown) => logger.info({ err: error, shortformId }, 'transcode job not removed'));
    },

    /** The stored file a stream URL names; 404 when there is none (yet). */
    async streamTarget(
      shortformId: number,
      file: 'video' | 'poster' | `hls/${string}`,
    ): Promise<StreamTarget> {
      const [row] = await db
        .select({
          status: shortforms.transcodeStatus,
          sourceKey: shortforms.sourceKey,
          renditionKey: shortforms.renditionKey,
          hlsKey: shortforms.hlsKey,
          posterKey: shortforms.posterKey,
        })
        .from(shortforms)
        .where(live(shortformId));
      if (!row) throw new AppError('SHORTFORM_NOT_FOUND');
      const completed = row.status === 'COMPLETED';
      if (file === 'video') {
        if (completed && row.renditionKey) return { key: row.renditionKey, mime: 'video/mp4' };
        const extension = row.sourceKey.slice(row.sourceKey.lastIndexOf('.') + 1);
        return { key: row.sourceKey, mime: contentTypes[extension] ?? 'application/octet-stream' };
      }
      if (file === 'poster') {
        if (!completed || !row.posterKey) throw new AppError('MEDIA_NOT_FOUND');
        return { key: row.posterKey, mime: 'image/jpeg' };
      }
      if (!completed || !row.hlsKey) throw new AppError('MEDIA_NOT_FOUND');
      const name = file.slice('hls/'.length);
      // the playlist's folder holds its segments
      const folder = row.hlsKey.slice(0, row.hlsKey.lastIndexOf('/') + 1);
      return name === 'index.m3u8'
        ? { key: row.hlsKey, mime: 'application/vnd.apple.mpegurl' }
        : { key: `${folder}${name}`, mime: 'video/mp2t' };
    },
  };
}

export type ShortformsService = ReturnType<typeof shortformsService>;
