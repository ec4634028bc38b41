import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { AppControllerRoute, ControllerHandlerReturnType } from '@bull-board/api/typings/app';
import { FastifyAdapter } from '@bull-board/fastify';
import { AppError, type ErrorCode } from '@pbshop/errors';
import type { JobProducers, QueueName } from '@pbshop/queues';
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
  RouteOptions,
} from 'fastify';
import type { Redis } from 'ioredis';
import type { SignAccessToken } from '../../../http/access-token.ts';
import { member } from '../../../http/principal.ts';
import { documentHeaders } from '../../../plugins/security.ts';
import type { RunAudited } from '../audit/service.ts';
import { cookieValue, QUEUE_UI_COOKIE, QUEUE_UI_PATH, type QueueUiSessions } from './ui-session.ts';

export interface QueueBoardRoutesDeps {
  queues: JobProducers['queues'][QueueName][];
  /** the queues' connection: while it is down the board's API answers 503 at once */
  redis: Redis;
  queueUiSessions: Pick<QueueUiSessions, 'verify'>;
  /** mints the in-process bearer token a valid session cookie stands for */
  signAccessToken: SignAccessToken;
  audit: RunAudited;
  rateLimitPerMinute: number;
}

/** the UI polls its API every few seconds and loads a dozen assets: a higher limit than the API's */
const BOARD_RATE_LIMIT_PER_MINUTE = 600;

/**
 * The board's own policy in place of the API's deny-all one: its scripts, styles (inline ones
 * too), images and API calls from this origin only (the web font it asks Google for is refused and
 * falls back to a local font), never framed, and no upgrade to https (it must work over plain http
 * on a local install, as /docs does).
 */
const boardHeaders = documentHeaders({
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  fontSrc: ["'self'", 'data:'],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  frameAncestors: ["'none'"],
  upgradeInsecureRequests: null,
});

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A refusal of the board's API (`{ status, body: { error: { key } } }`) as our catalog error. */
function boardRefusal(response: ControllerHandlerReturnType): AppError {
  const status = response.status ?? 500;
  const code: ErrorCode =
    status === 404
      ? 'NOT_FOUND'
      : status === 403
        ? 'FORBIDDEN'
        : status === 409
          ? 'CONFLICT'
          : status < 500
            ? 'VALIDATION_ERROR'
            : 'INTERNAL_ERROR';
  const body = response.body as { error?: { key?: string } | string; message?: unknown };
  const reason = typeof body?.error === 'object' ? body.error?.key : body?.error;
  return new AppError(code, {
    details: { reason, ...(typeof body?.message === 'string' ? { message: body.message } : {}) },
  });
}

/** `queue.ui.job.retry` for PUT /api/queues/:queueName/:jobId/retry, `queue.ui.pause` for …/pause. */
function uiAction(url: string): string {
  const path = url.slice(url.indexOf('/api/') + '/api/'.length);
  const words = path
    .split('/')
    .filter((segment) => segment && !segment.startsWith(':') && segment !== 'queues');
  return ['queue.ui', ...(path.includes(':jobId') ? ['job'] : []), ...words].join('.');
}

/**
 * bull-board's Fastify adapter, held to the API's rules: every route it registers is ADMIN-only
 * (`config.access`, so the access plugin guards it and lists it), its refusals are catalog errors
 * in the failure envelope (the API's error handler, not bull-board's), and each change made through
 * the board is written to the admin audit log.
 */
class QueueBoardAdapter extends FastifyAdapter {
  private readonly audit: RunAudited;
  private readonly rateLimit: { max: number; timeWindow: number };

  constructor(audit: RunAudited, rateLimitPerMinute: number) {
    super();
    this.audit = audit;
    this.rateLimit = { max: Math.max(rateLimitPerMinute, BOARD_RATE_LIMIT_PER_MINUTE), timeWindow: 60_000 };
  }

  override setApiRoutes(routes: AppControllerRoute[]) {
    return super.setApiRoutes(
      routes.map((route) => ({
        ...route,
        handler: async (request) => {
          const response = await route.handler(request);
          if ((response.status ?? 200) >= 400) throw boardRefusal(response);
          return response;
        },
      })),
    );
  }

  override registerPlugin(): FastifyPluginCallback {
    const plugin = super.registerPlugin();
    const audit = this.audit;
    const rateLimit = this.rateLimit;
    return (instance, options, done) => {
      // bull-board and @fastify/static register their routes on this instance (static is a
      // fastify-plugin, so it shares it): each gets its access and rate limit here, and each
      // change is audited
      const route = instance.route;
      instance.route = function (this: FastifyInstance, routeOptions: RouteOptions) {
        const methods = [routeOptions.method].flat();
        const changes = methods.some((method) => unsafeMethods.has(method));
        const handler = routeOptions.handler;
        return route.call(this, {
          ...routeOptions,
          config: { ...routeOptions.config, access: 'admin', rateLimit },
          handler: changes
            ? async function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
                const params = request.params as Record<string, string>;
                await audit(
                  {
                    actorId: member(request).id,
                    action: uiAction(routeOptions.url),
                    target: [params.queueName ?? '*', params.jobId].filter(Boolean).join('/'),
                    requestId: request.id,
                    request: {
                      method: request.method,
                      route: routeOptions.url,
                      params,
                      query: request.query,
                    },
                  },
                  async () => {
                    await handler.call(this, request, reply);
                    return reply.statusCode;
                  },
                  (status) => ({ status }),
                );
                return reply;
              }
            : handler,
        } as RouteOptions);
      } as typeof instance.route;
      // the API's error handler answers (failure envelope, catalog codes, no internals)
      instance.setErrorHandler = function (this: FastifyInstance) {
        return this;
      } as typeof instance.setErrorHandler;
      plugin(instance, options, done);
    };
  }
}

/**
 * The queue UI for people (bull-board) at /admin/queues/ui, at the root beside /docs: ADMIN only,
 * by bearer token or by the session cookie of POST /api/v1/admin/queues/ui/session, its static
 * assets included. The cookie stands for its member's bearer token: the access guard re-reads the
 * member, so a blocked or demoted admin, or a logout-all, shuts the UI at once.
 */
export function queueBoardRoutes(deps: QueueBoardRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    app.addHook('onRequest', async (request, reply) => {
      reply.headers(boardHeaders);
      if (request.headers.authorization) return;
      const token = cookieValue(request.headers.cookie, QUEUE_UI_COOKIE);
      if (!token) return;
      const claims = deps.queueUiSessions.verify(token);
      if (claims === 'expired') throw new AppError('TOKEN_EXPIRED');
      if (claims === 'invalid') throw new AppError('TOKEN_INVALID');
      // a cookie is sent by the browser whoever made the page: a change must come from the board itself
      if (unsafeMethods.has(request.method) && !sameOrigin(request)) {
        throw new AppError('FORBIDDEN', { details: { reason: 'cross-origin change refused' } });
      }
      request.headers.authorization = `Bearer ${deps.signAccessToken({ sub: claims.sub, role: 'ADMIN', ver: claims.ver })}`;
    });
    // the board's API reads the queues; the page and its assets do not
    app.addHook('preHandler', async (request) => {
      if (request.url.startsWith(`${QUEUE_UI_PATH}/api/`) && deps.redis.status !== 'ready') {
        throw new AppError('SERVICE_UNAVAILABLE', {
          details: {
            dependency: 'redis',
            reason: 'the job queues (Redis) are unreachable; try again shortly',
          },
        });
      }
    });
    app.addHook('onSend', async (_request, reply, payload) => {
      // an admin's page: never kept by a shared cache
      reply.header('cache-control', 'private, no-cache');
      return payload;
    });

    const adapter = new QueueBoardAdapter(deps.audit, deps.rateLimitPerMinute);
    adapter.setBasePath(QUEUE_UI_PATH);
    createBullBoard({
      queues: deps.queues.map((queue) => new BullMQAdapter(queue)),
      serverAdapter: adapter,
      options: {
        uiConfig: {
          boardTitle: 'PBShop queues',
          hideDocsLink: true,
          pollingInterval: { showSetting: true },
        },
      },
    });
    await app.register(adapter.registerPlugin(), { prefix: QUEUE_UI_PATH });
  };
}

/** Whether a request's Origin (or, without one, its Referer) is this server. */
function sameOrigin(request: FastifyRequest): boolean {
  const source = request.headers.origin ?? request.headers.referer;
  if (!source) return false;
  try {
    // both through URL, so a default port written in one and left out in the other still matches
    return new URL(source).host === new URL(`${request.protocol}://${request.headers.host}`).host;
  } catch {
    return false;
  }
}
