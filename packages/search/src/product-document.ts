/** One spec value of a product as the index holds it (nested, so facets keep key and value paired). */
export interface ProductDocumentSpec {
  /** spec definition key, e.g. "ram" (the facet name) */
  key: string;
  /** display name, e.g. "메모리" */
  name: string;
  /** the value as shown, number with its unit when numeric, e.g. "16GB" */
  value: string;
  numberValue: number | null;
}

/**
 * The products index document. Built from PostgreSQL by the worker (never from a request), written
 * with an external version from `search_document_version_seq` taken under a per-product lock.
 */
export interface ProductDocument {
  productId: number;
  name: string;
  brand: string | null;
  description: string;
  /** "name value" of every spec, searched with the spec weight */
  specsText: string;
  specs: ProductDocumentSpec[];
  /** "name value value…" of every purchase option (colour, capacity…), searched with the spec weight */
  optionsText: string;
  categoryId: number;
  categoryName: string;
  /** the category and all its ancestors, so a category filter includes descendants */
  categoryPath: number[];
  sellerIds: number[];
  /**
   * shops with the product in stock (products.seller_count, as the product list shows it); not
   * searchable, returned with the hits
   */
  sellerCount: number;
  status: string;
  lowestPrice: number | null;
  rating: number;
  reviewCount: number;
  popularityScore: number;
  thumbnailUrl: string | null;
  /** completion input: the name and the brand */
  suggest: string[];
  createdAt: string;
  updatedAt: string;
}
