import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { Env } from '@pbshop/config';
import { AppError } from '@pbshop/errors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import helmet from 'helmet';
import type { Redis } from 'ioredis';
import { rateLimitStore } from './rate-limit-store.ts';

/** how often the counts an API process keeps of clients far from their limit reach Redis */
const RATE_LIMIT_SYNC_MS = 100;

/**
 * The headers a helmet middleware sets, captured by running it once on a stand-in response: with
 * these options (no CSP nonces) they depend on neither request nor response.
 */
function headersOf(middleware: ReturnType<typeof helmet>): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | string[]) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  middleware({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return headers;
}

/**
 * Helmet's headers for a page served beside the API (a UI), with the page's own CSP directives on
 * top of helmet's defaults: the API's deny-all policy would keep its scripts and styles out.
 */
export function documentHeaders(directives: Record<string, string[] | null>): Record<string, string> {
  return headersOf(helmet({ contentSecurityPolicy: { directives } }));
}

/** Route config for the auth routes' own, lower limit. */
export function authRateLimit(env: Pick<Env, 'AUTH_RATE_LIMIT_PER_MINUTE'>) {
  return { max: env.AUTH_RATE_LIMIT_PER_MINUTE, timeWindow: 60_000 };
}

/**
 * Route config for a member's writes that others read (posts, comments, likes, Q&A): counted per
 * member (the access guard runs first and sets the principal), on each route apart.
 */
export function memberWriteRateLimit(env: Pick<Env, 'MEMBER_WRITE_RATE_LIMIT_PER_MINUTE'>) {
  return {
    max: env.MEMBER_WRITE_RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    keyGenerator: (request: FastifyRequest) =>
      request.principal ? `member:${request.principal.id}` : `ip:${request.ip}`,
  };
}

/**
 * Helmet headers, CORS for the configured origins, and rate limits counted in Redis so they hold
 * across API replicas (see `rateLimitStore`: far from the limit, counted locally and synced every
 * 100 ms). While Redis is down, or slower than the store's bound, requests are let through
 * (skipOnError) rather than refused or kept waiting: the health check reports the outage.
 */
export const security = fp(
  async (app: FastifyInstance, options: { env: Env; redis: Redis }) => {
    const { env } = options;
    // helmet's headers are worked out once: @fastify/helmet rebuilt (and re-parsed the CSP of) its
    // middleware on every request, and even a prebuilt chain of a dozen middlewares cost a tenth of
    // a cached read. The API answers JSON only, so its policy allows nothing, and it sends the
    // headers OWASP's REST Security Cheat Sheet lists for API responses (CSP, HSTS, nosniff,
    // frame options) with CORP and Referrer-Policy; the ones that only steer how a browser treats a
    // document (COOP, Origin-Agent-Cluster, DNS prefetch, IE's download and XSS filters, Flash
    // policies) are left to /docs, whose Swagger UI also needs inline scripts and styles. Every
    // header costs each response its validation and bytes.
    const apiHeaders = headersOf(
      helmet({
        contentSecurityPolicy: {
          useDefaults: false,
          directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
        },
        crossOriginOpenerPolicy: false,
        originAgentCluster: false,
        xDnsPrefetchControl: false,
        xDownloadOptions: false,
        xPermittedCrossDomainPolicies: false,
        xXssProtection: false,
        // as the CSP's frame-ancestors 'none' says
        xFrameOptions: { action: 'deny' },
      }),
    );
    const docsHeaders = headersOf(
      helmet({
        contentSecurityPolicy: {
          directives: {
            defaultSrc: ["'self'"],
            scriptSrc: ["'self'", "'unsafe-inline'"],
            styleSrc: ["'self'", "'unsafe-inline'"],
            imgSrc: ["'self'", 'data:'],
          },
        },
      }),
    );
    app.addHook('onRequest', (request, reply, done) => {
      reply.headers(request.url.startsWith('/docs') ? docsHeaders : apiHeaders);
      done();
    });
    const allowedOrigins = new Set(env.CORS_ORIGINS);
    const anyOrigin = allowedOrigins.has('*');
    await app.register(cors, {
      // CORS headers go only to requests from an allowed Origin: browsers send one on every
      // cross-origin request, and to other clients (or a refused origin) the credentials and
      // exposed-headers lines mean nothing, yet cost each response two headers. Vary: Origin is
      // sent either way, so a shared cache keeps the two kinds of answer apart.
      origin: (origin, callback) =>
        callback(null, origin === undefined ? false : anyOrigin ? '*' : allowedOrigins.has(origin)),
      credentials: true,
      // one string each: @fastify/cors joins an array on every request
      methods: 'GET, HEAD, POST, PUT, PATCH, DELETE',
      allowedHeaders:
        'Authorization, Content-Type, Accept-Language, x-request-id, x-cart-key, x-compare-key, Idempotency-Key, X-Currency',
      exposedHeaders:
        'x-request-id, retry-after, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset',
      // browsers keep a preflight's answer this long (Chromium caps it at 2 hours)
      maxAge: 600,
    });
    const counts = rateLimitStore({
      redis: options.redis,
      prefix: `${env.REDIS_KEY_PREFIX}:rate:`,
      syncMs: RATE_LIMIT_SYNC_MS,
    });
    app.addHook('onClose', () => counts.flush());
    await app.register(rateLimit, {
      global: true,
      max: env.RATE_LIMIT_PER_MINUTE,
      timeWindow: 60_000,
      store: counts.Store,
      skipOnError: true,
      errorResponseBuilder: (_request, context) =>
        new AppError('TOO_MANY_REQUESTS', {
          details: { limit: context.max, retryAfterSeconds: Math.ceil(context.ttl / 1000) },
          headers: { 'retry-after': String(Math.ceil(context.ttl / 1000)) },
        }),
    });
  },
  { name: 'security' },
);
