import type { Env } from '@pbshop/config';
import { createSigner, createVerifier, TokenError } from 'fast-jwt';
import type { Role } from './principal.ts';

export interface AccessTokenClaims {
  sub: string;
  role: Role;
  ver: number;
}

export type SignAccessToken = (claims: AccessTokenClaims) => string;

export interface AccessTokens {
  sign: SignAccessToken;
  /** the claims of a valid token; 'expired', or 'invalid' for anything else */
  verify(token: string): AccessTokenClaims | 'expired' | 'invalid';
}

/** Short-lived HS256 access tokens, signed and checked with one secret: built once per process. */
export function accessTokens(env: Pick<Env, 'JWT_SECRET' | 'ACCESS_TOKEN_TTL_SECONDS'>): AccessTokens {
  const signer = createSigner({
    key: env.JWT_SECRET,
    algorithm: 'HS256',
    expiresIn: env.ACCESS_TOKEN_TTL_SECONDS * 1000,
  });
  const verifier = createVerifier({ key: env.JWT_SECRET, algorithms: ['HS256'] });
  return {
    sign: (claims) => signer({ ...claims }),
    verify(token) {
      try {
        return verifier(token) as AccessTokenClaims;
      } catch (error) {
        return error instanceof TokenError && error.code === TokenError.codes.expired ? 'expired' : 'invalid';
      }
    },
  };
}
