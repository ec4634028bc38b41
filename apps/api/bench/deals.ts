// `pnpm bench:deals`: the storefront home page's active-deals read (GET /deals?limit=…&activeOnly=true,
// served from the deals' cache, keyed by the next deal window boundary) and the price comparison of
// a product in a running deal (the catalog cache, its key naming the deal's next boundary), under
// 50 connections next to the bare Fastify route in the same run. The goal: the cached
// home-page reads at 40% of the bare route or better. Seeds 40 products with two offers each and
// 30 deals through the admin API (20 running, 5 not started, 5 paused). Prints figures and the load
// average; asserts nothing.
import {
  bearerOf,
  createBenchAdmin,
  measurePairedPaths,
  printRows,
  printRunsLine,
  startBenchApi,
} from './harness.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = 50;
const bench = await startBenchApi();
const { deps, app } = bench;
const admin = await createBenchAdmin(deps.users);
const headers = { authorization: bearerOf(app, admin) };

async function created(url: string, payload: object): Promise<{ id: number }> {
  const response = await app.inject({ method: 'POST', url: `/api/v1${url}`, headers, payload });
  if (response.statusCode !== 201) throw new Error(`POST ${url}: ${response.statusCode} ${response.body}`);
  return response.json().data;
}

const category = await created('/categories', { name: 'Bench deals' });
const shops = [
  await created('/sellers', { name: 'Bench deal shop A', url: 'https://a.example.com' }),
  await created('/sellers', { name: 'Bench deal shop B', url: 'https://b.example.com' }),
];
const productIds: number[] = [];
for (let index = 0; index < 40; index += 1) {
  const product = await created('/products', {
    categoryId: category.id,
    name: `Bench deal product ${index}`,
  });
  for (const [offset, shop] of shops.entries()) {
    await created(`/products/${product.id}/prices`, {
      sellerId: shop.id,
      price: 100_000 + index * 1000 + offset * 500,
      stock: 100,
      url: `https://shop.example.com/item/${product.id}`,
    });
  }
  productIds.push(product.id);
}
const hour = 3_600_000;
for (let index = 0; index < 30; index += 1) {
  const notStarted = index >= 20 && index < 25;
  await created('/deals', {
    title: `Bench deal ${index}`,
    description: `Deal ${index} of the home page`,
    discountRate: 10 + (index % 5) * 5,
    startDate: new Date(Date.now() + (notStarted ? hour : -hour)).toISOString(),
    endDate: new Date(Date.now() + 24 * hour + index * 60_000).toISOString(),
    isActive: index < 25,
    products: [{ productId: productIds[index % productIds.length]!, stock: 1000 }],
  });
}

const dealPaths = ['/api/v1/deals?limit=6&activeOnly=true', '/api/v1/deals?limit=4&activeOnly=true'];
const comparisonPaths = productIds.slice(0, 20).map((id) => `/api/v1/products/${id}/prices`);

const rows = await measurePairedPaths(
  bench,
  [
    ['GET /deals (cached; the home pages\u2019 2 queries)', dealPaths],
    ['GET /products/:id/prices (cached; 20 products in running deals)', comparisonPaths],
  ],
  { connections, seconds },
);
printRunsLine(seconds, connections);
printRows(rows);

await bench.close();
process.exit(0);
