export {
  defaultCompatibilityRules,
  pcPartProductId,
  pcParts,
  seedUsedListings,
  type UsedListing,
} from './pc-parts.ts';
export { type SeedOptions, type SeedResult, seedDatabase } from './seed.ts';
