export { type SeedOptions, type SeedResult, seedDatabase } from './seed.ts';
