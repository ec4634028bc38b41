import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok } from '../../../http/envelope.ts';
import { member } from '../../../http/principal.ts';
import type { RunAudited } from '../../ops/audit/service.ts';
import { board, boardIdParams, createBoardBody, updateBoardBody } from './schemas.ts';
import type { BoardsService } from './service.ts';

export interface BoardRoutesDeps {
  boards: BoardsService;
  audit: RunAudited;
}

/** Community boards (API §15 COMM-01), and their admin CRUD (an extension of the contract). */
export function boardRoutes({ boards, audit }: BoardRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['community'];

    routes.get(
      '/boards',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: 'The active community boards, in their sort order',
          response: { 200: envelope(board.array()) },
        },
      },
      async () => ok(await boards.list()),
    );

    routes.post(
      '/admin/boards',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: 'Create a board (extension: not in the contract); audited. 409 DUPLICATE_SLUG',
          body: createBoardBody,
          response: { 201: envelope(board), ...errorResponses(400, 401, 403, 409) },
        },
      },
      async (request, reply) => {
        const created = await audit(
          {
            actorId: member(request).id,
            action: 'board.create',
            target: request.body.slug,
            requestId: request.id,
            request: { slug: request.body.slug, name: request.body.name },
          },
          () => boards.create(request.body),
          (row) => ({ id: row.id }),
        );
        return reply.code(201).send(ok(created));
      },
    );

    routes.patch(
      '/admin/boards/:id',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary: 'Change a board (extension: not in the contract); audited. 409 DUPLICATE_SLUG',
          params: boardIdParams,
          body: updateBoardBody,
          response: { 200: envelope(board), ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) =>
        ok(
          await audit(
            {
              actorId: member(request).id,
              action: 'board.update',
              target: String(request.params.id),
              requestId: request.id,
              request: { ...request.body },
            },
            () => boards.update(request.params.id, request.body),
            (row) => ({ slug: row.slug, isActive: row.isActive }),
          ),
        ),
    );

    routes.delete(
      '/admin/boards/:id',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary:
            'Take a board down (extension: not in the contract): it becomes inactive, its posts are kept but unreadable; PATCH isActive: true brings it back. Audited',
          params: boardIdParams,
          response: { 200: envelope(board), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) =>
        ok(
          await audit(
            {
              actorId: member(request).id,
              action: 'board.deactivate',
              target: String(request.params.id),
              requestId: request.id,
            },
            () => boards.deactivate(request.params.id),
            (row) => ({ slug: row.slug }),
          ),
        ),
    );
  };
}
