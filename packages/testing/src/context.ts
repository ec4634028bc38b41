import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { serviceUrls } from './services.ts';

export interface TestContext {
  /** a complete environment for a PBShop process, isolated to this test file */
  env: Record<string, string>;
  database: TestDatabase;
  redisPrefix: string;
  indexPrefix: string;
  storageDir: string;
  cleanup(): Promise<void>;
}

/**
 * Everything one test file needs to run beside others: its own database, Redis key prefix,
 * OpenSearch index prefix and storage folder. Call `cleanup` in afterAll.
 */
export async function createTestContext(overrides: Record<string, string> = {}): Promise<TestContext> {
  const id = randomBytes(4).toString('hex');
  const database = await createTestDatabase();
  const redisPrefix = `t:${id}`;
  const indexPrefix = `t-${id}`;
  const storageDir = await mkdtemp(join(tmpdir(), `pbshop-${id}-`));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    DATABASE_POOL_MAX: '4',
    REDIS_URL: serviceUrls.redis,
    REDIS_KEY_PREFIX: redisPrefix,
    OPENSEARCH_URL: serviceUrls.opensearch,
    OPENSEARCH_INDEX_PREFIX: indexPrefix,
    STORAGE_DIR: storageDir,
    FFMPEG_BIN: process.env.FFMPEG_BIN ?? 'ffmpeg',
    HEARTBEAT_INTERVAL_MS: '500',
    SHUTDOWN_GRACE_MS: '3000',
    JWT_SECRET: randomBytes(32).toString('hex'),
    ARGON2_MEMORY_KIB: '4096',
    ARGON2_TIME_COST: '1',
    MAIL_DIR: join(storageDir, 'mail'),
    // Web Push configured, as in production (a test of the unconfigured API sets both to '')
    ...vapidKeys(),
    ...overrides,
  };
  return {
    env,
    database,
    redisPrefix,
    indexPrefix,
    storageDir,
    async cleanup() {
      await Promise.allSettled([
        database.drop(),
        deleteRedisKeys(serviceUrls.redis, redisPrefix),
        fetch(`${serviceUrls.opensearch}/${indexPrefix}-*`, { method: 'DELETE' }),
        rm(storageDir, { recursive: true, force: true }),
      ]);
    },
  };
}

/** A VAPID key pair as the env takes it: the uncompressed P-256 point and the private scalar, base64url. */
function vapidKeys(): { VAPID_PUBLIC_KEY: string; VAPID_PRIVATE_KEY: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const { x, y } = publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(x ?? '', 'base64url'),
    Buffer.from(y ?? '', 'base64url'),
  ]);
  return {
    VAPID_PUBLIC_KEY: point.toString('base64url'),
    VAPID_PRIVATE_KEY: privateKey.export({ format: 'jwk' }).d ?? '',
  };
}

async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    // BullMQ keys start with "{prefix:bull}", ours with "prefix:"
    for (const pattern of [`${prefix}:*`, `{${prefix}:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}
