import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';
import { richText, searchText, textLine } from '../../../http/text.ts';

export const ticketCategories = ['ORDER', 'PAYMENT', 'DELIVERY', 'ACCOUNT', 'PRODUCT', 'OTHER'] as const;
export const ticketStatuses = ['OPEN', 'IN_PROGRESS', 'ANSWERED', 'CLOSED'] as const;
export type TicketStatus = (typeof ticketStatuses)[number];

export const ticketIdParams = z.object({ id: entityIdText });
export const answerParams = z.object({ ticketId: entityIdText });

const httpUrl = z
  .string()
  .trim()
  .max(2000)
  .pipe(z.url({ protocol: /^https?$/, message: 'an http(s) URL' }));

/** A JSON body, or the text fields of a multipart one (with up to 3 files in `attachments`). */
export const createTicketBody = z.object({
  category: z.enum(ticketCategories),
  title: textLine(200),
  content: richText(5_000),
  /** a link the member gives (the storefront's single attachment) */
  attachmentUrl: httpUrl.nullable().optional(),
});
export type CreateTicketBody = z.infer<typeof createTicketBody>;

export const replyBody = z.object({ content: richText(5_000) });
export type ReplyBody = z.infer<typeof replyBody>;

export const statusBody = z.object({ status: z.enum(ticketStatuses) });

export const myTicketsQuery = pageQuery.extend({
  status: z.enum(ticketStatuses).optional(),
  category: z.enum(ticketCategories).optional(),
});
export type MyTicketsQuery = z.infer<typeof myTicketsQuery>;

/** `search`: in the title, or a ticket number. */
export const adminTicketsQuery = myTicketsQuery.extend({
  search: searchText(100),
  userId: entityIdText.optional(),
});
export type AdminTicketsQuery = z.infer<typeof adminTicketsQuery>;

export const ticketAttachment = z.object({
  /** the media file's id */
  id: entityId,
  url: z.string(),
  mime: z.string(),
  size: z.number().int(),
  originalName: z.string().nullable(),
});
export type TicketAttachment = z.infer<typeof ticketAttachment>;

export const ticketResponse = z.object({
  id: entityId,
  ticketNumber: z.string(),
  userId: entityId,
  category: z.enum(ticketCategories),
  title: z.string(),
  content: z.string(),
  attachmentUrl: z.string().nullable(),
  status: z.enum(ticketStatuses),
  /** the latest admin reply */
  answer: z
    .object({ content: z.string(), answeredBy: entityId.nullable(), answeredAt: z.string() })
    .nullable(),
  attachments: z.array(ticketAttachment),
  lastReplyAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type TicketResponse = z.infer<typeof ticketResponse>;

export const ticketReply = z.object({
  id: entityId,
  ticketId: entityId,
  authorId: entityId.nullable(),
  authorRole: z.enum(['USER', 'ADMIN']),
  content: z.string(),
  createdAt: z.string(),
});
export type TicketReply = z.infer<typeof ticketReply>;

export const ticketDetail = ticketResponse.extend({ replies: z.array(ticketReply) });
export type TicketDetail = z.infer<typeof ticketDetail>;

/** A reply, with the status it left its ticket in. */
export const replyResponse = ticketReply.extend({ ticketStatus: z.enum(ticketStatuses) });
