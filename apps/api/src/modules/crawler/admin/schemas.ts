import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';
import { noControlChars, noControlCharsMessage, textLine } from '../../../http/text.ts';

const booleanText = z.enum(['true', 'false']).transform((value) => value === 'true');

/**
 * A cron expression as BullMQ's job schedulers read it: 5 fields (minute first) or 6 (seconds
 * first), evaluated in Asia/Seoul. The scheduler itself refuses what this shape check lets pass.
 */
export const cronExpression = z
  .string()
  .max(100)
  .transform((value) => value.trim().replace(/\s+/g, ' '))
  .pipe(
    z.string().refine((value) => {
      const fields = value.split(' ');
      return (
        (fields.length === 5 || fields.length === 6) &&
        fields.every((field) => /^[0-9A-Za-z*?/,#LW-]{1,40}$/.test(field))
      );
    }, 'a cron expression of 5 or 6 fields, e.g. "0 */2 * * *"'),
  );

/** An absolute http(s) URL of a seller page, at most 2000 characters, no credentials. */
const pageUrl = z
  .string()
  .max(2000)
  .trim()
  .pipe(z.url({ protocol: /^https?$/, hostname: /^[^\s]+$/, message: 'an http or https URL' }))
  .refine((value) => {
    const parsed = URL.parse(value);
    return parsed === null || (parsed.username === '' && parsed.password === '');
  }, 'credentials in the URL are not allowed');

const target = z.strictObject({
  url: pageUrl,
  productId: entityId.optional().describe('the catalog product this page offers (else matched by code)'),
});

const selector = z
  .string()
  .max(300)
  .trim()
  .refine((value) => value.length > 0, 'must not be empty')
  .refine(noControlChars, noControlCharsMessage)
  .optional();

export const crawlerSelectors = z.strictObject({
  title: selector,
  price: selector,
  shippingFee: selector,
  stock: selector,
  sellerProductCode: selector,
  gtin: selector,
  mpn: selector,
  productLinks: selector.describe('on a listing page: the links to product pages'),
  specTable: selector.describe(
    "the product page's spec table (<table> rows or a <dl>), read when the job collects specs and the page has no JSON-LD or microdata properties",
  ),
});

const jobFields = {
  sellerId: entityId,
  name: textLine(100),
  cronExpression: cronExpression.nullable().optional(),
  schedule: cronExpression.nullable().optional().describe('the contract spec name of cronExpression'),
  collectPrice: z.boolean().optional(),
  collectSpec: z.boolean().optional(),
  detectAnomaly: z.boolean().optional(),
  isActive: z.boolean().optional(),
  targets: z.array(target).max(500).optional().describe('product pages to collect'),
  listingUrls: z.array(pageUrl).max(50).optional().describe('listing pages whose product links are followed'),
  selectors: crawlerSelectors.optional().describe('CSS selectors tried after JSON-LD and microdata'),
  targetUrl: pageUrl.optional().describe('the contract spec form: one page (a product or listing page)'),
  categoryId: entityId.optional().describe('accepted for the contract spec body; not used'),
  parserType: z
    .string()
    .max(50)
    .refine(noControlChars, noControlCharsMessage)
    .optional()
    .describe('accepted for the contract spec body; not used'),
  config: z
    .object({
      maxPages: z.number().int().min(1).max(1000).optional(),
      timeout: z.number().int().min(100).max(120_000).optional(),
    })
    .optional()
    .describe('accepted for the contract spec body; the worker settings apply'),
};

/** Both cron names agree when both are sent. */
const sameSchedule = (body: { cronExpression?: string | null; schedule?: string | null }) =>
  body.cronExpression === undefined || body.schedule === undefined || body.cronExpression === body.schedule;
const scheduleMessage = { message: 'cronExpression and schedule differ', path: ['schedule'] };

export const createCrawlerJobBody = z.object(jobFields).refine(sameSchedule, scheduleMessage);
export const updateCrawlerJobBody = z
  .object({ ...jobFields, sellerId: entityId.optional(), name: textLine(100).optional() })
  .refine(sameSchedule, scheduleMessage);

export type CreateCrawlerJobBody = z.infer<typeof createCrawlerJobBody>;
export type UpdateCrawlerJobBody = z.infer<typeof updateCrawlerJobBody>;

export const crawlerJobIdParams = z.object({ id: entityIdText });

export const crawlerJobListQuery = pageQuery.extend({
  sellerId: entityIdText.optional(),
  isActive: booleanText.optional(),
  status: z.enum(['ACTIVE', 'INACTIVE']).optional().describe('ACTIVE: isActive=true; INACTIVE: false'),
});

export const runStatuses = ['QUEUED', 'PROCESSING', 'SUCCESS', 'PARTIAL', 'FAILED'] as const;
export const errorClasses = [
  'NETWORK',
  'TIMEOUT',
  'HTTP_4XX',
  'HTTP_5XX',
  'ROBOTS_DISALLOWED',
  'PARSE',
  'DATABASE',
  'CIRCUIT_OPEN',
] as const;

export const crawlerRunListQuery = pageQuery.extend({
  status: z.enum(runStatuses).optional(),
  jobId: entityIdText.optional(),
  sellerId: entityIdText.optional(),
  errorClass: z.enum(errorClasses).optional(),
});

export const crawlerTriggerBody = z.object({
  sellerId: entityId,
  productId: entityId.optional(),
  collectPrice: z.boolean().optional(),
  collectSpec: z.boolean().optional(),
  detectAnomaly: z.boolean().optional(),
});
export type CrawlerTriggerBody = z.infer<typeof crawlerTriggerBody>;

const isoTime = z.string().describe('ISO 8601');

export const crawlerJobResponse = z.object({
  id: z.number().int(),
  sellerId: z.number().int(),
  name: z.string(),
  cronExpression: z.string().nullable(),
  schedule: z.string().nullable().describe('cronExpression again (the contract spec name)'),
  timeZone: z.literal('Asia/Seoul'),
  collectPrice: z.boolean(),
  collectSpec: z.boolean(),
  detectAnomaly: z.boolean(),
  isActive: z.boolean(),
  status: z.enum(['IDLE', 'RUNNING', 'DISABLED']),
  targets: z.array(z.object({ url: z.string(), productId: z.number().int().optional() })),
  listingUrls: z.array(z.string()),
  selectors: z.record(z.string(), z.string()),
  consecutiveFailures: z.number().int(),
  disabledReason: z.string().nullable(),
  lastTriggeredAt: isoTime.nullable(),
  lastRunAt: isoTime.nullable(),
  nextRunAt: isoTime.nullable().describe('the scheduler’s next firing'),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type CrawlerJobResponse = z.infer<typeof crawlerJobResponse>;

const itemError = z.object({
  url: z.string(),
  errorClass: z.enum(errorClasses),
  message: z.string(),
  kind: z
    .literal('SPEC')
    .optional()
    .describe('a note on specs not recorded from a page whose offer was read (not a failed item)'),
});

export const crawlerRunResponse = z.object({
  id: z.number().int(),
  jobId: z.number().int().nullable(),
  sellerId: z.number().int(),
  productId: z.number().int().nullable(),
  triggerType: z.enum(['SCHEDULED', 'MANUAL']),
  collectPrice: z.boolean(),
  collectSpec: z.boolean(),
  detectAnomaly: z.boolean(),
  status: z.enum(runStatuses),
  startedAt: isoTime.nullable(),
  endedAt: isoTime.nullable(),
  finishedAt: isoTime.nullable().describe('endedAt again (the contract spec name)'),
  durationMs: z.number().int().nullable(),
  duration: z.number().int().nullable().describe('durationMs again (the contract spec name)'),
  attempts: z.number().int().describe('times a worker took the run up (above 1: resumed)'),
  itemsProcessed: z.number().int(),
  itemsCreated: z.number().int(),
  itemsUpdated: z.number().int(),
  itemsUnchanged: z.number().int(),
  itemsFailed: z.number().int(),
  itemsUnmatched: z.number().int(),
  collectedPriceCount: z.number().int().describe('offers written or confirmed unchanged'),
  collectedSpecCount: z.number().int(),
  anomalyCount: z.number().int(),
  errorClass: z.enum(errorClasses).nullable(),
  errorMessage: z.string().nullable(),
  createdAt: isoTime,
});
export type CrawlerRunResponse = z.infer<typeof crawlerRunResponse>;

export const crawlerRunDetailResponse = crawlerRunResponse.extend({ itemErrors: z.array(itemError) });

export const runStartedResponse = crawlerRunResponse.extend({
  message: z.string(),
  runId: z.number().int(),
});

const paginationMeta = z.object({
  totalItems: z.number().int(),
  itemCount: z.number().int(),
  itemsPerPage: z.number().int(),
  totalPages: z.number().int(),
  currentPage: z.number().int(),
});

export const itemsPage = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), meta: paginationMeta });

export const crawlerMonitoringResponse = z.object({
  totalRuns: z.number().int(),
  queuedRuns: z.number().int(),
  processingRuns: z.number().int(),
  successRuns: z.number().int(),
  partialRuns: z.number().int(),
  failedRuns: z.number().int(),
  successRate: z
    .number()
    .describe('success / (success + failed) × 100, 2 decimals (PARTIAL counts as success)'),
  latestRunAt: isoTime.nullable(),
  latestSuccessAt: isoTime.nullable(),
  last24h: z.object({
    runs: z.number().int(),
    itemsProcessed: z.number().int(),
    itemsPerSecond: z.number().describe('items over the runs’ summed durations'),
    failuresByErrorClass: z.record(z.string(), z.number().int()),
  }),
  jobs: z.array(
    z.object({
      jobId: z.number().int(),
      name: z.string(),
      sellerId: z.number().int(),
      isActive: z.boolean(),
      consecutiveFailures: z.number().int(),
      disabledReason: z.string().nullable(),
      latestRunAt: isoTime.nullable(),
      latestRunStatus: z.enum(runStatuses).nullable(),
      latestSuccessAt: isoTime.nullable(),
    }),
  ),
});
export type CrawlerMonitoringResponse = z.infer<typeof crawlerMonitoringResponse>;
