import type { Logger } from '@pbshop/config';
import type { Redis } from 'ioredis';

/** Failures kept at most (the newest); far above any threshold an operator would set per minute. */
const MAX_KEPT = 20_000;
/** How far back failures are kept: the longest window OPS_ROLLBACK_PAYMENT_WINDOW_MINUTES allows. */
const KEPT_MS = 1440 * 60_000;

/**
 * Order failures an operator rolls back for (ops runbook §6): a 5xx answered while placing,
 * cancelling or changing the status of an order. A customer's 4xx (INSUFFICIENT_STOCK, an invalid
 * transition) is not one. Kept in Redis, one sorted-set member per failure scored by its time, so
 * every replica's failures count in the one signal; the orders' own tables are no place for them,
 * as a failing database is among the causes.
 */
export function orderFailureLog({
  redis,
  keyPrefix,
  logger,
}: {
  redis: Redis;
  keyPrefix: string;
  logger: Logger;
}) {
  const key = `${keyPrefix}:ops:order-failures`;
  let sequence = 0;

  return {
    /** Counts one failure of `route` at `at`; never throws (a lost count is logged, the answer stands). */
    async record(route: string, at = Date.now()): Promise<void> {
      sequence = (sequence + 1) % 1_000_000;
      const member = `${at}:${process.pid}:${sequence}:${route}`;
      try {
        await redis
          .multi()
          .zadd(key, at, member)
          .zremrangebyscore(key, '-inf', Date.now() - KEPT_MS)
          .zremrangebyrank(key, 0, -MAX_KEPT - 1)
          .pexpire(key, KEPT_MS)
          .exec();
      } catch (error) {
        logger.error({ err: error, route }, 'order failure not counted for the rollback signal');
      }
    },

    /**
     * Failures in each of the last `minutes` minutes, oldest first: minute m holds those at
     * (now - (m + 1) min, now - m min], as the payment counts do.
     */
    async perMinute(minutes: number, now = Date.now()): Promise<number[]> {
      const scores = await redis.zrangebyscore(key, `(${now - minutes * 60_000}`, now, 'WITHSCORES');
      const counts = new Array<number>(minutes).fill(0);
      for (let index = 1; index < scores.length; index += 2) {
        const minute = Math.floor((now - Number(scores[index])) / 60_000);
        counts[minutes - 1 - minute]! += 1;
      }
      return counts;
    },
  };
}

export type OrderFailureLog = ReturnType<typeof orderFailureLog>;
