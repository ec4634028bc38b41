import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok, page, pagedEnvelope } from '../../../http/envelope.ts';
import {
  type IdempotentRouteHooks,
  idempotencyErrors,
  idempotencyKeyHeaders,
} from '../../../http/idempotency.ts';
import { member } from '../../../http/principal.ts';
import type { RunAudited } from '../../ops/audit/service.ts';
import {
  adminOrderListQuery,
  changeStatusBody,
  createOrderBody,
  orderDetail,
  orderIdParams,
  orderListQuery,
  orderSummary,
} from './schemas.ts';
import type { OrdersService } from './service.ts';

const errors = errorResponses(400, 401, 403, 404);

export interface OrderRoutesDeps {
  orders: OrdersService;
  /** the Idempotency-Key hooks of `POST /orders` */
  idempotentPlace: IdempotentRouteHooks;
  audit: RunAudited;
  /** counts an order write answered 5xx for the ops rollback signal (payment_order_failures) */
  recordFailure(route: string): Promise<void>;
}

/** Orders (ORD-01..06): the member's orders and the admin's order management. */
export function orderRoutes({
  orders,
  idempotentPlace,
  audit,
  recordFailure,
}: OrderRoutesDeps): FastifyPluginAsync {
  /**
   * On the order writes (place, cancel, status change): an answer of 5xx is a failure an operator
   * rolls back for, whatever raised it (a guard, the idempotency layer, the service); a 4xx is the
   * caller's and is not counted.
   */
  const countFailure = {
    onResponse: async (request: FastifyRequest, reply: FastifyReply) => {
      if (reply.statusCode >= 500) await recordFailure(`${request.method} ${request.routeOptions.url}`);
    },
  };

  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();

    routes.post(
      '/orders',
      {
        config: { access: 'user' },
        schema: {
          tags: ['orders'],
          summary:
            "Place an order (ORD-01/02) from direct-buy lines or cart lines (fromCart + cartItemIds, removed from the cart); prices are the offers' current prices; stock is taken and points used in the same transaction; pay within ORDER_PAYMENT_TIMEOUT_MINUTES",
          headers: idempotencyKeyHeaders,
          body: createOrderBody,
          response: { 201: envelope(orderDetail), ...errors, ...idempotencyErrors },
        },
        ...idempotentPlace,
        ...countFailure,
      },
      async (request, reply) => {
        const order = await orders.place(member(request).id, request.body);
        return reply.code(201).send(ok(order));
      },
    );

    routes.get(
      '/orders',
      {
        config: { access: 'user' },
        schema: {
          tags: ['orders'],
          summary: 'My orders, newest first (ORD-03)',
          querystring: orderListQuery,
          response: { 200: pagedEnvelope(orderSummary), ...errors },
        },
      },
      async (request) => {
        const { items, totalCount } = await orders.list(member(request).id, request.query);
        return page(items, { page: request.query.page, limit: request.query.limit, totalCount });
      },
    );

    routes.get(
      '/orders/:id',
      {
        config: { access: 'user' },
        schema: {
          tags: ['orders'],
          summary: 'One of my orders with its lines, shipping address and payments (ORD-04)',
          params: orderIdParams,
          response: { 200: envelope(orderDetail), ...errors },
        },
      },
      async (request) => ok(await orders.detail(member(request).id, request.params.id)),
    );

    routes.post(
      '/orders/:id/cancel',
      {
        config: { access: 'user' },
        schema: {
          tags: ['orders'],
          summary:
            'Cancel my order (ORD-05) from ORDER_PLACED or PAYMENT_PENDING: stock and used points given back once. Refused (ORDER_CANNOT_CANCEL) while a payment is in progress at the gateway',
          params: orderIdParams,
          response: { 200: envelope(orderDetail), ...errors },
        },
        ...countFailure,
      },
      async (request) => ok(await orders.cancel(member(request).id, request.params.id)),
    );

    routes.get(
      '/admin/orders',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['orders'],
          summary: 'All orders, newest first, by status, member, order number and creation time (ORD-06)',
          querystring: adminOrderListQuery,
          response: { 200: pagedEnvelope(orderSummary), ...errors },
        },
      },
      async (request) => {
        const { items, totalCount } = await orders.adminList(request.query);
        return page(items, { page: request.query.page, limit: request.query.limit, totalCount });
      },
    );

    routes.patch(
      '/admin/orders/:id/status',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['orders'],
          summary:
            'Move an order one step (ORD-06): PAYMENT_CONFIRMED→PREPARING→SHIPPING→DELIVERED→CONFIRMED (earns 1%), DELIVERED→RETURN_REQUESTED, ORDER_PLACED/PAYMENT_PENDING→CANCELLED (stock and points given back). Anything else is 400 INVALID_STATUS_TRANSITION; audited',
          params: orderIdParams,
          body: changeStatusBody,
          response: { 200: envelope(orderDetail), ...errors },
        },
        ...countFailure,
      },
      async (request) => {
        const { id } = request.params;
        const { status } = request.body;
        const order = await audit(
          {
            actorId: member(request).id,
            action: 'order.status.change',
            target: String(id),
            requestId: request.id,
            request: { status },
          },
          () => orders.changeStatus(id, status),
          (changed) => ({ status: changed.status, orderNumber: changed.orderNumber }),
        );
        return ok(order);
      },
    );
  };
}
