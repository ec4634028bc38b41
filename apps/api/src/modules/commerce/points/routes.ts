import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok, page, pagedEnvelope } from '../../../http/envelope.ts';
import { member } from '../../../http/principal.ts';
import type { RunAudited } from '../../ops/audit/service.ts';
import {
  grantPointBody,
  grantPointResult,
  pointBalance,
  pointTransactionItem,
  pointTransactionQuery,
} from './schemas.ts';
import type { PointsService } from './service.ts';

const errors = errorResponses(400, 401, 403);

export interface PointRoutesDeps {
  points: PointsService;
  audit: RunAudited;
}

/** Points (PNT-01..06): the member's balance and ledger, the admin's grant. */
export function pointRoutes({ points, audit }: PointRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();

    routes.get(
      '/points/balance',
      {
        config: { access: 'user' },
        schema: {
          tags: ['points'],
          summary: 'My points balance and what of it expires within 30 days (PNT-01)',
          response: { 200: envelope(pointBalance), ...errors },
        },
      },
      async (request) => ok(await points.balance(member(request).id)),
    );

    routes.get(
      '/points/transactions',
      {
        config: { access: 'user' },
        schema: {
          tags: ['points'],
          summary: 'My points ledger, newest first, optionally of one type (PNT-02)',
          querystring: pointTransactionQuery,
          response: { 200: pagedEnvelope(pointTransactionItem), ...errors },
        },
      },
      async (request) => {
        const { items, totalCount } = await points.transactions(member(request).id, request.query);
        return page(items, { page: request.query.page, limit: request.query.limit, totalCount });
      },
    );

    routes.post(
      '/admin/points/grant',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['points'],
          summary:
            'Grant points to a member (PNT-06): 1 to 10,000,000 P, expiring in a year; USER_NOT_FOUND for an unknown member; audited',
          body: grantPointBody,
          response: { 201: envelope(grantPointResult), ...errors, ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const { userId, amount, description } = request.body;
        const granted = await audit(
          {
            actorId: member(request).id,
            action: 'point.grant',
            target: String(userId),
            requestId: request.id,
            request: { amount },
          },
          () => points.grant(userId, amount, description ?? null),
          (result) => ({ balance: result.balance, transactionId: result.transactionId }),
        );
        return reply.code(201).send(ok(granted));
      },
    );
  };
}
