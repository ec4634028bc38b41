import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { richText, textLine } from '../../../http/text.ts';
import { partTypes, ruleLevels, ruleMetadata } from './rules.ts';

export const purposes = ['GAMING', 'OFFICE', 'DESIGN', 'DEVELOPMENT', 'STREAMING'] as const;

export const buildIdParams = z.object({ id: entityIdText });
export const buildPartParams = z.object({ id: entityIdText, partId: entityIdText });
export const ruleIdParams = z.object({ id: entityIdText });
/** Any text up to a sane length: a code that is not one of ours is simply not found. */
export const shareCodeParams = z.object({ shareCode: z.string().min(1).max(64) });

const budget = z.number().int().min(0).max(1_000_000_000);
const description = richText(2000);

export const createBuildBody = z.object({
  name: textLine(100),
  description: description.optional(),
  purpose: z.enum(purposes),
  budget: budget.nullable().optional(),
});
export type CreateBuildBody = z.infer<typeof createBuildBody>;

export const updateBuildBody = z
  .object({
    name: textLine(100),
    description: description.nullable(),
    purpose: z.enum(purposes),
    budget: budget.nullable(),
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'nothing to change');
export type UpdateBuildBody = z.infer<typeof updateBuildBody>;

export const addPartBody = z.object({
  productId: entityId,
  partType: z.enum(partTypes),
  /** null or absent: the lowest offer, whichever shop has it */
  sellerId: entityId.nullable().optional(),
  quantity: z.number().int().min(1).max(8).default(1),
});
export type AddPartBody = z.infer<typeof addPartBody>;

const issue = z.object({
  type: z.enum(['COMPATIBILITY', 'POWER', 'UNVERIFIED']),
  ruleId: entityId,
  rule: z.string(),
  severity: z.enum(['ERROR', 'WARNING']),
  level: z.enum(ruleLevels),
  message: z.string(),
  partIds: z.array(entityId),
  values: z.object({
    source: z.union([z.string(), z.number()]).nullable(),
    target: z.union([z.string(), z.number()]).nullable(),
  }),
});

export const compatibility = z.object({
  status: z.enum(['EMPTY', 'OK', 'INCOMPLETE', 'WARNING', 'ERROR']),
  /** every rule a part breaks or could not be checked against, each naming its rule */
  issues: z.array(issue),
  /** the issues of ERROR rules: the build does not work as it is */
  errors: z.array(issue),
  warnings: z.array(
    z.object({
      type: z.enum(['BOTTLENECK', 'COMPATIBILITY', 'POWER', 'UNVERIFIED']),
      message: z.string(),
      severity: z.enum(ruleLevels),
      ruleId: entityId.optional(),
      rule: z.string().optional(),
    }),
  ),
  missingParts: z.array(z.enum(partTypes)),
  powerEstimate: z
    .object({
      totalWattage: z.number(),
      psuWattage: z.number(),
      headroom: z.number(),
      requiredWattage: z.number(),
      sufficient: z.boolean(),
    })
    .optional(),
  socketCompatible: z.boolean(),
  ramCompatible: z.boolean(),
  formFactorCompatible: z.boolean(),
  bottleneck: z
    .object({
      cpuTier: z.number(),
      gpuTier: z.number(),
      limitedBy: z.enum(['CPU', 'GPU']).nullable(),
      severity: z.enum(['NONE', 'MEDIUM', 'HIGH']),
    })
    .nullable(),
});

export const buildPart = z.object({
  id: entityId,
  partType: z.enum(partTypes),
  quantity: z.number().int(),
  product: z.object({ id: entityId, name: z.string(), lowestPrice: z.number().nullable() }),
  /** the offer the part is priced from: the chosen shop's, else the lowest; null when no shop offers it */
  seller: z.object({ id: entityId, name: z.string(), price: z.number() }).nullable(),
  unitPrice: z.number(),
  totalPrice: z.number(),
  addedAt: z.string(),
});

export const buildDetail = z.object({
  id: entityId,
  userId: entityId,
  name: z.string(),
  description: z.string().nullable(),
  purpose: z.enum(purposes),
  budget: z.number().nullable(),
  /** the parts' current offers summed now: it follows every price change */
  totalPrice: z.number(),
  shareCode: z.string().nullable(),
  viewCount: z.number().int(),
  parts: z.array(buildPart),
  compatibility,
  bottleneck: compatibility.shape.bottleneck,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type BuildDetail = z.infer<typeof buildDetail>;

export const buildSummary = z.object({
  id: entityId,
  name: z.string(),
  purpose: z.enum(purposes),
  budget: z.number().nullable(),
  totalPrice: z.number(),
  shareCode: z.string().nullable(),
  viewCount: z.number().int(),
  updatedAt: z.string(),
});
export type BuildSummary = z.infer<typeof buildSummary>;

export const shareLink = z.object({ shareCode: z.string(), shareUrl: z.string() });

export const deleted = z.object({ success: z.literal(true), message: z.string() });

export const ruleBody = z.object({
  partType: z.enum(partTypes),
  targetPartType: z.enum(partTypes).nullable().optional(),
  title: textLine(100),
  description: textLine(500),
  severity: z.enum(ruleLevels),
  enabled: z.boolean().default(true),
  /** the check: `{ operator, sourceSpec, targetSpec … }` (see rules.ts) or the storefront's `{ required: true }` */
  metadata: ruleMetadata,
});
export type RuleBody = z.infer<typeof ruleBody>;

export const updateRuleBody = z
  .object({
    partType: z.enum(partTypes),
    targetPartType: z.enum(partTypes).nullable(),
    title: textLine(100),
    description: textLine(500),
    severity: z.enum(ruleLevels),
    enabled: z.boolean(),
    metadata: ruleMetadata,
  })
  .partial()
  .refine((body) => Object.keys(body).length > 0, 'nothing to change');
export type UpdateRuleBody = z.infer<typeof updateRuleBody>;

export const compatibilityRule = z.object({
  id: entityId,
  partType: z.enum(partTypes),
  targetPartType: z.enum(partTypes).nullable(),
  title: z.string(),
  description: z.string(),
  severity: z.enum(ruleLevels),
  enabled: z.boolean(),
  /** the check as the rule stores it, `required: true` for a REQUIRED rule */
  metadata: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CompatibilityRuleItem = z.infer<typeof compatibilityRule>;
