import { sql } from 'drizzle-orm';
import { bigserial, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { idRef, timestamps } from './columns.ts';

/** What users did (views, searches, clicks), written by the activity-log queue's processor. */
export const activityLogs = pgTable(
  'activity_logs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    // the queue job id makes a retried job a no-op instead of a second row
    jobId: text('job_id').notNull().unique(),
    type: text('type').notNull(),
    userId: idRef('user_id'),
    requestId: text('request_id'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    ...timestamps,
  },
  (table) => [
    index('activity_logs_type_occurred_at_idx').on(table.type, table.occurredAt),
    index('activity_logs_user_id_occurred_at_idx').on(table.userId, table.occurredAt),
  ],
);
