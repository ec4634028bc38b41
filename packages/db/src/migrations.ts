import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

export const migrationsFolder = resolve(import.meta.dirname, '../migrations');

// where drizzle's migrator records what it applied
const MIGRATIONS_SCHEMA = 'drizzle';
const MIGRATIONS_TABLE = '__drizzle_migrations';

export interface JournalEntry {
  idx: number;
  tag: string;
  when: number;
  hash: string;
}

/** The journal drizzle-kit writes, with the hash the migrator stores for each file. */
export function readJournal(folder = migrationsFolder): JournalEntry[] {
  const journal = JSON.parse(readFileSync(resolve(folder, 'meta/_journal.json'), 'utf8')) as {
    entries: { idx: number; tag: string; when: number }[];
  };
  return journal.entries.map((entry) => {
    const file = resolve(folder, `${entry.tag}.sql`);
    const hash = existsSync(file)
      ? createHash('sha256').update(readFileSync(file, 'utf8')).digest('hex')
      : '';
    return { ...entry, hash };
  });
}

/**
 * Problems that would make drizzle's migrator skip or fail a migration: it applies only entries
 * newer than the last applied `when`, so `when` must strictly increase, and every journal entry
 * needs its file (and every file its entry).
 */
export function journalProblems(folder = migrationsFolder): string[] {
  const problems: string[] = [];
  const entries = readJournal(folder);
  entries.forEach((entry, position) => {
    if (entry.idx !== position) problems.push(`${entry.tag}: idx ${entry.idx} at position ${position}`);
    if (!entry.hash) problems.push(`${entry.tag}: ${entry.tag}.sql is missing`);
    const previous = entries[position - 1];
    if (previous && entry.when <= previous.when) {
      problems.push(
        `${entry.tag}: "when" ${entry.when} is not after ${previous.tag}'s ${previous.when}; the migrator would skip it`,
      );
    }
  });
  const tags = new Set(entries.map((entry) => entry.tag));
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.sql'))) {
    if (!tags.has(file.slice(0, -4)))
      problems.push(`${file} is not in meta/_journal.json; the migrator would never apply it`);
  }
  return problems;
}

export interface MigrationStatus {
  applied: JournalEntry[];
  pending: JournalEntry[];
  /**
   * How many migrations the database records that this checkout does not have (by hash): it was
   * made from another migration history, such as the UUID-id one the integer-id baseline replaced,
   * and migrating it would fail.
   */
  foreign: number;
}

/** Which journal entries the database has applied and which the next `db:migrate` would apply. */
export async function migrationStatus(url: string, folder = migrationsFolder): Promise<MigrationStatus> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const [table] = await sql<{ exists: boolean }[]>`
      select to_regclass(${`${MIGRATIONS_SCHEMA}.${MIGRATIONS_TABLE}`}) is not null as exists`;
    const rows = table?.exists
      ? await sql<{ hash: string; created_at: string }[]>`
          select hash, created_at from ${sql(MIGRATIONS_SCHEMA)}.${sql(MIGRATIONS_TABLE)}`
      : [];
    const lastApplied = rows.reduce((max, row) => Math.max(max, Number(row.created_at)), 0);
    const entries = readJournal(folder);
    const known = new Set(entries.map((entry) => entry.hash));
    return {
      applied: entries.filter((entry) => entry.when <= lastApplied),
      pending: entries.filter((entry) => entry.when > lastApplied),
      foreign: rows.filter((row) => !known.has(row.hash)).length,
    };
  } finally {
    await sql.end();
  }
}

/** Creates the database named in the URL when it does not exist (a fresh install). */
export async function ensureDatabaseExists(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const sql = postgres(maintenance.toString(), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const existing = await sql`select 1 from pg_database where datname = ${name}`;
    if (existing.length > 0) return false;
    await sql`create database ${sql(name)}`;
    return true;
  } finally {
    await sql.end();
  }
}

/** Drops the database named in the URL and creates it empty (development only: loses its data). */
export async function recreateDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const sql = postgres(maintenance.toString(), { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await sql`drop database if exists ${sql(name)} with (force)`;
    await sql`create database ${sql(name)}`;
  } finally {
    await sql.end();
  }
}

/** Applies pending migrations over a single connection (safe to run from one deploy step). */
export async function runMigrations(url: string, folder = migrationsFolder): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await migrate(drizzle(sql), {
      migrationsFolder: folder,
      migrationsSchema: MIGRATIONS_SCHEMA,
      migrationsTable: MIGRATIONS_TABLE,
    });
  } finally {
    await sql.end();
  }
}
