import { bigint, timestamp } from 'drizzle-orm/pg-core';

/** `created_at` and `updated_at`, which every table carries (timestamptz). */
export const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};

/**
 * A table's public id: a bigint identity, read as a JS number (ids stay far below 2^53, and the
 * storefront reads every id as a number).
 */
export const idColumn = () => bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity();

/** A column holding another row's id (see `idColumn`). */
export const idRef = (name: string) => bigint(name, { mode: 'number' });
