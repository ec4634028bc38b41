import { createHash, randomBytes } from 'node:crypto';
import { type Env, type SocialProviderName, socialProviders } from '@pbshop/config';
import { AppError } from '@pbshop/errors';
import type { ResilienceRegistry } from '@pbshop/resilience';

/** What PBShop learns about a member from a provider. */
export interface SocialProfile {
  providerUserId: string;
  /** only when the provider vouches for it (see `emailVerified`) or reports it at all */
  email?: string;
  /** the provider asserts the member controls `email` */
  emailVerified: boolean;
  name?: string;
}

/** Provider-specific details of the otherwise generic authorization-code client. */
interface ProviderTraits {
  /** space-separated; undefined: the consent items configured in the provider's console apply */
  scope?: string;
  /** send an S256 code challenge and its verifier (RFC 7636) */
  pkce: boolean;
  /** Naver wants the `state` again in the token request */
  stateInTokenRequest: boolean;
  mapProfile(body: Record<string, unknown>): SocialProfile | undefined;
}

export interface ProviderConfig extends ProviderTraits {
  name: SocialProviderName;
  clientId: string;
  clientSecret: string;
  authorizeUrl: string;
  tokenUrl: string;
  userinfoUrl: string;
}

const MAX_RESPONSE_BYTES = 64 * 1024;
const ID_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** printable ASCII without spaces: what may follow `Bearer ` in a header */
export const ACCESS_TOKEN_PATTERN = /^[\x21-\x7e]{1,4096}$/;
// deliberately loose (providers own their address rules); control characters and spaces never pass
const EMAIL_PATTERN = /^[^\s@\p{Cc}]{1,64}@[^\s@\p{Cc}]{1,189}\.[^\s@\p{Cc}]{2,63}$/u;

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function idOf(value: unknown): string | undefined {
  const id = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  return typeof id === 'string' && ID_PATTERN.test(id) ? id : undefined;
}

function emailOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= 254 && EMAIL_PATTERN.test(value)
    ? value.toLowerCase()
    : undefined;
}

function textOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // control and format characters (bidi overrides, zero-width) never reach a display name
  const cleaned = value
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned.length > 0 ? cleaned : undefined;
}

const truthy = (value: unknown) => value === true || value === 'true';

function profile(
  id: unknown,
  email: unknown,
  emailVerified: boolean,
  name: unknown,
): SocialProfile | undefined {
  const providerUserId = idOf(id);
  if (!providerUserId) return undefined;
  const address = emailOf(email);
  return {
    providerUserId,
    email: address,
    emailVerified: Boolean(address) && emailVerified,
    name: textOf(name),
  };
}

/**
 * Google is OpenID Connect: its userinfo carries `sub`, `email`, `email_verified`, `name`.
 * Naver, Kakao, Facebook and Instagram each wrap theirs differently. Naver and Facebook only
 * return addresses they have confirmed; Kakao and OIDC say so per address.
 */
const traits: Record<SocialProviderName, ProviderTraits> = {
  google: {
    scope: 'openid email profile',
    pkce: true,
    stateInTokenRequest: false,
    mapProfile: (body) => profile(body.sub, body.email, truthy(body.email_verified), body.name),
  },
  naver: {
    pkce: false,
    stateInTokenRequest: true,
    mapProfile: (body) => {
      const response = record(body.response);
      return response && profile(response.id, response.email, true, response.name ?? response.nickname);
    },
  },
  kakao: {
    pkce: true,
    stateInTokenRequest: false,
    mapProfile: (body) => {
      const account = record(body.kakao_account) ?? {};
      const properties = record(body.properties) ?? {};
      const verified = truthy(account.is_email_verified) && account.is_email_valid !== false;
      return profile(
        body.id,
        account.email,
        verified,
        properties.nickname ?? record(account.profile)?.nickname,
      );
    },
  },
  facebook: {
    scope: 'email public_profile',
    pkce: true,
    stateInTokenRequest: false,
    mapProfile: (body) => profile(body.id, body.email, true, body.name),
  },
  instagram: {
    scope: 'user_profile',
    pkce: false,
    stateInTokenRequest: false,
    mapProfile: (body) => profile(body.id, undefined, false, body.username),
  },
};

export function isProviderName(value: string): value is SocialProviderName {
  return (socialProviders as readonly string[]).includes(value);
}

/** The providers whose client id and secret are configured; the others do not exist for clients. */
export function configuredProviders(env: Env): Map<SocialProviderName, ProviderConfig> {
  const read = (key: string) => (env as unknown as Record<string, string | undefined>)[key];
  const configured = new Map<SocialProviderName, ProviderConfig>();
  for (const name of socialProviders) {
    const prefix = `OAUTH_${name.toUpperCase()}`;
    const clientId = read(`${prefix}_CLIENT_ID`);
    const clientSecret = read(`${prefix}_CLIENT_SECRET`);
    if (!clientId || !clientSecret) continue;
    configured.set(name, {
      name,
      clientId,
      clientSecret,
      authorizeUrl: read(`${prefix}_AUTHORIZE_URL`)!,
      tokenUrl: read(`${prefix}_TOKEN_URL`)!,
      userinfoUrl: read(`${prefix}_USERINFO_URL`)!,
      ...traits[name],
    });
  }
  return configured;
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(
  provider: ProviderConfig,
  options: { redirectUri: string; state: string; codeChallenge?: string },
): string {
  const url = new URL(provider.authorizeUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', provider.clientId);
  url.searchParams.set('redirect_uri', options.redirectUri);
  if (provider.scope) url.searchParams.set('scope', provider.scope);
  url.searchParams.set('state', options.state);
  if (options.codeChallenge) {
    url.searchParams.set('code_challenge', options.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
  }
  return url.toString();
}

/** Why a provider call failed, for the logs and the error details; never the provider's own text. */
export type FailureReason =
  | 'timeout'
  | 'unreachable'
  | 'circuit open'
  | 'provider error'
  | 'rejected'
  | 'malformed response'
  | 'no access token'
  | 'no user id';

class ProviderFailure extends Error {
  readonly reason: FailureReason;
  constructor(reason: FailureReason, message: string) {
    super(message);
    this.name = 'ProviderFailure';
    this.reason = reason;
  }
}

interface ProviderResponse {
  status: number;
  body: Record<string, unknown> | undefined;
}

async function readLimited(response: Response): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > MAX_RESPONSE_BYTES) {
    await response.body?.cancel().catch(() => {});
    throw new ProviderFailure('malformed response', `response of ${declared} bytes`);
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > MAX_RESPONSE_BYTES) throw new ProviderFailure('malformed response', 'response too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** JSON, or a form-encoded body as some token endpoints still answer. */
function parseBody(text: string, contentType: string): Record<string, unknown> | undefined {
  if (contentType.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  try {
    return record(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/**
 * One call to a provider under its `social:<provider>` breaker. A 5xx, 429, timeout, network
 * failure or unreadable 2xx counts against the breaker; any other 4xx is the caller's problem (a
 * stale code, a bad token) and comes back as a response, so hostile clients cannot open it.
 */
async function call(
  resilience: ResilienceRegistry,
  provider: SocialProviderName,
  url: string,
  init: RequestInit,
): Promise<ProviderResponse> {
  return resilience.execute(`social:${provider}`, async (signal) => {
    try {
      const response = await fetch(url, { ...init, signal, redirect: 'error' });
      if (response.status >= 500 || response.status === 429) {
        await response.body?.cancel().catch(() => {});
        throw new ProviderFailure('provider error', `${url} answered ${response.status}`);
      }
      const body = parseBody(await readLimited(response), response.headers.get('content-type') ?? '');
      if (response.ok && !body) {
        throw new ProviderFailure(
          'malformed response',
          `${url} answered ${response.status} without a JSON object`,
        );
      }
      return { status: response.status, body };
    } catch (error) {
      if (error instanceof ProviderFailure) throw error;
      // the policy's timeout aborts the signal: fetch or the body read ends with an AbortError
      if (signal.aborted) throw new ProviderFailure('timeout', `${url} did not answer in time`);
      throw new ProviderFailure('unreachable', error instanceof Error ? error.message : String(error));
    }
  });
}

function reasonOf(error: unknown, resilience: ResilienceRegistry): FailureReason {
  if (error instanceof ProviderFailure) return error.reason;
  if (resilience.isOpenError(error)) return 'circuit open';
  if (resilience.isTimeoutError(error)) return 'timeout';
  return 'unreachable';
}

export interface OAuthClientLogger {
  warn(object: object, message: string): void;
}

/**
 * The authorization-code client shared by every provider: code for token (form-encoded,
 * client_secret_post), token for profile (bearer). Any failure becomes 401 SOCIAL_AUTH_FAILED.
 */
export function oauthClient(resilience: ResilienceRegistry, logger: OAuthClientLogger) {
  async function guarded<T>(provider: SocialProviderName, step: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof AppError) throw error;
      const reason = reasonOf(error, resilience);
      logger.warn({ err: error, provider, step, reason }, 'social provider call failed');
      throw new AppError('SOCIAL_AUTH_FAILED', { details: { provider, reason } });
    }
  }

  function fail(provider: SocialProviderName, step: string, reason: FailureReason, status?: number): never {
    logger.warn({ provider, step, reason, status }, 'social provider refused');
    throw new AppError('SOCIAL_AUTH_FAILED', { details: { provider, reason } });
  }

  return {
    async exchangeCode(
      provider: ProviderConfig,
      options: { code: string; redirectUri: string; codeVerifier?: string; state: string },
    ): Promise<string> {
      const form = new URLSearchParams({
        grant_type: 'authorization_code',
        code: options.code,
        redirect_uri: options.redirectUri,
        client_id: provider.clientId,
        client_secret: provider.clientSecret,
      });
      if (options.codeVerifier) form.set('code_verifier', options.codeVerifier);
      if (provider.stateInTokenRequest) form.set('state', options.state);
      const response = await guarded(provider.name, 'token', () =>
        call(resilience, provider.name, provider.tokenUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded;charset=utf-8',
            accept: 'application/json',
          },
          body: form.toString(),
        }),
      );
      if (response.status < 200 || response.status >= 300) {
        fail(provider.name, 'token', 'rejected', response.status);
      }
      // Naver answers an invalid code with 200 and an `error` field
      const token = response.body?.access_token;
      if (typeof token !== 'string' || !ACCESS_TOKEN_PATTERN.test(token) || response.body?.error) {
        fail(provider.name, 'token', 'no access token', response.status);
      }
      return token;
    },

    async fetchProfile(provider: ProviderConfig, accessToken: string): Promise<SocialProfile> {
      // a header-breaking token must fail here, not as a network error counted by the breaker
      if (!ACCESS_TOKEN_PATTERN.test(accessToken)) fail(provider.name, 'userinfo', 'rejected');
      const response = await guarded(provider.name, 'userinfo', () =>
        call(resilience, provider.name, provider.userinfoUrl, {
          method: 'GET',
          headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        }),
      );
      if (response.status < 200 || response.status >= 300) {
        fail(provider.name, 'userinfo', 'rejected', response.status);
      }
      const mapped = response.body && provider.mapProfile(response.body);
      if (!mapped) fail(provider.name, 'userinfo', 'no user id', response.status);
      return mapped;
    },
  };
}

export type OAuthClient = ReturnType<typeof oauthClient>;
