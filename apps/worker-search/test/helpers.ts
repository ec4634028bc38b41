import { trackProcesses } from '@pbshop/testing';

export { outputClosed, waitFor } from '@pbshop/testing';

export const mainEntry = new URL('../src/main.ts', import.meta.url).pathname;

/** Spawns this worker's main.ts; none outlives the test that started it. */
export const processTracker = () => trackProcesses(mainEntry);

/** A JSON request to OpenSearch: status and parsed body. */
export async function opensearch<T>(
  base: string,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}
