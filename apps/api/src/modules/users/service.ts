import { type Database, users } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, eq, isNull, sql } from 'drizzle-orm';

export type UserRow = typeof users.$inferSelect;
export type Role = UserRow['role'];

/** Who a valid access token speaks for, re-read on every request so a block takes effect at once. */
export interface Principal {
  id: string;
  role: Role;
  tokenVersion: number;
}

export interface NewUser {
  email: string;
  name: string;
  passwordHash: string | null;
  phone?: string | null;
  role?: Role;
  emailVerified?: boolean;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const cause = (error as { cause?: { code?: string; constraint_name?: string } }).cause ?? error;
  const pg = cause as { code?: string; constraint_name?: string };
  return pg.code === '23505' && pg.constraint_name === constraint;
}

/** The users module owns the `users` table; auth and social reach it only through here. */
export function usersService(db: Database) {
  const active = isNull(users.deletedAt);
  return {
    async findById(id: string): Promise<UserRow | undefined> {
      const [row] = await db
        .select()
        .from(users)
        .where(and(eq(users.id, id), active));
      return row;
    },

    async findByEmail(email: string): Promise<UserRow | undefined> {
      const [row] = await db
        .select()
        .from(users)
        .where(and(eq(users.email, normalizeEmail(email)), active));
      return row;
    },

    /** The principal behind a token, or undefined when the member is gone, blocked or the token outdated. */
    async principal(id: string, tokenVersion: number): Promise<Principal | 'blocked' | undefined> {
      const [row] = await db
        .select({ id: users.id, role: users.role, status: users.status, tokenVersion: users.tokenVersion })
        .from(users)
        .where(and(eq(users.id, id), active));
      if (!row || row.tokenVersion !== tokenVersion) return undefined;
      if (row.status !== 'ACTIVE') return 'blocked';
      return { id: row.id, role: row.role, tokenVersion: row.tokenVersion };
    },

    async create(input: NewUser): Promise<UserRow> {
      try {
        const [row] = await db
          .insert(users)
          .values({
            email: normalizeEmail(input.email),
            name: input.name,
            passwordHash: input.passwordHash,
            phone: input.phone ?? null,
            role: input.role ?? 'USER',
            emailVerifiedAt: input.emailVerified ? new Date() : null,
          })
          .returning();
        return row!;
      } catch (error) {
        if (isUniqueViolation(error, 'users_email_active_key')) throw new AppError('DUPLICATE_EMAIL');
        throw error;
      }
    },

    async markEmailVerified(id: string): Promise<void> {
      await db
        .update(users)
        .set({ emailVerifiedAt: new Date(), updatedAt: new Date() })
        .where(eq(users.id, id));
    },

    /** A new password ends every session: tokens carrying the old version stop working. */
    async setPasswordHash(id: string, passwordHash: string): Promise<void> {
      await db
        .update(users)
        .set({ passwordHash, tokenVersion: sql`${users.tokenVersion} + 1`, updatedAt: new Date() })
        .where(eq(users.id, id));
    },

    async countAdmins(): Promise<number> {
      const [row] = await db
        .select({ count: sql<number>`count(*)::int` })
        .from(users)
        .where(and(eq(users.role, 'ADMIN'), active));
      return row?.count ?? 0;
    },

    isUniqueViolation,
  };
}

export type UsersService = ReturnType<typeof usersService>;
