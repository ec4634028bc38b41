import type { Logger } from '@pbshop/config';
import { crawlerJobs, crawlerRuns, type Database } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import type { JobProducers } from '@pbshop/queues';
import { and, count, desc, eq, type SQL, sql } from 'drizzle-orm';
import type {
  CrawlerJobResponse,
  CrawlerMonitoringResponse,
  CrawlerRunResponse,
  CrawlerTriggerBody,
  CreateCrawlerJobBody,
  UpdateCrawlerJobBody,
} from './schemas.ts';

export const CRAWLER_TIME_ZONE = 'Asia/Seoul';
/** The BullMQ job scheduler that fires a crawler job (worker-crawler uses the same name). */
export const schedulerIdOf = (jobId: number) => `crawler-job-${jobId}`;
/** The BullMQ job that carries a manual run, so a run is queued once. */
export const queueJobIdOfRun = (runId: number) => `crawler-run-${runId}`;

type JobRow = typeof crawlerJobs.$inferSelect;
type RunRow = typeof crawlerRuns.$inferSelect;

export interface CrawlerAdminDeps {
  db: Database;
  producers: Pick<JobProducers, 'enqueue' | 'queues'>;
  logger: Logger;
  /** whether a live shop has this id (the sellers module) */
  sellerExists(sellerId: number): Promise<boolean>;
}

const iso = (value: Date | string | null | undefined) =>
  value === null || value === undefined ? null : new Date(value).toISOString();

function toRun(row: RunRow): CrawlerRunResponse {
  const endedAt = iso(row.endedAt);
  return {
    id: row.id,
    jobId: row.jobId,
    sellerId: row.sellerId,
    productId: row.productId,
    triggerType: row.triggerType,
    collectPrice: row.collectPrice,
    collectSpec: row.collectSpec,
    detectAnomaly: row.detectAnomaly,
    status: row.status,
    startedAt: iso(row.startedAt),
    endedAt,
    finishedAt: endedAt,
    durationMs: row.durationMs,
    duration: row.durationMs,
    attempts: row.attempts,
    itemsProcessed: row.itemsProcessed,
    itemsCreated: row.itemsCreated,
    itemsUpdated: row.itemsUpdated,
    itemsUnchanged: row.itemsUnchanged,
    itemsFailed: row.itemsFailed,
    itemsUnmatched: row.itemsUnmatched,
    collectedPriceCount: row.collectPrice ? row.itemsCreated + row.itemsUpdated + row.itemsUnchanged : 0,
    collectedSpecCount: 0,
    anomalyCount: row.anomalyCount,
    errorClass: row.errorClass,
    errorMessage: row.errorMessage,
    createdAt: row.createdAt.toISOString(),
  };
}

function itemsMeta(totalItems: number, itemCount: number, page: number, limit: number) {
  return {
    totalItems,
    itemCount,
    itemsPerPage: limit,
    totalPages: Math.ceil(totalItems / limit),
    currentPage: page,
  };
}

/**
 * Crawler jobs, their schedules and runs (CRAW-01/04/06); owns `crawler_jobs` and `crawler_runs`
 * with worker-crawler, which records what a run did. A job's schedule is a BullMQ job scheduler
 * (`crawler-job-<id>`, cron in Asia/Seoul) created, changed and removed with the job: present
 * exactly while the job is active and has a cron expression.
 */
export function crawlerAdminService({ db, producers, logger, sellerExists }: CrawlerAdminDeps) {
  const queue = () => producers.queues['crawler-collect'];

  /** Makes the job's scheduler match its row; a refused cron expression is a 400. */
  async function syncSchedule(job: Pick<JobRow, 'id' | 'isActive' | 'cronExpression'>) {
    const id = schedulerIdOf(job.id);
    if (!job.isActive || !job.cronExpression) {
      await queue().removeJobScheduler(id);
      return;
    }
    try {
      await queue().upsertJobScheduler(
        id,
        { pattern: job.cronExpression, tz: CRAWLER_TIME_ZONE },
        { name: 'crawler-collect', data: { requestId: `scheduler:${id}`, jobId: job.id } },
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // BullMQ's cron parser refuses the pattern: the caller's mistake
      if (/cron|pattern|invalid|constraint|range|validation/i.test(message)) {
        throw new AppError('VALIDATION_ERROR', {
          details: [{ field: 'body.cronExpression', message: `not a valid cron expression: ${message}` }],
        });
      }
      throw error;
    }
  }

  async function nextRunAt(job: JobRow): Promise<string | null> {
    if (!job.isActive || !job.cronExpression) return null;
    try {
      const scheduler = await queue().getJobScheduler(schedulerIdOf(job.id));
      return scheduler?.next ? new Date(scheduler.next).toISOString() : null;
    } catch (error) {
      logger.warn({ err: error, jobId: job.id }, 'crawler schedule not read');
      return null;
    }
  }

  const lastRunAt = sql<
    string | null
  >`(select max(r.created_at) from crawler_runs r where r.job_id = crawler_jobs.id)`;
  const running = sql<boolean>`exists (select 1 from crawler_runs r where r.job_id = crawler_jobs.id
    and r.status in ('QUEUED', 'PROCESSING'))`;

  async function toJob(
    row: JobRow & { lastRunAt: string | null; running: boolean },
  ): Promise<CrawlerJobResponse> {
    return {
      id: row.id,
      sellerId: row.sellerId,
      name: row.name,
      cronExpression: row.cronExpression,
      schedule: row.cronExpression,
      timeZone: CRAWLER_TIME_ZONE,
      collectPrice: row.collectPrice,
      collectSpec: row.collectSpec,
      detectAnomaly: row.detectAnomaly,
      isActive: row.isActive,
      status: !row.isActive ? 'DISABLED' : row.running ? 'RUNNING' : 'IDLE',
      targets: row.targets,
      listingUrls: row.listingUrls,
      selectors: Object.fromEntries(
        Object.entries(row.selectors).filter(
          (entry): entry is [string, string] => typeof entry[1] === 'string',
        ),
      ),
      consecutiveFailures: row.consecutiveFailures,
      disabledReason: row.disabledReason,
      lastTriggeredAt: iso(row.lastTriggeredAt),
      lastRunAt: iso(row.lastRunAt),
      nextRunAt: await nextRunAt(row),
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    };
  }

  async function jobById(id: number) {
    const [row] = await db
      .select({ job: crawlerJobs, lastRunAt, running })
      .from(crawlerJobs)
      .where(eq(crawlerJobs.id, id));
    if (!row) throw new AppError('CRAWLER_JOB_NOT_FOUND');
    return toJob({ ...row.job, lastRunAt: row.lastRunAt, running: row.running });
  }

  async function assertSeller(sellerId: number) {
    if (!(await sellerExists(sellerId))) throw new AppError('SELLER_NOT_FOUND');
  }

  /** The spec form's single `targetUrl`: a listing page when it looks like one, else a product page. */
  function pagesOf(body: CreateCrawlerJobBody | UpdateCrawlerJobBody) {
    const targets = body.targets ? [...body.targets] : undefined;
    const listingUrls = body.listingUrls ? [...body.listingUrls] : undefined;
    if (body.targetUrl === undefined) return { targets, listingUrls };
    return { targets: [...(targets ?? []), { url: body.targetUrl }], listingUrls };
  }

  /** Records a QUEUED run and queues it; a run that cannot be queued ends FAILED and says so. */
  async function queueRun(
    values: Pick<typeof crawlerRuns.$inferInsert, 'jobId' | 'sellerId' | 'productId'> & {
      collectPrice: boolean;
      collectSpec: boolean;
      detectAnomaly: boolean;
    },
    requestId: string,
  ): Promise<CrawlerRunResponse & { message: string; runId: number }> {
    const run = await db.transaction(async (tx) => {
      const [inserted] = await tx
        .insert(crawlerRuns)
        .values({ ...values, triggerType: 'MANUAL', status: 'QUEUED' })
        .returning();
      if (!inserted) throw new Error('crawler run not recorded');
      const [row] = await tx
        .update(crawlerRuns)
        .set({ queueJobId: queueJobIdOfRun(inserted.id) })
        .where(eq(crawlerRuns.id, inserted.id))
        .returning();
      if (values.jobId) {
        await tx
          .update(crawlerJobs)
          .set({ lastTriggeredAt: new Date() })
          .where(eq(crawlerJobs.id, values.jobId));
      }
      return row ?? inserted;
    });
    try {
      await producers.enqueue(
        'crawler-collect',
        { requestId, runId: run.id, sellerId: run.sellerId },
        { jobId: queueJobIdOfRun(run.id) },
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await db
        .update(crawlerRuns)
        .set({
          status: 'FAILED',
          endedAt: new Date(),
          errorMessage: `the run could not be queued: ${message}`.slice(0, 1000),
          updatedAt: new Date(),
        })
        .where(eq(crawlerRuns.id, run.id));
      logger.error({ err: error, runId: run.id }, 'crawler run not queued');
      throw new AppError('CRAWLER_BUSY');
    }
    return { ...toRun(run), message: 'The crawler run is queued.', runId: run.id };
  }

  return {
    async listJobs(query: {
      page: number;
      limit: number;
      sellerId?: number;
      isActive?: boolean;
      status?: 'ACTIVE' | 'INACTIVE';
    }) {
      const conditions: SQL[] = [];
      if (query.sellerId !== undefined) conditions.push(eq(crawlerJobs.sellerId, query.sellerId));
      const active = query.isActive ?? (query.status === undefined ? undefined : query.status === 'ACTIVE');
      if (active !== undefined) conditions.push(eq(crawlerJobs.isActive, active));
      const where = conditions.length > 0 ? and(...conditions) : undefined;
      const [rows, [total]] = await Promise.all([
        db
          .select({ job: crawlerJobs, lastRunAt, running })
          .from(crawlerJobs)
          .where(where)
          .orderBy(desc(crawlerJobs.id))
          .limit(query.limit)
          .offset((query.page - 1) * query.limit),
        db.select({ value: count() }).from(crawlerJobs).where(where),
      ]);
      const items = await Promise.all(
        rows.map((row) => toJob({ ...row.job, lastRunAt: row.lastRunAt, running: row.running })),
      );
      return { items, meta: itemsMeta(total?.value ?? 0, items.length, query.page, query.limit) };
    },

    getJob: jobById,

    async createJob(body: CreateCrawlerJobBody): Promise<CrawlerJobResponse> {
      await assertSeller(body.sellerId);
      const pages = pagesOf(body);
      const id = await db.transaction(async (tx) => {
        const [row] = await tx
          .insert(crawlerJobs)
          .values({
            sellerId: body.sellerId,
            name: body.name,
            cronExpression: body.cronExpression ?? body.schedule ?? null,
            collectPrice: body.collectPrice ?? true,
            collectSpec: body.collectSpec ?? true,
            detectAnomaly: body.detectAnomaly ?? true,
            isActive: body.isActive ?? true,
            targets: pages.targets ?? [],
            listingUrls: pages.listingUrls ?? [],
            selectors: body.selectors ?? {},
          })
          .returning();
        if (!row) throw new Error('crawler job not recorded');
        // inside the transaction: a refused schedule leaves no job behind
        await syncSchedule(row);
        return row.id;
      });
      return jobById(id);
    },

    async updateJob(id: number, body: UpdateCrawlerJobBody): Promise<CrawlerJobResponse> {
      if (body.sellerId !== undefined) await assertSeller(body.sellerId);
      const pages = pagesOf(body);
      await db.transaction(async (tx) => {
        const [current] = await tx.select().from(crawlerJobs).where(eq(crawlerJobs.id, id)).for('update');
        if (!current) throw new AppError('CRAWLER_JOB_NOT_FOUND');
        const cron = body.cronExpression !== undefined ? body.cronExpression : body.schedule;
        const isActive = body.isActive ?? current.isActive;
        const [row] = await tx
          .update(crawlerJobs)
          .set({
            sellerId: body.sellerId ?? current.sellerId,
            name: body.name ?? current.name,
            cronExpression: cron === undefined ? current.cronExpression : cron,
            collectPrice: body.collectPrice ?? current.collectPrice,
            collectSpec: body.collectSpec ?? current.collectSpec,
            detectAnomaly: body.detectAnomaly ?? current.detectAnomaly,
            isActive,
            targets: pages.targets ?? current.targets,
            listingUrls: pages.listingUrls ?? current.listingUrls,
            selectors: body.selectors ?? current.selectors,
            // turned on again by an admin: the failure streak and the automatic reason end
            ...(isActive && !current.isActive ? { consecutiveFailures: 0, disabledReason: null } : {}),
            updatedAt: new Date(),
          })
          .where(eq(crawlerJobs.id, id))
          .returning();
        if (row) await syncSchedule(row);
      });
      return jobById(id);
    },

    async deleteJob(id: number): Promise<void> {
      await db.transaction(async (tx) => {
        const [row] = await tx
          .delete(crawlerJobs)
          .where(eq(crawlerJobs.id, id))
          .returning({ id: crawlerJobs.id });
        if (!row) throw new AppError('CRAWLER_JOB_NOT_FOUND');
        await queue().removeJobScheduler(schedulerIdOf(id));
      });
    },

    /** A MANUAL run of the job's pages (also of a disabled job: an admin asked for it). */
    async runJob(id: number, requestId: string) {
      const [job] = await db.select().from(crawlerJobs).where(eq(crawlerJobs.id, id));
      if (!job) throw new AppError('CRAWLER_JOB_NOT_FOUND');
      return queueRun(
        {
          jobId: job.id,
          sellerId: job.sellerId,
          productId: null,
          collectPrice: job.collectPrice,
          collectSpec: job.collectSpec,
          detectAnomaly: job.detectAnomaly,
        },
        requestId,
      );
    },

    /**
     * A MANUAL run for a seller: the pages of its active jobs, or with `productId` only that
     * product's pages (its job targets, its stored code link, or the seller's offer URL).
     */
    async trigger(body: CrawlerTriggerBody, requestId: string) {
      await assertSeller(body.sellerId);
      const [job] = await db
        .select()
        .from(crawlerJobs)
        .where(and(eq(crawlerJobs.sellerId, body.sellerId), eq(crawlerJobs.isActive, true)))
        .orderBy(crawlerJobs.id)
        .limit(1);
      return queueRun(
        {
          jobId: job?.id ?? null,
          sellerId: body.sellerId,
          productId: body.productId ?? null,
          collectPrice: body.collectPrice ?? job?.collectPrice ?? true,
          collectSpec: body.collectSpec ?? job?.collectSpec ?? true,
          detectAnomaly: body.detectAnomaly ?? job?.detectAnomaly ?? true,
        },
        requestId,
      );
    },

    async listRuns(query: {
      page: number;
      limit: number;
      status?: RunRow['status'];
      jobId?: number;
      sellerId?: number;
      errorClass?: NonNullable<RunRow['errorClass']>;
    }) {
      const conditions: SQL[] = [];
      if (query.status) conditions.push(eq(crawlerRuns.status, query.status));
      if (query.jobId !== undefined) conditions.push(eq(crawlerRuns.jobId, query.jobId));
      if (query.sellerId !== undefined) conditions.push(eq(crawlerRuns.sellerId, query.sellerId));
      if (query.errorClass) conditions.push(eq(crawlerRuns.errorClass, query.errorClass));
      const where = conditions.length > 0 ? and(...conditions) : undefined;
      const [rows, [total]] = await Promise.all([
        db
          .select()
          .from(crawlerRuns)
          .where(where)
          // newest first: a run not started yet sorts by when it was queued
          .orderBy(
            sql`coalesce(${crawlerRuns.startedAt}, ${crawlerRuns.createdAt}) desc`,
            desc(crawlerRuns.id),
          )
          .limit(query.limit)
          .offset((query.page - 1) * query.limit),
        db.select({ value: count() }).from(crawlerRuns).where(where),
      ]);
      const items = rows.map(toRun);
      return { items, meta: itemsMeta(total?.value ?? 0, items.length, query.page, query.limit) };
    },

    async getRun(id: number) {
      const [row] = await db.select().from(crawlerRuns).where(eq(crawlerRuns.id, id));
      if (!row) throw new AppError('CRAWLER_RUN_NOT_FOUND');
      return { ...toRun(row), itemErrors: row.itemErrors };
    },

    async monitoring(): Promise<CrawlerMonitoringResponse> {
      const [[totals], [day], byClass, jobs] = await Promise.all([
        db
          .select({
            totalRuns: sql<number>`count(*)::int`,
            queuedRuns: sql<number>`(count(*) filter (where status = 'QUEUED'))::int`,
            processingRuns: sql<number>`(count(*) filter (where status = 'PROCESSING'))::int`,
            successRuns: sql<number>`(count(*) filter (where status = 'SUCCESS'))::int`,
            partialRuns: sql<number>`(count(*) filter (where status = 'PARTIAL'))::int`,
            failedRuns: sql<number>`(count(*) filter (where status = 'FAILED'))::int`,
            latestRunAt: sql<string | null>`max(coalesce(started_at, created_at))`,
            latestSuccessAt: sql<
              string | null
            >`max(ended_at) filter (where status in ('SUCCESS', 'PARTIAL'))`,
          })
          .from(crawlerRuns),
        db
          .select({
            runs: sql<number>`count(*)::int`,
            items: sql<number>`coalesce(sum(items_processed), 0)::int`,
            ms: sql<number>`coalesce(sum(duration_ms), 0)::bigint`,
          })
          .from(crawlerRuns)
          .where(sql`${crawlerRuns.createdAt} > now() - interval '24 hours'`),
        // every failed item and every failed run, by class
        db.execute<{ error_class: string; failures: number }>(sql`
          select error_class, sum(n)::int as failures from (
            select (e ->> 'errorClass') as error_class, 1 as n
            from crawler_runs r, jsonb_array_elements(r.item_errors) e
            where r.created_at > now() - interval '24 hours' and e ->> 'kind' is distinct from 'SPEC'
            union all
            select error_class::text, 1 from crawler_runs
            where created_at > now() - interval '24 hours' and status = 'FAILED'
              and error_class is not null and item_errors = '[]'::jsonb
          ) f group by error_class`),
        db.execute<{
          id: number;
          name: string;
          seller_id: number;
          is_active: boolean;
          consecutive_failures: number;
          disabled_reason: string | null;
          latest_run_at: string | null;
          latest_run_status: RunRow['status'] | null;
          latest_success_at: string | null;
        }>(sql`
          select j.id, j.name, j.seller_id, j.is_active, j.consecutive_failures, j.disabled_reason,
                 latest.at as latest_run_at, latest.status as latest_run_status,
                 (select max(r.ended_at) from crawler_runs r
                   where r.job_id = j.id and r.status in ('SUCCESS', 'PARTIAL')) as latest_success_at
          from crawler_jobs j
          left join lateral (
            select coalesce(r.started_at, r.created_at) as at, r.status from crawler_runs r
            where r.job_id = j.id order by r.created_at desc, r.id desc limit 1
          ) latest on true
          order by j.id
          limit 500`),
      ]);
      const success = (totals?.successRuns ?? 0) + (totals?.partialRuns ?? 0);
      const failed = totals?.failedRuns ?? 0;
      const seconds = Number(day?.ms ?? 0) / 1000;
      return {
        totalRuns: totals?.totalRuns ?? 0,
        queuedRuns: totals?.queuedRuns ?? 0,
        processingRuns: totals?.processingRuns ?? 0,
        successRuns: totals?.successRuns ?? 0,
        partialRuns: totals?.partialRuns ?? 0,
        failedRuns: failed,
        successRate: success + failed === 0 ? 0 : Math.round((success / (success + failed)) * 10000) / 100,
        latestRunAt: iso(totals?.latestRunAt),
        latestSuccessAt: iso(totals?.latestSuccessAt),
        last24h: {
          runs: day?.runs ?? 0,
          itemsProcessed: day?.items ?? 0,
          itemsPerSecond: seconds === 0 ? 0 : Math.round(((day?.items ?? 0) / seconds) * 100) / 100,
          failuresByErrorClass: Object.fromEntries(
            [...byClass].map((row) => [row.error_class, row.failures]),
          ),
        },
        jobs: [...jobs].map((row) => ({
          jobId: Number(row.id),
          name: row.name,
          sellerId: Number(row.seller_id),
          isActive: row.is_active,
          consecutiveFailures: row.consecutive_failures,
          disabledReason: row.disabled_reason,
          latestRunAt: iso(row.latest_run_at),
          latestRunStatus: row.latest_run_status,
          latestSuccessAt: iso(row.latest_success_at),
        })),
      };
    },
  };
}

export type CrawlerAdminService = ReturnType<typeof crawlerAdminService>;
