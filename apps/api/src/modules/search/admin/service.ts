import type { Env, Logger } from '@pbshop/config';
import { type Database, products } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import type { JobProducers, SearchSyncSignal } from '@pbshop/queues';
import type { ResilienceRegistry } from '@pbshop/resilience';
import {
  countDocuments,
  failReindexRun,
  latestReindexRun,
  liveIndexInfo,
  outboxSummary,
  PRODUCT_MAPPING_VERSION,
  productAlias,
  type ReindexRunRow,
  recordSearchChange,
  reindexJobId,
  requestFullReindex,
  requeueFailedOutboxRows,
  type SearchClient,
} from '@pbshop/search';
import { eq, sql } from 'drizzle-orm';
import type { IndexStatus, OutboxSummaryResponse, ReindexRun } from './schemas.ts';

export interface SearchAdminDeps {
  env: Env;
  logger: Logger;
  db: Database;
  search: SearchClient;
  resilience: ResilienceRegistry;
  producers: JobProducers;
  searchSync: SearchSyncSignal;
}

const toRun = (row: ReindexRunRow): ReindexRun => ({
  id: row.id,
  status: row.status,
  targetIndex: row.targetIndex,
  previousIndex: row.previousIndex,
  totalProducts: row.totalProducts,
  indexedProducts: row.indexedProducts,
  progressPercent:
    row.status === 'COMPLETED'
      ? 100
      : row.totalProducts
        ? Math.min(100, Math.floor((row.indexedProducts / row.totalProducts) * 100))
        : 0,
  error: row.error,
  requestedBy: row.requestedBy,
  startedAt: row.startedAt?.toISOString() ?? null,
  finishedAt: row.finishedAt?.toISOString() ?? null,
  createdAt: row.createdAt.toISOString(),
});

/** The search index and its sync, for operators (runbook §4.2, §5.1). */
export function searchAdminService(deps: SearchAdminDeps) {
  const { db } = deps;
  const alias = productAlias(deps.env.OPENSEARCH_INDEX_PREFIX);

  async function listedProductCount(): Promise<number> {
    const [row] = await db.execute<{ count: number }>(
      sql`select count(*)::int as count from products where deleted_at is null and status <> 'HIDDEN'`,
    );
    return row?.count ?? 0;
  }

  /** What OpenSearch says; an outage is reported, not thrown. */
  async function liveIndex() {
    try {
      return await deps.resilience.execute('search', async (signal) => {
        const info = await liveIndexInfo(deps.search, alias, signal);
        const documentCount = info ? await countDocuments(deps.search, alias, signal) : 0;
        return { info, documentCount, error: null };
      });
    } catch (error) {
      deps.logger.warn({ err: error }, 'search index status: OpenSearch did not answer');
      return {
        info: null,
        documentCount: null,
        error: `OpenSearch unavailable: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  }

  return {
    async status(): Promise<IndexStatus> {
      const [live, productCount, summary, run] = await Promise.all([
        liveIndex(),
        listedProductCount(),
        outboxSummary(db),
        latestReindexRun(db),
      ]);
      const { info, documentCount, error } = live;
      return {
        alias,
        index: info?.index ?? null,
        exists: info !== null,
        documentCount,
        productCount,
        missingDocuments: documentCount === null ? null : Math.max(0, productCount - documentCount),
        analyzer: info?.analyzer ?? null,
        mappingVersion: info ? info.mappingVersion : null,
        latestMappingVersion: PRODUCT_MAPPING_VERSION,
        lastSyncAt: summary.lastProcessedAt,
        outboxLag: { pending: summary.pending, oldestPendingAgeSeconds: summary.oldestPendingAgeSeconds },
        reindex: run ? toRun(run) : null,
        error: error ?? (info === null ? `the alias ${alias} does not exist: restart worker-search` : null),
      };
    },

    outboxSummary: (): Promise<OutboxSummaryResponse> => outboxSummary(db),

    /** FAILED rows back to PENDING (most recently failed first), and the worker woken. */
    async requeueFailed(limit: number, requestId: string): Promise<number> {
      const count = await requeueFailedOutboxRows(db, limit);
      if (count > 0) await deps.searchSync.wake({ reason: 'requeue', requestId });
      return count;
    },

    /** An outbox row for the product (its current state is indexed, or it leaves the index). */
    async reindexProduct(productId: number, requestId: string): Promise<void> {
      await db.transaction(async (tx) => {
        // a soft-deleted product is known too: its reindex removes a stale document
        const [row] = await tx.select({ id: products.id }).from(products).where(eq(products.id, productId));
        if (!row) throw new AppError('PRODUCT_NOT_FOUND');
        await recordSearchChange(tx, {
          eventType: 'PRODUCT_UPSERT',
          productIds: [productId],
          payload: { reason: 'admin-reindex' },
        });
      });
      await deps.searchSync.wake({ reason: 'product-reindex', productId, requestId });
    },

    /** A QUEUED run and its job; 409 CONFLICT while another run is QUEUED or RUNNING. */
    async fullReindex(requestedBy: number, requestId: string): Promise<{ runId: number; jobId: string }> {
      const { run, created } = await requestFullReindex(db, { requestedBy });
      if (!created) {
        throw new AppError('CONFLICT', {
          details: {
            reason: 'a full reindex is already queued or running',
            runId: run.id,
            status: run.status,
          },
        });
      }
      const jobId = reindexJobId(run.id);
      try {
        await deps.producers.enqueue(
          'search-index-sync',
          { requestId, reason: 'full-reindex', runId: run.id },
          { jobId, attempts: 1 },
        );
      } catch (error) {
        await failReindexRun(
          db,
          run.id,
          `not queued: ${error instanceof Error ? error.message : String(error)}`,
        );
        throw new AppError('SERVICE_UNAVAILABLE', {
          details: { reason: 'the job queue (Redis) is unavailable; try again shortly' },
          cause: error,
        });
      }
      return { runId: run.id, jobId };
    },
  };
}

export type SearchAdminService = ReturnType<typeof searchAdminService>;
