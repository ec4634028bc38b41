import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { richText } from '../../../http/text.ts';
import { author } from '../author.ts';

export const MAX_COMMENT_LENGTH = 2000;

export const commentIdParams = z.object({ id: entityIdText });
export const postCommentsParams = z.object({ id: entityIdText });

/** `page` from 1 and `limit` 1..100, 100 by default: the storefront asks without either. */
export const commentListQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(100),
});
export type CommentListQuery = z.infer<typeof commentListQuery>;

export const createCommentBody = z.object({
  content: richText(MAX_COMMENT_LENGTH).describe(
    `HTML, sanitised on write (links get rel="nofollow ugc"); 1..${MAX_COMMENT_LENGTH} characters after it`,
  ),
  parentId: entityId
    .optional()
    .describe('the visible comment of the same post this answers; a reply to a reply stays in its thread'),
});
export type CreateCommentBody = z.infer<typeof createCommentBody>;

export const commentStatuses = ['VISIBLE', 'HIDDEN', 'DELETED'] as const;
export const commentStatusBody = z.object({
  status: z.enum(commentStatuses).describe('VISIBLE (unhide), HIDDEN or DELETED (as an author delete)'),
});

export const comment = z.object({
  id: entityId,
  postId: entityId,
  parentId: entityId.nullable(),
  threadId: entityId.describe('the top-level comment of its thread (its own id for a top-level comment)'),
  depth: z.number().int().describe('0 for a top-level comment, its parent’s + 1 for a reply'),
  status: z.enum(commentStatuses),
  isDeleted: z.boolean().describe('a tombstone: deleted, kept while it has replies'),
  content: z.string().describe('sanitised HTML; empty for a deleted or hidden comment'),
  author: author.nullable().describe('null for a deleted or hidden comment'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Comment = z.infer<typeof comment>;

export const commentStatusResult = z.object({
  id: entityId,
  status: z.enum(commentStatuses).describe('DELETED also when the comment was removed outright'),
});
