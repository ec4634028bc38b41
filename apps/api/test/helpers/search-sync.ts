// worker-search as its own process beside an in-process API (setupSearchSyncTest), and reads of the
// test file's own products index: for the tests of the search index sync (outbox → worker → OpenSearch).
import { fileURLToPath } from 'node:url';
import { productAlias } from '@pbshop/search';
import {
  opensearch,
  type RunningProcess,
  serviceUrls,
  startTcpProxy,
  type TcpProxy,
  type TestContext,
  trackProcesses,
  waitFor,
} from '@pbshop/testing';
import { afterAll, beforeAll } from 'vitest';
import type { App } from '../../src/app.ts';
import { type ApiTest, setupApiTest } from './api-test.ts';

/** worker-search's main.ts, through the package's own exports */
const workerEntry = fileURLToPath(import.meta.resolve('@pbshop/worker-search/main'));

/** Spawns worker-search processes; none outlives the test file (stopAll in afterAll). */
const searchWorkers = () => trackProcesses(workerEntry);

/**
 * Resolves once the worker's bootstrap has decided about the products index: an index created while
 * products already exist would start a reindex, so a test writes products only after this.
 */
function bootstrapDecided(worker: RunningProcess) {
  return worker.waitForLog((line) => line.msg === 'products index mapping is current');
}

/** A TCP proxy in front of the shared OpenSearch: a test slows or stops it without touching the server. */
function proxiedOpenSearch(): Promise<TcpProxy> {
  const target = new URL(serviceUrls.opensearch);
  return startTcpProxy({ host: target.hostname, port: Number(target.port) });
}

type Method = 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'GET';

export interface SearchSyncTestOptions {
  /** the worker's env overrides, on top of workerEnv's */
  workerEnv?: Record<string, string>;
  /** OpenSearch behind a TCP proxy the test slows or stops, reached through it by the worker or by both */
  proxy?: 'worker' | 'worker and api';
}

export type SearchSyncTest = ApiTest<{ admin: { role: 'ADMIN' } }> & {
  /** worker-search, its own process */
  worker: RunningProcess;
  /** the proxy in front of OpenSearch (with `options.proxy` only) */
  proxy: TcpProxy;
  /** an admin API call that must succeed; its `data` */
  write<T>(method: Method, url: string, payload?: object): Promise<T>;
};

/**
 * An API test file (setupApiTest, with an admin) and worker-search as its own process beside it:
 * the worker is started before the app, the file's own beforeAll runs once the worker's bootstrap has
 * decided, and the worker is stopped before the app is closed.
 */
export function setupSearchSyncTest(options: SearchSyncTestOptions = {}): SearchSyncTest {
  const workers = searchWorkers();
  const api = setupApiTest({
    beforeApp: async (ctx) => {
      if (options.proxy) test.proxy = await proxiedOpenSearch();
      const throughProxy: Record<string, string> = options.proxy ? { OPENSEARCH_URL: test.proxy.url } : {};
      test.worker = workers.spawn(workerEnv(ctx, { ...throughProxy, ...options.workerEnv }));
    },
    env: (): Record<string, string> =>
      options.proxy === 'worker and api' ? { OPENSEARCH_URL: test.proxy.url } : {},
    afterApp: () => test.proxy?.close(),
    members: { admin: { role: 'ADMIN' } },
  });
  const test = Object.assign(api, {
    write: <T>(method: Method, url: string, payload?: object) =>
      adminCall<T>(api.app, api.admin.authHeader, method, url, payload),
  }) as SearchSyncTest;
  beforeAll(() => bootstrapDecided(test.worker));
  afterAll(() => workers.stopAll());
  return test;
}

/** The worker env of a test: short sweep and backoff so outages and retries play out in seconds. */
function workerEnv(ctx: TestContext, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ...ctx.env,
    LOG_LEVEL: 'info',
    SEARCH_OUTBOX_SWEEP_MS: '1000',
    SEARCH_OUTBOX_BACKOFF_MS: '100',
    ...overrides,
  };
}

export type IndexedDocument = { _version: number; _source: Record<string, unknown> };

/** The product's document in the read alias (real-time GET), or null. */
export async function indexedDocument(ctx: TestContext, id: number): Promise<IndexedDocument | null> {
  const alias = productAlias(ctx.indexPrefix);
  const { status, body } = await opensearch<IndexedDocument>(ctx.env.OPENSEARCH_URL!, `/${alias}/_doc/${id}`);
  return status === 200 ? body : null;
}

/** Waits until the product's document satisfies `accept` (null: absent); returns it and how long it took. */
export async function waitForDocument(
  ctx: TestContext,
  id: number,
  accept: (document: IndexedDocument | null) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<{ document: IndexedDocument | null; ms: number }> {
  const started = performance.now();
  const document = await waitFor(
    what,
    async () => {
      const found = await indexedDocument(ctx, id);
      return accept(found) ? { found } : undefined;
    },
    timeoutMs,
    50,
  );
  return { document: document.found, ms: performance.now() - started };
}

/** Every product id in the index (after a refresh), sorted. */
export async function indexedIds(ctx: TestContext): Promise<number[]> {
  const alias = productAlias(ctx.indexPrefix);
  const base = ctx.env.OPENSEARCH_URL!;
  await opensearch(base, `/${alias}/_refresh`, { method: 'POST' });
  const { body } = await opensearch<{ hits: { hits: { _id: string }[] } }>(base, `/${alias}/_search`, {
    method: 'POST',
    body: { size: 10_000, _source: false, query: { match_all: {} } },
  });
  return body.hits.hits.map((hit) => Number(hit._id)).sort((a, b) => a - b);
}

/** An admin API call that must succeed; its `data`. */
export async function adminCall<T>(
  app: App,
  authHeader: { authorization: string },
  method: 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'GET',
  url: string,
  payload?: object,
): Promise<T> {
  const response = await app.inject({ method, url, headers: authHeader, ...(payload ? { payload } : {}) });
  if (response.statusCode >= 300) {
    throw new Error(`${method} ${url} answered ${response.statusCode}: ${response.body}`);
  }
  return response.json().data as T;
}
