export {
  type LogLine,
  outputClosed,
  type RunningProcess,
  spawnProcess,
  trackProcesses,
} from './child-process.ts';
export { createTestContext, type TestContext } from './context.ts';
export { createTestDatabase, type TestDatabase } from './database.ts';
export { type FixtureServer, startFixtureServer } from './fixture-server.ts';
export { makeTestClip } from './media.ts';
export { opensearch } from './opensearch.ts';
export { freePort, freePortRun } from './ports.ts';
export { type MetricFamily, parseExposition, type Sample, samplesOf } from './prometheus.ts';
export { type PrivateRedis, startPrivateRedis } from './redis-server.ts';
export { serviceUrls } from './services.ts';
export { median, percentile } from './stats.ts';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
export { pollUntil, waitFor } from './wait.ts';
