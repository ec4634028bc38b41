import type { ResilienceRegistry } from '@pbshop/resilience';

/** A payment as the gateway reports it (the fields of Toss's Payment object we read). */
export interface GatewayPayment {
  paymentKey: string;
  orderId: string;
  status: string;
  totalAmount: number;
  approvedAt: string | null;
  method: string | null;
}

/**
 * What a gateway call ended with:
 * - `done`: the gateway answered with the payment;
 * - `refused`: the gateway answered 4xx with its code (a declined card, a payment it does not
 *   know): final, nothing was charged by this call;
 * - `not-sent`: the `payment` breaker is open, so no request left this process;
 * - `unknown`: a timeout, a 5xx, a reset connection: the gateway may or may not have acted, and
 *   only asking it later can tell.
 */
export type GatewayOutcome =
  | { kind: 'done'; payment: GatewayPayment }
  | { kind: 'refused'; status: number; code: string; message: string }
  | { kind: 'not-sent'; reason: string }
  | { kind: 'unknown'; reason: string };

export interface PaymentGateway {
  /** Confirms (charges) a payment; `idempotencyKey` must be the same for every try of it. */
  confirm(request: {
    paymentKey: string;
    orderId: string;
    amount: number;
    idempotencyKey: string;
  }): Promise<GatewayOutcome>;
  /** Cancels (refunds) the whole payment; `idempotencyKey` must be the same for every try of it. */
  cancel(request: { paymentKey: string; reason: string; idempotencyKey: string }): Promise<GatewayOutcome>;
  /** The payment of an order, as the gateway knows it (`refused` with NOT_FOUND_PAYMENT when none). */
  paymentOfOrder(orderId: string): Promise<GatewayOutcome>;
}

export interface PaymentGatewayOptions {
  /** PAYMENT_GATEWAY_URL, e.g. http://127.0.0.1:8790 */
  baseUrl: string;
  /** PAYMENT_GATEWAY_SECRET_KEY: sent as HTTP Basic `secretKey:` */
  secretKey: string;
  resilience: ResilienceRegistry;
}

/** A gateway answer the breaker counts as a failure: the gateway is not well. */
class GatewayFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GatewayFailure';
  }
}

const MAX_ANSWER_BYTES = 256 * 1024;

function isGatewayPayment(value: unknown): value is GatewayPayment {
  const payment = value as Partial<GatewayPayment> | null;
  return (
    typeof payment === 'object' &&
    payment !== null &&
    typeof payment.paymentKey === 'string' &&
    typeof payment.orderId === 'string' &&
    typeof payment.status === 'string' &&
    typeof payment.totalAmount === 'number'
  );
}

/**
 * The payment gateway over HTTP (a Toss-style confirm / cancel / lookup API) under the `payment`
 * policy: a timeout and a breaker, no retries (a confirm is repeated only by its caller, under the
 * same idempotency key). A 5xx, 429, 401, timeout, network failure or unreadable answer counts
 * against the breaker; any other 4xx is the gateway's final word on that payment and does not.
 */
export function paymentGateway(options: PaymentGatewayOptions): PaymentGateway {
  const authorization = `Basic ${Buffer.from(`${options.secretKey}:`).toString('base64')}`;
  const base = options.baseUrl.replace(/\/+$/, '');

  async function call(
    method: 'GET' | 'POST',
    path: string,
    body?: Record<string, unknown>,
    idempotencyKey?: string,
  ): Promise<GatewayOutcome> {
    try {
      return await options.resilience.execute('payment', async (signal) => {
        let response: Response;
        try {
          response = await fetch(`${base}${path}`, {
            method,
            signal,
            redirect: 'error',
            headers: {
              authorization,
              accept: 'application/json',
              ...(body ? { 'content-type': 'application/json' } : {}),
              ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
            },
            body: body ? JSON.stringify(body) : undefined,
          });
        } catch (error) {
          if (signal.aborted) throw new GatewayFailure(`no answer from the gateway in time (${path})`);
          throw new GatewayFailure(`gateway unreachable: ${error instanceof Error ? error.message : error}`);
        }
        const text = await response.text();
        if (text.length > MAX_ANSWER_BYTES) throw new GatewayFailure(`gateway answer too large (${path})`);
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          throw new GatewayFailure(`gateway answered ${response.status} without JSON (${path})`);
        }
        // our key refused, rate limited or broken: the gateway cannot serve us, whatever the payment
        if (response.status >= 500 || response.status === 429 || response.status === 401) {
          throw new GatewayFailure(`gateway answered ${response.status} (${path}): ${text.slice(0, 200)}`);
        }
        if (response.ok) {
          if (!isGatewayPayment(json))
            throw new GatewayFailure(`gateway answered 2xx without a payment (${path})`);
          return { kind: 'done' as const, payment: json };
        }
        const refusal = (json ?? {}) as { code?: unknown; message?: unknown };
        return {
          kind: 'refused' as const,
          status: response.status,
          code: typeof refusal.code === 'string' ? refusal.code.slice(0, 100) : `HTTP_${response.status}`,
          message: typeof refusal.message === 'string' ? refusal.message.slice(0, 500) : '',
        };
      });
    } catch (error) {
      if (options.resilience.isOpenError(error)) {
        return { kind: 'not-sent', reason: 'the payment circuit breaker is open' };
      }
      if (options.resilience.isTimeoutError(error)) {
        return { kind: 'unknown', reason: `no answer from the gateway in time (${path})` };
      }
      return { kind: 'unknown', reason: error instanceof Error ? error.message : String(error) };
    }
  }

  return {
    confirm: ({ paymentKey, orderId, amount, idempotencyKey }) =>
      call('POST', '/v1/payments/confirm', { paymentKey, orderId, amount }, idempotencyKey),
    cancel: ({ paymentKey, reason, idempotencyKey }) =>
      call(
        'POST',
        `/v1/payments/${encodeURIComponent(paymentKey)}/cancel`,
        { cancelReason: reason },
        idempotencyKey,
      ),
    paymentOfOrder: (orderId) => call('GET', `/v1/payments/orders/${encodeURIComponent(orderId)}`),
  };
}
