// `pnpm bench:health`: GET /health under 50 connections next to the bare Fastify route, in the
// same run (the measure: load balancers and dashboards probing at once). Every dependency
// is up; a 503 here means the probes themselves fell over. Also /health/live, the liveness answer.
// Prints figures; asserts nothing.
import { measurePairedPaths, printRows, printRunsLine, startBenchApi } from './harness.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = 50;
const bench = await startBenchApi();

const rows = await measurePairedPaths(
  bench,
  ['/health', '/health/live'].map((path) => [`GET ${path}`, [path]] as const),
  { connections, seconds },
);
printRunsLine(
  seconds,
  connections,
  `HEALTH_CACHE_MS=${bench.env.HEALTH_CACHE_MS}, HEALTH_FFMPEG_INTERVAL_MS=${bench.env.HEALTH_FFMPEG_INTERVAL_MS}`,
);
printRows(rows);

await bench.close();
process.exit(0);
