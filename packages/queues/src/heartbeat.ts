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

function heartbeatPattern(keyPrefix: string): string {
  return `${keyPrefix}:heartbeat:*`;
}

/**
 * Publishes this process's heartbeat as a Redis key that expires after three intervals, so the
 * API can tell which workers are alive without them registering anywhere.
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
    // a beat missed while Redis is down is simply missed; the next one restores the key
    redis.set(key, JSON.stringify(value), 'PX', options.intervalMs * 3).catch(() => {});
  };
  beat();
  const timer = setInterval(beat, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await redis.del(key).catch(() => {});
    },
  };
}

/** Every live heartbeat of an install. */
export async function listWorkerBeats(redis: Redis, keyPrefix: string): Promise<WorkerBeat[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', heartbeatPattern(keyPrefix), 'COUNT', 200);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(keys);
  return values
    .filter((value): value is string => value !== null)
    .map((value) => JSON.parse(value) as WorkerBeat)
    .sort((a, b) => a.service.localeCompare(b.service) || a.instance.localeCompare(b.instance));
}
