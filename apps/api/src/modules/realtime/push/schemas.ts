import { entityId } from '@pbshop/config';
import { z } from 'zod';

/**
 * A subscription as the browser's PushSubscription gives it. The fields are only typed and
 * bounded here (400 VALIDATION_ERROR); what makes them a usable subscription (an https endpoint,
 * keys of the right lengths on the right curve) is the service's check (422 PUSH_SUBSCRIPTION_INVALID).
 */
export const subscriptionBody = z.object({
  endpoint: z.string().max(8192),
  p256dhKey: z.string().max(1024),
  authKey: z.string().max(1024),
  expirationTime: z
    .string()
    .max(64)
    .nullable()
    .optional()
    .describe('epoch milliseconds as a string (PushSubscription.expirationTime); null or absent: none'),
});
export type SubscriptionBody = z.infer<typeof subscriptionBody>;

// PostgreSQL text refuses NUL; no endpoint holds one
export const unsubscribeBody = z.object({
  endpoint: z
    .string()
    .max(8192)
    .refine((value) => !value.includes('\0'), 'contains a NUL byte'),
});

export const pushSubscription = z.object({
  id: entityId,
  endpoint: z.string(),
  expirationTime: z.string().nullable().describe('epoch milliseconds as a string'),
  isActive: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type PushSubscriptionItem = z.infer<typeof pushSubscription>;

export const unsubscribeResult = z.object({ success: z.boolean(), message: z.string() });

export const pushPreference = z.object({
  id: entityId,
  userId: entityId,
  priceAlertEnabled: z.boolean(),
  orderStatusEnabled: z.boolean(),
  chatMessageEnabled: z.boolean(),
  dealEnabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type PushPreferenceItem = z.infer<typeof pushPreference>;

export const preferenceBody = z.object({
  priceAlertEnabled: z.boolean().optional(),
  orderStatusEnabled: z.boolean().optional(),
  chatMessageEnabled: z.boolean().optional(),
  dealEnabled: z.boolean().optional(),
});
export type PreferenceBody = z.infer<typeof preferenceBody>;

export const vapidPublicKey = z.object({ publicKey: z.string() });

/** where a push leads or its icon: a path of this site or an https URL */
const pushLink = z
  .string()
  .max(1000)
  .refine((value) => /^\/(?!\/)\S*$/.test(value) || /^https:\/\/[^\s/]+\S*$/.test(value), {
    message: 'a path starting with / or an https:// URL',
  });

export const adminSendBody = z
  .object({
    title: z.string().trim().min(1).max(200),
    body: z.string().trim().min(1).max(1000),
    url: pushLink.optional(),
    iconUrl: pushLink.optional(),
    target: z.enum(['ALL', 'SEGMENT']),
    segmentFilter: z
      .object({
        hasWishlistIn: z
          .array(entityId)
          .min(1)
          .max(100)
          .optional()
          .describe('product ids: members whose wishlist holds any of them'),
        lastActiveWithin: z
          .string()
          .regex(/^([1-9]\d{0,2})d$/, 'days as "<n>d", 1d..999d')
          .optional()
          .describe('members who signed in or refreshed a session within this many days, e.g. "30d"'),
      })
      .optional(),
    scheduledAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('send then (delayed jobs), within 30 days; absent or past: now'),
  })
  .superRefine((value, context) => {
    const filter = value.segmentFilter;
    if (value.target === 'SEGMENT' && !filter?.hasWishlistIn && !filter?.lastActiveWithin) {
      context.addIssue({
        code: 'custom',
        path: ['segmentFilter'],
        message: 'a SEGMENT target needs hasWishlistIn or lastActiveWithin',
      });
    }
    if (value.scheduledAt && Date.parse(value.scheduledAt) > Date.now() + 30 * 24 * 60 * 60 * 1000) {
      context.addIssue({ code: 'custom', path: ['scheduledAt'], message: 'at most 30 days ahead' });
    }
  });
export type AdminSendBody = z.infer<typeof adminSendBody>;

export const adminSendResult = z.object({
  sentCount: z.number().int().describe('push deliveries queued (one per active subscription reached)'),
  scheduledAt: z.string().nullable(),
});
