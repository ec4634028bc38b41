// The per-process memory of search and autocomplete answers: shared in-flight work, expiry, bound,
// and degraded answers never kept. Pure in-process logic, no services.
import { describe, expect, it } from 'vitest';
import { recentAnswers } from '../src/modules/search/answer-memory.ts';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('search answer memory', () => {
  it('runs the work once for concurrent identical requests and reuses it until it expires', async () => {
    const memory = recentAnswers<number>(80, 10);
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
    const memory = recentAnswers<string>(10_000, 10);
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
    const memory = recentAnswers<string>(10_000, 2);
    for (const key of ['one', 'two', 'three'])
      await memory.answer(key, async () => ({ result: key, degraded: false }));
    expect((await memory.answer('one', async () => ({ result: 'again', degraded: false }))).result).toBe(
      'again',
    );
    expect((await memory.answer('three', async () => ({ result: 'again', degraded: false }))).result).toBe(
      'three',
    );
  });
});
