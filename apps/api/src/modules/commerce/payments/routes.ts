import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { envelope, errorResponses, ok } from '../../../http/envelope.ts';
import { type IdempotencyKeys, idempotencyErrors, idempotencyKeyHeaders } from '../../../http/idempotency.ts';
import { member } from '../../../http/principal.ts';
import type { RunAudited } from '../../ops/audit/service.ts';
import { createPaymentBody, payment, paymentIdParams, refundBody } from './schemas.ts';
import type { PaymentsService } from './service.ts';

export interface PaymentRoutesDeps {
  payments: PaymentsService;
  idempotency: IdempotencyKeys;
  /** the admin audit trail: an admin's refund is recorded with who asked and how it ended */
  audit: RunAudited;
}

const tags = ['payments'];
const errors = errorResponses(400, 401, 403, 404, 503);

/**
 * Payments (API §11, PAY-01..03; client-shapes §Payment): paying an order through the payment
 * gateway, reading a payment, and refunds by the member and by an admin. Paying and refunding
 * accept `Idempotency-Key`.
 */
export function paymentRoutes({ payments, idempotency, audit }: PaymentRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();

    routes.post(
      '/payments',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            "Pay one of my orders in full through the payment gateway (amount = the order's finalAmount). " +
            '201: paid. 402 PAYMENT_FAILED: declined (details.gatewayCode), the order can be paid again. ' +
            '503 PAYMENT_GATEWAY_UNAVAILABLE: the gateway did not answer; details.status PENDING means the ' +
            'outcome is being confirmed with the gateway (read GET /payments/:id, or retry: a retry never ' +
            'charges twice).',
          headers: idempotencyKeyHeaders,
          body: createPaymentBody,
          response: {
            201: envelope(payment),
            ...errors,
            ...idempotencyErrors,
            402: errors[400],
          },
        },
        ...idempotency.route('POST /payments'),
      },
      async (request, reply) => {
        const paid = await payments.pay(member(request).id, request.body);
        return reply.code(201).send(ok(paid));
      },
    );

    routes.get(
      '/payments/:id',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'One of my payments (an admin may read any)',
          params: paymentIdParams,
          response: { 200: envelope(payment), ...errors },
        },
      },
      async (request) => {
        const { id, role } = member(request);
        return ok(await payments.get({ userId: id, admin: role === 'ADMIN' }, request.params.id));
      },
    );

    routes.post(
      '/payments/:id/refund',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            'Refund one of my payments of an order not shipped yet (PAYMENT_CONFIRMED, PREPARING): cancelled ' +
            'at the gateway, the order cancelled, its stock and points given back',
          params: paymentIdParams,
          headers: idempotencyKeyHeaders,
          body: refundBody,
          response: { 200: envelope(payment), ...errors, ...idempotencyErrors, 409: errors[400] },
        },
        ...idempotency.route('POST /payments/:id/refund'),
      },
      async (request) => {
        const refunded = await payments.refund(
          { userId: member(request).id, admin: false },
          request.params.id,
          request.body.reason,
        );
        return ok(refunded);
      },
    );

    routes.post(
      '/admin/payments/:id/refund',
      {
        config: { access: 'admin' },
        schema: {
          tags,
          summary:
            'Refund any payment of an order not shipped yet or under return (RETURN_REQUESTED → RETURNED); audited',
          params: paymentIdParams,
          headers: idempotencyKeyHeaders,
          body: refundBody,
          response: { 200: envelope(payment), ...errors, ...idempotencyErrors, 409: errors[400] },
        },
        ...idempotency.route('POST /admin/payments/:id/refund'),
      },
      async (request) => {
        const actorId = member(request).id;
        const refunded = await audit(
          {
            actorId,
            action: 'payment.refund',
            target: String(request.params.id),
            requestId: request.id,
            request: { reason: request.body.reason ?? null },
          },
          () => payments.refund({ userId: actorId, admin: true }, request.params.id, request.body.reason),
          (result) => ({ status: result.status, orderStatus: result.orderStatus }),
        );
        return ok(refunded);
      },
    );
  };
}
