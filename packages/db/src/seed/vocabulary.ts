// Demo catalogue vocabularies: the category tree, the shops and, per leaf category, a product
// generator built from brand/model/spec lists. Prices are rough Korean street prices in won.
import { chance, int, pick, type Rng } from './random.ts';

export interface GeneratedProduct {
  name: string;
  brand: string;
  /** the typical price; offers scatter around it */
  basePrice: number;
  unitQuantity: number | null;
  unitLabel: string | null;
  description: string;
}

export interface LeafCategory {
  /** names from the root, e.g. ['가전/디지털', '노트북', '게이밍 노트북'] */
  path: string[];
  /** relative share of the products */
  weight: number;
  make(rng: Rng): GeneratedProduct;
}

const product = (
  brand: string,
  name: string,
  basePrice: number,
  description: string,
  unit?: { quantity: number; label: string },
): GeneratedProduct => ({
  brand,
  name,
  basePrice,
  description,
  unitQuantity: unit?.quantity ?? null,
  unitLabel: unit?.label ?? null,
});

const gamingLaptops = [
  { brand: 'ASUS', line: 'ROG 스트릭스 G16', model: 'G614JV', inch: 16 },
  { brand: 'ASUS', line: 'TUF 게이밍 A15', model: 'FA507NV', inch: 15.6 },
  { brand: '레노버', line: '리전 프로 5i', model: '16IRX9', inch: 16 },
  { brand: 'MSI', line: '카타나 15', model: 'B13VFK', inch: 15.6 },
  { brand: 'MSI', line: '레이더 GE78', model: 'HX 14VHG', inch: 17 },
  { brand: '한성컴퓨터', line: 'TFG', model: 'AX7900', inch: 17.3 },
  { brand: '삼성', line: '갤럭시북4 오디세이', model: 'NT960XGL', inch: 16 },
  { brand: 'LG', line: '울트라기어', model: '17G90Q', inch: 17 },
];
const laptopGpus = [
  { name: 'RTX 4050', price: 1_300_000 },
  { name: 'RTX 4060', price: 1_550_000 },
  { name: 'RTX 4070', price: 2_050_000 },
  { name: 'RTX 4080', price: 3_100_000 },
];
const officeLaptops = [
  { brand: '삼성', line: '갤럭시북4 프로', inches: [14, 16], price: 1_650_000 },
  { brand: 'LG', line: '그램', inches: [14, 15, 16, 17], price: 1_450_000 },
  { brand: 'Apple', line: '맥북 에어', inches: [13, 15], price: 1_390_000 },
  { brand: 'Apple', line: '맥북 프로', inches: [14, 16], price: 2_390_000 },
  { brand: '레노버', line: '씽크패드 X1 카본 Gen12', inches: [14], price: 2_200_000 },
  { brand: 'HP', line: '파빌리온 에어로 13', inches: [13.3], price: 990_000 },
  { brand: 'ASUS', line: '젠북 14 OLED', inches: [14], price: 1_190_000 },
];
const cpus = [
  { brand: '인텔', name: '코어 i5-14400F', price: 215_000 },
  { brand: '인텔', name: '코어 i5-14600K', price: 330_000 },
  { brand: '인텔', name: '코어 i7-14700K', price: 520_000 },
  { brand: '인텔', name: '코어 i9-14900K', price: 720_000 },
  { brand: '인텔', name: '코어 울트라7 265K', price: 560_000 },
  { brand: 'AMD', name: '라이젠5 7600', price: 245_000 },
  { brand: 'AMD', name: '라이젠7 7800X3D', price: 560_000 },
  { brand: 'AMD', name: '라이젠7 9700X', price: 450_000 },
  { brand: 'AMD', name: '라이젠9 7950X', price: 760_000 },
];
const gpuMakers = [
  { brand: 'ASUS', lines: ['DUAL', 'TUF Gaming', 'ROG STRIX'] },
  { brand: 'MSI', lines: ['VENTUS 2X', 'GAMING X SLIM', 'SUPRIM X'] },
  { brand: 'GIGABYTE', lines: ['WINDFORCE', 'EAGLE', 'AORUS MASTER'] },
  { brand: '이엠텍', lines: ['STORM X Dual', 'MIRACLE WHITE'] },
  { brand: 'ZOTAC', lines: ['GAMING Twin Edge', 'AMP Extreme AIRO'] },
  { brand: '갤럭시', lines: ['BOY', 'EX Gamer'] },
];
const gpuChips = [
  { name: '지포스 RTX 4060 D6 8GB', price: 420_000 },
  { name: '지포스 RTX 4060 Ti D6 8GB', price: 560_000 },
  { name: '지포스 RTX 4070 SUPER D6X 12GB', price: 930_000 },
  { name: '지포스 RTX 4070 Ti SUPER D6X 16GB', price: 1_250_000 },
  { name: '지포스 RTX 4080 SUPER D6X 16GB', price: 1_550_000 },
  { name: '지포스 RTX 4090 D6X 24GB', price: 3_200_000 },
  { name: '라데온 RX 7800 XT 16GB', price: 720_000 },
];
const monitors = [
  { brand: 'LG', line: '울트라기어', models: ['27GP850', '27GR95QE', '32GQ950', '34GP63A'] },
  { brand: '삼성', line: '오디세이', models: ['G5 S27CG510', 'G7 S32BG700', 'OLED G8 S34BG850'] },
  { brand: 'DELL', line: '에일리언웨어', models: ['AW2724DM', 'AW3423DWF'] },
  { brand: '주연테크', line: '캐슬', models: ['V27Q-165', 'X32UC-144'] },
  { brand: '크로스오버', line: '', models: ['27QA7 IPS', '32UD5 4K'] },
];
const monitorSpecs = [
  { inch: 24, res: 'FHD', hz: 144, price: 180_000 },
  { inch: 27, res: 'QHD', hz: 165, price: 320_000 },
  { inch: 27, res: 'QHD', hz: 240, price: 520_000 },
  { inch: 32, res: '4K UHD', hz: 144, price: 780_000 },
  { inch: 34, res: 'WQHD', hz: 165, price: 650_000 },
];
const ssds = [
  { brand: '삼성전자', line: '990 PRO', factor: 1.3 },
  { brand: '삼성전자', line: '980 PRO', factor: 1.1 },
  { brand: 'SK하이닉스', line: 'Platinum P41', factor: 1.15 },
  { brand: 'WD', line: 'BLACK SN850X', factor: 1.1 },
  { brand: '마이크론', line: 'Crucial T500', factor: 0.95 },
  { brand: 'Solidigm', line: 'P44 Pro', factor: 1 },
];
const ssdSizes = [
  { size: '500GB', price: 75_000 },
  { size: '1TB', price: 120_000 },
  { size: '2TB', price: 210_000 },
  { size: '4TB', price: 420_000 },
];
const tvs = [
  { brand: '삼성', line: 'Neo QLED', code: 'KQ{in}QND90AFXKR', factor: 1.4 },
  { brand: '삼성', line: '크리스탈 UHD', code: 'KU{in}UD7000FXKR', factor: 0.7 },
  { brand: 'LG', line: '올레드 evo', code: 'OLED{in}C4KNA', factor: 1.5 },
  { brand: 'LG', line: '울트라HD', code: '{in}UT8300ENA', factor: 0.75 },
  { brand: 'TCL', line: 'QD-Mini LED', code: '{in}C855', factor: 0.6 },
  { brand: '샤오미', line: 'TV A Pro', code: 'L{in}MA-SKR', factor: 0.45 },
];
const coffees = [
  { brand: '스타벅스', name: '원두 하우스 블렌드', grams: [250, 1000], pricePerKg: 42_000 },
  { brand: '스타벅스', name: '원두 에스프레소 로스트', grams: [250, 1000], pricePerKg: 44_000 },
  { brand: '커피빈', name: '원두 하우스 블렌드', grams: [340, 1000], pricePerKg: 48_000 },
  { brand: '테라로사', name: '원두 에티오피아 예가체프', grams: [250, 500, 1000], pricePerKg: 70_000 },
  { brand: '맥심', name: '모카골드 커피믹스 12g', sticks: [100, 180, 250], pricePerStick: 120 },
  { brand: '카누', name: '미니 다크로스트 0.9g', sticks: [100, 150, 240], pricePerStick: 190 },
  { brand: '네스카페', name: '수프리모 아메리카노 1.1g', sticks: [100, 200], pricePerStick: 130 },
];
const waters = [
  { brand: '제주', name: '삼다수', ml: [500, 2000], pricePerL: 560 },
  { brand: '롯데칠성', name: '아이시스 8.0', ml: [500, 2000], pricePerL: 480 },
  { brand: '농심', name: '백산수', ml: [500, 2000], pricePerL: 600 },
];
const noodles = [
  { brand: '농심', name: '신라면 120g', pricePerPack: 820 },
  { brand: '오뚜기', name: '진라면 매운맛 120g', pricePerPack: 700 },
  { brand: '삼양', name: '불닭볶음면 140g', pricePerPack: 980 },
  { brand: '농심', name: '짜파게티 140g', pricePerPack: 900 },
];
const diapers = [
  { brand: '하기스', name: '네이처메이드 기저귀', pricePerSheet: 560 },
  { brand: '하기스', name: '맥스드라이 팬티형 기저귀', pricePerSheet: 430 },
  { brand: '팸퍼스', name: '베이비드라이 밴드형 기저귀', pricePerSheet: 380 },
  { brand: '보솜이', name: '천연코튼 팬티형 기저귀', pricePerSheet: 410 },
  { brand: '마미포코', name: '360핏 팬티형 기저귀', pricePerSheet: 330 },
];
const tissues = [
  { brand: '깨끗한나라', name: '순수 3겹 데코 화장지 30m', pricePerRoll: 720 },
  { brand: '크리넥스', name: '3겹 데코앤소프트 화장지 27m', pricePerRoll: 850 },
  { brand: '잘풀리는집', name: '명품 3겹 화장지 30m', pricePerRoll: 650 },
];
const detergents = [
  { brand: '퍼실', name: '파워젤 드럼용 세탁세제', ml: [2700, 4000], pricePerL: 6_200 },
  { brand: '테크', name: '베이킹+구연산 액체세제 일반/드럼겸용', ml: [3000, 5500], pricePerL: 3_600 },
  { brand: '피죤', name: '섬유유연제 레귤러 핑크로즈', ml: [2500, 3100], pricePerL: 2_900 },
  { brand: '다우니', name: '초고농축 섬유유연제 에이프릴 프레쉬', ml: [1000, 2000], pricePerL: 8_500 },
];

export const leafCategories: LeafCategory[] = [
  {
    path: ['가전/디지털', '노트북', '게이밍 노트북'],
    weight: 9,
    make(rng) {
      const base = pick(rng, gamingLaptops);
      const cpu = pick(rng, ['i7-14650HX', 'i9-14900HX', 'i7-13620H', '라이젠7 8845HS', '라이젠9 8945HS']);
      const gpu = pick(rng, laptopGpus);
      const ram = pick(rng, [16, 32, 64]);
      const ssd = pick(rng, ['512GB', '1TB', '2TB']);
      const name = `${base.brand} ${base.line} ${base.model} ${cpu} ${gpu.name} ${ram}GB ${ssd}`;
      const price = gpu.price + (ram - 16) * 6_000 + (ssd === '2TB' ? 180_000 : ssd === '1TB' ? 70_000 : 0);
      return product(base.brand, name, price, `${base.inch}인치 게이밍 노트북, ${cpu}, ${gpu.name}`);
    },
  },
  {
    path: ['가전/디지털', '노트북', '일반 노트북'],
    weight: 9,
    make(rng) {
      const base = pick(rng, officeLaptops);
      const inch = pick(rng, base.inches);
      const cpu =
        base.brand === 'Apple'
          ? pick(rng, ['M3', 'M3 Pro', 'M4', 'M4 Pro'])
          : pick(rng, ['i5', 'i7', '울트라5', '울트라7', '라이젠5', '라이젠7']);
      const ram = pick(rng, [8, 16, 32]);
      const name = `${base.brand === 'Apple' ? '애플' : base.brand} ${base.line} ${inch}인치 ${cpu} ${ram}GB`;
      return product(
        base.brand,
        name,
        base.price + (ram - 8) * 12_000 + (inch - 13) * 40_000,
        `${inch}인치 노트북`,
      );
    },
  },
  {
    path: ['가전/디지털', 'PC부품', 'CPU'],
    weight: 6,
    make(rng) {
      const cpu = pick(rng, cpus);
      const pack = pick(rng, ['정품', '멀티팩', '벌크']);
      const factor = pack === '정품' ? 1.08 : pack === '벌크' ? 0.93 : 1;
      return product(
        cpu.brand,
        `${cpu.brand} ${cpu.name} (${pack})`,
        cpu.price * factor,
        '데스크톱 프로세서',
      );
    },
  },
  {
    path: ['가전/디지털', 'PC부품', '그래픽카드'],
    weight: 8,
    make(rng) {
      const maker = pick(rng, gpuMakers);
      const chip = pick(rng, gpuChips);
      const line = pick(rng, maker.lines);
      const oc = chance(rng, 0.5) ? ' OC' : '';
      return product(
        maker.brand,
        `${maker.brand} ${chip.name} ${line}${oc}`,
        chip.price * (oc ? 1.05 : 1),
        '그래픽카드',
      );
    },
  },
  {
    path: ['가전/디지털', 'PC부품', 'SSD'],
    weight: 6,
    make(rng) {
      const ssd = pick(rng, ssds);
      const size = pick(rng, ssdSizes);
      const heatsink = chance(rng, 0.3) ? ' 히트싱크' : '';
      return product(
        ssd.brand,
        `${ssd.brand} ${ssd.line} M.2 NVMe ${size.size}${heatsink}`,
        size.price * ssd.factor * (heatsink ? 1.1 : 1),
        'M.2 2280 NVMe SSD',
      );
    },
  },
  {
    path: ['가전/디지털', '모니터'],
    weight: 10,
    make(rng) {
      const base = pick(rng, monitors);
      const model = pick(rng, base.models);
      const spec = pick(rng, monitorSpecs);
      const name = `${base.brand} ${base.line ? `${base.line} ` : ''}${model} ${spec.inch}인치 ${spec.res} ${spec.hz}Hz`;
      return product(base.brand, name, spec.price * (base.brand === '크로스오버' ? 0.7 : 1), '게이밍 모니터');
    },
  },
  {
    path: ['가전/디지털', 'TV'],
    weight: 7,
    make(rng) {
      const tv = pick(rng, tvs);
      const inch = pick(rng, [43, 50, 55, 65, 75, 85]);
      const cm = Math.round(inch * 2.54);
      const code = tv.code.replace('{in}', String(inch));
      const name = `${tv.brand} ${tv.line} ${cm}cm(${inch}인치) ${code}`;
      return product(tv.brand, name, (inch * inch * 700 + 200_000) * tv.factor, `${inch}인치 TV, 스탠드형`);
    },
  },
  {
    path: ['식품', '커피'],
    weight: 8,
    make(rng) {
      const coffee = pick(rng, coffees);
      if ('grams' in coffee && coffee.grams) {
        const grams = pick(rng, coffee.grams);
        const label = grams >= 1000 ? `${grams / 1000}kg` : `${grams}g`;
        return product(
          coffee.brand,
          `${coffee.brand} ${coffee.name} ${label}`,
          (coffee.pricePerKg * grams) / 1000,
          '원두커피',
          {
            quantity: grams,
            label: 'g',
          },
        );
      }
      const sticks = pick(rng, coffee.sticks!);
      return product(
        coffee.brand,
        `${coffee.brand} ${coffee.name} ${sticks}개입`,
        coffee.pricePerStick! * sticks,
        '스틱커피',
        {
          quantity: sticks,
          label: '개',
        },
      );
    },
  },
  {
    path: ['식품', '생수'],
    weight: 4,
    make(rng) {
      const water = pick(rng, waters);
      const ml = pick(rng, water.ml);
      const bottles = ml === 500 ? pick(rng, [20, 40, 80]) : pick(rng, [6, 12, 24]);
      const size = ml >= 1000 ? `${ml / 1000}L` : `${ml}ml`;
      return product(
        water.brand,
        `${water.brand} ${water.name} ${size} x ${bottles}병`,
        (water.pricePerL * ml * bottles) / 1000,
        '먹는샘물',
        {
          quantity: ml * bottles,
          label: 'ml',
        },
      );
    },
  },
  {
    path: ['식품', '라면'],
    weight: 4,
    make(rng) {
      const noodle = pick(rng, noodles);
      const packs = pick(rng, [5, 20, 30, 40]);
      return product(
        noodle.brand,
        `${noodle.brand} ${noodle.name} x ${packs}봉`,
        noodle.pricePerPack * packs,
        '봉지라면',
        {
          quantity: packs,
          label: '봉',
        },
      );
    },
  },
  {
    path: ['생활', '기저귀'],
    weight: 8,
    make(rng) {
      const diaper = pick(rng, diapers);
      const stage = int(rng, 1, 6);
      const sheets = pick(rng, [44, 52, 60, 64, 88, 120, 176]);
      const name = `${diaper.brand} ${diaper.name} ${stage}단계 ${sheets}매`;
      return product(
        diaper.brand,
        name,
        diaper.pricePerSheet * sheets * (1 + stage * 0.03),
        '유아용 기저귀',
        {
          quantity: sheets,
          label: '매',
        },
      );
    },
  },
  {
    path: ['생활', '화장지'],
    weight: 5,
    make(rng) {
      const tissue = pick(rng, tissues);
      const rolls = pick(rng, [24, 30, 48, 60]);
      return product(
        tissue.brand,
        `${tissue.brand} ${tissue.name} ${rolls}롤`,
        tissue.pricePerRoll * rolls,
        '두루마리 화장지',
        {
          quantity: rolls,
          label: '롤',
        },
      );
    },
  },
  {
    path: ['생활', '세제'],
    weight: 5,
    make(rng) {
      const detergent = pick(rng, detergents);
      const ml = pick(rng, detergent.ml);
      const bottles = pick(rng, [1, 2, 4]);
      const size = `${ml / 1000}L`;
      const name = `${detergent.brand} ${detergent.name} ${size}${bottles > 1 ? ` x ${bottles}개` : ''}`;
      return product(detergent.brand, name, (detergent.pricePerL * ml * bottles) / 1000, '세탁세제', {
        quantity: ml * bottles,
        label: 'ml',
      });
    },
  },
];

/** 30 shops: name, https URL slug, trust score range. */
export const sellerNames: [name: string, slug: string][] = [
  ['쿠팡', 'coupang'],
  ['11번가', '11st'],
  ['G마켓', 'gmarket'],
  ['옥션', 'auction'],
  ['SSG닷컴', 'ssg'],
  ['롯데ON', 'lotteon'],
  ['위메프', 'wemakeprice'],
  ['티몬', 'tmon'],
  ['인터파크쇼핑', 'interpark'],
  ['네이버 스마트스토어 디지털존', 'smartstore-digitalzone'],
  ['컴퓨존', 'compuzone'],
  ['아이코다', 'icoda'],
  ['조이젠', 'joygen'],
  ['디지털프라자', 'digitalplaza'],
  ['하이마트', 'himart'],
  ['전자랜드', 'etland'],
  ['이마트몰', 'emart'],
  ['홈플러스', 'homeplus'],
  ['마켓컬리', 'kurly'],
  ['GS SHOP', 'gsshop'],
  ['CJ온스타일', 'cjonstyle'],
  ['현대Hmall', 'hmall'],
  ['오늘의집', 'ohou'],
  ['베이비파크몰', 'babypark'],
  ['커피창고', 'coffeewarehouse'],
  ['생활공작소몰', 'lifeworks'],
  ['PC코리아', 'pckorea'],
  ['에누리마켓', 'enurimarket'],
  ['다나와샵', 'danawashop'],
  ['바른컴퓨터', 'bareuncom'],
];
