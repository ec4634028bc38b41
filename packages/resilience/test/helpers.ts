import { createLogger } from '@pbshop/config';
import { createRedis } from '@pbshop/queues';
import { createTestContext, type TestContext } from '@pbshop/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { ResilienceRegistry, type ResilienceRegistryOptions } from '../src/index.ts';

export const logger = createLogger({ LOG_LEVEL: 'silent' }, 'resilience-test');

export interface RegistryTest {
  ctx: TestContext;
  /** a registry of its own "process" (its own Redis connections), under the file's key prefix */
  registry(service: string, options?: Partial<ResilienceRegistryOptions>): ResilienceRegistry;
  /** a connection the test may use or cut */
  connection(): Redis;
}

/** The file's test context, and registries whose connections are closed after the file. */
export function setupRegistryTest(): RegistryTest {
  const connections: Redis[] = [];
  const registries: ResilienceRegistry[] = [];
  const test: RegistryTest = {
    ctx: undefined as unknown as TestContext,
    connection() {
      const redis = createRedis(test.ctx.env.REDIS_URL!, 'worker');
      connections.push(redis);
      return redis;
    },
    registry(service, options = {}) {
      const created = new ResilienceRegistry({
        service,
        logger,
        redis: test.connection(),
        subscriber: test.connection(),
        keyPrefix: test.ctx.redisPrefix,
        ...options,
      });
      registries.push(created);
      return created;
    },
  };
  beforeAll(async () => {
    test.ctx = await createTestContext();
  });
  afterAll(async () => {
    await Promise.all(registries.map((registry) => registry.close()));
    for (const connection of connections) connection.disconnect();
    await test.ctx?.cleanup();
  });
  return test;
}

export const failing = async (): Promise<never> => {
  throw new Error('dependency down');
};
export const succeeding = async () => 'ok';
