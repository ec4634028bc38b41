import { createHash, randomBytes } from 'node:crypto';
import { migrationsFolder, readJournal, runMigrations } from '@pbshop/db';
import postgres from 'postgres';
import { serviceUrls } from './services.ts';

const TEMPLATE_PREFIX = 'pbshop_test_template_';
const CLONE_PREFIX = 'pbshop_t_';
// test files crashed hours ago left these behind; anything younger may belong to a running suite
const STALE_CLONE_MS = 3 * 60 * 60 * 1000;
const TEMPLATE_LOCK = 72_511_001;

function databaseUrl(name: string): string {
  const url = new URL(serviceUrls.postgres);
  url.pathname = `/${name}`;
  return url.toString();
}

function maintenance() {
  return postgres(serviceUrls.postgres, { max: 1, onnotice: () => {}, connect_timeout: 10 });
}

/** The template's name carries a hash of the migrations, so a changed migration builds a new one. */
function templateName(): string {
  const hash = createHash('sha256')
    .update(
      readJournal(migrationsFolder)
        .map((entry) => entry.hash)
        .join(','),
    )
    .digest('hex')
    .slice(0, 12);
  return `${TEMPLATE_PREFIX}${hash}`;
}

let templateReady: Promise<string> | undefined;

/**
 * Builds the migrated template once per migration set. Parallel test processes serialise on an
 * advisory lock; the template is built under a temporary name and renamed, so a crash never
 * leaves a half-migrated template behind.
 */
function ensureTemplate(): Promise<string> {
  templateReady ??= (async () => {
    const name = templateName();
    const sql = maintenance();
    try {
      await sql`select pg_advisory_lock(${TEMPLATE_LOCK})`;
      const exists = await sql`select 1 from pg_database where datname = ${name}`;
      if (exists.length === 0) {
        const building = `${name}_building`;
        await sql`drop database if exists ${sql(building)} with (force)`;
        await sql`create database ${sql(building)}`;
        await runMigrations(databaseUrl(building));
        await sql`alter database ${sql(building)} rename to ${sql(name)}`;
        const old = await sql<{ datname: string }[]>`
          select datname from pg_database where datname like ${`${TEMPLATE_PREFIX}%`} and datname <> ${name}`;
        for (const { datname } of old) await sql`drop database if exists ${sql(datname)} with (force)`;
      }
      const clones = await sql<{ datname: string }[]>`
        select datname from pg_database where datname like ${`${CLONE_PREFIX}%`}`;
      for (const { datname } of clones) {
        const createdAt = Number(datname.split('_')[2]);
        if (Number.isFinite(createdAt) && Date.now() - createdAt > STALE_CLONE_MS) {
          await sql`drop database if exists ${sql(datname)} with (force)`;
        }
      }
      return name;
    } finally {
      await sql`select pg_advisory_unlock(${TEMPLATE_LOCK})`.catch(() => {});
      await sql.end();
    }
  })();
  return templateReady;
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database of this test file's own, cloned from the template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = await ensureTemplate();
  const name = `${CLONE_PREFIX}${Date.now()}_${randomBytes(4).toString('hex')}`;
  const sql = maintenance();
  try {
    await sql`create database ${sql(name)} template ${sql(template)}`;
  } finally {
    await sql.end();
  }
  return {
    name,
    url: databaseUrl(name),
    async drop() {
      const admin = maintenance();
      try {
        await admin`drop database if exists ${admin(name)} with (force)`;
      } finally {
        await admin.end();
      }
    },
  };
}
