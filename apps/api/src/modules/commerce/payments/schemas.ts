import { entityId, entityIdText } from '@pbshop/config';
import { orderStatus, paymentStatus } from '@pbshop/db';
import { z } from 'zod';
import { textLine } from '../../../http/text.ts';

export const paymentStatuses = paymentStatus.enumValues;
export type PaymentStatus = (typeof paymentStatuses)[number];

/** KRW amounts are whole won; far above any order and far below 2^53. */
const MAX_WON = 10_000_000_000;

export const paymentIdParams = z.object({ id: entityIdText });

export const createPaymentBody = z.object({
  orderId: entityId,
  method: textLine(30)
    .transform((value) => value.toUpperCase())
    .default('CARD')
    .describe('how the member pays, free text (the storefront sends CARD by default)'),
  amount: z
    .number()
    .int()
    .min(1)
    .max(MAX_WON)
    .describe("the order's finalAmount; any other amount is 400 AMOUNT_MISMATCH"),
});
export type CreatePaymentBody = z.infer<typeof createPaymentBody>;

export const refundBody = z
  .object({ reason: textLine(200).optional().describe('why the member asks for the refund') })
  .default({});
export type RefundBody = z.infer<typeof refundBody>;

/** client-shapes §Payment: every call renders it. */
export const payment = z.object({
  id: z.number().int(),
  orderId: z.number().int(),
  orderStatus: z.enum(orderStatus.enumValues),
  method: z.string(),
  amount: z.number().int(),
  status: z
    .enum(paymentStatuses)
    .describe(
      'PENDING: sent to the gateway, outcome being confirmed; COMPLETED: paid; FAILED: declined or never ' +
        'charged; REFUNDED: cancelled at the gateway after payment',
    ),
  paidAt: z.string().nullable(),
  refundedAt: z.string().nullable(),
  failureCode: z.string().nullable().describe("the gateway's code of a declined payment"),
  failureMessage: z.string().nullable(),
  refundReason: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Payment = z.infer<typeof payment>;
