import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDatabaseExists, runMigrations } from '../src/index.ts';
import { defaultCompatibilityRules, pcPartProductId, pcParts, seedDatabase } from '../src/seed/index.ts';

// packages/testing depends on this package, so this file creates and drops its own database
const adminUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const databaseName = `pbshop_t_${Date.now()}_seed`;
const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${databaseName}` }).toString();
const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
let sql: postgres.Sql;

beforeAll(async () => {
  await ensureDatabaseExists(databaseUrl);
  await runMigrations(databaseUrl);
  sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
});

afterAll(async () => {
  await sql?.end();
  await admin`drop database if exists ${admin(databaseName)} with (force)`;
  await admin.end();
});

const silent = () => {};

async function snapshot() {
  const [row] = await sql<{ products: number; offers: number; history: number; digest: string }[]>`
    select (select count(*)::int from products) as products,
           (select count(*)::int from offers) as offers,
           (select count(*)::int from price_history) as history,
           (select md5(string_agg(id::text || name || coalesce(lowest_price::text, '-'), ',' order by id))
              from products) as digest`;
  return row!;
}

describe('db:seed', () => {
  it('seeds consistent demo data, and a second run changes nothing', async () => {
    const first = await seedDatabase(databaseUrl, { products: 200, batchSize: 64, log: silent });
    expect(first).toMatchObject({ status: 'seeded', products: 200, pcParts: pcParts.length, sellers: 30 });

    const [counts] = await sql<{ sellers: number; products: number }[]>`
      select (select count(*)::int from sellers) as sellers, (select count(*)::int from products) as products`;
    expect(counts).toEqual({ sellers: 30, products: 200 + pcParts.length });

    // aggregates as the prices service computes them: offers not OUT_OF_STOCK at live shops
    const inconsistent = await sql`
      select p.id, p.lowest_price, agg.*
      from products p
      left join lateral (
        select min(o.price) as lowest, max(o.price) as highest, round(avg(o.price))::bigint as average,
               count(*)::int as sellers, (select count(*)::int from offers a where a.product_id = p.id) as all_offers
        from offers o join sellers s on s.id = o.seller_id and s.deleted_at is null
        where o.product_id = p.id and o.stock_state <> 'OUT_OF_STOCK'
      ) agg on true
      where p.lowest_price is distinct from agg.lowest
         or p.highest_price is distinct from agg.highest
         or p.average_price is distinct from agg.average
         or p.seller_count <> agg.sellers
         or agg.all_offers not between 2 and 12`;
    expect(inconsistent).toEqual([]);

    // every path is the parent's path plus the own id; roots are their own id
    const badPaths = await sql`
      select c.id from categories c left join categories parent on parent.id = c.parent_id
      where c.path <> case when c.parent_id is null then c.id::text else parent.path || '/' || c.id::text end`;
    expect(badPaths).toEqual([]);

    // the history ends at today's lowest price
    const badHistory = await sql`
      select p.id from products p
      where p.lowest_price is distinct from (
        select h.product_lowest_price from price_history h where h.product_id = p.id
        order by h.recorded_at desc, h.id desc limit 1)`;
    expect(badHistory).toEqual([]);
    const [history] = await sql<{ min: number }[]>`
      select min(n)::int as min from (select count(*) as n from price_history group by product_id) per_product`;
    expect(history!.min).toBeGreaterThan(1);

    // every product has its own list price above its offers; every fourth a sale price below it
    const [prices] = await sql<
      { unpriced: number; below_offer: number; discounted: number; bad_discount: number }[]
    >`
      select count(*) filter (where price <= 0)::int as unpriced,
             count(*) filter (where price < highest_price)::int as below_offer,
             count(discount_price)::int as discounted,
             count(*) filter (where discount_price > price)::int as bad_discount
      from products`;
    expect(prices).toEqual({ unpriced: 0, below_offer: 0, discounted: 50, bad_discount: 0 });

    // every PC part carries its part type and the specs the default rules compare, and used listings
    const [pc] = await sql<{ typed: number; listed: number; rules: number }[]>`
      select (select count(*)::int from product_spec_values v join spec_definitions d on d.id = v.spec_definition_id
               where d.key = 'pc_part_type') as typed,
             (select count(distinct product_id)::int from used_listings) as listed,
             (select count(*)::int from compatibility_rules) as rules`;
    expect(pc).toEqual({
      typed: pcParts.length,
      listed: pcParts.length,
      rules: defaultCompatibilityRules.length,
    });
    const gpuLength = await sql<{ text_value: string | null; number_value: string }[]>`
      select v.text_value, v.number_value from product_spec_values v
      join spec_definitions d on d.id = v.spec_definition_id
      where v.product_id = ${pcPartProductId(1, 'gpu-4090')} and d.key = 'length_mm'`;
    expect(gpuLength.map((row) => Number(row.number_value))).toEqual([356]);

    // the starter badges: AUTO ones with a metric and threshold, Review Master among them
    const badges = await sql<
      { name: string; type: string; metric: string | null; threshold: number | null; rarity: string }[]
    >`
      select name, type, metric, threshold, rarity from badges order by id`;
    expect(badges).toHaveLength(6);
    expect(badges).toContainEqual({
      name: 'Review Master',
      type: 'AUTO',
      metric: 'review_count',
      threshold: 10,
      rarity: 'RARE',
    });

    // the auto vertical: models with trims and options, and each of the four taxes with a source
    const [carCounts] = await sql<{ models: number; trims: number; options: number; offers: number }[]>`
      select (select count(*)::int from car_models) as models, (select count(*)::int from car_trims) as trims,
             (select count(*)::int from car_options) as options, (select count(*)::int from car_lease_offers) as offers`;
    expect(carCounts).toEqual({ models: 4, trims: 11, options: 26, offers: 9 });
    const standing = await sql<{ code: string; rate: string }[]>`
      select code, rate::text from car_tax_rates where valid_until is null and source <> '' order by code`;
    expect(standing).toEqual([
      { code: 'ACQUISITION_TAX', rate: '0.07000' },
      { code: 'EDUCATION_TAX', rate: '0.30000' },
      { code: 'INDIVIDUAL_CONSUMPTION_TAX', rate: '0.05000' },
      { code: 'VAT', rate: '0.10000' },
    ]);

    const before = await snapshot();
    const second = await seedDatabase(databaseUrl, { products: 200, log: silent });
    expect(second).toMatchObject({ status: 'already-seeded', products: 200, pcParts: pcParts.length });
    expect(await snapshot()).toEqual(before);
  });

  it('is deterministic: --reset seeds the same data again', async () => {
    const before = await snapshot();
    const again = await seedDatabase(databaseUrl, { products: 200, reset: true, log: silent });
    expect(again.status).toBe('seeded');
    expect(await snapshot()).toEqual(before);
    const [cars] = await sql<{ models: number; rates: number }[]>`
      select (select count(*)::int from car_models) as models, (select count(*)::int from car_tax_rates) as rates`;
    expect(cars).toEqual({ models: 4, rates: 8 });
  });
});
