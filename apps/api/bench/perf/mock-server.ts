// `pnpm test:perf:mock-server`: the real API (src/main.ts, its own process) on 127.0.0.1:3310
// against a scratch database seeded with the demo catalogue (PERF_PRODUCTS, default 2,000) and its
// read model, the products indexed by worker-search (its own process, its bootstrap reindex), the
// payment gateway simulator and the seller-site simulator as the external systems, and the bare
// Fastify route the benches compare with (bench/harness.ts) on 127.0.0.1:3311/bare, in this
// process. Runs in the foreground until SIGINT or SIGTERM, then stops its processes and drops the
// scratch database, Redis keys, index and storage folder. `pnpm test:perf:smoke` measures it.
// For pnpm bench's memory figures: PERF_ALL_WORKERS=1 also runs worker-crawler and
// worker-transcode, PERF_API_NODE_OPTIONS, MEMORY_PROBE_FILE and MEMORY_PROBE_SNAPSHOT_DIR reach the API's process.
import { createServer } from 'node:net';
import { parseEnv } from '@pbshop/config';
import { createDatabase } from '@pbshop/db';
import { seedDatabase } from '@pbshop/db/seed';
import { productAlias, rebuildProductQueryView } from '@pbshop/search';
import { createTestContext, freePort, type RunningProcess, spawnProcess, waitFor } from '@pbshop/testing';
import { passwordHasher } from '../../src/modules/identity/auth/passwords.ts';
import { usersService } from '../../src/modules/identity/users/service.ts';
import { startBareRoute } from '../harness.ts';
import {
  PERF_ADMIN_EMAIL,
  PERF_API_PORT,
  PERF_BARE_PORT,
  PERF_MEMBER_EMAIL,
  PERF_PASSWORD,
} from './accounts.ts';

const productCount = Number(process.env.PERF_PRODUCTS ?? 2000);
const apps = new URL('../../../', import.meta.url).pathname;
const log = (line: string) => console.log(`perf mock server: ${line}`);

const ctx = await createTestContext();
const children: RunningProcess[] = [];
let bare: Awaited<ReturnType<typeof startBareRoute>> | undefined;
let stopping = false;

/** The first of `count` consecutive loopback ports that were free a moment ago (the seller shops take three). */
async function freePortRun(count: number): Promise<number> {
  const isFree = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (;;) {
    const first = await freePort();
    if (first + count > 65_535) continue;
    const rest = await Promise.all(
      Array.from({ length: count - 1 }, (_, offset) => isFree(first + 1 + offset)),
    );
    if (rest.every(Boolean)) return first;
  }
}

async function stop(exitCode: number) {
  if (stopping) return;
  stopping = true;
  log('stopping');
  await Promise.allSettled(children.map((child) => child.stop('SIGTERM', 10_000)));
  await bare?.close();
  await ctx.cleanup();
  log('stopped; scratch database, Redis keys, index and storage dropped');
  process.exit(exitCode);
}
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));

try {
  const gatewayPort = await freePort();
  const shopsPort = await freePortRun(3);
  const env: Record<string, string> = {
    ...ctx.env,
    LOG_LEVEL: 'warn',
    DATABASE_POOL_MAX: '10',
    // the smoke's load comes from one address: the limiter would answer it 429
    RATE_LIMIT_PER_MINUTE: '10000000',
    PAYMENT_GATEWAY_SIM_PORT: String(gatewayPort),
    PAYMENT_GATEWAY_URL: `http://127.0.0.1:${gatewayPort}`,
    CRAWLER_SIMULATOR_PORT: String(shopsPort),
  };

  const seeded = await seedDatabase(env.DATABASE_URL!, { products: productCount });
  log(`seeded ${seeded.products} products, ${seeded.offers} offers`);
  const database = createDatabase(env.DATABASE_URL!, { max: 2, applicationName: 'perf-mock-server' });
  await database.sql`vacuum analyze`;
  await rebuildProductQueryView(database.db);
  const parsed = parseEnv(env);
  const users = usersService(database.db);
  const passwordHash = await passwordHasher(parsed).hash(PERF_PASSWORD);
  for (const [email, role] of [
    [PERF_ADMIN_EMAIL, 'ADMIN'],
    [PERF_MEMBER_EMAIL, 'USER'],
  ] as const)
    await users.create({
      email,
      name: `Perf ${role.toLowerCase()}`,
      passwordHash,
      role,
      emailVerified: true,
    });
  await database.close();

  const start = (entry: string, overrides: Record<string, string> = {}) => {
    const child = spawnProcess(`${apps}${entry}`, { ...env, ...overrides });
    children.push(child);
    child.exited.then(({ code, signal }) => {
      if (stopping) return;
      log(`${entry} exited (${code ?? signal}): ${child.stderr.join('').slice(-2000)}`);
      void stop(1);
    });
    return child;
  };
  start('payment-gateway-sim/src/main.ts', { LOG_LEVEL: 'info' });
  start('worker-crawler/src/simulator/main.ts');
  // worker-search's bootstrap finds products and no index: it builds the index from PostgreSQL
  start('worker-search/src/main.ts');
  const alias = productAlias(ctx.indexPrefix);
  await waitFor(
    `worker-search to index the ${seeded.products} products`,
    async () => {
      const response = await fetch(`${env.OPENSEARCH_URL}/${alias}/_count`).catch(() => undefined);
      if (!response?.ok) return false;
      const { count } = (await response.json()) as { count: number };
      return count >= seeded.products;
    },
    300_000,
    500,
  );
  log(`indexed ${seeded.products} products into ${alias}`);

  // pnpm bench measures every process's memory: the other two workers too, and the API with a probe
  if (process.env.PERF_ALL_WORKERS === '1') {
    start('worker-crawler/src/main.ts');
    start('worker-transcode/src/main.ts');
  }
  start('api/src/main.ts', {
    PORT: String(PERF_API_PORT),
    HOST: '127.0.0.1',
    ...(process.env.PERF_API_NODE_OPTIONS ? { NODE_OPTIONS: process.env.PERF_API_NODE_OPTIONS } : {}),
    ...(process.env.MEMORY_PROBE_FILE ? { MEMORY_PROBE_FILE: process.env.MEMORY_PROBE_FILE } : {}),
    ...(process.env.MEMORY_PROBE_SNAPSHOT_DIR
      ? { MEMORY_PROBE_SNAPSHOT_DIR: process.env.MEMORY_PROBE_SNAPSHOT_DIR }
      : {}),
  });
  const api = `http://127.0.0.1:${PERF_API_PORT}`;
  await waitFor(
    'the API to answer /health with every check up',
    async () => (await fetch(`${api}/health`).catch(() => undefined))?.status === 200,
    120_000,
    250,
  );
  bare = await startBareRoute(PERF_BARE_PORT);
  log(
    `ready: API ${api}, bare route ${bare.url}/bare, payment gateway ${env.PAYMENT_GATEWAY_URL}, ` +
      `seller shops from port ${shopsPort}; ${PERF_ADMIN_EMAIL} and ${PERF_MEMBER_EMAIL} (password ${PERF_PASSWORD}). ` +
      'Ctrl-C stops.',
  );
} catch (error) {
  console.error(`perf mock server: failed to start: ${(error as Error).stack ?? error}`);
  await stop(1);
}
