import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { createLogger, parseEnv } from '@pbshop/config';
import { startHeartbeat } from '@pbshop/queues';
import {
  createTestContext,
  freePort,
  type PrivateRedis,
  pollUntil,
  startPrivateRedis,
  type TestContext,
} from '@pbshop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { createApiDeps } from '../src/deps.ts';

let ctx: TestContext;
let privateRedis: PrivateRedis;
let silentServer: Server;
const closers: (() => Promise<unknown>)[] = [];
const shortProbe = { HEALTH_PROBE_TIMEOUT_MS: '700' };

beforeAll(async () => {
  // on a loaded machine starting FFmpeg or a cluster-health answer can take over a second while
  // everything is up; the cases about hung dependencies set their own short bound
  ctx = await createTestContext({ HEALTH_PROBE_TIMEOUT_MS: '10000' });
  privateRedis = await startPrivateRedis();
  // accepts connections and never answers: a hung dependency
  silentServer = createServer(() => {});
  await new Promise<void>((resolve) => silentServer.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  await privateRedis.stop();
  silentServer.close();
  await ctx.cleanup();
});

async function appWith(overrides: Record<string, string> = {}) {
  const env = parseEnv({ ...ctx.env, ...overrides });
  const deps = createApiDeps(env, createLogger(env, 'api-test'));
  const app = await buildApp(deps);
  closers.push(async () => {
    await app.close();
    await deps.close();
  });
  return { app, deps };
}

async function health(app: Awaited<ReturnType<typeof appWith>>['app'], path = '/health') {
  const response = await app.inject({
    method: 'GET',
    url: path,
    headers: { 'x-request-id': 'health-test-1' },
  });
  return { status: response.statusCode, body: response.json(), headers: response.headers };
}

describe('GET /health', () => {
  it('reports every dependency up, with latencies, at the root and under /api/v1', async () => {
    const { app } = await appWith();
    for (const path of ['/health', '/api/v1/health']) {
      const { status, body, headers } = await health(app, path);
      expect(status).toBe(200);
      expect(headers['x-request-id']).toBe('health-test-1');
      expect(body.success).toBe(true);
      for (const name of ['database', 'redis', 'opensearch', 'storage', 'ffmpeg']) {
        expect(body.data.checks[name]).toMatchObject({ status: 'up', latencyMs: expect.any(Number) });
      }
      expect(body.data.status).toBe('up');
      expect(new Date(body.data.checkedAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    }
  });

  it('answers the liveness probe without touching dependencies', async () => {
    const { app } = await appWith({ DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/none` });
    const response = await app.inject({ method: 'GET', url: '/health/live' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'up' });
  });

  it('is 503 while Redis is down and recovers by itself when Redis returns', async () => {
    const { app } = await appWith({ ...shortProbe, REDIS_URL: privateRedis.url });
    expect((await health(app)).status).toBe(200);

    await privateRedis.stop();
    const down = await pollUntil(
      () => health(app),
      (result) => result.status === 503,
    );
    expect(down.status).toBe(503);
    expect(down.body.success).toBe(false);
    expect(down.body.error).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      message: expect.stringContaining('redis'),
    });
    expect(down.body.data.checks.redis.status).toBe('down');
    expect(down.body.data.checks.database.status).toBe('up');

    await privateRedis.start();
    const back = await pollUntil(
      () => health(app),
      (result) => result.status === 200,
    );
    expect(back.status).toBe(200);
    expect(back.body.data.checks.redis.status).toBe('up');
  });

  it('is 503 when PostgreSQL does not answer, within the probe timeout', async () => {
    const { app } = await appWith({
      ...shortProbe,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/none`,
    });
    const started = Date.now();
    const { status, body } = await health(app);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(status).toBe(503);
    expect(body.data.status).toBe('down');
    expect(body.data.checks.database).toMatchObject({ status: 'down', message: expect.any(String) });
  });

  it('is degraded (200) when OpenSearch is unreachable or hangs, each probe bounded', async () => {
    const closedPort = await freePort();
    const silentPort = (silentServer.address() as { port: number }).port;
    for (const url of [`http://127.0.0.1:${closedPort}`, `http://127.0.0.1:${silentPort}`]) {
      const { app } = await appWith({ ...shortProbe, OPENSEARCH_URL: url });
      const started = Date.now();
      const { status, body } = await health(app);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(status).toBe(200);
      expect(body.data.status).toBe('degraded');
      expect(body.data.checks.opensearch.status).toBe('down');
      expect(body.data.checks.opensearch.message).toBeTruthy();
    }
  });

  it('is degraded when storage is not writable or FFmpeg does not run', async () => {
    const notADirectory = join(ctx.storageDir, 'plain-file');
    writeFileSync(notADirectory, 'x');
    const { app } = await appWith({
      STORAGE_DIR: join(notADirectory, 'storage'),
      FFMPEG_BIN: '/nonexistent/ffmpeg',
    });
    const { status, body } = await health(app);
    expect(status).toBe(200);
    expect(body.data.status).toBe('degraded');
    expect(body.data.checks.storage.status).toBe('down');
    expect(body.data.checks.ffmpeg.status).toBe('down');
  });

  it('checks the configured storage driver: an unreachable S3 bucket is storage down, not the local folder', async () => {
    const { app } = await appWith({
      STORAGE_DRIVER: 's3',
      // nothing listens on port 9: the bucket cannot be reached
      S3_ENDPOINT: 'http://127.0.0.1:9',
      S3_BUCKET: 'pbshop-health',
      S3_ACCESS_KEY_ID: 'health',
      S3_SECRET_ACCESS_KEY: 'health-secret',
    });
    const { status, body } = await health(app);
    expect(status).toBe(200);
    expect(body.data.status).toBe('degraded');
    expect(body.data.checks.storage.status).toBe('down');
    expect(body.data.checks.storage.message).toBeTruthy();
  });

  it('shares one probe round between concurrent calls, reuses it briefly, and never runs FFmpeg per call', async () => {
    // an FFmpeg that counts its runs
    const runs = join(ctx.storageDir, 'ffmpeg-runs');
    const counting = join(ctx.storageDir, 'counting-ffmpeg.sh');
    writeFileSync(counting, `#!/bin/sh\necho run >> '${runs}'\necho 'ffmpeg version test'\n`, {
      mode: 0o755,
    });
    const { app } = await appWith({ FFMPEG_BIN: counting, HEALTH_CACHE_MS: '300' });
    const answers = await Promise.all(Array.from({ length: 50 }, () => health(app)));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(new Set(answers.map((answer) => answer.body.data.checkedAt)).size).toBe(1);
    expect(answers[0]!.body.data.checks.ffmpeg).toMatchObject({
      status: 'up',
      message: 'ffmpeg version test',
    });
    const later = await pollUntil(
      () => health(app),
      (result) => result.body.data.checkedAt !== answers[0]!.body.data.checkedAt,
    );
    expect(later.status).toBe(200);
    // once at start; the interval (a minute by default) has not come round
    expect(readFileSync(runs, 'utf8').trim().split('\n')).toEqual(['run']);
  });

  it('lists live workers and the queues nobody consumes', async () => {
    const { app, deps } = await appWith();
    const beat = startHeartbeat(deps.workerRedis, ctx.redisPrefix, {
      service: 'worker-crawler',
      queues: ['crawler-collect'],
      intervalMs: 1000,
    });
    const { body } = await pollUntil(
      () => health(app),
      (result) => result.body.data.workers.instances.length > 0,
    );
    expect(body.data.workers.instances).toEqual([
      expect.objectContaining({ service: 'worker-crawler', queues: ['crawler-collect'] }),
    ]);
    expect(body.data.workers.unconsumedQueues).toEqual([
      'activity-log',
      'video-transcode',
      'search-index-sync',
      'push-delivery',
    ]);
    await beat.stop();
  });
});

describe('unknown routes', () => {
  it('answer 404 NOT_FOUND in the error envelope with the request id', async () => {
    const { app } = await appWith();
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/nothing-here',
      headers: { 'x-request-id': 'abc-1' },
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({
      success: false,
      error: { code: 'NOT_FOUND', message: expect.any(String), details: expect.anything() },
      errorCode: 'NOT_FOUND',
      message: expect.any(String),
      statusCode: 404,
      requestId: 'abc-1',
      timestamp: expect.any(String),
      path: '/api/v1/nothing-here',
    });
  });

  it('replace a hostile request id with a generated one', async () => {
    const { app } = await appWith();
    const response = await app.inject({
      method: 'GET',
      url: '/health/live',
      headers: { 'x-request-id': 'bad id\r\nx: y' },
    });
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
