import jwt from '@fastify/jwt';
import type { Env } from '@pbshop/config';
import { AppError } from '@pbshop/errors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Principal, Role, UsersService } from '../modules/identity/users/service.ts';

/** Who may call a route: every route declares one (`config.access`), or the app refuses to start. */
export type Access = 'public' | 'user' | 'seller' | 'admin';

export interface AccessTokenClaims {
  sub: string;
  role: Role;
  ver: number;
}

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

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AccessTokenClaims;
    user: AccessTokenClaims;
  }
}

const allowed: Record<Exclude<Access, 'public' | 'user'>, Role[]> = {
  seller: ['SELLER', 'ADMIN'],
  admin: ['ADMIN'],
};

/** Reads and checks the bearer token; the member is re-read so a block or a password change bites at once. */
export async function authenticate(request: FastifyRequest, users: UsersService): Promise<Principal> {
  if (!request.headers.authorization) throw new AppError('UNAUTHORIZED');
  let claims: AccessTokenClaims;
  try {
    claims = await request.jwtVerify<AccessTokenClaims>();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED') throw new AppError('TOKEN_EXPIRED');
    throw new AppError('TOKEN_INVALID');
  }
  if (
    typeof claims.sub !== 'string' ||
    !/^[0-9a-f-]{36}$/.test(claims.sub) ||
    typeof claims.ver !== 'number'
  ) {
    throw new AppError('TOKEN_INVALID');
  }
  const principal = await users.principal(claims.sub, claims.ver);
  if (principal === 'blocked') throw new AppError('USER_BLOCKED');
  if (!principal) throw new AppError('TOKEN_INVALID');
  return principal;
}

export const accessControl = fp(
  async (app: FastifyInstance, options: { env: Env; users: UsersService }) => {
    await app.register(jwt, {
      secret: options.env.JWT_SECRET,
      sign: { algorithm: 'HS256', expiresIn: options.env.ACCESS_TOKEN_TTL_SECONDS },
      verify: { algorithms: ['HS256'] },
    });
    app.decorate('routeAccess', [] as RouteAccess[]);
    app.decorate('signAccessToken', (claims: AccessTokenClaims) => app.jwt.sign(claims));
    app.decorateRequest('principal', null);

    app.addHook('onRoute', (route) => {
      const access = route.config?.access;
      if (!access) throw new Error(`route ${route.method} ${route.url} declares no config.access`);
      for (const method of [route.method].flat()) {
        if (method !== 'HEAD') app.routeAccess.push({ method, url: route.url, access });
      }
      if (access === 'public') return;
      const roles = access === 'user' ? undefined : allowed[access];
      const guard = async (request: FastifyRequest) => {
        const principal = await authenticate(request, options.users);
        if (roles && !roles.includes(principal.role)) throw new AppError('FORBIDDEN');
        request.principal = principal;
      };
      // onRequest: an anonymous call is refused before its body is even read
      route.onRequest = [guard, ...[route.onRequest ?? []].flat()];
    });
  },
  { name: 'access-control' },
);
