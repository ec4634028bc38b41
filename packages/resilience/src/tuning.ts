import type { Env } from '@pbshop/config';
import { defineScript } from '@pbshop/queues';
import type { Redis } from 'ioredis';

/**
 * Auto-tuning of each named breaker's policy (ops contract §2.B.5). Every process adds the calls
 * its breakers saw to the policy's statistics in Redis; whichever process adds them also decides,
 * in the same script, whether the policy moves:
 * - failure rate ≥ 0.4: failureThreshold − 1 (not below 2), openTimeoutMs × 1.5 (not above 120 000);
 * - failure rate ≤ 0.1: failureThreshold + 1 (not above 12), openTimeoutMs × 0.8 (not below 2000);
 * only once `minSamples` calls are counted and `cooldownMs` after the last move. Past 500 calls
 * both counts are halved, so the rate follows recent calls. Every process reads the options back
 * and its breaker uses them from then on.
 */
export interface AutoTuneSettings {
  enabled: boolean;
  minSamples: number;
  cooldownMs: number;
}

export const defaultAutoTune: AutoTuneSettings = { enabled: true, minSamples: 20, cooldownMs: 60_000 };

export function autoTuneFrom(
  env: Pick<
    Env,
    'RESILIENCE_AUTO_TUNE_ENABLED' | 'RESILIENCE_AUTO_TUNE_MIN_SAMPLES' | 'RESILIENCE_AUTO_TUNE_COOLDOWN_MS'
  >,
): AutoTuneSettings {
  return {
    enabled: env.RESILIENCE_AUTO_TUNE_ENABLED,
    minSamples: env.RESILIENCE_AUTO_TUNE_MIN_SAMPLES,
    cooldownMs: env.RESILIENCE_AUTO_TUNE_COOLDOWN_MS,
  };
}

/** The bounds and steps of §2.B.5. */
export const tuningRules = {
  highFailureRate: 0.4,
  lowFailureRate: 0.1,
  minFailureThreshold: 2,
  maxFailureThreshold: 12,
  minOpenTimeoutMs: 2000,
  maxOpenTimeoutMs: 120_000,
  openTimeoutUp: 1.5,
  openTimeoutDown: 0.8,
  halveAboveSamples: 500,
} as const;

/** A breaker's parameters, as the contract names them. */
export interface BreakerOptions {
  failureThreshold: number;
  openTimeoutMs: number;
  halfOpenSuccessThreshold: number;
}

/** One named policy as kept in Redis: its options and the statistics they are tuned by. */
export interface PolicyRecord {
  name: string;
  options: BreakerOptions;
  stats: {
    success: number;
    failure: number;
    /** epoch ms of the last change auto-tuning made; 0 when it never changed anything */
    lastTunedAt: number;
  };
  /** how many resets of this breaker were ordered (each process compares it with its own) */
  resetGeneration: number;
  /** epoch ms of the last reset ordered (0: never) */
  resetAt: number;
}

/** a policy nobody used for this long leaves Redis (a seller host that is gone) */
export const POLICY_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * KEYS: the policy hash, the set of policy names. ARGV: name, successes and failures to add, the
 * caller's starting options (failureThreshold, openTimeoutMs, halfOpenSuccessThreshold), auto-tune
 * enabled (1/0), min samples, cooldown ms, record TTL ms, the rules.
 * Answers { failureThreshold, openTimeoutMs, halfOpenSuccessThreshold, success, failure,
 * lastTunedAt, resetGeneration }.
 */
const SYNC_SCRIPT = `
local key = KEYS[1]
redis.call('SADD', KEYS[2], ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local enabled = ARGV[7] == '1'
if redis.call('HSETNX', key, 'failureThreshold', ARGV[4]) == 1 or not enabled then
  -- a new policy, or tuning off: the caller's own settings
  redis.call('HSET', key, 'failureThreshold', ARGV[4], 'openTimeoutMs', ARGV[5])
end
redis.call('HSET', key, 'halfOpenSuccessThreshold', ARGV[6])
local success = redis.call('HINCRBY', key, 'success', ARGV[2])
local failure = redis.call('HINCRBY', key, 'failure', ARGV[3])
local threshold = tonumber(redis.call('HGET', key, 'failureThreshold'))
local openMs = tonumber(redis.call('HGET', key, 'openTimeoutMs'))
local lastTunedAt = tonumber(redis.call('HGET', key, 'lastTunedAt') or '0')
local samples = success + failure
if enabled and samples >= tonumber(ARGV[8]) and now - lastTunedAt >= tonumber(ARGV[9]) then
  local rate = failure / samples
  local nextThreshold, nextOpenMs = threshold, openMs
  if rate >= tonumber(ARGV[11]) then
    if threshold > tonumber(ARGV[13]) then nextThreshold = threshold - 1 end
    if openMs < tonumber(ARGV[16]) then
      nextOpenMs = math.min(tonumber(ARGV[16]), math.floor(openMs * tonumber(ARGV[17])))
    end
  elseif rate <= tonumber(ARGV[12]) then
    if threshold < tonumber(ARGV[14]) then nextThreshold = threshold + 1 end
    if openMs > tonumber(ARGV[15]) then
      nextOpenMs = math.max(tonumber(ARGV[15]), math.floor(openMs * tonumber(ARGV[18])))
    end
  end
  if nextThreshold ~= threshold or nextOpenMs ~= openMs then
    threshold, openMs, lastTunedAt = nextThreshold, nextOpenMs, now
    redis.call('HSET', key, 'failureThreshold', threshold, 'openTimeoutMs', openMs, 'lastTunedAt', now)
  end
end
if samples > tonumber(ARGV[19]) then
  success, failure = math.floor(success / 2), math.floor(failure / 2)
  redis.call('HSET', key, 'success', success, 'failure', failure)
end
redis.call('PEXPIRE', key, ARGV[10])
local generation = tonumber(redis.call('HGET', key, 'resetGeneration') or '0')
local resetAt = tonumber(redis.call('HGET', key, 'resetAt') or '0')
return { threshold, openMs, tonumber(ARGV[6]), success, failure, lastTunedAt, generation, resetAt }
`;

interface TuningRedis extends Redis {
  breakerPolicySync(
    policyKey: string,
    policiesKey: string,
    ...args: (string | number)[]
  ): Promise<[number, number, number, number, number, number, number, number]>;
}

/** The keys of the breakers of one install; the hash tag keeps them in one Redis Cluster slot. */
export function breakerKeys(prefix: string) {
  const base = `{${prefix}:breakers}`;
  return {
    /** sorted set: each process's breaker document key, scored by when it expires */
    holders: `${base}:holders`,
    /** one process's breakers: a JSON document with a TTL */
    held: (service: string, instance: string) => `${base}:held:${service}:${instance}`,
    /** set of every policy name */
    policies: `${base}:policies`,
    /** hash: a policy's options, statistics and reset generation */
    policy: (name: string) => `${base}:policy:${name}`,
    /** pub/sub: `{ name, generation }` of each reset */
    resetChannel: `${prefix}:breakers:reset`,
  };
}

/**
 * Adds one process's counts to a policy, lets auto-tuning decide, and answers the policy as it
 * now is.
 */
export async function syncPolicy(
  redis: Redis,
  prefix: string,
  name: string,
  counts: { success: number; failure: number },
  starting: BreakerOptions,
  autoTune: AutoTuneSettings,
): Promise<PolicyRecord> {
  const tuning = redis as TuningRedis;
  await defineScript(redis, 'breakerPolicySync', { numberOfKeys: 2, lua: SYNC_SCRIPT });
  const keys = breakerKeys(prefix);
  const rules = tuningRules;
  const [
    failureThreshold,
    openTimeoutMs,
    halfOpenSuccessThreshold,
    success,
    failure,
    lastTunedAt,
    generation,
    resetAt,
  ] = await tuning.breakerPolicySync(
    keys.policy(name),
    keys.policies,
    name,
    counts.success,
    counts.failure,
    starting.failureThreshold,
    starting.openTimeoutMs,
    starting.halfOpenSuccessThreshold,
    autoTune.enabled ? 1 : 0,
    autoTune.minSamples,
    autoTune.cooldownMs,
    POLICY_TTL_MS,
    rules.highFailureRate,
    rules.lowFailureRate,
    rules.minFailureThreshold,
    rules.maxFailureThreshold,
    rules.minOpenTimeoutMs,
    rules.maxOpenTimeoutMs,
    rules.openTimeoutUp,
    rules.openTimeoutDown,
    rules.halveAboveSamples,
  );
  return {
    name,
    options: { failureThreshold, openTimeoutMs, halfOpenSuccessThreshold },
    stats: { success, failure, lastTunedAt },
    resetGeneration: generation,
    resetAt,
  };
}

function recordFrom(name: string, hash: Record<string, string>): PolicyRecord | null {
  if (hash.failureThreshold === undefined) return null;
  const number = (field: string) => Number(hash[field] ?? 0);
  return {
    name,
    options: {
      failureThreshold: number('failureThreshold'),
      openTimeoutMs: number('openTimeoutMs'),
      halfOpenSuccessThreshold: number('halfOpenSuccessThreshold'),
    },
    stats: { success: number('success'), failure: number('failure'), lastTunedAt: number('lastTunedAt') },
    resetGeneration: number('resetGeneration'),
    resetAt: number('resetAt'),
  };
}

/** Every policy kept in Redis, by name; names whose record expired are dropped from the set. */
export async function readPolicies(redis: Redis, prefix: string): Promise<PolicyRecord[]> {
  const keys = breakerKeys(prefix);
  const names = (await redis.smembers(keys.policies)).sort();
  const hashes = await Promise.all(names.map((name) => redis.hgetall(keys.policy(name))));
  const records: PolicyRecord[] = [];
  const gone: string[] = [];
  names.forEach((name, index) => {
    const record = recordFrom(name, hashes[index] ?? {});
    if (record) records.push(record);
    else gone.push(name);
  });
  if (gone.length > 0) await redis.srem(keys.policies, ...gone).catch(() => 0);
  return records;
}

export async function readPolicy(redis: Redis, prefix: string, name: string): Promise<PolicyRecord | null> {
  return recordFrom(name, await redis.hgetall(breakerKeys(prefix).policy(name)));
}

/** Orders a reset of the named breaker: its new reset generation. */
export async function nextResetGeneration(redis: Redis, prefix: string, name: string): Promise<number> {
  const key = breakerKeys(prefix).policy(name);
  const [[error, generation] = [], [expireError] = []] =
    (await redis
      .multi()
      .hincrby(key, 'resetGeneration', 1)
      .pexpire(key, POLICY_TTL_MS)
      .hset(key, 'resetAt', Date.now())
      .exec()) ?? [];
  if (error || expireError) throw error ?? expireError;
  return Number(generation);
}
