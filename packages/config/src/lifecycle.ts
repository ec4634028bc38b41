import type { Logger } from 'pino';

/** Names the shutdown step now under way, so an overrun says which one held the process. */
export type ShutdownProgress = (step: string) => void;

/**
 * Runs `shutdown` once on SIGTERM or SIGINT, then exits 0 (or 1 when it failed). A watchdog
 * exits 1 if shutdown overruns the grace period, so a deploy never waits on a stuck process; its
 * log line names the step `shutdown` last reported through `progress`, and how long it had run.
 */
export function onShutdownSignal(
  logger: Logger,
  graceMs: number,
  shutdown: (signal: string, progress: ShutdownProgress) => Promise<void>,
): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new work, finishing or releasing in-flight work');
    let step = 'starting';
    let stepStarted = Date.now();
    const progress: ShutdownProgress = (next) => {
      step = next;
      stepStarted = Date.now();
    };
    const watchdog = setTimeout(() => {
      logger.error(
        { graceMs, step, stepMs: Date.now() - stepStarted },
        `shutdown overran its grace period while ${step}; exiting now (unfinished jobs return to their queue when their lock expires)`,
      );
      process.exit(1);
    }, graceMs + 1500);
    watchdog.unref();
    shutdown(signal, progress).then(
      () => {
        logger.info('shutdown complete');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error, step }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}
