// The whole platform as separate processes, started the way ./scripts/dev.sh starts them (`node
// src/main.ts` in each app's folder) on a scratch database, Redis prefix, index prefix and storage
// folder of this run (createTestContext): the payment gateway simulator, the API, worker-search,
// worker-transcode, worker-crawler and the seller-site simulator. The API and worker-search reach
// OpenSearch through a TCP proxy, and the API reaches PostgreSQL through another: the walk stops
// and starts them to play an outage without touching the shared services.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  createTestContext,
  freePortRun,
  type RunningProcess,
  serviceUrls,
  spawnProcess,
  startTcpProxy,
  type TcpProxy,
  type TestContext,
} from '@pbshop/testing';

const appsFolder = fileURLToPath(new URL('../../../', import.meta.url));

export type AppName =
  | 'api'
  | 'worker-search'
  | 'worker-transcode'
  | 'worker-crawler'
  | 'payment-gateway-sim'
  | 'seller-sites';

/** Each process's folder and entry point, as dev.sh runs them. */
const entries: Record<AppName, { folder: string; entry: string }> = {
  api: { folder: 'api', entry: 'src/main.ts' },
  'worker-search': { folder: 'worker-search', entry: 'src/main.ts' },
  'worker-transcode': { folder: 'worker-transcode', entry: 'src/main.ts' },
  'worker-crawler': { folder: 'worker-crawler', entry: 'src/main.ts' },
  'payment-gateway-sim': { folder: 'payment-gateway-sim', entry: 'src/main.ts' },
  'seller-sites': { folder: 'worker-crawler', entry: 'src/simulator/main.ts' },
};

export interface Stack {
  ctx: TestContext;
  /** the API's base URL, e.g. http://127.0.0.1:41234 */
  api: string;
  /** the payment gateway simulator's base URL (its /__control API sets its behaviour) */
  gateway: string;
  admin: { email: string; password: string };
  /** OpenSearch as the API and worker-search see it */
  searchProxy: TcpProxy;
  /** PostgreSQL as the API sees it */
  databaseProxy: TcpProxy;
  /** the seller-site simulator's first shop (JSON-LD pages), once started */
  sellerSites: string | undefined;
  processes: Map<AppName, RunningProcess>;
  /** (re)starts one process with the stack's env for it plus `overrides`; resolves once it is ready */
  start(name: AppName, overrides?: Record<string, string>): Promise<RunningProcess>;
  stop(name: AppName): Promise<void>;
  close(): Promise<void>;
}

function proxyTo(url: string): Promise<TcpProxy> {
  const target = new URL(url);
  return startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
}

/** Resolves once the process logged the line that says it serves, with that line. */
async function ready(name: AppName, running: RunningProcess) {
  const timeoutMs = 60_000;
  switch (name) {
    case 'api':
      return running.waitForLog(
        (line) => typeof line.msg === 'string' && line.msg.startsWith('Server listening at'),
        timeoutMs,
      );
    case 'payment-gateway-sim':
      return running.waitForLog((line) => typeof line.port === 'number', timeoutMs);
    default:
      return running.waitForLog((line) => line.msg === 'ready', timeoutMs);
  }
}

/** Starts the gateway simulator, the API and the three workers; the seller sites wait for a catalogue. */
export async function startStack(): Promise<Stack> {
  const ctx = await createTestContext();
  const searchProxy = await proxyTo(serviceUrls.opensearch);
  const databaseProxy = await proxyTo(ctx.database.url);
  const proxiedDatabaseUrl = new URL(ctx.database.url);
  proxiedDatabaseUrl.host = `127.0.0.1:${databaseProxy.port}`;
  const admin = {
    email: `e2e-admin-${randomBytes(3).toString('hex')}@example.test`,
    password: 'E2e!Admin2026',
  };
  const gatewaySecret = `test_sk_${randomBytes(8).toString('hex')}`;
  // the simulator's three shops listen on this port and the two after it
  const simulatorPort = String(await freePortRun(3));

  const common: Record<string, string> = {
    ...ctx.env,
    LOG_LEVEL: 'info',
    FFMPEG_PRESET: 'ultrafast',
    PAYMENT_GATEWAY_SECRET_KEY: gatewaySecret,
    CRAWLER_SIMULATOR_PORT: simulatorPort,
    // the walk's waits assume each breaker's configured open time: auto-tuning (tested in
    // packages/resilience) lengthens it ×1.5 per outage, shared by every process through Redis, and
    // the search breaker of worker-search then held the requeued outbox rows past the wait
    RESILIENCE_AUTO_TUNE_ENABLED: 'false',
  };
  const envs: Record<AppName, Record<string, string>> = {
    'payment-gateway-sim': {
      LOG_LEVEL: 'info',
      PAYMENT_GATEWAY_SIM_PORT: '0',
      PAYMENT_GATEWAY_SECRET_KEY: gatewaySecret,
    },
    api: {
      ...common,
      DATABASE_URL: proxiedDatabaseUrl.toString(),
      OPENSEARCH_URL: searchProxy.url,
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      RATE_LIMIT_PER_MINUTE: '100000',
      AUTH_RATE_LIMIT_PER_MINUTE: '100000',
      // every read of /health and the ops summary is fresh, and fails fast while a proxy is down
      HEALTH_CACHE_MS: '0',
      HEALTH_PROBE_TIMEOUT_MS: '2000',
      OPS_DASHBOARD_CACHE_MS: '0',
      OPS_DASHBOARD_PART_TIMEOUT_MS: '5000',
      OBS_FLUSH_INTERVAL_MS: '200',
      // rollback signals (§6) on a scale a walk of a few minutes can raise and clear
      OPS_ROLLBACK_ERROR_RATE_THRESHOLD: '0.5',
      OPS_ROLLBACK_MIN_REQUESTS: '4',
      OPS_ROLLBACK_FAILED_JOBS_LOOKBACK_MS: '3000',
      OPS_ROLLBACK_OUTBOX_STUCK_MS: '3000',
      OPS_ROLLBACK_PAYMENT_WINDOW_MINUTES: '1',
      PAYMENT_GATEWAY_TIMEOUT_MS: '3000',
      PAYMENT_RECONCILE_AFTER_MS: '1000',
      PAYMENT_RECONCILE_INTERVAL_MS: '500',
    },
    'worker-search': {
      ...common,
      OPENSEARCH_URL: searchProxy.url,
      SEARCH_OUTBOX_MAX_ATTEMPTS: '2',
      SEARCH_OUTBOX_BACKOFF_MS: '100',
      SEARCH_OUTBOX_SWEEP_MS: '1000',
    },
    'worker-transcode': common,
    'worker-crawler': {
      ...common,
      CRAWLER_AUTO_DISABLE_AFTER: '2',
      CRAWLER_HOST_MIN_INTERVAL_MS: '0',
      CRAWLER_HOST_CONCURRENCY: '4',
      CRAWLER_FETCH_RETRIES: '0',
    },
    'seller-sites': common,
  };

  const processes = new Map<AppName, RunningProcess>();
  const stop = async (name: AppName) => {
    const running = processes.get(name);
    processes.delete(name);
    if (running) await running.stop('SIGTERM', 15_000);
  };
  // should the test process end without its hooks, the children go too
  const orphanGuard = () => {
    for (const running of processes.values()) running.child.kill('SIGKILL');
  };
  process.once('exit', orphanGuard);

  const stack: Stack = {
    ctx,
    api: '',
    gateway: '',
    admin,
    searchProxy,
    databaseProxy,
    sellerSites: undefined,
    processes,
    async start(name, overrides = {}) {
      await stop(name);
      const { folder, entry } = entries[name];
      const running = spawnProcess(entry, { ...envs[name], ...overrides }, `${appsFolder}${folder}`);
      processes.set(name, running);
      const line = await ready(name, running).catch(async (error: unknown) => {
        await stop(name);
        throw error;
      });
      if (name === 'api') stack.api = String(line.msg).replace('Server listening at ', '');
      if (name === 'seller-sites') stack.sellerSites = `http://127.0.0.1:${simulatorPort}`;
      return running;
    },
    stop,
    async close() {
      process.off('exit', orphanGuard);
      await Promise.allSettled([...processes.keys()].map(stop));
      await Promise.allSettled([searchProxy.close(), databaseProxy.close()]);
      await ctx.cleanup();
    },
  };

  try {
    const gateway = await stack.start('payment-gateway-sim');
    const port = (await ready('payment-gateway-sim', gateway)).port;
    stack.gateway = `http://127.0.0.1:${port}`;
    envs.api.PAYMENT_GATEWAY_URL = stack.gateway;
    await Promise.all([
      stack.start('api'),
      stack.start('worker-search'),
      stack.start('worker-transcode'),
      stack.start('worker-crawler'),
    ]);
  } catch (error) {
    await stack.close();
    throw error;
  }
  return stack;
}
