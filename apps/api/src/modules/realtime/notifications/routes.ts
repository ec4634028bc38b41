import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope, errorResponses, ok, page, pagedEnvelope } from '../../../http/envelope.ts';
import { member } from '../../../http/principal.ts';
import { notificationItem, notificationListQuery, notificationParams } from './schemas.ts';
import type { NotificationsService } from './service.ts';

/**
 * A member's notifications (an extension: the contract lists none): the list, the unread count,
 * mark one or all read. Delivery (socket, Web Push) happens when they are written.
 */
export function notificationRoutes({
  notifications,
}: {
  notifications: NotificationsService;
}): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['notifications'];
    const config = { access: 'user' as const };

    routes.get(
      '/notifications',
      {
        config,
        schema: {
          tags,
          summary: 'My notifications, newest first (extension); unread=true for the unread ones',
          querystring: notificationListQuery,
          response: { 200: pagedEnvelope(notificationItem), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const { items, totalCount } = await notifications.list(member(request).id, request.query);
        return page(items, { page: request.query.page, limit: request.query.limit, totalCount });
      },
    );

    routes.get(
      '/notifications/unread-count',
      {
        config,
        schema: {
          tags,
          summary: 'How many of my notifications are unread (extension)',
          response: { 200: envelope(z.object({ count: z.number().int() })), ...errorResponses(401) },
        },
      },
      async (request) => ok({ count: await notifications.unreadCount(member(request).id) }),
    );

    routes.patch(
      '/notifications/read-all',
      {
        config,
        schema: {
          tags,
          summary: 'Mark all my notifications read (extension)',
          response: { 200: envelope(z.object({ updatedCount: z.number().int() })), ...errorResponses(401) },
        },
      },
      async (request) => ok({ updatedCount: await notifications.markAllRead(member(request).id) }),
    );

    routes.patch(
      '/notifications/:id/read',
      {
        config,
        schema: {
          tags,
          summary:
            "Mark one of my notifications read (extension); NOTIFICATION_NOT_FOUND for another member's",
          params: notificationParams,
          response: { 200: envelope(notificationItem), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => ok(await notifications.markRead(member(request).id, request.params.id)),
    );
  };
}
