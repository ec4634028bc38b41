import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { textLine } from '../../../http/text.ts';

/** What an AUTO badge counts; each is counted from its owning module's rows. */
export const badgeMetrics = [
  'review_count',
  'post_count',
  'order_count',
  'point_total',
  'login_streak',
] as const;
export type BadgeMetric = (typeof badgeMetrics)[number];
export const badgeTypes = ['AUTO', 'MANUAL'] as const;
export const badgeRarities = ['COMMON', 'UNCOMMON', 'RARE', 'EPIC', 'LEGENDARY'] as const;

export const badgeParams = z.object({ id: entityIdText });
export const revokeParams = z.object({ id: entityIdText, userId: entityIdText });
export const userParams = z.object({ id: entityIdText });

const condition = z
  .object({
    metric: z.enum(badgeMetrics),
    threshold: z.number().int().min(1).max(1_000_000_000),
  })
  .describe(
    'review_count (live reviews), post_count (published posts), order_count (purchase-confirmed orders), point_total (points earned and granted), login_streak (consecutive Seoul days up to today)',
  );

const iconUrl = z
  .string()
  .trim()
  .max(2000)
  .pipe(z.union([z.literal(''), z.url({ protocol: /^https?$/, message: 'an http(s) URL' })]));

const description = z
  .string()
  .max(2000)
  .transform((value) => value.normalize('NFC').trim())
  .pipe(z.string().refine((value) => !/[^\P{Cc}\n\t]/u.test(value), 'control characters are not allowed'));

const fields = {
  name: textLine(50),
  description,
  iconUrl,
  type: z.enum(badgeTypes),
  condition: condition.nullable(),
  rarity: z.enum(badgeRarities),
};

/** An AUTO badge needs a condition; a MANUAL one has none. */
const conditionMatchesType = (body: { type?: string; condition?: unknown }) =>
  body.type === undefined ||
  (body.type === 'AUTO') === (body.condition !== undefined && body.condition !== null);

export const createBadgeBody = z
  .object({
    ...fields,
    description: fields.description.default(''),
    iconUrl: fields.iconUrl.default(''),
    condition: fields.condition.optional(),
    rarity: fields.rarity.default('COMMON'),
  })
  .refine(conditionMatchesType, {
    message: 'an AUTO badge needs condition { metric, threshold }; a MANUAL one takes none',
    path: ['condition'],
  });
export type CreateBadgeBody = z.infer<typeof createBadgeBody>;

export const updateBadgeBody = z
  .object({
    name: fields.name.optional(),
    description: fields.description.optional(),
    iconUrl: fields.iconUrl.optional(),
    type: fields.type.optional(),
    condition: fields.condition.optional(),
    rarity: fields.rarity.optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), {
    message: 'send at least one field to change',
  });
export type UpdateBadgeBody = z.infer<typeof updateBadgeBody>;

export const grantBody = z.object({
  userId: entityId,
  reason: textLine(200).optional(),
});

export const badge = z.object({
  id: entityId,
  name: z.string(),
  description: z.string(),
  iconUrl: z.string(),
  type: z.enum(badgeTypes),
  condition: z.object({ metric: z.string(), threshold: z.number().int() }).nullable(),
  rarity: z.enum(badgeRarities),
  holderCount: z.number().int().describe('members holding it, exact'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Badge = z.infer<typeof badge>;

export const userBadge = z.object({
  id: entityId,
  userId: entityId,
  badgeId: entityId,
  grantedByAdminId: entityId.nullable().describe('null for an AUTO grant'),
  reason: z.string().nullable(),
  grantedAt: z.string(),
  badge: z
    .object({
      id: entityId,
      name: z.string(),
      description: z.string(),
      iconUrl: z.string(),
      type: z.enum(badgeTypes),
      rarity: z.enum(badgeRarities),
    })
    .nullable(),
});
export type UserBadge = z.infer<typeof userBadge>;

/** A badge as a member response carries it. */
export interface HeldBadge {
  id: number;
  name: string;
  iconUrl: string | null;
}
