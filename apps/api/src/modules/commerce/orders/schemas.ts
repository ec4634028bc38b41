import { entityId, entityIdText } from '@pbshop/config';
import { orderStatus } from '@pbshop/db';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';
import { textLine } from '../../../http/text.ts';

export const orderStatuses = orderStatus.enumValues;
export type OrderStatus = (typeof orderStatuses)[number];

/** Points are spent in these steps at least (api-contract §5 "Points": minimum use 1,000 P). */
export const MIN_POINT_USE = 1_000;
/** Lines in one order at most. */
export const MAX_ORDER_LINES = 50;

export const orderIdParams = z.object({ id: entityIdText });

const orderLine = z.object({
  productId: entityId,
  sellerId: entityId,
  quantity: z.number().int().min(1).max(999),
  selectedOptions: textLine(200).optional(),
});

export const createOrderBody = z
  .object({
    addressId: entityId,
    items: z
      .array(orderLine)
      .max(MAX_ORDER_LINES)
      .optional()
      .describe('the lines of a direct buy; with fromCart the cart lines are ordered and these are not read'),
    fromCart: z.boolean().optional(),
    cartItemIds: z
      .array(entityId)
      .max(MAX_ORDER_LINES)
      .optional()
      .describe('with fromCart: the cart lines to order (removed from the cart with the order)'),
    usePoint: z
      .number()
      .int()
      .min(0)
      .max(1_000_000_000)
      .optional()
      .describe('0, or 1,000 P and more; at most half the total and at most the balance'),
    memo: textLine(500).optional(),
  })
  .superRefine((body, context) => {
    if (body.fromCart) {
      if (!body.cartItemIds || body.cartItemIds.length === 0) {
        context.addIssue({ code: 'custom', path: ['cartItemIds'], message: 'required with fromCart' });
      } else if (new Set(body.cartItemIds).size !== body.cartItemIds.length) {
        context.addIssue({ code: 'custom', path: ['cartItemIds'], message: 'each cart line once' });
      }
    } else if (!body.items || body.items.length === 0) {
      context.addIssue({ code: 'custom', path: ['items'], message: 'at least one line (or fromCart)' });
    }
    if (body.usePoint !== undefined && body.usePoint > 0 && body.usePoint < MIN_POINT_USE) {
      context.addIssue({
        code: 'custom',
        path: ['usePoint'],
        message: `0, or at least ${MIN_POINT_USE} points`,
      });
    }
  });
export type CreateOrderBody = z.infer<typeof createOrderBody>;

export const orderListQuery = pageQuery.extend({ status: z.enum(orderStatuses).optional() });
export type OrderListQuery = z.infer<typeof orderListQuery>;

/** A day (Asia/Seoul) or an instant with its offset, from the year 1900 on (no order is older). */
const dateBound = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .refine((value) => value.slice(0, 4) >= '1900', 'from the year 1900 on');

export const adminOrderListQuery = orderListQuery.extend({
  userId: entityIdText.optional(),
  orderNumber: z
    .string()
    .max(40)
    .transform((value) => value.trim().toUpperCase())
    .optional(),
  from: dateBound
    .optional()
    .describe('created at or after: a day (from its start, Asia/Seoul) or an instant'),
  to: dateBound.optional().describe('created at or before: a day (to its end, Asia/Seoul) or an instant'),
});
export type AdminOrderListQuery = z.infer<typeof adminOrderListQuery>;

export const changeStatusBody = z.object({
  status: z
    .string()
    .max(64)
    .describe(
      'the next status; the storefront sends free text, so a status that is not a step the order may take is 400 INVALID_STATUS_TRANSITION',
    ),
});

export const orderSummary = z.object({
  id: entityId,
  orderNumber: z.string(),
  status: z.enum(orderStatuses),
  totalAmount: z.number().int(),
  finalAmount: z.number().int(),
  itemCount: z.number().int().describe('the number of lines'),
  createdAt: z.string(),
});
export type OrderSummary = z.infer<typeof orderSummary>;

export const orderItem = z.object({
  id: entityId,
  productId: entityId,
  sellerId: entityId,
  productName: z.string(),
  sellerName: z.string(),
  selectedOptions: z.string().nullable(),
  quantity: z.number().int(),
  unitPrice: z.number().int(),
  totalPrice: z.number().int(),
});

export const orderPayment = z.object({
  id: entityId,
  orderId: entityId,
  orderStatus: z.enum(orderStatuses),
  method: z.string(),
  amount: z.number().int(),
  status: z.string(),
  paidAt: z.string().nullable(),
  refundedAt: z.string().nullable(),
});

export const orderDetail = z.object({
  id: entityId,
  userId: entityId,
  orderNumber: z.string(),
  status: z.enum(orderStatuses),
  items: z.array(orderItem),
  totalAmount: z.number().int().describe("the lines' total (the offers' prices when the order was placed)"),
  pointUsed: z.number().int(),
  finalAmount: z.number().int().describe('totalAmount - pointUsed: what the payment charges'),
  shippingAddress: z.object({
    recipientName: z.string(),
    recipientPhone: z.string(),
    zipCode: z.string(),
    address: z.string(),
    addressDetail: z.string().nullable(),
  }),
  payments: z.array(orderPayment),
  memo: z.string().nullable(),
  payBy: z.string().nullable().describe('an order still unpaid at this time is cancelled'),
  paidAt: z.string().nullable(),
  confirmedAt: z.string().nullable(),
  cancelledAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type OrderDetail = z.infer<typeof orderDetail>;
