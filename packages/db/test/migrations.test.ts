import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import {
  journalProblems,
  migrationStatus,
  migrationsFolder,
  readJournal,
  runMigrations,
} from '../src/index.ts';

const adminUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const databaseName = `pbshop_t_${Date.now()}_dbstatus`;
const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${databaseName}` }).toString();
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });

afterAll(async () => {
  await admin`drop database if exists ${admin(databaseName)} with (force)`;
  await admin.end();
});

function copyOfMigrations(): string {
  const folder = mkdtempSync(join(tmpdir(), 'migrations-'));
  cpSync(migrationsFolder, folder, { recursive: true });
  return folder;
}

function runCli(script: string, url: string, args: string[] = []) {
  return spawnSync(process.execPath, [join(import.meta.dirname, '../src/cli', script), ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, DATABASE_URL: url, REDIS_URL: 'redis://127.0.0.1:6379' },
  });
}

describe('migration journal', () => {
  it('is consistent: no migration the migrator would skip', () => {
    expect(readJournal().length).toBeGreaterThan(0);
    expect(journalProblems()).toEqual([]);
  });

  it('detects an entry whose timestamp is not after the previous one', () => {
    const folder = copyOfMigrations();
    const journalPath = join(folder, 'meta/_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
    const first = journal.entries[0];
    journal.entries.push({
      ...first,
      idx: journal.entries.length,
      tag: '9999_out_of_order',
      when: first.when - 1,
    });
    writeFileSync(journalPath, JSON.stringify(journal));
    writeFileSync(join(folder, '9999_out_of_order.sql'), 'select 1;');
    expect(journalProblems(folder)).toEqual([expect.stringContaining('the migrator would skip it')]);
  });

  it('detects a migration file missing from the journal', () => {
    const folder = copyOfMigrations();
    writeFileSync(join(folder, '0042_orphan.sql'), 'select 1;');
    expect(journalProblems(folder)).toEqual([
      expect.stringContaining('0042_orphan.sql is not in meta/_journal.json'),
    ]);
  });
});

describe('db:status and db:migrate', () => {
  it('reports pending migrations with exit 1, applies them, then reports none with exit 0', async () => {
    const before = runCli('migrate.ts', databaseUrl);
    expect(before.status, before.stderr).toBe(0);
    expect(before.stdout).toContain('created the database');

    await admin`drop database ${admin(databaseName)} with (force)`;
    await admin`create database ${admin(databaseName)}`;
    const pending = runCli('status.ts', databaseUrl);
    expect(pending.status).toBe(1);
    expect(pending.stdout).toContain('pending: 0000_baseline');

    await runMigrations(databaseUrl);
    expect((await migrationStatus(databaseUrl)).pending).toEqual([]);
    const clean = runCli('status.ts', databaseUrl);
    expect(clean.status, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/\d+ applied, 0 pending/);

    const again = runCli('migrate.ts', databaseUrl);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('nothing to apply');
  });

  it('refuses a database made from another migration history, and recreates it when told to', async () => {
    expect(runCli('migrate.ts', databaseUrl).status).toBe(0);
    const database = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    try {
      // what a database made before the integer-id baseline records: a migration this checkout lacks
      await database`insert into drizzle.__drizzle_migrations (hash, created_at) values ('an-older-history', 1)`;
      await database`create table leftover (id uuid)`;
    } finally {
      await database.end();
    }
    const status = runCli('status.ts', databaseUrl);
    expect(status.status).toBe(1);
    expect(status.stdout).toContain('1 applied migration(s) are not in this checkout');

    const refused = runCli('migrate.ts', databaseUrl);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('--recreate-foreign');

    const recreated = runCli('migrate.ts', databaseUrl, ['--recreate-foreign']);
    expect(recreated.status, recreated.stderr).toBe(0);
    expect(recreated.stdout).toContain('recreated');
    expect(await migrationStatus(databaseUrl)).toMatchObject({ pending: [], foreign: 0 });
    const rebuilt = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    try {
      const [row] = await rebuilt`select to_regclass('leftover') is null as gone`;
      expect(row?.gone).toBe(true);
    } finally {
      await rebuilt.end();
    }
  });

  it('fails with advice when PostgreSQL does not answer', () => {
    const result = runCli('status.ts', 'postgres://postgres@127.0.0.1:1/none');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('cannot read migration state');
  });
});
