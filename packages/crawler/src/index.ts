export { type AnomalySeverity, anomalyReason, anomalySeverity, expectedRange } from './anomaly.ts';
export { CrawlError, type ErrorClass } from './crawl-error.ts';
export { crawlerProductToken, crawlerUserAgent, type FetchedPage, fetchPage, retryAfterMs } from './fetch.ts';
export {
  type CollectedItem,
  type CollectedSpec,
  cleanSpecText,
  MAX_SPECS_PER_PAGE,
  parseKrw,
  parseListingLinks,
  parseProductPage,
  parseStock,
} from './parse.ts';
export { type HostPoliteness, hostPoliteness, type PoliteRun } from './politeness.ts';
export { type CrawlCatalogFactory, crawlerProcessors, fetchSellerPage } from './processors.ts';
export { robotsRules } from './robots.ts';
export {
  type CollectedOffer,
  type CrawlCatalog,
  crawlRuns,
  MAX_ITEM_ERRORS,
  type OfferWriteOutcome,
  RECORD_BATCH,
  type SpecWriteOutcome,
} from './run.ts';
export { type PageValidators, pageValidators, readingOf, type StoredPage } from './validators.ts';
