import type { users } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import type { FastifyRequest } from 'fastify';

type MemberRow = typeof users.$inferSelect;
export type Role = MemberRow['role'];

/** Who a valid access token speaks for, re-read on every request so a block takes effect at once. */
export interface Principal {
  id: number;
  role: Role;
  tokenVersion: number;
  /** the member's row as authentication read it (so `GET /users/me` needs no second read) */
  account?: MemberRow;
}

/** The principal behind a token's subject and version: 'blocked', or undefined when gone or outdated. */
export type PrincipalLookup = (
  id: number,
  tokenVersion: number,
) => Promise<Principal | 'blocked' | undefined>;

/**
 * Who may call a route: every route declares one (`config.access`), or the app refuses to start.
 * `optional`: anyone; a valid bearer token makes `request.principal` the member, a missing or bad
 * one an anonymous request (never refused).
 */
export type Access = 'public' | 'optional' | 'user' | 'seller' | 'admin';

/** The member a `user`/`seller`/`admin` route was called by. */
export function member(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHORIZED');
  return request.principal;
}
