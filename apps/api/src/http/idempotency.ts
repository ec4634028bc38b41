import { createHash } from 'node:crypto';
import type { Logger } from '@pbshop/config';
import type { Database } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { sql } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { errorBody, sendJson } from './envelope.ts';
import { member } from './principal.ts';

/** 1..255 visible ASCII characters (a UUID, a ULID, any client token). */
export const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, '1 to 255 visible ASCII characters')
  .describe(
    'Idempotency-Key: the same key with the same request replays the first answer (header ' +
      '`idempotent-replayed: true`); while the first is running → 409 IDEMPOTENCY_KEY_IN_USE; with ' +
      'another body → 422 IDEMPOTENCY_KEY_REUSED. Kept 24 hours per member and operation.',
  );

/**
 * The `headers` schema of an idempotent route: documents the header in OpenAPI and refuses a bad
 * key with 400 VALIDATION_ERROR. Loose: the other headers stay as they are.
 */
export const idempotencyKeyHeaders = z.looseObject({ 'idempotency-key': idempotencyKey.optional() });

/** The answers an idempotent route adds to its own. */
export const idempotencyErrors = { 409: errorBody, 422: errorBody };

/** The response header that marks a replayed answer. */
export const REPLAYED_HEADER = 'idempotent-replayed';

/** How long a key and its answer are kept. */
const RETENTION_HOURS = 24;

/** Sorted keys at every level: the same JSON value always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** sha256 of the request's path parameters and (validated) body, canonical JSON. */
export function requestHash(params: unknown, body: unknown): string {
  return createHash('sha256')
    .update(canonicalJson({ params: params ?? {}, body: body ?? null }))
    .digest('hex');
}

/** The key row this request holds while its handler runs. */
interface Claim {
  id: number;
  /** the lease this request set, as PostgreSQL wrote it (to the microsecond): the row is ours while it is unchanged */
  lease: string;
}

type KeyRow = {
  id: number;
  request_hash: string;
  state: 'IN_FLIGHT' | 'DONE';
  response_status: number | null;
  response_body: Record<string, unknown> | null;
  lease: string | null;
  lease_live: boolean;
};

export interface IdempotencyOptions {
  /**
   * How long a first request holds its key; longer than anything the route waits for (the
   * payment gateway's timeout), so only a request whose process died loses it.
   */
  leaseMs: number;
}

export interface IdempotentRouteHooks {
  preHandler(request: FastifyRequest, reply: FastifyReply): Promise<unknown>;
  onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown>;
}

export interface IdempotencyKeys {
  /**
   * The hooks a route opts in with, for one operation (`POST /payments`): spread into the route's
   * options beside `schema.headers: idempotencyKeyHeaders`. Without the header the route runs as
   * usual; the key is per member, so the route must authenticate.
   */
  route(scope: string): IdempotentRouteHooks;
  /** Deletes keys past their 24 hours; returns how many. */
  sweepExpired(): Promise<number>;
}

/** The answer to store: the body without the per-request stamp (a replay gets fresh ones). */
function storedBody(payload: unknown): Record<string, unknown> | undefined {
  const text =
    typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString() : undefined;
  if (text === undefined) return undefined;
  try {
    const {
      requestId: _requestId,
      timestamp: _timestamp,
      ...body
    } = JSON.parse(text) as Record<string, unknown>;
    return body;
  } catch {
    return undefined;
  }
}

/**
 * A stored answer as JSON text for this request: `success` first, so the success stamp
 * (plugins/request-context.ts) adds this request's `requestId` and `timestamp`; an error body
 * gets them here.
 */
function replayBody(request: FastifyRequest, stored: Record<string, unknown>): string {
  const { success, ...rest } = stored;
  if (success === true) return JSON.stringify({ success, ...rest });
  return JSON.stringify({ success, ...rest, requestId: request.id, timestamp: new Date().toISOString() });
}

/**
 * `Idempotency-Key` for writes a client may retry (order, payment, refund), kept in the
 * `idempotency_keys` table so it survives restarts and Redis flushes. The first request takes the
 * key (IN_FLIGHT with a lease), runs, and stores its final answer (2xx or 4xx) as DONE; a 5xx
 * frees the key so a retry runs again. Rules: docs/architecture.md, "Idempotency keys".
 */
export function idempotencyKeys(db: Database, logger: Logger, options: IdempotencyOptions): IdempotencyKeys {
  const claims = new WeakMap<FastifyRequest, Claim>();
  const leaseSeconds = options.leaseMs / 1000;
  const leaseUntil = sql`now() + make_interval(secs => ${leaseSeconds})`;

  /**
   * Takes the key: a new row, or one whose 24 hours ran out, or an IN_FLIGHT one of the same
   * request whose lease ran out (its process died). Undefined when another row holds it.
   */
  async function take(userId: number, scope: string, key: string, hash: string): Promise<Claim | undefined> {
    const rows = await db.execute<{ id: number; lease: string }>(sql`
      insert into idempotency_keys (user_id, scope, key, request_hash, state, locked_until, expires_at)
      values (${userId}, ${scope}, ${key}, ${hash}, 'IN_FLIGHT', ${leaseUntil},
              now() + make_interval(hours => ${RETENTION_HOURS}))
      on conflict (user_id, scope, key) do update set
        request_hash = excluded.request_hash, state = 'IN_FLIGHT', response_status = null,
        response_body = null, locked_until = excluded.locked_until, expires_at = excluded.expires_at,
        updated_at = now()
      where idempotency_keys.expires_at <= now()
         or (idempotency_keys.state = 'IN_FLIGHT' and idempotency_keys.locked_until <= now()
             and idempotency_keys.request_hash = excluded.request_hash)
      returning id, to_json(locked_until)#>>'{}' as lease`);
    return rows[0];
  }

  async function read(userId: number, scope: string, key: string): Promise<KeyRow | undefined> {
    const rows = await db.execute<KeyRow>(sql`
      select id, request_hash, state, response_status, response_body,
             to_json(locked_until)#>>'{}' as lease, coalesce(locked_until > now(), false) as lease_live
      from idempotency_keys
      where user_id = ${userId} and scope = ${scope} and key = ${key} and expires_at > now()`);
    return rows[0];
  }

  async function settle(claim: Claim, status: number, payload: unknown): Promise<void> {
    const body = status < 500 ? storedBody(payload) : undefined;
    if (body === undefined) {
      // a 5xx (or a body that cannot be kept) is not an answer to replay: the next try runs again
      await db.execute(sql`
        delete from idempotency_keys
        where id = ${claim.id} and state = 'IN_FLIGHT' and locked_until = ${claim.lease}::timestamptz`);
      return;
    }
    await db.execute(sql`
      update idempotency_keys
      set state = 'DONE', response_status = ${status}, response_body = ${JSON.stringify(body)}::jsonb,
          locked_until = null, updated_at = now()
      where id = ${claim.id} and state = 'IN_FLIGHT' and locked_until = ${claim.lease}::timestamptz`);
  }

  return {
    route(scope) {
      return {
        async preHandler(request, reply) {
          const header = request.headers['idempotency-key'];
          if (header === undefined) return;
          const parsed = idempotencyKey.safeParse(header);
          if (!parsed.success) {
            throw new AppError('VALIDATION_ERROR', {
              details: [{ field: 'headers.idempotency-key', message: '1 to 255 visible ASCII characters' }],
            });
          }
          const userId = member(request).id;
          const hash = requestHash(request.params, request.body);
          // a row deleted between our insert and our read (its request answered 5xx) is taken again
          for (let attempt = 0; attempt < 3; attempt += 1) {
            const claim = await take(userId, scope, parsed.data, hash);
            if (claim) {
              claims.set(request, claim);
              return;
            }
            const row = await read(userId, scope, parsed.data);
            if (!row) continue;
            if (row.request_hash !== hash) throw new AppError('IDEMPOTENCY_KEY_REUSED');
            if (row.state === 'DONE' && row.response_status !== null && row.response_body !== null) {
              reply.code(row.response_status).header(REPLAYED_HEADER, 'true');
              return sendJson(reply, replayBody(request, row.response_body));
            }
            // IN_FLIGHT: the first request is still running (an expired lease was taken over above)
            throw new AppError('IDEMPOTENCY_KEY_IN_USE', { headers: { 'retry-after': '1' } });
          }
          throw new AppError('IDEMPOTENCY_KEY_IN_USE', { headers: { 'retry-after': '1' } });
        },
        async onSend(request, reply, payload) {
          const claim = claims.get(request);
          if (!claim) return payload;
          claims.delete(request);
          try {
            await settle(claim, reply.statusCode, payload);
          } catch (error) {
            // the answer still goes out; the key frees itself when its lease runs out
            request.log.warn({ err: error, scope }, 'idempotency key not settled');
          }
          return payload;
        },
      };
    },
    async sweepExpired() {
      const rows = await db.execute<{ id: number }>(
        sql`delete from idempotency_keys where expires_at <= now() returning id`,
      );
      if (rows.length > 0) logger.info({ deleted: rows.length }, 'expired idempotency keys deleted');
      return rows.length;
    },
  };
}
