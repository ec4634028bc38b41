import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';
import { richText, searchText, textLine } from '../../../http/text.ts';

export const helpIdParams = z.object({ id: entityIdText });

const faqCategory = textLine(50);
const sortOrder = z.number().int().min(-1_000_000).max(1_000_000);

/** `keyword` is the storefront's name for `search`; either matches question or answer text. */
export const faqListQuery = pageQuery.extend({
  category: searchText(50),
  search: searchText(100),
  keyword: searchText(100),
});
export type FaqListQuery = z.infer<typeof faqListQuery>;

export const createFaqBody = z.object({
  category: faqCategory,
  question: textLine(300),
  answer: richText(10_000),
  isActive: z.boolean().optional(),
  sortOrder: sortOrder.optional(),
});
export type CreateFaqBody = z.infer<typeof createFaqBody>;

export const updateFaqBody = createFaqBody.partial();
export type UpdateFaqBody = z.infer<typeof updateFaqBody>;

export const faqResponse = z.object({
  id: entityId,
  category: z.string(),
  question: z.string(),
  answer: z.string(),
  isActive: z.boolean(),
  sortOrder: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type FaqResponse = z.infer<typeof faqResponse>;

export const noticeListQuery = pageQuery;
export type NoticeListQuery = z.infer<typeof noticeListQuery>;

const instant = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

const noticeFields = {
  title: textLine(200),
  content: richText(20_000),
  isPublished: z.boolean().optional(),
  isPinned: z.boolean().optional(),
  /** the window a published notice is public in; null or absent: unbounded at that end */
  publishFrom: instant.nullable().optional(),
  publishUntil: instant.nullable().optional(),
};

const windowInOrder = (body: { publishFrom?: Date | null; publishUntil?: Date | null }) =>
  !body.publishFrom || !body.publishUntil || body.publishFrom < body.publishUntil;
const windowIssue = { message: 'publishFrom must be before publishUntil', path: ['publishUntil'] };

export const createNoticeBody = z.object(noticeFields).refine(windowInOrder, windowIssue);
export type CreateNoticeBody = z.infer<typeof createNoticeBody>;

export const updateNoticeBody = z
  .object({ ...noticeFields, title: noticeFields.title.optional(), content: noticeFields.content.optional() })
  .refine(windowInOrder, windowIssue);
export type UpdateNoticeBody = z.infer<typeof updateNoticeBody>;

export const noticeResponse = z.object({
  id: entityId,
  title: z.string(),
  content: z.string(),
  isPublished: z.boolean(),
  isPinned: z.boolean(),
  publishFrom: z.string().nullable(),
  publishUntil: z.string().nullable(),
  viewCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type NoticeResponse = z.infer<typeof noticeResponse>;
