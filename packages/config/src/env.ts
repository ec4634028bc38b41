import { z } from 'zod';

const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/**
 * The one environment schema every PBShop process validates at start. `.env.example`
 * lists exactly these keys (a test keeps the two in step).
 */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9:_-]*$/i, 'letters, digits, ":", "_" and "-" only')
    .default('pbshop'),
  OPENSEARCH_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:9200'),
  OPENSEARCH_INDEX_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lowercase letters, digits, "_" and "-" only')
    .default('pbshop'),
  STORAGE_DIR: z.string().min(1).default('./.data/storage'),
  FFMPEG_BIN: z.string().min(1).default('ffmpeg'),
  FFMPEG_PRESET: z
    .enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'])
    .default('veryfast'),
  FFMPEG_CRF: z.coerce.number().int().min(0).max(51).default(23),
  WORKERS: z.enum(['separate', 'inline']).default('separate'),
  ACTIVITY_LOG_CONSUMER: booleanFlag.default(true),
  TRANSCODE_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(1),
  CRAWLER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  CRAWLER_FETCH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  SEARCH_SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(100).max(60_000).default(8000),
  HEALTH_PROBE_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(1500),
  HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
});

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`invalid environment: ${issues.join('; ')}`);
    this.name = 'EnvError';
    this.issues = issues;
  }
}

/** Parses an environment; empty strings count as unset so `.env` placeholders fall back to defaults. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = source[key];
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map((issue) => {
        const key = issue.path.join('.');
        const received = cleaned[key] === undefined ? 'missing' : `got ${JSON.stringify(cleaned[key])}`;
        return `${key}: ${issue.message} (${received})`;
      }),
    );
  }
  return result.data;
}

/**
 * For a process's main: parse the environment, or print one clear line naming each bad
 * variable and exit 1.
 */
export function loadEnvOrExit(
  processName: string,
  source: Record<string, string | undefined> = process.env,
): Env {
  try {
    return parseEnv(source);
  } catch (error) {
    if (error instanceof EnvError) {
      for (const issue of error.issues)
        process.stderr.write(`${processName}: invalid environment: ${issue}\n`);
      process.exit(1);
    }
    throw error;
  }
}

export const envKeys = Object.keys(envSchema.shape) as (keyof Env)[];
