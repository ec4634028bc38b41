import type { Logger } from '@pbshop/config';
import { type Database, searchWeights } from '@pbshop/db';
import { eq } from 'drizzle-orm';
import type { SearchWeightConfig, SearchWeightsBody } from './schemas.ts';

export type SearchWeights = Omit<SearchWeightConfig, 'updatedAt'>;

/** The migration's row (NFR 4.5: name 10 > brand 5 > spec 3 > description 1). */
export const defaultSearchWeights: SearchWeights = {
  nameWeight: 10,
  brandWeight: 5,
  specWeight: 3,
  descriptionWeight: 1,
  keywordWeight: 1,
  clickWeight: 0.5,
};

/**
 * How long a process reuses the weights it read: a PATCH applies at once in the process that took
 * it and within this long in every other replica, without a reindex (weights are query-time boosts).
 */
export const SEARCH_WEIGHTS_TTL_MS = 3000;

type Row = typeof searchWeights.$inferSelect;

// `real` columns: 0.1 comes back as 0.100000001490116; six significant digits is what was sent
const tidy = (value: number) => Number(value.toPrecision(6));

function toConfig(row: Row): SearchWeightConfig {
  return {
    nameWeight: tidy(row.nameWeight),
    brandWeight: tidy(row.brandWeight),
    specWeight: tidy(row.specWeight),
    descriptionWeight: tidy(row.descriptionWeight),
    keywordWeight: tidy(row.keywordWeight),
    clickWeight: tidy(row.clickWeight),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The `search_weights` row (id 1), owned by the search module, with a short in-process cache. */
export function searchWeightsStore(db: Database, logger: Logger, ttlMs = SEARCH_WEIGHTS_TTL_MS) {
  let cached: { config: SearchWeightConfig; readAt: number } | undefined;
  let loading: Promise<SearchWeightConfig> | undefined;

  async function read(): Promise<SearchWeightConfig> {
    const [row] = await db.select().from(searchWeights).where(eq(searchWeights.id, 1));
    // the migration inserts the row; should it be gone, the defaults apply until a PATCH recreates it
    const config = row ? toConfig(row) : { ...defaultSearchWeights, updatedAt: new Date(0).toISOString() };
    cached = { config, readAt: Date.now() };
    return config;
  }

  return {
    /** Fresh from PostgreSQL. */
    read,

    /**
     * For queries: the cached weights while fresh; concurrent misses share one read. While
     * PostgreSQL is down the last weights read (or the defaults) keep search working.
     */
    async current(): Promise<SearchWeights> {
      if (cached && Date.now() - cached.readAt < ttlMs) return cached.config;
      loading ??= read().finally(() => {
        loading = undefined;
      });
      try {
        return await loading;
      } catch (error) {
        logger.warn({ err: error }, 'search weights unreadable; using the last known ones');
        return cached?.config ?? defaultSearchWeights;
      }
    },

    async update(changes: SearchWeightsBody, updatedBy: number): Promise<SearchWeightConfig> {
      const set = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
      const [row] = await db
        .insert(searchWeights)
        .values({ id: 1, ...set, updatedBy })
        .onConflictDoUpdate({ target: searchWeights.id, set: { ...set, updatedBy, updatedAt: new Date() } })
        .returning();
      if (!row) throw new Error('search weights upsert returned no row');
      const config = toConfig(row);
      cached = { config, readAt: Date.now() };
      return config;
    },
  };
}

export type SearchWeightsStore = ReturnType<typeof searchWeightsStore>;
