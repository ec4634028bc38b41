import type { Logger } from 'pino';

/**
 * Runs `shutdown` once on SIGTERM or SIGINT, then exits 0 (or 1 when it failed). A watchdog
 * exits 1 if shutdown overruns the grace period, so a deploy never waits on a stuck process.
 */
export function onShutdownSignal(
  logger: Logger,
  graceMs: number,
  shutdown: (signal: string) => Promise<void>,
): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new work, finishing or releasing in-flight work');
    const watchdog = setTimeout(() => {
      logger.error(
        { graceMs },
        'shutdown overran its grace period; exiting now (unfinished jobs return to their queue when their lock expires)',
      );
      process.exit(1);
    }, graceMs + 1500);
    watchdog.unref();
    shutdown(signal).then(
      () => {
        logger.info('shutdown complete');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}
