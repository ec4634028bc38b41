import { entityId, entityIdText } from '@pbshop/config';
import { z } from 'zod';
import { pageQuery } from '../../../http/envelope.ts';

const auditResults = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;

export const auditEntry = z.object({
  id: entityId,
  actorId: entityId.describe('the member (ADMIN) who acted'),
  action: z.string().describe('dotted, area first: queue.job.retry, queue.failed.retry, queue.pause …'),
  target: z.string().describe('what it acted on: a queue, queue/jobId, or * for every queue'),
  requestId: z.string().describe('the x-request-id of the request that acted'),
  result: z
    .enum(auditResults)
    .describe('PENDING: recorded before it ran, outcome never written; SUCCEEDED; FAILED (see errorCode)'),
  errorCode: z.string().nullable().describe('the catalog code of a FAILED action'),
  details: z
    .record(z.string(), z.unknown())
    .describe('request: what was asked; outcome: what came of it (ids, counts, the error)'),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof auditEntry>;

export const auditLogQuery = pageQuery.extend({
  action: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[a-z0-9.-]+$/, 'lowercase letters, digits, "." and "-"')
    .optional()
    .describe('only this action, e.g. queue.job.retry'),
  actorId: entityIdText.optional().describe('only this member’s actions'),
  result: z.enum(auditResults).optional(),
});
export type AuditLogQuery = z.infer<typeof auditLogQuery>;
