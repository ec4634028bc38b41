import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CatalogCache } from '../../../catalog-cache/cache.ts';
import { envelope, errorBody, errorResponses, messageBody, ok } from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import {
  categoryIdParams,
  categoryScoreBody,
  categoryScoreResult,
  compareBody,
  compareResult,
  createDefinitionBody,
  definitionIdParams,
  definitionsQuery,
  numericCompareResult,
  productIdParams,
  productSpec,
  productSpecGroup,
  productSpecsBody,
  scoredCompareBody,
  scoredCompareResult,
  scoresBody,
  similarProduct,
  similarQuery,
  specDefIdParams,
  specDefinition,
  specScore,
  specTemplate,
  templateBody,
  updateDefinitionBody,
} from './schemas.ts';
import type { SpecsService } from './service.ts';

const say = localizedMessages({
  definitionDeleted: {
    ko: '스펙 정의가 삭제되었습니다.',
    en: 'The spec definition has been deleted.',
    ja: 'スペック定義を削除しました。',
  },
  ungrouped: { ko: '기타', en: 'Other', ja: 'その他' },
});

const errors = errorResponses(400, 401, 403, 404);

/** Spec definitions, templates, product specs, comparison and the spec engine (SPEC-01..04, SENG-01..05). */
export interface SpecRoutesDeps {
  specs: SpecsService;
  cache: Pick<CatalogCache, 'afterWrite' | 'invalidateList' | 'invalidateProduct'>;
  /** after products' spec values changed: what else is computed from them (the PC builds' compatibility) */
  specValuesChanged(): Promise<void>;
}

export function specRoutes({ specs, cache, specValuesChanged }: SpecRoutesDeps): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const admin = { access: 'admin' as const };

    routes.get(
      '/specs/definitions',
      {
        config: { access: 'public' },
        schema: {
          tags: ['specs'],
          summary:
            "A category's effective spec definitions, inherited ones included; without categoryId every definition (SPEC-01, SENG-01/02)",
          querystring: definitionsQuery,
          response: { 200: envelope(z.array(specDefinition)), ...errors },
        },
      },
      async (request) => ok(await specs.listDefinitions(request.query.categoryId)),
    );

    routes.get(
      '/specs/definitions/resolved/:categoryId',
      {
        config: { access: 'public' },
        schema: {
          tags: ['specs'],
          summary:
            "A category's effective spec definitions, inherited ones included: the storefront's path of GET /specs/definitions?categoryId= (SENG-01/02)",
          params: categoryIdParams,
          response: { 200: envelope(z.array(specDefinition)), ...errors },
        },
      },
      async (request) => ok(await specs.listDefinitions(request.params.categoryId)),
    );

    routes.post(
      '/specs/definitions',
      {
        config: admin,
        schema: {
          tags: ['specs'],
          summary:
            'Create a spec definition (SPEC-01); the key is made from the name when absent; 409 when the category has the key',
          body: createDefinitionBody,
          response: { 201: envelope(specDefinition), ...errors, 409: errorBody },
        },
      },
      async (request, reply) => reply.code(201).send(ok(await specs.createDefinition(request.body))),
    );

    routes.patch(
      '/specs/definitions/:id',
      {
        config: admin,
        schema: {
          tags: ['specs'],
          summary: 'Update a spec definition (SPEC-01); key and type stay',
          params: definitionIdParams,
          body: updateDefinitionBody,
          response: { 200: envelope(specDefinition), ...errors, 409: errorBody },
        },
      },
      async (request) =>
        ok(
          await cache.afterWrite(
            () => specs.updateDefinition(request.params.id, request.body),
            () => cache.invalidateList(), // spec filters of the list
          ),
        ),
    );

    routes.delete(
      '/specs/definitions/:id',
      {
        config: admin,
        schema: {
          tags: ['specs'],
          summary: 'Delete a spec definition with its product values and score mapping (SPEC-01)',
          params: definitionIdParams,
          response: { 200: messageBody, ...errors },
        },
      },
      async (request) => {
        await cache.afterWrite(
          () => specs.removeDefinition(request.params.id),
          // its product values go, spec filters of the list change
          () => Promise.all([cache.invalidateList(), specValuesChanged()]).then(() => {}),
        );
        return ok({ message: say(request, 'definitionDeleted') });
      },
    );

    routes.put(
      '/specs/templates/:categoryId',
      {
        config: admin,
        schema: {
          tags: ['specs'],
          summary:
            'Set the category whose spec template this one inherits, or null (SENG-01); 409 on a cycle',
          params: categoryIdParams,
          body: templateBody,
          response: { 200: envelope(specTemplate), ...errors, 409: errorBody },
        },
      },
      async (request) =>
        ok(await specs.setTemplate(request.params.categoryId, request.body.inheritsFromCategoryId)),
    );

    routes.put(
      '/products/:id/specs',
      {
        config: admin,
        schema: {
          tags: ['specs'],
          summary:
            "Replace a product's spec values, each checked against its definition (SPEC-02); `specs` is the storefront's name of `values`",
          params: productIdParams,
          body: productSpecsBody,
          response: { 200: envelope(z.array(productSpec)), ...errors },
        },
      },
      async (request) => {
        // spec values feed the list's spec filters
        await cache.afterWrite(
          () => specs.setProductSpecs(request.params.id, request.body),
          () => Promise.all([cache.invalidateProduct(request.params.id), specValuesChanged()]).then(() => {}),
        );
        return ok(await specs.productSpecs(request.params.id));
      },
    );

    routes.get(
      '/products/:id/specs',
      {
        config: { access: 'public' },
        schema: {
          tags: ['specs'],
          summary:
            "A product's spec values with group and unit; value as text, numericValue for numbers (SPEC-02)",
          params: productIdParams,
          response: { 200: envelope(z.array(productSpec)), ...errors },
        },
      },
      async (request) => ok(await specs.productSpecs(request.params.id)),
    );

    routes.get(
      '/products/:id/specs/grouped',
      {
        config: { access: 'public' },
        schema: {
          tags: ['specs'],
          summary: "A product's spec values by group, the ungrouped last (SENG-02)",
          params: productIdParams,
          response: { 200: envelope(z.array(productSpecGroup)), ...errors },
        },
      },
      async (request) => ok(await specs.productSpecGroups(request.params.id, say(request, 'ungrouped'))),
    );

    // the contract's path, and the storefront's (fetchSimilarProductsBySpec): one handler
    for (const url of ['/products/:id/similar', '/products/:id/similar-spec-products']) {
      routes.get(
        url,
        {
          config: { access: 'public' },
          schema: {
            tags: ['specs'],
            summary:
              "Products of the same category by spec similarity, then price closeness (SENG-05); /similar-spec-products is the storefront's alias",
            params: productIdParams,
            querystring: similarQuery,
            response: { 200: envelope(z.array(similarProduct)), ...errors },
          },
        },
        async (request) => ok(await specs.similar(request.params.id, request.query.limit)),
      );
    }

    routes.post(
      '/specs/compare',
      {
        config: { access: 'public' },
        schema: {
          tags: ['specs'],
          summary: 'Compare 2-4 products side by side; numeric winners by direction (SPEC-04, SENG-03)',
          body: compareBody,
          response: { 200: envelope(compareResult), ...errors },
        },
      },
      async (request) => ok(await specs.compare(request.body.productIds)),
    );

    routes.post(
      '/specs/compare/numeric',
      {
        config: { access: 'public' },
        schema: {
          tags: ['specs'],
          summary:
            'The NUMBER specs of 2-4 products side by side, the best value by direction highlighted (SENG-03)',
          body: compareBody,
          response: { 200: envelope(numericCompareResult), ...errors },
        },
      },
      async (request) => ok(await specs.numericCompare(request.body.productIds)),
    );

    routes.post(
      '/specs/compare/scored',
      {
        config: { access: 'public' },
        schema: {
          tags: ['specs'],
          summary: 'Weighted spec score comparison of 2-4 products; weights sum to 100 (SENG-04)',
          body: scoredCompareBody,
          response: { 200: envelope(scoredCompareResult), ...errors },
        },
      },
      async (request) => ok(await specs.scoredCompare(request.body.productIds, request.body.weights)),
    );

    routes.post(
      '/specs/score',
      {
        config: { access: 'public' },
        schema: {
          tags: ['specs'],
          summary:
            'Weighted spec score of 1-20 products of a category (or of categories inheriting its specs), as the scored comparison (SENG-04)',
          body: categoryScoreBody,
          response: { 200: envelope(categoryScoreResult), ...errors },
        },
      },
      async (request) =>
        ok(
          await specs.scoreInCategory(request.body.categoryId, request.body.productIds, request.body.weights),
        ),
    );

    routes.put(
      '/specs/scores/:specDefId',
      {
        config: admin,
        schema: {
          tags: ['specs'],
          summary:
            "Replace the score mapping of a spec: option or [min, max) range → 0..100 (SENG-04); the storefront's { value, score } is an option, or a NUMBER range from value up to the next",
          params: specDefIdParams,
          body: scoresBody,
          response: { 200: envelope(z.array(specScore)), ...errors },
        },
      },
      async (request) => ok(await specs.setScores(request.params.specDefId, request.body)),
    );
  };
}
