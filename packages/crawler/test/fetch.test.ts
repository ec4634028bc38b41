// The crawler's page fetch against real HTTP servers on loopback ports: redirects followed (at
// most 3), connections kept alive across pages and across answers we drop (4xx, 5xx) or do not read
// (a 304 to the page's validators), the page cap for declared and chunked bodies, a run's abort
// ending the request without counting against the host's breaker; and robots.txt with and without
// rules to match.
import type { Server } from 'node:http';
import { createLogger } from '@pbshop/config';
import { createRedis } from '@pbshop/queues';
import { ResilienceRegistry } from '@pbshop/resilience';
import { createTestContext, type FixtureServer, startFixtureServer, type TestContext } from '@pbshop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrawlError } from '../src/crawl-error.ts';
import { fetchPage } from '../src/fetch.ts';
import { robotsRules } from '../src/robots.ts';

const logger = createLogger({ LOG_LEVEL: 'silent' }, 'crawler-fetch-test');
const servers: FixtureServer[] = [];
const registries: ResilienceRegistry[] = [];
const settings = { timeoutMs: 5000, retries: 0, maxBytes: 64 * 1024 };
const running = () => new AbortController().signal;

afterAll(async () => {
  await Promise.all(registries.map((registry) => registry.close()));
  await Promise.all(servers.map((server) => server.close()));
});

function registry() {
  const created = new ResilienceRegistry({ service: 'crawler-fetch-test', logger });
  registries.push(created);
  return created;
}

async function site(handler: Parameters<typeof startFixtureServer>[0]) {
  const server = await startFixtureServer(handler);
  servers.push(server);
  return server;
}

/** How many TCP connections the server accepted. */
function connectionsOf(server: Server) {
  const count = { value: 0 };
  server.on('connection', () => {
    count.value += 1;
  });
  return count;
}

const failureOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
};

describe('fetchPage', () => {
  it('follows up to 3 redirects (relative or absolute) and answers the last page', async () => {
    const shop = await site((request, response) => {
      const hop = Number(/^\/hop\/(\d+)$/.exec(request.url ?? '')?.[1] ?? -1);
      if (hop > 0) {
        response.writeHead(hop % 2 === 0 ? 301 : 307, { location: `/hop/${hop - 1}` });
        response.end('moved');
        return;
      }
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<p>arrived from ${request.url}</p>`);
    });
    const resilience = registry();
    const arrived = await fetchPage(resilience, `${shop.url}/hop/3`, settings, running());
    expect(arrived).toMatchObject({ status: 200, body: '<p>arrived from /hop/0</p>' });
    // a fourth hop is not followed: the third redirect's answer is the page
    const stopped = await fetchPage(resilience, `${shop.url}/hop/4`, settings, running());
    expect(stopped).toMatchObject({ status: 307, body: 'moved' });
  });

  it('keeps its connections for the next pages, also after pages it drops (404, 500)', async () => {
    const shop = await site((request, response) => {
      const status = request.url === '/missing' ? 404 : request.url === '/broken' ? 500 : 200;
      response.writeHead(status, { 'content-type': 'text/html' });
      response.end(`<p>${status} ${'x'.repeat(2000)}</p>`);
    });
    const accepted = connectionsOf(shop.server);
    const resilience = registry();
    const paths = ['/a', '/missing', '/b', '/broken'];
    for (const path of [...paths, ...paths, ...paths]) {
      const outcome = await fetchPage(resilience, `${shop.url}${path}`, settings, running()).catch(
        (error: unknown) => error,
      );
      if (path === '/missing') expect(outcome).toMatchObject({ errorClass: 'HTTP_4XX', status: 404 });
      else if (path === '/broken') expect(outcome).toMatchObject({ errorClass: 'HTTP_5XX', status: 500 });
      else expect(outcome).toMatchObject({ status: 200 });
    }
    // undici opens a second connection when the next request comes before the first is free
    // again; a dropped answer closing its connection would open one per 404 and 500
    expect(accepted.value).toBeLessThanOrEqual(2);
  });

  it('asks with the validators; a 304 answers the page unchanged and frees its connection unread', async () => {
    const etag = '"v1"';
    const asked: (string | undefined)[] = [];
    const shop = await site((request, response) => {
      asked.push(request.headers['if-none-match']);
      if (request.headers['if-none-match'] === etag) {
        response.writeHead(304, { etag });
        response.end();
        return;
      }
      response.writeHead(200, {
        'content-type': 'text/html',
        etag,
        'last-modified': 'Mon, 07 Dec 2026 00:00:00 GMT',
      });
      response.end('<p>page</p>');
    });
    const accepted = connectionsOf(shop.server);
    const resilience = registry();
    const first = await fetchPage(resilience, `${shop.url}/p`, settings, running());
    expect(first).toMatchObject({ status: 200, body: '<p>page</p>', etag });
    for (let round = 0; round < 40; round += 1) {
      const again = await fetchPage(resilience, `${shop.url}/p`, settings, running(), undefined, {
        etag: first.etag,
        lastModified: first.lastModified,
      });
      expect(again).toMatchObject({ status: 304, body: '', etag, lastModified: first.lastModified });
    }
    expect(asked).toEqual([undefined, ...Array(40).fill(etag)]);
    // one keep-alive connection for all 41: a 304 left holding its connection would open one each
    expect(accepted.value).toBeLessThanOrEqual(2);
  });

  it('fails a page over the cap as PARSE, declared or chunked', async () => {
    const shop = await site((request, response) => {
      const body = 'y'.repeat(settings.maxBytes + 1);
      if (request.url === '/declared') {
        response.writeHead(200, { 'content-length': String(Buffer.byteLength(body)) });
        response.end(body);
        return;
      }
      // no length: sent in chunks
      response.writeHead(200, { 'content-type': 'text/html' });
      response.write(body.slice(0, 1000));
      response.end(body.slice(1000));
    });
    const resilience = registry();
    for (const path of ['/declared', '/chunked']) {
      const failure = await failureOf(fetchPage(resilience, `${shop.url}${path}`, settings, running()));
      expect(failure, path).toBeInstanceOf(CrawlError);
      expect(failure, path).toMatchObject({
        errorClass: 'PARSE',
        message: `page larger than ${settings.maxBytes} bytes`,
      });
    }
  });

  it("a body trickling in past the policy's timeout is one TIMEOUT attempt per retry, counted by the breaker", async () => {
    let asked = 0;
    const shop = await site((_request, response) => {
      asked += 1;
      // a chunk every 100 ms: undici's per-chunk body timeout never fires, the policy's does
      response.writeHead(200, { 'content-type': 'text/html' });
      const timer = setInterval(() => response.write('<p>'), 100);
      response.on('close', () => clearInterval(timer));
    });
    const resilience = new ResilienceRegistry({
      service: 'crawler-fetch-test',
      logger,
      overrides: { crawler: { timeoutMs: 400, retries: 1 } },
    });
    registries.push(resilience);
    const failure = await failureOf(
      fetchPage(resilience, `${shop.url}/trickle`, { ...settings, retries: 1, backoffMs: 10 }, running()),
    );
    expect(failure).toBeInstanceOf(CrawlError);
    expect(failure).toMatchObject({ errorClass: 'TIMEOUT' });
    // the page's own retry only: the registry's policy did not retry the timed-out attempt as well
    expect(asked).toBe(2);
    const host = new URL(shop.url).host;
    const [breaker] = resilience.snapshots().filter((snapshot) => snapshot.name === `crawler:${host}`);
    expect(breaker).toMatchObject({ failureCount: 2 });
  });

  it("a run's abort ends the request and is not held against the host's breaker", async () => {
    let asked = 0;
    const shop = await site((_request, response) => {
      asked += 1;
      const timer = setTimeout(() => response.end('late'), 30_000);
      response.on('close', () => clearTimeout(timer));
    });
    const resilience = registry();
    const run = new AbortController();
    const fetching = fetchPage(resilience, `${shop.url}/slow`, settings, run.signal);
    while (asked === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    run.abort(new Error('shutdown'));
    await failureOf(fetching);
    const host = new URL(shop.url).host;
    const [breaker] = resilience.snapshots().filter((snapshot) => snapshot.name === `crawler:${host}`);
    expect(breaker).toMatchObject({ state: 'closed', failureCount: 0, lastFailure: null });
  });
});

describe('robotsRules', () => {
  let ctx: TestContext;
  let redis: ReturnType<typeof createRedis>;

  beforeAll(async () => {
    ctx = await createTestContext();
    redis = createRedis(ctx.env.REDIS_URL as string, 'worker');
  });

  afterAll(async () => {
    redis?.disconnect();
    await ctx?.cleanup();
  });

  it('matches Disallow rules for our group; without one every page is allowed, with its Crawl-delay', async () => {
    const files: Record<string, string> = {
      '/ruled': 'User-agent: PBShopBot\nDisallow: /private\nCrawl-delay: 2\n\nUser-agent: *\nDisallow: /\n',
      '/open': 'User-agent: *\nDisallow:\nCrawl-delay: 3\n',
      '/commented': '\uFEFFUser-agent: *\n# Disallow: /\nAllow: /\n',
    };
    const shops = new Map<string, FixtureServer>();
    for (const [kind, body] of Object.entries(files)) {
      shops.set(
        kind,
        await site((_request, response) => {
          response.writeHead(200, { 'content-type': 'text/plain' });
          response.end(body);
        }),
      );
    }
    const robots = robotsRules(redis, ctx.redisPrefix, 60_000, 5000);
    const ruled = shops.get('/ruled')?.url;
    expect(await robots.check(`${ruled}/private/1`)).toMatchObject({ allowed: false, crawlDelayMs: 2000 });
    expect(await robots.check(`${ruled}/public/1`)).toEqual({ allowed: true, crawlDelayMs: 2000 });
    expect(await robots.check(`${shops.get('/open')?.url}/anything`)).toEqual({
      allowed: true,
      crawlDelayMs: 3000,
    });
    expect(await robots.check(`${shops.get('/commented')?.url}/x`)).toEqual({
      allowed: true,
      crawlDelayMs: 0,
    });
  });
});
