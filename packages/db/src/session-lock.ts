import postgres from 'postgres';

export type SessionLockRun<T> = { acquired: false } | { acquired: true; value: T };

export interface SessionLocks {
  /**
   * Runs `work` while this process holds the session-level advisory lock `key`; when another
   * session holds it, answers `{ acquired: false }` at once instead of waiting.
   */
  withSessionLock<T>(key: number, work: () => Promise<T>): Promise<SessionLockRun<T>>;
  /** Whether another session holds the advisory lock `key` right now. */
  sessionLockHeld(key: number): Promise<boolean>;
}

/**
 * Session-level advisory locks, each taken on a connection of its own, opened for the hold and
 * closed after it (closing releases the lock, also when the unlock could not be sent). Not on a
 * connection reserved from the pool: postgres.js 3.4 loses a `reserve()` that is queued while
 * one of the pool's connections closes (an idle timeout, a server restart): its promise never
 * settles (porsager/postgres#1195), and the sweep awaiting it never runs again. The API's
 * 30-second payment reconciliation met the pool's 30-second idle timeout that way. A connection
 * per hold costs one connect every few seconds at most.
 */
export function sessionLocks(url: string, applicationName: string): SessionLocks {
  const session = () =>
    postgres(url, {
      max: 1,
      connect_timeout: 5,
      idle_timeout: 0,
      max_lifetime: 0,
      fetch_types: false,
      onnotice: () => {},
      connection: { application_name: `${applicationName}-lock` },
    });
  /** Tries the lock on a new session, runs `then` with the answer, and closes the session. */
  const tryingLock = async <T>(key: number, then: (locked: boolean) => Promise<T>): Promise<T> => {
    const connection = session();
    try {
      const [row] = await connection<{ locked: boolean }[]>`select pg_try_advisory_lock(${key}) as locked`;
      return await then(row?.locked === true);
    } finally {
      await connection.end({ timeout: 5 });
    }
  };
  return {
    withSessionLock: (key, work) =>
      tryingLock(key, async (locked) =>
        locked ? { acquired: true as const, value: await work() } : { acquired: false as const },
      ),
    sessionLockHeld: (key) => tryingLock(key, async (locked) => !locked),
  };
}
