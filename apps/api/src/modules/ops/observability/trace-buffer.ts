/** One answered request as the trace buffer keeps it (the query string is dropped on read). */
interface KeptTrace {
  requestId: string;
  method: string;
  url: string;
  route: string | null;
  statusCode: number;
  durationMs: number;
  ip: string;
  userId: number | null;
  at: number;
}

export interface Trace {
  requestId: string;
  method: string;
  /** the path without its query string (which may carry codes or tokens) */
  path: string;
  /** the route template the request matched; null when it matched none */
  route: string | null;
  statusCode: number;
  durationMs: number;
  ip: string | null;
  userId: number | null;
  timestamp: string;
}

/**
 * The most recent requests of this process, errors included, in a ring of fixed size: recording
 * overwrites the oldest slot and allocates nothing but the entry itself.
 */
export class TraceBuffer {
  readonly limit: number;
  private readonly slots: (KeptTrace | undefined)[];
  private next = 0;
  private size = 0;

  constructor(limit: number) {
    this.limit = limit;
    this.slots = new Array(limit);
  }

  record(trace: KeptTrace): void {
    this.slots[this.next] = trace;
    this.next = (this.next + 1) % this.limit;
    if (this.size < this.limit) this.size += 1;
  }

  get buffered(): number {
    return this.size;
  }

  /** Newest first: up to `limit` traces whose path contains `pathContains` (case-insensitive). */
  recent(limit: number, pathContains?: string): Trace[] {
    const needle = pathContains?.toLowerCase();
    const found: Trace[] = [];
    for (let seen = 0; seen < this.size && found.length < limit; seen++) {
      const kept = this.slots[(this.next - 1 - seen + this.limit) % this.limit]!;
      const path = kept.url.split('?', 1)[0]!;
      if (needle && !path.toLowerCase().includes(needle)) continue;
      found.push({
        requestId: kept.requestId,
        method: kept.method,
        path,
        route: kept.route,
        statusCode: kept.statusCode,
        durationMs: Math.round(kept.durationMs * 1000) / 1000,
        ip: kept.ip || null,
        userId: kept.userId,
        timestamp: new Date(kept.at).toISOString(),
      });
    }
    return found;
  }
}
