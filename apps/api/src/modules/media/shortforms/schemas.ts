import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { envelope, pageMeta, pageQuery } from '../../../http/envelope.ts';

export const transcodeStatuses = ['PENDING', 'PROCESSING', 'COMPLETED', 'FAILED'] as const;
export type TranscodeStatus = (typeof transcodeStatuses)[number];

/** The longest short-form (SHRT-01): 60 s, plus the half second containers add (audio priming). */
export const MAX_DURATION_MS = 60_500;
export const MAX_TITLE_LENGTH = 100;
export const MAX_TAGGED_PRODUCTS = 10;

export const shortformIdParams = z.object({ id: entityIdText });
export const userIdParams = z.object({ userId: entityIdText });
export const hlsFileParams = z.object({
  id: entityIdText,
  file: z
    .string()
    .regex(/^(index\.m3u8|segment-\d{3,5}\.ts)$/, 'index.m3u8 or segment-NNN.ts')
    .describe('the HLS playlist (index.m3u8) or one of its segments'),
});

/**
 * The feed's position: the last item's (created_at, id), opaque to clients. created_at travels
 * as PostgreSQL's own microsecond text, so the next page starts exactly after it.
 */
export interface FeedCursor {
  createdAt: string;
  id: number;
}

const cursorCreatedAt = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function encodeCursor(cursor: FeedCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

function decodeCursor(text: string): FeedCursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [createdAt, id] = value as unknown[];
    if (typeof createdAt !== 'string' || !cursorCreatedAt.test(createdAt)) return undefined;
    if (Number.isNaN(Date.parse(createdAt))) return undefined;
    const parsedId = entityId.safeParse(id);
    return parsedId.success ? { createdAt, id: parsedId.data } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The feed takes page-number paging (the storefront sends `page&limit`) or cursor paging
 * (`cursor` from the previous answer's `meta.nextCursor`), not both.
 */
export const feedQuery = z
  .object({
    page: z.coerce.number().int().min(1).max(100_000).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z
      .string()
      .max(200)
      .regex(/^[A-Za-z0-9_-]+$/, 'a cursor from meta.nextCursor')
      .transform((text, context) => {
        const cursor = decodeCursor(text);
        if (!cursor) {
          context.addIssue({ code: 'custom', message: 'a cursor from meta.nextCursor' });
          return z.NEVER;
        }
        return cursor;
      })
      .optional()
      .describe('meta.nextCursor of the previous page (opaque)'),
  })
  .refine((query) => query.page === undefined || query.cursor === undefined, {
    message: 'send page or cursor, not both',
    path: ['cursor'],
  });

export const listQuery = pageQuery;

export const rankingPeriods = ['day', 'week', 'month'] as const;
export type RankingPeriod = (typeof rankingPeriods)[number];

export const rankingQuery = z.object({
  period: z.enum(rankingPeriods).default('day'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const shortformItem = z.object({
  id: entityId,
  userId: entityId,
  nickname: z.string().nullable(),
  profileImageUrl: z.string().nullable(),
  title: z.string(),
  description: z.string().nullable(),
  videoUrl: z.string().describe('the MP4 rendition once COMPLETED, the uploaded file before'),
  hlsUrl: z.string().nullable().describe('the HLS playlist once COMPLETED'),
  thumbnailUrl: z.string().nullable().describe('the poster once COMPLETED'),
  durationSec: z.number(),
  width: z.number().int(),
  height: z.number().int(),
  viewCount: z.number().int(),
  likeCount: z.number().int(),
  commentCount: z.number().int(),
  transcodeStatus: z.enum(transcodeStatuses),
  transcodeProgress: z.number().int().describe('0..100 while PROCESSING'),
  transcodedVideoUrl: z.string().nullable(),
  transcodeError: z.string().nullable(),
  transcodedAt: z.string().nullable(),
  productIds: z.array(entityId),
  liked: z.boolean().describe('whether the caller likes it (false when anonymous)'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ShortformItem = z.infer<typeof shortformItem>;

export const rankedShortform = shortformItem.extend({
  rank: z.number().int(),
  score: z.number().int().describe('views + 5 × likes in the period'),
  periodViews: z.number().int(),
  periodLikes: z.number().int(),
});
export type RankedShortform = z.infer<typeof rankedShortform>;

export const feedMeta = pageMeta.partial({ page: true, totalCount: true, totalPages: true }).extend({
  nextCursor: z.string().nullable().describe('the cursor of the next page; null on the last'),
  hasMore: z.boolean(),
});

export const feedEnvelope = z.object({
  success: z.literal(true),
  data: z.array(shortformItem),
  meta: feedMeta,
});

export const commentItem = z.object({
  id: entityId,
  shortformId: entityId,
  userId: entityId,
  nickname: z.string().nullable(),
  profileImageUrl: z.string().nullable(),
  content: z.string(),
  createdAt: z.string(),
});
export type CommentItem = z.infer<typeof commentItem>;

export const createCommentBody = z.object({ content: z.string().trim().min(1).max(1000) });

export const likeToggle = envelope(z.object({ liked: z.boolean(), likeCount: z.number().int() }));

export const transcodeStatusBody = envelope(
  z.object({
    shortformId: entityId,
    transcodeStatus: z.enum(transcodeStatuses),
    status: z.enum(transcodeStatuses).describe('transcodeStatus again (the contract names it so)'),
    progress: z.number().int().describe('0..100; 100 once COMPLETED'),
    transcodedVideoUrl: z.string().nullable(),
    hlsUrl: z.string().nullable(),
    thumbnailUrl: z.string().nullable(),
    transcodeError: z.string().nullable().describe('why the last attempt failed'),
    errorMessage: z.string().nullable().describe('transcodeError again (the contract names it so)'),
    transcodedAt: z.string().nullable(),
  }),
);

export const retryBody = envelope(
  z.object({ success: z.literal(true), message: z.string(), queued: z.literal(true) }),
);
export const deletedBody = envelope(z.object({ success: z.literal(true), message: z.string() }));

/** The text fields of `POST /shortforms` (multipart, beside the `video` file). */
export const uploadFields = z.object({
  title: z.string().trim().min(1).max(MAX_TITLE_LENGTH),
  description: z.string().trim().max(2000).optional(),
  // what the client believes the duration is: informative only, the probe decides
  durationSec: z.coerce.number().min(0).max(86_400).optional(),
  productIds: z
    .string()
    .max(2000)
    .optional()
    .transform((text, context) => {
      if (text === undefined || text.trim() === '') return [];
      // the storefront sends a JSON array ("[1,2]"); a comma list ("1,2") is taken too
      let values: unknown;
      try {
        values = text.trim().startsWith('[') ? JSON.parse(text) : text.split(',').map((part) => part.trim());
      } catch {
        values = undefined;
      }
      const ids = z
        .array(z.union([entityId, entityIdText]))
        .max(MAX_TAGGED_PRODUCTS)
        .safeParse(values);
      if (!ids.success) {
        context.addIssue({
          code: 'custom',
          message: `a JSON array of at most ${MAX_TAGGED_PRODUCTS} product ids, e.g. [1,2]`,
        });
        return z.NEVER;
      }
      return [...new Set(ids.data.map(Number))];
    }),
});
export type UploadFields = z.output<typeof uploadFields>;
