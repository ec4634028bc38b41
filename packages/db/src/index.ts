export {
  createDatabase,
  type Database,
  type DatabaseHandle,
  type DatabaseOptions,
  type Transaction,
} from './client.ts';
export {
  ensureDatabaseExists,
  type JournalEntry,
  journalProblems,
  type MigrationStatus,
  migrationStatus,
  migrationsFolder,
  readJournal,
  runMigrations,
} from './migrations.ts';
export { pcPartUsedShare } from './pc-part-used-share.ts';
export { isUniqueViolation, postgresError } from './postgres-error.ts';
export { productThumbnail } from './product-thumbnail.ts';
export { DATABASE_UNREACHABLE, isDatabaseUnreachable, isSocketFailure } from './reachability.ts';
export * from './schema/index.ts';
export type { SessionLockRun, SessionLocks } from './session-lock.ts';
export { selectTuples } from './tuples.ts';
