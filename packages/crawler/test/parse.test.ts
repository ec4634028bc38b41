// Reading offers from seller pages: KRW strings, schema.org JSON-LD (graphs, arrays, AggregateOffer,
// other currencies), microdata, the job's CSS selectors, listing links, and pages with nothing to read.
import { describe, expect, it } from 'vitest';
import { parseKrw, parseListingLinks, parseProductPage, parseStock } from '../src/parse.ts';

describe('parseKrw', () => {
  it.each([
    ['1,299,000원', 1_299_000],
    ['₩1,299,000', 1_299_000],
    ['￦ 89,900', 89_900],
    ['KRW 1299000', 1_299_000],
    ['1299000.00', 1_299_000],
    [' 45,000 원 ', 45_000],
    ['판매가 1,299,000원 (부가세 포함)', 1_299_000],
    [1299000, 1_299_000],
  ])('%s → %s', (text, value) => expect(parseKrw(text)).toBe(value));

  it.each([['가격 문의'], [''], ['-1000'], ['1e9'], [Number.NaN], [null], ['99999999999999999999']])(
    'refuses %s',
    (text) => expect(parseKrw(text)).toBeNull(),
  );
});

describe('parseStock', () => {
  it('reads schema.org availability and Korean page text', () => {
    expect(parseStock('https://schema.org/InStock')).toBe('IN_STOCK');
    expect(parseStock('https://schema.org/OutOfStock')).toBe('OUT_OF_STOCK');
    expect(parseStock('일시품절')).toBe('OUT_OF_STOCK');
    expect(parseStock('https://schema.org/LimitedAvailability')).toBe('LOW_STOCK');
    expect(parseStock(undefined)).toBe('IN_STOCK');
  });
});

const page = (head: string, body = '') =>
  `<!doctype html><html><head>${head}</head><body>${body}</body></html>`;
const ld = (data: unknown) => `<script type="application/ld+json">${JSON.stringify(data)}</script>`;

describe('parseProductPage', () => {
  it('JSON-LD Product with an Offer, shipping, codes', () => {
    const html = page(
      ld({
        '@context': 'https://schema.org',
        '@type': 'Product',
        name: '게이밍 노트북',
        sku: 'GN-15',
        gtin13: '8801234567890',
        mpn: 'NT950',
        offers: {
          '@type': 'Offer',
          price: '1299000',
          priceCurrency: 'KRW',
          availability: 'https://schema.org/InStock',
          shippingDetails: { shippingRate: { value: 2500, currency: 'KRW' } },
        },
      }),
    );
    expect(parseProductPage(html)).toEqual([
      {
        title: '게이밍 노트북',
        price: 1_299_000,
        shippingFee: 2500,
        stockState: 'IN_STOCK',
        sellerProductCode: 'GN-15',
        gtin: '8801234567890',
        mpn: 'NT950',
        source: 'json-ld',
      },
    ]);
  });

  it('JSON-LD in an @graph, an AggregateOffer, and a USD offer not read', () => {
    const graph = page(
      ld({
        '@graph': [
          { '@type': 'BreadcrumbList' },
          {
            '@type': ['Product'],
            name: 'A',
            offers: [{ '@type': 'AggregateOffer', lowPrice: 45000, priceCurrency: 'KRW' }],
          },
        ],
      }),
    );
    expect(parseProductPage(graph)).toMatchObject([{ title: 'A', price: 45_000 }]);
    const usd = page(
      ld({ '@type': 'Product', name: 'B', offers: { '@type': 'Offer', price: 999, priceCurrency: 'USD' } }),
    );
    expect(parseProductPage(usd)).toEqual([]);
  });

  it('microdata when there is no JSON-LD', () => {
    const html = page(
      '',
      `<div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">모니터</h1>
       <span itemprop="sku">M-27</span>
       <div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
         <meta itemprop="priceCurrency" content="KRW"><span itemprop="price" content="459000">₩459,000</span>
         <link itemprop="availability" href="https://schema.org/OutOfStock"></div></div>`,
    );
    expect(parseProductPage(html)).toMatchObject([
      {
        title: '모니터',
        price: 459_000,
        stockState: 'OUT_OF_STOCK',
        sellerProductCode: 'M-27',
        source: 'microdata',
      },
    ]);
  });

  it("the job's selectors last; free shipping text", () => {
    const html = page(
      '',
      '<h2 class="n">키보드</h2><b class="p">89,900원</b><i class="d">무료배송</i><i class="s">품절</i><em class="c">K-1</em>',
    );
    expect(
      parseProductPage(html, {
        title: '.n',
        price: '.p',
        shippingFee: '.d',
        stock: '.s',
        sellerProductCode: '.c',
      }),
    ).toEqual([
      {
        title: '키보드',
        price: 89_900,
        shippingFee: 0,
        stockState: 'OUT_OF_STOCK',
        sellerProductCode: 'K-1',
        gtin: null,
        mpn: null,
        source: 'selectors',
      },
    ]);
    expect(parseProductPage(html)).toEqual([]);
  });

  it('JSON-LD found by its script tag whatever else mentions it: case, attribute order, other scripts', () => {
    const product = { '@type': 'Product', name: 'C', offers: { price: '10000', priceCurrency: 'KRW' } };
    const html = page(
      `<meta name="note" content="ld+json is read"><script>var t = "ld+json";</script>` +
        `<script type="application/ld+json">{"@type": "BreadcrumbList"}</script>` +
        `<SCRIPT id="p" TYPE='application/LD+JSON'>${JSON.stringify(product)}</SCRIPT >`,
      '<p>ld+json</p>',
    );
    expect(parseProductPage(html)).toMatchObject([{ title: 'C', price: 10_000, source: 'json-ld' }]);
    // an unclosed script holds the rest of the page (as a browser reads it): nothing to read
    const unclosed = page(
      `<script type="application/ld+json">${JSON.stringify(product)}`,
      '<div itemscope itemtype="https://schema.org/Product"><span itemprop="price" content="2000"></span></div>',
    );
    expect(parseProductPage(unclosed)).toEqual([]);
  });

  it('nothing from garbage, broken JSON-LD or an empty page', () => {
    expect(parseProductPage('<html><body><<<< ### 가격 문의')).toEqual([]);
    expect(
      parseProductPage(page('<script type="application/ld+json">{"@type": "Product", </script>')),
    ).toEqual([]);
    expect(parseProductPage('')).toEqual([]);
  });
});

describe('parseListingLinks', () => {
  it('reads the selector links and ItemList URLs, absolute, without fragments, once', () => {
    const html = page(
      ld({ '@type': 'ItemList', itemListElement: [{ '@type': 'ListItem', url: '/p/2' }] }),
      '<a class="l" href="/p/1#top">1</a><a class="l" href="https://shop.example.com/p/1">1</a><a class="l" href="javascript:alert(1)">x</a>',
    );
    expect(parseListingLinks(html, 'https://shop.example.com/list', { productLinks: 'a.l' })).toEqual([
      'https://shop.example.com/p/1',
      'https://shop.example.com/p/2',
    ]);
  });
});
