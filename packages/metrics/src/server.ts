import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/**
 * Whether a request carries `Authorization: Bearer <token>` (compared in constant time); always
 * true when no token is configured.
 */
export function bearerMatches(header: string | undefined, token: string | undefined): boolean {
  if (!token) return true;
  const [scheme, value, ...rest] = (header ?? '').split(' ');
  if (!scheme || !/^Bearer$/i.test(scheme) || !value || rest.length > 0) return false;
  const given = Buffer.from(value);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * A worker's Prometheus endpoint: `GET /metrics` on its own port, behind `METRICS_TOKEN` as a
 * bearer token when one is set; anything else is a 404.
 */
export async function startMetricsServer(options: {
  registry: Registry;
  host: string;
  port: number;
  token?: string;
}): Promise<MetricsServer> {
  const { registry, token } = options;
  const answer = async (request: IncomingMessage): Promise<[number, string, string]> => {
    const path = (request.url ?? '').split('?', 1)[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD'))
      return [404, 'text/plain; charset=utf-8', 'not found\n'];
    if (!bearerMatches(request.headers.authorization, token))
      return [401, 'text/plain; charset=utf-8', 'a bearer token (METRICS_TOKEN) is required\n'];
    return [200, registry.contentType, await registry.metrics()];
  };
  const server: Server = createServer((request, response) => {
    answer(request)
      .catch((error: unknown) => [500, 'text/plain; charset=utf-8', `${String(error)}\n`] as const)
      .then(([status, type, body]) => {
        response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : body);
      });
  });
  // a scrape is short; a client that never sends its request does not hold a socket
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
