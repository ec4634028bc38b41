import { DrizzleQueryError } from 'drizzle-orm';

/** The code of the error a query fails with at once while PostgreSQL is known to be unreachable. */
export const DATABASE_UNREACHABLE = 'DATABASE_UNREACHABLE';

/** postgres.js's codes for a connection it could not open in time or lost, and ours */
const DRIVER_CODES = new Set([
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  DATABASE_UNREACHABLE,
]);
/** a socket that could not reach its server, whichever dependency it was meant for */
const CONNECT_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** a socket whose server went away under it */
const SOCKET_CODES = new Set([...CONNECT_SOCKET_CODES, 'ECONNRESET', 'EPIPE']);
/** PostgreSQL refusing a new connection: cannot connect now, unable to connect, rejected, too many */
const CONNECT_SQLSTATES = new Set(['57P03', '08001', '08004', '53300']);

/** The error and its causes (drizzle wraps the driver's errors), a few levels deep, with their codes. */
function* chain(error: unknown): Generator<{ link: Error; code: string | undefined }> {
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    yield { link: current, code: typeof code === 'string' ? code : undefined };
    current = current.cause;
  }
}

const isPostgresError = (link: Error) => link.name === 'PostgresError';

/** Whether an error (or a cause of it) is a socket that found no server. */
export function isSocketFailure(error: unknown): boolean {
  for (const { code } of chain(error)) if (code !== undefined && SOCKET_CODES.has(code)) return true;
  return false;
}

/**
 * Whether an error says PostgreSQL could not be reached or went away, rather than refusing a
 * statement: the driver's connection codes, PostgreSQL's own "not now" (connection exceptions 08,
 * shutting down 57P, too many clients), or a socket failure of a query (drizzle's error around it
 * says it was the database's).
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  let query = false;
  for (const { link, code } of chain(error)) {
    if (link instanceof DrizzleQueryError) query = true;
    if (code === undefined) continue;
    if (DRIVER_CODES.has(code)) return true;
    if (isPostgresError(link) && (code.startsWith('08') || code.startsWith('57P') || code === '53300'))
      return true;
    if (query && SOCKET_CODES.has(code)) return true;
  }
  return false;
}

/**
 * Whether a query failed because no connection to PostgreSQL could be opened: not a connection
 * that broke under a query (a backend an operator terminated, a server restarting), which the
 * next query's new connection may well get past.
 */
function isConnectFailure(error: unknown): boolean {
  for (const { link, code } of chain(error)) {
    if (code === undefined) continue;
    if (code === 'CONNECT_TIMEOUT' || CONNECT_SOCKET_CODES.has(code)) return true;
    if (isPostgresError(link) && CONNECT_SQLSTATES.has(code)) return true;
  }
  return false;
}

/** while PostgreSQL is unreachable, one query this often goes through to find it back */
const PROBE_INTERVAL_MS = 1000;

/**
 * Fails queries at once while PostgreSQL is unreachable, instead of queueing them for a
 * connection: postgres.js gives a queued query to each connection attempt in turn, so with the
 * server down a burst of requests waited one reconnect delay after another (20 concurrent queries
 * on a pool of 10 took 20 s to fail, on a pool of 4 75 s). After a query found no connection could
 * be opened, others are refused with DATABASE_UNREACHABLE, except one every PROBE_INTERVAL_MS that
 * goes through to find the server back; any answer from the server (a result or an SQL error)
 * opens the way again.
 */
function reachabilityGate() {
  let unreachable = false;
  let lastProbe = 0;
  return {
    /** the error to fail a query with now, or undefined to let it through */
    refusal(): Error | undefined {
      if (!unreachable) return undefined;
      const now = Date.now();
      if (now - lastProbe >= PROBE_INTERVAL_MS) {
        lastProbe = now;
        return undefined;
      }
      return Object.assign(
        new Error('PostgreSQL is unreachable: queries fail at once until a connection succeeds again'),
        { code: DATABASE_UNREACHABLE },
      );
    },
    /** learns from how a query that was let through ended */
    observe(outcome: PromiseLike<unknown>): void {
      outcome.then(
        () => {
          unreachable = false;
        },
        (error: unknown) => {
          const failed = isConnectFailure(error);
          if (failed && !unreachable) lastProbe = Date.now();
          unreachable = failed;
        },
      );
    },
  };
}

const gates = new Map<string, ReturnType<typeof reachabilityGate>>();

/**
 * The gate of one server (by connection URL): a process's pools of the same server (the API's
 * main and read pools) learn from each other's queries, so they fail and recover together.
 */
export function reachabilityGateOf(url: string) {
  let gate = gates.get(url);
  if (!gate) {
    gate = reachabilityGate();
    gates.set(url, gate);
  }
  return gate;
}
