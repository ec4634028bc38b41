// Reading offers from seller pages: KRW strings, schema.org JSON-LD (graphs, arrays, AggregateOffer,
// other currencies), microdata, the job's CSS selectors, listing links, and pages with nothing to read.
import { describe, expect, it } from 'vitest';
import {
  cleanSpecText,
  MAX_SPECS_PER_PAGE,
  parseKrw,
  parseListingLinks,
  parseProductPage,
  parseStock,
} from '../src/parse.ts';

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
        specs: null,
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
        specs: null,
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
        specs: null,
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

describe('specs', () => {
  const offer = { '@type': 'Offer', price: '10000', priceCurrency: 'KRW' };

  it('JSON-LD additionalProperty (values with their unit), only when asked', () => {
    const html = page(
      ld({
        '@type': 'Product',
        name: 'A',
        offers: offer,
        additionalProperty: [
          { '@type': 'PropertyValue', name: '화면 크기', value: 15.6, unitText: '인치' },
          { '@type': 'PropertyValue', name: '무게', value: '1.2 kg' },
          { '@type': 'PropertyValue', name: '터치', value: true },
          { '@type': 'PropertyValue', name: '화면 크기', value: 17 },
          { '@type': 'PropertyValue', value: 'no name' },
        ],
      }),
    );
    expect(parseProductPage(html)[0]?.specs).toBeNull();
    expect(parseProductPage(html, {}, { specs: true })[0]?.specs).toEqual([
      { name: '화면 크기', value: '15.6 인치' },
      { name: '무게', value: '1.2 kg' },
      { name: '터치', value: 'true' },
    ]);
  });

  it('microdata properties, and an empty list when a page has none', () => {
    const html = page(
      '',
      `<div itemscope itemtype="https://schema.org/Product"><span itemprop="name">B</span>
        <div itemprop="offers" itemscope itemtype="https://schema.org/Offer"><meta itemprop="price" content="5000"></div>
        <div itemprop="additionalProperty" itemscope itemtype="https://schema.org/PropertyValue">
          <span itemprop="name">메모리</span><meta itemprop="value" content="16GB"></div></div>`,
    );
    expect(parseProductPage(html, {}, { specs: true })[0]?.specs).toEqual([
      { name: '메모리', value: '16GB' },
    ]);
    const bare = page(ld({ '@type': 'Product', name: 'C', offers: offer }));
    expect(parseProductPage(bare, {}, { specs: true })[0]?.specs).toEqual([]);
  });

  it("the job's spec table (rows or a definition list) when the page has no properties", () => {
    const rows = page(
      ld({ '@type': 'Product', name: 'D', offers: offer }),
      '<table id="spec"><tr><th>CPU</th><td> i7 <b>13700H</b> </td></tr><tr><td>한 칸</td></tr><tr><td>RAM</td><td>32GB</td></tr></table>',
    );
    expect(parseProductPage(rows, { specTable: '#spec' }, { specs: true })[0]?.specs).toEqual([
      { name: 'CPU', value: 'i7 13700H' },
      { name: 'RAM', value: '32GB' },
    ]);
    const list = page('', '<h1>E</h1><b class="p">9,900원</b><dl class="s"><dt>색상</dt><dd>블랙</dd></dl>');
    expect(parseProductPage(list, { price: '.p', specTable: 'dl.s' }, { specs: true })[0]?.specs).toEqual([
      { name: '색상', value: '블랙' },
    ]);
  });

  it('cleans markup and control characters and bounds names, values and their number', () => {
    expect(cleanSpecText('<script>x</script>\u0000 A\u200b  <b>B</b>', 500)).toBe('x A B');
    expect(cleanSpecText('가'.repeat(100_000), 500)).toBe('가'.repeat(500));
    expect(cleanSpecText('<br>', 500)).toBeNull();
    const many = Array.from({ length: 150 }, (_, at) => ({ name: `s${at}`, value: 'v'.repeat(1000) }));
    const html = page(ld({ '@type': 'Product', name: 'F', offers: offer, additionalProperty: many }));
    const specs = parseProductPage(html, {}, { specs: true })[0]?.specs ?? [];
    expect(specs).toHaveLength(MAX_SPECS_PER_PAGE);
    expect(specs.every((spec) => spec.value.length === 500)).toBe(true);
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
