import { AppError } from '@pbshop/errors';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CatalogCache } from '../../../catalog-cache/cache.ts';
import { envelope, errorBody, errorResponses, messageBody, ok } from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import {
  type CategoryResponse,
  categoryIdParams,
  categoryNode,
  categoryResponse,
  createCategoryBody,
  updateCategoryBody,
} from './schemas.ts';
import type { CategoriesService, CategoryRow } from './service.ts';

const say = localizedMessages({
  deleted: {
    ko: '카테고리가 삭제되었습니다.',
    en: 'The category has been deleted.',
    ja: 'カテゴリを削除しました。',
  },
});

const adminErrors = errorResponses(400, 401, 403, 404);

/** The category tree (CAT-01..04): public reads, admin writes. */
export interface CategoryRoutesDeps {
  categories: CategoriesService;
  cache: Pick<CatalogCache, 'afterWrite' | 'invalidateCategories'>;
}

export function categoryRoutes({ categories, cache }: CategoryRoutesDeps): FastifyPluginAsync {
  /** a category write changes list results (subtree filters) and the category name in details */
  const writing = <T>(work: () => Promise<T>) => cache.afterWrite(work, () => cache.invalidateCategories());

  const toCategory = async (row: CategoryRow): Promise<CategoryResponse> => {
    const [path, children] = await Promise.all([categories.breadcrumb(row), categories.children(row.id)]);
    return { id: row.id, name: row.name, parentId: row.parentId, sortOrder: row.sortOrder, path, children };
  };

  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();

    routes.get(
      '/categories',
      {
        config: { access: 'public' },
        schema: {
          tags: ['categories'],
          summary: 'The whole category tree; siblings by sortOrder, then name (CAT-01)',
          response: { 200: envelope(z.array(categoryNode)) },
        },
      },
      async () => ok(await categories.tree()),
    );

    routes.get(
      '/categories/:id',
      {
        config: { access: 'public' },
        schema: {
          tags: ['categories'],
          summary: 'One category with its breadcrumb (root first, itself last) and direct children (CAT-02)',
          params: categoryIdParams,
          response: { 200: envelope(categoryResponse), 400: errorBody, 404: errorBody },
        },
      },
      async (request) => {
        const row = await categories.findById(request.params.id);
        if (!row) throw new AppError('CATEGORY_NOT_FOUND');
        return ok(await toCategory(row));
      },
    );

    routes.post(
      '/categories',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['categories'],
          summary: 'Create a category, at the root or under parentId (CAT-03)',
          body: createCategoryBody,
          response: { 201: envelope(categoryResponse), ...adminErrors, 409: errorBody },
        },
      },
      async (request, reply) => {
        const row = await writing(() => categories.create(request.body));
        reply.code(201);
        return ok(await toCategory(row));
      },
    );

    routes.patch(
      '/categories/:id',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['categories'],
          summary:
            'Rename, reorder or move a category (parentId null: to the root); a move carries its whole subtree (CAT-03)',
          params: categoryIdParams,
          body: updateCategoryBody,
          response: { 200: envelope(categoryResponse), ...adminErrors, 409: errorBody },
        },
      },
      async (request) => {
        const row = await writing(() => categories.update(request.params.id, request.body));
        if (!row) throw new AppError('CATEGORY_NOT_FOUND');
        return ok(await toCategory(row));
      },
    );

    routes.delete(
      '/categories/:id',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['categories'],
          summary: 'Delete a category without subcategories or products (CAT-04)',
          params: categoryIdParams,
          response: { 200: messageBody, ...adminErrors, 409: errorBody },
        },
      },
      async (request) => {
        const removed = await writing(() => categories.remove(request.params.id));
        if (!removed) throw new AppError('CATEGORY_NOT_FOUND');
        return ok({ message: say(request, 'deleted') });
      },
    );
  };
}
