import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FixtureServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/**
 * A real HTTP server on an ephemeral loopback port, standing in for a system we do not own
 * (a seller's site, a payment gateway): the handler decides how slow, broken or hostile it is.
 */
export async function startFixtureServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void | Promise<void>,
): Promise<FixtureServer> {
  const server = createServer((request, response) => {
    Promise.resolve(handler(request, response)).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
