import type { Logger } from '@pbshop/config';
import { adminAuditLog, type Database } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, count, desc, eq, sql } from 'drizzle-orm';
import type { AuditEntry, AuditLogQuery } from './schemas.ts';

/** An administrative action about to run: who asks, what, on what, under which request. */
export interface AuditedAction {
  actorId: number;
  /** dotted, area first: `queue.job.retry`, `circuit-breaker.reset`, `search.reindex` … */
  action: string;
  /** what it acts on, in the area's own words: `video-transcode/42`, `payment`, `*` … */
  target: string;
  requestId: string;
  /** the parameters worth keeping (limits, names); stored as `details.request` */
  request?: Record<string, unknown>;
}

/** how much of an unexpected error's message the trail keeps */
const MESSAGE_LIMIT = 500;

/** bounds of what `details` keeps of a request (an admin's query may be hostile or huge) */
const DETAIL_LIMITS = { text: 1000, items: 100, keys: 50, depth: 6 };

/**
 * `value` as jsonb takes it, bounded: no NUL and no lone surrogate in any text or key (PostgreSQL
 * refuses both), long texts cut, long lists and objects trimmed, deep nesting summarised.
 */
function storable(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.slice(0, DETAIL_LIMITS.text).toWellFormed().replaceAll('\u0000', '\ufffd');
  }
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? String(value) : value;
  if (depth >= DETAIL_LIMITS.depth) return '…';
  if (Array.isArray(value))
    return value.slice(0, DETAIL_LIMITS.items).map((item) => storable(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value)
      .slice(0, DETAIL_LIMITS.keys)
      .map(([key, item]) => [storable(key) as string, storable(item, depth + 1)]),
  );
}

type AuditRow = typeof adminAuditLog.$inferSelect;

const toEntry = (row: AuditRow): AuditEntry => ({
  id: row.id,
  actorId: row.actorId,
  action: row.action,
  target: row.target,
  requestId: row.requestId,
  result: row.result,
  errorCode: row.errorCode,
  details: row.details,
  createdAt: row.createdAt.toISOString(),
  finishedAt: row.finishedAt?.toISOString() ?? null,
});

function failureOf(error: unknown): { errorCode: string; outcome: Record<string, unknown> } {
  if (error instanceof AppError) {
    return {
      errorCode: error.code,
      outcome: error.details === undefined ? {} : { error: error.details },
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { errorCode: 'INTERNAL_ERROR', outcome: { error: message.slice(0, MESSAGE_LIMIT) } };
}

/**
 * The admin audit trail (`admin_audit_log`). Every administrative action runs through `run`: the
 * row is written first (PENDING), so an action that cannot be recorded is not taken; then the
 * action runs and its outcome (SUCCEEDED with a summary, or FAILED with the catalog code) is
 * written onto the row. Other areas (circuit breakers, reindexes) take `run` as their dependency.
 */
export function adminAuditService(db: Database, logger: Logger) {
  async function finish(
    id: number,
    result: 'SUCCEEDED' | 'FAILED',
    errorCode: string | null,
    outcome: Record<string, unknown>,
  ) {
    try {
      await db
        .update(adminAuditLog)
        .set({
          result,
          errorCode,
          details: sql`${adminAuditLog.details} || ${JSON.stringify(storable({ outcome }))}::jsonb`,
          finishedAt: sql`now()`,
          updatedAt: sql`now()`,
        })
        .where(eq(adminAuditLog.id, id));
    } catch (error) {
      // the action has happened; its row stays PENDING and the log keeps the outcome
      logger.error({ err: error, auditId: id, result, errorCode, outcome }, 'audit outcome not written');
    }
  }

  return {
    /**
     * Records `action`, runs `work`, records how it ended, and answers what `work` answered (or
     * throws what it threw). `summarize` picks what of the result the trail keeps.
     */
    async run<T>(
      action: AuditedAction,
      work: () => Promise<T>,
      summarize: (result: T) => Record<string, unknown> = () => ({}),
    ): Promise<T> {
      const [row] = await db
        .insert(adminAuditLog)
        .values({
          actorId: action.actorId,
          action: storable(action.action) as string,
          // a target may come from a path the board did not validate
          target: storable(action.target) as string,
          requestId: action.requestId,
          details: action.request ? (storable({ request: action.request }) as Record<string, unknown>) : {},
        })
        .returning({ id: adminAuditLog.id });
      const id = row!.id;
      let result: T;
      try {
        result = await work();
      } catch (error) {
        const failure = failureOf(error);
        await finish(id, 'FAILED', failure.errorCode, failure.outcome);
        throw error;
      }
      await finish(id, 'SUCCEEDED', null, summarize(result));
      return result;
    },

    /** A page of the trail, newest first, optionally of one action, actor or result. */
    async list(query: AuditLogQuery): Promise<{ items: AuditEntry[]; totalCount: number }> {
      const where = and(
        query.action ? eq(adminAuditLog.action, query.action) : undefined,
        query.actorId ? eq(adminAuditLog.actorId, query.actorId) : undefined,
        query.result ? eq(adminAuditLog.result, query.result) : undefined,
      );
      const [rows, [total]] = await Promise.all([
        db
          .select()
          .from(adminAuditLog)
          .where(where)
          .orderBy(desc(adminAuditLog.createdAt), desc(adminAuditLog.id))
          .limit(query.limit)
          .offset((query.page - 1) * query.limit),
        db.select({ value: count() }).from(adminAuditLog).where(where),
      ]);
      return { items: rows.map(toEntry), totalCount: total?.value ?? 0 };
    },
  };
}

export type AdminAuditService = ReturnType<typeof adminAuditService>;
/** What an area that audits its actions needs of the trail. */
export type RunAudited = AdminAuditService['run'];

/**
 * Runs `work` for `actor`: through the trail when the actor is an ADMIN (a moderator acting on
 * someone else's content), plainly when a member acts on their own (nothing to account for).
 */
export function auditedWhenAdmin<T>(
  audit: RunAudited,
  actor: { id: number; role: string },
  action: Omit<AuditedAction, 'actorId'>,
  work: () => Promise<T>,
  summarize?: (result: T) => Record<string, unknown>,
): Promise<T> {
  return actor.role === 'ADMIN' ? audit({ ...action, actorId: actor.id }, work, summarize) : work();
}
