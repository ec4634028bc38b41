// The crawler tests' fixture internet: real HTTP servers on ephemeral ports, each one shop with its
// own behaviour (the page styles of the simulator, slow, broken, rate-limiting, robots-closed,
// garbage), and helpers to seed the catalogue, record jobs and runs, and wait for a run's end.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type CrawlerSelectors,
  type CrawlerTarget,
  categories,
  crawlerJobs,
  crawlerRuns,
  type Database,
  products,
  sellers,
} from '@pbshop/db';
import type { JobProducers } from '@pbshop/queues';
import { type FixtureServer, startFixtureServer, waitFor } from '@pbshop/testing';
import { eq, sql } from 'drizzle-orm';
import { type PageStyle, productPage, type SimulatedProduct, sendPage } from '../src/simulator/pages.ts';

export interface Shop {
  server: FixtureServer;
  url: string;
  /** requests by path, robots.txt included */
  hits: Map<string, number>;
  /** user-agents seen */
  agents: Set<string>;
}

type Behaviour = (
  request: IncomingMessage,
  response: ServerResponse,
  hits: number,
) => boolean | Promise<boolean>;

/**
 * A shop serving `catalogue` (path → product) in `style`; `behave` may answer first (return true
 * when it did). robots.txt allows everything unless `robots` is given.
 */
export async function startShop(options: {
  style?: PageStyle;
  catalogue?: Map<string, SimulatedProduct>;
  robots?: { status: number; body?: string };
  behave?: Behaviour;
}): Promise<Shop> {
  const hits = new Map<string, number>();
  const agents = new Set<string>();
  const server = await startFixtureServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const count = (hits.get(path) ?? 0) + 1;
    hits.set(path, count);
    agents.add(String(request.headers['user-agent']));
    if (path === '/robots.txt') {
      const robots = options.robots ?? { status: 200, body: 'User-agent: *\nAllow: /\n' };
      response.writeHead(robots.status, { 'content-type': 'text/plain' });
      response.end(robots.body ?? '');
      return;
    }
    if (options.behave && (await options.behave(request, response, count))) return;
    const product = options.catalogue?.get(path);
    if (!product) {
      response.writeHead(404, { 'content-type': 'text/html' });
      response.end('<h1>없는 상품</h1>');
      return;
    }
    sendPage(request, response, productPage(options.style ?? 'json-ld', product));
  });
  return { server, url: server.url, hits, agents };
}

let sequence = 0;
const unique = (label: string) => `${label} ${process.pid}-${++sequence}`;

/** A category, a seller and `count` products; their ids. */
export async function seedCatalogue(db: Database, count: number) {
  const [category] = await db
    .insert(categories)
    .values({ name: unique('노트북'), path: '' })
    .returning({ id: categories.id });
  await db
    .update(categories)
    .set({ path: sql`${categories.id}::text` })
    .where(eq(categories.id, category!.id));
  const [seller] = await db
    .insert(sellers)
    .values({ name: unique('상점'), url: 'https://shop.example.com' })
    .returning({ id: sellers.id });
  const rows =
    count === 0
      ? []
      : await db
          .insert(products)
          .values(
            Array.from({ length: count }, (_, index) => ({
              categoryId: category!.id,
              name: unique(`상품 ${index}`),
            })),
          )
          .returning({ id: products.id });
  return { categoryId: category!.id, sellerId: seller!.id, productIds: rows.map((row) => row.id) };
}

/** Another seller (shop) of the catalogue. */
export async function addSeller(db: Database) {
  const [seller] = await db
    .insert(sellers)
    .values({ name: unique('상점'), url: 'https://shop2.example.com' })
    .returning({ id: sellers.id });
  return seller!.id;
}

export async function createJob(
  db: Database,
  values: {
    sellerId: number;
    targets?: CrawlerTarget[];
    listingUrls?: string[];
    selectors?: CrawlerSelectors;
    cronExpression?: string;
  },
) {
  const [job] = await db
    .insert(crawlerJobs)
    .values({ name: unique('job'), ...values })
    .returning();
  return job!;
}

/** What POST /crawler/admin/jobs/:id/run does: a QUEUED MANUAL run and its queue job. */
export async function runJob(
  db: Database,
  producers: JobProducers,
  job: { id: number; sellerId: number },
  flags: { collectSpec?: boolean } = {},
) {
  const [run] = await db
    .insert(crawlerRuns)
    .values({ jobId: job.id, sellerId: job.sellerId, triggerType: 'MANUAL', ...flags })
    .returning();
  const queueJobId = `crawler-run-${run!.id}`;
  await db.update(crawlerRuns).set({ queueJobId }).where(eq(crawlerRuns.id, run!.id));
  await producers.enqueue(
    'crawler-collect',
    { requestId: `test-${run!.id}`, runId: run!.id },
    { jobId: queueJobId },
  );
  return run!.id;
}

export async function runRow(db: Database, runId: number) {
  const [run] = await db.select().from(crawlerRuns).where(eq(crawlerRuns.id, runId));
  return run!;
}

/** Waits for the run to end (SUCCESS, PARTIAL or FAILED) and returns its row. */
export function finished(db: Database, runId: number, timeoutMs = 30_000) {
  return waitFor(
    `run ${runId} to end`,
    async () => {
      const run = await runRow(db, runId);
      return ['SUCCESS', 'PARTIAL', 'FAILED'].includes(run.status) && run;
    },
    timeoutMs,
  );
}

export const product = (
  code: string,
  price: number,
  extra: Partial<SimulatedProduct> = {},
): SimulatedProduct => ({
  code,
  title: `게이밍 노트북 ${code}`,
  price,
  shippingFee: 0,
  inStock: true,
  ...extra,
});
