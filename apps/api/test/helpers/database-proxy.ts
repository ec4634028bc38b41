import { startTcpProxy, type TcpProxy } from '@pbshop/testing';

/**
 * A TCP proxy in front of the real PostgreSQL of `databaseUrl`, and the URL that goes through it:
 * a test stops and starts the proxy to play an outage without touching the shared server.
 */
export async function proxiedDatabase(databaseUrl: string): Promise<{ proxy: TcpProxy; url: string }> {
  const database = new URL(databaseUrl);
  const proxy = await startTcpProxy({ host: database.hostname, port: Number(database.port || 5432) });
  database.host = `127.0.0.1:${proxy.port}`;
  return { proxy, url: database.toString() };
}
