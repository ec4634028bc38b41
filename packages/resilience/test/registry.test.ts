import { createLogger } from '@pbshop/config';
import { createRedis } from '@pbshop/queues';
import { createTestContext, startPrivateRedis, type TestContext } from '@pbshop/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AttemptAbort,
  attemptWithTimeout,
  CallerAborted,
  PermanentFailure,
  policySettings,
  ResilienceRegistry,
  type ResilienceRegistryOptions,
  settingsFor,
} from '../src/index.ts';

let ctx: TestContext;
const connections: Redis[] = [];
const logger = createLogger({ LOG_LEVEL: 'silent' }, 'resilience-test');

function registry(
  service: string,
  overrides: ResilienceRegistryOptions['overrides'] = { crawler: { retries: 0, timeoutMs: 200 } },
  options: Partial<ResilienceRegistryOptions> = {},
): ResilienceRegistry {
  const redis = createRedis(ctx.env.REDIS_URL!, 'worker');
  const subscriber = createRedis(ctx.env.REDIS_URL!, 'worker');
  connections.push(redis, subscriber);
  return new ResilienceRegistry({
    service,
    logger,
    redis,
    subscriber,
    keyPrefix: ctx.redisPrefix,
    overrides,
    ...options,
  });
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const failing = async () => {
  throw new Error('seller down');
};

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  for (const connection of connections) connection.disconnect();
  await ctx.cleanup();
});

describe('named policies', () => {
  it('maps crawler:<host> to the crawler settings and refuses unknown names', () => {
    expect(settingsFor('crawler:shop.example')).toEqual(policySettings.crawler);
    expect(() => settingsFor('nonsense')).toThrow(/no resilience policy named "nonsense"/);
  });

  it('abandons an attempt at its timeout', async () => {
    const guard = registry('timeout-test');
    const started = Date.now();
    const error = await guard
      .execute(
        'crawler:slow.example',
        (signal) =>
          new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
      )
      .catch((caught: unknown) => caught);
    expect(Date.now() - started).toBeLessThan(1500);
    // classified as a timeout, with the attempt's own failure as its cause
    expect(guard.isTimeoutError(error)).toBe(true);
    expect((error as Error).cause).toEqual(new Error('aborted'));
    await guard.close();
  });

  it("tells an attempt's abort as an emitter too (what undici takes), on a timeout and on the caller's abort", async () => {
    const guard = registry('attempt-abort-test');
    /** the emitter an attempt got, whether it said 'abort', and what it held then */
    const watch = () => {
      const seen: { abort?: AttemptAbort; events: number; reason?: unknown } = { events: 0 };
      const attempt = (_signal: AbortSignal, abort: AttemptAbort) =>
        new Promise<never>((_, reject) => {
          seen.abort = abort;
          expect(abort.aborted).toBe(false);
          abort.once('abort', () => {
            seen.events += 1;
            seen.reason = abort.reason;
            reject(new Error('aborted'));
          });
        });
      return { seen, attempt };
    };
    const timedOut = watch();
    const error = await guard
      .execute('crawler:slow.example', timedOut.attempt)
      .catch((caught: unknown) => caught);
    expect(guard.isTimeoutError(error)).toBe(true);
    expect(timedOut.seen).toMatchObject({ events: 1 });
    expect(timedOut.seen.abort?.aborted).toBe(true);
    expect(guard.isTimeoutError(timedOut.seen.reason)).toBe(true);

    const stopped = watch();
    const caller = new AbortController();
    const pending = guard.execute('crawler:fine.example', stopped.attempt, caller.signal);
    const shutdown = new Error('shutting down');
    caller.abort(shutdown);
    await expect(pending).rejects.toBeInstanceOf(CallerAborted);
    expect(stopped.seen).toMatchObject({ events: 1, reason: shutdown });
    await guard.close();
  });

  it("a caller's abort ends exactly the attempts still under way, each once", async () => {
    const caller = new AbortController();
    const attempts = Array.from({ length: 6 }, () => {
      const state: { abort?: AttemptAbort; events: number; finish?: () => void } = { events: 0 };
      const done = attemptWithTimeout(
        10_000,
        (_signal, abort) =>
          new Promise<string>((resolve, reject) => {
            state.abort = abort;
            state.finish = () => resolve('done');
            abort.on('abort', () => {
              state.events += 1;
              reject(new Error('aborted'));
            });
          }),
        caller.signal,
      ).catch((error: unknown) => error);
      return { state, done };
    });
    // the newest, one in the middle and the oldest finish first (each end of the followers and between)
    for (const at of [5, 2, 0]) {
      attempts[at]!.state.finish!();
      expect(await attempts[at]!.done).toBe('done');
    }
    caller.abort(new Error('shutting down'));
    for (const [at, { state, done }] of attempts.entries()) {
      const finished = [5, 2, 0].includes(at);
      if (!finished) expect(await done).toBeInstanceOf(CallerAborted);
      expect(state.events, `attempt ${at}`).toBe(finished ? 0 : 1);
      expect(state.abort!.aborted).toBe(!finished);
    }
    // a later attempt on the aborted signal is refused before it starts
    await expect(attemptWithTimeout(10_000, async () => 'late', caller.signal)).rejects.toBeInstanceOf(
      CallerAborted,
    );
  });

  it('retries a safe call before giving up', async () => {
    const guard = registry('retry-test');
    let calls = 0;
    const result = await guard.execute('search', async () => {
      calls += 1;
      if (calls === 1) throw new Error('transient');
      return 'found';
    });
    expect(result).toBe('found');
    expect(calls).toBe(2);
    await guard.close();
  });
});

describe('failures that say nothing about the dependency', () => {
  it('a caller abort (shutdown) neither opens the breaker nor is retried', async () => {
    const guard = registry('abort-test');
    const name = 'crawler:fine.example';
    let calls = 0;
    for (let attempt = 0; attempt < policySettings.crawler.breakAfterFailures + 2; attempt += 1) {
      const caller = new AbortController();
      const pending = guard.execute(
        name,
        (signal) =>
          new Promise((_, reject) => {
            calls += 1;
            signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
          }),
        caller.signal,
      );
      caller.abort(new Error('shutting down'));
      await expect(pending).rejects.toBeInstanceOf(CallerAborted);
    }
    expect(calls).toBe(policySettings.crawler.breakAfterFailures + 2);
    expect(guard.snapshots().find((entry) => entry.name === name)?.state).toBe('closed');
    await guard.close();
  });

  it('a permanent failure is not retried', async () => {
    const guard = registry('permanent-test');
    let calls = 0;
    await expect(
      guard.execute('search', async () => {
        calls += 1;
        throw new PermanentFailure('bad request');
      }),
    ).rejects.toBeInstanceOf(PermanentFailure);
    expect(calls).toBe(1);
    await guard.close();
  });
});

describe('circuit breakers across processes', () => {
  it('open after consecutive failures, are visible to every process, and reset everywhere', async () => {
    const crawler = registry('worker-crawler');
    const api = registry('api');
    const name = 'crawler:down.example';
    for (let attempt = 0; attempt < policySettings.crawler.breakAfterFailures; attempt += 1) {
      await expect(crawler.execute(name, failing)).rejects.toThrow('seller down');
    }
    const rejected = await crawler.execute(name, async () => 'never runs').catch((error: unknown) => error);
    expect(crawler.isOpenError(rejected)).toBe(true);

    await eventually(async () =>
      (await api.publishedSnapshots()).some(
        (snapshot) => snapshot.name === name && snapshot.state === 'open',
      ),
    );
    const snapshot = (await api.publishedSnapshots()).find((entry) => entry.name === name);
    expect(snapshot).toMatchObject({ service: 'worker-crawler', lastFailure: 'seller down' });

    // an operator resets from the API process; the crawler process closes its breaker
    await api.reset(name);
    await eventually(
      async () => crawler.snapshots().find((entry) => entry.name === name)?.state === 'closed',
    );
    await expect(crawler.execute(name, async () => 'back')).resolves.toBe('back');
    await eventually(async () =>
      (await api.publishedSnapshots()).some((entry) => entry.name === name && entry.state === 'closed'),
    );

    await crawler.close();
    await api.close();
    expect((await api.publishedSnapshots()).filter((entry) => entry.name === name)).toEqual([]);
  });
});

describe('an open breaker', () => {
  it('fails fast, without waiting out a retry backoff', async () => {
    const guard = registry('open-fast');
    const name = 'search';
    expect(policySettings.search.retries).toBeGreaterThan(0);
    for (let attempt = 0; attempt < policySettings.search.breakAfterFailures; attempt += 1) {
      await guard.execute(name, failing).catch(() => {});
    }
    // ten refusals in a row: each would wait out a jittered retry backoff (about 200 ms)
    const started = Date.now();
    for (let call = 0; call < 10; call += 1) {
      const rejected = await guard.execute(name, async () => 'never runs').catch((error: unknown) => error);
      expect(guard.isOpenError(rejected)).toBe(true);
    }
    expect(Date.now() - started).toBeLessThan(800);
    await guard.close();
  });
});

describe('how long an open breaker pauses calls', () => {
  async function open(guard: ResilienceRegistry, name: string, failures: number): Promise<void> {
    for (let attempt = 0; attempt < failures; attempt += 1) {
      await guard.execute(name, failing).catch(() => {});
    }
    expect(guard.snapshots().find((entry) => entry.name === name)?.state).toBe('open');
  }

  it("is the breaker's own half-open time, overrides included", async () => {
    // a policy is shared by every process of an install: two installs, so each keeps its own
    const byDefault = registry('paused-default', undefined, { keyPrefix: `${ctx.redisPrefix}:a` });
    const overridden = registry(
      'paused-override',
      { search: { retries: 0, halfOpenAfterMs: 60_000 } },
      { keyPrefix: `${ctx.redisPrefix}:b` },
    );
    expect(overridden.pausedForMs('search')).toBe(0); // never used
    await overridden.execute('search', async () => 'ok');
    expect(overridden.pausedForMs('search')).toBe(0); // closed

    await open(byDefault, 'search', policySettings.search.breakAfterFailures);
    await open(overridden, 'search', policySettings.search.breakAfterFailures);
    const pausedByDefault = byDefault.pausedForMs('search');
    expect(pausedByDefault).toBeGreaterThan(policySettings.search.halfOpenAfterMs - 1000);
    expect(pausedByDefault).toBeLessThanOrEqual(policySettings.search.halfOpenAfterMs);
    const pausedOverridden = overridden.pausedForMs('search');
    expect(pausedOverridden).toBeGreaterThan(59_000);
    expect(pausedOverridden).toBeLessThanOrEqual(60_000);
    await byDefault.close();
    await overridden.close();
  });

  it('counts down to the trial call, and is 0 once the trial has closed the breaker', async () => {
    const guard = registry('paused-trial', { crawler: { retries: 0, timeoutMs: 200, halfOpenAfterMs: 300 } });
    const name = 'crawler:flaky.example';
    await open(guard, name, policySettings.crawler.breakAfterFailures);
    const paused = guard.pausedForMs(name);
    expect(paused).toBeGreaterThan(0);
    expect(paused).toBeLessThanOrEqual(300);
    await eventually(async () => guard.pausedForMs(name) === 0);
    // still open until a call comes: that call is the trial
    expect(guard.snapshots().find((entry) => entry.name === name)?.state).toBe('open');
    await expect(guard.execute(name, async () => 'back')).resolves.toBe('back');
    expect(guard.snapshots().find((entry) => entry.name === name)?.state).toBe('closed');
    expect(guard.pausedForMs(name)).toBe(0);
    await guard.close();
  });
});

describe('close', () => {
  it('returns promptly while Redis is down (it never holds a shutdown up)', async () => {
    const server = await startPrivateRedis();
    const redis = createRedis(server.url, 'worker');
    const subscriber = createRedis(server.url, 'worker');
    connections.push(redis, subscriber);
    const guarded = new ResilienceRegistry({
      service: 'close-test',
      logger,
      redis,
      subscriber,
      keyPrefix: 'close',
    });
    await guarded.execute('search', async () => 'ok');
    await server.stop();
    const started = Date.now();
    await guarded.close();
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
