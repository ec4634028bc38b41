import { type Database, isUniqueViolation, type Transaction, users } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, count, desc, eq, ilike, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { Principal, Role } from '../../../http/principal.ts';

export type UserRow = typeof users.$inferSelect;
export type UserStatus = UserRow['status'];

export interface NewUser {
  email: string;
  name: string;
  passwordHash: string | null;
  phone?: string | null;
  role?: Role;
  emailVerified?: boolean;
}

export interface UserListQuery {
  page: number;
  limit: number;
  search?: string;
  status?: UserStatus;
  role?: Role;
}

/** Escapes LIKE/ILIKE wildcards so a search for `50%_off` matches those characters literally. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** An open transaction of the database, for work that must commit together with a member row. */

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The users module owns the `users` table; auth and social reach it only through here. */
export function usersService(db: Database) {
  const active = isNull(users.deletedAt);
  // every member request runs this first: prepared, it skips drizzle's query building and
  // PostgreSQL's planning (about a quarter of a member route's cost at a 1 ms query)
  const principalRow = db
    .select()
    .from(users)
    .where(and(eq(users.id, sql.placeholder('id')), active))
    .prepare('users_principal');
  /** Sets `values` on a live (not withdrawn) member; the updated row, or undefined when gone. */
  async function updateLive(
    id: number,
    values: Partial<typeof users.$inferInsert>,
  ): Promise<UserRow | undefined> {
    const [row] = await db
      .update(users)
      .set({ ...values, updatedAt: new Date() })
      .where(and(eq(users.id, id), active))
      .returning();
    return row;
  }

  /** A live member's row locked for a change of its profile image; its current image path. */
  async function lockedImagePath(tx: Transaction, id: number) {
    const [row] = await tx
      .select({ profileImagePath: users.profileImagePath })
      .from(users)
      .where(and(eq(users.id, id), active))
      .for('update');
    return row;
  }
  /**
   * Creates a member and, in the same transaction, what the caller attaches to it (the social
   * module: the social account of a member without password). Nothing is kept if either fails.
   */
  async function createWith(
    input: NewUser,
    attach: (tx: Transaction, user: UserRow) => Promise<void>,
  ): Promise<UserRow> {
    try {
      return await db.transaction(async (tx) => {
        const [row] = await tx
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
        await attach(tx, row!);
        return row!;
      });
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_active_key')) throw new AppError('DUPLICATE_EMAIL');
      throw error;
    }
  }

  return {
    async findById(id: number): Promise<UserRow | undefined> {
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
    async principal(id: number, tokenVersion: number): Promise<Principal | 'blocked' | undefined> {
      const [row] = await principalRow.execute({ id });
      if (!row) return undefined;
      // before the version check: blocking bumps the version, and the member must hear "blocked"
      if (row.status !== 'ACTIVE') return 'blocked';
      if (row.tokenVersion !== tokenVersion) return undefined;
      const principal: Principal = { id: row.id, role: row.role, tokenVersion: row.tokenVersion };
      // not enumerable: the row holds the password hash, which no log or JSON of a principal may carry
      Object.defineProperty(principal, 'account', { value: row, enumerable: false });
      return principal;
    },

    async create(input: NewUser): Promise<UserRow> {
      return createWith(input, async () => {});
    },

    async markEmailVerified(id: number): Promise<void> {
      await db
        .update(users)
        .set({ emailVerifiedAt: new Date(), updatedAt: new Date() })
        .where(eq(users.id, id));
    },

    /** A new password ends every session: tokens carrying the old version stop working. */
    async setPasswordHash(id: number, passwordHash: string): Promise<void> {
      await db
        .update(users)
        .set({ passwordHash, tokenVersion: sql`${users.tokenVersion} + 1`, updatedAt: new Date() })
        .where(eq(users.id, id));
    },

    /** Name and phone (USER-02). Undefined when the member is gone. */
    async updateAccount(id: number, input: { name?: string; phone?: string }): Promise<UserRow | undefined> {
      return updateLive(id, input);
    },

    /** Nickname and bio (USER-07); a nickname taken by someone else, even in a race, is NICKNAME_TAKEN. */
    async updateProfile(
      id: number,
      input: { nickname?: string; bio?: string | null },
    ): Promise<UserRow | undefined> {
      try {
        return await updateLive(id, input);
      } catch (error) {
        if (isUniqueViolation(error, 'users_nickname_key')) throw new AppError('NICKNAME_TAKEN');
        throw error;
      }
    },

    /**
     * Withdrawal (USER-03): soft delete, INACTIVE, every access token dead (version bump), profile
     * image detached. The e-mail and nickname are free again (their unique indexes skip deleted rows).
     * Returns the detached image path for the caller to delete, or undefined when already gone.
     */
    async withdraw(id: number): Promise<{ profileImagePath: string | null } | undefined> {
      return db.transaction(async (tx) => {
        const row = await lockedImagePath(tx, id);
        if (!row) return undefined;
        const now = new Date();
        await tx
          .update(users)
          .set({
            deletedAt: now,
            status: 'INACTIVE',
            profileImagePath: null,
            tokenVersion: sql`${users.tokenVersion} + 1`,
            updatedAt: now,
          })
          .where(eq(users.id, id));
        return row;
      });
    },

    /** Admin status change (USER-05); leaving ACTIVE bumps the token version so no old token revives later. */
    async setStatus(id: number, status: UserStatus): Promise<UserRow | undefined> {
      const [row] = await db
        .update(users)
        .set({
          status,
          updatedAt: new Date(),
          ...(status === 'ACTIVE' ? {} : { tokenVersion: sql`${users.tokenVersion} + 1` }),
        })
        .where(and(eq(users.id, id), active))
        .returning();
      return row;
    },

    /** Members who have not withdrawn, newest first; search in e-mail or name, case-insensitive. */
    async list(query: UserListQuery): Promise<{ rows: UserRow[]; totalCount: number }> {
      const conditions: SQL[] = [active];
      if (query.status) conditions.push(eq(users.status, query.status));
      if (query.role) conditions.push(eq(users.role, query.role));
      if (query.search) {
        const pattern = `%${escapeLike(query.search)}%`;
        conditions.push(or(ilike(users.email, pattern), ilike(users.name, pattern))!);
      }
      const where = and(...conditions);
      const [rows, [total]] = await Promise.all([
        db
          .select()
          .from(users)
          .where(where)
          .orderBy(desc(users.createdAt), desc(users.id))
          .limit(query.limit)
          .offset((query.page - 1) * query.limit),
        db.select({ value: count() }).from(users).where(where),
      ]);
      return { rows, totalCount: total?.value ?? 0 };
    },

    /**
     * Points the member at a new profile image (or none) under a row lock, so concurrent uploads
     * each learn the path they replaced. Undefined when the member is gone.
     */
    async replaceProfileImage(
      id: number,
      path: string | null,
    ): Promise<{ previous: string | null; row: UserRow } | undefined> {
      return db.transaction(async (tx) => {
        const current = await lockedImagePath(tx, id);
        if (!current) return undefined;
        const [row] = await tx
          .update(users)
          .set({ profileImagePath: path, updatedAt: new Date() })
          .where(eq(users.id, id))
          .returning();
        return { previous: current.profileImagePath, row: row! };
      });
    },

    async countAdmins(): Promise<number> {
      const [row] = await db
        .select({ count: sql<number>`count(*)::int` })
        .from(users)
        .where(and(eq(users.role, 'ADMIN'), active));
      return row?.count ?? 0;
    },

    createWith,

    /** Phone and nickname of a member (social sign-up completion); a nickname is unique, case-insensitively. */
    async setPhoneAndNickname(
      id: number,
      values: { phone: string; nickname: string },
    ): Promise<UserRow | undefined> {
      try {
        const [row] = await db
          .update(users)
          .set({ phone: values.phone, nickname: values.nickname, updatedAt: new Date() })
          .where(and(eq(users.id, id), active))
          .returning();
        return row;
      } catch (error) {
        if (isUniqueViolation(error, 'users_nickname_key')) throw new AppError('NICKNAME_TAKEN');
        throw error;
      }
    },

    isUniqueViolation,
  };
}

export type UsersService = ReturnType<typeof usersService>;
