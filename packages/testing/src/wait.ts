import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Reads until `accept` says yes or the time is up, and returns the last value read; the caller's
 * assertion on it then says what was wrong. For state that settles asynchronously (a job
 * finishing, a service reconnecting), never for timing.
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  { timeoutMs = 20_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await sleep(intervalMs);
  }
}

/** Polls `check` until it returns something other than undefined/false; throws naming `what` on timeout. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
