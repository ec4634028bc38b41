import { Client } from '@opensearch-project/opensearch';

export type SearchClient = Client;

/** One client per process; retries are left to the `search` resilience policy. */
export function createSearchClient(url: string, requestTimeoutMs = 5000): SearchClient {
  return new Client({ node: url, requestTimeout: requestTimeoutMs, maxRetries: 0 });
}
