import { type Database, shortformLikes, shortformProducts, shortforms, users } from '@pbshop/db';
import { and, desc, eq, isNull, type SQL, sql } from 'drizzle-orm';
import type { ShortformItem } from './schemas.ts';

type ShortformRow = typeof shortforms.$inferSelect;

/** How item URLs and member pictures are built (PUBLIC_BASE_URL, the users module's store). */
export interface ItemUrls {
  /** PUBLIC_BASE_URL + /api/v1/shortforms: the base of every stream URL */
  shortformsBase: string;
  profileImageUrl(path: string | null): string | null;
}

/** Only published short-forms reach the feed, the ranking and other members' lists. */
export const published = and(isNull(shortforms.deletedAt), eq(shortforms.transcodeStatus, 'COMPLETED'));

/** The columns an item is built from: the row, its author, its product tags and the caller's like. */
export function itemColumns(viewerId: number | undefined) {
  return {
    row: shortforms,
    nickname: users.nickname,
    profileImagePath: users.profileImagePath,
    // bigint ids through json: numbers, in id order
    productIds: sql<number[]>`coalesce((
      select json_agg(tag.product_id order by tag.product_id) from ${shortformProducts} tag
      where tag.shortform_id = ${shortforms.id}), '[]'::json)`,
    liked:
      viewerId === undefined
        ? sql<boolean>`false`
        : sql<boolean>`exists (select 1 from ${shortformLikes} mine
            where mine.shortform_id = ${shortforms.id} and mine.user_id = ${viewerId})`,
    /** created_at in microseconds as text: the feed cursor must not lose PostgreSQL's precision */
    cursorAt: sql<string>`to_char(${shortforms.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  };
}

export interface ItemRow {
  row: ShortformRow;
  nickname: string | null;
  profileImagePath: string | null;
  productIds: number[];
  liked: boolean;
  cursorAt: string;
}

export function toItem(urls: ItemUrls, found: ItemRow): ShortformItem {
  const { row } = found;
  const base = `${urls.shortformsBase}/${row.id}`;
  const completed = row.transcodeStatus === 'COMPLETED';
  return {
    id: row.id,
    userId: row.userId,
    nickname: found.nickname,
    profileImageUrl: urls.profileImageUrl(found.profileImagePath),
    title: row.title,
    description: row.description,
    videoUrl: `${base}/video`,
    hlsUrl: completed && row.hlsKey ? `${base}/hls/index.m3u8` : null,
    thumbnailUrl: completed && row.posterKey ? `${base}/poster` : null,
    durationSec: row.durationMs / 1000,
    width: row.width,
    height: row.height,
    viewCount: row.viewCount,
    likeCount: row.likeCount,
    commentCount: row.commentCount,
    transcodeStatus: row.transcodeStatus,
    transcodeProgress: completed ? 100 : row.transcodeProgress,
    transcodedVideoUrl: completed && row.renditionKey ? `${base}/video` : null,
    transcodeError: row.transcodeError,
    transcodedAt: row.transcodedAt?.toISOString() ?? null,
    productIds: found.productIds.map(Number),
    liked: Boolean(found.liked),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Items matching `where`, newest first (created_at, id), with their authors. */
export function selectItems(db: Database, viewerId: number | undefined, where: SQL | undefined) {
  return db
    .select(itemColumns(viewerId))
    .from(shortforms)
    .innerJoin(users, eq(users.id, shortforms.userId))
    .where(where)
    .orderBy(desc(shortforms.createdAt), desc(shortforms.id));
}
