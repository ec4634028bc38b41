import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';

export const alertKinds = ['TARGET_PRICE', 'DROP_FROM_LAST_WEEK', 'ALL_TIME_LOW'] as const;
export type AlertKind = (typeof alertKinds)[number];

/** KRW amounts are whole won; 10^10 is far above any real offer and far below 2^53 (as prices). */
const MAX_WON = 10_000_000_000;

export const alertIdParams = z.object({ id: entityIdText });
export const alertListQuery = pageQuery;

/**
 * TARGET_PRICE (default) needs `targetPrice` and takes no `dropPercent`; DROP_FROM_LAST_WEEK
 * needs `dropPercent` (1..90) and takes no `targetPrice`; ALL_TIME_LOW takes neither.
 */
export const createAlertBody = z
  .object({
    productId: entityId,
    kind: z.enum(alertKinds).default('TARGET_PRICE'),
    targetPrice: z.number().int().min(1).max(MAX_WON).optional(),
    dropPercent: z.number().int().min(1).max(90).optional(),
  })
  .superRefine((body, context) => {
    const onlyFor = (field: 'targetPrice' | 'dropPercent', kind: AlertKind) => {
      const given = body[field] !== undefined;
      if (body.kind === kind && !given) {
        context.addIssue({ code: 'custom', path: [field], message: `required for ${kind}` });
      }
      if (body.kind !== kind && given) {
        context.addIssue({ code: 'custom', path: [field], message: `only allowed for ${kind}` });
      }
    };
    onlyFor('targetPrice', 'TARGET_PRICE');
    onlyFor('dropPercent', 'DROP_FROM_LAST_WEEK');
  });
export type CreateAlertBody = z.infer<typeof createAlertBody>;

export const priceAlert = z.object({
  id: entityId,
  productId: entityId,
  productName: z.string(),
  kind: z.enum(alertKinds),
  targetPrice: z.number().int().nullable(),
  dropPercent: z.number().int().nullable(),
  currentLowestPrice: z.number().int().nullable(),
  isTriggered: z.boolean(),
  triggeredAt: z.string().nullable(),
  triggeredPrice: z.number().int().nullable(),
  createdAt: z.string(),
});
export type PriceAlert = z.infer<typeof priceAlert>;
