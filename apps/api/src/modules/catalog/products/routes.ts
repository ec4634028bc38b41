import { AppError } from '@pbshop/errors';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { CatalogCache } from '../../../catalog-cache/cache.ts';
import {
  envelope,
  errorBody,
  errorResponses,
  messageBody,
  ok,
  pagedEnvelope,
  pagedJson,
  sendJson,
  serializeWith,
} from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import { acceptMultipartUploads } from '../../../http/uploads.ts';
import {
  createImageBody,
  createOptionBody,
  createProductBody,
  imageParams,
  multipartImageFields,
  optionParams,
  productDetail,
  productIdParams,
  productImage,
  productListQuery,
  productOption,
  productSummary,
  updateOptionBody,
  updateProductBody,
} from './schemas.ts';
import type { ProductsService } from './service.ts';
import type { ProductViewCounter } from './views.ts';

const say = localizedMessages({
  productDeleted: {
    ko: '상품이 삭제되었습니다.',
    en: 'The product has been deleted.',
    ja: '商品を削除しました。',
  },
  optionDeleted: {
    ko: '상품 옵션이 삭제되었습니다.',
    en: 'The product option has been deleted.',
    ja: '商品オプションを削除しました。',
  },
  imageDeleted: {
    ko: '상품 이미지가 삭제되었습니다.',
    en: 'The product image has been deleted.',
    ja: '商品画像を削除しました。',
  },
});

const errors = errorResponses(400, 401, 403, 404);

/** Products, options and images (PROD-01..08); an image by URL or uploaded (multipart). */
export interface ProductRoutesDeps {
  products: ProductsService;
  productViews: ProductViewCounter;
  /** a member's view of a product detail: queued for their recent views and the rankings' view signal */
  memberViewed(userId: number, productId: number, requestId: string): void;
  cache: CatalogCache;
  /**
   * Stores a multipart image (`file`) as the Image API does (variants, no metadata) and answers
   * the URL to keep; `checkFields` refuses the body's text fields before anything is decoded.
   */
  uploadImage(
    request: FastifyRequest,
    uploaderId: number,
    checkFields: (fields: Record<string, string>) => void,
  ): Promise<{ imageId: number; url: string; fields: Record<string, string> }>;
  /** Deletes an uploaded image (its product row could not be written). */
  discardImage(imageId: number): Promise<unknown>;
}

export function productRoutes({
  products,
  productViews: views,
  memberViewed,
  cache,
  uploadImage,
  discardImage,
}: ProductRoutesDeps): FastifyPluginAsync {
  /** every product write invalidates that product's cached detail/comparison and the lists */
  const writing = <T>(id: number, work: () => Promise<T>) =>
    cache.afterWrite(work, () => cache.invalidateProduct(id));
  const detailBody = serializeWith(envelope(productDetail));
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const admin = { access: 'admin' as const };

    routes.get(
      '/products',
      {
        config: { access: 'public' },
        schema: {
          tags: ['products'],
          summary:
            'Products: category (with its subcategories), search, price range, seller, specs; sorted (PROD-01, SPEC-03)',
          querystring: productListQuery,
          response: { 200: pagedEnvelope(productSummary), ...errors },
        },
      },
      async (request, reply) => {
        const { query } = request;
        const body = await cache.list(
          query,
          async () => {
            const { page: _page, limit: _limit, sort: _sort, ...filters } = query;
            const { pageJson, totalCount, totalCountCapped } = await products.list(query, (count) =>
              cache.listCount(filters, count),
            );
            return pagedJson(pageJson, {
              page: query.page,
              limit: query.limit,
              totalCount,
              totalCountCapped,
            });
          },
          (body) => body,
        );
        return sendJson(reply, body);
      },
    );

    routes.get(
      '/products/:id',
      {
        // optional: a member's view also goes to their recent views (the body is the same for all)
        config: { access: 'optional' },
        schema: {
          tags: ['products'],
          summary: 'Product detail with options, images and seller prices (PROD-02)',
          params: productIdParams,
          response: { 200: envelope(productDetail), ...errors },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const body = await cache.detail(id, async () => ok(await products.detail(id)), detailBody);
        views.count(id);
        if (request.principal) memberViewed(request.principal.id, id, request.id);
        return sendJson(reply, body);
      },
    );

    routes.post(
      '/products',
      {
        config: admin,
        schema: {
          tags: ['products'],
          summary:
            'Create a product (PROD-03) with its list and sale price, options and images; a thumbnailUrl without images becomes the main image',
          body: createProductBody,
          response: { 201: envelope(productDetail), ...errors },
        },
      },
      async (request, reply) => {
        // a new product has no cached detail yet (errors are never cached): only the lists change
        const created = await cache.afterWrite(
          () => products.create(request.body),
          () => cache.invalidateList(),
        );
        return reply.code(201).send(ok(created));
      },
    );

    routes.patch(
      '/products/:id',
      {
        config: admin,
        schema: {
          tags: ['products'],
          summary:
            'Update a product (PROD-04); with version, only at that version (409 CONFLICT when it changed meanwhile), without it the last write wins',
          params: productIdParams,
          body: updateProductBody,
          response: { 200: envelope(productDetail), ...errors, 409: errorBody },
        },
      },
      async (request) =>
        ok(await writing(request.params.id, () => products.update(request.params.id, request.body))),
    );

    routes.delete(
      '/products/:id',
      {
        config: admin,
        schema: {
          tags: ['products'],
          summary: 'Delete a product (soft) (PROD-05)',
          params: productIdParams,
          response: { 200: messageBody, ...errors },
        },
      },
      async (request) => {
        await writing(request.params.id, () => products.remove(request.params.id));
        return ok({ message: say(request, 'productDeleted') });
      },
    );

    routes.post(
      '/products/:id/options',
      {
        config: admin,
        schema: {
          tags: ['products'],
          summary: 'Add an option (PROD-06)',
          params: productIdParams,
          body: createOptionBody,
          response: { 201: envelope(productOption), ...errors },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            ok(await writing(request.params.id, () => products.addOption(request.params.id, request.body))),
          ),
    );

    routes.patch(
      '/products/:id/options/:optionId',
      {
        config: admin,
        schema: {
          tags: ['products'],
          summary: 'Update an option (PROD-06)',
          params: optionParams,
          body: updateOptionBody,
          response: { 200: envelope(productOption), ...errors },
        },
      },
      async (request) =>
        ok(
          await writing(request.params.id, () =>
            products.updateOption(request.params.id, request.params.optionId, request.body),
          ),
        ),
    );

    routes.delete(
      '/products/:id/options/:optionId',
      {
        config: admin,
        schema: {
          tags: ['products'],
          summary: 'Delete an option (PROD-06)',
          params: optionParams,
          response: { 200: messageBody, ...errors },
        },
      },
      async (request) => {
        await writing(request.params.id, () =>
          products.removeOption(request.params.id, request.params.optionId),
        );
        return ok({ message: say(request, 'optionDeleted') });
      },
    );

    // the one route of this plugin that takes multipart: its own context holds the parser
    await app.register(async (uploads) => {
      await acceptMultipartUploads(uploads, { maxFiles: 1 });
      uploads.withTypeProvider<ZodTypeProvider>().post(
        '/products/:id/images',
        {
          config: admin,
          schema: {
            tags: ['products'],
            summary:
              'Add an image (PROD-07): JSON { url, isMain?, sortOrder? }, or multipart `file` (+ isMain, sortOrder fields) processed as POST /images/upload and kept as its LARGE variant; one main image per product',
            consumes: ['application/json', 'multipart/form-data'],
            params: productIdParams,
            body: createImageBody.nullish(),
            response: { 201: envelope(productImage), ...errorResponses(400, 401, 403, 404, 413, 415, 429) },
          },
        },
        async (request, reply) => {
          const productId = request.params.id;
          if (!request.isMultipart()) {
            if (!request.body) {
              throw new AppError('VALIDATION_ERROR', {
                details: [{ field: 'body', message: 'send { url } as JSON or a multipart file' }],
              });
            }
            const body = request.body;
            return reply
              .code(201)
              .send(ok(await writing(productId, () => products.addImage(productId, body))));
          }
          const readFields = (fields: Record<string, string>) => {
            const parsed = multipartImageFields.safeParse(fields);
            if (parsed.success) return parsed.data;
            throw new AppError('VALIDATION_ERROR', {
              details: parsed.error.issues.map((issue) => ({
                field: issue.path.join('.'),
                message: issue.message,
              })),
            });
          };
          const uploaded = await uploadImage(request, member(request).id, readFields);
          const { isMain, sortOrder } = readFields(uploaded.fields);
          try {
            const image = await writing(productId, () =>
              products.addImage(productId, { url: uploaded.url, isMain, sortOrder }),
            );
            return reply.code(201).send(ok(image));
          } catch (error) {
            await discardImage(uploaded.imageId).catch((cleanup: unknown) => {
              request.log.error(
                { err: cleanup, imageId: uploaded.imageId },
                'uploaded product image not deleted',
              );
            });
            throw error;
          }
        },
      );
    });

    routes.delete(
      '/products/:id/images/:imageId',
      {
        config: admin,
        schema: {
          tags: ['products'],
          summary: 'Delete an image (PROD-07)',
          params: imageParams,
          response: { 200: messageBody, ...errors },
        },
      },
      async (request) => {
        await writing(request.params.id, () =>
          products.removeImage(request.params.id, request.params.imageId),
        );
        return ok({ message: say(request, 'imageDeleted') });
      },
    );
  };
}
