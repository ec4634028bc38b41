import type { Logger } from '@pbshop/config';
import type { Redis } from 'ioredis';
import type { Principal, PrincipalLookup } from './principal.ts';

/** How long a principal serves without the database; a revocation ends it at once. */
export const PRINCIPAL_CACHE_TTL_MS = 10_000;
/** Members kept at most (the least recently stored go first). */
const MAX_PRINCIPALS = 100_000;

export interface PrincipalCache {
  /** `lookup`, answered from this process for a member read within the TTL and not revoked since. */
  cached(lookup: PrincipalLookup): PrincipalLookup;
  /**
   * After a committed write that ends a member's sessions (block, withdrawal, password change):
   * this process forgets the member at once, every other replica on the Redis message.
   */
  revoke(userId: number): Promise<void>;
  close(): void;
}

/**
 * Every member route reads the member's row to check the token's version and the member's status
 * (a block or a withdrawal bites at once); this keeps the answer in the process for
 * PRINCIPAL_CACHE_TTL_MS. What keeps it exact: the writes that end sessions call `revoke`, which
 * forgets here before it answers and publishes on `<prefix>:principal-revoked`, which every
 * replica's subscriber applies; while the subscriber is not subscribed nothing is served or stored
 * (a message could be missed), and a read from the database is stored only if no revocation
 * arrived while it ran. Only live principals are kept, without the member's row (`account`), so
 * `GET /users/me` reads it fresh. ADMIN principals are never kept (see `cached`).
 */
export function principalCache({
  redis,
  keyPrefix,
  logger,
  ttlMs = PRINCIPAL_CACHE_TTL_MS,
}: {
  redis: Redis;
  keyPrefix: string;
  logger: Logger;
  ttlMs?: number;
}): PrincipalCache {
  const channel = `${keyPrefix}:principal-revoked`;
  const entries = new Map<number, { principal: Principal; until: number }>();
  /** bumped by every revocation and every lost subscription: a read that spans one is not stored */
  let epoch = 0;
  let subscribed = false;
  let closed = false;

  function forgetAll() {
    subscribed = false;
    epoch += 1;
    entries.clear();
  }

  const subscriber = redis.duplicate({
    lazyConnect: true,
    enableOfflineQueue: false,
    autoResubscribe: false,
    maxRetriesPerRequest: 1,
  });
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    epoch += 1;
    entries.delete(Number(message));
  });
  subscriber.on('close', forgetAll);
  subscriber.on('error', (error: Error) => {
    logger.debug({ err: error }, 'principal cache subscriber error');
  });
  subscriber.on('ready', () => {
    subscriber.subscribe(channel).then(
      () => {
        if (!closed && subscriber.status === 'ready') subscribed = true;
      },
      (error: unknown) => {
        logger.warn({ err: error }, 'principal cache not subscribed; members are read from the database');
      },
    );
  });
  subscriber.connect().catch(() => {
    // ioredis retries; members are read from the database meanwhile
  });

  return {
    cached(lookup) {
      return async (id, tokenVersion) => {
        const hit = entries.get(id);
        if (subscribed && hit && hit.until > Date.now() && hit.principal.tokenVersion === tokenVersion) {
          return hit.principal;
        }
        const mark = subscribed ? epoch : -1;
        const found = await lookup(id, tokenVersion);
        // an ADMIN is always read fresh: no route changes a role (operators do it in the database),
        // and a demoted admin must lose the admin routes at once; admin traffic is small
        if (typeof found === 'object' && found.role !== 'ADMIN' && mark === epoch && subscribed) {
          entries.delete(id);
          entries.set(id, {
            principal: { id: found.id, role: found.role, tokenVersion: found.tokenVersion },
            until: Date.now() + ttlMs,
          });
          if (entries.size > MAX_PRINCIPALS) entries.delete(entries.keys().next().value!);
        }
        return found;
      };
    },

    async revoke(userId) {
      epoch += 1;
      entries.delete(userId);
      try {
        await redis.publish(channel, String(userId));
      } catch (error) {
        logger.error(
          { err: error, userId },
          `principal revocation not published; other replicas may accept the member's tokens for up to ${ttlMs} ms`,
        );
      }
    },

    close() {
      closed = true;
      subscriber.disconnect();
    },
  };
}
