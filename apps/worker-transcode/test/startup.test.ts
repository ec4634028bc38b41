import { createTestContext, spawnProcess, type TestContext } from '@pbshop/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mainEntry, outputClosed } from './helpers.ts';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx?.cleanup();
});

it('refuses a bad environment: exit 1 and stderr names the variable', async () => {
  const worker = spawnProcess(mainEntry, { ...ctx.env, REDIS_URL: 'not-a-url' });
  try {
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 15_000).unref());
    const result = await Promise.race([worker.exited, timeout]);
    expect(result).toEqual({ code: 1, signal: null });
    await outputClosed(worker);
    const stderr = worker.stderr.join('');
    expect(stderr).toMatch(/^worker-transcode: invalid environment: REDIS_URL: .*\(got "not-a-url"\)$/m);
    // only the bad variable is reported, and nothing was started
    expect(stderr).not.toMatch(/DATABASE_URL|OPENSEARCH_URL/);
    expect(worker.logs).toEqual([]);
  } finally {
    await worker.stop('SIGKILL');
  }
});
