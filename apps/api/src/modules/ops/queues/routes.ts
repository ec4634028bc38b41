import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorBody, errorResponses, ok } from '../../../http/envelope.ts';
import { member } from '../../../http/principal.ts';
import type { AuditedAction, RunAudited } from '../audit/service.ts';
import {
  autoRetryQuery,
  autoRetryResult,
  bulkRetryQuery,
  bulkRetryResult,
  failedJobsQuery,
  failedJobsResponse,
  jobParams,
  jobRemoveResult,
  jobRetryResult,
  pauseResult,
  queueParams,
  queueStats,
  supportedQueues,
  uiSession,
} from './schemas.ts';
import type { QueueAdminService } from './service.ts';
import { QUEUE_UI_PATH, type QueueUiSessions } from './ui-session.ts';

export interface QueueAdminRoutesDeps {
  queueAdmin: QueueAdminService;
  /** the admin audit trail: every action here is recorded with its outcome */
  audit: RunAudited;
  queueUiSessions: Pick<QueueUiSessions, 'issue' | 'cookie'>;
}

const errors = errorResponses(400, 401, 403, 503);
const jobErrors = { ...errors, 404: errorBody };

/**
 * Queue operations for operators (ops contract §2.B.6, runbook §4.3), ADMIN only: the supported
 * queues, their counts, failed jobs, retries (one, bulk, across queues), deletion, pause and resume,
 * and the session cookie of the queue UI. Every action is written to the admin audit log.
 */
export function queueAdminRoutes({
  queueAdmin,
  audit,
  queueUiSessions,
}: QueueAdminRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const admin = { access: 'admin' as const };
    const tags = ['queue-admin'];
    const action = (
      request: FastifyRequest,
      name: string,
      target: string,
      parameters?: Record<string, unknown>,
    ): AuditedAction => ({
      actorId: member(request).id,
      action: name,
      target,
      requestId: request.id,
      request: parameters,
    });

    routes.get(
      '/admin/queues/supported',
      {
        config: admin,
        schema: {
          tags,
          summary: 'The queues the admin API manages',
          response: { 200: envelope(supportedQueues), ...errorResponses(401, 403) },
        },
      },
      async () => ok({ items: queueAdmin.supported() }),
    );

    routes.get(
      '/admin/queues/stats',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Per queue: paused, job counts by state, worker connections and live worker processes',
          response: { 200: envelope(queueStats), ...errors },
        },
      },
      async () => ok(await queueAdmin.stats()),
    );

    routes.post(
      '/admin/queues/auto-retry',
      {
        config: admin,
        schema: {
          tags,
          summary:
            'Retry failed jobs across the queues in their listed order (oldest failure first): `perQueueLimit` 1..200 (20) per queue, `maxTotal` 1..500 (100) in all',
          querystring: autoRetryQuery,
          response: { 200: envelope(autoRetryResult), ...errors },
        },
      },
      async (request) => {
        const { perQueueLimit, maxTotal } = request.query;
        const result = await audit(
          action(request, 'queue.auto-retry', '*', { perQueueLimit, maxTotal }),
          () => queueAdmin.autoRetry(perQueueLimit, maxTotal),
          ({ retriedTotal, items }) => ({
            retriedTotal,
            jobIds: Object.fromEntries(items.map((item) => [item.queueName, item.jobIds])),
          }),
        );
        return ok(result);
      },
    );

    routes.get(
      '/admin/queues/:queueName/failed',
      {
        config: admin,
        schema: {
          tags,
          summary:
            'Failed jobs of a queue, a page (`page`, `limit` 1..100) in `data.items` with `data.meta`; the latest failure first unless `newestFirst=false`',
          params: queueParams,
          querystring: failedJobsQuery,
          response: { 200: failedJobsResponse, ...errors },
        },
      },
      async (request) => {
        const { page, limit, newestFirst } = request.query;
        const result = await queueAdmin.failedJobs(request.params.queueName, { page, limit, newestFirst });
        return {
          success: true as const,
          data: result,
          meta: { page, limit, totalCount: result.meta.totalItems, totalPages: result.meta.totalPages },
        };
      },
    );

    routes.post(
      '/admin/queues/:queueName/failed/retry',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Retry up to `limit` (1..200, default 50) failed jobs of a queue, oldest failure first',
          params: queueParams,
          querystring: bulkRetryQuery,
          response: { 200: envelope(bulkRetryResult), ...errors },
        },
      },
      async (request) => {
        const { queueName } = request.params;
        const { limit } = request.query;
        const result = await audit(
          action(request, 'queue.failed.retry', queueName, { limit }),
          () => queueAdmin.retryFailed(queueName, limit),
          ({ requeuedCount, jobIds }) => ({ requeuedCount, jobIds }),
        );
        return ok(result);
      },
    );

    routes.post(
      '/admin/queues/:queueName/jobs/:jobId/retry',
      {
        config: admin,
        schema: {
          tags,
          summary:
            'Retry one failed job; a job in any other state is 400 INVALID_STATUS_TRANSITION, a missing one 404',
          params: jobParams,
          response: { 200: envelope(jobRetryResult), ...jobErrors },
        },
      },
      async (request) => {
        const { queueName, jobId } = request.params;
        return ok(
          await audit(action(request, 'queue.job.retry', `${queueName}/${jobId}`), () =>
            queueAdmin.retryJob(queueName, jobId),
          ),
        );
      },
    );

    routes.delete(
      '/admin/queues/:queueName/jobs/:jobId',
      {
        config: admin,
        schema: {
          tags,
          summary:
            'Delete one job (and its child jobs) in any state but active (400 INVALID_STATUS_TRANSITION); a missing one is 404',
          params: jobParams,
          response: { 200: envelope(jobRemoveResult), ...jobErrors },
        },
      },
      async (request) => {
        const { queueName, jobId } = request.params;
        return ok(
          await audit(action(request, 'queue.job.delete', `${queueName}/${jobId}`), () =>
            queueAdmin.removeJob(queueName, jobId),
          ),
        );
      },
    );

    for (const [verb, summary] of [
      ['pause', 'Pause a queue: workers finish their current jobs and take no new ones until it resumes'],
      ['resume', 'Resume a paused queue'],
    ] as const) {
      routes.post(
        `/admin/queues/:queueName/${verb}`,
        {
          config: admin,
          schema: {
            tags,
            summary,
            params: queueParams,
            response: { 200: envelope(pauseResult), ...errors },
          },
        },
        async (request) => {
          const { queueName } = request.params;
          return ok(
            await audit(
              action(request, `queue.${verb}`, queueName),
              () => (verb === 'pause' ? queueAdmin.pause(queueName) : queueAdmin.resume(queueName)),
              ({ paused }) => ({ paused }),
            ),
          );
        },
      );
    }

    routes.post(
      `${QUEUE_UI_PATH}/session`,
      {
        config: admin,
        schema: {
          tags,
          summary: `Opens the queue UI (${QUEUE_UI_PATH}) for this ADMIN: a short-lived signed HttpOnly cookie scoped to that path`,
          response: { 200: envelope(uiSession), ...errorResponses(401, 403) },
        },
      },
      async (request, reply) => {
        const principal = member(request);
        const session = await audit(action(request, 'queue.ui.session', QUEUE_UI_PATH), async () =>
          queueUiSessions.issue(principal),
        );
        reply.header('set-cookie', queueUiSessions.cookie(session.token, request.protocol === 'https'));
        reply.header('cache-control', 'no-store');
        return ok({ path: QUEUE_UI_PATH, expiresAt: session.expiresAt.toISOString() });
      },
    );
  };
}
