/**
 * A JSON request to OpenSearch at `base` (a test context's OPENSEARCH_URL): its status and parsed
 * body (null when empty). For tests that read or shape indices directly, beside the code under test.
 */
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
