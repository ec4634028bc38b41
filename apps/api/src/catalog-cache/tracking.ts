import type { Logger } from '@pbshop/config';
import { withTimeout } from '@pbshop/config';
import type { Redis } from 'ioredis';

const INVALIDATE_CHANNEL = '__redis__:invalidate';

export interface TrackedVersions {
  /**
   * Resolves true once every invalidation Redis sent before this call has been applied here (one
   * PING on the tracking connection, shared by the reads of one event-loop turn); false while
   * tracking is not up (then read Redis).
   */
  barrier(): Promise<boolean>;
  /** a version as this process knows it, if it does */
  get(key: string): string | undefined;
  /** taken before reading versions from Redis; `remember` keeps them only if nothing changed since */
  mark(): number;
  remember(mark: number, versions: [key: string, value: string][]): void;
  /** after this process's own write, at once (the invalidation message follows) */
  forget(keys: string[]): void;
  close(): Promise<void>;
}

export interface TrackingOptions {
  /** the version keys' common prefix: Redis reports every change to a key under it */
  prefix: string;
  /** a barrier's PING slower than this counts as tracking down */
  timeoutMs: number;
  maxVersions: number;
  /** every cached body is dropped: the versions they were stored under may start again (Redis lost its data) */
  onReset(): void;
}

/**
 * The catalog cache's versions kept in this process, current through Redis client-side caching
 * (CLIENT TRACKING in broadcast mode on a dedicated connection). Why a read never uses a version
 * older than a completed write, and what a dropped connection forgets: docs/architecture.md,
 * "Catalog reads" (In-process copy).
 */
export function trackedVersions(redis: Redis, logger: Logger, options: TrackingOptions): TrackedVersions {
  const connection = redis.duplicate({
    // tracking must be enabled before subscribing, on every new connection: done on 'ready' below
    autoResubscribe: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    lazyConnect: true,
    // it sends one PING per event-loop turn at most (`sharedPing`): auto-pipelining would only wrap
    // each in a pipeline of one, a tenth of a cached hit's cost
    enableAutoPipelining: false,
  });
  const versions = new Map<string, string>();
  /** bumped by every invalidation and every reconnect: what `mark` compares */
  let epoch = 0;
  /** the connection's session (bumped when it closes) and the session tracking was set up on */
  let session = 0;
  let trackedSession = -1;
  let closed = false;
  const tracking = () => trackedSession === session && connection.status === 'ready';

  function forgetAll() {
    epoch += 1;
    versions.clear();
    options.onReset();
  }

  connection.on('messageBuffer', (channel: Buffer, message: Buffer[] | Buffer | null) => {
    if (channel.toString() !== INVALIDATE_CHANNEL) return;
    epoch += 1;
    // null: the whole database was flushed
    if (message === null) return forgetAll();
    for (const key of Array.isArray(message) ? message : [message]) versions.delete(key.toString());
  });
  connection.on('close', () => {
    session += 1;
    forgetAll();
  });
  connection.on('error', (error: Error) => {
    logger.debug({ err: error }, 'catalog cache tracking connection error');
  });
  connection.on('ready', () => {
    const current = session;
    void (async () => {
      try {
        const id = await connection.client('ID');
        await connection.call(
          'CLIENT',
          'TRACKING',
          'on',
          'REDIRECT',
          String(id),
          'BCAST',
          'PREFIX',
          options.prefix,
        );
        await connection.subscribe(INVALIDATE_CHANNEL);
        if (current === session) trackedSession = current;
      } catch (error) {
        logger.warn({ err: error }, 'catalog cache tracking not set up; reads go to Redis');
      }
    })();
  });
  connection.connect().catch(() => {
    // retried by ioredis; reads go to Redis meanwhile
  });

  /** one PING, answering true if tracking was up all along and still is */
  function ping(): Promise<boolean> {
    const started = session;
    return withTimeout(connection.ping(), options.timeoutMs, 'tracking PING timed out').then(
      () => started === session && tracking(),
      () => false,
    );
  }
  /**
   * The reads that ask during one turn of the event loop share one PING, sent from that turn's
   * check phase: after the poll phase that read their requests, so after every write they follow
   * completed. A PING already sent is never shared, and turns do not wait for each other's PINGs.
   */
  let unsent: Promise<boolean> | undefined;
  function sharedPing(): Promise<boolean> {
    unsent ??= new Promise((resolve) => {
      setImmediate(() => {
        unsent = undefined;
        void ping().then(resolve);
      });
    });
    return unsent;
  }

  return {
    barrier() {
      if (closed || !tracking()) return Promise.resolve(false);
      return sharedPing();
    },
    get: (key) => versions.get(key),
    mark: () => (tracking() ? epoch : -1),
    remember(mark, entries) {
      if (mark < 0 || mark !== epoch || !tracking()) return;
      for (const [key, value] of entries) {
        versions.delete(key);
        versions.set(key, value);
      }
      while (versions.size > options.maxVersions) versions.delete(versions.keys().next().value!);
    },
    forget(keys) {
      epoch += 1;
      for (const key of keys) versions.delete(key);
    },
    async close() {
      closed = true;
      connection.disconnect();
    },
  };
}
