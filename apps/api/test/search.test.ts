// SRCH-01..10: unified search (nori Korean, typo tolerance, filters, facets, sorts, paging,
// highlights, suggestions), autocomplete, admin weights that re-rank without a reindex, search and
// click logs, hostile input, and the PostgreSQL fallback while OpenSearch is unreachable. Against
// real OpenSearch, PostgreSQL and Redis; documents are bulk-indexed into this file's own index.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { setupApiTest } from './helpers/api-test.ts';
import {
  type CategoryData,
  createCategory,
  createSeller,
  type SellerData,
  uniqueName,
} from './helpers/catalog.ts';
import { caller, expectError } from './helpers/http.ts';
import {
  type CreatedProduct,
  createSearchProduct,
  indexDocuments,
  productDocument,
} from './helpers/search.ts';
import { buildTestApp } from './helpers/users.ts';

const api = setupApiTest({ members: { admin: { role: 'ADMIN' }, user: {} } });
const { call } = api;
let root: CategoryData;
let laptops: CategoryData;
let phones: CategoryData;
let shopA: SellerData;
let shopB: SellerData;
const p: Record<string, CreatedProduct> = {};

const ram = (value: string, numberValue: number) => ({ key: 'ram', name: '메모리', value, numberValue });

beforeAll(async () => {
  root = await createCategory(api.app, api.admin.authHeader, { name: uniqueName('전자기기') });
  [laptops, phones, shopA, shopB] = await Promise.all([
    createCategory(api.app, api.admin.authHeader, { name: uniqueName('노트북'), parentId: root.id }),
    createCategory(api.app, api.admin.authHeader, { name: uniqueName('스마트폰') }),
    createSeller(api.app, api.admin.authHeader),
    createSeller(api.app, api.admin.authHeader),
  ]);
  const make = (
    key: string,
    input: Omit<Parameters<typeof createSearchProduct>[2], 'category'> & { category?: CategoryData },
  ) =>
    createSearchProduct(api.app, api.admin.authHeader, { category: laptops, ...input }).then((created) => {
      p[key] = created;
    });
  // one at a time: `newest` is checked against the creation order
  await make('gaming', {
    name: '삼성 갤럭시북4 프로 게이밍노트북',
    brand: 'Samsung',
    price: 1_500_000,
    seller: shopA,
  });
  await make('gram', { name: 'LG 그램 16 노트북', brand: 'LG', price: 1_800_000, seller: shopB });
  await make('galaxy', {
    name: 'Samsung Galaxy S24 Ultra',
    brand: 'Samsung',
    category: phones,
    price: 1_200_000,
    seller: shopA,
  });
  await make('buds', {
    name: '삼성 갤럭시 버즈3 프로',
    brand: 'Samsung',
    category: phones,
    price: 250_000,
    seller: shopB,
  });
  await make('hidden', { name: 'Samsung Hidden 노트북', status: 'HIDDEN', price: 900_000, seller: shopA });
  await make('macbook', {
    name: 'Apple MacBook Air 13',
    brand: 'Apple',
    description: '가벼운 노트북',
    price: 1_390_000,
    seller: shopB,
  });
  await make('zephyr', { name: 'Zephyr Widget', category: phones });
  await make('plain', { name: 'Plain Gadget', description: 'comes with a zephyr widget', category: phones });
  await make('escape', { name: 'Escape <Test> & Co', category: phones });
  await indexDocuments(api.deps.search, api.ctx.indexPrefix, [
    productDocument(p.gaming!, {
      specs: [ram('16GB', 16)],
      rating: 4.5,
      reviewCount: 20,
      popularityScore: 50,
    }),
    productDocument(p.gram!, { specs: [ram('32GB', 32)], rating: 4, reviewCount: 5, popularityScore: 10 }),
    productDocument(p.galaxy!, { rating: 4.8, reviewCount: 50, popularityScore: 200 }),
    productDocument(p.buds!, { rating: 3.5, reviewCount: 3, popularityScore: 5 }),
    productDocument(p.hidden!, { popularityScore: 1000 }),
    productDocument(p.macbook!, {
      specs: [ram('16GB', 16)],
      rating: 4.2,
      reviewCount: 8,
      popularityScore: 30,
    }),
    productDocument(p.zephyr!),
    productDocument(p.plain!, { popularityScore: 100_000 }),
    productDocument(p.escape!),
  ]);
}, 60_000);

async function search(query: Record<string, string | number>, headers: object = {}) {
  const result = await call(
    'GET',
    `/api/v1/search?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))}`,
    { headers },
  );
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  return result.body as SearchBody;
}

interface SearchBody {
  data: {
    id: number;
    name: string;
    highlightedName: string;
    lowestPrice: number | null;
    averageRating: number;
    sellerCount: number;
    thumbnailUrl: string | null;
    categoryName: string;
    score: number;
  }[];
  meta: {
    page: number;
    limit: number;
    totalCount: number;
    totalPages: number;
    degraded: boolean;
    facets: Record<string, unknown> & { specs: Record<string, { value: string; count: number }[]> };
    suggestions: string[];
    relatedKeywords: string[];
  };
}

const ids = (body: SearchBody) => body.data.map((hit) => hit.id);
/** the meta of a page without what the search says beside it (facets, suggestions, related keywords) */
const paging = ({ facets, suggestions, relatedKeywords, ...rest }: SearchBody['meta']) => rest;

/** Lucene syntax, SQL, markup, control characters, emoji, long and misspelled text. */
const hostile = [
  '"(*:[',
  'name:foo AND (bar OR',
  '\\',
  '"""',
  '*?~^!{}[]',
  '/.*/',
  "'; DROP TABLE products; --",
  '%_%',
  '<script>alert(1)</script>',
  'foo\u0000bar\u0007',
  '\u202e\u200b노트북',
  '🔥💻📱',
  '😀'.repeat(100),
  'a '.repeat(100),
  'x'.repeat(200),
  'samsnug galxy ultar notebok gamng lapto procesor memroy grpahic dsplay',
];

describe('GET /search: matching (SRCH-01)', () => {
  it('finds a Korean compound by the word inside it (nori): 노트북 → 게이밍노트북', async () => {
    const body = await search({ q: '노트북' });
    expect(ids(body)).toEqual(expect.arrayContaining([p.gaming!.id, p.gram!.id, p.macbook!.id]));
    expect(body.meta.degraded).toBe(false);
    const gaming = body.data.find((hit) => hit.id === p.gaming!.id)!;
    expect(gaming.highlightedName).toContain('게이밍<em>노트북</em>');
    // the fields of the storefront's SearchResultItem (client-shapes.md, Search), and ours
    expect(gaming).toMatchObject({
      name: p.gaming!.name,
      lowestPrice: 1_500_000,
      averageRating: 4.5,
      sellerCount: 1,
      thumbnailUrl: null,
      categoryName: laptops.name,
    });
    expect(gaming.score).toBeGreaterThan(0);
  });

  it('never returns a HIDDEN product', async () => {
    for (const q of ['노트북', 'hidden', 'samsung']) {
      expect(ids(await search({ q }))).not.toContain(p.hidden!.id);
    }
  });

  it('tolerates a misspelled brand: samsnug → Samsung, with a "did you mean" suggestion', async () => {
    const body = await search({ q: 'samsnug' });
    expect(ids(body)[0]).toBe(p.galaxy!.id);
    expect(ids(body)).toEqual(expect.arrayContaining([p.gaming!.id, p.buds!.id]));
    expect(body.data[0]!.highlightedName).toBe('<em>Samsung</em> Galaxy S24 Ultra');
    expect(body.data[0]!.name).toBe('Samsung Galaxy S24 Ultra');
    expect(body.meta.suggestions).toContain('samsung');
  });

  it('tolerates a Korean typo: 갤럭씨 → 갤럭시', async () => {
    const body = await search({ q: '갤럭씨' });
    expect(ids(body)).toContain(p.buds!.id);
    expect(body.data.find((hit) => hit.id === p.buds!.id)!.highlightedName).toBe(
      '삼성 <em>갤럭시</em> 버즈3 프로',
    );
  });

  it('ranks the exact phrase first and escapes names as HTML around the <em> highlight', async () => {
    expect(ids(await search({ q: 'galaxy s24 ultra' }))[0]).toBe(p.galaxy!.id);
    const body = await search({ q: 'escape' });
    expect(body.data[0]).toMatchObject({
      id: p.escape!.id,
      name: 'Escape <Test> & Co',
      highlightedName: '<em>Escape</em> &lt;Test&gt; &amp; Co',
    });
  });

  it('takes `keyword` as an alias of q and trims and collapses the text', async () => {
    const body = await search({ keyword: '  LG \t 그램  ' });
    expect(ids(body)[0]).toBe(p.gram!.id);
  });
});

describe('GET /search: filters, facets, sorts and paging (SRCH-01, SRCH-05)', () => {
  it('filters by a category including its subcategories', async () => {
    expect(new Set(ids(await search({ q: '노트북', categoryId: root.id })))).toEqual(
      new Set([p.gaming!.id, p.gram!.id, p.macbook!.id]),
    );
    expect((await search({ q: '노트북', categoryId: phones.id })).meta.totalCount).toBe(0);
  });

  it('filters by price range and seller', async () => {
    expect(new Set(ids(await search({ q: 'samsung', minPrice: 1_000_000 })))).toEqual(
      new Set([p.gaming!.id, p.galaxy!.id]),
    );
    expect(ids(await search({ q: 'samsung', maxPrice: 300_000 }))).toEqual([p.buds!.id]);
    expect(ids(await search({ q: 'samsung', sellerId: shopB.id }))).toEqual([p.buds!.id]);
  });

  it('filters by the least average rating', async () => {
    expect(new Set(ids(await search({ q: '노트북', minRating: 4.2 })))).toEqual(
      new Set([p.gaming!.id, p.macbook!.id]),
    );
    expect(new Set(ids(await search({ q: 'samsung', minRating: 4.6 })))).toEqual(new Set([p.galaxy!.id]));
    expect((await search({ q: 'samsung', minRating: 5 })).meta.totalCount).toBe(0);
  });

  it('filters by spec values: one, any of a list, a numeric range', async () => {
    const by = async (specs: object) =>
      new Set(ids(await search({ q: '노트북', specs: JSON.stringify(specs) })));
    expect(await by({ ram: '16GB' })).toEqual(new Set([p.gaming!.id, p.macbook!.id]));
    expect(await by({ ram: ['16GB', '32GB'] })).toEqual(new Set([p.gaming!.id, p.macbook!.id, p.gram!.id]));
    expect(await by({ ram: { min: 20 } })).toEqual(new Set([p.gram!.id]));
    expect(await by({ ram: 32 })).toEqual(new Set([p.gram!.id]));
    expect(await by({ unknown_key: 'x' })).toEqual(new Set());
  });

  it('returns facets of the matching products', async () => {
    const { facets } = (await search({ q: '노트북' })).meta;
    expect(facets.categories).toEqual([{ id: laptops.id, name: laptops.name, count: 3 }]);
    expect(facets.brands).toEqual(
      expect.arrayContaining([
        { name: 'Samsung', count: 1 },
        { name: 'LG', count: 1 },
        { name: 'Apple', count: 1 },
      ]),
    );
    expect(facets.priceRanges).toContainEqual({
      label: '100만~200만원',
      min: 1_000_000,
      max: 2_000_000,
      count: 3,
    });
    expect(facets.priceRanges).toContainEqual({ label: '10만원 미만', min: null, max: 100_000, count: 0 });
    expect(facets.sellers).toEqual(
      expect.arrayContaining([
        { id: shopA.id, count: 1 },
        { id: shopB.id, count: 2 },
      ]),
    );
    expect(facets.ratings).toEqual([
      { min: 4, count: 3 },
      { min: 3, count: 3 },
      { min: 2, count: 3 },
      { min: 1, count: 3 },
    ]);
    // spec facets come with a category filter only (specs differ per category)
    expect(facets.specs).toEqual({});
    const inCategory = (await search({ q: '노트북', categoryId: laptops.id })).meta.facets;
    expect(inCategory.specs).toEqual({
      ram: [
        { value: '16GB', count: 2 },
        { value: '32GB', count: 1 },
      ],
    });
  });

  it('sorts by price, rating, popularity and newest', async () => {
    const sorted = async (sort: string) => ids(await search({ q: '노트북', sort }));
    const [gaming, gram, macbook] = [p.gaming!, p.gram!, p.macbook!];
    expect(await sorted('price_asc')).toEqual([macbook.id, gaming.id, gram.id]);
    expect(await sorted('price_desc')).toEqual([gram.id, gaming.id, macbook.id]);
    expect(await sorted('rating_desc')).toEqual([gaming.id, macbook.id, gram.id]);
    expect(await sorted('rating_asc')).toEqual([gram.id, macbook.id, gaming.id]);
    expect(await sorted('popularity')).toEqual([gaming.id, macbook.id, gram.id]);
    expect(await sorted('newest')).toEqual([macbook.id, gram.id, gaming.id]);
  });

  it('pages with meta and bounds deep paging to 10000 results', async () => {
    const first = await search({ q: 'samsung', limit: 2 });
    expect(paging(first.meta)).toEqual({ page: 1, limit: 2, totalCount: 3, totalPages: 2, degraded: false });
    expect(first.data).toHaveLength(2);
    const second = await search({ q: 'samsung', limit: 2, page: 2 });
    expect(second.data).toHaveLength(1);
    expect(new Set([...ids(first), ...ids(second)])).toEqual(
      new Set([p.gaming!.id, p.galaxy!.id, p.buds!.id]),
    );
    expect((await search({ q: 'samsung', page: 100, limit: 100 })).data).toEqual([]);
    expectError(await call('GET', '/api/v1/search?q=samsung&page=101&limit=100'), 400, 'VALIDATION_ERROR');
  });
});

describe('GET /search: bad and hostile input', () => {
  it.each([
    ['no q', ''],
    ['an empty q', 'q='],
    ['a blank q', `q=${encodeURIComponent(' \t ')}`],
    ['a q over 200 characters', `q=${'x'.repeat(201)}`],
    ['a bad sort', 'q=a&sort=cheapest'],
    ['limit over 100', 'q=a&limit=101'],
    ['minPrice above maxPrice', 'q=a&minPrice=10&maxPrice=5'],
    ['a minRating over 5', 'q=a&minRating=5.5'],
    ['a minRating that is not a number', 'q=a&minRating=four'],
    ['specs that are not JSON', `q=a&specs=${encodeURIComponent('{ram:16')}`],
    ['specs that are not an object of spec keys', `q=a&specs=${encodeURIComponent('{"RAM!":"x"}')}`],
    ['a categoryId that is not an id', 'q=a&categoryId=1.5'],
  ])('refuses %s with 400 VALIDATION_ERROR', async (_, query) => {
    expectError(await call('GET', `/api/v1/search?${query}`), 400, 'VALIDATION_ERROR');
  });

  it('answers hostile queries with results, never a 5xx', async () => {
    for (const q of hostile) {
      const result = await call('GET', `/api/v1/search?q=${encodeURIComponent(q)}`);
      expect(result.status, `${JSON.stringify(q)}: ${JSON.stringify(result.body)}`).toBe(200);
      expect(result.body.meta.degraded, JSON.stringify(q)).toBe(false);
      const auto = await call('GET', `/api/v1/search/autocomplete?q=${encodeURIComponent(q.slice(0, 100))}`);
      expect(auto.status, `autocomplete ${JSON.stringify(q)}: ${JSON.stringify(auto.body)}`).toBe(200);
    }
  });
});

describe('GET /search/autocomplete (SRCH-02)', () => {
  it('suggests products by word prefix, completions and categories, the typed part in <em>', async () => {
    const result = await call('GET', `/api/v1/search/autocomplete?q=${encodeURIComponent('갤럭')}`);
    expect(result.status).toBe(200);
    expect(result.body.meta).toEqual({ degraded: false });
    const { products, categories } = result.body.data;
    expect(products).toEqual(
      expect.arrayContaining([
        { id: p.buds!.id, name: '삼성 <em>갤럭</em>시 버즈3 프로', thumbnailUrl: null, lowestPrice: 250_000 },
        expect.objectContaining({ id: p.gaming!.id, name: '삼성 <em>갤럭</em>시북4 프로 게이밍노트북' }),
      ]),
    );
    expect(categories).toEqual(
      expect.arrayContaining([
        { id: laptops.id, name: laptops.name },
        { id: phones.id, name: phones.name },
      ]),
    );
  });

  it('completes keywords from names and brands, never from HIDDEN products', async () => {
    const result = await call('GET', '/api/v1/search/autocomplete?q=sam');
    const { keywords, products } = result.body.data as {
      keywords: string[];
      products: { id: number; name: string }[];
    };
    expect(keywords).toEqual(
      expect.arrayContaining(['<em>Sam</em>sung', '<em>Sam</em>sung Galaxy S24 Ultra']),
    );
    expect(keywords.join()).not.toContain('Hidden');
    expect(products.map((product) => product.id)).toContain(p.galaxy!.id);
    expect(products.map((product) => product.id)).not.toContain(p.hidden!.id);
  });

  it('refuses an empty or over-long prefix', async () => {
    expectError(await call('GET', '/api/v1/search/autocomplete?q='), 400, 'VALIDATION_ERROR');
    expectError(
      await call('GET', `/api/v1/search/autocomplete?q=${'a'.repeat(101)}`),
      400,
      'VALIDATION_ERROR',
    );
  });
});

describe('search weights (SRCH-06)', () => {
  const weightsUrl = '/api/v1/search/admin/weights';

  it('reads the defaults and refuses members and anonymous callers', async () => {
    const result = await call('GET', weightsUrl, { headers: api.admin.authHeader });
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual({
      nameWeight: 10,
      brandWeight: 5,
      specWeight: 3,
      descriptionWeight: 1,
      keywordWeight: 1,
      clickWeight: 0.5,
      updatedAt: expect.any(String),
    });
    expectError(await call('GET', weightsUrl), 401, 'UNAUTHORIZED');
    expectError(await call('GET', weightsUrl, { headers: api.user.authHeader }), 403, 'FORBIDDEN');
    expectError(
      await call('PATCH', weightsUrl, { headers: api.user.authHeader, body: { nameWeight: 1 } }),
      403,
      'FORBIDDEN',
    );
  });

  it.each([
    ['an empty body', {}],
    ['an unknown field', { nameWeight: 1, titleWeight: 2 }],
    ['a negative weight', { nameWeight: -1 }],
    ['a weight over 100', { clickWeight: 101 }],
    ['a string', { brandWeight: '5' }],
  ])('refuses %s', async (_, body) => {
    expectError(
      await call('PATCH', weightsUrl, { headers: api.admin.authHeader, body }),
      400,
      'VALIDATION_ERROR',
    );
  });

  it('re-ranks the next search without a reindex', async () => {
    const order = async () =>
      ids(await search({ q: 'zephyr widget' })).filter((id) => id === p.zephyr!.id || id === p.plain!.id);
    // the name match beats the description match, even against far more clicks
    expect(await order()).toEqual([p.zephyr!.id, p.plain!.id]);

    const clicks = await call('PATCH', weightsUrl, {
      headers: api.admin.authHeader,
      body: { clickWeight: 100, keywordWeight: 0.1 },
    });
    expect(clicks.status).toBe(200);
    expect(clicks.body.data).toMatchObject({ nameWeight: 10, keywordWeight: 0.1, clickWeight: 100 });
    expect(await order()).toEqual([p.plain!.id, p.zephyr!.id]);

    await call('PATCH', weightsUrl, {
      headers: api.admin.authHeader,
      body: { clickWeight: 0, keywordWeight: 1 },
    });
    expect(await order()).toEqual([p.zephyr!.id, p.plain!.id]);
    await call('PATCH', weightsUrl, {
      headers: api.admin.authHeader,
      body: { nameWeight: 0, descriptionWeight: 50 },
    });
    expect(await order()).toEqual([p.plain!.id, p.zephyr!.id]);

    const restored = await call('PATCH', weightsUrl, {
      headers: api.admin.authHeader,
      body: { nameWeight: 10, descriptionWeight: 1, clickWeight: 0.5 },
    });
    expect(restored.body.data).toMatchObject({
      nameWeight: 10,
      descriptionWeight: 1,
      keywordWeight: 1,
      clickWeight: 0.5,
    });
    expect(await order()).toEqual([p.zephyr!.id, p.plain!.id]);
  });
});

describe('search and click logs (SRCH-08)', () => {
  async function jobs(type: string) {
    const queued = await api.deps.producers.queues['activity-log'].getJobs([
      'waiting',
      'delayed',
      'active',
      'completed',
    ]);
    return queued.filter((job) => job.data.type === type).map((job) => job.data);
  }

  it('logs every search with its keyword, result count and the member', async () => {
    await search({ q: 'LG 그램' }, api.user.authHeader);
    await vi.waitFor(async () => {
      expect(await jobs('search')).toContainEqual(
        expect.objectContaining({
          type: 'search',
          userId: api.user.user.id,
          requestId: expect.any(String),
          data: { keyword: 'LG 그램', resultCount: 1, degraded: false },
        }),
      );
    });
  });

  it('logs a click (202) and refuses a bad one', async () => {
    const result = await call('POST', '/api/v1/search/click', {
      body: { keyword: 'LG 그램', productId: p.gram!.id },
    });
    expect(result.status).toBe(202);
    expect(result.body.data).toEqual({ accepted: true });
    await vi.waitFor(async () => {
      expect(await jobs('search_click')).toContainEqual(
        expect.objectContaining({ data: { keyword: 'LG 그램', productId: p.gram!.id } }),
      );
    });
    expectError(
      await call('POST', '/api/v1/search/click', { body: { keyword: 'x', productId: 'nope' } }),
      400,
      'VALIDATION_ERROR',
    );
    expectError(
      await call('POST', '/api/v1/search/click', { body: { productId: p.gram!.id } }),
      400,
      'VALIDATION_ERROR',
    );
  });
});

describe('PostgreSQL fallback while OpenSearch is unreachable (SRCH-09)', () => {
  let down: Awaited<ReturnType<typeof buildTestApp>>;

  beforeAll(async () => {
    // nothing listens on port 1: every OpenSearch call is refused at once
    down = await buildTestApp(api.ctx, { OPENSEARCH_URL: 'http://127.0.0.1:1' });
  });

  afterAll(async () => {
    await down?.close();
  });

  const downCall = caller(() => down.app);

  it('answers GET /search from PostgreSQL with meta.degraded, also once the breaker is open', async () => {
    for (let attempt = 0; attempt < 7; attempt++) {
      const result = await downCall('GET', `/api/v1/search?q=${encodeURIComponent('노트북')}`);
      expect(result.status).toBe(200);
      expect(result.body.meta).toMatchObject({ degraded: true, page: 1, limit: 20 });
      const found = (result.body.data as { id: number }[]).map((hit) => hit.id);
      expect(new Set(found)).toEqual(new Set([p.gaming!.id, p.gram!.id]));
    }
    expect(down.deps.resilience.snapshots().find((breaker) => breaker.name === 'search')?.state).toBe('open');
  });

  it('keeps filters, sorts, highlights and paging in the fallback', async () => {
    const result = await downCall('GET', '/api/v1/search?q=samsung&sort=price_asc&limit=2');
    expect(result.status).toBe(200);
    const { data, meta } = result.body as SearchBody;
    expect(paging(meta)).toEqual({ page: 1, limit: 2, totalCount: 3, totalPages: 2, degraded: true });
    expect(ids(result.body)).toEqual([p.buds!.id, p.galaxy!.id]);
    // the same hit fields as OpenSearch's; rating and shop count are the product row's
    expect(data[1]).toEqual({
      id: p.galaxy!.id,
      name: 'Samsung Galaxy S24 Ultra',
      highlightedName: '<em>Samsung</em> Galaxy S24 Ultra',
      categoryName: phones.name,
      lowestPrice: 1_200_000,
      averageRating: 0,
      sellerCount: 1,
      thumbnailUrl: null,
      score: expect.any(Number),
    });
    expect(meta.suggestions).toEqual([]);
    expect(meta.facets).toEqual({
      categories: [],
      brands: [],
      priceRanges: [],
      sellers: [],
      ratings: [],
      specs: {},
    });
    const filtered = await downCall(
      'GET',
      `/api/v1/search?q=samsung&categoryId=${root.id}&sellerId=${shopA.id}`,
    );
    expect(ids(filtered.body)).toEqual([p.gaming!.id]);
    // the rating filter reads the product row's average (the index has its own copy of it)
    await api.deps.database.sql`update products set average_rating = 4.8 where id = ${p.galaxy!.id}`;
    const rated = await downCall('GET', '/api/v1/search?q=samsung&minRating=4.5');
    expect(ids(rated.body)).toEqual([p.galaxy!.id]);
    expect(rated.body.data[0].averageRating).toBe(4.8);
  });

  it('ranks by relevance in the fallback, products without a brand too', async () => {
    // "Zephyr Widget" (no brand): the phrase starts the name (2) and is in it (1); "Plain Gadget"
    // has the words only in its description, which the fallback does not search
    const result = await downCall('GET', '/api/v1/search?q=zephyr');
    expect((result.body as SearchBody).data.map(({ id, score }) => ({ id, score }))).toEqual([
      { id: p.zephyr!.id, score: 3 },
    ]);
  });

  it('tolerates typos and hostile text in the fallback too', async () => {
    const typo = await downCall('GET', '/api/v1/search?q=samsnug');
    expect(typo.status).toBe(200);
    expect(ids(typo.body)).toContain(p.galaxy!.id);
    for (const q of hostile) {
      const result = await downCall('GET', `/api/v1/search?q=${encodeURIComponent(q)}`);
      expect(result.status, JSON.stringify(q)).toBe(200);
    }
    const like = await downCall('GET', `/api/v1/search?q=${encodeURIComponent('%_%')}`);
    expect(like.body.meta.totalCount).toBe(0);
  });

  it('answers autocomplete from PostgreSQL with meta.degraded', async () => {
    const result = await downCall('GET', '/api/v1/search/autocomplete?q=sam');
    expect(result.status).toBe(200);
    expect(result.body.meta).toEqual({ degraded: true });
    const { keywords, products, categories } = result.body.data;
    expect(keywords).toContain('<em>Sam</em>sung');
    expect(products.map((product: { id: number }) => product.id)).toContain(p.galaxy!.id);
    expect(products.map((product: { id: number }) => product.id)).not.toContain(p.hidden!.id);
    expect(products.find((product: { id: number }) => product.id === p.galaxy!.id).name).toBe(
      '<em>Sam</em>sung Galaxy S24 Ultra',
    );
    expect(categories).toContainEqual({ id: phones.id, name: phones.name });
  });
});
