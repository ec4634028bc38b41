// Popular keywords (a sliding window of per-minute counts, ranked in a periodic snapshot) and each
// member's recent keywords and search preferences; all in Redis under REDIS_KEY_PREFIX.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { normaliseKeyword, type PopularKeyword, type RecentKeyword } from './schemas.ts';

const MINUTE = 60_000;
/** Keywords a snapshot keeps: the most GET /search/popular can ask for. */
const SNAPSHOT_SIZE = 50;
const SNAPSHOT_TTL_SECONDS = 7 * 86_400;
/** Held while one replica recomputes the snapshot; released when it is stored. */
const LOCK_MS = 10_000;
const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface PopularKeywordOptions {
  windowMinutes: number;
  /** a snapshot younger than this is served as it is; 0 recomputes on every read */
  refreshMs: number;
  /** told when counts held in the process could not be written (they are kept for the next try) */
  onFlushError?: (error: unknown) => void;
}

/** how long `related` reuses the stored ranking it read (it is recomputed every few minutes) */
const SNAPSHOT_REREAD_MS = 1000;
/** how often searches counted in the process are added to Redis */
const COUNT_FLUSH_MS = 250;
/** distinct keywords held while Redis refuses them; beyond, new ones are not counted */
const MAX_HELD_KEYWORDS = 10_000;

interface RankedKeyword {
  keyword: string;
  count: number;
}

interface Snapshot {
  computedAt: string;
  windowMinutes: number;
  items: RankedKeyword[];
  /** rank of each keyword in the snapshot before this one */
  previousRanks: Record<string, number>;
}

export interface PopularRanking {
  items: PopularKeyword[];
  computedAt: string;
  windowMinutes: number;
}

const byCountThenKeyword = (a: RankedKeyword, b: RankedKeyword) =>
  b.count - a.count || (a.keyword < b.keyword ? -1 : a.keyword > b.keyword ? 1 : 0);

function ranked(items: RankedKeyword[], previousRanks: Record<string, number>): PopularKeyword[] {
  return items.map((item, index) => {
    const previous = Object.hasOwn(previousRanks, item.keyword) ? previousRanks[item.keyword] : undefined;
    return {
      rank: index + 1,
      keyword: item.keyword,
      count: item.count,
      ...(previous === undefined ? {} : { rankChange: previous - (index + 1) }),
    };
  });
}

const ranksOf = (items: RankedKeyword[]) =>
  Object.fromEntries(items.map((item, index) => [item.keyword, index + 1])) as Record<string, number>;

/**
 * Keys (one hash tag, so the window's buckets can be merged on a Redis Cluster):
 * `{prefix:search-popular}:m:<epoch minute>` a sorted set keyword → searches in that minute,
 * expiring once it leaves the window; `…:snapshot` the last ranking (JSON); `…:snapshot-lock`
 * the replica recomputing it.
 */
export function popularKeywords(redis: Redis, keyPrefix: string, options: PopularKeywordOptions) {
  const tag = `{${keyPrefix}:search-popular}`;
  const bucketKey = (minute: number) => `${tag}:m:${minute}`;
  const snapshotKey = `${tag}:snapshot`;
  const lockKey = `${tag}:snapshot-lock`;

  /** Counts over the window ending now: the current minute and the windowMinutes - 1 before it. */
  async function count(limit: number, now: number): Promise<RankedKeyword[]> {
    const current = Math.floor(now / MINUTE);
    const keys = Array.from({ length: options.windowMinutes }, (_, index) => bucketKey(current - index));
    const merged = `${tag}:merge:${randomUUID()}`;
    const results = await redis
      .multi()
      .zunionstore(merged, keys.length, ...keys)
      // extra rows so ties at the cut are ordered by keyword, not by Redis
      .zrevrange(merged, 0, limit * 2 - 1, 'WITHSCORES')
      .del(merged)
      .exec();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('popular keywords: transaction discarded');
    const flat = results[1]![1] as string[];
    const items: RankedKeyword[] = [];
    for (let index = 0; index < flat.length; index += 2) {
      items.push({ keyword: flat[index]!, count: Number(flat[index + 1]) });
    }
    return items.sort(byCountThenKeyword).slice(0, limit);
  }

  async function readSnapshot(): Promise<Snapshot | undefined> {
    const raw = await redis.get(snapshotKey);
    return raw ? (JSON.parse(raw) as Snapshot) : undefined;
  }

  /** the stored ranking as read at most a second ago: `related` runs on every search */
  let lastRead: { at: number; snapshot: Promise<Snapshot | undefined> } | undefined;
  function recentSnapshot(): Promise<Snapshot | undefined> {
    const now = Date.now();
    if (!lastRead || now - lastRead.at >= SNAPSHOT_REREAD_MS) {
      const snapshot = readSnapshot();
      lastRead = { at: now, snapshot };
      // a failed read is not kept
      snapshot.catch(() => {
        if (lastRead?.snapshot === snapshot) lastRead = undefined;
      });
    }
    return lastRead.snapshot;
  }

  /**
   * The stored ranking while younger than refreshMs; else one replica (holding the lock)
   * recomputes and stores it, remembering the old ranks for rankChange, and the others keep
   * serving the old one meanwhile.
   */
  async function snapshot(now: number): Promise<Snapshot> {
    const stored = await readSnapshot();
    const age = stored ? now - Date.parse(stored.computedAt) : Number.POSITIVE_INFINITY;
    if (stored && stored.windowMinutes === options.windowMinutes && age < options.refreshMs) return stored;
    const token = randomUUID();
    const locked = options.refreshMs === 0 || (await redis.set(lockKey, token, 'PX', LOCK_MS, 'NX')) === 'OK';
    if (!locked && stored) return stored;
    const next: Snapshot = {
      computedAt: new Date(now).toISOString(),
      windowMinutes: options.windowMinutes,
      items: await count(SNAPSHOT_SIZE, now),
      previousRanks: stored ? ranksOf(stored.items) : {},
    };
    if (locked) {
      await redis.set(snapshotKey, JSON.stringify(next), 'EX', SNAPSHOT_TTL_SECONDS);
      lastRead = { at: Date.now(), snapshot: Promise.resolve(next) };
      await redis.eval(releaseScript, 1, lockKey, token);
    }
    return next;
  }

  /** searches per minute and keyword, counted here since the last flush */
  let held = new Map<number, Map<string, number>>();
  let heldKeywords = 0;
  let timer: NodeJS.Timeout | undefined;
  const onFlushError = options.onFlushError ?? (() => {});

  function hold(keyword: string, at: number, times = 1) {
    const minute = Math.floor(at / MINUTE);
    let counts = held.get(minute);
    if (!counts) {
      counts = new Map();
      held.set(minute, counts);
    }
    if (!counts.has(keyword)) {
      if (heldKeywords >= MAX_HELD_KEYWORDS) return;
      heldKeywords += 1;
    }
    counts.set(keyword, (counts.get(keyword) ?? 0) + times);
  }

  /** Adds what was counted here to the minute buckets, in one round trip; kept on failure. */
  async function flush(): Promise<void> {
    if (held.size === 0) return;
    const batch = held;
    held = new Map();
    heldKeywords = 0;
    const pipeline = redis.pipeline();
    for (const [minute, counts] of batch) {
      const key = bucketKey(minute);
      for (const [keyword, times] of counts) pipeline.zincrby(key, times, keyword);
      // kept until the minute has left the window (plus one minute of slack)
      pipeline.pexpireat(key, (minute + options.windowMinutes + 1) * MINUTE);
    }
    try {
      const results = await pipeline.exec();
      const failed = results?.find(([error]) => error)?.[0];
      if (failed) throw failed;
    } catch (error) {
      for (const [minute, counts] of batch) {
        for (const [keyword, times] of counts) hold(keyword, minute * MINUTE, times);
      }
      throw error;
    }
  }

  return {
    /**
     * One search of `keyword` (already normalised), counted in this process and added to Redis
     * within COUNT_FLUSH_MS: a busy search route costs one pipeline a quarter second, not a write
     * per search. A crash loses at most that quarter second of counts.
     */
    count(keyword: string, at = Date.now()): void {
      hold(keyword, at);
      if (!timer) {
        timer = setInterval(() => {
          flush().catch(onFlushError);
        }, COUNT_FLUSH_MS);
        timer.unref();
      }
    },

    /** One search of `keyword` in the minute of `at`, written now. */
    async record(keyword: string, at = Date.now()): Promise<void> {
      hold(keyword, at);
      await flush();
    },

    /** Stops the timer and writes what is held (shutdown). */
    async close(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = undefined;
      await flush().catch(onFlushError);
    },

    /** The periodic ranking; rankChange against the ranking before it. */
    async ranking(limit: number, now = Date.now()): Promise<PopularRanking> {
      const current = await snapshot(now);
      return {
        items: ranked(current.items.slice(0, limit), current.previousRanks),
        computedAt: current.computedAt,
        windowMinutes: current.windowMinutes,
      };
    },

    /**
     * Popular keywords related to `keyword` (already normalised): those of the latest stored
     * ranking that share a word with it, most searched first. Reads the stored ranking only (one
     * GET, never a recount), so it can sit on every search.
     */
    async related(keyword: string, limit: number): Promise<string[]> {
      const stored = await recentSnapshot();
      const words = new Set(keyword.split(' '));
      return (stored?.items ?? [])
        .filter((item) => item.keyword !== keyword && item.keyword.split(' ').some((word) => words.has(word)))
        .slice(0, limit)
        .map((item) => item.keyword);
    },

    /** Counted now over the window; rankChange against the current snapshot. */
    async realtime(limit: number, now = Date.now()): Promise<PopularRanking> {
      const [items, stored] = await Promise.all([count(limit, now), readSnapshot()]);
      return {
        items: ranked(items, stored ? ranksOf(stored.items) : {}),
        computedAt: new Date(now).toISOString(),
        windowMinutes: options.windowMinutes,
      };
    },
  };
}

export type PopularKeywords = ReturnType<typeof popularKeywords>;

/** Recent keywords a member keeps: the newest first. */
export const MAX_RECENT_KEYWORDS = 10;
const RECENT_TTL_SECONDS = 90 * 86_400;

interface StoredRecent extends RecentKeyword {
  /** the de-duplication key: the keyword normalised */
  n: string;
}

// Numbers the entry from the member's own counter (KEYS[2]), drops entries with the same
// normalised keyword (or unreadable ones), pushes the new entry, keeps the newest MAX; one script
// so concurrent saves cannot leave duplicates. Answers the new entry's id.
const addScript = `
local id = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4]))
local entry = cjson.decode(ARGV[1])
entry.id = id
local items = redis.call('LRANGE', KEYS[1], 0, -1)
for _, item in ipairs(items) do
  local ok, entry = pcall(cjson.decode, item)
  if not ok or type(entry) ~= 'table' or entry.n == ARGV[2] then
    redis.call('LREM', KEYS[1], 0, item)
  end
end
redis.call('LPUSH', KEYS[1], cjson.encode(entry))
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[3]) - 1)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return id`;

const removeScript = `
local items = redis.call('LRANGE', KEYS[1], 0, -1)
for _, item in ipairs(items) do
  local ok, entry = pcall(cjson.decode, item)
  if ok and type(entry) == 'table' and entry.id == tonumber(ARGV[1]) then
    return redis.call('LREM', KEYS[1], 0, item)
  end
end
return 0`;

/**
 * `prefix:search:recent:<user id>` a list of JSON entries, newest first, at most 10, expiring 90
 * days after the last save, numbered by the counter `prefix:search:recent-id:<user id>`; `prefix:search:prefs:<user id>` a hash of search preferences.
 */
export function recentKeywords(redis: Redis, keyPrefix: string) {
  const listKey = (userId: number) => `${keyPrefix}:search:recent:${userId}`;
  const idKey = (userId: number) => `${keyPrefix}:search:recent-id:${userId}`;
  const preferencesKey = (userId: number) => `${keyPrefix}:search:prefs:${userId}`;

  return {
    async add(userId: number, keyword: string): Promise<RecentKeyword> {
      const entry: Omit<StoredRecent, 'id'> = {
        keyword,
        createdAt: new Date().toISOString(),
        n: normaliseKeyword(keyword),
      };
      const id = await redis.eval(
        addScript,
        2,
        listKey(userId),
        idKey(userId),
        JSON.stringify(entry),
        entry.n,
        MAX_RECENT_KEYWORDS,
        RECENT_TTL_SECONDS,
      );
      return { id: Number(id), keyword: entry.keyword, createdAt: entry.createdAt };
    },

    async list(userId: number): Promise<RecentKeyword[]> {
      const items = await redis.lrange(listKey(userId), 0, MAX_RECENT_KEYWORDS - 1);
      return items.flatMap((item) => {
        try {
          const entry = JSON.parse(item) as StoredRecent;
          return [{ id: entry.id, keyword: entry.keyword, createdAt: entry.createdAt }];
        } catch {
          return [];
        }
      });
    },

    /** False when the member has no such entry. */
    async remove(userId: number, id: number): Promise<boolean> {
      return Number(await redis.eval(removeScript, 1, listKey(userId), id)) > 0;
    },

    async clear(userId: number): Promise<void> {
      await redis.del(listKey(userId));
    },

    async preferences(userId: number): Promise<{ saveRecentSearches: boolean }> {
      const value = await redis.hget(preferencesKey(userId), 'saveRecentSearches');
      return { saveRecentSearches: value !== '0' };
    },

    async setPreferences(
      userId: number,
      preferences: { saveRecentSearches: boolean },
    ): Promise<{ saveRecentSearches: boolean }> {
      await redis.hset(
        preferencesKey(userId),
        'saveRecentSearches',
        preferences.saveRecentSearches ? '1' : '0',
      );
      return preferences;
    },
  };
}

export type RecentKeywords = ReturnType<typeof recentKeywords>;
