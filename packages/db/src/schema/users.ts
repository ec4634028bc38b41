import { sql } from 'drizzle-orm';
import { check, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { idColumn, timestamps } from './columns.ts';

export const userRole = pgEnum('user_role', ['USER', 'SELLER', 'ADMIN']);
export const userStatus = pgEnum('user_status', ['ACTIVE', 'INACTIVE', 'BLOCKED']);

/** Members. Owned by the users and auth modules; others call their services. */
export const users = pgTable(
  'users',
  {
    id: idColumn(),
    // stored lowercased; unique among members who have not withdrawn
    email: text('email').notNull(),
    // null for members who only log in through a social provider
    passwordHash: text('password_hash'),
    name: text('name').notNull(),
    phone: text('phone'),
    nickname: text('nickname'),
    bio: text('bio'),
    profileImagePath: text('profile_image_path'),
    role: userRole('role').notNull().default('USER'),
    status: userStatus('status').notNull().default('ACTIVE'),
    // the points balance: the running total of the points ledger, written only by the points module
    point: integer('point').notNull().default(0),
    emailVerifiedAt: timestamp('email_verified_at', { withTimezone: true }),
    // bumped when every issued token must stop working (block, password reset, withdrawal)
    tokenVersion: integer('token_version').notNull().default(0),
    ...timestamps,
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('users_email_active_key').on(table.email).where(sql`${table.deletedAt} is null`),
    uniqueIndex('users_nickname_key')
      .on(sql`lower(${table.nickname})`)
      .where(sql`${table.deletedAt} is null`),
    index('users_status_created_at_idx').on(table.status, table.createdAt),
    check('users_point_check', sql`${table.point} >= 0`),
  ],
);
