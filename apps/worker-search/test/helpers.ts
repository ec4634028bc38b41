import { trackProcesses } from '@pbshop/testing';

export { opensearch, outputClosed, waitFor } from '@pbshop/testing';

export const mainEntry = new URL('../src/main.ts', import.meta.url).pathname;

/** Spawns this worker's main.ts; none outlives the test that started it. */
export const processTracker = () => trackProcesses(mainEntry);
