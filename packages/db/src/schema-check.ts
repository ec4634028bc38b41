// `pnpm db:check`: the migrations folder against itself (journal, files, snapshots) and against the
// drizzle schema (a change not generated yet; the schema the migrations build in PostgreSQL).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api';
import postgres from 'postgres';
import { journalProblems, migrationsFolder, readJournal, runMigrations } from './migrations.ts';
import * as schema from './schema/index.ts';

/** drizzle.config.ts's casing: the schema's property names become snake_case columns */
const CASING = 'snake_case';

const snapshotFile = (idx: number) => `meta/${String(idx).padStart(4, '0')}_snapshot.json`;

interface Snapshot {
  id: string;
  prevId: string;
}

/**
 * The journal's problems (see journalProblems) and its snapshots': drizzle-kit diffs the schema
 * against the last snapshot, so each entry needs its own, each snapshot names the previous one as
 * its prevId, and a snapshot without an entry is one a removed migration left behind.
 */
export function journalAndSnapshotProblems(folder = migrationsFolder): string[] {
  const problems = journalProblems(folder);
  const entries = readJournal(folder);
  let previousId = '00000000-0000-0000-0000-000000000000';
  for (const entry of entries) {
    const file = resolve(folder, snapshotFile(entry.idx));
    if (!existsSync(file)) {
      problems.push(`${entry.tag}: ${snapshotFile(entry.idx)} is missing`);
      continue;
    }
    const snapshot = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
    if (snapshot.prevId !== previousId)
      problems.push(
        `${entry.tag}: ${snapshotFile(entry.idx)} has prevId ${snapshot.prevId}, the previous snapshot's id is ${previousId}`,
      );
    previousId = snapshot.id;
  }
  const indexes = new Set(entries.map((entry) => entry.idx));
  for (const name of readdirSync(resolve(folder, 'meta'))) {
    const match = /^(\d{4})_snapshot\.json$/.exec(name);
    if (match && !indexes.has(Number(match[1])))
      problems.push(`meta/${name} has no journal entry (a migration removed without its snapshot)`);
  }
  return problems;
}

const currentSchema = () => generateDrizzleJson(schema, undefined, undefined, CASING);

/**
 * The statements `drizzle-kit generate` would write now: a schema change with no migration yet.
 * Empty when the schema and the last snapshot agree.
 */
export async function ungeneratedChanges(folder = migrationsFolder): Promise<string[]> {
  const last = readJournal(folder).at(-1);
  if (!last) return generateMigration(generateDrizzleJson({}), currentSchema());
  const snapshot = JSON.parse(readFileSync(resolve(folder, snapshotFile(last.idx)), 'utf8'));
  return generateMigration(snapshot, currentSchema());
}

/** One database object as PostgreSQL describes it, keyed by kind and name. */
type Catalog = Map<string, string>;

/**
 * What the schema comparison reads: tables and views, columns (type, NOT NULL, default,
 * identity), constraints and indexes (PostgreSQL's own definitions) and enum labels. Triggers and
 * functions are left out: drizzle's schema does not model them, migrations add them by hand.
 */
async function catalogOf(url: string): Promise<Catalog> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ key: string; definition: string }[]>`
      select 'relation ' || c.relname as key, c.relkind::text as definition
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm')
      union all
      select 'column ' || c.relname || '.' || a.attname,
             format_type(a.atttypid, a.atttypmod)
               || case when a.attnotnull then ' not null' else '' end
               || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
               || case a.attidentity when 'a' then ' identity always' when 'd' then ' identity by default' else '' end
        from pg_attribute a
        join pg_class c on c.oid = a.attrelid
        join pg_namespace n on n.oid = c.relnamespace
        left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
        where n.nspname = 'public' and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
      union all
      select 'constraint ' || c.relname || '.' || k.conname, pg_get_constraintdef(k.oid)
        from pg_constraint k
        join pg_class c on c.oid = k.conrelid
        join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public'
      union all
      select 'index ' || tablename || '.' || indexname, indexdef
        from pg_indexes where schemaname = 'public'
      union all
      select 'enum ' || t.typname, string_agg(e.enumlabel, ', ' order by e.enumsortorder)
        from pg_type t
        join pg_enum e on e.enumtypid = t.oid
        join pg_namespace n on n.oid = t.typnamespace
        where n.nspname = 'public'
        group by t.typname`;
    return new Map(rows.map((row) => [row.key, row.definition]));
  } finally {
    await sql.end();
  }
}

/** A constraint a migration added NOT VALID (rows before it unchecked), which drizzle cannot declare. */
const NOT_VALID = / NOT VALID$/;

/**
 * Each object the two catalogs disagree on, said in one line; a constraint that differs only by
 * being NOT VALID is not drift (it holds for every write since) and is listed apart.
 */
export function catalogDifferences(
  migrated: Catalog,
  fromSchema: Catalog,
): { differences: string[]; notValidated: string[] } {
  const differences: string[] = [];
  const notValidated: string[] = [];
  for (const [key, definition] of migrated) {
    const expected = fromSchema.get(key);
    if (expected === undefined) differences.push(`${key}: only in the migrations (${definition})`);
    else if (expected === definition.replace(NOT_VALID, '') && expected !== definition)
      notValidated.push(key);
    else if (expected !== definition)
      differences.push(`${key}: the migrations make "${definition}", the schema "${expected}"`);
  }
  for (const [key, definition] of fromSchema)
    if (!migrated.has(key)) differences.push(`${key}: only in the schema (${definition})`);
  return { differences: differences.sort(), notValidated: notValidated.sort() };
}

const databaseUrl = (serverUrl: string, name: string) =>
  Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString();

/**
 * Applies every migration to one scratch database and the drizzle schema (drizzle-kit's SQL for it
 * from nothing) to another, on the server of `serverUrl`, and answers where their catalogs differ.
 * Both databases are dropped afterwards.
 */
export async function schemaDrift(
  serverUrl: string,
  folder = migrationsFolder,
): Promise<ReturnType<typeof catalogDifferences>> {
  const stamp = `${process.pid}_${Date.now()}`;
  const names = { migrated: `pbshop_dbcheck_${stamp}_migrated`, schema: `pbshop_dbcheck_${stamp}_schema` };
  const admin = postgres(databaseUrl(serverUrl, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    for (const name of Object.values(names)) await admin`create database ${admin(name)}`;
    await runMigrations(databaseUrl(serverUrl, names.migrated), folder);

    const fromSchema = postgres(databaseUrl(serverUrl, names.schema), { max: 1, onnotice: () => {} });
    try {
      // the extensions the migrations create (pg_trgm for the trigram indexes): the schema does not declare them
      const migratedSql = postgres(databaseUrl(serverUrl, names.migrated), { max: 1, onnotice: () => {} });
      const extensions = await migratedSql<{ extname: string }[]>`
        select extname from pg_extension where extname <> 'plpgsql'`;
      await migratedSql.end();
      for (const { extname } of extensions)
        await fromSchema`create extension if not exists ${fromSchema(extname)}`;
      const statements = await generateMigration(generateDrizzleJson({}), currentSchema());
      await fromSchema.begin(async (transaction) => {
        for (const statement of statements) await transaction.unsafe(statement);
      });
    } finally {
      await fromSchema.end();
    }
    return catalogDifferences(
      await catalogOf(databaseUrl(serverUrl, names.migrated)),
      await catalogOf(databaseUrl(serverUrl, names.schema)),
    );
  } finally {
    for (const name of Object.values(names)) await admin`drop database if exists ${admin(name)} with (force)`;
    await admin.end();
  }
}
