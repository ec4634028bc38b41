import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';

export const notificationParams = z.object({ id: entityIdText });

export const notificationListQuery = pageQuery.extend({
  unread: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional()
    .describe('true: only the unread ones'),
});

export const notificationItem = z.object({
  id: entityId,
  type: z.string().describe('PRICE_ALERT, ORDER_STATUS, PAYMENT_STATUS, CHAT_MESSAGE, …'),
  payload: z.record(z.string(), z.unknown()),
  isRead: z.boolean(),
  readAt: z.string().nullable(),
  createdAt: z.string(),
});
export type NotificationItem = z.infer<typeof notificationItem>;
