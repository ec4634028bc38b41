import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type { Registry } from 'prom-client';

/**
 * A process's Prometheus registry: Node's default process metrics (CPU, memory, event loop lag,
 * GC, handles) plus whatever the process adds, every series labelled with the service name.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** the source reads of the scrape under way, per registry */
const reading = new WeakMap<Registry, Set<Promise<unknown>>>();

/**
 * `pbshop_metrics_source_up{source}`: 1 when this scrape could read the source, 0 when it could
 * not. A registry collects all its metrics at once, so this one waits for the reads of the scrape
 * (they all start before the next turn of the event loop).
 */
export function sourceUpGauge(registry: Registry): Gauge<'source'> {
  const existing = registry.getSingleMetric('pbshop_metrics_source_up');
  if (existing) return existing as Gauge<'source'>;
  reading.set(registry, new Set());
  return new Gauge({
    name: 'pbshop_metrics_source_up',
    help: 'Whether this scrape could read the source (queues: Redis, search_outbox: PostgreSQL, breakers)',
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      await new Promise((resolve) => setImmediate(resolve));
      await Promise.allSettled([...(reading.get(registry) ?? [])]);
    },
  });
}

/** Registers a read of the scrape under way, for the source-up gauge to wait for. */
export function trackRead<T>(registry: Registry, read: Promise<T>): Promise<T> {
  const pending = reading.get(registry);
  if (!pending) return read;
  pending.add(read);
  return read.finally(() => pending.delete(read));
}

/** How long a scrape waits for one source (Redis, PostgreSQL) before it reports the source down. */
export const SOURCE_TIMEOUT_MS = 1500;

/** `work`, or a rejection once `ms` passed: a scrape never hangs on a dead dependency. */
export async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads a source for a scrape: sets the gauges with what it read and marks the source up, or
 * clears them and marks it down (no stale values).
 */
export async function readSource<T>(
  registry: Registry,
  source: string,
  read: () => Promise<T>,
  apply: (value: T | undefined) => void,
): Promise<void> {
  const up = sourceUpGauge(registry);
  try {
    apply(await trackRead(registry, within(SOURCE_TIMEOUT_MS, read())));
    up.set({ source }, 1);
  } catch {
    apply(undefined);
    up.set({ source }, 0);
  }
}

export type HttpRequestDuration = Histogram<'method' | 'route' | 'status_code'>;

/** `http_request_duration_seconds{method,route,status_code}`: every answered HTTP request. */
export function registerHttpRequestDuration(registry: Registry): HttpRequestDuration {
  return new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
}
