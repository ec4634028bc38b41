import { z } from 'zod';

const status = z
  .enum(['CLOSED', 'OPEN', 'HALF_OPEN'])
  .describe('OPEN refuses calls; HALF_OPEN lets trial calls through; CLOSED lets every call through');

export const breakerOptions = z.object({
  failureThreshold: z.number().int().describe('consecutive failures that open the breaker'),
  openTimeoutMs: z.number().int().describe('how long an open breaker refuses calls before its trial calls'),
  halfOpenSuccessThreshold: z
    .number()
    .int()
    .describe('trial calls a half-open breaker lets through; all must succeed to close it'),
});

const counts = {
  failureCount: z
    .number()
    .int()
    .describe('consecutive failures counted towards failureThreshold (while open: those that opened it)'),
  successCount: z.number().int().describe('successful calls since the breaker last changed state'),
  nextAttemptAt: z
    .string()
    .nullable()
    .describe('while OPEN: when it lets a trial call through (ISO 8601); otherwise null'),
  lastFailureReason: z.string().nullable().describe("the last failure's message"),
};

/** One process's breaker of the name. */
export const breakerHolder = z.object({
  service: z.string().describe('the process: api, worker-search, worker-crawler …'),
  instance: z.string().describe('host:pid'),
  host: z.string(),
  pid: z.number().int(),
  status,
  ...counts,
  lastFailureAt: z.string().nullable(),
  options: breakerOptions.describe('the options this process runs the breaker with (read back every 2 s)'),
  resetGeneration: z.number().int().describe('the last reset this process applied'),
  updatedAt: z.string().describe('when its state last changed'),
});

/**
 * A breaker name across every process holding it: the storefront's ResilienceCircuitSnapshot plus
 * the holders. The top-level state is the worst of the holders', counts are their sums.
 */
export const circuitBreaker = z.object({
  name: z.string().describe('`search`, `payment`, `crawler:<host>`, `social:<provider>`'),
  status: status.describe('the worst of the holders: OPEN if any is open, else HALF_OPEN if any is'),
  failureCount: counts.failureCount.describe("the holders' failure counts, summed"),
  successCount: counts.successCount.describe("the holders' success counts, summed"),
  nextAttemptAt: counts.nextAttemptAt.describe(
    'the latest trial time of the open holders: when every one of them will have tried again; null when none is open',
  ),
  lastFailureReason: counts.lastFailureReason.describe("the most recent failure's message, of any holder"),
  options: breakerOptions.describe("the policy's current options (auto-tuning may have moved them)"),
  holders: z.array(breakerHolder).describe('every live process holding a breaker of this name'),
});

export const breakerList = z.object({ items: z.array(circuitBreaker) });

export const breakerParams = z.object({
  name: z
    .string()
    .min(1)
    .max(100)
    .describe('the breaker name as it is, `:` included (URL-encoding optional)'),
});

export const resetResult = z.object({
  message: z.string(),
  name: z.string(),
  breaker: circuitBreaker.describe('the breaker once every holder confirmed the reset (or the wait ended)'),
  unconfirmed: z
    .array(z.string())
    .describe(
      'holders (`service@host:pid`) that did not confirm the reset in time; they take it at their next sync',
    ),
});

export const policyItem = z.object({
  name: z.string(),
  options: breakerOptions,
  stats: z.object({
    success: z.number().int().describe('successful calls, all processes, recent window'),
    failure: z.number().int().describe('failed calls, all processes, recent window (halved past 500 calls)'),
    lastTunedAt: z.number().int().describe('epoch ms of the last change auto-tuning made; 0 if none'),
  }),
});

export const policyList = z.object({ items: z.array(policyItem) });

export type CircuitBreakerView = z.infer<typeof circuitBreaker>;
export type BreakerHolderView = z.infer<typeof breakerHolder>;
export type PolicyItem = z.infer<typeof policyItem>;
export type ResetResult = z.infer<typeof resetResult>;
