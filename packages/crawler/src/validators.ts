import type { WorkerDeps } from '@pbshop/queues';
import type { CollectedItem } from './parse.ts';

type Redis = WorkerDeps['redis'];

/** What a page answered with last time: its HTTP validators, and what was read from it. */
export interface StoredPage {
  etag: string | null;
  lastModified: string | null;
  /** how it was read (parser version, the job's selectors, specs or not): another reading parses again */
  reading: string;
  item: CollectedItem;
}

/** Bumped when the parser reads pages differently, so items read by an older one are not reused. */
const PARSER_VERSION = 2;
/** pages kept in a process (all sellers), beyond which the other sellers' copies are dropped */
const MAX_COPIED_PAGES = 100_000;
/** a seller's stored pages go when no run of it touched them for this long */
const STORED_PAGES_TTL_S = 30 * 24 * 3600;
/** the hash's field counting its writes (no page URL looks like it) */
const GENERATION_FIELD = '\u0000generation';

/** How a run reads pages: two runs with the same reading get the same item from the same page. */
export function readingOf(selectors: object, collectSpec: boolean): string {
  return `${PARSER_VERSION}|${collectSpec ? 'specs' : 'offer'}|${JSON.stringify(selectors)}`;
}

/** A stored page as a process holds it: the hash's text, parsed when first asked for. */
interface CopiedPage {
  text: string;
  page?: StoredPage;
}

/**
 * Each seller page's validators (ETag, Last-Modified) with the item read from it, in Redis (one
 * hash per seller, field = page URL). A run asks with If-None-Match / If-Modified-Since; a 304
 * means the page is what it was, so its stored item goes through the run's recording as a parsed
 * one would (matching, anomaly hold and the catalog's unchanged check still apply): only the body
 * transfer and the parse are saved. Losing the hash costs one full fetch per page, nothing else.
 *
 * A process keeps a copy of each seller's hash with the hash's generation (a field every write
 * increments): a run whose seller's hash is at the generation of the copy reads only that field,
 * not every page again (another replica's write, or the hash deleted or expired, reads it whole).
 * The copy holds nothing the hash did not, so a page it answers for was stored by a run.
 */
export function pageValidators(redis: Redis, keyPrefix: string) {
  const keyOf = (sellerId: number) => `${keyPrefix}:crawler:pages:${sellerId}`;
  const copies = new Map<number, { generation: number | null; pages: Map<string, CopiedPage> }>();
  const copyOf = (sellerId: number) => {
    let copy = copies.get(sellerId);
    if (!copy) {
      copy = { generation: null, pages: new Map() };
      copies.set(sellerId, copy);
    }
    return copy;
  };
  /** keeps the copies within MAX_COPIED_PAGES: the other sellers' go first */
  const bound = (sellerId: number) => {
    let count = 0;
    for (const copy of copies.values()) count += copy.pages.size;
    if (count <= MAX_COPIED_PAGES) return;
    for (const other of copies.keys()) if (other !== sellerId) copies.delete(other);
  };
  return {
    /** The seller's stored pages (a page's JSON parsed when first asked for). */
    async load(sellerId: number): Promise<(url: string) => StoredPage | undefined> {
      const key = keyOf(sellerId);
      const copy = copyOf(sellerId);
      const generation = await redis.hget(key, GENERATION_FIELD);
      if (generation === null || Number(generation) !== copy.generation) {
        const raw = await redis.hgetall(key);
        const pages = new Map<string, CopiedPage>();
        for (const [url, text] of Object.entries(raw)) {
          if (url === GENERATION_FIELD) continue;
          // a page whose text is the one copied before keeps its parse (a JSON parse is most of a 304's cost)
          const known = copy.pages.get(url);
          pages.set(url, known?.text === text ? known : { text });
        }
        copy.pages = pages;
        // a hash without the field (none yet, or written before it was counted) is at generation 0:
        // this process's first write makes it 1, and the copy stays current
        copy.generation = Number(raw[GENERATION_FIELD] ?? 0);
        bound(sellerId);
      }
      const pages = copy.pages;
      return (url) => {
        const copied = pages.get(url);
        if (copied === undefined) return undefined;
        if (copied.page === undefined) {
          try {
            copied.page = JSON.parse(copied.text) as StoredPage;
          } catch {
            return undefined;
          }
        }
        return copied.page;
      };
    },
    /** Stores pages (with validators) and forgets pages (that stopped sending them), in one call. */
    async save(sellerId: number, stored: Map<string, StoredPage>, forgotten: string[]): Promise<void> {
      if (stored.size === 0 && forgotten.length === 0) return;
      const key = keyOf(sellerId);
      const copy = copyOf(sellerId);
      const before = copy.generation;
      // unknown until the write answers (a failed write leaves the copy ahead of the hash)
      copy.generation = null;
      const multi = redis.multi();
      if (stored.size > 0) {
        const fields: string[] = [];
        for (const [url, page] of stored) {
          const text = JSON.stringify(page);
          copy.pages.set(url, { text, page });
          fields.push(url, text);
        }
        multi.hset(key, ...fields);
      }
      if (forgotten.length > 0) {
        for (const url of forgotten) copy.pages.delete(url);
        multi.hdel(key, ...forgotten);
      }
      const answers = await multi.hincrby(key, GENERATION_FIELD, 1).expire(key, STORED_PAGES_TTL_S).exec();
      const generation = Number(answers?.at(-2)?.[1]);
      // no other write since the copy's generation: the copy is the hash again
      if (before !== null && generation === before + 1) copy.generation = generation;
      bound(sellerId);
    },
  };
}

export type PageValidators = ReturnType<typeof pageValidators>;
