import { boards, type Database, postAttachments, type Transaction } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { CatalogCache } from '../../../catalog-cache/cache.ts';
import type { BufferedCounts } from '../../../counting/buffered-counts.ts';
import { heldBadgesByMember } from '../../social/badges/held-json.ts';
import { type AuthorNames, authorJson, isoText, type NamesInSql } from '../author.ts';
import {
  type CreatePostBody,
  type PostDetail,
  type PostListQuery,
  type PostSort,
  postSorts,
  type UpdatePostBody,
} from './schemas.ts';

type Executor = Database | Transaction;

/** The list counts a board's matching posts up to this many; beyond it `totalCountCapped` is true. */
export const POST_COUNT_CAP = 1_000;

/** Who reads or changes a post: a member (with their role), or nobody signed in. */
export interface Viewer {
  id: number;
  role: string;
}

/** What the posts need of the image service: ownership of uploads, and their variants' URLs. */
export interface PostImages {
  uploadedBy(uploaderId: number, imageIds: readonly number[]): Promise<number[]>;
  variantsOf(
    imageIds: readonly number[],
  ): Promise<Map<number, { type: string; url: string; width: number; height: number }[]>>;
}

export interface PostsServiceOptions {
  db: Database;
  /** the pool the public lists read with */
  reads?: Database;
  images: PostImages;
  /** buffered view counts (`postViewCounter`) */
  views: Pick<BufferedCounts, 'count'>;
  /** the cached searched lists (`boardSearch`), told of each write to a board's posts */
  searches: Pick<CatalogCache, 'invalidateBoard'>;
}

/**
 * Each sort's ORDER BY, the key of its partial index `posts_board_*_idx` as the migration made it
 * (drizzle's `.desc()` is DESC NULLS LAST; plain DESC would not match the index and sort instead).
 */
const sortOrder: Record<PostSort, string> = {
  newest: 'created_at desc nulls last, id desc nulls last',
  views: 'view_count desc nulls last, id desc nulls last',
  likes: 'like_count desc nulls last, id desc nulls last',
  most_commented: 'comment_count desc nulls last, id desc nulls last',
};

/** `text` as an ILIKE pattern that matches it anywhere, its own `%`, `_` and `\` taken literally. */
export const containsPattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/**
 * `text` as a PostgreSQL string literal: with standard_conforming_strings (the default since 9.1)
 * only the quote is special, and the list's search text has no control characters (`searchText`).
 */
const literal = (text: string) => sql.raw(`'${text.replaceAll("'", "''")}'`);

/** A validated integer written into the statement. */
const integer = (value: number) => sql.raw(String(Math.trunc(value)));

/** The search's condition on a post, its pattern written into the statement (see `list`). */
const matching = (search: string) => {
  const pattern = literal(containsPattern(search));
  return sql`(title ilike ${pattern} or content ilike ${pattern})`;
};

function summaryFields(names: NamesInSql, heldBadges?: SQL): SQL {
  return sql`'id', post.id, 'boardId', post.board_id, 'title', post.title,
    'author', ${authorJson('member', names, heldBadges)},
    'viewCount', post.view_count, 'likeCount', post.like_count, 'commentCount', post.comment_count,
    'createdAt', ${isoText(sql`post.created_at`)}`;
}

/**
 * The posts `pageIds` selects, in its order, as a JSON array of summaries (text). The page's
 * authors' badges are looked up for the page at once (`heldBadgesByMember`): 0.63 → 0.36 ms a
 * page of twenty with badges held, 0.28 → 0.20 ms with none.
 */
function pageJson(pageIds: SQL, names: NamesInSql): SQL {
  return sql`(with page_posts as (
      select page.position, post.id, post.board_id, post.title, post.user_id, post.view_count,
             post.like_count, post.comment_count, post.created_at
      from unnest(array(${pageIds})) with ordinality as page(id, position)
      join posts post on post.id = page.id),
    held as (${heldBadgesByMember(sql`array(select user_id from page_posts)`)})
    select coalesce(json_agg(json_build_object(${summaryFields(names, sql`held.badges`)}) order by post.position), '[]')::text
    from page_posts post
    join users member on member.id = post.user_id
    left join held on held.user_id = member.id)`;
}

type ListValue = 'boardId' | 'limit' | 'offset' | 'withdrawn' | 'unnamed';

/**
 * Board posts (COMM-02..06): list with search and sorts, detail (with its image attachments),
 * write, edit and delete by the author, moderation by admins, like toggles. The counters are
 * exact: a like moves `like_count` in its transaction under the post's row lock; views are
 * buffered (`views`) and added in batches.
 */
export function postsService({ db, reads = db, images, views, searches }: PostsServiceOptions) {
  async function checkImages(userId: number, imageIds: readonly number[] | undefined) {
    if (!imageIds || imageIds.length === 0) return;
    const mine = new Set(await images.uploadedBy(userId, imageIds));
    const refused = imageIds.filter((id) => !mine.has(id));
    if (refused.length > 0) throw new AppError('ATTACHMENT_NOT_ALLOWED', { details: { imageIds: refused } });
  }

  async function attach(tx: Transaction, postId: number, imageIds: readonly number[]) {
    await tx.delete(postAttachments).where(sql`${postAttachments.postId} = ${postId}`);
    if (imageIds.length === 0) return;
    await tx
      .insert(postAttachments)
      .values(imageIds.map((imageId, position) => ({ postId, imageId, position })));
  }

  /** The post as its detail, if `viewer` may see it (PUBLISHED: anyone; HIDDEN: its author and admins). */
  async function detailOf(
    executor: Executor,
    postId: number,
    viewer: Viewer | null,
    names: AuthorNames,
  ): Promise<PostDetail> {
    const admin = viewer?.role === 'ADMIN';
    const [row] = await executor.execute<{ json: string; status: string; image_ids: number[] }>(sql`
      select json_build_object(${summaryFields(names)}, 'content', post.content, 'status', post.status,
               'updatedAt', ${isoText(sql`post.updated_at`)})::text as json,
             post.status,
             array(select image_id from post_attachments where post_id = post.id order by position) as image_ids
      from posts post
      join boards board on board.id = post.board_id
      join users member on member.id = post.user_id
      where post.id = ${postId}
        and (post.status = 'PUBLISHED' and board.is_active
             or post.status = 'HIDDEN' and (${admin} or post.user_id = ${viewer?.id ?? 0}))`);
    if (!row) throw new AppError('POST_NOT_FOUND');
    const imageIds = row.image_ids.map(Number);
    const variants = await images.variantsOf(imageIds);
    const detail = JSON.parse(row.json) as Omit<PostDetail, 'attachments'>;
    return {
      ...detail,
      attachments: imageIds.map((imageId, position) => ({
        imageId,
        position,
        variants: (variants.get(imageId) ?? []).map(({ type, url, width, height }) => ({
          type,
          url,
          width,
          height,
        })),
      })),
    };
  }

  /**
   * A sort's unsearched list, prepared: the total is the board's counter, and the page's values
   * reach the planner only through sub-selects, so its plan is the same for every value (the
   * sort's partial index read index-only, the page's posts and members by key) and PostgreSQL
   * keeps that generic plan after five runs instead of planning each call (~0.25 ms of its
   * ~0.5 ms, bench:community). With the limit and offset as plain parameters, each plan made for
   * the values looked cheaper than the generic one, which guesses a tenth of the board per page,
   * so PostgreSQL went on planning every call.
   */
  function unsearchedList(sort: PostSort) {
    const value = (name: ListValue) => sql.placeholder(name);
    const pageIds = sql`select id from posts
      where board_id = (select ${value('boardId')}::bigint) and status = 'PUBLISHED'
      order by ${sql.raw(sortOrder[sort])}
      limit (select ${value('limit')}::bigint) offset (select ${value('offset')}::bigint)`;
    return reads
      .select({
        total: boards.publishedPostCount,
        page: sql<string>`${pageJson(pageIds, { withdrawn: sql`${value('withdrawn')}`, unnamed: sql`${value('unnamed')}` })}`,
      })
      .from(boards)
      .where(and(eq(boards.id, value('boardId')), eq(boards.isActive, true)))
      .prepare(`posts_list_${sort}`);
  }
  const unsearchedLists = new Map(postSorts.map((sort) => [sort, unsearchedList(sort)]));

  return {
    /**
     * A board's published posts, a page in the sort's order, as a JSON array built by PostgreSQL,
     * with the count of matches capped at POST_COUNT_CAP (the board's counter; a search counts its
     * matches until one past the cap); BOARD_NOT_FOUND for an unknown or inactive board.
     */
    async list(
      boardId: number,
      query: PostListQuery,
      names: AuthorNames,
    ): Promise<{ pageJson: string; totalCount: number; totalCountCapped: boolean }> {
      const offset = (query.page - 1) * query.limit;
      let row: { total: number; page: string } | undefined;
      if (!query.search) {
        [row] = await unsearchedLists.get(query.sort)!.execute({
          boardId,
          limit: query.limit,
          offset,
          withdrawn: names.withdrawn,
          unnamed: names.unnamed,
        } satisfies Record<ListValue, unknown>);
      } else {
        // a search's statement holds its values, so it runs unprepared and PostgreSQL plans it for
        // them on every call: how many posts hold the text (from the columns' statistics) decides
        // between the trigram indexes and the sort's index; a generic plan, which cannot know,
        // walked the sort's index through the whole board for a rare word (100,000 posts: 26 ms
        // instead of 0.8 ms)
        const listed = sql`board_id = ${integer(boardId)} and status = 'PUBLISHED' and ${matching(query.search)}`;
        const pageIds = sql`select id from posts where ${listed}
          order by ${sql.raw(sortOrder[query.sort])}
          limit ${integer(query.limit)} offset ${integer(offset)}`;
        const shownNames: NamesInSql = {
          withdrawn: literal(names.withdrawn),
          unnamed: literal(names.unnamed),
        };
        [row] = await reads.execute<{ total: number; page: string }>(sql`
          select
            (select count(*)::int from (select 1 from posts where ${listed} limit ${integer(POST_COUNT_CAP + 1)}) matching) as total,
            ${pageJson(pageIds, shownNames)} as page
          from boards where id = ${integer(boardId)} and is_active`);
      }
      if (!row) throw new AppError('BOARD_NOT_FOUND');
      return {
        pageJson: row.page,
        totalCount: Math.min(row.total, POST_COUNT_CAP),
        totalCountCapped: row.total > POST_COUNT_CAP,
      };
    },

    /** One post for `viewer` (see `detailOf`); a read of a published post counts a view. */
    async detail(postId: number, viewer: Viewer | null, names: AuthorNames): Promise<PostDetail> {
      const detail = await detailOf(reads, postId, viewer, names);
      if (detail.status === 'PUBLISHED') views.count(postId);
      return detail;
    },

    /**
     * A new post on an active board (BOARD_NOT_FOUND otherwise), with the member's own uploaded
     * images attached (ATTACHMENT_NOT_ALLOWED for any other), in one transaction.
     */
    async create(userId: number, boardId: number, body: CreatePostBody, names: AuthorNames) {
      await checkImages(userId, body.imageIds);
      const postId = await db.transaction(async (tx) => {
        const [row] = await tx.execute<{ id: number }>(sql`
          insert into posts (board_id, user_id, title, content)
          select id, ${userId}, ${body.title}, ${body.content} from boards where id = ${boardId} and is_active
          returning id`);
        if (!row) throw new AppError('BOARD_NOT_FOUND');
        const id = Number(row.id);
        await attach(tx, id, body.imageIds ?? []);
        return id;
      });
      await searches.invalidateBoard(boardId);
      return detailOf(db, postId, { id: userId, role: 'USER' }, names);
    },

    /** The author's change of their post (POST_NOT_FOUND for anyone else's, or a deleted one). */
    async update(userId: number, postId: number, body: UpdatePostBody, names: AuthorNames) {
      await checkImages(userId, body.imageIds);
      const boardId = await db.transaction(async (tx) => {
        const [row] = await tx.execute<{ board_id: number }>(sql`
          update posts set
            title = coalesce(${body.title ?? null}::text, title),
            content = coalesce(${body.content ?? null}::text, content),
            updated_at = now()
          where id = ${postId} and user_id = ${userId} and status <> 'DELETED'
          returning board_id`);
        if (!row) throw new AppError('POST_NOT_FOUND');
        if (body.imageIds) await attach(tx, postId, body.imageIds);
        return Number(row.board_id);
      });
      await searches.invalidateBoard(boardId);
      return detailOf(db, postId, { id: userId, role: 'USER' }, names);
    },

    /**
     * Deletes a post (status DELETED: gone for everyone, its comments and likes kept for the
     * record) by its author, or any by an ADMIN; POST_NOT_FOUND otherwise. Answers its author.
     */
    async remove(deleter: Viewer, postId: number): Promise<{ authorId: number }> {
      const [row] = await db.execute<{ user_id: number; board_id: number }>(sql`
        update posts set status = 'DELETED', updated_at = now()
        where id = ${postId} and status <> 'DELETED'
          and (${deleter.role === 'ADMIN'} or user_id = ${deleter.id})
        returning user_id, board_id`);
      if (!row) throw new AppError('POST_NOT_FOUND');
      await searches.invalidateBoard(Number(row.board_id));
      return { authorId: Number(row.user_id) };
    },

    /** A moderator's status change (hide, unhide, delete); a deleted post stays deleted (POST_NOT_FOUND). */
    async setStatus(postId: number, status: 'PUBLISHED' | 'HIDDEN' | 'DELETED') {
      const [row] = await db.execute<{ previous: string; board_id: number }>(sql`
        update posts set status = ${status}, updated_at = now()
        from (select id, status as previous from posts where id = ${postId} for no key update) old
        where posts.id = old.id and old.previous <> 'DELETED'
        returning old.previous, posts.board_id`);
      if (!row) throw new AppError('POST_NOT_FOUND');
      await searches.invalidateBoard(Number(row.board_id));
      return { id: postId, previousStatus: row.previous, status };
    },

    /**
     * Likes the post, or takes the like back when there is one: the row and `like_count` change
     * together under the post's row lock, so concurrent toggles (of many members, or one member's
     * double click) leave the count equal to the rows. Only a published post (POST_NOT_FOUND).
     */
    async toggleLike(userId: number, postId: number): Promise<{ liked: boolean; likeCount: number }> {
      return db.transaction(async (tx) => {
        const [post] = await tx.execute<{ id: number }>(sql`
          select id from posts where id = ${postId} and status = 'PUBLISHED' for no key update`);
        if (!post) throw new AppError('POST_NOT_FOUND');
        const [removed] = await tx.execute(sql`
          delete from post_likes where post_id = ${postId} and user_id = ${userId} returning post_id`);
        if (!removed) {
          await tx.execute(sql`insert into post_likes (post_id, user_id) values (${postId}, ${userId})`);
        }
        const [counted] = await tx.execute<{ like_count: number }>(sql`
          update posts set like_count = like_count + ${removed ? -1 : 1}
          where id = ${postId} returning like_count`);
        return { liked: !removed, likeCount: counted!.like_count };
      });
    },
  };
}

export type PostsService = ReturnType<typeof postsService>;
