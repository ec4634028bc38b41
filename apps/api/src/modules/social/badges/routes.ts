import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope, errorResponses, messageBody, ok } from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import type { RunAudited } from '../../ops/audit/service.ts';
import {
  badge,
  badgeParams,
  createBadgeBody,
  grantBody,
  revokeParams,
  updateBadgeBody,
  userBadge,
  userParams,
} from './schemas.ts';
import type { BadgesService } from './service.ts';

const say = localizedMessages({
  deleted: { ko: '배지를 삭제했습니다.', en: 'The badge has been deleted.', ja: 'バッジを削除しました。' },
  revoked: { ko: '배지를 회수했습니다.', en: 'The badge has been revoked.', ja: 'バッジを取り消しました。' },
});

export interface BadgeRoutesDeps {
  badges: BadgesService;
  audit: RunAudited;
}

/** Badges (API §32, BADGE-01..06): definitions, mine and a member's, the admin's grants and revokes (audited). */
export function badgeRoutes({ badges, audit }: BadgeRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['badges'];
    const admin = { access: 'admin' as const };

    routes.get(
      '/badges',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: 'Every badge definition with its exact holder count',
          response: { 200: envelope(z.array(badge)) },
        },
      },
      async () => ok(await badges.list()),
    );

    routes.get(
      '/badges/me',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'My badges, the latest grant first',
          response: { 200: envelope(z.array(userBadge)), ...errorResponses(401) },
        },
      },
      async (request) => ok(await badges.ofMember(member(request).id)),
    );

    routes.get(
      '/users/:id/badges',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary:
            "A member's badges, the latest grant first; USER_NOT_FOUND for an unknown or withdrawn member",
          params: userParams,
          response: { 200: envelope(z.array(userBadge)), ...errorResponses(400, 404) },
        },
      },
      async (request) => ok(await badges.ofMember(request.params.id)),
    );

    routes.post(
      '/admin/badges',
      {
        config: admin,
        schema: {
          tags,
          summary:
            'Create a badge: AUTO with condition { metric, threshold } (granted by the sweep and after the writes that move the metric) or MANUAL; audited. 409 CONFLICT for a name taken (any case)',
          body: createBadgeBody,
          response: { 201: envelope(badge), ...errorResponses(400, 401, 403, 409) },
        },
      },
      async (request, reply) => {
        const created = await audit(
          {
            actorId: member(request).id,
            action: 'badge.create',
            target: request.body.name,
            requestId: request.id,
            request: { type: request.body.type, condition: request.body.condition ?? null },
          },
          () => badges.create(request.body),
          (result) => ({ badgeId: result.id }),
        );
        return reply.code(201).send(ok(created));
      },
    );

    routes.patch(
      '/admin/badges/:id',
      {
        config: admin,
        schema: {
          tags,
          summary:
            'Change a badge; a MANUAL one has no condition, an AUTO one needs one. Holders keep it when the condition rises; audited',
          params: badgeParams,
          body: updateBadgeBody,
          response: { 200: envelope(badge), ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const { id } = request.params;
        return ok(
          await audit(
            {
              actorId: member(request).id,
              action: 'badge.update',
              target: String(id),
              requestId: request.id,
              request: { ...request.body },
            },
            () => badges.update(id, request.body),
            (result) => ({ type: result.type, condition: result.condition }),
          ),
        );
      },
    );

    routes.delete(
      '/admin/badges/:id',
      {
        config: admin,
        schema: {
          tags,
          summary: 'Delete a badge and every holding of it; audited',
          params: badgeParams,
          response: { 200: messageBody, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const { id } = request.params;
        await audit(
          { actorId: member(request).id, action: 'badge.delete', target: String(id), requestId: request.id },
          () => badges.remove(id),
          (result) => result,
        );
        return ok({ message: say(request, 'deleted') });
      },
    );

    routes.post(
      '/admin/badges/:id/grant',
      {
        config: admin,
        schema: {
          tags,
          summary:
            'Grant a badge to a member; audited. 404 BADGE_NOT_FOUND or USER_NOT_FOUND, 409 BADGE_ALREADY_GRANTED',
          params: badgeParams,
          body: grantBody,
          response: { 201: envelope(userBadge), ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const { userId, reason } = request.body;
        const admin = member(request);
        const granted = await audit(
          {
            actorId: admin.id,
            action: 'badge.grant',
            target: `${id}/${userId}`,
            requestId: request.id,
            request: { reason: reason ?? null },
          },
          () =>
            badges.grant(id, userId, { adminId: admin.id, reason: reason ?? null, requestId: request.id }),
          (result) => ({ userBadgeId: result.id }),
        );
        return reply.code(201).send(ok(granted));
      },
    );

    routes.delete(
      '/admin/badges/:id/revoke/:userId',
      {
        config: admin,
        schema: {
          tags,
          summary:
            'Take a badge back from a member; audited. BADGE_NOT_FOUND when they do not hold it. An AUTO badge whose condition the member still meets is granted again by the next evaluation',
          params: revokeParams,
          response: { 200: messageBody, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const { id, userId } = request.params;
        await audit(
          {
            actorId: member(request).id,
            action: 'badge.revoke',
            target: `${id}/${userId}`,
            requestId: request.id,
          },
          () => badges.revoke(id, userId),
          () => ({}),
        );
        return ok({ message: say(request, 'revoked') });
      },
    );
  };
}
