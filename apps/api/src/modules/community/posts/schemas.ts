import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';
import { richText, searchText, textLine } from '../../../http/text.ts';
import { author } from '../author.ts';

export const MAX_TITLE_LENGTH = 200;
/** a post's sanitised HTML, at most this many characters */
export const MAX_POST_LENGTH = 20_000;
/** images on one post at most */
export const MAX_POST_IMAGES = 10;

export const postIdParams = z.object({ id: entityIdText });
export const boardPostsParams = z.object({ boardId: entityIdText });

/** The list sorts, each read through its own partial index (`posts_board_*_idx`). */
export const postSorts = ['newest', 'views', 'likes', 'most_commented'] as const;
export type PostSort = (typeof postSorts)[number];

/** The storefront's names and the contract's: `popular` is by likes, `comments` the same as `most_commented`. */
const sortAliases: Record<string, PostSort> = {
  newest: 'newest',
  views: 'views',
  likes: 'likes',
  popular: 'likes',
  most_commented: 'most_commented',
  comments: 'most_commented',
};

export const postListQuery = pageQuery.extend({
  search: searchText(100).describe('title or content contains this text (any language; case-insensitive)'),
  sort: z
    .string()
    .max(20)
    .transform((value) => value.trim().toLowerCase())
    .pipe(z.enum(Object.keys(sortAliases) as [string, ...string[]]))
    .transform((value) => sortAliases[value]!)
    .default('newest')
    .describe('newest (default), popular or likes, views, most_commented or comments'),
});
export type PostListQuery = z.infer<typeof postListQuery>;

const imageIds = z
  .array(entityId)
  .max(MAX_POST_IMAGES)
  .transform((ids) => [...new Set(ids)])
  .describe(
    `ids of images I uploaded through POST /images/upload, in display order; at most ${MAX_POST_IMAGES} (repeats kept once)`,
  );

export const createPostBody = z.object({
  title: textLine(MAX_TITLE_LENGTH),
  content: richText(MAX_POST_LENGTH).describe(
    `HTML, sanitised on write to a small allowlist (links get rel="nofollow ugc"); 1..${MAX_POST_LENGTH} characters after it`,
  ),
  imageIds: imageIds.optional(),
});
export type CreatePostBody = z.infer<typeof createPostBody>;

export const updatePostBody = z
  .object({
    title: textLine(MAX_TITLE_LENGTH).optional(),
    content: richText(MAX_POST_LENGTH).optional(),
    imageIds: imageIds.optional().describe('replaces the attachments ([] removes them all)'),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: 'send at least one field to change',
  });
export type UpdatePostBody = z.infer<typeof updatePostBody>;

export const postStatuses = ['PUBLISHED', 'HIDDEN', 'DELETED'] as const;
export const postStatusBody = z.object({
  status: z.enum(postStatuses).describe('PUBLISHED (unhide), HIDDEN or DELETED'),
});

export const postStatusResult = z.object({ id: entityId, status: z.enum(postStatuses) });

export const postSummary = z.object({
  id: entityId,
  boardId: entityId,
  title: z.string(),
  author,
  viewCount: z.number().int(),
  likeCount: z.number().int(),
  commentCount: z.number().int(),
  createdAt: z.string(),
});

const attachment = z.object({
  imageId: entityId,
  position: z.number().int(),
  variants: z.array(
    z.object({
      type: z.string().describe('THUMBNAIL, MEDIUM or LARGE'),
      url: z.string(),
      width: z.number().int(),
      height: z.number().int(),
    }),
  ),
});

export const postDetail = postSummary.extend({
  content: z.string().describe('sanitised HTML'),
  status: z.enum(postStatuses).describe('HIDDEN only to its author and admins'),
  attachments: z.array(attachment),
  updatedAt: z.string(),
});
export type PostDetail = z.infer<typeof postDetail>;

export const likeResult = z.object({ liked: z.boolean(), likeCount: z.number().int() });
