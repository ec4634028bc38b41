import { sql } from 'drizzle-orm';
import { index, jsonb, pgEnum, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { idColumn, idRef, timestamps } from './columns.ts';

/**
 * PENDING: recorded before the action ran (an action is refused when it cannot be recorded);
 * a row left PENDING means the outcome could not be written (the process died, or PostgreSQL
 * went away in between). SUCCEEDED / FAILED: how it ended.
 */
export const adminAuditResult = pgEnum('admin_audit_result', ['PENDING', 'SUCCEEDED', 'FAILED']);

/**
 * Every administrative action on the running platform (queue retries, deletions, pauses; later
 * breaker resets and reindexes): who, what, on which target, under which request, and how it
 * ended. Owned by the API's ops area (`modules/ops/audit`); other areas write through its
 * service. `actor_id` has no foreign key on purpose: the trail outlives the member.
 */
export const adminAuditLog = pgTable(
  'admin_audit_log',
  {
    id: idColumn(),
    actorId: idRef('actor_id').notNull(),
    /** dotted, area first: `queue.job.retry`, `queue.pause`, `circuit-breaker.reset` … */
    action: text('action').notNull(),
    /** what it acted on: `video-transcode`, `video-transcode/42`, `*` for every queue … */
    target: text('target').notNull(),
    requestId: text('request_id').notNull(),
    result: adminAuditResult('result').notNull().default('PENDING'),
    /** the catalog code of a FAILED action (INTERNAL_ERROR for an unexpected one) */
    errorCode: text('error_code'),
    /** what was asked (`request`) and what came of it (`outcome`) */
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    index('admin_audit_log_created_idx').on(table.createdAt.desc(), table.id.desc()),
    index('admin_audit_log_action_created_idx').on(table.action, table.createdAt.desc(), table.id.desc()),
    index('admin_audit_log_actor_created_idx').on(table.actorId, table.createdAt.desc()),
  ],
);
