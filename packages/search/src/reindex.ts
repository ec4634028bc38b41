import type { SessionLocks } from '@pbshop/db';
import { sql } from 'drizzle-orm';
import { indexNumber, liveIndexInfo } from './index-info.ts';
import { outboxProductsAfter, outboxWatermark, requeueFailedOutboxRowsAfter } from './outbox.ts';
import { ensureProductIndex, productAlias, productIndexBody } from './product-index.ts';
import {
  buildAliasOf,
  failReindexRun,
  type ReindexRunRow,
  reindexRun,
  updateReindexRun,
} from './reindex-runs.ts';
import { abortable, type SyncContext, syncProducts } from './sync.ts';

export interface ReindexLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface ReindexContext extends SyncContext {
  /** the session lock that marks a run as being worked on */
  locks: SessionLocks;
  indexPrefix: string;
  logger: ReindexLogger;
}

export interface ReindexOptions {
  /** products per keyset page of the copy */
  batchSize: number;
  signal: AbortSignal;
}

export type ReindexOutcome =
  | { status: 'COMPLETED'; runId: number; index: string; previous: string[]; indexedProducts: number }
  | { status: 'SKIPPED'; runId: number; reason: string };

// held (session level) by the worker running a full reindex; a dead worker's lock goes with its connection
const RUN_LOCK = 75_031_002;
const NO_ID = 0;

/** Whether some worker is running a full reindex right now (holds the run lock). */
export function reindexLockHeld(locks: SessionLocks): Promise<boolean> {
  return locks.sessionLockHeld(RUN_LOCK);
}

/**
 * Runs (or resumes) a full reindex: builds `<alias>-v<N>` with the current mapping, copies every
 * product into it in keyset pages while the outbox drain writes every change into both indexes,
 * catches up the outbox rows above the watermark, swaps the read alias in one `_aliases` call,
 * and drops the old index. Searches read the old index until the swap. Progress is written to
 * the run row after every page. One worker at a time (a session advisory lock); a run resumed
 * after a crash starts its copy again into the same index (writes are versioned, so that is safe).
 */
export async function runFullReindex(
  context: ReindexContext,
  runId: number,
  options: ReindexOptions,
): Promise<ReindexOutcome> {
  const locked = await context.locks.withSessionLock(RUN_LOCK, async (): Promise<ReindexOutcome> => {
    const run = await reindexRun(context.db, runId);
    if (!run) return { status: 'SKIPPED', runId, reason: 'no such run' };
    if (run.status === 'COMPLETED' || run.status === 'FAILED') {
      return { status: 'SKIPPED', runId, reason: `the run is ${run.status} already` };
    }
    return runLocked(context, run, options);
  });
  return locked.acquired
    ? locked.value
    : { status: 'SKIPPED', runId, reason: 'another worker is running a full reindex' };
}

async function runLocked(
  context: ReindexContext,
  run: ReindexRunRow,
  options: ReindexOptions,
): Promise<ReindexOutcome> {
  const { db, client, call, logger } = context;
  const alias = productAlias(context.indexPrefix);
  const building = buildAliasOf(alias);
  let target = run.targetIndex;
  let previous: string[] = [];
  let swapped = false;
  try {
    const state = await call(() => ensureProductIndex(client, context.indexPrefix));
    const live = await call((signal) => liveIndexInfo(client, alias, signal));
    const holders = (live?.indices ?? []).filter((index) => index !== target);
    previous = [...new Set([...holders, ...(run.previousIndex?.split(',') ?? [])])].filter(
      (index) => index !== target,
    );
    if (!target) {
      target = `${alias}-v${await nextIndexNumber(context, alias)}`;
      await createTarget(context, target, state.analyzer, building);
      await updateReindexRun(db, run.id, {
        status: 'RUNNING',
        targetIndex: target,
        previousIndex: previous.join(',') || null,
        startedAt: new Date(),
      });
      // after the target is recorded (so every later drain writes into it too), and before the copy
      await updateReindexRun(db, run.id, {
        outboxWatermark: await outboxWatermark(db),
        totalProducts: await listedProductCount(context),
      });
    } else {
      // resumed: the index may be half-built (kept) or gone (made again)
      const exists = await call((signal) =>
        abortable(signal, client.indices.exists({ index: target! })).then((response) => response.body),
      );
      if (!exists) await createTarget(context, target, state.analyzer, building);
      await updateReindexRun(db, run.id, {
        status: 'RUNNING',
        startedAt: run.startedAt ?? new Date(),
        totalProducts: await listedProductCount(context),
      });
    }
    const current = (await reindexRun(db, run.id))!;
    const watermark = current.outboxWatermark ?? 0;
    logger.info(
      { runId: run.id, target, previous, totalProducts: current.totalProducts, watermark },
      'full reindex: copying products',
    );

    // resumed after a crash that came after the swap: only the clean-up is left
    swapped = live?.indices.includes(target) ?? false;
    let indexedProducts = current.indexedProducts;
    let cursor = watermark;
    if (!swapped) {
      indexedProducts = await copyProducts(context, run.id, building, options, current.totalProducts);
      // changes committed since the watermark: the drain wrote most into both indexes; make sure
      cursor = await catchUp(context, watermark, building, options);
      // The building alias stays on the new index (the next run moves it): a drain that read
      // "reindex running" just before the swap may still send a delete through it, and a bulk
      // delete to a name that no longer exists would auto-create a stray index of that name.
      const actions: object[] = [
        ...(holders.length > 0 ? [{ remove: { indices: holders, alias } }] : []),
        { add: { index: target, alias } },
      ];
      await call((signal) => abortable(signal, client.indices.updateAliases({ body: { actions } })));
      swapped = true;
      logger.info({ runId: run.id, alias, index: target, previous }, 'full reindex: read alias swapped');
    }
    // rows that arrived while swapping: the alias now leads to the new index
    cursor = await catchUp(context, cursor, alias, options);
    const requeued = await requeueFailedOutboxRowsAfter(db, watermark);
    if (requeued > 0) logger.info({ runId: run.id, requeued }, 'full reindex: failed outbox rows requeued');

    let note: string | null = null;
    for (const old of previous) {
      try {
        await call((signal) => abortable(signal, client.indices.delete({ index: old }, { ignore: [404] })));
      } catch (error) {
        note = `the alias points at ${target}, but the old index ${old} could not be deleted (${messageOf(error)}): delete it with DELETE /${old} on OpenSearch`;
        logger.warn({ runId: run.id, index: old, err: error }, 'full reindex: old index not deleted');
      }
    }
    await updateReindexRun(db, run.id, {
      status: 'COMPLETED',
      indexedProducts,
      error: note,
      finishedAt: new Date(),
    });
    logger.info(
      { runId: run.id, index: target, indexedProducts, outboxCursor: cursor },
      'full reindex completed',
    );
    return { status: 'COMPLETED', runId: run.id, index: target, previous, indexedProducts };
  } catch (error) {
    // a shutdown: the job goes back to its queue and the next worker resumes the run
    if (options.signal.aborted) throw error;
    const cause = messageOf(error);
    const livePart = previous.length > 0 ? previous.join(', ') : 'the previous index';
    const message = swapped
      ? `${cause}. The read alias already points at the new index ${target}; check GET /search/admin/index/status and delete any old index left behind`
      : `${cause}. Searches still use ${livePart}, unchanged. Fix the cause (GET /search/admin/index/status, /health), then start a new full reindex with POST /search/admin/index/reindex`;
    // FAILED first, so drains stop writing into the half-built index before it is dropped
    await failReindexRun(db, run.id, message);
    if (!swapped && target) {
      const dropped = target;
      await call((signal) =>
        abortable(signal, client.indices.delete({ index: dropped }, { ignore: [404] })),
      ).catch(() => {});
    }
    logger.warn({ runId: run.id, target, err: error }, 'full reindex failed');
    throw new Error(`full reindex ${run.id} failed: ${message}`, { cause: error });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function nextIndexNumber(context: ReindexContext, alias: string): Promise<number> {
  const response = await context.call((signal) =>
    abortable(
      signal,
      context.client.indices.get({ index: `${alias}-v*`, expand_wildcards: 'all' }, { ignore: [404] }),
    ),
  );
  const names = response.statusCode === 404 ? [] : Object.keys(response.body ?? {});
  return Math.max(0, ...names.map(indexNumber)) + 1;
}

async function createTarget(
  context: ReindexContext,
  target: string,
  analyzer: Parameters<typeof productIndexBody>[0],
  building: string,
): Promise<void> {
  // the building alias stays on the live index after a run, and an interrupted run may leave it
  // elsewhere: on two indexes it would make writes ambiguous. No drain writes through it now (no
  // run is RUNNING with a target yet).
  await context.call((signal) =>
    abortable(
      signal,
      context.client.indices.deleteAlias({ index: '_all', name: building }, { ignore: [404] }),
    ),
  );
  // an index of that very name (auto-created by a write through a vanished alias, before the
  // alias was kept) would block the alias: it never holds anything the live index lacks
  const stray = await context.call((signal) =>
    abortable(signal, context.client.indices.get({ index: building }, { ignore: [404] })),
  );
  if (stray.statusCode !== 404 && Object.keys(stray.body ?? {}).includes(building)) {
    context.logger.warn(
      { index: building },
      'full reindex: deleting a stray index named like the building alias',
    );
    await context.call((signal) =>
      abortable(signal, context.client.indices.delete({ index: building }, { ignore: [404] })),
    );
  }
  await context.call((signal) =>
    abortable(
      signal,
      context.client.indices.create({
        index: target,
        body: { ...productIndexBody(analyzer), aliases: { [building]: {} } } as never,
      }),
    ),
  );
}

async function listedProductCount(context: ReindexContext): Promise<number> {
  const [row] = await context.db.execute<{ count: number }>(
    sql`select count(*)::int as count from products where deleted_at is null and status <> 'HIDDEN'`,
  );
  return row?.count ?? 0;
}

/** Every listed product, by id in keyset pages, into the index being built; progress on the run row. */
async function copyProducts(
  context: ReindexContext,
  runId: number,
  building: string,
  options: ReindexOptions,
  total: number | null,
): Promise<number> {
  let last = NO_ID;
  let indexed = 0;
  for (;;) {
    options.signal.throwIfAborted();
    const rows = await context.db.execute<{ id: number }>(sql`
      select id from products
      where id > ${last} and deleted_at is null and status <> 'HIDDEN'
      order by id
      limit ${options.batchSize}`);
    const ids = [...rows].map((row) => row.id);
    if (ids.length === 0) return indexed;
    const outcome = await syncProducts(context, ids, { alias: building });
    if (outcome.failures.size > 0) {
      const [id, reason] = [...outcome.failures][0]!;
      throw new Error(`${outcome.failures.size} products could not be copied (e.g. ${id}: ${reason})`);
    }
    indexed += ids.length;
    last = ids[ids.length - 1]!;
    await updateReindexRun(context.db, runId, { indexedProducts: indexed });
    context.logger.info({ runId, indexedProducts: indexed, totalProducts: total }, 'full reindex: progress');
  }
}

/**
 * Re-syncs into `target` the products of outbox rows above `afterId`, up to the newest row at the
 * start (later rows are the drain's: it writes into both indexes). The id reached.
 */
async function catchUp(
  context: ReindexContext,
  afterId: number,
  target: string,
  options: ReindexOptions,
): Promise<number> {
  const head = await outboxWatermark(context.db);
  let cursor = afterId;
  while (cursor < head) {
    options.signal.throwIfAborted();
    const page = await outboxProductsAfter(context.db, cursor, options.batchSize);
    if (page.lastId === cursor) break;
    const outcome = await syncProducts(context, page.productIds, { alias: target });
    if (outcome.failures.size > 0) {
      const [id, reason] = [...outcome.failures][0]!;
      throw new Error(
        `${outcome.failures.size} changed products could not be caught up (e.g. ${id}: ${reason})`,
      );
    }
    cursor = page.lastId;
  }
  return cursor;
}
