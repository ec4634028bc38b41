import type { FastifyRequest } from 'fastify';
import type { AccessTokens } from '../../../http/access-token.ts';
import { COMPARE_KEY_PATTERN } from './schemas.ts';
import type { CompareService } from './service.ts';

/**
 * At login, like the guest cart: when the login request carries `x-compare-key`, the guest's bar
 * is merged into the member's the new access token names (capped at 4). A failed merge never fails
 * the login: it is logged.
 */
export function guestCompareMergeAtLogin({
  compare,
  accessTokens,
}: {
  compare: Pick<CompareService, 'mergeGuest'>;
  accessTokens: Pick<AccessTokens, 'verify'>;
}) {
  return async (request: FastifyRequest, accessToken: string): Promise<void> => {
    const key = request.headers['x-compare-key'];
    if (typeof key !== 'string' || !COMPARE_KEY_PATTERN.test(key)) return;
    const claims = accessTokens.verify(accessToken);
    if (typeof claims === 'string') return;
    try {
      const { merged, dropped } = await compare.mergeGuest(Number(claims.sub), key);
      if (merged + dropped > 0) request.log.info({ merged, dropped }, 'guest compare bar merged at login');
    } catch (error) {
      request.log.warn({ err: error }, 'guest compare bar not merged at login');
    }
  };
}
