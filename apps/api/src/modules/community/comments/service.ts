import type { Database, Transaction } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { type SQL, sql } from 'drizzle-orm';
import { heldBadgesByMember } from '../../social/badges/held-json.ts';
import { type AuthorNames, authorJson, isoText } from '../author.ts';
import type { Comment, CommentListQuery, CreateCommentBody } from './schemas.ts';

type Executor = Database | Transaction;

/** Who deletes a comment: its author, or an ADMIN (any comment). */
export interface Deleter {
  id: number;
  role: string;
}

type CommentStatus = 'VISIBLE' | 'HIDDEN' | 'DELETED';

/** The comment `c` (its author `member`) as JSON; `heldBadges` as in `authorJson`. */
function commentJson(names: AuthorNames, heldBadges?: SQL): SQL {
  return sql`json_build_object('id', c.id, 'postId', c.post_id, 'parentId', c.parent_id,
    'threadId', c.thread_id, 'depth', c.depth, 'status', c.status, 'isDeleted', c.status = 'DELETED',
    'content', case when c.status = 'VISIBLE' then c.content else '' end,
    'author', case when c.status = 'VISIBLE' then ${authorJson('member', names, heldBadges)} end,
    'createdAt', ${isoText(sql`c.created_at`)}, 'updatedAt', ${isoText(sql`c.updated_at`)})`;
}

/** Locks the post's row: every comment write of a post runs one after another, so its count stays exact. */
async function lockPost(tx: Transaction, postId: number, publishedOnly: boolean): Promise<boolean> {
  const [row] = await tx.execute(sql`
    select id from posts where id = ${postId} ${publishedOnly ? sql`and status = 'PUBLISHED'` : sql``}
    for no key update`);
  return row !== undefined;
}

const countChange = (from: CommentStatus, to: CommentStatus) =>
  (to === 'VISIBLE' ? 1 : 0) - (from === 'VISIBLE' ? 1 : 0);

async function moveCount(tx: Transaction, postId: number, by: number) {
  if (by === 0) return;
  await tx.execute(sql`update posts set comment_count = comment_count + ${by} where id = ${postId}`);
}

/**
 * Deletes a comment (already locked): a tombstone (DELETED, content blanked) while it has replies,
 * else the row itself, and then each tombstone above it that this left without replies.
 * Answers what became of it.
 */
async function deleteLocked(
  tx: Transaction,
  comment: { id: number; parentId: number | null },
): Promise<'TOMBSTONED' | 'REMOVED'> {
  const [tombstoned] = await tx.execute(sql`
    update post_comments set status = 'DELETED', content = '', updated_at = now()
    where id = ${comment.id} and exists (select 1 from post_comments reply where reply.parent_id = ${comment.id})
    returning id`);
  if (tombstoned) return 'TOMBSTONED';
  await tx.execute(sql`delete from post_comments where id = ${comment.id}`);
  let parentId = comment.parentId;
  while (parentId !== null) {
    const [removed] = await tx.execute<{ parent_id: number | null }>(sql`
      delete from post_comments
      where id = ${parentId} and status = 'DELETED'
        and not exists (select 1 from post_comments reply where reply.parent_id = ${parentId})
      returning parent_id`);
    parentId = removed?.parent_id == null ? null : Number(removed.parent_id);
  }
  return 'REMOVED';
}

/**
 * Threaded comments (COMM-07..10). `thread_id` is the top-level comment of a thread, so a reply to
 * a reply stays in it and the list reads threads in order (oldest thread first, each in the order
 * written). `posts.comment_count` counts the VISIBLE comments; every comment write locks the post
 * row first and moves the count in the same transaction, so it stays exact.
 */
export function commentsService(db: Database) {
  async function commentOf(executor: Executor, commentId: number, names: AuthorNames): Promise<Comment> {
    const [row] = await executor.execute<{ json: string }>(sql`
      select ${commentJson(names)}::text as json
      from post_comments c join users member on member.id = c.user_id
      where c.id = ${commentId}`);
    if (!row) throw new AppError('COMMENT_NOT_FOUND');
    return JSON.parse(row.json) as Comment;
  }

  /** The comment for a change, locked after its post (POST_NOT_FOUND / COMMENT_NOT_FOUND otherwise). */
  async function lockComment(tx: Transaction, commentId: number, deleter: Deleter | null) {
    const [found] = await tx.execute<{ post_id: number }>(sql`
      select post_id from post_comments
      where id = ${commentId} and status <> 'DELETED'
        ${deleter && deleter.role !== 'ADMIN' ? sql`and user_id = ${deleter.id}` : sql``}`);
    if (!found) throw new AppError('COMMENT_NOT_FOUND');
    const postId = Number(found.post_id);
    await lockPost(tx, postId, false);
    const [row] = await tx.execute<{ status: CommentStatus; parent_id: number | null }>(sql`
      select status, parent_id from post_comments
      where id = ${commentId} and status <> 'DELETED' for update`);
    if (!row) throw new AppError('COMMENT_NOT_FOUND');
    return {
      id: commentId,
      postId,
      status: row.status,
      parentId: row.parent_id == null ? null : Number(row.parent_id),
    };
  }

  return {
    /**
     * A published post's comments in thread order, a page of them as a JSON array built by
     * PostgreSQL (tombstones and hidden ones without content or author), with their count.
     */
    async list(
      postId: number,
      query: CommentListQuery,
      names: AuthorNames,
    ): Promise<{ pageJson: string; totalCount: number }> {
      const [row] = await db.execute<{ total: number; page: string }>(sql`
        select
          (select count(*)::int from post_comments where post_id = ${postId}) as total,
          (with page_comments as (
             select c.* from (
               select id from post_comments where post_id = ${postId}
               order by thread_id, created_at, id
               limit ${query.limit} offset ${(query.page - 1) * query.limit}
             ) page
             join post_comments c on c.id = page.id),
           held as (${heldBadgesByMember(sql`array(select user_id from page_comments)`)})
           select coalesce(json_agg(${commentJson(names, sql`held.badges`)} order by c.thread_id, c.created_at, c.id), '[]')::text
           from page_comments c
           join users member on member.id = c.user_id
           left join held on held.user_id = member.id) as page
        from posts post join boards board on board.id = post.board_id
        where post.id = ${postId} and post.status = 'PUBLISHED' and board.is_active`);
      if (!row) throw new AppError('POST_NOT_FOUND');
      return { pageJson: row.page, totalCount: row.total };
    },

    /**
     * A comment on a published post (POST_NOT_FOUND otherwise), or a reply to one of its visible
     * comments (COMMENT_NOT_FOUND otherwise): the reply joins its parent's thread one level deeper.
     */
    async create(userId: number, postId: number, body: CreateCommentBody, names: AuthorNames) {
      const commentId = await db.transaction(async (tx) => {
        if (!(await lockPost(tx, postId, true))) throw new AppError('POST_NOT_FOUND');
        let id: number;
        if (body.parentId === undefined) {
          const [row] = await tx.execute<{ id: number }>(sql`
            insert into post_comments (post_id, user_id, content) values (${postId}, ${userId}, ${body.content})
            returning id`);
          id = Number(row!.id);
          await tx.execute(sql`update post_comments set thread_id = id where id = ${id}`);
        } else {
          const [row] = await tx.execute<{ id: number }>(sql`
            insert into post_comments (post_id, user_id, parent_id, thread_id, depth, content)
            select ${postId}, ${userId}, parent.id, parent.thread_id, least(parent.depth + 1, 32767), ${body.content}
            from post_comments parent
            where parent.id = ${body.parentId} and parent.post_id = ${postId} and parent.status = 'VISIBLE'
            returning id`);
          if (!row) throw new AppError('COMMENT_NOT_FOUND', { details: { parentId: body.parentId } });
          id = Number(row.id);
        }
        await moveCount(tx, postId, 1);
        return id;
      });
      return commentOf(db, commentId, names);
    },

    /**
     * Deletes a comment by its author, or any by an ADMIN (COMMENT_NOT_FOUND otherwise): a
     * tombstone while it has replies, else removed (see `deleteLocked`).
     */
    async remove(deleter: Deleter, commentId: number) {
      return db.transaction(async (tx) => {
        const comment = await lockComment(tx, commentId, deleter);
        const outcome = await deleteLocked(tx, comment);
        await moveCount(tx, comment.postId, countChange(comment.status, 'DELETED'));
        return { postId: comment.postId, outcome };
      });
    },

    /** A moderator's change: hide, unhide, or delete (as `remove`); a deleted comment stays deleted. */
    async setStatus(commentId: number, status: CommentStatus) {
      return db.transaction(async (tx) => {
        const comment = await lockComment(tx, commentId, null);
        if (status === 'DELETED') {
          const outcome = await deleteLocked(tx, comment);
          await moveCount(tx, comment.postId, countChange(comment.status, 'DELETED'));
          return { id: commentId, previousStatus: comment.status, status, outcome };
        }
        await tx.execute(sql`
          update post_comments set status = ${status}, updated_at = now() where id = ${commentId}`);
        await moveCount(tx, comment.postId, countChange(comment.status, status));
        return { id: commentId, previousStatus: comment.status, status, outcome: status };
      });
    },
  };
}

export type CommentsService = ReturnType<typeof commentsService>;
