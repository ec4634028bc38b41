import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/** What is told about each answered request; it must be cheap, it runs on every one. */
export type RequestObserver = (request: FastifyRequest, reply: FastifyReply) => void;

/**
 * Tells `observe` about every answered request, whatever its status: successes, refusals
 * (401/403/429 from guards, 404 of unknown paths) and thrown errors (answered as 5xx by the error
 * handler). `onResponse` runs once the response is sent, so the request is not slowed by it.
 */
export const observability = fp(
  async (app: FastifyInstance, options: { observe: RequestObserver }) => {
    const { observe } = options;
    // a callback hook: an async one costs every request a promise
    app.addHook('onResponse', (request, reply, done) => {
      observe(request, reply);
      done();
    });
  },
  { name: 'observability' },
);
