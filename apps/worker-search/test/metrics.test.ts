// worker-search's Prometheus endpoint (WORKER_SEARCH_METRICS_PORT): behind METRICS_TOKEN, the
// exposition parses as the text format and carries its job runs (the bootstrap job it runs at
// start), the depth of search-index-sync, its breakers, the search outbox backlog and the default
// process metrics. The worker is a real child process.
import { createDatabase, type DatabaseHandle } from '@pbshop/db';
import { recordSearchChange } from '@pbshop/search';
import {
  createTestContext,
  freePort,
  parseExposition,
  type RunningProcess,
  samplesOf,
  type TestContext,
} from '@pbshop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processTracker, waitFor } from './helpers.ts';

const METRICS_TOKEN = 'worker-metrics-token-0123456789';

let ctx: TestContext;
let worker: RunningProcess;
let database: DatabaseHandle;
let url: string;
const workers = processTracker();

beforeAll(async () => {
  ctx = await createTestContext();
  database = createDatabase(ctx.env.DATABASE_URL!, { max: 1 });
  const port = await freePort();
  url = `http://127.0.0.1:${port}/metrics`;
  worker = workers.spawn({
    ...ctx.env,
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    WORKER_SEARCH_METRICS_PORT: String(port),
    METRICS_TOKEN,
  });
  await worker.waitForLog((line) => line.msg === 'metrics listening');
  await worker.waitForLog((line) => line.msg === 'ready');
});

afterAll(async () => {
  await workers.stopAll();
  await database?.close();
  await ctx?.cleanup();
});

const scrape = (authorization?: string) => fetch(url, { headers: authorization ? { authorization } : {} });

async function exposition() {
  const response = await scrape(`Bearer ${METRICS_TOKEN}`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await response.text());
}

describe('worker-search /metrics', () => {
  it('needs the bearer token; other paths are 404', async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape('Bearer not-the-token-at-all-x')).status).toBe(401);
    expect((await fetch(url.replace('/metrics', '/other'))).status).toBe(404);
  });

  it('counts its job runs by result, with durations, and the depth of the queue it consumes', async () => {
    // the bootstrap job runs at start
    const families = await waitFor('the bootstrap run counted', async () => {
      const read = await exposition();
      const completed = samplesOf(read, 'pbshop_jobs_total', {
        queue: 'search-index-sync',
        result: 'completed',
      })[0];
      return (completed?.value ?? 0) >= 1 && read;
    });
    expect(families.get('pbshop_job_duration_seconds')?.type).toBe('histogram');
    const durations = samplesOf(families, 'pbshop_job_duration_seconds_count', {
      queue: 'search-index-sync',
      result: 'completed',
      service: 'worker-search',
    });
    expect(durations[0]?.value).toBeGreaterThanOrEqual(1);
    const depth = samplesOf(families, 'pbshop_queue_jobs', { queue: 'search-index-sync' });
    expect(depth.map((sample) => sample.labels.state).sort()).toEqual([
      'active',
      'delayed',
      'failed',
      'waiting',
    ]);
    expect(samplesOf(families, 'pbshop_queue_jobs', { queue: 'crawler-collect' })).toEqual([]);
    expect(samplesOf(families, 'pbshop_metrics_source_up', { source: 'queues' })[0]?.value).toBe(1);
  });

  it("shows its breakers' states and the search outbox backlog and lag", async () => {
    await recordSearchChange(database.db, {
      eventType: 'PRODUCT_UPSERT',
      productIds: [999_999_001],
      payload: { reason: 'metrics-test' },
    });
    const families = await waitFor('the search breaker published', async () => {
      const read = await exposition();
      return (
        samplesOf(read, 'pbshop_circuit_breaker_state', { breaker: 'search', state: 'closed' }).length > 0 &&
        read
      );
    });
    expect(
      samplesOf(families, 'pbshop_circuit_breaker_state', { breaker: 'search', state: 'closed' })[0]?.value,
    ).toBe(1);
    expect(
      samplesOf(families, 'pbshop_circuit_breaker_state', { breaker: 'search', state: 'open' })[0]?.value,
    ).toBe(0);
    const outbox = Object.fromEntries(
      samplesOf(families, 'pbshop_search_outbox_rows').map((sample) => [sample.labels.status, sample.value]),
    );
    expect(Object.keys(outbox).sort()).toEqual(['failed', 'pending', 'processing']);
    expect(samplesOf(families, 'pbshop_search_outbox_lag_seconds')[0]?.value).toBeGreaterThanOrEqual(0);
    expect(samplesOf(families, 'pbshop_metrics_source_up', { source: 'search_outbox' })[0]?.value).toBe(1);
    expect(families.has('process_resident_memory_bytes')).toBe(true);
    expect(families.has('nodejs_heap_size_used_bytes')).toBe(true);
  });

  it('closes its metrics port on SIGTERM', async () => {
    const { code } = await worker.stop('SIGTERM');
    expect(code).toBe(0);
    await expect(scrape(`Bearer ${METRICS_TOKEN}`)).rejects.toThrow();
  });
});
