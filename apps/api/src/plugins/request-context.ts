import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A request's id comes from `x-request-id` when it is sane, else is generated; it is echoed back. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && REQUEST_ID.test(value) ? value : randomUUID();
}

const SUCCESS_OPENING = '{"success":true,';
const SUCCESS_OPENING_BYTES = Buffer.from(SUCCESS_OPENING);

/**
 * A serialized success body with `requestId` and `timestamp` after `success` (the contract's
 * success body), or the payload as it was when it is not one. Bodies are stamped as bytes
 * (bodies the catalog cache keeps are sent as they were stored, shared by every request) or as
 * text, never parsed again. The request id is safe in a JSON string as it is (`requestIdFrom`).
 */
export function stampSuccessBody<P>(payload: P, requestId: string): P | string | Buffer {
  const stamp = () => `{"success":true,"requestId":"${requestId}","timestamp":"${new Date().toISOString()}",`;
  if (typeof payload === 'string') {
    return payload.startsWith(SUCCESS_OPENING) ? stamp() + payload.slice(SUCCESS_OPENING.length) : payload;
  }
  if (
    Buffer.isBuffer(payload) &&
    payload.length > SUCCESS_OPENING_BYTES.length &&
    SUCCESS_OPENING_BYTES.equals(payload.subarray(0, SUCCESS_OPENING_BYTES.length))
  ) {
    return Buffer.concat([Buffer.from(stamp()), payload.subarray(SUCCESS_OPENING_BYTES.length)]);
  }
  return payload;
}

export const requestContext = fp(async (app: FastifyInstance) => {
  // callback hooks: an async one costs every request a promise and a microtask turn
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onSend', (request, _reply, payload, done) => {
    done(null, stampSuccessBody(payload, request.id));
  });
});
