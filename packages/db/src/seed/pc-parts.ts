// The PC parts of the demo catalogue: a fixed list (no random draws, so the rest of the seeded data
// stays as it was) of real-world parts with the spec values the PC builder's compatibility rules
// read, several per part type and some deliberately incompatible with each other (AM4/AM5/LGA1700
// sockets, DDR4/DDR5, Mini-ITX cases too small for long cards), their offers at PC shops, a short
// price history, used-market listings from the seed's listing source, and the default rules.
import type postgres from 'postgres';
import { pcPartUsedShare } from '../pc-part-used-share.ts';
import type { PcPartType } from '../schema/verticals.ts';
import { mulberry32, seededId, wonRound } from './random.ts';

type SpecValue = string | number;

export interface PcPart {
  /** stable handle for tests and benches (`pcPartProductId`) */
  key: string;
  type: PcPartType;
  brand: string;
  name: string;
  /** typical street price in won; offers sit at 100/103/106 % of it */
  price: number;
  specs: Record<string, SpecValue>;
}

interface SpecDefinition {
  key: string;
  name: string;
  type: 'NUMBER' | 'SELECT' | 'TEXT';
  unit?: string;
  direction?: 'HIGHER_IS_BETTER' | 'LOWER_IS_BETTER';
}

const partTypeSpec: SpecDefinition = { key: 'pc_part_type', name: '부품 종류', type: 'SELECT' };
const power: SpecDefinition = { key: 'power_draw_w', name: '소비전력', type: 'NUMBER', unit: 'W' };
const tier: SpecDefinition = {
  key: 'performance_tier',
  name: '성능 등급',
  type: 'NUMBER',
  direction: 'HIGHER_IS_BETTER',
};
const socket: SpecDefinition = { key: 'socket', name: '소켓', type: 'SELECT' };
const memoryType: SpecDefinition = { key: 'memory_type', name: '메모리 규격', type: 'SELECT' };

/** The PC part categories (under 가전/디지털 > PC부품, monitors at their own leaf) and their specs. */
export const pcPartCategories: { type: PcPartType; path: string[]; specs: SpecDefinition[] }[] = [
  { type: 'CPU', path: ['가전/디지털', 'PC부품', 'CPU'], specs: [socket, power, tier] },
  {
    type: 'MOTHERBOARD',
    path: ['가전/디지털', 'PC부품', '메인보드'],
    specs: [
      socket,
      memoryType,
      { key: 'memory_slots', name: '메모리 슬롯', type: 'NUMBER', unit: '개' },
      { key: 'form_factor', name: '폼팩터', type: 'SELECT' },
      power,
    ],
  },
  {
    type: 'RAM',
    path: ['가전/디지털', 'PC부품', '메모리'],
    specs: [memoryType, { key: 'modules', name: '모듈 수', type: 'NUMBER', unit: '개' }, power],
  },
  {
    type: 'GPU',
    path: ['가전/디지털', 'PC부품', '그래픽카드'],
    specs: [{ key: 'length_mm', name: '길이', type: 'NUMBER', unit: 'mm' }, power, tier],
  },
  { type: 'SSD', path: ['가전/디지털', 'PC부품', 'SSD'], specs: [power] },
  { type: 'HDD', path: ['가전/디지털', 'PC부품', 'HDD'], specs: [power] },
  {
    type: 'PSU',
    path: ['가전/디지털', 'PC부품', '파워서플라이'],
    specs: [{ key: 'wattage', name: '정격출력', type: 'NUMBER', unit: 'W', direction: 'HIGHER_IS_BETTER' }],
  },
  {
    type: 'CASE',
    path: ['가전/디지털', 'PC부품', '케이스'],
    specs: [
      { key: 'supported_form_factors', name: '지원 보드', type: 'TEXT' },
      { key: 'max_gpu_length_mm', name: 'VGA 장착 길이', type: 'NUMBER', unit: 'mm' },
      { key: 'max_cooler_height_mm', name: 'CPU쿨러 장착 높이', type: 'NUMBER', unit: 'mm' },
    ],
  },
  {
    type: 'COOLER',
    path: ['가전/디지털', 'PC부품', 'CPU쿨러'],
    specs: [{ key: 'height_mm', name: '높이', type: 'NUMBER', unit: 'mm' }, power],
  },
  { type: 'MONITOR', path: ['가전/디지털', '모니터'], specs: [] },
];

const part = (
  key: string,
  type: PcPartType,
  brand: string,
  name: string,
  price: number,
  specs: Record<string, SpecValue>,
): PcPart => ({ key, type, brand, name, price, specs });

export const pcParts: PcPart[] = [
  part('cpu-r5-7600', 'CPU', 'AMD', 'AMD 라이젠5 7600 (라파엘)', 259_000, {
    socket: 'AM5',
    power_draw_w: 65,
    performance_tier: 6,
  }),
  part('cpu-r7-7800x3d', 'CPU', 'AMD', 'AMD 라이젠7 7800X3D (라파엘)', 519_000, {
    socket: 'AM5',
    power_draw_w: 120,
    performance_tier: 9,
  }),
  part('cpu-r9-7950x', 'CPU', 'AMD', 'AMD 라이젠9 7950X (라파엘)', 789_000, {
    socket: 'AM5',
    power_draw_w: 170,
    performance_tier: 10,
  }),
  part('cpu-r5-5600', 'CPU', 'AMD', 'AMD 라이젠5 5600 (버미어)', 129_000, {
    socket: 'AM4',
    power_draw_w: 65,
    performance_tier: 4,
  }),
  part('cpu-i5-14400f', 'CPU', 'Intel', '인텔 코어i5-14세대 14400F (랩터레이크 리프레시)', 239_000, {
    socket: 'LGA1700',
    power_draw_w: 148,
    performance_tier: 6,
  }),
  part('cpu-i7-14700k', 'CPU', 'Intel', '인텔 코어i7-14세대 14700K (랩터레이크 리프레시)', 539_000, {
    socket: 'LGA1700',
    power_draw_w: 253,
    performance_tier: 9,
  }),
  part('mb-b650-tuf', 'MOTHERBOARD', 'ASUS', 'ASUS TUF Gaming B650-PLUS', 289_000, {
    socket: 'AM5',
    memory_type: 'DDR5',
    memory_slots: 4,
    form_factor: 'ATX',
    power_draw_w: 50,
  }),
  part('mb-b650m-mortar', 'MOTHERBOARD', 'MSI', 'MSI MAG B650M 박격포 WIFI', 259_000, {
    socket: 'AM5',
    memory_type: 'DDR5',
    memory_slots: 4,
    form_factor: 'Micro-ATX',
    power_draw_w: 45,
  }),
  part('mb-b650i-aorus', 'MOTHERBOARD', 'GIGABYTE', 'GIGABYTE B650I AORUS ULTRA', 339_000, {
    socket: 'AM5',
    memory_type: 'DDR5',
    memory_slots: 2,
    form_factor: 'Mini-ITX',
    power_draw_w: 40,
  }),
  part('mb-b760m-ddr4', 'MOTHERBOARD', 'ASRock', 'ASRock B760M Pro RS D4', 139_000, {
    socket: 'LGA1700',
    memory_type: 'DDR4',
    memory_slots: 4,
    form_factor: 'Micro-ATX',
    power_draw_w: 40,
  }),
  part('mb-b550m-prime', 'MOTHERBOARD', 'ASUS', 'ASUS PRIME B550M-A', 119_000, {
    socket: 'AM4',
    memory_type: 'DDR4',
    memory_slots: 4,
    form_factor: 'Micro-ATX',
    power_draw_w: 40,
  }),
  part('ram-ddr5-32-2x16', 'RAM', '삼성전자', '삼성전자 DDR5-5600 (16GB x2)', 109_000, {
    memory_type: 'DDR5',
    modules: 2,
    power_draw_w: 10,
  }),
  part('ram-ddr5-64-2x32', 'RAM', 'G.SKILL', 'G.SKILL DDR5-6000 CL30 TRIDENT Z5 RGB (32GB x2)', 249_000, {
    memory_type: 'DDR5',
    modules: 2,
    power_draw_w: 12,
  }),
  part('ram-ddr5-64-4x16', 'RAM', 'CORSAIR', 'CORSAIR DDR5-5600 VENGEANCE (16GB x4)', 229_000, {
    memory_type: 'DDR5',
    modules: 4,
    power_draw_w: 20,
  }),
  part('ram-ddr4-32-2x16', 'RAM', '삼성전자', '삼성전자 DDR4-3200 (16GB x2)', 69_000, {
    memory_type: 'DDR4',
    modules: 2,
    power_draw_w: 8,
  }),
  part('gpu-4060', 'GPU', 'MSI', 'MSI 지포스 RTX 4060 벤투스 2X 블랙 OC D6 8GB', 409_000, {
    length_mm: 199,
    power_draw_w: 115,
    performance_tier: 5,
  }),
  part('gpu-4070s', 'GPU', 'GIGABYTE', 'GIGABYTE 지포스 RTX 4070 SUPER WINDFORCE OC D6X 12GB', 849_000, {
    length_mm: 261,
    power_draw_w: 220,
    performance_tier: 7,
  }),
  part('gpu-7800xt', 'GPU', 'SAPPHIRE', 'SAPPHIRE 라데온 RX 7800 XT PULSE D6 16GB', 689_000, {
    length_mm: 280,
    power_draw_w: 263,
    performance_tier: 7,
  }),
  part('gpu-4080s', 'GPU', 'ASUS', 'ASUS TUF Gaming 지포스 RTX 4080 SUPER OC D6X 16GB', 1_590_000, {
    length_mm: 348,
    power_draw_w: 320,
    performance_tier: 9,
  }),
  part('gpu-4090', 'GPU', 'ZOTAC', 'ZOTAC GAMING 지포스 RTX 4090 AMP Extreme AIRO D6X 24GB', 2_990_000, {
    length_mm: 356,
    power_draw_w: 450,
    performance_tier: 10,
  }),
  part('ssd-990pro-2tb', 'SSD', '삼성전자', '삼성전자 990 PRO M.2 NVMe 2TB', 239_000, { power_draw_w: 8 }),
  part('ssd-sn850x-1tb', 'SSD', 'Western Digital', 'WD BLACK SN850X M.2 NVMe 1TB', 119_000, {
    power_draw_w: 7,
  }),
  part('hdd-barracuda-2tb', 'HDD', 'Seagate', 'Seagate BarraCuda 7200/256M (ST2000DM008, 2TB)', 79_000, {
    power_draw_w: 6,
  }),
  part('hdd-wd-blue-4tb', 'HDD', 'Western Digital', 'WD BLUE 5400/256M (WD40EZAX, 4TB)', 119_000, {
    power_draw_w: 5,
  }),
  part('psu-500', 'PSU', '마이크로닉스', '마이크로닉스 Classic II 500W 80PLUS 230V EU', 49_000, {
    wattage: 500,
  }),
  part('psu-750', 'PSU', 'SuperFlower', 'SuperFlower SF-750F14XG LEADEX VII GOLD', 139_000, { wattage: 750 }),
  part('psu-850', 'PSU', 'Seasonic', 'Seasonic FOCUS GX-850 Gold Full Modular', 169_000, { wattage: 850 }),
  part('psu-1000', 'PSU', 'CORSAIR', 'CORSAIR RM1000x SHIFT 80PLUS Gold', 259_000, { wattage: 1000 }),
  part('case-north', 'CASE', 'Fractal Design', 'Fractal Design North 차콜 블랙', 189_000, {
    supported_form_factors: 'ATX,Micro-ATX,Mini-ITX',
    max_gpu_length_mm: 355,
    max_cooler_height_mm: 170,
  }),
  part('case-o11-evo', 'CASE', 'Lian Li', 'Lian Li O11 Dynamic EVO', 219_000, {
    supported_form_factors: 'E-ATX,ATX,Micro-ATX,Mini-ITX',
    max_gpu_length_mm: 426,
    max_cooler_height_mm: 167,
  }),
  part('case-h5-flow', 'CASE', 'NZXT', 'NZXT H5 Flow', 129_000, {
    supported_form_factors: 'ATX,Micro-ATX,Mini-ITX',
    max_gpu_length_mm: 365,
    max_cooler_height_mm: 165,
  }),
  part('case-nr200p', 'CASE', 'COOLER MASTER', '쿨러마스터 MasterBox NR200P', 129_000, {
    supported_form_factors: 'Mini-ITX',
    max_gpu_length_mm: 330,
    max_cooler_height_mm: 155,
  }),
  part('case-matx-mini', 'CASE', 'ABKO', '앱코 SUITMASTER 321G 미니', 39_000, {
    supported_form_factors: 'Micro-ATX,Mini-ITX',
    max_gpu_length_mm: 270,
    max_cooler_height_mm: 150,
  }),
  part('cooler-pa120', 'COOLER', 'Thermalright', 'Thermalright Peerless Assassin 120 SE', 49_000, {
    height_mm: 155,
    power_draw_w: 5,
  }),
  part('cooler-ak620', 'COOLER', 'DEEPCOOL', 'DEEPCOOL AK620 DIGITAL', 89_000, {
    height_mm: 162,
    power_draw_w: 6,
  }),
  part('cooler-nh-d15', 'COOLER', 'Noctua', 'Noctua NH-D15 chromax.black', 169_000, {
    height_mm: 165,
    power_draw_w: 6,
  }),
  part('cooler-darkrock5', 'COOLER', 'be quiet!', 'be quiet! DARK ROCK PRO 5', 139_000, {
    height_mm: 168,
    power_draw_w: 6,
  }),
  part('monitor-27gr83q', 'MONITOR', 'LG전자', 'LG전자 울트라기어 27GR83Q 27인치 QHD 240Hz', 449_000, {}),
  part(
    'monitor-odyssey-g5',
    'MONITOR',
    '삼성전자',
    '삼성전자 오디세이 G5 S27CG510 27인치 QHD 165Hz',
    259_000,
    {},
  ),
];

/**
 * The compatibility rules a fresh install starts with (admins edit them through
 * `/admin/compatibility-rules`). Each compares a spec of one part type with a spec of another; the
 * power rule checks the PSU against the parts' summed draw plus 30 % headroom (load spikes of modern
 * GPUs and the PSU's efficiency sweet spot around half to two thirds load), as a warning.
 */
export const defaultCompatibilityRules = [
  {
    name: 'CPU 소켓 ↔ 메인보드 소켓',
    description: 'CPU와 메인보드의 소켓이 같아야 장착할 수 있습니다.',
    sourcePartType: 'CPU',
    sourceSpec: 'socket',
    targetPartType: 'MOTHERBOARD',
    targetSpec: 'socket',
    operator: 'EQUALS',
    params: { level: 'HIGH' },
    severity: 'ERROR',
  },
  {
    name: '메모리 규격 ↔ 메인보드',
    description: '메모리 규격(DDR4/DDR5)이 메인보드가 지원하는 규격과 같아야 합니다.',
    sourcePartType: 'RAM',
    sourceSpec: 'memory_type',
    targetPartType: 'MOTHERBOARD',
    targetSpec: 'memory_type',
    operator: 'EQUALS',
    params: { level: 'HIGH' },
    severity: 'ERROR',
  },
  {
    name: '메모리 모듈 수 ≤ 메인보드 슬롯',
    description: '메모리 모듈 수의 합이 메인보드의 메모리 슬롯 수를 넘으면 안 됩니다.',
    sourcePartType: 'RAM',
    sourceSpec: 'modules',
    targetPartType: 'MOTHERBOARD',
    targetSpec: 'memory_slots',
    operator: 'COUNT_LTE',
    params: { level: 'HIGH' },
    severity: 'ERROR',
  },
  {
    name: '메인보드 폼팩터 ↔ 케이스',
    description: '케이스가 메인보드의 폼팩터를 지원해야 합니다.',
    sourcePartType: 'MOTHERBOARD',
    sourceSpec: 'form_factor',
    targetPartType: 'CASE',
    targetSpec: 'supported_form_factors',
    operator: 'ONE_OF',
    params: { level: 'HIGH' },
    severity: 'ERROR',
  },
  {
    name: '그래픽카드 길이 ≤ 케이스 VGA 장착 길이',
    description: '그래픽카드가 케이스의 VGA 장착 길이보다 길면 들어가지 않습니다.',
    sourcePartType: 'GPU',
    sourceSpec: 'length_mm',
    targetPartType: 'CASE',
    targetSpec: 'max_gpu_length_mm',
    operator: 'LTE',
    params: { level: 'HIGH' },
    severity: 'ERROR',
  },
  {
    name: 'CPU쿨러 높이 ≤ 케이스 쿨러 장착 높이',
    description: 'CPU쿨러가 케이스의 쿨러 장착 높이보다 높으면 옆판이 닫히지 않습니다.',
    sourcePartType: 'COOLER',
    sourceSpec: 'height_mm',
    targetPartType: 'CASE',
    targetSpec: 'max_cooler_height_mm',
    operator: 'LTE',
    params: { level: 'HIGH' },
    severity: 'ERROR',
  },
  {
    name: '파워 용량 여유',
    description: '파워 정격출력이 부품 소비전력 합계의 130 % 이상이어야 안정적입니다.',
    sourcePartType: 'PSU',
    sourceSpec: 'wattage',
    targetPartType: null,
    targetSpec: null,
    operator: 'POWER_HEADROOM',
    params: { level: 'MEDIUM', powerSpec: 'power_draw_w', headroomPercent: 30 },
    severity: 'WARNING',
  },
] as const;

/** Seeded PC parts take their ids from this offset of the seed's block, away from the generated products. */
const PC_PART_INDEX = 900_000_000;
const OFFERS_PER_PART = 3;
/** PC shops of the seed's seller list that carry the parts */
const pcShops = ['컴퓨존', '아이코다', 'PC코리아', '다나와샵', '바른컴퓨터', '조이젠'];
const DAY = 86_400_000;

export function pcPartProductId(seed: number, key: string): number {
  const index = pcParts.findIndex((candidate) => candidate.key === key);
  if (index < 0) throw new Error(`no seeded PC part ${key}`);
  return seededId(seed, PC_PART_INDEX + index);
}

/** One used listing as a source delivers it (a marketplace feed, a crawler, this seed). */
export interface UsedListing {
  /** the source's name (`used_listings.source`) */
  source: string;
  /** the source's own id of the listing: a second delivery of it updates the row */
  externalId: string;
  productId: number;
  /** KRW, asking price (or the sale price once sold) */
  price: number;
  /** S (like new), A, B, C */
  condition: 'S' | 'A' | 'B' | 'C';
  listedAt: Date;
  soldAt: Date | null;
}

/**
 * The seed's used-listing source: 12 listings per part over the last 180 days, priced at the part's
 * used share with a slow decline over time and a spread by condition. Its own PRNG stream, so the
 * rest of the seeded data does not depend on it.
 */
export function* seedUsedListings(seed: number, now: number): Generator<UsedListing> {
  const rng = mulberry32(seed + 7919);
  const conditionFactor = { S: 1.08, A: 1, B: 0.9, C: 0.78 } as const;
  const conditions = ['S', 'A', 'B', 'C'] as const;
  for (const [index, item] of pcParts.entries()) {
    const productId = seededId(seed, PC_PART_INDEX + index);
    for (let listing = 0; listing < 12; listing++) {
      const daysAgo = 5 + listing * 15;
      const condition = conditions[listing % conditions.length]!;
      // prices drift down about 1 % a month as the part ages
      const age = 1 + (daysAgo / 30) * 0.01;
      const price = wonRound(
        item.price * pcPartUsedShare[item.type] * conditionFactor[condition] * age * (0.95 + rng() * 0.1),
      );
      const listedAt = new Date(now - daysAgo * DAY - Math.floor(rng() * DAY));
      yield {
        source: 'seed',
        externalId: `seed${seed}-${item.key}-${listing}`,
        productId,
        price,
        condition,
        listedAt,
        soldAt: listing % 3 === 0 ? null : new Date(listedAt.getTime() + (1 + (listing % 5)) * DAY),
      };
    }
  }
}

type Cell = string | number | null | Date;

interface PcSeedContext {
  seed: number;
  now: number;
  sellers: { id: number; name: string }[];
  categoryIds: Record<string, number>;
  copyRows(tx: postgres.TransactionSql, table: string, columns: string[], rows: Cell[][]): Promise<void>;
}

/** Writes the PC parts (specs, offers, history, used listings) and the default compatibility rules. */
export async function seedPcParts(sql: postgres.Sql, context: PcSeedContext): Promise<{ products: number }> {
  const { seed, now, sellers, categoryIds, copyRows } = context;
  const shops = pcShops.map((name) => sellers.find((seller) => seller.name === name)!);
  await sql.begin(async (tx) => {
    const definitionIds = new Map<string, number>();
    for (const category of pcPartCategories) {
      const categoryId = categoryIds[category.path.join(' > ')]!;
      for (const [order, spec] of [partTypeSpec, ...category.specs].entries()) {
        const options = spec.key === 'pc_part_type' ? tx.json([category.type]) : null;
        const [row] = await tx<{ id: number }[]>`
          insert into spec_definitions (category_id, key, name, type, unit, options, direction, sort_order)
          values (${categoryId}, ${spec.key}, ${spec.name}, ${spec.type}, ${spec.unit ?? null},
                  ${options}, ${spec.direction ?? 'NONE'}, ${order})
          on conflict (category_id, key) do update set name = excluded.name
          returning id`;
        definitionIds.set(`${category.type}:${spec.key}`, Number(row!.id));
      }
    }

    const products: Cell[][] = [];
    const offers: Cell[][] = [];
    const history: Cell[][] = [];
    const specValues: Cell[][] = [];
    const createdAt = new Date(now - 200 * DAY);
    for (const [index, item] of pcParts.entries()) {
      const productId = seededId(seed, PC_PART_INDEX + index);
      const category = pcPartCategories.find((candidate) => candidate.type === item.type)!;
      const prices = Array.from({ length: OFFERS_PER_PART }, (_, k) => wonRound(item.price * (1 + k * 0.03)));
      products.push([
        productId,
        categoryIds[category.path.join(' > ')]!,
        item.name,
        item.brand,
        `${item.brand} ${item.type === 'MONITOR' ? '모니터' : 'PC 부품'}`,
        'ON_SALE',
        300,
        wonRound(item.price * 1.15),
        prices[0]!,
        prices[prices.length - 1]!,
        Math.round(prices.reduce((sum, price) => sum + price, 0) / prices.length),
        prices.length,
        createdAt,
        createdAt,
      ]);
      prices.forEach((price, k) => {
        const shop = shops[(index + k * 2) % shops.length]!;
        offers.push([
          seededId(seed, PC_PART_INDEX + index * OFFERS_PER_PART + k),
          productId,
          shop.id,
          price,
          'FREE',
          0,
          'IN_STOCK',
          100,
          `https://pc.example.com/${shop.id}/${item.key}`,
          createdAt,
          createdAt,
        ]);
      });
      const launched = new Date(now - 30 * DAY);
      const today = new Date(now);
      history.push([productId, shops[index % shops.length]!.id, wonRound(item.price * 1.08), launched]);
      history.push([productId, shops[index % shops.length]!.id, prices[0]!, today]);
      for (const spec of [partTypeSpec, ...category.specs]) {
        const value = spec.key === 'pc_part_type' ? item.type : item.specs[spec.key];
        if (value === undefined) continue;
        specValues.push([
          productId,
          definitionIds.get(`${item.type}:${spec.key}`)!,
          typeof value === 'number' ? null : value,
          typeof value === 'number' ? value : null,
        ]);
      }
    }
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
        'lowest_price',
        'highest_price',
        'average_price',
        'seller_count',
        'created_at',
        'updated_at',
      ],
      products,
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
        'stock_state',
        'stock',
        'url',
        'created_at',
        'updated_at',
      ],
      offers,
    );
    await copyRows(
      tx,
      'price_history',
      ['product_id', 'seller_id', 'price', 'product_lowest_price', 'recorded_at'],
      history.map(([productId, sellerId, price, at]) => [productId!, sellerId!, price!, price!, at!]),
    );
    await copyRows(
      tx,
      'product_spec_values',
      ['product_id', 'spec_definition_id', 'text_value', 'number_value'],
      specValues,
    );
    await copyRows(
      tx,
      'used_listings',
      ['product_id', 'source', 'external_id', 'price', 'condition', 'listed_at', 'sold_at'],
      [...seedUsedListings(seed, now)].map((listing) => [
        listing.productId,
        listing.source,
        listing.externalId,
        listing.price,
        listing.condition,
        listing.listedAt,
        listing.soldAt,
      ]),
    );
    // the default rules; one an admin already made under the same name is kept
    for (const rule of defaultCompatibilityRules) {
      await tx`insert into compatibility_rules
          (name, description, source_part_type, source_spec, target_part_type, target_spec,
           operator, params, severity, message)
        values (${rule.name}, ${rule.description}, ${rule.sourcePartType}, ${rule.sourceSpec},
                ${rule.targetPartType}, ${rule.targetSpec}, ${rule.operator}, ${tx.json(rule.params)},
                ${rule.severity}, ${rule.description})
        on conflict (name) do nothing`;
    }
  });
  return { products: pcParts.length };
}
