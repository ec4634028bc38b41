import { type JobProducers, queueNames } from '@pbshop/queues';
import { type PolicyFamily, policySettings, type ResilienceRegistry } from '@pbshop/resilience';

/** A part of the dashboard that another area owns, read through the function it offers. */
export type DashboardSource<T> = () => Promise<T>;

export interface QueueStats {
  items: {
    queueName: string;
    paused: boolean;
    counts: { waiting: number; active: number; delayed: number; completed: number; failed: number };
  }[];
  /** the number of queues listed */
  total: number;
}

/** Each queue's job counts by state and whether it is paused, read from BullMQ. */
export function queueStatsFrom(queues: JobProducers['queues']): DashboardSource<QueueStats> {
  return async () => {
    const items = await Promise.all(
      queueNames.map(async (queueName) => {
        const queue = queues[queueName];
        const [counts, paused] = await Promise.all([
          queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed'),
          queue.isPaused(),
        ]);
        return {
          queueName,
          paused,
          counts: {
            waiting: counts.waiting ?? 0,
            active: counts.active ?? 0,
            delayed: counts.delayed ?? 0,
            completed: counts.completed ?? 0,
            failed: counts.failed ?? 0,
          },
        };
      }),
    );
    return { items, total: items.length };
  };
}

export interface CircuitSnapshot {
  name: string;
  status: 'CLOSED' | 'OPEN' | 'HALF_OPEN';
  failureCount: number;
  successCount: number;
  nextAttemptAt: string | null;
  lastFailureReason: string | null;
  options: { failureThreshold: number; openTimeoutMs: number; halfOpenSuccessThreshold: number };
  service: string;
  instance: string;
}

export interface PolicyItem {
  name: string;
  options: { failureThreshold: number; openTimeoutMs: number; halfOpenSuccessThreshold: number };
  stats: { success: number; failure: number; lastTunedAt: number };
}

export interface ResilienceOverview {
  circuits: CircuitSnapshot[];
  adaptivePolicies: PolicyItem[];
}

const statusOf = { closed: 'CLOSED', open: 'OPEN', 'half-open': 'HALF_OPEN', isolated: 'OPEN' } as const;

/**
 * Every process's breakers as they publish them to Redis, in the storefront's shape, and the
 * policies they run under. A snapshot that does not carry counts or options (a process of an
 * older version) gets them from the policy's settings, with zero counts.
 */
export function resilienceFrom(registry: ResilienceRegistry): DashboardSource<ResilienceOverview> {
  const optionsOf = (name: string) => {
    const settings = policySettings[name.split(':')[0] as PolicyFamily];
    return {
      failureThreshold: settings?.breakAfterFailures ?? 0,
      openTimeoutMs: settings?.halfOpenAfterMs ?? 0,
      halfOpenSuccessThreshold: 1,
    };
  };
  return async () => {
    const snapshots = (await registry.publishedSnapshots()) as unknown as (Record<string, unknown> & {
      name: string;
      state: keyof typeof statusOf;
      service: string;
      instance: string;
      lastFailure: string | null;
    })[];
    const circuits = snapshots.map((snapshot) => ({
      name: snapshot.name,
      status:
        (snapshot.status as CircuitSnapshot['status'] | undefined) ?? statusOf[snapshot.state] ?? 'CLOSED',
      failureCount: typeof snapshot.failureCount === 'number' ? snapshot.failureCount : 0,
      successCount: typeof snapshot.successCount === 'number' ? snapshot.successCount : 0,
      nextAttemptAt: typeof snapshot.nextAttemptAt === 'string' ? snapshot.nextAttemptAt : null,
      lastFailureReason: snapshot.lastFailure ?? null,
      options: (snapshot.options as CircuitSnapshot['options'] | undefined) ?? optionsOf(snapshot.name),
      service: snapshot.service,
      instance: snapshot.instance,
    }));
    const adaptivePolicies = Object.keys(policySettings).map((name) => ({
      name,
      options: optionsOf(name),
      stats: { success: 0, failure: 0, lastTunedAt: 0 },
    }));
    return { circuits, adaptivePolicies };
  };
}

/** What the dashboard needs of the circuit breaker admin service (modules/ops/resilience). */
export interface ResilienceAdminReads {
  list(): Promise<
    {
      name: string;
      holders: {
        service: string;
        instance: string;
        status: CircuitSnapshot['status'];
        failureCount: number;
        successCount: number;
        nextAttemptAt: string | null;
        lastFailureReason: string | null;
        options: CircuitSnapshot['options'];
      }[];
    }[]
  >;
  policies(): Promise<PolicyItem[]>;
}

/**
 * The breakers (one entry per process holding one, the storefront's shape) and the policies with
 * their windowed statistics, from the circuit breaker admin service; without it, `fallback`.
 */
export function resilienceOverview(
  fallback: DashboardSource<ResilienceOverview>,
  admin: ResilienceAdminReads | undefined,
): DashboardSource<ResilienceOverview> {
  if (!admin) return fallback;
  return async () => {
    const [breakers, adaptivePolicies] = await Promise.all([admin.list(), admin.policies()]);
    const circuits = breakers.flatMap((breaker) =>
      breaker.holders.map((holder) => ({
        name: breaker.name,
        status: holder.status,
        failureCount: holder.failureCount,
        successCount: holder.successCount,
        nextAttemptAt: holder.nextAttemptAt,
        lastFailureReason: holder.lastFailureReason,
        options: holder.options,
        service: holder.service,
        instance: holder.instance,
      })),
    );
    // a policy no process has used yet is not in Redis: listed with its settings and zero counts
    const listed = new Set(adaptivePolicies.map((policy) => policy.name));
    const unused = (await fallback()).adaptivePolicies.filter((policy) => !listed.has(policy.name));
    return {
      circuits,
      adaptivePolicies: [
        ...adaptivePolicies.map(({ name, options, stats }) => ({ name, options, stats })),
        ...unused,
      ],
    };
  };
}

/** The crawler's run counts, as the storefront reads them (from the crawler admin area, once built). */
export interface CrawlerSummary {
  totalRuns: number;
  queuedRuns: number;
  processingRuns: number;
  successRuns: number;
  failedRuns: number;
  successRate: number;
  latestRunAt: string | null;
  latestSuccessAt: string | null;
}

export interface DashboardSources {
  queue: DashboardSource<QueueStats>;
  resilience: DashboardSource<ResilienceOverview>;
  searchSync: DashboardSource<{ pending: number; processing: number; completed: number; failed: number }>;
  /** the crawler admin area's monitoring; null where it does not exist */
  crawler: DashboardSource<CrawlerSummary> | null;
  /** the ops dashboard summary (modules/ops/dashboard); null where it does not exist */
  opsSummary: DashboardSource<Record<string, unknown>> | null;
}

/** Why a part is null when its area does not exist yet. */
export const notBuilt: Record<'crawler' | 'opsSummary', string> = {
  crawler: 'not available: the crawler admin area (runs, monitoring) is not built yet',
  opsSummary: 'not available: the ops dashboard area (GET /admin/ops-dashboard/summary) is not built yet',
};

/**
 * Reads one part for the dashboard within `timeoutMs`: its value, or null with the reason, so one
 * failing part never fails the dashboard (the ops dashboard's rule).
 */
export async function readPart<T>(
  source: DashboardSource<T> | null,
  name: string,
  timeoutMs: number,
  errors: Record<string, string>,
  reasonWhenMissing?: string,
): Promise<T | null> {
  if (!source) {
    errors[name] = reasonWhenMissing ?? 'not available';
    return null;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      source(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    errors[name] = error instanceof Error ? error.message : String(error);
    return null;
  } finally {
    clearTimeout(timer);
  }
}
