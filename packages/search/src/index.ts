export { createSearchClient, type SearchClient } from './client.ts';
export {
  detectKoreanAnalyzer,
  ensureProductIndex,
  type KoreanAnalyzer,
  type ProductIndexState,
  productAlias,
} from './product-index.ts';
