import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';
import { richText, textLine } from '../../../http/text.ts';

/** Characters a stored message holds at most (after sanitising). */
export const MESSAGE_MAX_CHARS = 2000;

export const roomParams = z.object({ roomId: entityIdText });

export const createRoomBody = z.object({
  name: textLine(100),
  isPrivate: z.boolean().default(true).describe('a private room admits only its members (and agents)'),
});

/** The text of a message: `message` (storefront) or `content` (contract), sanitised like any member markup. */
export const messageText = richText(MESSAGE_MAX_CHARS);

export const sendMessageBody = z
  .object({ message: z.string().optional(), content: z.string().optional() })
  .refine((body) => (body.message ?? body.content) !== undefined, 'message (or content) is required')
  .transform((body) => body.message ?? body.content ?? '')
  .pipe(messageText);

export const historyQuery = pageQuery.extend({
  afterId: entityIdText
    .optional()
    .describe('a reconnecting client: the messages after this id, oldest first (page is ignored)'),
});

export const chatRoom = z.object({
  id: entityId,
  name: z.string(),
  isPrivate: z.boolean(),
  createdBy: entityId,
  status: z.enum(['OPEN', 'CLOSED']),
  closedAt: z.string().nullable(),
  lastMessageAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ChatRoom = z.infer<typeof chatRoom>;

export const chatMessage = z.object({
  id: entityId,
  roomId: entityId,
  senderId: entityId.nullable().describe('null once the sender is deleted'),
  content: z.string(),
  message: z.string().describe('content again, under the storefront name'),
  createdAt: z.string(),
});
export type ChatMessage = z.infer<typeof chatMessage>;

/** Socket events' payloads (API §20 spec notes). */
export const roomEvent = z.object({ roomId: entityId });
export const sendMessageEvent = z
  .object({ roomId: entityId, message: z.string().optional(), content: z.string().optional() })
  .refine((body) => (body.message ?? body.content) !== undefined, 'message (or content) is required')
  .transform(({ roomId, message, content }) => ({ roomId, text: message ?? content ?? '' }))
  .pipe(z.object({ roomId: entityId, text: messageText }));
export const messageReadEvent = z.object({ roomId: entityId, messageId: entityId });
