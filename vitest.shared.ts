import { defineConfig } from 'vitest/config';

// Tests talk to real PostgreSQL, Redis, OpenSearch and FFmpeg, and start real processes:
// generous timeouts, and files run in parallel in their own processes (each has its own database).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
