// The auto vertical's demo data: a few car models with trims, options and rent/lease offers, and
// the Korean taxes on a passenger car purchase with their legal source and period. Prices are
// factory prices (before consumption tax, education tax and VAT), in KRW. Idempotent: rows are
// keyed by their natural keys, so a second run (or --reset) adds nothing.
import type postgres from 'postgres';

interface CarSeed {
  brand: string;
  name: string;
  type: string;
  fuelType: string;
  releaseYear: number;
  trims: {
    name: string;
    basePrice: number;
    engineDisplacementCc: number | null;
    options: [string, number][];
  }[];
  offers: {
    provider: string;
    offerType: 'RENT' | 'LEASE';
    monthlyPayment: number;
    termMonths: number;
    deposit: number;
    annualMileageKm: number;
  }[];
}

const cars: CarSeed[] = [
  {
    brand: '현대',
    name: '아반떼',
    type: 'SEDAN',
    fuelType: 'GASOLINE',
    releaseYear: 2025,
    trims: [
      {
        name: '1.6 스마트',
        basePrice: 17_690_000,
        engineDisplacementCc: 1598,
        options: [
          ['현대 스마트센스', 690_000],
          ['컴포트', 450_000],
        ],
      },
      {
        name: '1.6 모던',
        basePrice: 19_520_000,
        engineDisplacementCc: 1598,
        options: [
          ['현대 스마트센스', 690_000],
          ['선루프', 390_000],
          ['내비게이션', 870_000],
        ],
      },
      {
        name: '1.6 인스퍼레이션',
        basePrice: 23_470_000,
        engineDisplacementCc: 1598,
        options: [
          ['선루프', 390_000],
          ['빌트인 캠', 390_000],
        ],
      },
    ],
    offers: [
      {
        provider: '현대캐피탈',
        offerType: 'LEASE',
        monthlyPayment: 389_000,
        termMonths: 48,
        deposit: 6_000_000,
        annualMileageKm: 20_000,
      },
      {
        provider: 'SK렌터카',
        offerType: 'RENT',
        monthlyPayment: 452_000,
        termMonths: 36,
        deposit: 0,
        annualMileageKm: 30_000,
      },
      {
        provider: '롯데렌터카',
        offerType: 'RENT',
        monthlyPayment: 418_000,
        termMonths: 48,
        deposit: 2_000_000,
        annualMileageKm: 20_000,
      },
    ],
  },
  {
    brand: '기아',
    name: '쏘렌토',
    type: 'SUV',
    fuelType: 'HYBRID',
    releaseYear: 2025,
    trims: [
      {
        name: '1.6T 하이브리드 프레스티지',
        basePrice: 32_600_000,
        engineDisplacementCc: 1598,
        options: [
          ['드라이브 와이즈', 1_120_000],
          ['파노라마 선루프', 1_030_000],
        ],
      },
      {
        name: '1.6T 하이브리드 노블레스',
        basePrice: 35_500_000,
        engineDisplacementCc: 1598,
        options: [
          ['파노라마 선루프', 1_030_000],
          ['KRELL 사운드', 650_000],
          ['6인승', 690_000],
        ],
      },
      {
        name: '1.6T 하이브리드 시그니처',
        basePrice: 38_300_000,
        engineDisplacementCc: 1598,
        options: [
          ['파노라마 선루프', 1_030_000],
          ['HUD 패키지', 1_120_000],
        ],
      },
    ],
    offers: [
      {
        provider: 'KB캐피탈',
        offerType: 'LEASE',
        monthlyPayment: 612_000,
        termMonths: 60,
        deposit: 9_000_000,
        annualMileageKm: 20_000,
      },
      {
        provider: 'SK렌터카',
        offerType: 'RENT',
        monthlyPayment: 739_000,
        termMonths: 48,
        deposit: 0,
        annualMileageKm: 30_000,
      },
    ],
  },
  {
    brand: '현대',
    name: '아이오닉 5',
    type: 'EV',
    fuelType: 'EV',
    releaseYear: 2025,
    trims: [
      {
        name: 'E-Lite 2WD',
        basePrice: 40_600_000,
        engineDisplacementCc: null,
        options: [
          ['빌트인 캠 2', 400_000],
          ['컨비니언스', 900_000],
        ],
      },
      {
        name: '익스클루시브',
        basePrice: 44_200_000,
        engineDisplacementCc: null,
        options: [
          ['비전 루프', 1_150_000],
          ['HTRAC 사륜구동', 2_750_000],
        ],
      },
      {
        name: '프레스티지',
        basePrice: 48_100_000,
        engineDisplacementCc: null,
        options: [
          ['비전 루프', 1_150_000],
          ['HTRAC 사륜구동', 2_750_000],
          ['디지털 사이드 미러', 1_300_000],
        ],
      },
    ],
    offers: [
      {
        provider: '현대캐피탈',
        offerType: 'LEASE',
        monthlyPayment: 529_000,
        termMonths: 48,
        deposit: 10_000_000,
        annualMileageKm: 20_000,
      },
      {
        provider: '롯데렌터카',
        offerType: 'RENT',
        monthlyPayment: 688_000,
        termMonths: 48,
        deposit: 0,
        annualMileageKm: 20_000,
      },
    ],
  },
  {
    brand: '제네시스',
    name: 'G80',
    type: 'SEDAN',
    fuelType: 'GASOLINE',
    releaseYear: 2025,
    trims: [
      {
        name: '2.5 터보 2WD',
        basePrice: 49_700_000,
        engineDisplacementCc: 2497,
        options: [
          ['파퓰러 패키지', 2_100_000],
          ['뱅앤올룹슨 사운드', 1_500_000],
        ],
      },
      {
        name: '3.5 터보 AWD',
        basePrice: 56_800_000,
        engineDisplacementCc: 3470,
        options: [
          ['파퓰러 패키지', 2_100_000],
          ['뱅앤올룹슨 사운드', 1_500_000],
          ['드라이빙 어시스턴스 패키지 2', 1_300_000],
        ],
      },
    ],
    offers: [
      {
        provider: '현대캐피탈',
        offerType: 'LEASE',
        monthlyPayment: 879_000,
        termMonths: 48,
        deposit: 17_000_000,
        annualMileageKm: 20_000,
      },
      {
        provider: 'KB캐피탈',
        offerType: 'LEASE',
        monthlyPayment: 842_000,
        termMonths: 60,
        deposit: 17_000_000,
        annualMileageKm: 15_000,
      },
    ],
  },
];

/**
 * The taxes on a passenger car purchase. The consumption tax's temporary reductions (탄력세율) are
 * rows of their own with an end date: on a day inside one, it wins over the standing 5 % (the
 * latest `valid_from` whose period holds the day). Not modelled: the reductions' caps (1,000,000
 * KRW of consumption tax), the 18 % standard sales ratio (기준판매비율) of domestic cars since
 * 2023-07, the EV and hybrid reductions, and light cars (경차) and commercial vehicles.
 */
const taxRates = [
  [
    'INDIVIDUAL_CONSUMPTION_TAX',
    '개별소비세 (승용자동차)',
    '0.05',
    { base: 'factory price' },
    '개별소비세법 제1조제2항제3호',
    '2018-01-01',
    null,
  ],
  [
    'INDIVIDUAL_CONSUMPTION_TAX',
    '개별소비세 (승용자동차, 한시 인하)',
    '0.035',
    { base: 'factory price' },
    '개별소비세법 시행령 제2조의2 탄력세율 (2018-07-19 ~ 2019-12-31)',
    '2018-07-19',
    '2019-12-31',
  ],
  [
    'INDIVIDUAL_CONSUMPTION_TAX',
    '개별소비세 (승용자동차, 한시 인하)',
    '0.015',
    { base: 'factory price' },
    '개별소비세법 시행령 제2조의2 탄력세율 (2020-03-01 ~ 2020-06-30)',
    '2020-03-01',
    '2020-06-30',
  ],
  [
    'INDIVIDUAL_CONSUMPTION_TAX',
    '개별소비세 (승용자동차, 한시 인하)',
    '0.035',
    { base: 'factory price' },
    '개별소비세법 시행령 제2조의2 탄력세율 (2020-07-01 ~ 2023-06-30)',
    '2020-07-01',
    '2023-06-30',
  ],
  [
    'INDIVIDUAL_CONSUMPTION_TAX',
    '개별소비세 (승용자동차, 한시 인하)',
    '0.035',
    { base: 'factory price' },
    '개별소비세법 시행령 제2조의2 탄력세율 (2025년 한시 인하)',
    '2025-01-01',
    '2025-12-31',
  ],
  [
    'EDUCATION_TAX',
    '교육세',
    '0.3',
    { base: 'individual consumption tax' },
    '교육세법 제5조제1항 (개별소비세액의 100분의 30)',
    '2018-01-01',
    null,
  ],
  [
    'VAT',
    '부가가치세',
    '0.1',
    { base: 'factory price + consumption tax + education tax' },
    '부가가치세법 제30조',
    '2018-01-01',
    null,
  ],
  [
    'ACQUISITION_TAX',
    '취득세 (비영업용 승용자동차)',
    '0.07',
    { base: 'supply price without VAT' },
    '지방세법 제12조제1항제2호',
    '2018-01-01',
    null,
  ],
] as const;

/** Writes the car models, trims, options, lease offers and tax rates that are not there yet. */
export async function seedCars(sql: postgres.Sql): Promise<{ models: number; taxRates: number }> {
  await sql.begin(async (tx) => {
    for (const [code, name, rate, appliesTo, source, validFrom, validUntil] of taxRates) {
      await tx`insert into car_tax_rates (code, name, rate, applies_to, source, valid_from, valid_until)
        values (${code}, ${name}, ${rate}, ${tx.json(appliesTo)}, ${source}, ${validFrom}, ${validUntil})
        on conflict (code, valid_from) do nothing`;
    }
    for (const car of cars) {
      const [model] = await tx<{ id: number; fresh: boolean }[]>`
        insert into car_models (brand, name, type, fuel_type, release_year)
        values (${car.brand}, ${car.name}, ${car.type}, ${car.fuelType}, ${car.releaseYear})
        on conflict (brand, name) do update set brand = excluded.brand
        returning id::int as id, (xmax = 0) as fresh`;
      if (!model!.fresh) continue;
      for (const trim of car.trims) {
        const [row] = await tx<{ id: number }[]>`
          insert into car_trims (model_id, name, base_price, engine_displacement_cc)
          values (${model!.id}, ${trim.name}, ${trim.basePrice}, ${trim.engineDisplacementCc})
          returning id::int as id`;
        for (const [name, price] of trim.options) {
          await tx`insert into car_options (trim_id, name, price) values (${row!.id}, ${name}, ${price})`;
        }
      }
      for (const offer of car.offers) {
        await tx`insert into car_lease_offers
            (model_id, provider, offer_type, monthly_payment, term_months, deposit, annual_mileage_km)
          values (${model!.id}, ${offer.provider}, ${offer.offerType}, ${offer.monthlyPayment},
                  ${offer.termMonths}, ${offer.deposit}, ${offer.annualMileageKm})`;
      }
    }
  });
  return { models: cars.length, taxRates: taxRates.length };
}
