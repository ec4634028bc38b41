import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  envelope,
  errorBody,
  errorResponses,
  messageBody,
  ok,
  page,
  pagedEnvelope,
} from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import { toggleResult, wishlistItem, wishlistProductParams, wishlistQuery } from './schemas.ts';
import type { WishlistService } from './service.ts';

const say = localizedMessages({
  removed: {
    ko: '위시리스트에서 삭제되었습니다.',
    en: 'The product has been removed from the wishlist.',
    ja: 'ウィッシュリストから削除しました。',
  },
});

const errors = errorResponses(400, 401, 403);

/** The caller's wishlist (API §13, WISH-01..03). */
export function wishlistRoutes({ wishlist }: { wishlist: WishlistService }): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['wishlist'];

    routes.get(
      '/wishlist',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'My wishlist, newest first',
          querystring: wishlistQuery,
          response: { 200: pagedEnvelope(wishlistItem), ...errors },
        },
      },
      async (request) => {
        const { page: pageNumber, limit } = request.query;
        const { items, totalCount } = await wishlist.list(member(request).id, pageNumber, limit);
        return page(items, { page: pageNumber, limit, totalCount });
      },
    );

    routes.post(
      '/wishlist/:productId',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Toggle a product in or out of my wishlist; answers where it is now',
          params: wishlistProductParams,
          response: { 200: envelope(toggleResult), ...errors, 404: errorBody },
        },
      },
      async (request) =>
        ok({ wishlisted: await wishlist.toggle(member(request).id, request.params.productId) }),
    );

    routes.delete(
      '/wishlist/:productId',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary: 'Take a product out of my wishlist (fine when it was not in)',
          params: wishlistProductParams,
          response: { 200: messageBody, ...errors },
        },
      },
      async (request) => {
        await wishlist.remove(member(request).id, request.params.productId);
        return ok({ message: say(request, 'removed') });
      },
    );
  };
}
