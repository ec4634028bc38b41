// `pnpm query:rebuild [--if-empty]`: re-projects every product into the /query/products read model
// (product_query_view), the same work as POST /admin/query/products/rebuild, for a database the
// API is not serving yet (a fresh development database after its seed). With --if-empty it does
// nothing when the read model already has rows. Progress goes to stderr.
import { parseArgs } from 'node:util';
import { loadEnvOrExit } from '@pbshop/config';
import { createDatabase } from '@pbshop/db';
import { rebuildProductQueryView } from '@pbshop/search';
import { sql } from 'drizzle-orm';

const name = 'query-rebuild';
const { values } = parseArgs({ options: { 'if-empty': { type: 'boolean', default: false } } });
const env = loadEnvOrExit(name, process.env, ['DATABASE_URL']);
const database = createDatabase(env.DATABASE_URL, { max: 1, applicationName: 'pbshop-query-rebuild' });

try {
  const [row] = await database.db.execute<{ present: boolean }>(
    sql`select exists (select 1 from product_query_view) as present`,
  );
  if (values['if-empty'] && row?.present) {
    process.stderr.write(`${name}: the read model has rows; nothing to do\n`);
  } else {
    const started = performance.now();
    let reported = 0;
    const done = await rebuildProductQueryView(database.db, {
      onProgress(progress) {
        if (progress.synced - reported < 10_000) return;
        reported = progress.synced;
        process.stderr.write(`${name}: ${progress.synced} products projected…\n`);
      },
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(
      `${name}: ${done.synced} products projected, ${done.removed} rows of deleted products removed in ${seconds} s\n`,
    );
  }
} catch (error) {
  process.stderr.write(`${name}: failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await database.close();
}
