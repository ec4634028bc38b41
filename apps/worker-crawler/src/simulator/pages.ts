import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

// Seller product pages in the three styles the crawler reads: schema.org JSON-LD, schema.org
// microdata, and plain markup for a job's CSS selectors. Used by the seller-site simulator that
// dev.sh starts and by the crawler's tests (their fixture shops).

export interface SimulatedProduct {
  /** the seller's own product code */
  code: string;
  title: string;
  /** KRW */
  price: number;
  /** KRW, 0 when free */
  shippingFee: number;
  inStock: boolean;
  gtin?: string;
  mpn?: string;
  /** the page's spec list: JSON-LD additionalProperty, microdata properties or a spec table */
  specs?: { name: string; value: string }[];
}

export type PageStyle = 'json-ld' | 'microdata' | 'selectors';

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
const won = (amount: number) => `${amount.toLocaleString('en-US')}원`;

function page(title: string, body: string, head = '') {
  return `<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>${head}</head>
<body><header><a href="/">홈</a></header>${body}<footer>© 시뮬레이터 상점</footer></body></html>
`;
}

/** A product page in one of the three styles. */
export function productPage(style: PageStyle, product: SimulatedProduct): string {
  const title = escapeHtml(product.title);
  if (style === 'json-ld') {
    const data = {
      '@context': 'https://schema.org',
      '@type': 'Product',
      name: product.title,
      sku: product.code,
      ...(product.gtin ? { gtin13: product.gtin } : {}),
      ...(product.mpn ? { mpn: product.mpn } : {}),
      ...(product.specs
        ? {
            additionalProperty: product.specs.map(({ name, value }) => ({
              '@type': 'PropertyValue',
              name,
              value,
            })),
          }
        : {}),
      offers: {
        '@type': 'Offer',
        price: String(product.price),
        priceCurrency: 'KRW',
        availability: product.inStock ? 'https://schema.org/InStock' : 'https://schema.org/OutOfStock',
        shippingDetails: {
          '@type': 'OfferShippingDetails',
          shippingRate: { '@type': 'MonetaryAmount', value: product.shippingFee, currency: 'KRW' },
        },
      },
    };
    return page(
      product.title,
      `<h1>${title}</h1><p class="price">${won(product.price)}</p>`,
      `<script type="application/ld+json">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>`,
    );
  }
  if (style === 'microdata') {
    return page(
      product.title,
      `<div itemscope itemtype="https://schema.org/Product">
  <h1 itemprop="name">${title}</h1>
  <span>상품코드 <span itemprop="sku">${escapeHtml(product.code)}</span></span>
  ${product.gtin ? `<meta itemprop="gtin13" content="${escapeHtml(product.gtin)}">` : ''}
  ${product.mpn ? `<meta itemprop="mpn" content="${escapeHtml(product.mpn)}">` : ''}
  <div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
    <meta itemprop="priceCurrency" content="KRW">
    <span itemprop="price" content="${product.price}">₩${product.price.toLocaleString('en-US')}</span>
    <link itemprop="availability" href="https://schema.org/${product.inStock ? 'InStock' : 'OutOfStock'}">
    <span itemprop="shippingRate" content="${product.shippingFee}">배송비 ${won(product.shippingFee)}</span>
  </div>
  ${(product.specs ?? [])
    .map(
      ({ name, value }) =>
        `<div itemprop="additionalProperty" itemscope itemtype="https://schema.org/PropertyValue"><span itemprop="name">${escapeHtml(name)}</span>: <span itemprop="value">${escapeHtml(value)}</span></div>`,
    )
    .join('\n  ')}
</div>`,
    );
  }
  return page(
    product.title,
    `<div class="goods">
  <h2 class="goods-name">${title}</h2>
  <div class="goods-code">${escapeHtml(product.code)}</div>
  <strong class="sale-price">${won(product.price)}</strong>
  <span class="delivery">${product.shippingFee === 0 ? '무료배송' : `배송비 ${won(product.shippingFee)}`}</span>
  <span class="stock">${product.inStock ? '구매가능' : '품절'}</span>
  ${product.specs ? `<table class="spec-table">${product.specs.map(({ name, value }) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</table>` : ''}
</div>`,
  );
}

/** The selectors a job needs for `selectors`-style pages. */
export const simulatorSelectors = {
  title: '.goods-name',
  price: '.sale-price',
  shippingFee: '.delivery',
  stock: '.stock',
  sellerProductCode: '.goods-code',
  specTable: '.spec-table',
};

/** A listing page linking product pages (plain links, and a schema.org ItemList). */
export function listingPage(links: string[]): string {
  const list = {
    '@context': 'https://schema.org',
    '@type': 'ItemList',
    itemListElement: links.map((url, index) => ({ '@type': 'ListItem', position: index + 1, url })),
  };
  return page(
    '상품 목록',
    `<ul>${links.map((url) => `<li><a class="product-link" href="${escapeHtml(url)}">${escapeHtml(url)}</a></li>`).join('')}</ul>`,
    `<script type="application/ld+json">${JSON.stringify(list)}</script>`,
  );
}

/** A strong ETag of a page: its content's hash. */
export const etagOf = (html: string) => `"${createHash('sha1').update(html).digest('base64url')}"`;

/**
 * Answers a page as a real shop does: 200 with its ETag, or 304 without a body when the request's
 * If-None-Match names it (the crawler's conditional re-fetch of an unchanged page).
 */
export function sendPage(
  request: IncomingMessage,
  response: ServerResponse,
  html: string,
  etag = etagOf(html),
): void {
  if (request.headers['if-none-match'] === etag) {
    response.writeHead(304, { etag });
    response.end();
    return;
  }
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', etag });
  response.end(html);
}
