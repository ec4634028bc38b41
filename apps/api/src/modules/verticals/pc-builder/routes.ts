import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CatalogCache } from '../../../catalog-cache/cache.ts';
import {
  envelope,
  errorResponses,
  ok,
  page,
  pagedEnvelope,
  pageQuery,
  sendJson,
  serializeWith,
} from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import type { AdminAuditService } from '../../ops/audit/service.ts';
import {
  addPartBody,
  buildDetail,
  buildIdParams,
  buildPartParams,
  buildSummary,
  compatibility,
  compatibilityRule,
  createBuildBody,
  deleted,
  ruleBody,
  ruleIdParams,
  shareCodeParams,
  shareLink,
  updateBuildBody,
  updateRuleBody,
} from './schemas.ts';
import type { PcBuilderService } from './service.ts';

const say = localizedMessages({
  buildDeleted: {
    ko: 'PC 견적이 삭제되었습니다.',
    en: 'The PC build has been deleted.',
    ja: 'PC見積もりを削除しました。',
  },
  ruleDeleted: {
    ko: '호환성 규칙이 삭제되었습니다.',
    en: 'The compatibility rule has been deleted.',
    ja: '互換性ルールを削除しました。',
  },
});

const readErrors = errorResponses(400, 404);
const ownerErrors = errorResponses(400, 401, 403, 404);
const adminErrors = errorResponses(400, 401, 403, 404, 409);

/** PC builder (API §33, PCBLD-01..11) and the admin's compatibility rules. */
export function pcBuilderRoutes({
  pcBuilder,
  cache,
  audit,
}: {
  pcBuilder: PcBuilderService;
  /** compatibility answers by build (`detail`), all of them dropped by `invalidateCategories` */
  cache: Pick<CatalogCache, 'detail' | 'afterWrite' | 'invalidateProduct' | 'invalidateCategories'>;
  audit: AdminAuditService['run'];
}): FastifyPluginAsync {
  const compatibilityBody = serializeWith(envelope(compatibility));
  /** a write to the build: its cached compatibility goes, also when the write failed after a commit */
  const buildWrite = <T>(id: number, work: () => Promise<T>) =>
    cache.afterWrite(work, () => cache.invalidateProduct(id));
  /** a rule write: every cached compatibility goes, so the next check of any build applies it */
  const ruleWrite = <T>(work: () => Promise<T>) => cache.afterWrite(work, () => cache.invalidateCategories());

  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['pc-builder'];
    const publicRoute = { access: 'public' as const };
    const userRoute = { access: 'user' as const };
    const adminRoute = { access: 'admin' as const };

    routes.get(
      '/pc-builds',
      {
        config: userRoute,
        schema: {
          tags,
          summary: 'My PC builds, newest first, totals from the current offers (PCBLD-01)',
          querystring: pageQuery,
          response: { 200: pagedEnvelope(buildSummary), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const { items, totalCount } = await pcBuilder.mine(member(request).id, request.query);
        return page(items, { ...request.query, totalCount });
      },
    );

    routes.post(
      '/pc-builds',
      {
        config: userRoute,
        schema: {
          tags,
          summary: 'Create a PC build with a purpose and an optional budget (PCBLD-01)',
          body: createBuildBody,
          response: { 201: envelope(buildDetail), ...errorResponses(400, 401) },
        },
      },
      async (request, reply) =>
        reply.code(201).send(ok(await pcBuilder.create(member(request).id, request.body))),
    );

    routes.get(
      '/pc-builds/popular',
      {
        config: publicRoute,
        schema: {
          tags,
          summary: 'Shared builds, the most viewed first (PCBLD-10)',
          querystring: pageQuery,
          response: { 200: pagedEnvelope(buildSummary), ...readErrors },
        },
      },
      async (request) => {
        const { items, totalCount } = await pcBuilder.popular(request.query);
        return page(items, { ...request.query, totalCount });
      },
    );

    routes.get(
      '/pc-builds/shared/:shareCode',
      {
        config: publicRoute,
        schema: {
          tags,
          summary: 'A shared build by its code; counts the view (PCBLD-09)',
          params: shareCodeParams,
          response: { 200: envelope(buildDetail), ...readErrors },
        },
      },
      async (request) => ok(await pcBuilder.shared(request.params.shareCode)),
    );

    routes.get(
      '/pc-builds/:id',
      {
        config: publicRoute,
        schema: {
          tags,
          summary: 'A build: parts priced from their offers now, compatibility, bottleneck (PCBLD-02)',
          params: buildIdParams,
          response: { 200: envelope(buildDetail), ...readErrors },
        },
      },
      async (request) => ok(await pcBuilder.detail(request.params.id)),
    );

    routes.patch(
      '/pc-builds/:id',
      {
        config: userRoute,
        schema: {
          tags,
          summary: 'Change my build: name, description, purpose, budget (PCBLD-03)',
          params: buildIdParams,
          body: updateBuildBody,
          response: { 200: envelope(buildDetail), ...ownerErrors },
        },
      },
      async (request) =>
        ok(
          await buildWrite(request.params.id, () =>
            pcBuilder.update(member(request).id, request.params.id, request.body),
          ),
        ),
    );

    routes.delete(
      '/pc-builds/:id',
      {
        config: userRoute,
        schema: {
          tags,
          summary: 'Delete my build (PCBLD-03)',
          params: buildIdParams,
          response: { 200: envelope(deleted), ...ownerErrors },
        },
      },
      async (request) => {
        await buildWrite(request.params.id, () => pcBuilder.remove(member(request).id, request.params.id));
        return ok({ success: true as const, message: say(request, 'buildDeleted') });
      },
    );

    routes.post(
      '/pc-builds/:id/parts',
      {
        config: userRoute,
        schema: {
          tags,
          summary:
            'Add a part from a chosen shop or the lowest offer; CPU, board, GPU, PSU, case and cooler replace the current one (PCBLD-04)',
          params: buildIdParams,
          body: addPartBody,
          response: { 200: envelope(buildDetail), ...ownerErrors },
        },
      },
      async (request) =>
        ok(
          await buildWrite(request.params.id, () =>
            pcBuilder.addPart(member(request).id, request.params.id, request.body),
          ),
        ),
    );

    routes.delete(
      '/pc-builds/:id/parts/:partId',
      {
        config: userRoute,
        schema: {
          tags,
          summary: 'Remove a part from my build (PCBLD-04)',
          params: buildPartParams,
          response: { 200: envelope(buildDetail), ...ownerErrors },
        },
      },
      async (request) =>
        ok(
          await buildWrite(request.params.id, () =>
            pcBuilder.removePart(member(request).id, request.params.id, request.params.partId),
          ),
        ),
    );

    routes.get(
      '/pc-builds/:id/compatibility',
      {
        config: publicRoute,
        schema: {
          tags,
          summary:
            'Check the build against the compatibility rules: issues naming their rule, missing parts, power, bottleneck (PCBLD-05..08)',
          params: buildIdParams,
          response: { 200: envelope(compatibility), ...readErrors },
        },
      },
      async (request, reply) =>
        sendJson(
          reply,
          await cache.detail(
            request.params.id,
            () => pcBuilder.compatibility(request.params.id),
            (value) => compatibilityBody(ok(value)),
          ),
        ),
    );

    routes.get(
      '/pc-builds/:id/share',
      {
        config: userRoute,
        schema: {
          tags,
          summary: 'The share link of my build, with a random 128-bit code made once (PCBLD-09)',
          params: buildIdParams,
          response: { 200: envelope(shareLink), ...ownerErrors },
        },
      },
      async (request) => ok(await pcBuilder.share(member(request).id, request.params.id)),
    );

    routes.get(
      '/admin/compatibility-rules',
      {
        config: adminRoute,
        schema: {
          tags,
          summary: 'The compatibility rules, enabled or not (PCBLD-11)',
          response: { 200: envelope(z.array(compatibilityRule)), ...errorResponses(401, 403) },
        },
      },
      async () => ok(await pcBuilder.rules()),
    );

    routes.post(
      '/admin/compatibility-rules',
      {
        config: adminRoute,
        schema: {
          tags,
          summary: 'Add a compatibility rule; it applies from the next check (PCBLD-11)',
          body: ruleBody,
          response: { 201: envelope(compatibilityRule), ...adminErrors },
        },
      },
      async (request, reply) =>
        reply.code(201).send(
          ok(
            await audit(
              {
                actorId: member(request).id,
                action: 'compatibility-rule.create',
                target: 'compatibility-rule',
                requestId: request.id,
              },
              () => ruleWrite(() => pcBuilder.createRule(request.body)),
              (rule) => ({ id: rule.id, title: rule.title }),
            ),
          ),
        ),
    );

    routes.patch(
      '/admin/compatibility-rules/:id',
      {
        config: adminRoute,
        schema: {
          tags,
          summary: 'Change a compatibility rule; it applies from the next check (PCBLD-11)',
          params: ruleIdParams,
          body: updateRuleBody,
          response: { 200: envelope(compatibilityRule), ...adminErrors },
        },
      },
      async (request) =>
        ok(
          await audit(
            {
              actorId: member(request).id,
              action: 'compatibility-rule.update',
              target: `compatibility-rule/${request.params.id}`,
              requestId: request.id,
            },
            () => ruleWrite(() => pcBuilder.updateRule(request.params.id, request.body)),
          ),
        ),
    );

    routes.delete(
      '/admin/compatibility-rules/:id',
      {
        config: adminRoute,
        schema: {
          tags,
          summary: 'Delete a compatibility rule (PCBLD-11)',
          params: ruleIdParams,
          response: { 200: envelope(deleted), ...adminErrors },
        },
      },
      async (request) => {
        await audit(
          {
            actorId: member(request).id,
            action: 'compatibility-rule.delete',
            target: `compatibility-rule/${request.params.id}`,
            requestId: request.id,
          },
          () => ruleWrite(() => pcBuilder.removeRule(request.params.id)),
        );
        return ok({ success: true as const, message: say(request, 'ruleDeleted') });
      },
    );
  };
}
