export { createSearchClient, type SearchClient } from './client.ts';
export { formatSpecValue, loadProductDocuments, type ProductDocuments } from './documents.ts';
export { countDocuments, indexNumber, type LiveIndexInfo, liveIndexInfo } from './index-info.ts';
export {
  claimOutboxRows,
  completeOutboxRows,
  type Executor,
  failExhaustedLeases,
  failOutboxRows,
  nextOutboxRetryAt,
  type OutboxRow,
  type OutboxSummary,
  outboxSummary,
  outboxWatermark,
  pruneCompletedOutboxRows,
  recordCategorySearchChange,
  recordSearchChange,
  recordSpecDefinitionSearchChange,
  releaseOutboxRows,
  requeueFailedOutboxRows,
  requeueFailedOutboxRowsAfter,
  type SearchChange,
  type SearchChangeEvent,
} from './outbox.ts';
export type { ProductDocument, ProductDocumentSpec } from './product-document.ts';
export {
  detectKoreanAnalyzer,
  ensureProductIndex,
  type KoreanAnalyzer,
  PRODUCT_MAPPING_VERSION,
  type ProductIndexState,
  productAlias,
  productIndexBody,
} from './product-index.ts';
export {
  type ProjectionOutcome,
  projectProducts,
  REBUILD_BATCH_SIZE,
  type RebuildOptions,
  type RebuildProgress,
  rebuildProductQueryView,
} from './query-view.ts';
export {
  type ReindexContext,
  type ReindexLogger,
  type ReindexOutcome,
  reindexLockHeld,
  runFullReindex,
} from './reindex.ts';
export {
  activeBuildAlias,
  activeReindexRuns,
  buildAliasOf,
  failReindexRun,
  latestReindexRun,
  type ReindexRunRow,
  reindexJobId,
  requestFullReindex,
} from './reindex-runs.ts';
export {
  abortable,
  type DrainOptions,
  type DrainResult,
  drainOutbox,
  type SearchCall,
  type SyncContext,
  type SyncOutcome,
  type SyncTargets,
  syncProducts,
} from './sync.ts';
