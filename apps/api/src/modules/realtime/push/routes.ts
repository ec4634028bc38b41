import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok } from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import type { RunAudited } from '../../ops/audit/service.ts';
import {
  adminSendBody,
  adminSendResult,
  preferenceBody,
  pushPreference,
  pushSubscription,
  subscriptionBody,
  unsubscribeBody,
  unsubscribeResult,
  vapidPublicKey,
} from './schemas.ts';
import type { PushService } from './service.ts';

const say = localizedMessages({
  unsubscribed: {
    ko: '푸시 구독을 해지했습니다.',
    en: 'Push subscription removed.',
    ja: 'プッシュ購読を解除しました。',
  },
  notSubscribed: {
    ko: '해당 엔드포인트의 구독이 없습니다.',
    en: 'No subscription at that endpoint.',
    ja: 'そのエンドポイントの購読はありません。',
  },
});

export interface PushRoutesDeps {
  push: PushService;
  audit: RunAudited;
}

/** Web Push (API §28, PUSH-01..07): subscriptions, preferences, the VAPID public key, the admin's send (audited). */
export function pushRoutes({ push, audit }: PushRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['push'];
    const config = { access: 'user' as const };

    routes.get(
      '/push/vapid-public-key',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary:
            "The VAPID public key for the browser's pushManager.subscribe (applicationServerKey); 503 PUSH_NOT_CONFIGURED without keys",
          response: { 200: envelope(vapidPublicKey), ...errorResponses(503) },
        },
      },
      async () => ok({ publicKey: push.publicKey() }),
    );

    routes.post(
      '/push/subscriptions',
      {
        config,
        schema: {
          tags,
          summary:
            'Register a push subscription (PushSubscription.toJSON: endpoint, keys.p256dh, keys.auth). 422 PUSH_SUBSCRIPTION_INVALID: not an https endpoint of a named host (≤ 2048 characters), p256dh not a 65-byte P-256 point or auth not 16 bytes (base64url), expirationTime not future epoch ms. A known endpoint moves to the caller',
          body: subscriptionBody,
          response: { 201: envelope(pushSubscription), ...errorResponses(400, 401, 422) },
        },
      },
      async (request, reply) =>
        reply.code(201).send(ok(await push.subscribe(member(request).id, request.body))),
    );

    routes.post(
      '/push/subscriptions/unsubscribe',
      {
        config,
        schema: {
          tags,
          summary:
            "Remove my subscription at the endpoint (success false when I had none there; another member's is untouched)",
          body: unsubscribeBody,
          response: { 200: envelope(unsubscribeResult), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const removed = await push.unsubscribe(member(request).id, request.body.endpoint);
        return ok({ success: removed, message: say(request, removed ? 'unsubscribed' : 'notSubscribed') });
      },
    );

    routes.get(
      '/push/subscriptions',
      {
        config,
        schema: {
          tags,
          summary: 'My active push subscriptions, newest first',
          response: { 200: envelope(pushSubscription.array()), ...errorResponses(401) },
        },
      },
      async (request) => ok(await push.list(member(request).id)),
    );

    routes.get(
      '/push/preferences',
      {
        config,
        schema: {
          tags,
          summary: 'My push preferences per kind (every kind on until changed)',
          response: { 200: envelope(pushPreference), ...errorResponses(401) },
        },
      },
      async (request) => ok(await push.preferences(member(request).id)),
    );

    routes.post(
      '/push/preferences',
      {
        config,
        schema: {
          tags,
          summary: 'Switch kinds of push on or off; the kinds left out keep their setting',
          body: preferenceBody,
          response: { 200: envelope(pushPreference), ...errorResponses(400, 401) },
        },
      },
      async (request) => ok(await push.updatePreferences(member(request).id, request.body)),
    );

    routes.post(
      '/admin/push/send',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary:
            'Send a DEAL push to every member (ALL) or a segment (hasWishlistIn: product ids in the wishlist; lastActiveWithin: "30d"; both: members matching both), members who switched deals off left out; scheduledAt delays it. sentCount: deliveries queued. Audited. 503 PUSH_NOT_CONFIGURED without VAPID keys',
          body: adminSendBody,
          response: { 200: envelope(adminSendResult), ...errorResponses(400, 401, 403, 503) },
        },
      },
      async (request) => {
        const body = request.body;
        const result = await audit(
          {
            actorId: member(request).id,
            action: 'push.send',
            target: body.target,
            requestId: request.id,
            request: {
              title: body.title,
              target: body.target,
              segmentFilter: body.segmentFilter ?? null,
              scheduledAt: body.scheduledAt ?? null,
            },
          },
          () => push.adminSend(body, request.id),
          (outcome) => outcome,
        );
        return ok(result);
      },
    );
  };
}
