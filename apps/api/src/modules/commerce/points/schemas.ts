import { entityId } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';
import { textLine } from '../../../http/text.ts';

export const pointTransactionTypes = ['EARN', 'USE', 'REFUND', 'EXPIRE', 'ADMIN_GRANT'] as const;
export type PointTransactionType = (typeof pointTransactionTypes)[number];

/** One admin grant at most (PNT: 1 .. 10,000,000 P). */
export const MAX_GRANT = 10_000_000;

export const pointBalance = z.object({
  balance: z.number().int(),
  expiringSoon: z.number().int().describe('points that expire within the next 30 days'),
  expiringDate: z
    .string()
    .optional()
    .describe(
      'the earliest expiry among them (ISO 8601); absent when none expire within 30 days (the storefront types it `string | undefined`)',
    ),
});
export type PointBalance = z.infer<typeof pointBalance>;

export const pointTransactionQuery = pageQuery.extend({
  type: z.enum(pointTransactionTypes).optional(),
});

export const pointTransactionItem = z.object({
  id: entityId,
  type: z.enum(pointTransactionTypes),
  amount: z.number().int().describe('signed: USE and EXPIRE are negative'),
  balance: z.number().int().describe('the balance right after this row (the contract name)'),
  balanceAfter: z.number().int().describe('the same as balance (the storefront name)'),
  description: z.string().nullable(),
  orderId: entityId.nullable(),
  expiresAt: z.string().nullable().describe('when a credited lot expires; null on debits'),
  createdAt: z.string(),
});
export type PointTransactionItem = z.infer<typeof pointTransactionItem>;

export const grantPointBody = z.object({
  userId: entityId,
  amount: z.number().int().min(1).max(MAX_GRANT),
  description: textLine(200).optional(),
});

export const grantPointResult = z.object({
  userId: entityId,
  grantedAmount: z.number().int(),
  balance: z.number().int(),
  transactionId: entityId,
});
