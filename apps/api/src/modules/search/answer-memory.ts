// Search and autocomplete answers kept for a few seconds per API process.

export interface Answered<T> {
  result: T;
  degraded: boolean;
}

/**
 * Answers of the last `ttlMs` per key, bounded (the oldest goes first when full), and one
 * OpenSearch request per key at a time: requests asking the same while it runs share its answer
 * (no stampede when a popular keyword's entry expires). Degraded answers are never kept.
 */
export function recentAnswers<T>(ttlMs: number, maxEntries: number) {
  const entries = new Map<string, { value: T; until: number }>();
  const running = new Map<string, Promise<Answered<T>>>();
  return {
    answer(key: string, work: () => Promise<Answered<T>>): Promise<Answered<T>> {
      const entry = entries.get(key);
      if (entry && entry.until > Date.now()) return Promise.resolve({ result: entry.value, degraded: false });
      const shared = running.get(key);
      if (shared) return shared;
      const answer = work()
        .then((answered) => {
          if (!answered.degraded) {
            entries.delete(key);
            entries.set(key, { value: answered.result, until: Date.now() + ttlMs });
            if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
          }
          return answered;
        })
        .finally(() => running.delete(key));
      running.set(key, answer);
      return answer;
    },
  };
}
