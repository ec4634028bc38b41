import type { DatabaseHandle } from '@pbshop/db';
import {
  createMetricsRegistry,
  type HttpRequestDuration,
  type Registry,
  registerBreakerStates,
  registerHttpRequestDuration,
  registerSearchOutbox,
} from '@pbshop/metrics';
import type { ResilienceRegistry } from '@pbshop/resilience';

export interface ApiPrometheus {
  registry: Registry;
  /** `http_request_duration_seconds{method,route,status_code}` */
  requestDuration: HttpRequestDuration;
}

/**
 * The API process's Prometheus registry: default process metrics, the request duration histogram
 * (by route template and status, 404s of unknown paths under route="(unmatched)"), the API's
 * breakers (the registry of deps.ts; with WORKERS=inline the processors' own are not included), and, when it runs worker-search's processors (WORKERS=inline), the outbox backlog.
 * Queue depths and job runs are added by main.ts for the processors it runs.
 */
export function apiPrometheus(options: {
  /** the API's breakers (search, payment, social:<provider>) */
  resilience: ResilienceRegistry;
  /** set when this process drains the search outbox */
  outbox?: DatabaseHandle;
}): ApiPrometheus {
  const registry = createMetricsRegistry('api');
  const requestDuration = registerHttpRequestDuration(registry);
  // read in the process: no Redis round trip on the request-path connection for a scrape
  registerBreakerStates(registry, async () => options.resilience.snapshots());
  if (options.outbox) registerSearchOutbox(registry, options.outbox.db);
  return { registry, requestDuration };
}
