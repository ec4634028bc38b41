import type { Logger } from '@pbshop/config';

/** What the sweep asks of the media module (jobs/ imports no module: main.ts passes it). */
export interface MediaSweepDeps {
  /** the media files service's `sweepPending`: pre-signed uploads never completed, rows and objects deleted */
  sweepPendingUploads(): Promise<{ removed: number }>;
  logger: Logger;
}

/**
 * Runs the sweep of abandoned pre-signed uploads every `intervalMs` (the next run is scheduled
 * when one ends). Replicas may run it at once: each row is deleted by one DELETE … RETURNING,
 * so two sweeps share the work rather than repeat it.
 */
export function startMediaSweep(deps: MediaSweepDeps, intervalMs: number) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = deps
        .sweepPendingUploads()
        .then(({ removed }) => {
          if (removed > 0) deps.logger.info({ removed }, 'media sweep: abandoned pre-signed uploads deleted');
        })
        .catch((error: unknown) =>
          deps.logger.error({ err: error }, 'media sweep failed; retried next interval'),
        )
        .finally(schedule);
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
