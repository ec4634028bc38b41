import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Env, Logger } from '@pbshop/config';
import { type Database, passwordResetTokens, verificationCodes } from '@pbshop/db';
import { AppError, type Language } from '@pbshop/errors';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { type CodePurpose, codeMail, type Mailer } from '../../../mail/mailer.ts';
import { canonicalPhone } from '../users/schemas.ts';
import type { UserRow, UsersService } from '../users/service.ts';
import type { PasswordHasher } from './passwords.ts';
import { opaqueToken, sha256, type TokenPair, type TokenService, type TokenSubject } from './tokens.ts';

/** A code is valid 10 minutes, allows 5 guesses, and a new one may be mailed once a minute. */
export const CODE_TTL_MS = 10 * 60 * 1000;
export const MAX_CODE_ATTEMPTS = 5;
export const RESEND_INTERVAL_MS = 60 * 1000;
/** A reset token is good for one use within 5 minutes. */
export const RESET_TOKEN_TTL_MS = 5 * 60 * 1000;
/** Every password-reset request takes at least this long, found or not (AUTH-07). */
const RESET_REQUEST_FLOOR_MS = 250;

const messages = {
  signedUp: {
    ko: '가입되었습니다. 이메일로 보낸 6자리 인증 코드를 입력하세요.',
    en: 'Signed up. Enter the 6-digit code we e-mailed you.',
    ja: '登録しました。メールで送信した6桁の認証コードを入力してください。',
  },
  signedUpNotMailed: {
    ko: '가입되었지만 인증 메일을 보내지 못했습니다. 인증 코드 재전송을 요청하세요.',
    en: 'Signed up, but the verification mail could not be sent; ask for a new code.',
    ja: '登録しましたが、認証メールを送信できませんでした。認証コードの再送信をリクエストしてください。',
  },
  verified: {
    ko: '이메일 인증이 완료되었습니다.',
    en: 'Your e-mail address is verified.',
    ja: 'メール認証が完了しました。',
  },
  codeResent: {
    ko: '새 인증 코드를 이메일로 보냈습니다.',
    en: 'A new verification code is on its way.',
    ja: '新しい認証コードをメールで送信しました。',
  },
  loggedOut: { ko: '로그아웃되었습니다.', en: 'Logged out.', ja: 'ログアウトしました。' },
  resetCodeSent: {
    ko: '비밀번호 재설정 코드를 이메일로 보냈습니다.',
    en: 'A password reset code is on its way.',
    ja: 'パスワード再設定コードをメールで送信しました。',
  },
  passwordChanged: {
    ko: '비밀번호가 변경되었습니다. 다시 로그인하세요.',
    en: 'Your password is changed; log in again.',
    ja: 'パスワードを変更しました。再度ログインしてください。',
  },
} satisfies Record<string, Record<Language, string>>;

export type AuthMessage = keyof typeof messages;

export function messageText(key: AuthMessage, language: Language): string {
  return messages[key][language];
}

export interface AuthServiceDeps {
  db: Database;
  users: UsersService;
  passwords: PasswordHasher;
  tokens: TokenService;
  mailer: Mailer;
  env: Pick<Env, 'JWT_SECRET'>;
  logger: Logger;
  /** after a successful login: the login day (Seoul) for the badges' login streak; must not throw */
  loggedIn?(userId: number): Promise<void>;
}

export interface SignupInput {
  email: string;
  password: string;
  name: string;
  phone: string;
}

/** A CSPRNG 6-digit code, leading zeros kept. */
export function newCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** The session subject a member is, or 'blocked' when they may not use the service. */
export function subjectOf(user: UserRow): TokenSubject | 'blocked' {
  if (user.status !== 'ACTIVE') return 'blocked';
  return { id: user.id, role: user.role, tokenVersion: user.tokenVersion };
}

type CodeOutcome = 'ok' | 'invalid' | 'expired' | 'exceeded' | { wrong: number };

/**
 * Sign-up with e-mail verification, login, token refresh, logout and password reset
 * (AUTH-01..09). Members are read and written only through the users service; this module owns
 * `verification_codes`, `password_reset_tokens` and (through the token service) `refresh_tokens`.
 */
export function authService(deps: AuthServiceDeps) {
  const { db, users, passwords, tokens, mailer } = deps;
  const log = deps.logger.child({ component: 'auth' });
  // codes are keyed HMACs: a leaked table does not give away 6-digit codes by brute force
  const codeKey = createHmac('sha256', deps.env.JWT_SECRET).update('pbshop:verification-code').digest();

  function codeHash(userId: number, purpose: CodePurpose, code: string): string {
    return createHmac('sha256', codeKey).update(`${purpose}:${userId}:${code}`).digest('hex');
  }

  /**
   * Stores a fresh code for (member, purpose), replacing the last one and its attempts, unless
   * the last one was sent less than a minute ago (checked in the same statement, so concurrent
   * requests cannot both pass).
   */
  async function storeCode(userId: number, purpose: CodePurpose, code: string): Promise<void> {
    const now = new Date();
    const fields = {
      codeHash: codeHash(userId, purpose, code),
      expiresAt: new Date(now.getTime() + CODE_TTL_MS),
      attempts: 0,
      sentAt: now,
      consumedAt: null,
      updatedAt: now,
    };
    const cutoff = new Date(now.getTime() - RESEND_INTERVAL_MS).toISOString();
    const stored = await db
      .insert(verificationCodes)
      .values({ userId, purpose, ...fields })
      .onConflictDoUpdate({
        target: [verificationCodes.userId, verificationCodes.purpose],
        set: fields,
        setWhere: sql`${verificationCodes.sentAt} <= ${cutoff}::timestamptz`,
      })
      .returning({ id: verificationCodes.id });
    if (stored.length > 0) return;
    const [last] = await db
      .select({ sentAt: verificationCodes.sentAt })
      .from(verificationCodes)
      .where(and(eq(verificationCodes.userId, userId), eq(verificationCodes.purpose, purpose)));
    const waitMs = (last?.sentAt.getTime() ?? now.getTime()) + RESEND_INTERVAL_MS - now.getTime();
    const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
    throw new AppError('RESEND_RATE_LIMITED', {
      details: { retryAfterSeconds },
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  }

  /** After a failed delivery the member may ask again at once: the code's send time is moved back. */
  async function releaseResendLimit(userId: number, purpose: CodePurpose, code: string): Promise<void> {
    await db
      .update(verificationCodes)
      .set({ sentAt: new Date(Date.now() - RESEND_INTERVAL_MS) })
      .where(
        and(
          eq(verificationCodes.userId, userId),
          eq(verificationCodes.purpose, purpose),
          eq(verificationCodes.codeHash, codeHash(userId, purpose, code)),
        ),
      );
  }

  /**
   * Checks a code under a row lock: every guess counts, so concurrent wrong guesses cannot
   * exceed the limit. `onConsumed` runs in the same transaction when the code is right.
   */
  async function consumeCode(
    userId: number,
    purpose: CodePurpose,
    code: string,
    onConsumed?: (tx: Parameters<Parameters<Database['transaction']>[0]>[0]) => Promise<void>,
  ): Promise<void> {
    const presented = Buffer.from(codeHash(userId, purpose, code), 'hex');
    const outcome = await db.transaction(async (tx): Promise<CodeOutcome> => {
      const [row] = await tx
        .select()
        .from(verificationCodes)
        .where(and(eq(verificationCodes.userId, userId), eq(verificationCodes.purpose, purpose)))
        .for('update');
      if (!row || row.consumedAt) return 'invalid';
      if (row.attempts >= MAX_CODE_ATTEMPTS) return 'exceeded';
      if (row.expiresAt.getTime() <= Date.now()) return 'expired';
      const matches = timingSafeEqual(presented, Buffer.from(row.codeHash, 'hex'));
      const now = new Date();
      await tx
        .update(verificationCodes)
        .set({ attempts: row.attempts + 1, updatedAt: now, ...(matches ? { consumedAt: now } : {}) })
        .where(eq(verificationCodes.id, row.id));
      if (!matches) return { wrong: MAX_CODE_ATTEMPTS - row.attempts - 1 };
      await onConsumed?.(tx);
      return 'ok';
    });
    if (outcome === 'ok') return;
    if (outcome === 'invalid') throw new AppError('INVALID_VERIFICATION_CODE');
    if (outcome === 'expired') throw new AppError('VERIFICATION_CODE_EXPIRED');
    if (outcome === 'exceeded') throw new AppError('VERIFICATION_ATTEMPT_EXCEEDED');
    throw new AppError('INVALID_VERIFICATION_CODE', { details: { remainingAttempts: outcome.wrong } });
  }

  async function loadSubject(userId: number): Promise<TokenSubject | 'blocked' | undefined> {
    const user = await users.findById(userId);
    return user && subjectOf(user);
  }

  return {
    /** AUTH-01: a member who must verify their e-mail before logging in. */
    async signup(input: SignupInput) {
      if (await users.findByEmail(input.email)) throw new AppError('DUPLICATE_EMAIL');
      const user = await users.create({
        email: input.email,
        name: input.name,
        phone: canonicalPhone(input.phone),
        passwordHash: await passwords.hash(input.password),
      });
      const code = newCode();
      await storeCode(user.id, 'EMAIL_VERIFY', code);
      let message: AuthMessage = 'signedUp';
      try {
        await mailer.send(codeMail(user.email, 'EMAIL_VERIFY', code, CODE_TTL_MS / 60_000));
      } catch (error) {
        // the member exists either way; they ask for a new code (allowed at once) when SMTP is back
        log.error({ err: error, userId: user.id }, 'verification mail not sent at sign-up');
        await releaseResendLimit(user.id, 'EMAIL_VERIFY', code);
        message = 'signedUpNotMailed';
      }
      return { id: user.id, email: user.email, name: user.name, message };
    },

    /** AUTH-02 */
    async verifyEmail(email: string, code: string): Promise<void> {
      const user = await users.findByEmail(email);
      if (!user) throw new AppError('USER_NOT_FOUND');
      if (user.emailVerifiedAt) throw new AppError('ALREADY_VERIFIED');
      await consumeCode(user.id, 'EMAIL_VERIFY', code);
      await users.markEmailVerified(user.id);
    },

    /** AUTH-03: a new code replaces the old one (and its attempts); once a minute. */
    async resendVerification(email: string): Promise<void> {
      const user = await users.findByEmail(email);
      if (!user) throw new AppError('USER_NOT_FOUND');
      if (user.emailVerifiedAt) throw new AppError('ALREADY_VERIFIED');
      const code = newCode();
      await storeCode(user.id, 'EMAIL_VERIFY', code);
      try {
        await mailer.send(codeMail(user.email, 'EMAIL_VERIFY', code, CODE_TTL_MS / 60_000));
      } catch (error) {
        log.error({ err: error, userId: user.id }, 'verification mail not sent');
        await releaseResendLimit(user.id, 'EMAIL_VERIFY', code);
        throw new AppError('SERVICE_UNAVAILABLE', {
          details: { reason: 'the mail could not be sent; try again shortly' },
        });
      }
    },

    /**
     * AUTH-04. Unknown e-mails run argon2 against a dummy hash, so they take as long as a wrong
     * password; the member's state is revealed only to whoever knows the password.
     */
    async login(email: string, password: string): Promise<TokenPair> {
      const user = await users.findByEmail(email);
      const matches = await passwords.verify(user?.passwordHash ?? null, password);
      if (!user || !matches) throw new AppError('INVALID_CREDENTIALS');
      const subject = subjectOf(user);
      if (subject === 'blocked') throw new AppError('USER_BLOCKED');
      if (!user.emailVerifiedAt) throw new AppError('EMAIL_NOT_VERIFIED');
      const session = await tokens.issue(subject);
      await deps.loggedIn?.(user.id);
      return session;
    },

    /** AUTH-06: rotation with reuse detection (tokens.ts). */
    refresh(refreshToken: string): Promise<TokenPair> {
      return tokens.rotate(refreshToken, loadSubject);
    },

    /** AUTH-05: one session (its refresh family) or, without a token, all of them. */
    async logout(userId: number, refreshToken: string | undefined): Promise<void> {
      if (refreshToken) await tokens.revokeFamilyOf(refreshToken, userId);
      else await tokens.revokeAllOf(userId);
    },

    /**
     * AUTH-07: a code is mailed only when e-mail and phone belong to one member. Every outcome
     * takes at least RESET_REQUEST_FLOOR_MS and the mail goes out in the background, so the
     * response time does not tell a match from a mismatch.
     */
    async requestPasswordReset(email: string, phone: string): Promise<void> {
      const started = performance.now();
      try {
        const user = await users.findByEmail(email);
        const code = newCode();
        const digits = (value: string | null | undefined) => (value ?? '').replace(/\D/g, '');
        if (!user) throw new AppError('USER_NOT_FOUND');
        if (!user.phone || digits(user.phone) !== digits(phone)) throw new AppError('PHONE_MISMATCH');
        await storeCode(user.id, 'PASSWORD_RESET', code);
        mailer.dispatch(codeMail(user.email, 'PASSWORD_RESET', code, CODE_TTL_MS / 60_000), () =>
          releaseResendLimit(user.id, 'PASSWORD_RESET', code),
        );
      } finally {
        const left = RESET_REQUEST_FLOOR_MS - (performance.now() - started);
        if (left > 0) await sleep(left);
      }
    },

    /** AUTH-08: a right code buys a one-time reset token, valid 5 minutes; older ones die. */
    async verifyPasswordReset(email: string, code: string): Promise<string> {
      const user = await users.findByEmail(email);
      // no USER_NOT_FOUND here: the contract names only code errors for this step
      if (!user) throw new AppError('INVALID_VERIFICATION_CODE');
      const resetToken = opaqueToken();
      await consumeCode(user.id, 'PASSWORD_RESET', code, async (tx) => {
        const now = new Date();
        await tx
          .update(passwordResetTokens)
          .set({ usedAt: now, updatedAt: now })
          .where(and(eq(passwordResetTokens.userId, user.id), isNull(passwordResetTokens.usedAt)));
        await tx.insert(passwordResetTokens).values({
          userId: user.id,
          tokenHash: sha256(resetToken),
          expiresAt: new Date(now.getTime() + RESET_TOKEN_TTL_MS),
        });
      });
      return resetToken;
    },

    /**
     * AUTH-09. The token is spent under a row lock, so of two concurrent confirms one wins. The
     * new password bumps the member's token version (access tokens die at once) and every
     * refresh token is revoked. Should the password write fail after the token was spent, the
     * member asks for a new code.
     */
    async confirmPasswordReset(resetToken: string, newPassword: string): Promise<void> {
      const hash = sha256(resetToken);
      const usable = (row: { usedAt: Date | null; expiresAt: Date } | undefined) =>
        row !== undefined && row.usedAt === null && row.expiresAt.getTime() > Date.now();
      const [peek] = await db
        .select()
        .from(passwordResetTokens)
        .where(eq(passwordResetTokens.tokenHash, hash));
      if (!peek || !usable(peek)) throw new AppError('INVALID_RESET_TOKEN');
      const user = await users.findById(peek.userId);
      if (!user) throw new AppError('INVALID_RESET_TOKEN');
      if (await passwords.verify(user.passwordHash, newPassword)) throw new AppError('SAME_PASSWORD');
      const passwordHash = await passwords.hash(newPassword);
      const spent = await db.transaction(async (tx) => {
        const [row] = await tx
          .select()
          .from(passwordResetTokens)
          .where(eq(passwordResetTokens.tokenHash, hash))
          .for('update');
        if (!row || !usable(row)) return false;
        await tx
          .update(passwordResetTokens)
          .set({ usedAt: new Date(), updatedAt: new Date() })
          .where(eq(passwordResetTokens.id, row.id));
        return true;
      });
      if (!spent) throw new AppError('INVALID_RESET_TOKEN');
      await users.setPasswordHash(user.id, passwordHash);
      await tokens.revokeAllOf(user.id);
    },
  };
}

export type AuthService = ReturnType<typeof authService>;
