import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Env } from '@pbshop/config';
import { type Database, refreshTokens } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, eq, gte, isNull } from 'drizzle-orm';
import type { SignAccessToken } from '../../../http/access-token.ts';
import type { Role } from '../../../http/principal.ts';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** An opaque random token for the client; only its hash is stored. */
export function opaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

export interface TokenSubject {
  id: number;
  role: Role;
  tokenVersion: number;
}

/**
 * Access tokens (JWT, short) and rotating refresh tokens (opaque, 7 days, hashed in the
 * database). The auth module owns `refresh_tokens`.
 */
export function tokenService(
  db: Database,
  env: Pick<Env, 'ACCESS_TOKEN_TTL_SECONDS' | 'REFRESH_TOKEN_TTL_DAYS'>,
  signAccessToken: SignAccessToken,
) {
  const refreshTtlMs = env.REFRESH_TOKEN_TTL_DAYS * 24 * 60 * 60 * 1000;

  async function insertRefresh(userId: number, familyId: string): Promise<string> {
    const token = opaqueToken();
    await db.insert(refreshTokens).values({
      userId,
      familyId,
      tokenHash: sha256(token),
      expiresAt: new Date(Date.now() + refreshTtlMs),
    });
    return token;
  }

  function access(subject: TokenSubject): string {
    return signAccessToken({ sub: String(subject.id), role: subject.role, ver: subject.tokenVersion });
  }

  return {
    /** A new session: a new refresh-token family. */
    async issue(subject: TokenSubject): Promise<TokenPair> {
      const refreshToken = await insertRefresh(subject.id, randomUUID());
      return { accessToken: access(subject), refreshToken, expiresIn: env.ACCESS_TOKEN_TTL_SECONDS };
    },

    /**
     * Exchanges a refresh token for a new pair. A token already used (or revoked) means it was
     * copied: the whole family is revoked and the caller must log in again.
     */
    async rotate(
      refreshToken: string,
      loadSubject: (userId: number) => Promise<TokenSubject | 'blocked' | undefined>,
    ): Promise<TokenPair> {
      const hash = sha256(refreshToken);
      // the member is read before the transaction: a query on another pooled connection while
      // the row lock is held could starve the pool when many refreshes of one token queue up
      const [peek] = await db
        .select({ userId: refreshTokens.userId })
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, hash));
      if (!peek) throw new AppError('TOKEN_INVALID');
      const subject = await loadSubject(peek.userId);
      // outcomes are returned, not thrown, so the revocation of a reused family commits
      const outcome = await db.transaction(async (tx) => {
        const [row] = await tx
          .select()
          .from(refreshTokens)
          .where(eq(refreshTokens.tokenHash, hash))
          .for('update');
        if (!row) return 'invalid' as const;
        if (row.usedAt || row.revokedAt) {
          await tx
            .update(refreshTokens)
            .set({ revokedAt: new Date(), updatedAt: new Date() })
            .where(and(eq(refreshTokens.familyId, row.familyId), isNull(refreshTokens.revokedAt)));
          return 'reused' as const;
        }
        if (row.expiresAt.getTime() <= Date.now()) return 'expired' as const;
        if (subject === 'blocked') return 'blocked' as const;
        if (!subject) return 'invalid' as const;
        await tx
          .update(refreshTokens)
          .set({ usedAt: new Date(), updatedAt: new Date() })
          .where(eq(refreshTokens.id, row.id));
        const next = opaqueToken();
        await tx.insert(refreshTokens).values({
          userId: row.userId,
          familyId: row.familyId,
          tokenHash: sha256(next),
          expiresAt: new Date(Date.now() + refreshTtlMs),
        });
        return { next, subject };
      });
      if (outcome === 'invalid') throw new AppError('TOKEN_INVALID');
      if (outcome === 'reused') {
        throw new AppError('TOKEN_INVALID', {
          details: { reason: 'refresh token reused; every session of it is revoked' },
        });
      }
      if (outcome === 'expired') throw new AppError('TOKEN_EXPIRED');
      if (outcome === 'blocked') throw new AppError('USER_BLOCKED');
      return {
        accessToken: access(outcome.subject),
        refreshToken: outcome.next,
        expiresIn: env.ACCESS_TOKEN_TTL_SECONDS,
      };
    },

    /**
     * Ends one session (logout): its refresh family is revoked. Unknown tokens, and with `userId`
     * tokens of another member, are ignored.
     */
    async revokeFamilyOf(refreshToken: string, userId?: number): Promise<void> {
      const [row] = await db
        .select()
        .from(refreshTokens)
        .where(
          and(
            eq(refreshTokens.tokenHash, sha256(refreshToken)),
            userId === undefined ? undefined : eq(refreshTokens.userId, userId),
          ),
        );
      if (!row) return;
      await db
        .update(refreshTokens)
        .set({ revokedAt: new Date(), updatedAt: new Date() })
        .where(and(eq(refreshTokens.familyId, row.familyId), isNull(refreshTokens.revokedAt)));
    },

    /** Ends every session of a member (password reset, block, withdrawal). */
    async revokeAllOf(userId: number): Promise<void> {
      await db
        .update(refreshTokens)
        .set({ revokedAt: new Date(), updatedAt: new Date() })
        .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
    },

    /**
     * Members active since `since`: a session issued or refreshed then (a refresh rotates the
     * token at least every access-token lifetime while the member uses the site).
     */
    async activeMemberIdsSince(since: Date): Promise<number[]> {
      const rows = await db
        .selectDistinct({ userId: refreshTokens.userId })
        .from(refreshTokens)
        .where(gte(refreshTokens.createdAt, since));
      return rows.map((row) => row.userId);
    },
  };
}

export type TokenService = ReturnType<typeof tokenService>;
