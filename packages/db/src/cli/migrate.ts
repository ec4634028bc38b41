// `pnpm db:migrate`: creates the database when missing and applies pending migrations.
import { loadEnvOrExit } from '@pbshop/config';
import { ensureDatabaseExists, journalProblems, migrationStatus, runMigrations } from '../migrations.ts';

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
