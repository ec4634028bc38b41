import type { CrawlerSelectors } from '@pbshop/db';
import { type CheerioAPI, load } from 'cheerio';

export type StockState = 'IN_STOCK' | 'LOW_STOCK' | 'OUT_OF_STOCK';

/** A spec as a seller page names it (cleaned and bounded). */
export interface CollectedSpec {
  name: string;
  value: string;
}

/** specs read per page, at most */
export const MAX_SPECS_PER_PAGE = 100;
const MAX_SPEC_NAME = 100;
const MAX_SPEC_VALUE = 500;

/** What to read besides the offer. */
export interface ParseOptions {
  /** read the page's specs (JSON-LD additionalProperty, microdata, the job's spec table) */
  specs?: boolean;
}

/** One offer read from a seller page. */
export interface CollectedItem {
  title: string | null;
  /** KRW */
  price: number;
  /** KRW; 0 when shipping is free */
  shippingFee: number | null;
  stockState: StockState;
  sellerProductCode: string | null;
  gtin: string | null;
  mpn: string | null;
  /** json-ld, microdata or selectors: how it was read */
  source: 'json-ld' | 'microdata' | 'selectors';
  /** the page's specs when they were asked for (else null) */
  specs: CollectedSpec[] | null;
}

/**
 * Spec text as stored: markup and control characters removed, entities of stray markup left as
 * text, whitespace collapsed, cut to `max` characters; null when nothing is left.
 */
export function cleanSpecText(value: unknown, max: number): string | null {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') return null;
  const cleaned = value
    .slice(0, 20 * max)
    .replace(/<[^>]*>?/g, ' ')
    .replace(/\p{Cc}|\p{Cf}/gu, ' ')
    .normalize('NFKC')
    .replace(/\s+/g, ' ')
    .trim();
  if (cleaned === '') return null;
  return Array.from(cleaned).slice(0, max).join('').trim();
}

/** Name/value pairs as specs: cleaned, bounded, the first of a name kept. */
function specsOf(pairs: Iterable<[unknown, unknown]>): CollectedSpec[] {
  const specs: CollectedSpec[] = [];
  const seen = new Set<string>();
  for (const [rawName, rawValue] of pairs) {
    if (specs.length >= MAX_SPECS_PER_PAGE) break;
    const name = cleanSpecText(rawName, MAX_SPEC_NAME);
    const value = cleanSpecText(rawValue, MAX_SPEC_VALUE);
    if (name === null || value === null || seen.has(name)) continue;
    seen.add(name);
    specs.push({ name, value });
  }
  return specs;
}

/** schema.org `additionalProperty` PropertyValues (value with its unitText). */
function jsonLdSpecs(product: Record<string, unknown>): CollectedSpec[] {
  return specsOf(
    (function* () {
      for (const node of jsonLdNodes(product.additionalProperty)) {
        const unit = typeof node.unitText === 'string' ? node.unitText : null;
        const value = node.value;
        yield [
          node.name,
          unit !== null && (typeof value === 'number' || typeof value === 'string')
            ? `${value} ${unit}`
            : value,
        ];
      }
    })(),
  );
}

/**
 * A KRW amount from page text: "1,299,000원", "₩1,299,000", "KRW 1299000", "1299000", 1299000.
 * Decimals ("1299000.00") are dropped; anything else (no digits, a negative, absurdly large) is null.
 */
export function parseKrw(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : null;
  if (typeof value !== 'string') return null;
  const text = value.normalize('NFKC').replace(/\s+/g, '');
  const match = /^(?:₩|￦|KRW)?(\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:원|KRW)?$/i.exec(text);
  if (!match?.[1]) {
    // a price inside text ("판매가 1,299,000원")
    const inner = /(\d{1,3}(?:,\d{3})+|\d+)\s*원/.exec(value.normalize('NFKC'));
    if (!inner?.[1]) return null;
    return bounded(Number(inner[1].replace(/,/g, '')));
  }
  return bounded(Number(match[1].replace(/,/g, '')));
}

const bounded = (value: number) => (Number.isSafeInteger(value) && value <= 1_000_000_000_000 ? value : null);

/** schema.org availability (URL or name) or page text as a stock state. */
export function parseStock(value: unknown): StockState {
  const text = typeof value === 'string' ? value.toLowerCase() : '';
  if (/outofstock|soldout|discontinued|품절|일시품절|sold out|out of stock/.test(text)) return 'OUT_OF_STOCK';
  if (/limitedavailability|lowstock|재고\s*부족|소량|low stock/.test(text)) return 'LOW_STOCK';
  return 'IN_STOCK';
}

const text = (value: unknown): string | null => {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed.slice(0, 500);
};

const typesOf = (node: Record<string, unknown>): string[] => {
  const type = node['@type'];
  return (Array.isArray(type) ? type : [type]).filter((t): t is string => typeof t === 'string');
};

function jsonLdNodes(value: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(value)) {
    for (const entry of value) jsonLdNodes(entry, out);
  } else if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    out.push(node);
    if (node['@graph']) jsonLdNodes(node['@graph'], out);
  }
  return out;
}

function fromJsonLdProduct(product: Record<string, unknown>, options: ParseOptions): CollectedItem | null {
  const offersValue = product.offers;
  const offers = jsonLdNodes(offersValue);
  const offer =
    offers.find((node) => typesOf(node).some((t) => t === 'Offer' || t === 'AggregateOffer')) ?? offers[0];
  if (!offer) return null;
  const currency = text(offer.priceCurrency);
  if (currency && currency.toUpperCase() !== 'KRW') return null;
  const price = parseKrw(offer.price ?? offer.lowPrice);
  if (price === null) return null;
  const shipping = jsonLdNodes(offer.shippingDetails)[0];
  const rate = shipping ? jsonLdNodes(shipping.shippingRate)[0] : undefined;
  return {
    title: text(product.name),
    price,
    shippingFee: rate ? parseKrw(rate.value) : null,
    stockState: parseStock(offer.availability),
    sellerProductCode: text(product.sku) ?? text(product.productID) ?? text(offer.sku),
    gtin: text(product.gtin13) ?? text(product.gtin) ?? text(product.gtin14) ?? text(product.gtin8),
    mpn: text(product.mpn),
    source: 'json-ld',
    specs: options.specs ? jsonLdSpecs(product) : null,
  };
}

/** A JSON-LD script's opening tag (its text runs to the next closing script tag). */
const jsonLdOpening = /<script\b[^>]*\btype\s*=\s*["']?application\/ld\+json["']?[^>]*>/giy;
const scriptClosing = /<\/script\s*>/gi;
const jsonLdType = /ld\+json/gi;

/**
 * Product offers from the page's JSON-LD script texts, found without parsing the HTML: a page
 * without the type string is passed over by one search.
 */
function fromJsonLdScripts(html: string, options: ParseOptions): CollectedItem[] {
  const items: CollectedItem[] = [];
  let from = 0;
  for (;;) {
    jsonLdType.lastIndex = from;
    const type = jsonLdType.exec(html)?.index ?? -1;
    if (type < 0) return items;
    // the script tag holding this type attribute, if it is one
    const tagStart = html.lastIndexOf('<', type);
    jsonLdOpening.lastIndex = tagStart;
    const opening = tagStart < 0 ? null : jsonLdOpening.exec(html);
    from = type + 7;
    if (!opening) continue;
    scriptClosing.lastIndex = jsonLdOpening.lastIndex;
    const closing = scriptClosing.exec(html);
    if (!closing) return items;
    from = scriptClosing.lastIndex;
    let data: unknown;
    try {
      data = JSON.parse(html.slice(jsonLdOpening.lastIndex, closing.index));
    } catch {
      continue;
    }
    for (const node of jsonLdNodes(data)) {
      if (!typesOf(node).includes('Product')) continue;
      const item = fromJsonLdProduct(node, options);
      if (item) items.push(item);
    }
  }
}

function fromJsonLd($: CheerioAPI, options: ParseOptions): CollectedItem[] {
  const items: CollectedItem[] = [];
  $('script[type="application/ld+json"]').each((_index, element) => {
    let data: unknown;
    try {
      data = JSON.parse($(element).text());
    } catch {
      return;
    }
    for (const node of jsonLdNodes(data)) {
      if (!typesOf(node).includes('Product')) continue;
      const item = fromJsonLdProduct(node, options);
      if (item) items.push(item);
    }
  });
  return items;
}

function fromMicrodata($: CheerioAPI, options: ParseOptions): CollectedItem[] {
  const items: CollectedItem[] = [];
  $('[itemscope][itemtype*="schema.org/Product"]').each((_index, element) => {
    const scope = $(element);
    const prop = (name: string, within = scope) => {
      const found = within.find(`[itemprop="${name}"]`).first();
      if (found.length === 0) return null;
      return text(found.attr('content') ?? found.attr('href') ?? found.text());
    };
    const offer = scope.find('[itemprop="offers"]').first();
    const offerScope = offer.length > 0 ? offer : scope;
    const currency = prop('priceCurrency', offerScope);
    if (currency && currency.toUpperCase() !== 'KRW') return;
    const price = parseKrw(prop('price', offerScope));
    if (price === null) return;
    items.push({
      title: prop('name'),
      price,
      shippingFee: parseKrw(prop('shippingRate', offerScope) ?? prop('shippingFee', offerScope)),
      stockState: parseStock(prop('availability', offerScope)),
      sellerProductCode: prop('sku') ?? prop('productID'),
      gtin: prop('gtin13') ?? prop('gtin'),
      mpn: prop('mpn'),
      source: 'microdata',
      specs: options.specs
        ? specsOf(
            scope
              .find('[itemprop="additionalProperty"]')
              .toArray()
              .map((element) => {
                const property = $(element);
                return [prop('name', property), prop('value', property)] as [unknown, unknown];
              }),
          )
        : null,
    });
  });
  return items;
}

/**
 * The job's spec table (`selectors.specTable`): each row's first header or cell is the name and
 * the next cell the value (a `<dl>`: each `<dt>` and the `<dd>` after it).
 */
function tableSpecs($: CheerioAPI, selector: string): CollectedSpec[] {
  const table = $(selector).first();
  if (table.length === 0) return [];
  const pairs: [unknown, unknown][] = [];
  table.find('tr').each((_index, row) => {
    const cells = $(row).children('th, td');
    if (cells.length >= 2) pairs.push([cells.eq(0).text(), cells.eq(1).text()]);
  });
  table.find('dt').each((_index, term) => {
    const definition = $(term).nextAll('dd').first();
    if (definition.length > 0) pairs.push([$(term).text(), definition.text()]);
  });
  return specsOf(pairs);
}

function fromSelectors($: CheerioAPI, selectors: CrawlerSelectors, options: ParseOptions): CollectedItem[] {
  if (!selectors.price) return [];
  const read = (selector: string | undefined) => {
    if (!selector) return null;
    const found = $(selector).first();
    if (found.length === 0) return null;
    return text(found.attr('content') ?? found.attr('data-price') ?? found.text());
  };
  const price = parseKrw(read(selectors.price));
  if (price === null) return [];
  const shipping = read(selectors.shippingFee);
  return [
    {
      title: read(selectors.title) ?? text($('h1').first().text()),
      price,
      shippingFee: shipping === null ? null : /무료|free/i.test(shipping) ? 0 : parseKrw(shipping),
      stockState: parseStock(read(selectors.stock)),
      sellerProductCode: read(selectors.sellerProductCode),
      gtin: read(selectors.gtin),
      mpn: read(selectors.mpn),
      source: 'selectors',
      specs: options.specs ? [] : null,
    },
  ];
}

/**
 * The offers on a product page: schema.org Product/Offer in JSON-LD first, then microdata, then
 * the job's CSS selectors. An empty list means the page holds nothing we can read (PARSE). With
 * `options.specs`, each item carries the page's specs: its JSON-LD or microdata properties, else
 * the job's spec table (`selectors.specTable`).
 */
export function parseProductPage(
  html: string,
  selectors: CrawlerSelectors = {},
  options: ParseOptions = {},
): CollectedItem[] {
  // JSON-LD is script text, read without building the document (most shops carry it)
  const fast = fromJsonLdScripts(html, options);
  const needsTable = (items: CollectedItem[]) =>
    options.specs === true &&
    selectors.specTable !== undefined &&
    items.some((item) => item.specs?.length === 0);
  if (fast.length > 0 && !needsTable(fast)) return fast;
  const $ = load(html);
  const items = fast.length > 0 ? fast : read($, selectors, options);
  if (needsTable(items)) {
    const specs = tableSpecs($, selectors.specTable as string);
    for (const item of items) if (item.specs?.length === 0) item.specs = specs;
  }
  return items;
}

function read($: CheerioAPI, selectors: CrawlerSelectors, options: ParseOptions): CollectedItem[] {
  const jsonLd = fromJsonLd($, options);
  if (jsonLd.length > 0) return jsonLd;
  const microdata = fromMicrodata($, options);
  if (microdata.length > 0) return microdata;
  return fromSelectors($, selectors, options);
}

/** Product page links on a listing page (the job's selector, else schema.org ItemList URLs). */
export function parseListingLinks(html: string, baseUrl: string, selectors: CrawlerSelectors = {}): string[] {
  const $ = load(html);
  const links = new Set<string>();
  const add = (href: string | undefined) => {
    if (!href) return;
    const resolved = URL.parse(href, baseUrl);
    if (resolved && (resolved.protocol === 'http:' || resolved.protocol === 'https:')) {
      resolved.hash = '';
      links.add(resolved.toString());
    }
  };
  if (selectors.productLinks) $(selectors.productLinks).each((_i, element) => add($(element).attr('href')));
  $('script[type="application/ld+json"]').each((_i, element) => {
    try {
      for (const node of jsonLdNodes(JSON.parse($(element).text()))) {
        if (!typesOf(node).includes('ItemList')) continue;
        for (const entry of jsonLdNodes(node.itemListElement)) {
          add(text(entry.url) ?? text((entry.item as Record<string, unknown> | undefined)?.url) ?? undefined);
        }
      }
    } catch {
      // not JSON: no links from it
    }
  });
  return [...links].slice(0, 1000);
}
