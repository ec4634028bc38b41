// `pnpm bench:health`: GET /health under 50 connections next to the bare Fastify route, in the
// same run (the measure: load balancers and dashboards probing at once). Every dependency
// is up; a 503 here means the probes themselves fell over. Also /health/live, the liveness answer.
// Prints figures; asserts nothing.
import { createLogger, parseEnv } from '@pbshop/config';
import { createTestContext } from '@pbshop/testing';
import { buildApp } from '../src/app.ts';
import { createApiDeps } from '../src/deps.ts';
import { measurePaired, printRows, type Row, startBareRoute } from './harness.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = 50;
const ctx = await createTestContext();
const env = parseEnv({ ...ctx.env, LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '10000000' });
const deps = createApiDeps(env, createLogger(env, 'bench'));
const app = await buildApp(deps);
const api = await app.listen({ host: '127.0.0.1', port: 0 });
const bare = await startBareRoute();

const rows: Row[] = [];
for (const path of ['/health', '/health/live']) {
  rows.push(
    await measurePaired(bare, `GET ${path}`, {
      url: api,
      path: () => path,
      connections,
      seconds,
      pauseMs: 500,
      warmUpSeconds: 1,
    }),
  );
}
console.log(
  `\n${seconds} s per run, ${connections} connections; HEALTH_CACHE_MS=${env.HEALTH_CACHE_MS}, ` +
    `HEALTH_FFMPEG_INTERVAL_MS=${env.HEALTH_FFMPEG_INTERVAL_MS}\n`,
);
printRows(rows);

await app.close();
await bare.close();
await deps.close();
await ctx.cleanup();
process.exit(0);
