// `pnpm db:status`: the pre-deploy check. Lists pending migrations; exit 1 when any is pending.
import { loadEnvOrExit } from '@pbshop/config';
import { journalProblems, migrationStatus } from '../migrations.ts';

const env = loadEnvOrExit('db:status', process.env, ['DATABASE_URL']);
try {
  const problems = journalProblems();
  for (const problem of problems) console.error(`db:status: journal problem: ${problem}`);
  const { applied, pending, foreign } = await migrationStatus(env.DATABASE_URL);
  console.log(`db:status: ${applied.length} applied, ${pending.length} pending`);
  for (const entry of pending) console.log(`  pending: ${entry.tag}`);
  if (pending.length > 0) console.log('db:status: run `pnpm db:migrate` before deploying');
  if (foreign > 0)
    console.log(
      `db:status: ${foreign} applied migration(s) are not in this checkout (made before the integer-id baseline); see \`pnpm db:migrate --recreate-foreign\``,
    );
  process.exit(pending.length > 0 || foreign > 0 || problems.length > 0 ? 1 : 0);
} catch (error) {
  console.error(`db:status: cannot read migration state: ${(error as Error).message}`);
  process.exit(1);
}
