// `pnpm db:migrate`: creates the database when missing and applies pending migrations.
// `pnpm db:migrate --recreate-foreign` (what ./scripts/dev.sh runs) first drops and recreates a
// database made from a migration history this checkout does not have; without it such a database
// is refused, since migrating it would fail half-way.
import { loadEnvOrExit } from '@pbshop/config';
import {
  ensureDatabaseExists,
  journalProblems,
  migrationStatus,
  recreateDatabase,
  runMigrations,
} from '../migrations.ts';

const env = loadEnvOrExit('db:migrate', process.env, ['DATABASE_URL']);
const problems = journalProblems();
if (problems.length > 0) {
  for (const problem of problems) console.error(`db:migrate: journal problem: ${problem}`);
  console.error(
    'db:migrate: fix packages/db/migrations (regenerate with `pnpm db:generate`) before migrating',
  );
  process.exit(1);
}
try {
  if (await ensureDatabaseExists(env.DATABASE_URL)) console.log('db:migrate: created the database');
  const { foreign } = await migrationStatus(env.DATABASE_URL);
  if (foreign > 0) {
    const database = new URL(env.DATABASE_URL).pathname.slice(1);
    if (!process.argv.includes('--recreate-foreign')) {
      console.error(
        `db:migrate: ${database} records ${foreign} migration(s) this checkout does not have (it was made before the integer-id baseline of packages/db/migrations); migrating it would fail`,
      );
      console.error(
        `db:migrate: a development database: run \`pnpm db:migrate --recreate-foreign\` (drops ${database} and builds it anew); anything else: restore it from the matching release`,
      );
      process.exit(1);
    }
    await recreateDatabase(env.DATABASE_URL);
    console.log(`db:migrate: recreated ${database}: it was made from migrations this checkout does not have`);
  }
  const { pending } = await migrationStatus(env.DATABASE_URL);
  await runMigrations(env.DATABASE_URL);
  console.log(
    pending.length === 0
      ? 'db:migrate: up to date, nothing to apply'
      : `db:migrate: applied ${pending.length}: ${pending.map((entry) => entry.tag).join(', ')}`,
  );
} catch (error) {
  console.error(`db:migrate: failed: ${(error as Error).message}`);
  console.error(
    'db:migrate: check DATABASE_URL and that PostgreSQL answers (`./scripts/services.sh status`)',
  );
  process.exit(1);
}
