// `pnpm db:check`: the migrations are consistent and build exactly the drizzle schema. Checks the
// journal against the .sql files and snapshots, asks drizzle-kit for a change the schema has and no
// migration generated, then applies every migration to a scratch database beside DATABASE_URL's and
// compares its catalog with the schema's (built in a second scratch database). Exit 1 naming each
// difference. `--migrations <folder>` checks another folder (the test's broken copies).
import { loadEnvOrExit } from '@pbshop/config';
import { migrationsFolder } from '../migrations.ts';
import { journalAndSnapshotProblems, schemaDrift, ungeneratedChanges } from '../schema-check.ts';

const env = loadEnvOrExit('db:check', process.env, ['DATABASE_URL']);
const folderFlag = process.argv.indexOf('--migrations');
const folder = folderFlag > 0 ? process.argv[folderFlag + 1]! : migrationsFolder;

const journal = journalAndSnapshotProblems(folder);
for (const problem of journal) console.error(`db:check: journal: ${problem}`);
if (journal.length > 0) {
  console.error('db:check: the journal is inconsistent; the schema comparison needs it whole');
  process.exit(1);
}
const ungenerated = await ungeneratedChanges(folder);
for (const statement of ungenerated) console.error(`db:check: not generated: ${statement}`);
const { differences: drift, notValidated } = await schemaDrift(env.DATABASE_URL, folder);
for (const difference of drift) console.error(`db:check: drift: ${difference}`);
for (const key of notValidated)
  console.log(
    `db:check: note: ${key} was added NOT VALID (rows before it unchecked); otherwise as the schema says`,
  );
if (ungenerated.length > 0)
  console.error('db:check: the schema has changes no migration holds; run `pnpm db:generate`');
if (drift.length > 0)
  console.error('db:check: the migrations do not build the drizzle schema (see the drift lines)');
if (ungenerated.length > 0 || drift.length > 0) process.exit(1);
console.log(
  'db:check: journal, files and snapshots consistent; no ungenerated change; the migrations build the drizzle schema',
);
process.exit(0);
