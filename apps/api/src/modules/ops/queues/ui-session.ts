import { createHmac } from 'node:crypto';
import type { Env } from '@pbshop/config';
import { createSigner, createVerifier, TokenError } from 'fast-jwt';

/** Where the queue UI is served (at the root, beside /docs); its session cookie is sent there only. */
export const QUEUE_UI_PATH = '/admin/queues/ui';
export const QUEUE_UI_COOKIE = 'pbshop_queue_ui';

export interface QueueUiSessionClaims {
  /** the member's id */
  sub: string;
  /** the member's token version when the session was opened: a logout-all or block ends it */
  ver: number;
}

/**
 * Signed, short-lived sessions of the queue UI, kept in an HttpOnly cookie: an HS256 token signed
 * with a key derived from JWT_SECRET for this purpose alone, so an access token is no session and a
 * session is no access token.
 */
export function queueUiSessions(env: Pick<Env, 'JWT_SECRET' | 'QUEUE_UI_SESSION_TTL_SECONDS' | 'NODE_ENV'>) {
  const key = createHmac('sha256', env.JWT_SECRET).update('pbshop:queue-ui-session').digest('hex');
  const ttlMs = env.QUEUE_UI_SESSION_TTL_SECONDS * 1000;
  const signer = createSigner({ key, algorithm: 'HS256', expiresIn: ttlMs, aud: 'queue-ui' });
  const verifier = createVerifier({ key, algorithms: ['HS256'], allowedAud: 'queue-ui' });
  return {
    ttlSeconds: env.QUEUE_UI_SESSION_TTL_SECONDS,
    /** A session for a member, valid for the TTL from `issuedAtMs`. */
    issue(member: { id: number; tokenVersion: number }, issuedAtMs = Date.now()) {
      const iat = Math.floor(issuedAtMs / 1000);
      const token = signer({ sub: String(member.id), ver: member.tokenVersion, iat });
      return { token, expiresAt: new Date((iat + env.QUEUE_UI_SESSION_TTL_SECONDS) * 1000) };
    },
    /** The claims of a valid session; 'expired', or 'invalid' for anything else. */
    verify(token: string): QueueUiSessionClaims | 'expired' | 'invalid' {
      try {
        const claims = verifier(token) as Partial<QueueUiSessionClaims>;
        if (typeof claims.sub !== 'string' || typeof claims.ver !== 'number') return 'invalid';
        return { sub: claims.sub, ver: claims.ver };
      } catch (error) {
        return error instanceof TokenError && error.code === TokenError.codes.expired ? 'expired' : 'invalid';
      }
    },
    /** The Set-Cookie value that stores `token` for the UI's path (or clears it, with no token). */
    cookie(token: string | null, secure: boolean): string {
      const attributes = [
        `${QUEUE_UI_COOKIE}=${token ?? ''}`,
        `Path=${QUEUE_UI_PATH}`,
        `Max-Age=${token ? env.QUEUE_UI_SESSION_TTL_SECONDS : 0}`,
        'HttpOnly',
        'SameSite=Strict',
      ];
      // over plain http only outside production (a local install); browsers keep Secure cookies of localhost too
      if (secure || env.NODE_ENV === 'production') attributes.push('Secure');
      return attributes.join('; ');
    },
  };
}

export type QueueUiSessions = ReturnType<typeof queueUiSessions>;

/** The value of one cookie in a Cookie header (the first of that name), undefined when absent. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}
