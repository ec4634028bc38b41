import { createServer, type Server } from 'node:net';

function listen(port: number): Promise<Server | undefined> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** A loopback port that was free a moment ago (for servers that cannot bind port 0 themselves). */
export async function freePort(): Promise<number> {
  const server = await listen(0);
  const address = server?.address();
  if (server) await close(server);
  if (!address || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/**
 * The first of `count` consecutive loopback ports that were all free a moment ago, for a process
 * that listens on a port and the ones after it (the crawler's seller-site simulator takes three).
 */
export async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const first = await freePort();
    if (first + count - 1 > 65_535) continue;
    const held: Server[] = [];
    for (let port = first; port < first + count; port += 1) {
      const server = await listen(port);
      if (!server) break;
      held.push(server);
    }
    await Promise.all(held.map(close));
    if (held.length === count) return first;
  }
  throw new Error(`no ${count} consecutive free ports`);
}
