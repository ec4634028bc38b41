import type { FastifyRequest } from 'fastify';
import type { AccessTokens } from '../../../http/access-token.ts';
import { CART_KEY_PATTERN } from './schemas.ts';
import type { CartService } from './service.ts';

/**
 * ACT-06 at login: when the login request carries `x-cart-key`, the guest cart is merged into the
 * member's the new access token names. A failed merge never fails the login: it is logged, and the
 * guest cart stays for the next login or `POST /cart/guest/merge`.
 */
export function guestCartMergeAtLogin({
  cart,
  accessTokens,
}: {
  cart: Pick<CartService, 'mergeGuest'>;
  accessTokens: Pick<AccessTokens, 'verify'>;
}) {
  return async (request: FastifyRequest, accessToken: string): Promise<void> => {
    const key = request.headers['x-cart-key'];
    if (typeof key !== 'string' || !CART_KEY_PATTERN.test(key)) return;
    const claims = accessTokens.verify(accessToken);
    if (typeof claims === 'string') return;
    try {
      const { merged, dropped } = await cart.mergeGuest(Number(claims.sub), key);
      if (merged + dropped > 0) request.log.info({ merged, dropped }, 'guest cart merged at login');
    } catch (error) {
      request.log.warn({ err: error }, 'guest cart not merged at login; it stays for a later merge');
    }
  };
}
