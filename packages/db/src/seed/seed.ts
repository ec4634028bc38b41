// The demo-data seed. A database tool like the migrations: it writes the catalogue tables
// directly (COPY, one transaction per batch) instead of going through the API's services, and
// computes the products' lowest/highest/average price and seller count itself exactly as the
// prices service does (offers not OUT_OF_STOCK, at live shops).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { seedCars } from './cars.ts';
import { pcPartCategories, pcPartProductId, pcParts, seedPcParts } from './pc-parts.ts';
import {
  chance,
  int,
  mulberry32,
  pick,
  type Rng,
  sample,
  seededId,
  seededIdRange,
  wonRound,
} from './random.ts';
import { leafCategories, sellerNames } from './vocabulary.ts';

export interface SeedOptions {
  /** number of generated products (default 2000); the fixed PC parts come on top */
  products?: number;
  /** PRNG seed (0..65535, default 1): the same seed and size give the same data */
  seed?: number;
  /** delete this seed's rows first */
  reset?: boolean;
  /** products per transaction (default 1000) */
  batchSize?: number;
  /** progress lines; default console.log */
  log?: (line: string) => void;
}

export interface SeedResult {
  status: 'seeded' | 'already-seeded';
  products: number;
  /** the fixed PC parts (with specs, offers and used listings), beside `products` */
  pcParts: number;
  offers: number;
  priceHistory: number;
  categories: number;
  sellers: number;
  milliseconds: number;
  /** category ids by their path of names joined with ' > ' */
  categoryIds: Record<string, number>;
}

const DAY = 86_400_000;

/** The badges a fresh install starts with: AUTO ones name a metric and a threshold, MANUAL ones none. */
const starterBadges = [
  {
    name: 'Review Master',
    description: '리뷰 10개 작성',
    metric: 'review_count',
    threshold: 10,
    rarity: 'RARE',
  },
  { name: 'First Post', description: '첫 게시글 작성', metric: 'post_count', threshold: 1, rarity: 'COMMON' },
  {
    name: 'Loyal Buyer',
    description: '구매 확정 5회',
    metric: 'order_count',
    threshold: 5,
    rarity: 'UNCOMMON',
  },
  {
    name: 'Point Collector',
    description: '포인트 10,000 P 적립',
    metric: 'point_total',
    threshold: 10_000,
    rarity: 'EPIC',
  },
  {
    name: 'Daily Visitor',
    description: '7일 연속 로그인',
    metric: 'login_streak',
    threshold: 7,
    rarity: 'UNCOMMON',
  },
  {
    name: 'Beta Tester',
    description: '베타 테스트 참여 (운영자 수여)',
    metric: null,
    threshold: null,
    rarity: 'LEGENDARY',
  },
] as const;

interface CategoryRow {
  id: number;
  parentId: number | null;
  name: string;
  sortOrder: number;
  path: string;
  key: string;
}

/** The category tree from the leaf paths, with ids fixed by the seed. */
function categoryRows(seed: number): CategoryRow[] {
  const rows = new Map<string, CategoryRow>();
  const order = new Map<string, number>();
  // the PC part categories come last, so the generated catalogue's ids stay as they were
  for (const path of [...leafCategories.map((leaf) => leaf.path), ...pcPartCategories.map((pc) => pc.path)]) {
    for (let depth = 0; depth < path.length; depth++) {
      const key = path.slice(0, depth + 1).join(' > ');
      if (rows.has(key)) continue;
      const parent = depth === 0 ? null : rows.get(path.slice(0, depth).join(' > '))!;
      const parentKey = parent?.key ?? '';
      const sortOrder = order.get(parentKey) ?? 0;
      order.set(parentKey, sortOrder + 1);
      const id = seededId(seed, rows.size);
      rows.set(key, {
        id,
        parentId: parent?.id ?? null,
        name: path[depth]!,
        sortOrder,
        path: parent ? `${parent.path}/${id}` : String(id),
        key,
      });
    }
  }
  return [...rows.values()];
}

function sellerRows(seed: number, rng: Rng) {
  return sellerNames.map(([name, slug], index) => ({
    id: seededId(seed, index),
    name,
    url: `https://www.${slug}.co.kr`,
    description: `${name} 공식 판매처`,
    trustScore: int(rng, 55, 98),
  }));
}

// ---- COPY (text format) ----
type Cell = string | number | null | Date;

function cell(value: Cell): string {
  if (value === null) return '\\N';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return String(value);
  return value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

async function copyRows(tx: postgres.TransactionSql, table: string, columns: string[], rows: Cell[][]) {
  if (rows.length === 0) return;
  const stream = await tx.unsafe(`copy ${table} (${columns.join(', ')}) from stdin`).writable();
  function* chunks() {
    for (let start = 0; start < rows.length; start += 2000) {
      let text = '';
      for (const row of rows.slice(start, start + 2000)) text += `${row.map(cell).join('\t')}\n`;
      yield text;
    }
  }
  await pipeline(Readable.from(chunks()), stream);
}

/** The leaf category for the next product, by weight. */
function leafPicker(rng: Rng) {
  const total = leafCategories.reduce((sum, leaf) => sum + leaf.weight, 0);
  return () => {
    let roll = rng() * total;
    for (const leaf of leafCategories) {
      roll -= leaf.weight;
      if (roll < 0) return leaf;
    }
    return leafCategories[leafCategories.length - 1]!;
  };
}

/**
 * Seeds the demo catalogue. Idempotent: when this seed's root categories exist it does nothing
 * and reports `already-seeded` (with `reset`, it deletes this seed's rows and seeds again).
 */
/** The boards a fresh install starts with (admins add more through /admin/boards). */
const communityBoards = [
  { slug: 'free', name: '자유게시판', description: '자유롭게 이야기를 나누는 곳', sortOrder: 10 },
  { slug: 'reviews', name: '사용기', description: '직접 써 본 제품 이야기', sortOrder: 20 },
  { slug: 'deals', name: '특가 정보', description: '좋은 가격을 함께 나눠요', sortOrder: 30 },
  { slug: 'pc-build', name: 'PC 견적', description: '견적 질문과 조립 후기', sortOrder: 40 },
];

export async function seedDatabase(url: string, options: SeedOptions = {}): Promise<SeedResult> {
  const started = performance.now();
  const total = options.products ?? 2000;
  const seed = options.seed ?? 1;
  const batchSize = options.batchSize ?? 1000;
  const log = options.log ?? console.log;
  const rng = mulberry32(seed);
  const categories = categoryRows(seed);
  const sellers = sellerRows(seed, rng);
  const categoryIds = Object.fromEntries(categories.map((row) => [row.key, row.id]));
  const [productLow, productHigh] = seededIdRange(seed);
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  const empty = {
    products: 0,
    pcParts: 0,
    offers: 0,
    priceHistory: 0,
    categories: categories.length,
    sellers: sellers.length,
  };
  try {
    const rootIds = categories.filter((row) => row.parentId === null).map((row) => row.id);
    if (options.reset) {
      await sql.begin(async (tx) => {
        // offers and price history go with their products (on delete cascade)
        await tx`delete from products where id between ${productLow} and ${productHigh}`;
        await tx`delete from sellers where id in ${tx(sellers.map((row) => row.id))}`;
        for (const row of [...categories].reverse()) await tx`delete from categories where id = ${row.id}`;
      });
      log('seed: deleted the seeded rows (--reset)');
    } else {
      const [marker] = await sql<{ count: number }[]>`
        select count(*)::int as count from categories where id in ${sql(rootIds)}`;
      if ((marker?.count ?? 0) > 0) {
        const pcLow = pcPartProductId(seed, pcParts[0]!.key);
        const [existing] = await sql<{ generated: number; pc: number }[]>`
          select count(*) filter (where id < ${pcLow})::int as generated,
                 count(*) filter (where id >= ${pcLow})::int as pc
          from products where id between ${productLow} and ${productHigh}`;
        return {
          status: 'already-seeded',
          ...empty,
          products: existing?.generated ?? 0,
          pcParts: existing?.pc ?? 0,
          milliseconds: Math.round(performance.now() - started),
          categoryIds,
        };
      }
    }

    await sql.begin(async (tx) => {
      await copyRows(
        tx,
        'categories',
        ['id', 'parent_id', 'name', 'sort_order', 'path'],
        categories.map((row) => [row.id, row.parentId, row.name, row.sortOrder, row.path]),
      );
      await copyRows(
        tx,
        'sellers',
        ['id', 'name', 'url', 'description', 'trust_score'],
        sellers.map((row) => [row.id, row.name, row.url, row.description, row.trustScore]),
      );
      // the community's starting boards; ones an admin already made under these slugs are kept
      for (const board of communityBoards) {
        await tx`insert into boards (slug, name, description, sort_order)
          values (${board.slug}, ${board.name}, ${board.description}, ${board.sortOrder})
          on conflict (slug) do nothing`;
      }
    });

    const nextLeaf = leafPicker(rng);
    const today = new Date();
    today.setUTCHours(0, 0, 0, 0);
    const now = today.getTime();
    // a few hundred history rows per product for small seeds, about ten change points for big ones
    const dailyHistory = total <= 10_000;
    let offerIndex = 0;
    let offerCount = 0;
    let historyCount = 0;

    for (let start = 0; start < total; start += batchSize) {
      const productRows: Cell[][] = [];
      const offerRows: Cell[][] = [];
      const historyRows: Cell[][] = [];
      for (let index = start; index < Math.min(total, start + batchSize); index++) {
        const leaf = nextLeaf();
        const made = leaf.make(rng);
        const productId = seededId(seed, index);
        const createdAt = new Date(
          now - (chance(rng, 0.75) ? int(rng, 366, 420) : int(rng, 20, 365)) * DAY - int(rng, 0, DAY - 1),
        );
        const shops = sample(rng, sellers, int(rng, 2, 12));
        // about 1 in 60 products has every offer out of stock: no lowest price, SOLD_OUT
        const soldOut = chance(rng, 1 / 60);
        const live: { sellerId: number; price: number }[] = [];
        for (const shop of shops) {
          const price = wonRound(made.basePrice * (0.92 + rng() * 0.2));
          const rule = rng() < 0.5 ? 'FREE' : rng() < 0.6 ? 'PAID' : 'FREE_OVER';
          const shippingCost = rule === 'FREE' ? 0 : pick(rng, [2500, 3000, 3500]);
          const threshold = rule === 'FREE_OVER' ? pick(rng, [19_800, 30_000, 50_000]) : null;
          const roll = rng();
          const stock = soldOut || roll < 0.07 ? 'OUT_OF_STOCK' : roll < 0.15 ? 'LOW_STOCK' : 'IN_STOCK';
          if (stock !== 'OUT_OF_STOCK') live.push({ sellerId: shop.id, price });
          const updatedAt = new Date(now - int(rng, 0, 30) * DAY);
          offerRows.push([
            seededId(seed, offerIndex++),
            productId,
            shop.id,
            price,
            rule,
            shippingCost,
            threshold,
            stock,
            // numeric stock from the index, not the random stream, so the other seeded values stay as they were
            stock === 'OUT_OF_STOCK'
              ? 0
              : stock === 'LOW_STOCK'
                ? 1 + (offerIndex % 5)
                : 20 + (offerIndex % 480),
            `${shop.url}/goods/${100000 + index}`,
            createdAt,
            updatedAt,
          ]);
        }
        const lowest = live.length ? Math.min(...live.map((offer) => offer.price)) : null;
        const highest = live.length ? Math.max(...live.map((offer) => offer.price)) : null;
        const average = live.length
          ? Math.round(live.reduce((sum, offer) => sum + offer.price, 0) / live.length)
          : null;
        const reviewCount = chance(rng, 0.3) ? 0 : int(rng, 1, 2000);
        // the product's own list price sits above every offer (those are 0.92-1.12 of the base);
        // every fourth product has a sale price. No random draws: the rest of the data stays as it was.
        const listPrice = wonRound(made.basePrice * 1.15);
        const discountPrice = index % 4 === 0 ? wonRound(listPrice * 0.9) : null;
        productRows.push([
          productId,
          categoryIds[leaf.path.join(' > ')]!,
          made.name,
          made.brand,
          made.description,
          live.length ? 'ON_SALE' : 'SOLD_OUT',
          live.length ? int(rng, 1, 500) : 0,
          listPrice,
          discountPrice,
          made.unitQuantity,
          made.unitLabel,
          lowest,
          highest,
          average,
          live.length,
          int(rng, 0, 50_000),
          reviewCount,
          int(rng, 0, 5000),
          reviewCount ? (3 + rng() * 2).toFixed(2) : '0',
          createdAt,
          new Date(now - int(rng, 0, 30) * DAY),
        ]);

        // the product's lowest price over time: a walk from a higher launch price down to today's
        const end = lowest ?? wonRound(made.basePrice);
        const startPrice = end * (1.05 + rng() * 0.25);
        const firstDay = Math.ceil((createdAt.getTime() - now) / DAY);
        const days: number[] = [];
        if (dailyHistory) {
          for (let day = firstDay; day < 0; day++) if (chance(rng, 0.65)) days.push(day);
        } else {
          for (let point = 0; point < 9; point++) days.push(int(rng, firstDay, -1));
          days.sort((a, b) => a - b);
        }
        days.push(0);
        days.forEach((day, position) => {
          const progress = days.length === 1 ? 1 : position / (days.length - 1);
          const isLast = position === days.length - 1;
          const price = isLast
            ? end
            : wonRound((startPrice + (end - startPrice) * progress) * (0.97 + rng() * 0.06));
          const recordedAt = new Date(now + day * DAY + int(rng, 0, DAY - 1));
          const sellerId =
            isLast && live.length
              ? live.find((offer) => offer.price === lowest)!.sellerId
              : pick(rng, shops).id;
          // the last row is today's state: no live offer means the lowest price is gone (null)
          const productLowest = isLast ? lowest : price;
          historyRows.push([
            productId,
            sellerId,
            productLowest,
            productLowest,
            recordedAt,
            recordedAt,
            recordedAt,
          ]);
        });
      }
      await sql.begin(async (tx) => {
        await copyRows(
          tx,
          'products',
          [
            'id',
            'category_id',
            'name',
            'brand',
            'description',
            'status',
            'stock',
            'price',
            'discount_price',
            'unit_quantity',
            'unit_label',
            'lowest_price',
            'highest_price',
            'average_price',
            'seller_count',
            'view_count',
            'review_count',
            'sales_count',
            'average_rating',
            'created_at',
            'updated_at',
          ],
          productRows,
        );
        await copyRows(
          tx,
          'offers',
          [
            'id',
            'product_id',
            'seller_id',
            'price',
            'shipping_rule',
            'shipping_cost',
            'free_shipping_threshold',
            'stock_state',
            'stock',
            'url',
            'created_at',
            'updated_at',
          ],
          offerRows,
        );
        await copyRows(
          tx,
          'price_history',
          [
            'product_id',
            'seller_id',
            'price',
            'product_lowest_price',
            'recorded_at',
            'created_at',
            'updated_at',
          ],
          historyRows,
        );
      });
      offerCount += offerRows.length;
      historyCount += historyRows.length;
      log(`seed: ${Math.min(total, start + batchSize)}/${total} products`);
    }
    const pc = await seedPcParts(sql, { seed, now, sellers, categoryIds, copyRows });
    log(
      `seed: ${pc.products} PC parts with specs, offers and used listings; the default compatibility rules`,
    );
    // the starting badges; one an admin already made under the same name (any case) is kept
    for (const badge of starterBadges) {
      await sql`insert into badges (name, description, type, metric, threshold, rarity)
        values (${badge.name}, ${badge.description}, ${badge.metric ? 'AUTO' : 'MANUAL'},
                ${badge.metric}, ${badge.threshold}, ${badge.rarity})
        on conflict ((lower(name))) do nothing`;
    }
    // the auto vertical: car models, trims, options, lease offers and the car tax rates
    await seedCars(sql);
    return {
      status: 'seeded',
      products: total,
      pcParts: pc.products,
      offers: offerCount,
      priceHistory: historyCount,
      categories: categories.length,
      sellers: sellers.length,
      milliseconds: Math.round(performance.now() - started),
      categoryIds,
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
