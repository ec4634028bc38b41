import { entityIdText } from '@pbshop/config';
import { AppError } from '@pbshop/errors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AccessTokenClaims, AccessTokens } from '../http/access-token.ts';
import type { Access, Principal, PrincipalLookup, Role } from '../http/principal.ts';

export interface RouteAccess {
  method: string;
  url: string;
  access: Access;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** every route with its declared access, for the authorization boundary test and the docs */
    routeAccess: RouteAccess[];
    signAccessToken(claims: AccessTokenClaims): string;
  }
}

const allowed: Record<Exclude<Access, 'public' | 'optional' | 'user'>, Role[]> = {
  seller: ['SELLER', 'ADMIN'],
  admin: ['ADMIN'],
};

export interface AccessControlOptions {
  tokens: AccessTokens;
  principal: PrincipalLookup;
}

/** Reads and checks the bearer token; the member is re-read so a block or a password change bites at once. */
async function authenticate(request: FastifyRequest, options: AccessControlOptions): Promise<Principal> {
  const header = request.headers.authorization;
  if (!header) throw new AppError('UNAUTHORIZED');
  const [scheme, token, ...rest] = header.split(' ');
  if (!scheme || !/^Bearer$/i.test(scheme) || !token || rest.length > 0) throw new AppError('TOKEN_INVALID');
  const claims = options.tokens.verify(token);
  if (claims === 'expired') throw new AppError('TOKEN_EXPIRED');
  // the subject is the member's id, in text as JWT subjects are
  const subject = claims === 'invalid' ? undefined : entityIdText.safeParse(claims.sub).data;
  if (claims === 'invalid' || subject === undefined || typeof claims.ver !== 'number') {
    throw new AppError('TOKEN_INVALID');
  }
  const principal = await options.principal(subject, claims.ver);
  if (principal === 'blocked') throw new AppError('USER_BLOCKED');
  if (!principal) throw new AppError('TOKEN_INVALID');
  return principal;
}

export const accessControl = fp(
  async (app: FastifyInstance, options: AccessControlOptions) => {
    app.decorate('routeAccess', [] as RouteAccess[]);
    app.decorate('signAccessToken', options.tokens.sign);
    app.decorateRequest('principal', null);

    app.addHook('onRoute', (route) => {
      const access = route.config?.access;
      if (!access) throw new Error(`route ${route.method} ${route.url} declares no config.access`);
      for (const method of [route.method].flat()) {
        if (method !== 'HEAD') app.routeAccess.push({ method, url: route.url, access });
      }
      if (access === 'public') return;
      const roles = access === 'optional' || access === 'user' ? undefined : allowed[access];
      const guard =
        access === 'optional'
          ? // a missing, invalid or expired token makes an anonymous request rather than a refused one
            async (request: FastifyRequest) => {
              if (!request.headers.authorization) return;
              request.principal = await authenticate(request, options).catch(() => null);
            }
          : async (request: FastifyRequest) => {
              const principal = await authenticate(request, options);
              if (roles && !roles.includes(principal.role)) throw new AppError('FORBIDDEN');
              request.principal = principal;
            };
      // onRequest: an anonymous call is refused before its body is even read
      route.onRequest = [guard, ...[route.onRequest ?? []].flat()];
    });
  },
  { name: 'access-control' },
);
