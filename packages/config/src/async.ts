// Small promise helpers shared by the processes.

/** `promise`, or a rejection with `message` once `ms` have passed without it settling. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it is aborted. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `run`, coalesced: a call made while a run is under way shares the next run, started once that
 * one settles. So every caller's result comes from a run that started after it called (what a
 * barrier, or a wake-up sent after a commit, needs), and concurrent callers cost one run between
 * them, not one each.
 */
export function coalesced<T>(run: () => Promise<T>): () => Promise<T> {
  let current: Promise<T> | undefined;
  let next: Promise<T> | undefined;
  const start = (): Promise<T> => {
    const started = run();
    current = started;
    const settled = () => {
      if (current === started) current = undefined;
    };
    started.then(settled, settled);
    return started;
  };
  return () => {
    if (!current) return start();
    const after = () => {
      next = undefined;
      return start();
    };
    next ??= current.then(after, after);
    return next;
  };
}
