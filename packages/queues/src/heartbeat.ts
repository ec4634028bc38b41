import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { QueueName } from './names.ts';

export interface WorkerBeat {
  service: string;
  instance: string;
  queues: QueueName[];
  startedAt: string;
  beatAt: string;
}

/** The heartbeat keys by expiry time: listing them reads this index, never scans the keyspace. */
function heartbeatIndex(keyPrefix: string): string {
  return `${keyPrefix}:heartbeats`;
}

/**
 * Publishes this process's heartbeat as a Redis key that expires after three intervals (indexed
 * by that expiry), so the API can tell which workers are alive without them registering anywhere.
 */
export function startHeartbeat(
  redis: Redis,
  keyPrefix: string,
  options: { service: string; queues: QueueName[]; intervalMs: number },
): { stop(): Promise<void> } {
  const instance = `${hostname()}:${process.pid}`;
  const key = `${keyPrefix}:heartbeat:${options.service}:${instance}`;
  const startedAt = new Date().toISOString();
  const beat = () => {
    const value: WorkerBeat = {
      service: options.service,
      instance,
      queues: options.queues,
      startedAt,
      beatAt: new Date().toISOString(),
    };
    const ttlMs = options.intervalMs * 3;
    // a beat missed while Redis is down is simply missed; the next one restores the key
    redis
      .multi()
      .set(key, JSON.stringify(value), 'PX', ttlMs)
      .zadd(heartbeatIndex(keyPrefix), Date.now() + ttlMs, key)
      .exec()
      .catch(() => {});
  };
  beat();
  const timer = setInterval(beat, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await redis
        .multi()
        .del(key)
        .zrem(heartbeatIndex(keyPrefix), key)
        .exec()
        .catch(() => {});
    },
  };
}

/** Every live heartbeat of an install. */
export async function listWorkerBeats(redis: Redis, keyPrefix: string): Promise<WorkerBeat[]> {
  const index = heartbeatIndex(keyPrefix);
  // entries past their expiry belong to processes that died without stopping
  await redis.zremrangebyscore(index, '-inf', Date.now());
  const keys = await redis.zrange(index, 0, -1);
  if (keys.length === 0) return [];
  const values = await redis.mget(keys);
  return values
    .filter((value): value is string => value !== null)
    .map((value) => JSON.parse(value) as WorkerBeat)
    .sort((a, b) => a.service.localeCompare(b.service) || a.instance.localeCompare(b.instance));
}
