import { searchReindexRuns } from '@pbshop/db';
import { desc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from './outbox.ts';

export type ReindexRunRow = typeof searchReindexRuns.$inferSelect;

// serialises reindex requests, so two admins clicking at once cannot start two runs
const REQUEST_LOCK = sql`select pg_advisory_xact_lock(hashtext('pbshop:search-reindex-request'))`;

/**
 * While a full reindex runs, its new index carries this alias too: writes go through it with
 * `require_alias`, so a write racing the end of a run can never auto-create a stray index.
 */
export function buildAliasOf(alias: string): string {
  return `${alias}-reindex`;
}

/** The BullMQ job id of a run: one job per run, whoever enqueues it. */
export function reindexJobId(runId: number): string {
  return `search-reindex-${runId}`;
}

/** The building alias when a full reindex is copying (its index exists), else null. */
export async function activeBuildAlias(db: Executor, alias: string): Promise<string | null> {
  const [row] = await db
    .select({ id: searchReindexRuns.id })
    .from(searchReindexRuns)
    .where(sql`${searchReindexRuns.status} = 'RUNNING' and ${searchReindexRuns.targetIndex} is not null`)
    .limit(1);
  return row ? buildAliasOf(alias) : null;
}

export async function reindexRun(db: Executor, id: number): Promise<ReindexRunRow | undefined> {
  const [row] = await db.select().from(searchReindexRuns).where(eq(searchReindexRuns.id, id));
  return row;
}

export async function latestReindexRun(db: Executor): Promise<ReindexRunRow | undefined> {
  const [row] = await db
    .select()
    .from(searchReindexRuns)
    .orderBy(desc(searchReindexRuns.createdAt), desc(searchReindexRuns.id))
    .limit(1);
  return row;
}

/** QUEUED or RUNNING runs, oldest first. */
export async function activeReindexRuns(db: Executor): Promise<ReindexRunRow[]> {
  return db
    .select()
    .from(searchReindexRuns)
    .where(inArray(searchReindexRuns.status, ['QUEUED', 'RUNNING']))
    .orderBy(searchReindexRuns.createdAt);
}

/**
 * A new QUEUED run, unless one is QUEUED or RUNNING already: then that one, with `created: false`
 * (only one full reindex at a time).
 */
export async function requestFullReindex(
  db: Executor,
  options: { requestedBy: number | null },
): Promise<{ run: ReindexRunRow; created: boolean }> {
  return db.transaction(async (tx) => {
    await tx.execute(REQUEST_LOCK);
    const [active] = await activeReindexRuns(tx);
    if (active) return { run: active, created: false };
    const [run] = await tx
      .insert(searchReindexRuns)
      .values({ status: 'QUEUED', requestedBy: options.requestedBy })
      .returning();
    if (!run) throw new Error('reindex run insert returned no row');
    return { run, created: true };
  });
}

export async function updateReindexRun(
  db: Executor,
  id: number,
  changes: Partial<typeof searchReindexRuns.$inferInsert>,
): Promise<void> {
  await db
    .update(searchReindexRuns)
    .set({ ...changes, updatedAt: new Date() })
    .where(eq(searchReindexRuns.id, id));
}

/** Ends a QUEUED or RUNNING run as FAILED with what happened and what to do next. */
export async function failReindexRun(db: Executor, id: number, message: string): Promise<void> {
  await db
    .update(searchReindexRuns)
    .set({ status: 'FAILED', error: message.slice(0, 2000), finishedAt: new Date(), updatedAt: new Date() })
    .where(sql`${searchReindexRuns.id} = ${id} and ${searchReindexRuns.status} in ('QUEUED', 'RUNNING')`);
}
