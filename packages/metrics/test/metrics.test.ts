// The metrics package on its own: the token check, the metrics server, and job runs counted by
// result through instrumentProcessors (completed, failed, released by a shutdown).
import type { ProcessorContext, ProcessorSet } from '@pbshop/queues';
import { parseExposition, samplesOf } from '@pbshop/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bearerMatches,
  createMetricsRegistry,
  instrumentProcessors,
  jobMetrics,
  type MetricsServer,
  startMetricsServer,
} from '../src/index.ts';

const servers: MetricsServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.close();
});

describe('bearerMatches', () => {
  it('accepts only the configured token as a bearer, and anything when none is configured', () => {
    const token = 'a-token-of-twenty-chars';
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
    expect(bearerMatches(`bearer ${token}`, token)).toBe(true);
    for (const bad of [undefined, '', token, `Bearer ${token}x`, `Bearer ${token} extra`, `Basic ${token}`])
      expect(bearerMatches(bad, token), String(bad)).toBe(false);
    expect(bearerMatches(undefined, undefined)).toBe(true);
  });
});

describe('job runs', () => {
  it('are counted and timed by queue and result', async () => {
    const registry = createMetricsRegistry('metrics-test');
    const set: ProcessorSet = {
      processors: [
        {
          queue: 'activity-log',
          concurrency: 1,
          async process(payload) {
            if ((payload as { action?: string }).action === 'fail') throw new Error('failed');
            return 'done';
          },
        },
      ],
    };
    const [processor] = instrumentProcessors(set, jobMetrics(registry)).processors;
    const context = (aborted: boolean) =>
      ({ signal: aborted ? AbortSignal.abort() : new AbortController().signal }) as ProcessorContext;
    const run = processor!.process as (payload: unknown, context: ProcessorContext) => Promise<unknown>;
    expect(await run({ action: 'ok' }, context(false))).toBe('done');
    await expect(run({ action: 'fail' }, context(false))).rejects.toThrow('failed');
    await expect(run({ action: 'fail' }, context(true))).rejects.toThrow('failed');

    const server = await startMetricsServer({ registry, host: '127.0.0.1', port: 0, token: 'x'.repeat(16) });
    servers.push(server);
    const url = `http://127.0.0.1:${server.port}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    const response = await fetch(url, { headers: { authorization: `Bearer ${'x'.repeat(16)}` } });
    expect(response.status).toBe(200);
    const families = parseExposition(await response.text());
    const runs = (result: string) =>
      samplesOf(families, 'pbshop_jobs_total', { queue: 'activity-log', result })[0]?.value;
    expect([runs('completed'), runs('failed'), runs('released')]).toEqual([1, 1, 1]);
    expect(
      samplesOf(families, 'pbshop_job_duration_seconds_count', { queue: 'activity-log', result: 'failed' })[0]
        ?.value,
    ).toBe(1);
  });
});
