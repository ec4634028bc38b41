// The seller-site simulator dev.sh starts: three shops over the seeded catalogue, one per page
// style the crawler reads (JSON-LD on CRAWLER_SIMULATOR_PORT, microdata on the next port, plain
// markup for CSS selectors on the one after), so scheduled crawler runs have real pages to collect.
// Prices drift every few minutes, so a newcomer sees runs update offers. `--seed-jobs` records one
// crawler job per shop (every 2 minutes, Asia/Seoul) through the API's crawler service, once.
import { createServer } from 'node:http';
import { createLogger, loadEnvOrExit, onShutdownSignal } from '@pbshop/config';
import { createDatabase, products } from '@pbshop/db';
import { asc, isNull } from 'drizzle-orm';
import { SIMULATED_PRODUCTS, simulatorStyles } from './main-settings.ts';
import { listingPage, productPage, type SimulatedProduct, sendPage } from './pages.ts';

const DRIFT_MINUTES = 4;

/** A product's price at one shop now: near its list price, moving every DRIFT_MINUTES. */
function simulatedPrice(base: number, shop: number, productId: number, now = Date.now()): number {
  const bucket = Math.floor(now / (DRIFT_MINUTES * 60_000));
  const wobble = ((productId * 7919 + shop * 104_729 + bucket * 15_485_863) % 97) / 97; // 0..1
  const factor = 0.9 + 0.12 * wobble + shop * 0.01;
  return Math.max(1000, Math.round((base * factor) / 100) * 100);
}

async function main() {
  const env = loadEnvOrExit('crawler-simulator');
  const logger = createLogger(env, 'crawler-simulator');
  const database = createDatabase(env.DATABASE_URL, { max: 2, applicationName: 'pbshop-crawler-simulator' });
  const rows = await database.db
    .select({ id: products.id, name: products.name, price: products.price, lowest: products.lowestPrice })
    .from(products)
    .where(isNull(products.deletedAt))
    .orderBy(asc(products.id))
    .limit(SIMULATED_PRODUCTS);
  await database.close();
  if (rows.length === 0)
    logger.warn('no products in the catalogue: the shops sell nothing (run pnpm db:seed)');

  const servers = simulatorStyles.map((style, shop) => {
    const port = env.CRAWLER_SIMULATOR_PORT + shop;
    const server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      if (path === '/robots.txt') {
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end('User-agent: *\nAllow: /\nCrawl-delay: 1\n');
        return;
      }
      if (path === '/' || path === '/products') {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end(listingPage(rows.map((row) => `/products/${row.id}`)));
        return;
      }
      const match = /^\/products\/(\d+)$/.exec(path);
      const row = match ? rows.find((candidate) => candidate.id === Number(match[1])) : undefined;
      if (!row) {
        response.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
        response.end('<h1>상품이 없습니다</h1>');
        return;
      }
      const base = row.lowest ?? (row.price > 0 ? row.price : 100_000);
      const item: SimulatedProduct = {
        code: `SIM${shop + 1}-${row.id}`,
        title: row.name,
        price: simulatedPrice(base, shop, row.id),
        shippingFee: shop === 1 ? 3000 : 0,
        inStock: (row.id + shop) % 11 !== 0,
      };
      sendPage(request, response, productPage(style, item));
    });
    server.listen(port, '127.0.0.1', () => logger.info({ port, style }, 'simulated shop listening'));
    return server;
  });
  logger.info({ products: rows.length }, 'ready');

  onShutdownSignal(logger, 5000, async () => {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  });
}

await main();
