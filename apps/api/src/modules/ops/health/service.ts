import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import type { Env } from '@pbshop/config';
import type { DatabaseHandle } from '@pbshop/db';
import { listWorkerBeats, queueNames } from '@pbshop/queues';
import type { SearchClient } from '@pbshop/search';
import type { Storage } from '@pbshop/storage';
import type { Redis } from 'ioredis';
import type { DependencyCheck, HealthReport } from './schemas.ts';

const run = promisify(execFile);

/** Runs one probe bounded by a timeout; a throw or a timeout is `down` with the reason. */
async function probe(timeoutMs: number, check: () => Promise<string | undefined>): Promise<DependencyCheck> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const message = await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return {
      status: 'up',
      latencyMs: Math.round(performance.now() - started),
      ...(message ? { message } : {}),
    };
  } catch (error) {
    return {
      status: 'down',
      latencyMs: Math.round(performance.now() - started),
      message: (error as Error).message,
    };
  } finally {
    clearTimeout(timer);
  }
}

export interface HealthServiceDeps {
  env: Env;
  database: DatabaseHandle;
  redis: Redis;
  search: SearchClient;
  /** the file storage (local STORAGE_DIR or the S3 bucket): its own write check */
  storage: Pick<Storage, 'check'>;
}

export function healthService(deps: HealthServiceDeps) {
  const { env } = deps;
  const timeoutMs = env.HEALTH_PROBE_TIMEOUT_MS;

  const checkDatabase = () =>
    probe(timeoutMs, async () => {
      await deps.database.sql`select 1`;
      return undefined;
    });

  const checkRedis = () =>
    probe(timeoutMs, async () => {
      // the request connection refuses commands while (re)connecting; give it the probe's time
      if (deps.redis.status !== 'ready')
        await once(deps.redis, 'ready', { signal: AbortSignal.timeout(timeoutMs) });
      await deps.redis.ping();
      return undefined;
    });

  const checkOpenSearch = () =>
    probe(timeoutMs, async () => {
      const { body } = await deps.search.cluster.health({}, { requestTimeout: timeoutMs });
      if (body.status === 'red') throw new Error('cluster status red');
      return `cluster ${body.status}`;
    });

  // the configured driver's own check: a write under STORAGE_DIR, or HeadBucket on S3
  const checkStorage = () =>
    probe(timeoutMs, async () => {
      await deps.storage.check();
      return env.STORAGE_DRIVER === 's3' ? `s3 bucket ${env.S3_BUCKET}` : undefined;
    });

  const checkFfmpeg = () =>
    probe(timeoutMs, async () => {
      const { stdout } = await run(env.FFMPEG_BIN, ['-hide_banner', '-version'], { timeout: timeoutMs });
      return stdout.split('\n')[0]?.trim();
    });

  // FFmpeg starts a process: run at start and on an interval, the rounds read the last result
  let ffmpegCheck: Promise<DependencyCheck> = checkFfmpeg();
  const ffmpegTimer = setInterval(() => {
    const next = checkFfmpeg();
    void next.then(() => {
      ffmpegCheck = next;
    });
  }, env.HEALTH_FFMPEG_INTERVAL_MS);
  ffmpegTimer.unref();

  async function round(): Promise<HealthReport> {
    const [database, redis, opensearch, storage, ffmpeg] = await Promise.all([
      checkDatabase(),
      checkRedis(),
      checkOpenSearch(),
      checkStorage(),
      ffmpegCheck,
    ]);
    const instances =
      redis.status === 'up' ? await listWorkerBeats(deps.redis, env.REDIS_KEY_PREFIX).catch(() => []) : [];
    const consumed = new Set(instances.flatMap((instance) => instance.queues));
    const checks = { database, redis, opensearch, storage, ffmpeg };
    // without PostgreSQL or Redis nothing works; the rest degrade single features
    const status =
      database.status === 'down' || redis.status === 'down'
        ? 'down'
        : Object.values(checks).some((check) => check.status !== 'up')
          ? 'degraded'
          : 'up';
    return {
      status,
      checks,
      workers: { instances, unconsumedQueues: queueNames.filter((queue) => !consumed.has(queue)) },
      checkedAt: new Date().toISOString(),
    };
  }

  // Probing load balancers and dashboards call often and at once: concurrent calls share the
  // round under way, and its answer serves HEALTH_CACHE_MS (a report says when it was checked).
  let last: { report: HealthReport; at: number } | undefined;
  let running: Promise<HealthReport> | undefined;

  return {
    report(): Promise<HealthReport> {
      if (last && performance.now() - last.at < env.HEALTH_CACHE_MS) return Promise.resolve(last.report);
      running ??= round()
        .then((report) => {
          last = { report, at: performance.now() };
          return report;
        })
        .finally(() => {
          running = undefined;
        });
      return running;
    },

    close() {
      clearInterval(ffmpegTimer);
    },
  };
}

export type HealthService = ReturnType<typeof healthService>;
