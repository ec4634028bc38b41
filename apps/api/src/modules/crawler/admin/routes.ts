import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope, errorResponses, ok } from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import {
  crawlerJobIdParams,
  crawlerJobListQuery,
  crawlerJobResponse,
  crawlerMonitoringResponse,
  crawlerRunDetailResponse,
  crawlerRunListQuery,
  crawlerRunResponse,
  crawlerTriggerBody,
  createCrawlerJobBody,
  itemsPage,
  runStartedResponse,
  updateCrawlerJobBody,
} from './schemas.ts';
import type { CrawlerAdminService } from './service.ts';

const say = localizedMessages({
  deleted: {
    ko: '수집 작업이 삭제되었습니다.',
    en: 'The crawler job has been deleted.',
    ja: 'クローラージョブを削除しました。',
  },
  queued: {
    ko: '수집 실행이 대기열에 등록되었습니다.',
    en: 'The crawler run is queued.',
    ja: 'クローラーの実行をキューに登録しました。',
  },
});

export interface CrawlerAdminRoutesDeps {
  crawlerAdmin: CrawlerAdminService;
}

/** Crawler admin (API §26, contract §2.B.4): jobs, manual runs and triggers, runs, monitoring. */
export function crawlerAdminRoutes({ crawlerAdmin }: CrawlerAdminRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const admin = { access: 'admin' as const };
    const tags = ['crawler-admin'];
    const errors = errorResponses(400, 401, 403, 404);

    routes.get(
      '/crawler/admin/jobs',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Crawler jobs, newest first (CRAW-01)',
          querystring: crawlerJobListQuery,
          response: { 200: envelope(itemsPage(crawlerJobResponse)), ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => ok(await crawlerAdmin.listJobs(request.query)),
    );

    routes.get(
      '/crawler/admin/jobs/:id',
      {
        config: admin,
        schema: {
          tags,
          summary: 'One crawler job',
          params: crawlerJobIdParams,
          response: { 200: envelope(crawlerJobResponse), ...errors },
        },
      },
      async (request) => ok(await crawlerAdmin.getJob(request.params.id)),
    );

    routes.post(
      '/crawler/admin/jobs',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Create a crawler job; its cron schedule (Asia/Seoul) starts with it (CRAW-01)',
          body: createCrawlerJobBody,
          response: { 201: envelope(crawlerJobResponse), ...errors },
        },
      },
      async (request, reply) => {
        reply.code(201);
        return ok(await crawlerAdmin.createJob(request.body));
      },
    );

    routes.patch(
      '/crawler/admin/jobs/:id',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Change a crawler job; its schedule follows (removed while inactive)',
          params: crawlerJobIdParams,
          body: updateCrawlerJobBody,
          response: { 200: envelope(crawlerJobResponse), ...errors },
        },
      },
      async (request) => ok(await crawlerAdmin.updateJob(request.params.id, request.body)),
    );

    routes.delete(
      '/crawler/admin/jobs/:id',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Delete a crawler job and its schedule (its runs stay, without the job)',
          params: crawlerJobIdParams,
          response: {
            200: envelope(z.object({ success: z.boolean(), message: z.string() })),
            ...errors,
          },
        },
      },
      async (request) => {
        await crawlerAdmin.deleteJob(request.params.id);
        return ok({ success: true, message: say(request, 'deleted') });
      },
    );

    routes.post(
      '/crawler/admin/jobs/:id/run',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Run a crawler job now: a QUEUED MANUAL run (CRAW-06)',
          params: crawlerJobIdParams,
          response: { 202: envelope(runStartedResponse), ...errors, ...errorResponses(503) },
        },
      },
      async (request, reply) => {
        const run = await crawlerAdmin.runJob(request.params.id, request.id);
        reply.code(202);
        return ok({ ...run, message: say(request, 'queued') });
      },
    );

    routes.post(
      '/crawler/admin/triggers',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Collect a seller now, optionally one product: a QUEUED MANUAL run (CRAW-06)',
          body: crawlerTriggerBody,
          response: { 202: envelope(runStartedResponse), ...errors, ...errorResponses(503) },
        },
      },
      async (request, reply) => {
        const run = await crawlerAdmin.trigger(request.body, request.id);
        reply.code(202);
        return ok({ ...run, message: say(request, 'queued') });
      },
    );

    routes.get(
      '/crawler/admin/runs',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Crawler runs, newest first; by status, job, seller, error class',
          querystring: crawlerRunListQuery,
          response: { 200: envelope(itemsPage(crawlerRunResponse)), ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => ok(await crawlerAdmin.listRuns(request.query)),
    );

    routes.get(
      '/crawler/admin/runs/:id',
      {
        config: admin,
        schema: {
          tags,
          summary: 'One crawler run with its per-item errors',
          params: crawlerJobIdParams,
          response: { 200: envelope(crawlerRunDetailResponse), ...errors },
        },
      },
      async (request) => ok(await crawlerAdmin.getRun(request.params.id)),
    );

    routes.get(
      '/crawler/admin/monitoring',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Crawler runs summary, last 24 h by error class, per-job health (CRAW-04)',
          response: { 200: envelope(crawlerMonitoringResponse), ...errorResponses(401, 403) },
        },
      },
      async () => ok(await crawlerAdmin.monitoring()),
    );
  };
}
