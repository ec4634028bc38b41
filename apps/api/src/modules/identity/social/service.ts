import { randomBytes } from 'node:crypto';
import type { Env, Logger, SocialProviderName } from '@pbshop/config';
import { type Database, socialAccounts } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import type { ResilienceRegistry } from '@pbshop/resilience';
import { and, eq } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { TokenPair, TokenService } from '../auth/tokens.ts';
import { nameField } from '../users/schemas.ts';
import type { UserRow, UsersService } from '../users/service.ts';
import {
  authorizeUrl,
  configuredProviders,
  isProviderName,
  oauthClient,
  type ProviderConfig,
  pkcePair,
  type SocialProfile,
} from './oauth-client.ts';

/** A login attempt lives this long between the redirect to the provider and its callback. */
export const STATE_TTL_SECONDS = 600;
const STATE_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** Members whose provider gave no (vouched-for) e-mail get an address nobody can receive mail at. */
export const PLACEHOLDER_EMAIL_DOMAIN = 'social.pbshop.invalid';

interface StoredState {
  provider: SocialProviderName;
  codeVerifier?: string;
}

export interface CallbackQuery {
  code?: string;
  state?: string;
  error?: string;
}

export interface SocialLogin extends TokenPair {
  isNewUser: boolean;
}

/**
 * The member's name from the provider's display name, held to the sign-up's name rule (so a later
 * profile update need not change it): other characters become spaces, then it is cut to 20.
 */
function nameFor(profile: SocialProfile, provider: SocialProviderName): string {
  const fallback = `${provider[0]!.toUpperCase()}${provider.slice(1)} User`;
  if (!profile.name) return fallback;
  const cleaned = profile.name
    .normalize('NFC')
    .replace(/[^\p{L}\p{M}\p{N} .'-]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const cut = [...cleaned].slice(0, 20).join('').trim();
  const parsed = nameField.safeParse(cut);
  return parsed.success ? parsed.data : fallback;
}

/**
 * Social login (AUTH-10..14): the OAuth 2.0 authorization-code flow against any configured
 * provider, and linking/unlinking providers to a member. The module owns `social_accounts`;
 * members are created and changed only through the users service.
 */
export interface SocialServiceDeps {
  db: Database;
  env: Env;
  redis: Redis;
  users: UsersService;
  tokens: TokenService;
  resilience: ResilienceRegistry;
  logger: Logger;
}

export function socialService(deps: SocialServiceDeps) {
  const { db, env, redis, users, tokens } = deps;
  const providers = configuredProviders(env);
  const client = oauthClient(deps.resilience, deps.logger);
  const baseUrl = env.PUBLIC_BASE_URL.replace(/\/+$/, '');
  const stateKey = (state: string) => `${env.REDIS_KEY_PREFIX}:oauth:state:${state}`;

  function enabled(name: string): ProviderConfig {
    const provider = isProviderName(name) ? providers.get(name) : undefined;
    if (!provider) {
      throw new AppError('INVALID_PROVIDER', { details: { supported: [...providers.keys()] } });
    }
    return provider;
  }

  /** The state store is Redis; while it is unreachable social login is unavailable, not broken. */
  async function stateStore<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      deps.logger.warn({ err: error }, 'oauth state store unavailable');
      throw new AppError('SERVICE_UNAVAILABLE', { details: { dependency: 'redis' } });
    }
  }

  const redirectUri = (provider: SocialProviderName) => `${baseUrl}/api/v1/auth/callback/${provider}`;

  /** Takes the state out of Redis (GETDEL: one use only) and checks it was issued for this provider. */
  async function consumeState(provider: SocialProviderName, state: string | undefined): Promise<StoredState> {
    if (!state || !STATE_PATTERN.test(state)) throw new AppError('INVALID_STATE');
    const raw = await stateStore(() => redis.getdel(stateKey(state)));
    if (!raw) throw new AppError('INVALID_STATE');
    let stored: StoredState;
    try {
      stored = JSON.parse(raw) as StoredState;
    } catch {
      throw new AppError('INVALID_STATE');
    }
    if (stored.provider !== provider) throw new AppError('INVALID_STATE');
    return stored;
  }

  async function accountOf(provider: SocialProviderName, providerUserId: string) {
    const [row] = await db
      .select()
      .from(socialAccounts)
      .where(and(eq(socialAccounts.provider, provider), eq(socialAccounts.providerUserId, providerUserId)));
    return row;
  }

  /**
   * The member a social account belongs to. A link left behind by a member who withdrew (soft
   * delete) is removed, so the provider account can sign up or be linked again.
   */
  async function ownerOf(account: typeof socialAccounts.$inferSelect): Promise<UserRow | undefined> {
    const owner = await users.findById(account.userId);
    if (!owner) await db.delete(socialAccounts).where(eq(socialAccounts.id, account.id));
    return owner;
  }

  function session(user: UserRow): Promise<TokenPair> {
    if (user.status !== 'ACTIVE') throw new AppError('USER_BLOCKED');
    return tokens.issue({ id: user.id, role: user.role, tokenVersion: user.tokenVersion });
  }

  /**
   * A first login creates the member and its social account in one transaction. E-mail
   * collisions are never merged: docs/architecture.md, "Social login and e-mail addresses".
   */
  async function signUp(provider: SocialProviderName, profile: SocialProfile): Promise<SocialLogin> {
    const vouched = profile.emailVerified ? profile.email : undefined;
    const duplicate = () =>
      new AppError('DUPLICATE_EMAIL', {
        details: {
          provider,
          reason: 'a member with this e-mail exists: log in and link the provider from the account',
        },
      });
    // the same provider account signing up twice at once (a double-submitted callback): the
    // other request may have won already, with this account's e-mail; then log in as its member
    const winner = async (): Promise<SocialLogin | undefined> => {
      const account = await accountOf(provider, profile.providerUserId);
      const owner = account && (await users.findById(account.userId));
      return owner ? { ...(await session(owner)), isNewUser: false } : undefined;
    };
    if (vouched && (await users.findByEmail(vouched))) {
      const won = await winner();
      if (won) return won;
      throw duplicate();
    }
    const email = vouched ?? `${provider}_${randomBytes(12).toString('hex')}@${PLACEHOLDER_EMAIL_DOMAIN}`;
    try {
      const user = await users.createWith(
        { email, name: nameFor(profile, provider), passwordHash: null, emailVerified: Boolean(vouched) },
        async (tx, created) => {
          await tx.insert(socialAccounts).values({
            userId: created.id,
            provider,
            providerUserId: profile.providerUserId,
            email: profile.email ?? null,
          });
        },
      );
      deps.logger.info({ userId: user.id, provider }, 'member signed up through a social provider');
      return { ...(await session(user)), isNewUser: true };
    } catch (error) {
      const emailTaken = error instanceof AppError && error.code === 'DUPLICATE_EMAIL';
      if (emailTaken || users.isUniqueViolation(error, 'social_accounts_provider_user_key')) {
        const won = await winner();
        if (won) return won;
      }
      if (emailTaken) throw duplicate();
      throw error;
    }
  }

  return {
    /** The provider's authorize URL with a fresh state (and PKCE challenge) remembered for 10 minutes. */
    async loginRedirect(name: string): Promise<string> {
      const provider = enabled(name);
      const state = randomBytes(32).toString('base64url');
      const pkce = provider.pkce ? pkcePair() : undefined;
      const stored: StoredState = { provider: provider.name, codeVerifier: pkce?.verifier };
      const saved = await stateStore(() =>
        redis.set(stateKey(state), JSON.stringify(stored), 'EX', STATE_TTL_SECONDS, 'NX'),
      );
      if (saved !== 'OK') throw new Error('oauth state collision');
      return authorizeUrl(provider, {
        redirectUri: redirectUri(provider.name),
        state,
        codeChallenge: pkce?.challenge,
      });
    },

    /** The provider sent the member back: state checked and spent, code exchanged, member found or created. */
    async callback(name: string, query: CallbackQuery): Promise<SocialLogin> {
      const provider = enabled(name);
      const stored = await consumeState(provider.name, query.state);
      if (query.error || !query.code) {
        throw new AppError('SOCIAL_AUTH_FAILED', {
          details: { provider: provider.name, reason: query.error ? 'consent refused' : 'no code' },
        });
      }
      const accessToken = await client.exchangeCode(provider, {
        code: query.code,
        redirectUri: redirectUri(provider.name),
        codeVerifier: stored.codeVerifier,
        state: query.state!,
      });
      const profile = await client.fetchProfile(provider, accessToken);
      const account = await accountOf(provider.name, profile.providerUserId);
      const owner = account && (await ownerOf(account));
      if (owner) return { ...(await session(owner)), isNewUser: false };
      return signUp(provider.name, profile);
    },

    /** Phone and nickname of a member who signed up through a provider; a fresh session. */
    async complete(userId: number, values: { phone: string; nickname: string }): Promise<TokenPair> {
      const [linked] = await db
        .select({ id: socialAccounts.id })
        .from(socialAccounts)
        .where(eq(socialAccounts.userId, userId))
        .limit(1);
      if (!linked) {
        throw new AppError('FORBIDDEN', { details: { reason: 'only members who signed up socially' } });
      }
      const user = await users.setPhoneAndNickname(userId, values);
      if (!user) throw new AppError('USER_NOT_FOUND');
      return session(user);
    },

    /** Links the provider account behind `socialToken` (the provider's access token) to the member. */
    async link(userId: number, name: string, socialToken: string): Promise<SocialProviderName> {
      const provider = enabled(name);
      const profile = await client.fetchProfile(provider, socialToken);
      const existing = await accountOf(provider.name, profile.providerUserId);
      const owner = existing && (await ownerOf(existing));
      if (owner) {
        throw new AppError(owner.id === userId ? 'PROVIDER_ALREADY_LINKED' : 'SOCIAL_ALREADY_LINKED', {
          details: { provider: provider.name },
        });
      }
      try {
        await db.insert(socialAccounts).values({
          userId,
          provider: provider.name,
          providerUserId: profile.providerUserId,
          email: profile.email ?? null,
        });
      } catch (error) {
        if (users.isUniqueViolation(error, 'social_accounts_user_provider_key')) {
          throw new AppError('PROVIDER_ALREADY_LINKED', { details: { provider: provider.name } });
        }
        if (users.isUniqueViolation(error, 'social_accounts_provider_user_key')) {
          throw new AppError('SOCIAL_ALREADY_LINKED', { details: { provider: provider.name } });
        }
        throw error;
      }
      return provider.name;
    },

    /**
     * Unlinks a provider (also one the operator has since disabled). The member's social accounts
     * are locked first, so two concurrent unlinks cannot both leave a member without a login.
     */
    async unlink(userId: number, name: string): Promise<void> {
      if (!isProviderName(name)) {
        throw new AppError('INVALID_PROVIDER', { details: { supported: [...providers.keys()] } });
      }
      const user = await users.findById(userId);
      if (!user) throw new AppError('USER_NOT_FOUND');
      await db.transaction(async (tx) => {
        const accounts = await tx
          .select({ id: socialAccounts.id, provider: socialAccounts.provider })
          .from(socialAccounts)
          .where(eq(socialAccounts.userId, userId))
          .for('update');
        const target = accounts.find((account) => account.provider === name);
        if (!target) throw new AppError('SOCIAL_NOT_LINKED', { details: { provider: name } });
        if (!user.passwordHash && accounts.length <= 1) {
          throw new AppError('CANNOT_UNLINK', { details: { provider: name } });
        }
        await tx.delete(socialAccounts).where(eq(socialAccounts.id, target.id));
      });
    },
  };
}

export type SocialService = ReturnType<typeof socialService>;
