import { type Database, shortforms } from '@pbshop/db';
import { and, eq, isNull, ne, sql } from 'drizzle-orm';

// worker-transcode owns the transcode side of `shortforms` (status, progress, error, job id,
// rendition keys, transcoded_at) and writes those columns directly, as the transcode half of the
// table's owner; the API's shortforms module owns the rest (and sets PENDING on upload and retry).

export type ShortformSource = Pick<
  typeof shortforms.$inferSelect,
  'id' | 'sourceKey' | 'durationMs' | 'transcodeStatus'
>;

export interface RenditionKeys {
  renditionKey: string;
  hlsKey: string;
  posterKey: string;
}

/** What a job may do with its shortform: transcode it, or nothing (gone, or done by an earlier run). */
export type Claim =
  | { outcome: 'claimed'; shortform: ShortformSource }
  | { outcome: 'deleted' }
  | { outcome: 'already-completed' };

const live = (shortformId: number) => and(eq(shortforms.id, shortformId), isNull(shortforms.deletedAt));

export function shortformRows(db: Database) {
  return {
    /**
     * PENDING or FAILED (an operator's retry) or PROCESSING (a job taken back after a crash) →
     * PROCESSING at 0 %, the error cleared, the job recorded. A COMPLETED one is left alone: a
     * retried job after success does nothing.
     */
    async claim(shortformId: number, jobId: string): Promise<Claim> {
      const [claimed] = await db
        .update(shortforms)
        .set({
          transcodeStatus: 'PROCESSING',
          transcodeProgress: 0,
          transcodeError: null,
          transcodeJobId: jobId,
          updatedAt: sql`now()`,
        })
        .where(and(live(shortformId), ne(shortforms.transcodeStatus, 'COMPLETED')))
        .returning({
          id: shortforms.id,
          sourceKey: shortforms.sourceKey,
          durationMs: shortforms.durationMs,
          transcodeStatus: shortforms.transcodeStatus,
        });
      if (claimed) return { outcome: 'claimed', shortform: claimed };
      const [row] = await db
        .select({ status: shortforms.transcodeStatus })
        .from(shortforms)
        .where(live(shortformId));
      return row ? { outcome: 'already-completed' } : { outcome: 'deleted' };
    },

    async isLive(shortformId: number): Promise<boolean> {
      const [row] = await db.select({ id: shortforms.id }).from(shortforms).where(live(shortformId));
      return row !== undefined;
    },

    /** Answers false when the shortform is gone (deleted while transcoding): the job stops. */
    async progress(shortformId: number, percent: number): Promise<boolean> {
      const updated = await db
        .update(shortforms)
        .set({ transcodeProgress: percent, updatedAt: sql`now()` })
        .where(and(live(shortformId), eq(shortforms.transcodeStatus, 'PROCESSING')))
        .returning({ id: shortforms.id });
      return updated.length > 0;
    },

    /** COMPLETED with its renditions; false when the shortform was deleted meanwhile. */
    async complete(shortformId: number, keys: RenditionKeys): Promise<boolean> {
      const updated = await db
        .update(shortforms)
        .set({
          ...keys,
          transcodeStatus: 'COMPLETED',
          transcodeProgress: 100,
          transcodeError: null,
          transcodedAt: sql`now()`,
          updatedAt: sql`now()`,
        })
        .where(live(shortformId))
        .returning({ id: shortforms.id });
      return updated.length > 0;
    },

    /**
     * After a failed attempt: FAILED with the reason when no attempt is left (or none can help),
     * else PENDING (the queue retries it) with the reason of the attempt that failed. A run released
     * by shutdown goes back to PENDING with no error.
     */
    async release(shortformId: number, outcome: { status: 'PENDING' | 'FAILED'; error: string | null }) {
      await db
        .update(shortforms)
        .set({
          transcodeStatus: outcome.status,
          transcodeProgress: 0,
          transcodeError: outcome.error?.slice(0, 2000) ?? null,
          updatedAt: sql`now()`,
        })
        .where(and(live(shortformId), ne(shortforms.transcodeStatus, 'COMPLETED')));
    },
  };
}

export type ShortformRows = ReturnType<typeof shortformRows>;
