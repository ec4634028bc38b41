import { AppError } from '@pbshop/errors';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope, errorBody, errorResponses, messageBody, ok, sendJson } from '../../../http/envelope.ts';
import { localizedMessages } from '../../../http/messages.ts';
import { member } from '../../../http/principal.ts';
import {
  addCartItemBody,
  CART_KEY_PATTERN,
  type CartItem,
  cartItem,
  cartItemParams,
  cartKeyHeaders,
  mergeResult,
  updateCartItemBody,
} from './schemas.ts';
import type { CartOwner, CartService } from './service.ts';

const say = localizedMessages({
  removed: {
    ko: '장바구니에서 삭제되었습니다.',
    en: 'The item has been removed from the cart.',
    ja: 'カートから削除しました。',
  },
  cleared: {
    ko: '장바구니를 비웠습니다.',
    en: 'The cart has been emptied.',
    ja: 'カートを空にしました。',
  },
});

const cartJson = (items: CartItem[]) => JSON.stringify(ok(items));

/** The request's guest cart key; 400 CART_KEY_REQUIRED when it is missing or malformed. */
export function guestCartKey(request: FastifyRequest): string {
  const key = request.headers['x-cart-key'];
  if (typeof key !== 'string' || !CART_KEY_PATTERN.test(key)) throw new AppError('CART_KEY_REQUIRED');
  return key;
}

/**
 * The cart (API §8, CART-01..05) twice over the one service: `/cart` for members (Bearer), and
 * `/cart/guest` for guests (no login, `x-cart-key`; client-shapes §1.6). Plus the explicit merge of
 * a guest cart into the member's (ACT-06), which login also runs when it carries `x-cart-key`.
 */
export function cartRoutes({ cart }: { cart: CartService }): FastifyPluginAsync {
  return async (app) => {
    const routes = app.withTypeProvider<ZodTypeProvider>();

    const variants = [
      {
        base: '/cart',
        access: 'user' as const,
        who: 'my cart',
        owner: (request: FastifyRequest): CartOwner => ({ userId: member(request).id }),
        keyHeader: {},
        errors: errorResponses(400, 401, 403, 503),
      },
      {
        base: '/cart/guest',
        access: 'public' as const,
        who: 'the guest cart (x-cart-key)',
        owner: (request: FastifyRequest): CartOwner => ({ guestKey: guestCartKey(request) }),
        keyHeader: { headers: cartKeyHeaders },
        errors: errorResponses(400, 503),
      },
    ];

    for (const { base, access, who, owner, keyHeader, errors } of variants) {
      const tags = ['cart'];

      routes.get(
        base,
        {
          config: { access },
          schema: {
            tags,
            summary: `The lines of ${who}, newest first, with today's price of each offer`,
            ...keyHeader,
            response: { 200: envelope(z.array(cartItem)), ...errors },
          },
        },
        // the lines are built to the schema by toCartItem (typed): sent as JSON without validating
        // them again (zod's output check was about 7% of GET /cart's CPU profile at 10 lines)
        async (request, reply) => {
          return sendJson(reply, await cart.body(owner(request), cartJson));
        },
      );

      routes.post(
        base,
        {
          config: { access },
          schema: {
            tags,
            summary:
              `Add to ${who}: the same product + seller + options again sums the quantities, ` +
              "never past the offer's stock (400 INSUFFICIENT_STOCK); at most 100 lines",
            ...keyHeader,
            body: addCartItemBody,
            response: { 201: envelope(cartItem), ...errors, 404: errorBody },
          },
        },
        async (request, reply) => reply.code(201).send(ok(await cart.add(owner(request), request.body))),
      );

      routes.patch(
        `${base}/:itemId`,
        {
          config: { access },
          schema: {
            tags,
            summary: `Change a line's quantity in ${who} (up only within the offer's stock)`,
            ...keyHeader,
            params: cartItemParams,
            body: updateCartItemBody,
            response: { 200: envelope(cartItem), ...errors, 404: errorBody },
          },
        },
        async (request) =>
          ok(await cart.setQuantity(owner(request), request.params.itemId, request.body.quantity)),
      );

      routes.delete(
        `${base}/:itemId`,
        {
          config: { access },
          schema: {
            tags,
            summary: `Remove a line from ${who}`,
            ...keyHeader,
            params: cartItemParams,
            response: { 200: messageBody, ...errors, 404: errorBody },
          },
        },
        async (request) => {
          await cart.remove(owner(request), request.params.itemId);
          return ok({ message: say(request, 'removed') });
        },
      );

      routes.delete(
        base,
        {
          config: { access },
          schema: {
            tags,
            summary: `Empty ${who}`,
            ...keyHeader,
            response: { 200: messageBody, ...errors },
          },
        },
        async (request) => {
          await cart.clear(owner(request));
          return ok({ message: say(request, 'cleared') });
        },
      );
    }

    routes.post(
      '/cart/guest/merge',
      {
        config: { access: 'user' },
        schema: {
          tags: ['cart'],
          summary:
            "Merge the guest cart (x-cart-key) into mine (ACT-06; login does it too when it carries x-cart-key): quantities summed and capped by the offer's stock, lines out of stock or gone dropped, then the guest cart is deleted; a second merge finds nothing. data = { items: my cart after the merge, merged, dropped, droppedLines }",
          headers: cartKeyHeaders,
          response: { 200: envelope(mergeResult), ...errorResponses(400, 401, 403, 503) },
        },
      },
      async (request) => ok(await cart.mergeGuest(member(request).id, guestCartKey(request))),
    );
  };
}
