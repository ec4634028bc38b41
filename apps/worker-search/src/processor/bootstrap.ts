import type { JobPayload, ProcessorContext } from '@pbshop/queues';
import { ensureProductIndex, liveIndexInfo, PRODUCT_MAPPING_VERSION } from '@pbshop/search';
import { sql } from 'drizzle-orm';
import type { SearchWorkerClients } from './clients.ts';
import { drain } from './drain.ts';
import { startFullReindex } from './full-reindex.ts';

/** One bootstrap job per start, retried with backoff until OpenSearch answers. */
export function enqueueBootstrap({ producers, logger }: SearchWorkerClients): void {
  producers
    .enqueue('search-index-sync', { requestId: `worker-search-start-${process.pid}`, reason: 'bootstrap' })
    .catch((error: unknown) => logger.warn({ err: error }, 'could not enqueue the index bootstrap job'));
}

/**
 * The bootstrap: index and alias present; a full reindex when the mapping is outdated or the index
 * new while products exist; then a drain.
 */
export async function bootstrap(
  clients: SearchWorkerClients,
  payload: JobPayload<'search-index-sync'>,
  context: ProcessorContext,
) {
  const { client, database, env, resilience, alias } = clients;
  const { signal, logger: jobLogger } = context;
  const state = await resilience.execute('search', () =>
    ensureProductIndex(client, env.OPENSEARCH_INDEX_PREFIX),
  );
  jobLogger.info(state, state.created ? 'created the products index' : 'products index present');
  const live = await resilience.execute('search', (s) => liveIndexInfo(client, alias, s), signal);
  let reason: string | null = null;
  if (live && live.mappingVersion < PRODUCT_MAPPING_VERSION) {
    reason = `the index ${live.index} has mapping version ${live.mappingVersion}, the code ${PRODUCT_MAPPING_VERSION}`;
  } else if (state.created) {
    const [row] = await database.db.execute<{ listed: boolean }>(
      sql`select exists (select 1 from products where deleted_at is null and status <> 'HIDDEN') as listed`,
    );
    if (row?.listed) reason = 'the index was created empty while products exist';
  }
  if (!reason) jobLogger.info({ mappingVersion: live?.mappingVersion }, 'products index mapping is current');
  const reindexRunId = reason ? await startFullReindex(clients, reason, payload.requestId, jobLogger) : null;
  await drain(clients, context);
  return reindexRunId ? { ...state, reindexRunId } : state;
}
