import { bullPrefix, createRedis, JobProducers } from '@pbshop/queues';
import { PRODUCT_MAPPING_VERSION } from '@pbshop/search';
import { createTestContext, type RunningProcess, type TestContext } from '@pbshop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensearch, processTracker, waitFor } from './helpers.ts';

interface IndexInfo {
  aliases: Record<string, unknown>;
  mappings: { dynamic: string; _meta: Record<string, unknown> };
  settings: {
    index: {
      analysis: {
        analyzer: Record<string, { tokenizer: string }>;
        tokenizer: Record<string, Record<string, string>>;
      };
    };
  };
}

let ctx: TestContext;
let redis: ReturnType<typeof createRedis>;
let producers: JobProducers;
let worker: RunningProcess;
let base: string;
let alias: string;
const workers = processTracker();

beforeAll(async () => {
  ctx = await createTestContext();
  base = ctx.env.OPENSEARCH_URL!;
  alias = `${ctx.indexPrefix}-products`;
  redis = createRedis(ctx.env.REDIS_URL!, 'worker');
  producers = new JobProducers(redis, bullPrefix(ctx.redisPrefix));
  worker = workers.spawn({ ...ctx.env, LOG_LEVEL: 'info' });
});

afterAll(async () => {
  await workers.stopAll();
  await producers?.close();
  await redis?.quit();
  await ctx?.cleanup();
});

async function completedJobs() {
  const jobs = await producers.queues['search-index-sync'].getJobs(['completed']);
  // the sweep schedule's jobs run beside the bootstrap
  return jobs.filter((job) => job.data.reason === 'bootstrap').sort((a, b) => Number(a.id) - Number(b.id));
}

describe('worker-search index bootstrap', () => {
  it('creates the products index and its alias, with the nori analyzer, at start', async () => {
    const found = await waitFor(
      'the products alias',
      async () => {
        const response = await opensearch<Record<string, IndexInfo>>(base, `/${alias}`);
        return response.status === 200 && response.body;
      },
      20_000,
      200,
    );
    const index = `${alias}-v1`;
    expect(Object.keys(found)).toEqual([index]);
    const info = found[index]!;
    expect(info.aliases).toEqual({ [alias]: {} });
    expect(info.mappings._meta).toEqual({ koreanAnalyzer: 'nori', mappingVersion: PRODUCT_MAPPING_VERSION });
    expect(info.mappings.dynamic).toBe('strict');
    expect(info.settings.index.analysis.analyzer.korean?.tokenizer).toBe('korean_nori');
    expect(info.settings.index.analysis.tokenizer.korean_nori).toEqual({
      type: 'nori_tokenizer',
      decompound_mode: 'mixed',
    });

    const [bootstrap] = await waitFor('the bootstrap job to complete', async () => {
      const jobs = await completedJobs();
      return jobs.length > 0 && jobs;
    });
    expect(bootstrap!.data).toMatchObject({
      reason: 'bootstrap',
      requestId: `worker-search-start-${worker.child.pid}`,
    });
    expect(bootstrap!.returnvalue).toEqual({ alias, index, analyzer: 'nori', created: true });
    expect(worker.logs.some((line) => line.msg === 'created the products index')).toBe(true);
  });

  it('a second bootstrap finds the index and creates no other', async () => {
    const job = await producers.enqueue('search-index-sync', {
      requestId: 'test-second-bootstrap',
      reason: 'bootstrap',
    });
    const done = await waitFor('the second bootstrap job', async () => {
      const queue = producers.queues['search-index-sync'];
      const state = await queue.getJobState(job.id!);
      if (state === 'failed') throw new Error(`job failed: ${(await queue.getJob(job.id!))?.failedReason}`);
      return state === 'completed' && (await queue.getJob(job.id!));
    });
    expect(done.returnvalue).toEqual({ alias, index: `${alias}-v1`, analyzer: 'nori', created: false });

    const indices = await opensearch<{ index: string }[]>(
      base,
      `/_cat/indices/${ctx.indexPrefix}-*?format=json`,
    );
    expect(indices.status).toBe(200);
    expect(indices.body.map((row) => row.index)).toEqual([`${alias}-v1`]);
  });

  it("the index's korean analyzer splits a compound: 게이밍노트북 → 노트북", async () => {
    const response = await opensearch<{ tokens: { token: string }[] }>(base, `/${alias}/_analyze`, {
      method: 'POST',
      body: { analyzer: 'korean', text: '게이밍노트북' },
    });
    expect(response.status).toBe(200);
    const tokens = response.body.tokens.map((token) => token.token);
    expect(tokens).toContain('노트북');
    expect(tokens).toContain('게이밍');
  });
});
