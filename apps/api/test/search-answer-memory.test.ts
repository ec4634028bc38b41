// The per-process memory of search and autocomplete answers: shared in-flight work, expiry, stale
// answers renewed in the background (capped), bound, and degraded answers never kept. Pure
// in-process logic, no services.
import { describe, expect, it } from 'vitest';
import { recentAnswers } from '../src/modules/search/search/answer-memory.ts';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const memoryOf = <T>(options: Partial<Parameters<typeof recentAnswers>[0]> = {}) =>
  recentAnswers<T>({ freshMs: 10_000, staleMs: 10_000, maxEntries: 10, maxRefreshing: 2, ...options });

describe('search answer memory', () => {
  it('runs the work once for concurrent identical requests and reuses it until it expires', async () => {
    const memory = memoryOf<number>({ freshMs: 80, staleMs: 80 });
    let calls = 0;
    const work = async () => {
      calls += 1;
      await tick(20);
      return { result: calls, degraded: false };
    };
    const answers = await Promise.all([
      memory.answer('a', work),
      memory.answer('a', work),
      memory.answer('a', work),
    ]);
    expect(answers.map((answer) => answer.result)).toEqual([1, 1, 1]);
    expect((await memory.answer('a', work)).result).toBe(1);
    expect(calls).toBe(1);
    await tick(100);
    expect((await memory.answer('a', work)).result).toBe(2);
  });

  it('never keeps a degraded answer, and a failure is not kept either', async () => {
    const memory = memoryOf<string>();
    expect((await memory.answer('q', async () => ({ result: 'fallback', degraded: true }))).degraded).toBe(
      true,
    );
    await expect(memory.answer('q', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect((await memory.answer('q', async () => ({ result: 'index', degraded: false }))).result).toBe(
      'index',
    );
    expect((await memory.answer('q', async () => ({ result: 'later', degraded: false }))).result).toBe(
      'index',
    );
  });

  it('forgets the oldest entry when full', async () => {
    const memory = memoryOf<string>({ maxEntries: 2 });
    for (const key of ['one', 'two', 'three'])
      await memory.answer(key, async () => ({ result: key, degraded: false }));
    expect((await memory.answer('one', async () => ({ result: 'again', degraded: false }))).result).toBe(
      'again',
    );
    expect((await memory.answer('three', async () => ({ result: 'again', degraded: false }))).result).toBe(
      'three',
    );
  });

  it('serves a stale answer at once while one background request renews it', async () => {
    const memory = memoryOf<string>({ freshMs: 150, staleMs: 800 });
    const asked: boolean[] = [];
    let version = 0;
    const work = async (background: boolean) => {
      asked.push(background);
      version += 1;
      await tick(30);
      return { result: `v${version}`, degraded: false };
    };
    expect((await memory.answer('q', work)).result).toBe('v1');
    await tick(200);
    // stale: answered from memory, renewed once in the background however many ask meanwhile
    const stale = await Promise.all([memory.answer('q', work), memory.answer('q', work)]);
    expect(stale.map((answer) => answer.result)).toEqual(['v1', 'v1']);
    expect(asked).toEqual([false, true]);
    await tick(60);
    expect((await memory.answer('q', work)).result).toBe('v2');
    // past staleMs the request waits for a fresh answer
    await tick(900);
    expect((await memory.answer('q', work)).result).toBe('v3');
    expect(asked).toEqual([false, true, false]);
  });

  it('keeps the stale answer when a renewal fails or degrades, and caps the renewals under way', async () => {
    const memory = memoryOf<string>({ freshMs: 20, staleMs: 10_000, maxRefreshing: 1 });
    for (const key of ['a', 'b']) await memory.answer(key, async () => ({ result: key, degraded: false }));
    await tick(40);
    let renewals = 0;
    const failing = async () => {
      renewals += 1;
      await tick(20);
      throw new Error('OpenSearch down');
    };
    // one renewal at a time: b keeps its stale answer without asking
    expect((await memory.answer('a', failing)).result).toBe('a');
    expect((await memory.answer('b', failing)).result).toBe('b');
    expect(renewals).toBe(1);
    await tick(40);
    expect((await memory.answer('a', async () => ({ result: 'fallback', degraded: true }))).result).toBe('a');
    await tick(10);
    expect((await memory.answer('a', async () => ({ result: 'later', degraded: false }))).result).toBe('a');
    await tick(10);
    expect((await memory.answer('a', async () => ({ result: 'later', degraded: false }))).result).toBe(
      'later',
    );
  });
});
