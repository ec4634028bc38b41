import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { CatalogCache } from '../../../catalog-cache/cache.ts';
import {
  envelope,
  errorResponses,
  messageBody,
  ok,
  page,
  pagedEnvelope,
  sendJson,
  serializeWith,
} from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import type { AdminAuditService } from '../../ops/audit/service.ts';
import {
  createFaqBody,
  createNoticeBody,
  faqListQuery,
  faqResponse,
  helpIdParams,
  noticeListQuery,
  noticeResponse,
  updateFaqBody,
  updateNoticeBody,
} from './schemas.ts';
import type { HelpService } from './service.ts';

/**
 * A cached notice list is keyed by this step of the clock as well, so a publish window that opens
 * or closes between two admin writes leaves a stale list for at most this long (every admin write
 * invalidates at once).
 */
export const NOTICE_WINDOW_STEP_MS = 30_000;

const say = localizedMessages({
  faqDeleted: { ko: 'FAQ가 삭제되었습니다.', en: 'The FAQ has been deleted.', ja: 'FAQを削除しました。' },
  noticeDeleted: {
    ko: '공지사항이 삭제되었습니다.',
    en: 'The notice has been deleted.',
    ja: 'お知らせを削除しました。',
  },
});

export interface HelpRoutesDeps {
  help: HelpService;
  /** the catalog's read cache mechanism, an instance of its own (its own version keys) */
  cache: Pick<CatalogCache, 'list' | 'afterWrite' | 'invalidateList'>;
  audit: AdminAuditService['run'];
}

const readErrors = errorResponses(400);
const adminErrors = errorResponses(400, 401, 403, 404);

/**
 * FAQ and notices (API §18, FAQ-01..06) at the contract's paths (`/faqs`, `/notices`) and the
 * storefront's (`/faq`, `/admin/faq`, `/admin/notices`). Public lists are served from the cache;
 * every admin write is audited and invalidates them.
 */
export function helpRoutes({ help, cache, audit }: HelpRoutesDeps): FastifyPluginAsync {
  const faqPageBody = serializeWith(pagedEnvelope(faqResponse));
  const noticePageBody = serializeWith(pagedEnvelope(noticeResponse));
  const writing = <T>(work: () => Promise<T>) => cache.afterWrite(work, () => cache.invalidateList());

  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const admin = { access: 'admin' as const };
    const tags = ['help'];

    for (const url of ['/faqs', '/faq']) {
      routes.get(
        url,
        {
          config: { access: 'public' },
          schema: {
            tags,
            summary:
              'Active FAQ by category, then sort order; `search` (or `keyword`) matches question or answer (FAQ-01..02)',
            querystring: faqListQuery,
            response: { 200: pagedEnvelope(faqResponse), ...readErrors },
          },
        },
        async (request, reply) => {
          const { query } = request;
          const body = await cache.list(
            { area: 'faq', ...query },
            async () => {
              const { items, totalCount } = await help.publicFaqs(query);
              return page(items, { page: query.page, limit: query.limit, totalCount });
            },
            faqPageBody,
          );
          return sendJson(reply, body);
        },
      );
    }

    routes.get(
      '/admin/faq',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Every FAQ, inactive ones too (admin)',
          querystring: faqListQuery,
          response: { 200: pagedEnvelope(faqResponse), ...adminErrors },
        },
      },
      async (request) => {
        const { query } = request;
        const { items, totalCount } = await help.allFaqs(query);
        return page(items, { page: query.page, limit: query.limit, totalCount });
      },
    );

    for (const url of ['/faqs', '/admin/faq']) {
      routes.post(
        url,
        {
          config: admin,
          schema: {
            tags,
            summary: 'Create a FAQ; the answer is sanitised markup (FAQ-03)',
            body: createFaqBody,
            response: { 201: envelope(faqResponse), ...adminErrors },
          },
        },
        async (request, reply) => {
          const created = await writing(() =>
            audit(
              {
                actorId: member(request).id,
                action: 'faq.create',
                target: 'faq',
                requestId: request.id,
                request: { category: request.body.category, question: request.body.question },
              },
              () => help.createFaq(request.body),
              (faq) => ({ id: faq.id }),
            ),
          );
          return reply.code(201).send(ok(created));
        },
      );
    }

    for (const url of ['/faqs/:id', '/admin/faq/:id']) {
      routes.patch(
        url,
        {
          config: admin,
          schema: {
            tags,
            summary: 'Change a FAQ (FAQ-03)',
            params: helpIdParams,
            body: updateFaqBody,
            response: { 200: envelope(faqResponse), ...adminErrors },
          },
        },
        async (request) => {
          const { id } = request.params;
          const updated = await writing(() =>
            audit(
              {
                actorId: member(request).id,
                action: 'faq.update',
                target: `faq/${id}`,
                requestId: request.id,
                request: { fields: Object.keys(request.body) },
              },
              () => help.updateFaq(id, request.body),
            ),
          );
          return ok(updated);
        },
      );

      routes.delete(
        url,
        {
          config: admin,
          schema: {
            tags,
            summary: 'Delete a FAQ (FAQ-03)',
            params: helpIdParams,
            response: { 200: messageBody, ...adminErrors },
          },
        },
        async (request) => {
          const { id } = request.params;
          await writing(() =>
            audit(
              {
                actorId: member(request).id,
                action: 'faq.delete',
                target: `faq/${id}`,
                requestId: request.id,
              },
              () => help.removeFaq(id),
            ),
          );
          return ok({ message: say(request, 'faqDeleted') });
        },
      );
    }

    routes.get(
      '/notices',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: `Published notices inside their publish window: pinned first, then newest (FAQ-04). Cached; a window that opens or closes shows within ${NOTICE_WINDOW_STEP_MS / 1000} s`,
          querystring: noticeListQuery,
          response: { 200: pagedEnvelope(noticeResponse), ...readErrors },
        },
      },
      async (request, reply) => {
        const { query } = request;
        const body = await cache.list(
          { area: 'notices', ...query, windowStep: Math.floor(Date.now() / NOTICE_WINDOW_STEP_MS) },
          async () => {
            const { items, totalCount } = await help.publicNotices(query);
            return page(items, { page: query.page, limit: query.limit, totalCount });
          },
          noticePageBody,
        );
        return sendJson(reply, body);
      },
    );

    routes.get(
      '/notices/:id',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary:
            'A published notice inside its publish window, its view counted (FAQ-05); otherwise 404 NOTICE_NOT_FOUND',
          params: helpIdParams,
          response: { 200: envelope(noticeResponse), ...errorResponses(400, 404) },
        },
      },
      async (request) => ok(await help.readNotice(request.params.id)),
    );

    routes.get(
      '/admin/notices',
      {
        config: admin,
        schema: {
          tags,
          summary:
            'Every notice, unpublished and outside their window too: pinned first, then newest (admin)',
          querystring: noticeListQuery,
          response: { 200: pagedEnvelope(noticeResponse), ...adminErrors },
        },
      },
      async (request) => {
        const { query } = request;
        const { items, totalCount } = await help.allNotices(query);
        return page(items, { page: query.page, limit: query.limit, totalCount });
      },
    );

    routes.get(
      '/admin/notices/:id',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Any notice (admin); no view is counted',
          params: helpIdParams,
          response: { 200: envelope(noticeResponse), ...adminErrors },
        },
      },
      async (request) => ok(await help.findNotice(request.params.id)),
    );

    for (const url of ['/notices', '/admin/notices']) {
      routes.post(
        url,
        {
          config: admin,
          schema: {
            tags,
            summary:
              'Create a notice: pinned, published, and its publish window (open ends unbounded); content is sanitised markup (FAQ-06)',
            body: createNoticeBody,
            response: { 201: envelope(noticeResponse), ...adminErrors },
          },
        },
        async (request, reply) => {
          const actorId = member(request).id;
          const created = await writing(() =>
            audit(
              {
                actorId,
                action: 'notice.create',
                target: 'notice',
                requestId: request.id,
                request: { title: request.body.title },
              },
              () => help.createNotice(request.body, actorId),
              (notice) => ({ id: notice.id }),
            ),
          );
          return reply.code(201).send(ok(created));
        },
      );
    }

    for (const url of ['/notices/:id', '/admin/notices/:id']) {
      routes.patch(
        url,
        {
          config: admin,
          schema: {
            tags,
            summary: 'Change a notice; its window must stay in order (FAQ-06)',
            params: helpIdParams,
            body: updateNoticeBody,
            response: { 200: envelope(noticeResponse), ...adminErrors },
          },
        },
        async (request) => {
          const { id } = request.params;
          const updated = await writing(() =>
            audit(
              {
                actorId: member(request).id,
                action: 'notice.update',
                target: `notice/${id}`,
                requestId: request.id,
                request: { fields: Object.keys(request.body) },
              },
              () => help.updateNotice(id, request.body),
            ),
          );
          return ok(updated);
        },
      );

      routes.delete(
        url,
        {
          config: admin,
          schema: {
            tags,
            summary: 'Delete a notice (FAQ-06)',
            params: helpIdParams,
            response: { 200: messageBody, ...adminErrors },
          },
        },
        async (request) => {
          const { id } = request.params;
          await writing(() =>
            audit(
              {
                actorId: member(request).id,
                action: 'notice.delete',
                target: `notice/${id}`,
                requestId: request.id,
              },
              () => help.removeNotice(id),
            ),
          );
          return ok({ message: say(request, 'noticeDeleted') });
        },
      );
    }
  };
}
