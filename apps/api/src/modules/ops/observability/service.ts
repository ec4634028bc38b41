import { hostname } from 'node:os';
import type { Env, Logger } from '@pbshop/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { RequestObserver } from '../../../plugins/observability.ts';
import { type DashboardSources, notBuilt, readPart } from './dashboard.ts';
import type { ApiPrometheus } from './prometheus.ts';
import { RequestWindow, UNMATCHED, type WindowSummary } from './request-window.ts';
import { type Trace, TraceBuffer } from './trace-buffer.ts';

export interface ObservabilityDeps {
  env: Pick<Env, 'OBS_ENABLED' | 'OBS_TRACE_BUFFER_LIMIT' | 'OBS_FLUSH_INTERVAL_MS' | 'REDIS_KEY_PREFIX'>;
  logger: Logger;
  /** the request-path connection (fails fast while Redis is down) */
  redis: Redis;
  prometheus: ApiPrometheus;
  sources: DashboardSources;
  /** how long the dashboard waits for each part */
  partTimeoutMs: number;
}

const UNMATCHED_KEY = `${UNMATCHED.method} ${UNMATCHED.route}`;
/** longer URLs are kept cut (a trace buffer of 5,000 must not hold 5,000 × 16 kB) */
const MAX_TRACE_URL = 512;

/** which API process answered: traces and a Redis-less summary are this process's */
export const replica = `${hostname()}:${process.pid}`;

/**
 * Request metrics, recent traces, the observability dashboard and the Prometheus text of this API
 * process (contract §2.B.8; docs/runbook.md, "Observability").
 */
export function observabilityService(deps: ObservabilityDeps) {
  const { env, prometheus } = deps;
  const window = new RequestWindow({
    redis: deps.redis,
    keyPrefix: env.REDIS_KEY_PREFIX,
    flushIntervalMs: env.OBS_FLUSH_INTERVAL_MS,
    logger: deps.logger,
  });
  const traces = new TraceBuffer(env.OBS_TRACE_BUFFER_LIMIT);

  /** The hot path: a few additions, one trace entry, one histogram observation. */
  const observe: RequestObserver = (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions.url;
    const method = request.method;
    const statusCode = reply.statusCode;
    const durationMs = reply.elapsedTime;
    const now = Date.now();
    window.record(route === undefined ? UNMATCHED_KEY : `${method} ${route}`, statusCode, durationMs, now);
    const url = request.url;
    traces.record({
      requestId: request.id,
      method,
      url: url.length > MAX_TRACE_URL ? url.slice(0, MAX_TRACE_URL) : url,
      route: route ?? null,
      statusCode,
      durationMs,
      ip: request.ip,
      userId: request.principal?.id ?? null,
      at: now,
    });
    prometheus.requestDuration.observe(
      { method, route: route ?? UNMATCHED.route, status_code: statusCode },
      durationMs / 1000,
    );
  };

  return {
    /** false: no request is recorded (OBS_ENABLED=false); the endpoints answer empty figures */
    enabled: env.OBS_ENABLED,
    observe,
    replica,

    metrics: (route?: string): Promise<WindowSummary & { replica: string }> =>
      window.summary(route === undefined ? {} : { route }).then((summary) => ({ ...summary, replica })),

    traces(
      limit: number,
      pathContains?: string,
    ): { items: Trace[]; replica: string; bufferLimit: number; buffered: number } {
      return {
        items: traces.recent(limit, pathContains),
        replica,
        bufferLimit: traces.limit,
        buffered: traces.buffered,
      };
    },

    /** Every part read at once; a part that fails or is not built is null, with the reason in `errors`. */
    async dashboard() {
      const errors: Record<string, string> = {};
      const { sources, partTimeoutMs } = deps;
      const [metrics, queue, resilience, searchSync, crawler, opsSummary] = await Promise.all([
        readPart(() => window.summary(), 'metrics', partTimeoutMs, errors),
        readPart(sources.queue, 'queue', partTimeoutMs, errors),
        readPart(sources.resilience, 'resilience', partTimeoutMs, errors),
        readPart(sources.searchSync, 'searchSync', partTimeoutMs, errors),
        readPart(sources.crawler, 'crawler', partTimeoutMs, errors, notBuilt.crawler),
        readPart(sources.opsSummary, 'opsSummary', partTimeoutMs, errors, notBuilt.opsSummary),
      ]);
      const memory = process.memoryUsage();
      return {
        checkedAt: new Date().toISOString(),
        replica,
        process: {
          uptimeSec: Math.round(process.uptime()),
          memory: {
            rss: memory.rss,
            heapTotal: memory.heapTotal,
            heapUsed: memory.heapUsed,
            external: memory.external,
            arrayBuffers: memory.arrayBuffers,
          },
        },
        metrics: metrics === null ? null : { ...metrics, replica },
        queue,
        resilience,
        searchSync:
          searchSync === null
            ? null
            : {
                pending: searchSync.pending,
                processing: searchSync.processing,
                completed: searchSync.completed,
                failed: searchSync.failed,
              },
        crawler,
        opsSummary,
        errors,
      };
    },

    /** this process's Prometheus registry (main.ts adds the job metrics of the processors it runs) */
    registry: prometheus.registry,
    /** The Prometheus exposition of this process. */
    prometheusText: () => prometheus.registry.metrics(),
    prometheusContentType: prometheus.registry.contentType,

    /** Sends the last counts to Redis. */
    close: () => window.close(),
  };
}

export type ObservabilityService = ReturnType<typeof observabilityService>;
