import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** `http://127.0.0.1:<port>`: the same address across stop/start */
  url: string;
  port: number;
  /** stops listening and cuts every open connection: the dependency looks down */
  stop(): Promise<void>;
  /** listens again on the same port */
  start(): Promise<void>;
  /** holds every chunk (both directions) this long before passing it on: the dependency looks slow */
  setDelay(ms: number): void;
  /** connections open right now */
  openConnections(): number;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a real service (e.g. OpenSearch on 127.0.0.1:9200), on an ephemeral
 * loopback port: a test points a process at it, then stops, restarts or slows it to play an
 * outage or a slow dependency without touching the shared service.
 */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let delayMs = 0;
  let server: Server | undefined;
  let port = 0;

  const relay = (from: Socket, to: Socket) => {
    from.on('data', (chunk) => {
      const pass = () => {
        if (!to.destroyed) to.write(chunk);
      };
      if (delayMs > 0) {
        // keep the order: pause until this chunk went through
        from.pause();
        setTimeout(() => {
          pass();
          from.resume();
        }, delayMs);
      } else pass();
    });
    from.on('end', () => {
      setTimeout(() => to.end(), delayMs);
    });
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer((client) => {
        const upstream = createConnection(target);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        relay(client, upstream);
        relay(upstream, client);
      });
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        const address = next.address();
        if (address && typeof address !== 'string') port = address.port;
        server = next;
        resolve();
      });
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      const current = server;
      server = undefined;
      if (!current) return resolve();
      current.close(() => resolve());
    });

  await listen();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop,
    start: async () => {
      if (!server) await listen();
    },
    setDelay(ms: number) {
      delayMs = ms;
    },
    openConnections: () => sockets.size,
    close: stop,
  };
}
