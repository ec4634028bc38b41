import type { Logger } from '@pbshop/config';
import { type IntervalSweep, startIntervalSweep } from './interval-sweep.ts';

/** What the sweep asks of the media module (jobs/ imports no module: main.ts passes it). */
export interface MediaSweepDeps {
  /** the media files service's `sweepPending`: pre-signed uploads never completed, rows and objects deleted */
  sweepPendingUploads(): Promise<{ removed: number }>;
  /** the images service's `sweepStaleIncoming`: image uploads a crash left under `images/incoming/` */
  sweepStaleIncomingImages(): Promise<{ removed: string[] }>;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
}

/**
 * Runs the sweeps every `intervalMs` (the next run is scheduled when one ends): abandoned
 * pre-signed uploads, and stale image uploads under `images/incoming/`. Replicas may run them at
 * once: each row is deleted by one DELETE … RETURNING, so two sweeps share the work rather than
 * repeat it, and deleting an object another replica deleted is a no-op.
 */
export function startMediaSweep(deps: MediaSweepDeps, intervalMs: number): IntervalSweep {
  // each sweep on its own: one failing does not hold the other back
  const sweepPending = () =>
    deps
      .sweepPendingUploads()
      .then(({ removed }) => {
        if (removed > 0) deps.logger.info({ removed }, 'media sweep: abandoned pre-signed uploads deleted');
      })
      .catch((error: unknown) =>
        deps.logger.error({ err: error }, 'media sweep of pre-signed uploads failed; retried next interval'),
      );
  const sweepIncoming = () =>
    deps
      .sweepStaleIncomingImages()
      .then(({ removed }) => {
        if (removed.length > 0) {
          deps.logger.info({ removed }, 'media sweep: stale images/incoming uploads deleted');
        }
      })
      .catch((error: unknown) =>
        deps.logger.error({ err: error }, 'media sweep of images/incoming failed; retried next interval'),
      );
  return startIntervalSweep('media sweep', () => Promise.all([sweepPending(), sweepIncoming()]), {
    intervalMs,
    logger: deps.logger,
  });
}
