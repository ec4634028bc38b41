// `pnpm db:check` (src/cli/check.ts) on the real migrations, then on copies broken the ways a
// branch breaks them: a hand edit the schema does not have, a migration lost with its snapshot, a
// snapshot lost alone. Each run creates its scratch databases on the test server and drops them.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrationsFolder, readJournal } from '../src/index.ts';

const serverUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CHECK_TIMEOUT_MS = 120_000;

function dbCheck(folder?: string) {
  const args = folder ? ['--migrations', folder] : [];
  return spawnSync(process.execPath, [join(import.meta.dirname, '../src/cli/check.ts'), ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, DATABASE_URL: serverUrl },
  });
}

function copyOfMigrations(): string {
  const folder = mkdtempSync(join(tmpdir(), 'migrations-check-'));
  cpSync(migrationsFolder, folder, { recursive: true });
  return folder;
}

const last = () => readJournal().at(-1)!;
const snapshotOf = (folder: string, idx: number) =>
  join(folder, 'meta', `${String(idx).padStart(4, '0')}_snapshot.json`);

describe('db:check', () => {
  it('passes on the migrations as committed, naming what it checked', { timeout: CHECK_TIMEOUT_MS }, () => {
    const run = dbCheck();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('the migrations build the drizzle schema');
  });

  it('fails on a column a migration adds and the schema lacks, naming it', {
    timeout: CHECK_TIMEOUT_MS,
  }, () => {
    const folder = copyOfMigrations();
    try {
      const file = join(folder, `${last().tag}.sql`);
      writeFileSync(
        file,
        `${readFileSync(file, 'utf8')}\n--> statement-breakpoint\nALTER TABLE "products" ADD COLUMN "hand_added" integer;`,
      );
      const run = dbCheck(folder);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('drift: column products.hand_added: only in the migrations (integer)');
      expect(run.stderr).not.toContain('not generated');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('fails when the last migration is lost with its snapshot: the change is ungenerated and missing from the database', {
    timeout: CHECK_TIMEOUT_MS,
  }, () => {
    const folder = copyOfMigrations();
    try {
      const entry = last();
      const journalPath = join(folder, 'meta/_journal.json');
      const journal = JSON.parse(readFileSync(journalPath, 'utf8'));
      journal.entries.pop();
      writeFileSync(journalPath, JSON.stringify(journal));
      rmSync(join(folder, `${entry.tag}.sql`));
      rmSync(snapshotOf(folder, entry.idx));
      const run = dbCheck(folder);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('db:check: not generated: ');
      // whatever the last migration made (a table, a column, an enum value) is now the schema's alone
      expect(run.stderr).toMatch(/db:check: drift: .*the schema/);
      expect(run.stderr).toContain('the migrations do not build the drizzle schema');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('fails on a journal entry without its snapshot before touching a database', () => {
    const folder = copyOfMigrations();
    try {
      rmSync(snapshotOf(folder, last().idx));
      const run = dbCheck(folder);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`db:check: journal: ${last().tag}: meta/`);
      expect(run.stderr).toContain('_snapshot.json is missing');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
