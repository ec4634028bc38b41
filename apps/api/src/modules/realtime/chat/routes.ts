import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok, page, pagedEnvelope, pageQuery } from '../../../http/envelope.ts';
import { member } from '../../../http/principal.ts';
import {
  type ChatMessage,
  chatMessage,
  chatRoom,
  createRoomBody,
  historyQuery,
  roomParams,
  sendMessageBody,
} from './schemas.ts';
import type { ChatService } from './service.ts';

export interface ChatRoutesDeps {
  chat: ChatService;
  /** after a message is stored: broadcast to the room and tell offline members (the socket gateway) */
  delivered(message: ChatMessage, recipients: number[]): void;
}

/**
 * Chat over REST (API §20 and the storefront's ChatApiPage): rooms, joining, history (newest first,
 * or after an id for a reconnecting client), sending, closing. Members and agents (admins).
 */
export function chatRoutes({ chat, delivered }: ChatRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['chat'];
    const config = { access: 'user' as const };

    routes.post(
      '/chat/rooms',
      {
        config,
        schema: {
          tags,
          summary: 'Open a chat room with the support agents; I am its first member',
          body: createRoomBody,
          response: { 201: envelope(chatRoom), ...errorResponses(400, 401) },
        },
      },
      async (request, reply) =>
        reply.code(201).send(ok(await chat.createRoom(member(request), request.body))),
    );

    routes.get(
      '/chat/rooms',
      {
        config,
        schema: {
          tags,
          summary: "Rooms: an agent's every room; a member's own rooms and the public ones",
          querystring: pageQuery,
          response: { 200: pagedEnvelope(chatRoom), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const { page: pageNumber, limit } = request.query;
        const { items, totalCount } = await chat.listRooms(member(request), pageNumber, limit);
        return page(items, { page: pageNumber, limit, totalCount });
      },
    );

    routes.post(
      '/chat/rooms/:roomId/join',
      {
        config,
        schema: {
          tags,
          summary:
            "Join a room (idempotent): an agent any room, a member a public one; 403 FORBIDDEN for someone else's private room",
          params: roomParams,
          response: { 200: envelope(chatRoom), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => ok(await chat.join(member(request), request.params.roomId)),
    );

    routes.get(
      '/chat/rooms/:roomId/messages',
      {
        config,
        schema: {
          tags,
          summary:
            'History, newest first; with afterId the messages after it, oldest first (a reconnecting client). Members and agents only',
          params: roomParams,
          querystring: historyQuery,
          response: { 200: pagedEnvelope(chatMessage), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        const { items, totalCount } = await chat.history(
          member(request),
          request.params.roomId,
          request.query,
        );
        const { page: pageNumber, limit } = request.query;
        return page(items, { page: pageNumber, limit, totalCount });
      },
    );

    routes.post(
      '/chat/rooms/:roomId/messages',
      {
        config,
        schema: {
          tags,
          summary:
            'Send a message (`message`, or `content`): stored, then broadcast as newMessage; 409 CHAT_ROOM_CLOSED once closed',
          params: roomParams,
          body: sendMessageBody,
          response: { 201: envelope(chatMessage), ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request, reply) => {
        const { message, recipients } = await chat.send(member(request), request.params.roomId, request.body);
        delivered(message, recipients);
        return reply.code(201).send(ok(message));
      },
    );

    routes.patch(
      '/chat/rooms/:roomId/close',
      {
        config,
        schema: {
          tags,
          summary: 'Close a room (its creator or an agent); it keeps its history and takes no more messages',
          params: roomParams,
          response: { 200: envelope(chatRoom), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => ok(await chat.close(member(request), request.params.roomId)),
    );
  };
}
