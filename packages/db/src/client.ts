import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { reachabilityGateOf } from './reachability.ts';
import * as schema from './schema/index.ts';
import { type SessionLocks, sessionLocks } from './session-lock.ts';

export type Database = PostgresJsDatabase<typeof schema>;
/** What `db.transaction` hands its callback: the type of a service function's `tx`. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

export interface DatabaseHandle extends SessionLocks {
  db: Database;
  /** the pool itself; never its `reserve()` (see session-lock.ts): a session lock has its own */
  sql: postgres.Sql;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  max?: number;
  /** seconds a connection attempt may take; keeps health probes and start-up bounded */
  connectTimeoutSeconds?: number;
  /** seconds an unused pooled connection stays open (default 30) */
  idleTimeoutSeconds?: number;
  applicationName?: string;
}

/**
 * int8 (bigint) values read as JS numbers: ids are bigint identities and money is bigint won,
 * both far below 2^53, and every reader (drizzle's `mode: 'number'` columns, raw queries, JSON
 * answers) wants a number. postgres.js would hand raw queries a string.
 */
export const int8AsNumber = {
  bigint: { to: 20, from: [20], serialize: (value: number | bigint) => String(value), parse: Number },
};

/** statements with more parameters (long IN lists, multi-row inserts) vary too much to keep */
const MAX_PREPARED_PARAMETERS = 32;

type TransactionSql = postgres.TransactionSql;

/**
 * The transaction's client with its parameterised statements prepared: postgres.js names a
 * statement and keeps it per connection only when asked, and drizzle asks only for queries given
 * a name. Statements in transactions are the write path (offer and product writes, the outbox,
 * alerts): the same strings over and over, looking rows up by key, so a plan that does not depend
 * on the values is right. PostgreSQL then parses and plans each once per connection instead of on
 * every call (an offer write spent more CPU there than running its ten statements). Reads outside
 * transactions stay unnamed: their best plans depend on the values (price ranges, categories).
 */
function preparing(tx: TransactionSql): TransactionSql {
  const unsafe: TransactionSql['unsafe'] = (query, parameters = [], options) =>
    tx.unsafe(query, parameters, {
      ...options,
      prepare: parameters.length > 0 && parameters.length <= MAX_PREPARED_PARAMETERS,
    });
  return new Proxy(tx, {
    get: (target, property, receiver) =>
      property === 'unsafe' ? unsafe : Reflect.get(target, property, receiver),
  });
}

/** A query refused before it reached the driver: awaited as it is, or through `.values()` as drizzle does. */
function refusedQuery(error: Error) {
  const rejected = Promise.reject(error);
  return Object.assign(rejected, { values: () => rejected });
}

/**
 * A pooled client. postgres.js connects lazily and reconnects on the next query, so a process
 * starts while PostgreSQL is down and recovers by itself once it is back. While it is down,
 * drizzle's queries and transactions fail at once (see `reachabilityGateOf`); `sql` itself (health
 * probes, scripts) always goes to the driver.
 */
export function createDatabase(url: string, options: DatabaseOptions = {}): DatabaseHandle {
  const sql = postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    idle_timeout: options.idleTimeoutSeconds ?? 30,
    // seconds before a connection that failed tries again with the next queued query.
    // postgres.js's default grows to 20 s: the queries queued when the server went away waited
    // one such delay after another, and a server back went unnoticed that long. Retrying at once
    // is safe here: the gate below queues nothing more while the server is unreachable, so the
    // attempts are the queries already queued and one probe a second.
    backoff: () => 0.05,
    onnotice: () => {},
    types: int8AsNumber,
    connection: { application_name: options.applicationName ?? 'pbshop' },
  });
  const gate = reachabilityGateOf(url);
  const unsafe = (...args: Parameters<typeof sql.unsafe>) => {
    const refusal = gate.refusal();
    if (refusal) return refusedQuery(refusal);
    const query = sql.unsafe(...args);
    // observing starts the query; it runs a microtask later, after drizzle's `.values()`
    gate.observe(query);
    return query;
  };
  // drizzle opens its transactions with begin(callback)
  const begin = (...args: unknown[]) => {
    const refusal = gate.refusal();
    if (refusal) return Promise.reject(refusal);
    const callback = args.at(-1) as (tx: TransactionSql) => unknown;
    const transaction = (sql.begin as (...rest: unknown[]) => Promise<unknown>)(
      ...args.slice(0, -1),
      (tx: TransactionSql) => callback(preparing(tx)),
    );
    gate.observe(transaction);
    return transaction;
  };
  const client = new Proxy(sql, {
    get: (target, property, receiver) =>
      property === 'unsafe' ? unsafe : property === 'begin' ? begin : Reflect.get(target, property, receiver),
  });
  const db = drizzle(client, { schema, casing: 'snake_case' });
  return {
    db,
    sql,
    ...sessionLocks(url, options.applicationName ?? 'pbshop'),
    close: () => sql.end({ timeout: 5 }),
  };
}
