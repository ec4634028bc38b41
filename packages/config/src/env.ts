import { resolve } from 'node:path';
import { z } from 'zod';

/** The repository's root: `.env` and relative paths in it are read from here, whatever the cwd. */
export const repoRoot = resolve(import.meta.dirname, '../../..');

/** A folder, relative ones taken from the repository root (a worker in apps/x finds the API's files). */
const folder = (fallback: string) =>
  z
    .string()
    .min(1)
    .default(fallback)
    .transform((path) => resolve(repoRoot, path));

export const socialProviders = ['google', 'naver', 'kakao', 'facebook', 'instagram'] as const;
export type SocialProviderName = (typeof socialProviders)[number];

/** Where each provider's OAuth 2.0 endpoints are, unless the env points elsewhere (tests do). */
export const oauthEndpointDefaults: Record<
  SocialProviderName,
  { authorize: string; token: string; userinfo: string }
> = {
  google: {
    authorize: 'https://accounts.google.com/o/oauth2/v2/auth',
    token: 'https://oauth2.googleapis.com/token',
    userinfo: 'https://openidconnect.googleapis.com/v1/userinfo',
  },
  naver: {
    authorize: 'https://nid.naver.com/oauth2.0/authorize',
    token: 'https://nid.naver.com/oauth2.0/token',
    userinfo: 'https://openapi.naver.com/v1/nid/me',
  },
  kakao: {
    authorize: 'https://kauth.kakao.com/oauth/authorize',
    token: 'https://kauth.kakao.com/oauth/token',
    userinfo: 'https://kapi.kakao.com/v2/user/me',
  },
  facebook: {
    authorize: 'https://www.facebook.com/v19.0/dialog/oauth',
    token: 'https://graph.facebook.com/v19.0/oauth/access_token',
    userinfo: 'https://graph.facebook.com/me?fields=id,name,email',
  },
  instagram: {
    authorize: 'https://api.instagram.com/oauth/authorize',
    token: 'https://api.instagram.com/oauth/access_token',
    userinfo: 'https://graph.instagram.com/me?fields=id,username',
  },
};

const oauthKeys = Object.fromEntries(
  socialProviders.flatMap((provider) => {
    const prefix = `OAUTH_${provider.toUpperCase()}`;
    const defaults = oauthEndpointDefaults[provider];
    return [
      [`${prefix}_CLIENT_ID`, z.string().min(1).optional()],
      [`${prefix}_CLIENT_SECRET`, z.string().min(1).optional()],
      [`${prefix}_AUTHORIZE_URL`, z.url({ protocol: /^https?$/ }).default(defaults.authorize)],
      [`${prefix}_TOKEN_URL`, z.url({ protocol: /^https?$/ }).default(defaults.token)],
      [`${prefix}_USERINFO_URL`, z.url({ protocol: /^https?$/ }).default(defaults.userinfo)],
    ];
  }),
) as Record<string, z.ZodType<string | undefined>>;

const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/**
 * The one environment schema every PBShop process validates at start. `.env.example`
 * lists exactly these keys (a test keeps the two in step).
 */
const envShape = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  DATABASE_READ_POOL_MAX: z.coerce.number().int().min(1).max(200).default(2),
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
  STORAGE_DIR: folder('./.data/storage'),
  // where files live: `local` (STORAGE_DIR) or `s3` (an S3-compatible bucket, the S3_* keys)
  STORAGE_DRIVER: z.enum(['local', 's3']).default('local'),
  // signs the local driver's pre-signed URLs (HMAC-SHA256); unset: a key derived from JWT_SECRET
  STORAGE_URL_SECRET: z.string().min(32, 'at least 32 characters (e.g. `openssl rand -hex 32`)').optional(),
  // the S3 driver: endpoint (unset: AWS itself), region, bucket, keys, path-style addressing
  S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name')
    .default('pbshop'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: booleanFlag.default(true),
  // uploads: per member, files per rolling hour and megabytes per day (429 UPLOAD_QUOTA_EXCEEDED);
  // files in one POST /media/upload; how long a pre-signed upload URL lives, and how long an
  // issued pre-signed upload may stay uncompleted before the sweep deletes it
  UPLOAD_QUOTA_FILES_PER_HOUR: z.coerce.number().int().min(1).max(1_000_000).default(120),
  UPLOAD_QUOTA_MB_PER_DAY: z.coerce.number().int().min(1).max(10_000_000).default(2048),
  MEDIA_UPLOAD_MAX_FILES: z.coerce.number().int().min(1).max(50).default(10),
  MEDIA_PRESIGNED_EXPIRES_SECONDS: z.coerce.number().int().min(60).max(604_800).default(900),
  MEDIA_PENDING_UPLOAD_TTL_MINUTES: z.coerce.number().int().min(5).max(10_080).default(60),
  FFMPEG_BIN: z.string().min(1).default('ffmpeg'),
  FFMPEG_PRESET: z
    .enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'])
    .default('veryfast'),
  FFMPEG_CRF: z.coerce.number().int().min(0).max(51).default(23),
  WORKERS: z.enum(['separate', 'inline']).default('separate'),
  ACTIVITY_LOG_CONSUMER: booleanFlag.default(true),
  TRANSCODE_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(1),
  // one transcode (all its FFmpeg runs) is killed after this long and retried (the queue's attempts)
  TRANSCODE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(21_600_000).default(600_000),
  CRAWLER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  CRAWLER_FETCH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  // crawler: retries of one page (network, 5xx, 429), the least time between two requests to one
  // host and how many may run at once on it (in Redis: every replica together), the page size
  // cap, robots.txt cache time, and failed runs in a row before a job is turned off
  CRAWLER_FETCH_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  CRAWLER_HOST_MIN_INTERVAL_MS: z.coerce.number().int().min(0).max(600_000).default(1000),
  CRAWLER_HOST_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  CRAWLER_MAX_PAGE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(5 * 1024 * 1024),
  CRAWLER_ROBOTS_CACHE_MS: z.coerce.number().int().min(0).max(86_400_000).default(3_600_000),
  CRAWLER_AUTO_DISABLE_AFTER: z.coerce.number().int().min(0).max(1000).default(5),
  // a collected price below lower × or above upper × the product's robust centre (median of the
  // other sellers' offers and the seller's last 30 days) is held as a fraud alert (jobs with detectAnomaly)
  CRAWLER_ANOMALY_LOWER_RATIO: z.coerce.number().min(0).max(1).default(0.5),
  CRAWLER_ANOMALY_UPPER_RATIO: z.coerce.number().min(1).max(100).default(1.8),
  // the local seller-site simulator dev.sh starts (three shops on this port and the next two)
  CRAWLER_SIMULATOR_PORT: z.coerce.number().int().min(1).max(65533).default(8700),
  // circuit-breaker auto-tuning (ops contract §2.B.5): on/off, calls counted before a policy may
  // move, and the least time between two moves of one policy
  RESILIENCE_AUTO_TUNE_ENABLED: booleanFlag.default(true),
  RESILIENCE_AUTO_TUNE_MIN_SAMPLES: z.coerce.number().int().min(1).max(1_000_000).default(20),
  RESILIENCE_AUTO_TUNE_COOLDOWN_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
  SEARCH_SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  // search index sync (transactional outbox → worker-search → OpenSearch)
  SEARCH_OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(200),
  SEARCH_OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  SEARCH_OUTBOX_BACKOFF_MS: z.coerce.number().int().min(10).max(3_600_000).default(1000),
  SEARCH_OUTBOX_LEASE_MS: z.coerce.number().int().min(500).max(3_600_000).default(60_000),
  SEARCH_OUTBOX_SWEEP_MS: z.coerce.number().int().min(200).max(86_400_000).default(30_000),
  SEARCH_OUTBOX_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  SEARCH_REINDEX_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(1000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(100).max(60_000).default(8000),
  HEALTH_PROBE_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(1500),
  // concurrent /health calls share one probe round, and its answer serves this long (0: each round is new)
  HEALTH_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  // FFmpeg is run at start and then this often, never per request
  HEALTH_FFMPEG_INTERVAL_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  // popular search keywords: the ranking is recomputed at most this often (0: on every request)
  SEARCH_POPULAR_REFRESH_MS: z.coerce.number().int().min(0).max(86_400_000).default(300_000),
  // popular search keywords: the sliding window the searches are counted over
  SEARCH_POPULAR_WINDOW_MINUTES: z.coerce.number().int().min(1).max(1440).default(60),
  // observability: per-request metrics (15-minute window, through Redis) and the recent-trace buffer
  OBS_ENABLED: booleanFlag.default(true),
  // traces kept per API process; out-of-range values are clamped to 100..5000
  OBS_TRACE_BUFFER_LIMIT: z.coerce
    .number()
    .int()
    .default(500)
    .transform((value) => Math.min(5000, Math.max(100, value))),
  // how often each API process adds its request counts to Redis
  OBS_FLUSH_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  // ops dashboard alerts (contract §2.B.7): an alert fires when the value >= its threshold; <= 0 disables it
  OPS_ALERT_SEARCH_FAILED_THRESHOLD: z.coerce
    .number()
    .int()
    .default(1)
    .transform((value) => Math.max(0, value)),
  OPS_ALERT_CRAWLER_FAILED_RUNS_THRESHOLD: z.coerce
    .number()
    .int()
    .default(1)
    .transform((value) => Math.max(0, value)),
  OPS_ALERT_QUEUE_FAILED_THRESHOLD: z.coerce
    .number()
    .int()
    .default(1)
    .transform((value) => Math.max(0, value)),
  // rollback signals (ops runbook §6): the 5xx rate of the search and price-comparison APIs over
  // the observability window that fires the signal (<= 0 disables), and the requests it needs first
  OPS_ROLLBACK_ERROR_RATE_THRESHOLD: z.coerce.number().min(0).max(1).default(0.05),
  OPS_ROLLBACK_MIN_REQUESTS: z.coerce.number().int().min(1).max(1_000_000).default(20),
  // failed jobs rising: the failed count now against the one sampled at least this long ago
  OPS_ROLLBACK_FAILED_JOBS_LOOKBACK_MS: z.coerce.number().int().min(100).max(86_400_000).default(300_000),
  // integrity: outbox rows PENDING (due) or PROCESSING (lease over) for longer than this are stuck
  OPS_ROLLBACK_OUTBOX_STUCK_MS: z.coerce.number().int().min(100).max(86_400_000).default(600_000),
  // payment failures sustained (ops runbook §6): fires when each minute of the window has at least
  // this many failed (or unsettled PENDING) payments; <= 0 disables
  OPS_ROLLBACK_PAYMENT_FAILURES_PER_MINUTE: z.coerce
    .number()
    .int()
    .default(1)
    .transform((value) => Math.max(0, value)),
  OPS_ROLLBACK_PAYMENT_WINDOW_MINUTES: z.coerce.number().int().min(1).max(1440).default(10),
  // integrity: how many of the newest products the lowest-price check reads per evaluation
  OPS_INTEGRITY_PRODUCT_SAMPLE: z.coerce.number().int().min(1).max(1_000_000).default(2000),
  // concurrent summary calls share one evaluation, and its answer serves this long (0: each call is new)
  OPS_DASHBOARD_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  // how long the summary waits for each part (a part past it is null, its cause in errors): below
  // HEALTH_PROBE_TIMEOUT_MS so a hanging dependency never holds the dashboard longer than this
  OPS_DASHBOARD_PART_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(1000),
  // Idempotency-Key: how long a first request holds its key (longer than the payment gateway's
  // timeout, so only a request whose process died loses it to a retry)
  IDEMPOTENCY_LEASE_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  // orders: an order unpaid this many minutes after it was placed is cancelled and its stock
  // released by the commerce sweep, which runs every COMMERCE_SWEEP_INTERVAL_MS in each API process
  // (one at a time across replicas) and also expires points a year after they were credited
  ORDER_PAYMENT_TIMEOUT_MINUTES: z.coerce.number().int().min(1).max(10_080).default(30),
  COMMERCE_SWEEP_INTERVAL_MS: z.coerce.number().int().min(1000).max(86_400_000).default(60_000),
  // badges: the sweep that grants AUTO badges to every member whose metric reached the threshold
  // (post counts, new badges, thresholds lowered), one API replica at a time
  BADGE_SWEEP_INTERVAL_MS: z.coerce.number().int().min(1000).max(86_400_000).default(600_000),
  // seller trust: the sweep that recomputes every seller's score from orders, returns, disputes,
  // flagged prices and Q&A answers (a review write recomputes its seller at once), one replica at a time
  TRUST_SWEEP_INTERVAL_MS: z.coerce.number().int().min(1000).max(86_400_000).default(3_600_000),
  // reverse auctions: the sweep that expires OPEN auctions past their deadline and notifies their
  // owners and bidders, one replica at a time (bids and selections are refused after the deadline anyway)
  AUCTION_SWEEP_INTERVAL_MS: z.coerce.number().int().min(1000).max(86_400_000).default(60_000),
  // Web Push (API §28): the VAPID key pair (`pnpm push:vapid-keys` prints one) and the contact
  // the push services see (mailto: or https:); without the keys subscriptions are still kept, but
  // nothing is sent (503 PUSH_NOT_CONFIGURED). Deliveries are the push-delivery queue's jobs,
  // consumed by the API unless PUSH_DELIVERY_CONSUMER=false; one send is abandoned after
  // PUSH_SEND_TIMEOUT_MS (and retried). PUSH_ALLOW_LOOPBACK_HTTP admits http:// endpoints on
  // 127.0.0.1/localhost (tests, a local push server); never in production
  VAPID_PUBLIC_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{87}$/, 'the base64url of a 65-byte uncompressed P-256 point')
    .optional(),
  VAPID_PRIVATE_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, 'the base64url of a 32-byte P-256 private key')
    .optional(),
  VAPID_SUBJECT: z
    .string()
    .regex(/^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+)$/, 'a mailto: address or an https: URL')
    .default('mailto:ops@pbshop.local'),
  PUSH_DELIVERY_CONSUMER: booleanFlag.default(true),
  PUSH_SEND_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  PUSH_ALLOW_LOOPBACK_HTTP: booleanFlag.default(false),
  // exchange rates (I18N-04/05): the provider's URL, answering open.er-api.com's JSON
  // (`{ result: "success", base_code, rates: { KRW, USD, JPY, ... }, time_last_update_unix }`);
  // without it no rate is fetched and the rate reads answer 503 EXCHANGE_RATE_UNAVAILABLE. The
  // refresh runs every EXCHANGE_RATE_REFRESH_INTERVAL_MS in each API process (one at a time across
  // replicas); rates older than EXCHANGE_RATE_STALE_AFTER_MS are served with `stale: true`
  EXCHANGE_RATE_URL: z.url({ protocol: /^https?$/ }).optional(),
  EXCHANGE_RATE_REFRESH_INTERVAL_MS: z.coerce.number().int().min(1000).max(86_400_000).default(3_600_000),
  EXCHANGE_RATE_STALE_AFTER_MS: z.coerce.number().int().min(1000).max(604_800_000).default(93_600_000),
  // each call to the provider is abandoned after this long (under the `exchange-rates` breaker)
  EXCHANGE_RATE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  // payments (api-contract "Decisions"): the Toss-style payment gateway the API confirms and cancels
  // payments at, and its secret key (HTTP Basic, `secretKey:`); the local gateway simulator's port
  // (dev.sh; 0: any free port, printed at start)
  PAYMENT_GATEWAY_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8790'),
  PAYMENT_GATEWAY_SECRET_KEY: z.string().min(8).default('test_sk_pbshop_simulator'),
  // each call to the gateway is abandoned after this long (its outcome is then asked later);
  // IDEMPOTENCY_LEASE_MS must stay above it
  PAYMENT_GATEWAY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  PAYMENT_GATEWAY_SIM_PORT: z.coerce.number().int().min(0).max(65535).default(8790),
  // a payment PENDING longer than this (its confirm timed out or its process died) is settled by
  // asking the gateway; above the gateway timeout (10 s) so a confirm still running is left alone
  PAYMENT_RECONCILE_AFTER_MS: z.coerce.number().int().min(1000).max(86_400_000).default(60_000),
  // how often the reconciler runs in each API process (one at a time across replicas)
  PAYMENT_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(500).max(3_600_000).default(30_000),
  // Prometheus: bearer token for GET /metrics (the API serves /metrics only when it is set)
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters (e.g. `openssl rand -hex 24`)').optional(),
  // each worker's Prometheus port (0: no metrics endpoint)
  WORKER_SEARCH_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  WORKER_TRANSCODE_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  WORKER_CRAWLER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8000'),
  CORS_ORIGINS: z
    .string()
    .default('http://localhost:3000,http://127.0.0.1:3000')
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    ),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(10_000_000).default(60),
  AUTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(10_000_000).default(10),
  // per member, on each route where members write for others to read (posts, comments, likes, Q&A)
  MEMBER_WRITE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(10_000_000).default(20),
  JWT_SECRET: z.string().min(32, 'at least 32 characters (e.g. `openssl rand -hex 32`)'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(1800),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  // the queue UI's session cookie (POST /api/v1/admin/queues/ui/session): how long it lets an ADMIN in
  QUEUE_UI_SESSION_TTL_SECONDS: z.coerce.number().int().min(60).max(43_200).default(900),
  ARGON2_MEMORY_KIB: z.coerce.number().int().min(1024).max(1_048_576).default(19_456),
  ARGON2_TIME_COST: z.coerce.number().int().min(1).max(10).default(2),
  MAIL_TRANSPORT: z.enum(['file', 'smtp']).default('file'),
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  MAIL_FROM: z.string().min(3).default('PBShop <no-reply@pbshop.local>'),
  MAIL_DIR: folder('./.data/mail'),
  ADMIN_EMAIL: z.email().optional(),
  ADMIN_PASSWORD: z.string().min(12, 'at least 12 characters').optional(),
  ...oauthKeys,
});

export const envSchema = envShape.superRefine((env, context) => {
  if (env.MAIL_TRANSPORT === 'smtp' && !env.SMTP_URL) {
    context.addIssue({ code: 'custom', path: ['SMTP_URL'], message: 'required when MAIL_TRANSPORT=smtp' });
  }
  if (env.STORAGE_DRIVER === 's3') {
    for (const key of ['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const) {
      if (!env[key])
        context.addIssue({ code: 'custom', path: [key], message: 'required when STORAGE_DRIVER=s3' });
    }
  }
  if (Boolean(env.VAPID_PUBLIC_KEY) !== Boolean(env.VAPID_PRIVATE_KEY)) {
    context.addIssue({
      code: 'custom',
      path: ['VAPID_PRIVATE_KEY'],
      message: 'VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY go together',
    });
  }
  if (env.PUSH_ALLOW_LOOPBACK_HTTP && env.NODE_ENV === 'production') {
    context.addIssue({ code: 'custom', path: ['PUSH_ALLOW_LOOPBACK_HTTP'], message: 'not in production' });
  }
  if (Boolean(env.ADMIN_EMAIL) !== Boolean(env.ADMIN_PASSWORD)) {
    context.addIssue({
      code: 'custom',
      path: ['ADMIN_PASSWORD'],
      message: 'ADMIN_EMAIL and ADMIN_PASSWORD go together',
    });
  }
});

export const envKeys = Object.keys(envShape.shape) as (keyof Env)[];

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`invalid environment: ${issues.join('; ')}`);
    this.name = 'EnvError';
    this.issues = issues;
  }
}

function cleanedSource(source: Record<string, string | undefined>): Record<string, string> {
  const cleaned: Record<string, string> = {};
  for (const key of envKeys) {
    const value = source[key];
    if (value !== undefined && value !== '') cleaned[key] = value;
  }
  return cleaned;
}

function issuesOf(error: z.ZodError, cleaned: Record<string, string>): string[] {
  return error.issues.map((issue) => {
    const key = issue.path.join('.');
    const value = cleaned[key];
    // secrets are never echoed into logs
    const received =
      value === undefined
        ? 'missing'
        : /PASSWORD|SECRET|PRIVATE_KEY|^METRICS_TOKEN$/.test(key)
          ? 'value hidden'
          : `got ${JSON.stringify(value)}`;
    return `${key}: ${issue.message} (${received})`;
  });
}

/** Parses an environment; empty strings count as unset so `.env` placeholders fall back to defaults. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const cleaned = cleanedSource(source);
  const result = envSchema.safeParse(cleaned);
  if (!result.success) throw new EnvError(issuesOf(result.error, cleaned));
  return result.data;
}

/** Parses only the named keys: for commands (migrations, CLIs) that need a few of them. */
export function parseEnvSubset<K extends keyof Env>(
  keys: readonly K[],
  source: Record<string, string | undefined> = process.env,
): Pick<Env, K> {
  const cleaned = cleanedSource(source);
  const mask = Object.fromEntries(keys.map((key) => [key, true])) as Record<K, true>;
  const result = envShape.pick(mask as never).safeParse(cleaned);
  if (!result.success) throw new EnvError(issuesOf(result.error, cleaned));
  return result.data as unknown as Pick<Env, K>;
}

/**
 * Reads the repository's `.env` into `process.env` as `./scripts/dev.sh` does, so every process
 * and root `pnpm` script sees the same settings; variables already set win. Tests
 * (`NODE_ENV=test`) set their own and never read it.
 */
export function loadRepoEnvFile(path = resolve(repoRoot, '.env')): void {
  if (process.env.NODE_ENV === 'test') return;
  try {
    process.loadEnvFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * For a process's main: parse the environment, or print one clear line naming each bad
 * variable and exit 1.
 */
export function loadEnvOrExit(processName: string, source?: Record<string, string | undefined>): Env;
export function loadEnvOrExit<K extends keyof Env>(
  processName: string,
  source: Record<string, string | undefined>,
  keys: readonly K[],
): Pick<Env, K>;
export function loadEnvOrExit<K extends keyof Env>(
  processName: string,
  source: Record<string, string | undefined> = process.env,
  keys?: readonly K[],
): Env | Pick<Env, K> {
  if (source === process.env) loadRepoEnvFile();
  try {
    return keys ? parseEnvSubset(keys, source) : parseEnv(source);
  } catch (error) {
    if (error instanceof EnvError) {
      for (const issue of error.issues)
        process.stderr.write(`${processName}: invalid environment: ${issue}\n`);
      process.exit(1);
    }
    throw error;
  }
}
