// Search and autocomplete answers kept for a few seconds per API process.

export interface Answered<T> {
  result: T;
  degraded: boolean;
}

/**
 * Asks for a fresh answer. `background`: a renewal nobody waits for, which should fail rather than
 * fall back (the stale answer stands).
 */
export type AnswerWork<T> = (background: boolean) => Promise<Answered<T>>;

export interface AnswerMemoryOptions {
  /** an answer younger than this is served as it is */
  freshMs: number;
  /**
   * an answer older than freshMs but younger than this is served at once while one request
   * refreshes it in the background; older ones are asked again (the request waits)
   */
  staleMs: number;
  maxEntries: number;
  /** background refreshes under way at most: the rest keep their stale answer a little longer */
  maxRefreshing: number;
}

/**
 * Answers per key, bounded (the oldest goes first when full), with one OpenSearch request per key
 * at a time: requests asking the same while it runs share its answer (no stampede when a popular
 * keyword's entry expires). Past `freshMs` an answer is still served while a background request
 * renews it; those renewals are capped, so a burst of searches cannot queue more work on OpenSearch
 * than it can answer: under load answers age towards `staleMs` instead of requests waiting behind
 * a backlog. Degraded answers are never kept; a failed or degraded renewal keeps the stale answer.
 */
export function recentAnswers<T>(options: AnswerMemoryOptions) {
  const entries = new Map<string, { value: T; at: number }>();
  const running = new Map<string, Promise<Answered<T>>>();
  let refreshing = 0;

  function remember(key: string, value: T) {
    entries.delete(key);
    entries.set(key, { value, at: Date.now() });
    if (entries.size > options.maxEntries) entries.delete(entries.keys().next().value!);
  }

  function run(key: string, work: AnswerWork<T>, background: boolean): Promise<Answered<T>> {
    const answer = work(background)
      .then((answered) => {
        if (!answered.degraded) remember(key, answered.result);
        return answered;
      })
      .finally(() => running.delete(key));
    running.set(key, answer);
    return answer;
  }

  return {
    answer(key: string, work: AnswerWork<T>): Promise<Answered<T>> {
      const entry = entries.get(key);
      const age = entry ? Date.now() - entry.at : Number.POSITIVE_INFINITY;
      if (entry && age < options.freshMs) return Promise.resolve({ result: entry.value, degraded: false });
      if (entry && age < options.staleMs) {
        if (!running.has(key) && refreshing < options.maxRefreshing) {
          refreshing += 1;
          run(key, work, true)
            .catch(() => undefined)
            .finally(() => {
              refreshing -= 1;
            });
        }
        return Promise.resolve({ result: entry.value, degraded: false });
      }
      return running.get(key) ?? run(key, work, false);
    },
  };
}
