import { createLogger } from '@pbshop/config';
import { createRedis } from '@pbshop/queues';
import { ResilienceRegistry } from '@pbshop/resilience';
import { createTestContext, type FixtureServer, startFixtureServer, type TestContext } from '@pbshop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchSellerPage } from '../src/processor.ts';

const MAX_PAGE_BYTES = 5 * 1024 * 1024;

let ctx: TestContext;
let redis: ReturnType<typeof createRedis>;
const servers: FixtureServer[] = [];
const registries: ResilienceRegistry[] = [];
const logger = createLogger({ LOG_LEVEL: 'silent' }, 'worker-crawler-test');

beforeAll(async () => {
  ctx = await createTestContext();
  redis = createRedis(ctx.env.REDIS_URL!, 'worker');
});

afterAll(async () => {
  await Promise.all(registries.map((registry) => registry.close()));
  await Promise.all(servers.map((server) => server.close()));
  await redis?.quit();
  await ctx?.cleanup();
});

function registry(): ResilienceRegistry {
  const created = new ResilienceRegistry({
    service: 'crawler-test',
    logger,
    redis,
    keyPrefix: ctx.redisPrefix,
  });
  registries.push(created);
  return created;
}

async function fixture(handler: Parameters<typeof startFixtureServer>[0]): Promise<FixtureServer> {
  const server = await startFixtureServer(handler);
  servers.push(server);
  return server;
}

const noAbort = () => new AbortController().signal;

describe('fetchSellerPage', () => {
  it('opens the crawler:<host> breaker after 5 consecutive 500s and stops calling the site', async () => {
    let hits = 0;
    const site = await fixture((_request, response) => {
      hits += 1;
      response.writeHead(500);
      response.end('boom');
    });
    const host = new URL(site.url).host;
    const resilience = registry();

    const errors: unknown[] = [];
    for (let call = 0; call < 6; call += 1) {
      errors.push(
        await fetchSellerPage(resilience, `${site.url}/p`, noAbort()).catch((error: unknown) => error),
      );
    }
    // each call is one attempt plus one policy retry: calls 1-2 fail on the site, call 3 opens the breaker
    expect(hits).toBe(5);
    expect(errors.slice(0, 2).map((error) => (error as Error).message)).toEqual([
      `${host} answered 500`,
      `${host} answered 500`,
    ]);
    for (const error of errors.slice(0, 2)) expect(resilience.isOpenError(error)).toBe(false);
    for (const error of errors.slice(2)) expect(resilience.isOpenError(error)).toBe(true);

    const local = resilience.snapshots().find((s) => s.name === `crawler:${host}`);
    expect(local).toMatchObject({ state: 'open', lastFailure: `${host} answered 500` });
    const published = (await registry().publishedSnapshots()).find(
      (s) => s.name === `crawler:${host}` && s.service === 'crawler-test',
    );
    expect(published).toMatchObject({ state: 'open', lastFailure: `${host} answered 500` });

    // a reset closes it again and the site is called once more
    await resilience.reset(`crawler:${host}`);
    await expect(fetchSellerPage(resilience, `${site.url}/p`, noAbort())).rejects.toThrow(/answered 500/);
    expect(hits).toBe(7);
  });

  it('cuts off a hostile site that streams an endless body, without reading it into memory', async () => {
    const sent: number[] = [];
    let closed = 0;
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const site = await fixture((_request, response) => {
      const index = sent.push(0) - 1;
      response.writeHead(200, { 'content-type': 'text/html' });
      let open = true;
      response.on('close', () => {
        open = false;
        closed += 1;
      });
      const pump = () => {
        while (open && sent[index]! < 1024 * 1024 * 1024) {
          sent[index]! += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
      };
      pump();
    });

    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    const error = await fetchSellerPage(registry(), `${site.url}/endless`, noAbort()).catch(
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe(`page larger than ${MAX_PAGE_BYTES} bytes`);
    expect(performance.now() - started).toBeLessThan(10_000);

    // every connection was dropped by the crawler, after little more than the limit was sent
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 5000;
      const check = () =>
        closed === sent.length
          ? resolve()
          : Date.now() > deadline
            ? reject(new Error('still open'))
            : setTimeout(check, 20);
      check();
    });
    expect(sent.length).toBeGreaterThanOrEqual(1);
    for (const bytes of sent) {
      expect(bytes).toBeGreaterThan(MAX_PAGE_BYTES);
      expect(bytes).toBeLessThan(MAX_PAGE_BYTES + 32 * 1024 * 1024);
    }
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('an aborted caller signal stops the fetch of a slow page', async () => {
    const site = await fixture((_request, response) => {
      const timer = setTimeout(() => response.end('late'), 30_000);
      response.on('close', () => clearTimeout(timer));
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('shutting down')), 200);
    const started = performance.now();
    await expect(fetchSellerPage(registry(), `${site.url}/slow`, controller.signal)).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
