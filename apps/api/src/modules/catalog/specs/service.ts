import type { Database } from '@pbshop/db';
import { noSearchSync, type SearchSyncSignal } from '@pbshop/queues';
import type { CategoriesService } from '../categories/service.ts';
import { compare, numericCompare } from './comparison.ts';
import { createDefinition, listDefinitions, removeDefinition, updateDefinition } from './definitions.ts';
import type { CreateDefinitionBody, ProductSpecsBody, ScoresBody, UpdateDefinitionBody } from './schemas.ts';
import { scoredCompare, scoreInCategory, setScores } from './scores.ts';
import { similar } from './similar.ts';
import { effectiveDefinitions, setTemplate } from './templates.ts';
import { productSpecGroups, productSpecs, setProductSpecs } from './values.ts';

export { specFilterConditions } from './filter.ts';

/**
 * Spec definitions and templates, product spec values, comparison, scored comparison and similar
 * products (SPEC-01..04, SENG-01..05); owns `spec_templates`, `spec_definitions`,
 * `product_spec_values` and `spec_scores`. Each concern is a file beside this one (templates,
 * definitions, values, filter, comparison, scores, similar); this is the area's face over them.
 */
export function specsService(
  db: Database,
  categoryService: CategoriesService,
  searchSync: SearchSyncSignal = noSearchSync,
) {
  return {
    effectiveDefinitions: (categoryId: number) => effectiveDefinitions(db, categoryId),
    listDefinitions: (categoryId?: number) => listDefinitions(db, categoryService, categoryId),
    createDefinition: (body: CreateDefinitionBody) => createDefinition(db, categoryService, body),
    updateDefinition: (id: number, body: UpdateDefinitionBody) => updateDefinition(db, searchSync, id, body),
    removeDefinition: (id: number) => removeDefinition(db, searchSync, id),
    setTemplate: (categoryId: number, inheritsFromCategoryId: number | null) =>
      setTemplate(db, categoryService, categoryId, inheritsFromCategoryId),
    productSpecs: (productId: number) => productSpecs(db, productId),
    productSpecGroups: (productId: number, ungroupedName: string) =>
      productSpecGroups(db, productId, ungroupedName),
    setProductSpecs: (productId: number, body: ProductSpecsBody) =>
      setProductSpecs(db, searchSync, productId, body),
    compare: (productIds: number[]) => compare(db, productIds),
    numericCompare: (productIds: number[]) => numericCompare(db, productIds),
    setScores: (specDefId: number, body: ScoresBody) => setScores(db, specDefId, body),
    scoredCompare: (productIds: number[], weights?: Record<string, number>) =>
      scoredCompare(db, productIds, weights),
    scoreInCategory: (categoryId: number, productIds: number[], weights?: Record<string, number>) =>
      scoreInCategory(db, categoryService, categoryId, productIds, weights),
    similar: (productId: number, limit: number) => similar(db, productId, limit),
  };
}

export type SpecsService = ReturnType<typeof specsService>;
