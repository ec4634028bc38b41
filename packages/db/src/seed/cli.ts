// `pnpm db:seed [--products N] [--seed S] [--reset]`: fills the database with deterministic demo
// data (categories, 30 shops, products, offers, a year of price history, PC parts with their specs
// and used listings, the default PC compatibility rules). Idempotent: a database
// this seed already filled is left alone; `--reset` deletes the seeded rows and seeds again.
import { parseArgs } from 'node:util';
import { loadEnvOrExit } from '@pbshop/config';
import { seedDatabase } from './seed.ts';

const env = loadEnvOrExit('db:seed', process.env, ['DATABASE_URL']);
let args: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      products: { type: 'string' },
      seed: { type: 'string' },
      reset: { type: 'boolean', default: false },
    },
  }).values;
}
try {
  args = parse();
} catch (error) {
  console.error(`db:seed: ${(error as Error).message}`);
  console.error('db:seed: usage: pnpm db:seed [--products N] [--seed S] [--reset]');
  process.exit(2);
}
const products = Number(args.products ?? process.env.SEED_PRODUCTS ?? 2000);
const seed = Number(args.seed ?? 1);
if (!Number.isInteger(products) || products < 1 || !Number.isInteger(seed) || seed < 0 || seed > 65535) {
  console.error('db:seed: --products must be a positive integer and --seed an integer 0..65535');
  process.exit(2);
}
try {
  const result = await seedDatabase(env.DATABASE_URL, { products, seed, reset: args.reset });
  if (result.status === 'already-seeded') {
    console.log(
      `db:seed: already seeded (seed ${seed}, ${result.products} products), nothing to do; --reset seeds again`,
    );
  } else {
    console.log(
      `db:seed: seeded ${result.categories} categories, ${result.sellers} sellers, ${result.products} products ` +
        `(and ${result.pcParts} PC parts with specs and used listings), ` +
        `${result.offers} offers, ${result.priceHistory} price history rows in ${(result.milliseconds / 1000).toFixed(1)} s`,
    );
  }
} catch (error) {
  console.error(`db:seed: failed: ${(error as Error).message}`);
  console.error(
    'db:seed: run `pnpm db:migrate` first and check that PostgreSQL answers (`./scripts/services.sh status`)',
  );
  process.exit(1);
}
