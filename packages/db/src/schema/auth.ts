import { index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { idColumn, idRef, timestamps } from './columns.ts';
import { users } from './users.ts';

/**
 * Rotating refresh tokens, stored as SHA-256 hashes. Each login starts a family; a refresh
 * marks its token used and issues the next one in the family. Presenting a used token revokes
 * the whole family (it was stolen or replayed).
 */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: idColumn(),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    familyId: uuid('family_id').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [
    index('refresh_tokens_user_id_idx').on(table.userId),
    index('refresh_tokens_family_id_idx').on(table.familyId),
  ],
);

export const verificationPurpose = pgEnum('verification_purpose', ['EMAIL_VERIFY', 'PASSWORD_RESET']);

/** The live 6-digit code of a member for one purpose (hashed); a new code replaces the old one. */
export const verificationCodes = pgTable(
  'verification_codes',
  {
    id: idColumn(),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: verificationPurpose('purpose').notNull(),
    codeHash: text('code_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull(),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
    ...timestamps,
  },
  (table) => [uniqueIndex('verification_codes_user_purpose_key').on(table.userId, table.purpose)],
);

/** One-time password-reset tokens (hashed), valid 5 minutes after a verified code. */
export const passwordResetTokens = pgTable('password_reset_tokens', {
  id: idColumn(),
  userId: idRef('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  tokenHash: text('token_hash').notNull().unique(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  ...timestamps,
});

export const socialProvider = pgEnum('social_provider', [
  'google',
  'naver',
  'kakao',
  'facebook',
  'instagram',
]);

/** A member's account at a social login provider. */
export const socialAccounts = pgTable(
  'social_accounts',
  {
    id: idColumn(),
    userId: idRef('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    provider: socialProvider('provider').notNull(),
    providerUserId: text('provider_user_id').notNull(),
    email: text('email'),
    ...timestamps,
  },
  (table) => [
    uniqueIndex('social_accounts_provider_user_key').on(table.provider, table.providerUserId),
    uniqueIndex('social_accounts_user_provider_key').on(table.userId, table.provider),
  ],
);
