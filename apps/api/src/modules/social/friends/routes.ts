import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorResponses, messageBody, ok, page, pagedEnvelope, pageQuery } from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import {
  type FriendFeedItem,
  friendFeedItem,
  friendListItem,
  friendshipParams,
  memberParams,
} from './schemas.ts';
import type { FriendsService } from './service.ts';

const say = localizedMessages({
  requestSent: {
    ko: '친구 요청을 보냈습니다.',
    en: 'Friend request sent.',
    ja: '友達リクエストを送りました。',
  },
  accepted: {
    ko: '친구 요청을 수락했습니다.',
    en: 'Friend request accepted.',
    ja: '友達リクエストを承認しました。',
  },
  rejected: {
    ko: '친구 요청을 거절했습니다.',
    en: 'Friend request rejected.',
    ja: '友達リクエストを拒否しました。',
  },
  removed: { ko: '친구를 삭제했습니다.', en: 'Friend removed.', ja: '友達を削除しました。' },
  blocked: { ko: '회원을 차단했습니다.', en: 'Member blocked.', ja: '会員をブロックしました。' },
  unblocked: { ko: '차단을 해제했습니다.', en: 'Member unblocked.', ja: 'ブロックを解除しました。' },
  friendAdded: {
    ko: '{friend}님과 친구가 되었습니다.',
    en: 'became friends with {friend}.',
    ja: '{friend}さんと友達になりました。',
  },
  badgeGranted: {
    ko: '배지 "{badge}"을(를) 획득했습니다.',
    en: 'earned the badge "{badge}".',
    ja: 'バッジ「{badge}」を獲得しました。',
  },
  someone: { ko: '회원', en: 'a member', ja: '会員' },
});

/** The feed entry's sentence in the request's language, from its type and metadata. */
function messageOf(request: FastifyRequest, item: Omit<FriendFeedItem, 'message'>): string {
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  switch (item.type) {
    case 'friend_added':
      return say(request, 'friendAdded').replace(
        '{friend}',
        text(item.metadata?.friendNickname) ?? say(request, 'someone'),
      );
    case 'badge_granted':
      return say(request, 'badgeGranted').replace('{badge}', text(item.metadata?.badgeName) ?? '');
    default:
      return item.type;
  }
}

export interface FriendRoutesDeps {
  friends: FriendsService;
}

/** Friends (API §34, FRND-01..05): requests, friends, blocks and the friends' activity feed. Members only. */
export function friendRoutes({ friends }: FriendRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['friends'];
    const config = { access: 'user' as const };

    routes.post(
      '/friends/request/:userId',
      {
        config,
        schema: {
          tags,
          summary:
            'Send a friend request; when that member already asked me, their request is accepted instead. 400 to myself, 404 USER_NOT_FOUND (unknown or withdrawn), 403 USER_BLOCKED_BY_MEMBER when either blocked the other, 409 FRIEND_REQUEST_EXISTS when friends or my request is pending',
          params: memberParams,
          response: { 200: messageBody, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => {
        const outcome = await friends.request(member(request).id, request.params.userId, request.id);
        return ok({ message: say(request, outcome === 'sent' ? 'requestSent' : 'accepted') });
      },
    );

    routes.patch(
      '/friends/request/:friendshipId/accept',
      {
        config,
        schema: {
          tags,
          summary: 'Accept a pending request sent to me; FRIEND_REQUEST_NOT_FOUND for any other',
          params: friendshipParams,
          response: { 200: messageBody, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        await friends.accept(member(request).id, request.params.friendshipId, request.id);
        return ok({ message: say(request, 'accepted') });
      },
    );

    routes.patch(
      '/friends/request/:friendshipId/reject',
      {
        config,
        schema: {
          tags,
          summary:
            'Reject a pending request sent to me (the requester may ask again); FRIEND_REQUEST_NOT_FOUND for any other',
          params: friendshipParams,
          response: { 200: messageBody, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        await friends.reject(member(request).id, request.params.friendshipId);
        return ok({ message: say(request, 'rejected') });
      },
    );

    routes.get(
      '/friends',
      {
        config,
        schema: {
          tags,
          summary: 'My friends, the most recent friendship first',
          querystring: pageQuery,
          response: { 200: pagedEnvelope(friendListItem), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const { items, totalCount } = await friends.friends(member(request).id, request.query);
        return page(items, { ...request.query, totalCount });
      },
    );

    routes.get(
      '/friends/requests/received',
      {
        config,
        schema: {
          tags,
          summary: 'Pending friend requests sent to me, newest first',
          querystring: pageQuery,
          response: { 200: pagedEnvelope(friendListItem), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const { items, totalCount } = await friends.received(member(request).id, request.query);
        return page(items, { ...request.query, totalCount });
      },
    );

    routes.get(
      '/friends/requests/sent',
      {
        config,
        schema: {
          tags,
          summary: 'My pending friend requests, newest first',
          querystring: pageQuery,
          response: { 200: pagedEnvelope(friendListItem), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const { items, totalCount } = await friends.sent(member(request).id, request.query);
        return page(items, { ...request.query, totalCount });
      },
    );

    routes.get(
      '/friends/feed',
      {
        config,
        schema: {
          tags,
          summary:
            "My friends' public activity (friendships, badges earned) from the activity log, newest first; nothing of a member either side blocked, and no searches",
          querystring: pageQuery,
          response: { 200: pagedEnvelope(friendFeedItem), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const { items, totalCount } = await friends.feed(member(request).id, request.query);
        return page(
          items.map((item) => ({ ...item, message: messageOf(request, item) })),
          { ...request.query, totalCount },
        );
      },
    );

    routes.post(
      '/friends/block/:userId',
      {
        config,
        schema: {
          tags,
          summary:
            'Block a member: our friendship and pending requests both ways end, no requests either way, neither sees the other in the feed; blocking again is a no-op. 400 myself, 404 USER_NOT_FOUND',
          params: memberParams,
          response: { 200: messageBody, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        await friends.block(member(request).id, request.params.userId);
        return ok({ message: say(request, 'blocked') });
      },
    );

    routes.delete(
      '/friends/block/:userId',
      {
        config,
        schema: {
          tags,
          summary:
            "Unblock a member I blocked (their block of me stays); USER_NOT_FOUND when I don't block them",
          params: memberParams,
          response: { 200: messageBody, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        await friends.unblock(member(request).id, request.params.userId);
        return ok({ message: say(request, 'unblocked') });
      },
    );

    routes.delete(
      '/friends/:userId',
      {
        config,
        schema: {
          tags,
          summary: 'End a friendship; FRIEND_NOT_FOUND when we are not friends',
          params: memberParams,
          response: { 200: messageBody, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        await friends.remove(member(request).id, request.params.userId);
        return ok({ message: say(request, 'removed') });
      },
    );
  };
}
